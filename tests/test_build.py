"""The build as a contributor meets it: clean copies of the book, built for real.

Each test copies the sources to a temporary folder (so no cache or earlier output
helps), optionally breaks something on purpose, and runs the same commands as the
README. A broken formula, a typo or malformed TeX must stop the build with a
message that names the place and the numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

COPIED = ["docs", "scripts", "includes", "overrides", "mkdocs.yml", "package.json"]


def make_copy(tmp: Path, generated: bool = False) -> Path:
    """A copy of the sources; with `generated`, also the artifacts (for tests about pages, not generation)."""
    root = tmp / "book"
    root.mkdir()
    for name in COPIED + (["generated"] if generated else []):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, root / name)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def run(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # PYTHONPATH: the copy's own book and backprop packages, not the repository's editable install.
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000",
                "PYTHONPATH": str(root / "scripts"), **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, env=full_env, timeout=600)


def build(root: Path, strict: bool = True) -> subprocess.CompletedProcess:
    return run(root, "-m", "mkdocs", "build", *(["--strict"] if strict else []), "--site-dir", "site")


def generate(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run(root, "-m", "book.generate", *args)


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} no longer contains {old!r} exactly once; update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def tree_digest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*")) if p.is_file()}


# --- the happy path ----------------------------------------------------------


def test_clean_builds_are_byte_identical(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = make_copy(tmp_path / "a"), make_copy(tmp_path / "b")
    for root in (first, second):
        proc = build(root)
        assert proc.returncode == 0, proc.stderr
    a, b = tree_digest(first / "site"), tree_digest(second / "site")
    assert a.keys() == b.keys()
    differing = [name for name in a if a[name] != b[name]]
    assert not differing, f"files differ between two clean builds: {differing[:10]}"
    assert any(name.endswith(".html") for name in a)


def test_build_renders_all_math_and_ships_katex_assets(tmp_path):
    root = make_copy(tmp_path)
    proc = build(root)
    assert proc.returncode == 0, proc.stderr
    site = root / "site"
    page = (site / "net232" / "index.html").read_text(encoding="utf-8")
    assert 'class="katex"' in page and "<math" in page  # HTML for the eye, MathML for assistive tech
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'class="arithmatex">\\[(\[]', text), f"raw TeX left in {html}"
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text
    css = (site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    for font in set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css)):
        assert (site / "assets" / "katex" / font).exists(), f"stylesheet names {font}, which the site does not ship"


# --- cache -------------------------------------------------------------------


def test_cache_regenerates_only_what_changed(tmp_path):
    root = make_copy(tmp_path)
    first = generate(root)
    assert first.returncode == 0, first.stderr
    again = generate(root)
    assert "0 generator(s) run" in again.stdout, again.stdout
    # Prose edits do not touch the generators' inputs.
    (root / "docs" / "index.md").write_text("# Edited\n", encoding="utf-8")
    assert "0 generator(s) run" in generate(root).stdout
    # Editing one generator reruns only that generator (and generators that declare DEPENDS_ON it;
    # nothing depends on gradient_checking).
    gen = root / "scripts" / "generators" / "gradient_checking.py"
    gen.write_text(gen.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    out = generate(root).stdout
    assert "1 generator(s) run ['gradient_checking']" in out, out
    # Editing the reference implementation reruns everything that may depend on it.
    ref = root / "scripts" / "backprop" / "network.py"
    ref.write_text(ref.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    out = generate(root).stdout
    n_generators = len([p for p in (root / "scripts" / "generators").glob("*.py") if not p.name.startswith("_")])
    assert f"{n_generators} generator(s) run" in out, out
    # A deleted output is noticed and rewritten.
    victim = next((root / "generated" / "net232").glob("*.md"))
    victim.unlink()
    assert "1 generator(s) run" in generate(root).stdout
    assert victim.exists()


# --- failures that must stop the build ---------------------------------------


def test_backward_without_transpose_fails_the_build(tmp_path):
    """delta^(l) = (W^(l+1) delta^(l+1)) ⊙ g'(z): a transpose forgotten in the reference code."""
    root = make_copy(tmp_path)
    replace_once(root / "scripts/backprop/network.py", "(W[l + 1].T @ delta[l + 1])", "(W[l + 1] @ delta[l + 1])")
    proc = build(root)
    assert proc.returncode != 0
    err = proc.stderr
    assert "build-time artifact generation failed" in err
    # Dozens of artifacts fail; the report fits a screen and names the line they have in common.
    report = err[err.index("build-time artifact generation failed"):]
    assert len(report.splitlines()) <= 45, report
    assert re.search(r"\d+ raised at scripts/backprop/network\.py:\d+ \(in \d+ generators\)", report), report
    assert "(W[l + 1] @ delta[l + 1])" in report and "matmul" in report
    assert re.search(r"used by: +docs/[a-z0-9-]+\.md:\d+", report)  # the page that includes it, with a line number


def test_backward_without_activation_derivative_fails_with_the_numbers(tmp_path):
    """Dropping g'(z) keeps every shape right; only the numbers can catch it."""
    root = make_copy(tmp_path)
    replace_once(root / "scripts/backprop/network.py", "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")
    proc = build(root)
    assert proc.returncode != 0
    err = proc.stderr
    assert re.search(r"artifact [a-z0-9_]+/[a-z0-9-]+ failed", err), err
    assert re.search(r"relative error \d\.\d+e[+-]\d+ exceeds tolerance", err), err
    assert ("analytic = [[" in err and "numeric  = [[" in err) or ("actual   = [[" in err and "expected = [[" in err)
    assert re.search(r"docs/[a-z0-9-]+\.md:\d+", err)


def test_unknown_artifact_names_page_line_and_suggestion(tmp_path):
    root = make_copy(tmp_path)
    page = root / "docs" / "net232.md"
    lines = page.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip() == '--8<-- "net232/delta3.md"')
    lines[index] = lines[index].replace("delta3", "detla3")
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = build(root, strict=False)  # fails without --strict too
    assert proc.returncode != 0
    assert f"docs/net232.md:{index + 1}: no artifact 'net232/detla3.md'" in proc.stderr
    assert "did you mean 'net232/delta3.md'" in proc.stderr


def test_unknown_inline_value_fails(tmp_path):
    root = make_copy(tmp_path)
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nThe loss is [[val:net232.dW22]].\n", encoding="utf-8")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert "no value 'net232.dW22'" in proc.stderr and "did you mean 'net232.dW2'" in proc.stderr


def test_malformed_tex_names_page_line_and_formula(tmp_path):
    root = make_copy(tmp_path)
    page = root / "docs" / "index.md"
    text = page.read_text(encoding="utf-8").splitlines()
    text.append("")
    text.append(r"A broken formula: \(\frac{a}{\)")
    page.write_text("\n".join(text) + "\n", encoding="utf-8")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert f"docs/index.md:{len(text)}: malformed TeX" in proc.stderr, proc.stderr
    assert r"\frac{a}{" in proc.stderr


def test_generator_exception_names_the_generator(tmp_path):
    root = make_copy(tmp_path)
    gen = root / "scripts" / "generators" / "net232.py"
    replace_once(gen, "        net, x, y, cache, grads = worked_example()\n        a, z, d = cache.a[l]",
                 "        raise RuntimeError('boom')\n        a, z, d = cache.a[l]")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert "artifact net232/delta3 failed" in proc.stderr
    assert "scripts/generators/net232.py" in proc.stderr and "RuntimeError: boom" in proc.stderr


def test_nan_in_a_table_fails(tmp_path):
    root = make_copy(tmp_path)
    gen = root / "scripts" / "generators" / "net232.py"
    replace_once(gen, 'ctx.value(f"gprime{l}", net.g[l].prime(z))', 'ctx.value(f"gprime{l}", net.g[l].prime(z) * float("nan"))')
    proc = generate(root)
    assert proc.returncode == 1
    assert "artifact net232/delta3 failed" in proc.stderr and "non-finite" in proc.stderr


def test_missing_code_section_fails(tmp_path):
    root = make_copy(tmp_path)
    page = root / "docs" / "net232.md"
    replace_once(page, '--8<-- "scripts/backprop/network.py:forward"', '--8<-- "scripts/backprop/network.py:forwards"')
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert "has no snippet section 'forwards'" in proc.stderr


def test_scaffolded_chapter_builds_with_checked_artifacts(tmp_path):
    root = make_copy(tmp_path)
    (root / "tests").mkdir()
    proc = run(root, "scripts/new_chapter.py", "weight-decay", "Weight decay", "--section", "General networks")
    assert proc.returncode == 0, proc.stderr
    assert "      - Weight decay: weight-decay.md" in (root / "mkdocs.yml").read_text(encoding="utf-8")
    proc = build(root)
    assert proc.returncode == 0, proc.stderr
    html = (root / "site" / "weight-decay" / "index.html").read_text(encoding="utf-8")
    assert "checks passed" in html and 'class="katex"' in html and "<svg" in html
    # The scaffolded test is a real test: it passes here and fails on a wrong derivative.
    test = root / "tests" / "test_chapter_weight_decay.py"
    shutil.copy2(REPO / "tests" / "chapter_tools.py", root / "tests")
    proc = run(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root),
               "-o", "pythonpath=scripts", str(test))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_declared_dependencies_join_the_cache_key(tmp_path):
    """A generator that declares DEPENDS_ON a file reruns when that file changes (and only it does)."""
    root = make_copy(tmp_path)
    (root / "docs" / "data.txt").write_text("1\n", encoding="utf-8")
    gen = root / "scripts" / "generators" / "errata.py"
    gen.write_text(gen.read_text(encoding="utf-8") + '\nDEPENDS_ON = ["docs/data.txt"]\n', encoding="utf-8")
    assert generate(root).returncode == 0
    (root / "docs" / "data.txt").write_text("2\n", encoding="utf-8")
    out = generate(root).stdout
    assert "1 generator(s) run ['errata']" in out, out


def test_depends_on_is_read_from_the_assignment_only(tmp_path, monkeypatch):
    """DEPENDS_ON in a comment or a string declares nothing; the assignment declares its files; a malformed one
    is an error (cache.declared_dependencies skips parsing sources that never mention the name)."""
    from book import cache
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "data.txt").write_text("1\n", encoding="utf-8")
    monkeypatch.setattr(cache, "REPO", tmp_path)
    gen = tmp_path / "gen.py"
    for source, expected in [("x = 1\n", []), ("# DEPENDS_ON = ['docs/data.txt']\nx = 'DEPENDS_ON'\n", []),
                             ("DEPENDS_ON = ['docs/data.txt']\n", [tmp_path / "docs" / "data.txt"])]:
        gen.write_text(source, encoding="utf-8")
        assert cache.declared_dependencies(gen) == expected, source
    gen.write_text("DEPENDS_ON = 'docs/data.txt'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list of glob strings"):
        cache.declared_dependencies(gen)


def test_generation_writes_no_bytecode_under_watched_scripts(tmp_path):
    """`mkdocs serve` watches scripts/; a .pyc written there by the generator would trigger another build."""
    root = make_copy(tmp_path)
    proc = run(root, "-m", "book.generate", env={"PYTHONDONTWRITEBYTECODE": ""})
    assert proc.returncode == 0, proc.stderr
    assert not list((root / "scripts" / "generators").rglob("*.pyc"))


# --- issue 13: faults that used to ship with exit 0, or hang --------------------------


def add_artifact(root: Path, ns: str, code: str) -> None:
    """Append an artifact to a generator in the copy."""
    gen = root / "scripts" / "generators" / f"{ns}.py"
    gen.write_text(gen.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")


def test_endless_loop_in_a_generator_stops_at_the_time_limit_naming_it(tmp_path):
    root = make_copy(tmp_path, generated=True)  # only the edited generator runs
    add_artifact(root, "errata", '@artifact("spin")\ndef spin(ctx):\n    while True:\n        pass\n')
    proc = generate(root, "--timeout", "10")
    assert proc.returncode == 1
    assert "scripts/generators/errata.py ran longer than its time limit of 10 s while computing artifact errata/spin" in proc.stderr
    assert "BOOK_GENERATOR_TIMEOUT" in proc.stderr


def test_a_killed_generator_names_the_signal_and_the_artifact(tmp_path):
    root = make_copy(tmp_path, generated=True)
    add_artifact(root, "errata", '@artifact("die")\ndef die(ctx):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n')
    proc = generate(root, "errata")
    assert proc.returncode == 1
    assert "was killed by signal SIGKILL (9)" in proc.stderr and "in artifact errata/die" in proc.stderr


def test_a_hand_edited_value_in_the_cache_never_reaches_a_page(tmp_path):
    root = make_copy(tmp_path)
    assert generate(root).returncode == 0
    manifest = root / "generated" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    true_text = data["net232"]["values"]["net232.J"]["text"]
    data["net232"]["values"]["net232.J"]["text"] = "0.999999"
    manifest.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    out = generate(root).stdout
    assert "1 generator(s) run ['net232']" in out, out
    assert json.loads(manifest.read_text(encoding="utf-8"))["net232"]["values"]["net232.J"]["text"] == true_text
    # The same for a generated file edited by hand.
    table = root / "generated" / "net232" / "graph.md"
    table.write_text(table.read_text(encoding="utf-8").replace("0.", "9.", 1), encoding="utf-8")
    assert "1 generator(s) run ['net232']" in generate(root).stdout


def test_parallel_generation_writes_the_same_bytes_as_serial(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    serial, parallel = make_copy(tmp_path / "a"), make_copy(tmp_path / "b")
    assert generate(serial, "--jobs", "1").returncode == 0
    assert generate(parallel, "--jobs", "4").returncode == 0
    assert tree_digest(serial / "generated") == tree_digest(parallel / "generated")
    # The durations recorded for scheduling live outside generated/, one per generator.
    record = parallel / ".cache" / "book" / "generator-seconds.json"
    names = sorted(p.stem for p in (parallel / "scripts" / "generators").glob("[!_]*.py"))
    assert sorted(json.loads(record.read_text(encoding="utf-8"))) == names
    # A stale record (shortest first, a deleted name, a damaged entry) changes only the start order, never a byte.
    record.write_text(json.dumps({"gone": 99, "net232": "x", **{ns: i / 10 for i, ns in enumerate(reversed(names))}}),
                      encoding="utf-8")
    assert generate(parallel, "--force", "--jobs", "2").returncode == 0
    assert tree_digest(serial / "generated") == tree_digest(parallel / "generated")
    assert sorted(json.loads(record.read_text(encoding="utf-8"))) == names


def test_the_census_counts_every_check_in_the_badges(tmp_path):
    root = make_copy(tmp_path)
    assert generate(root).returncode == 0
    # An independent count: the list items of every badge the generators wrote.
    items = sum(f.read_text(encoding="utf-8").count("<li>") for f in (root / "generated").rglob("*.md") if f.parent.name != "book")
    manifest = json.loads((root / "generated" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["book"]["values"]["book.census_checks"]["text"] == str(items)


def page_problem(tmp_path, page: str, line_text: str) -> tuple[subprocess.CompletedProcess, int]:
    """Build a copy whose page has one extra line; return the build and that line's number."""
    root = make_copy(tmp_path, generated=True)
    path = root / "docs" / page
    lines = path.read_text(encoding="utf-8").splitlines() + ["", line_text]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return build(root, strict=False), len(lines)


@pytest.mark.parametrize("line_text, says", [
    ("--8<-- 'net232/detla3.md'", "no artifact 'net232/detla3.md'"),                  # an include in single quotes
    (r"The value \(a + b is never closed.", "math left open"),                          # \( without \)
    ("It costs $ five.", "a lone '$'"),                                                 # a stray dollar
    (r"The fraction \frac{a}{b} outside math.", "TeX outside math"),                    # TeX with no delimiters
    ("A result typed by hand: 0.2431 of them.", "the number 0.2431 is typed into the prose"),
    ("See [the layouts](layouts.md#no-such-heading).", "names '#no-such-heading'"),
    ("See [a page](no-such-page.md).", "names docs/no-such-page.md, which does not exist"),
])
def test_page_problems_stop_the_build_with_file_and_line(tmp_path, line_text, says):
    proc, line = page_problem(tmp_path, "index.md", line_text)
    assert proc.returncode != 0
    assert f"docs/index.md:{line}:" in proc.stderr and says in proc.stderr, proc.stderr[-2000:]


def test_a_nav_entry_naming_a_missing_page_gives_the_config_line(tmp_path):
    root = make_copy(tmp_path, generated=True)
    config = root / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    at = lines.index("  - Home: index.md")
    lines.insert(at + 1, "  - Ghost: ghost.md")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert f"mkdocs.yml:{at + 2}: the nav entry names docs/ghost.md, which does not exist" in proc.stderr


def test_malformed_tex_from_a_generator_names_the_artifact_and_generator(tmp_path):
    root = make_copy(tmp_path)
    add_artifact(root, "errata", '@artifact("bad-tex")\ndef bad_tex(ctx):\n    ctx.check.that("x", True, "ok")\n'
                 '    return "$$\\n\\\\frac{a}{\\n$$"\n')
    page = root / "docs" / "errata.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n--8<-- "errata/bad-tex.md"\n', encoding="utf-8")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert "artifact errata/bad-tex (made by scripts/generators/errata.py), included at docs/errata.md:" in proc.stderr
    assert "malformed TeX" in proc.stderr


def test_a_failed_build_leaves_no_site_to_deploy(tmp_path):
    root = make_copy(tmp_path, generated=True)
    assert run(root, "-m", "book.build", "--site-dir", "site").returncode == 0
    assert (root / "site" / "index.html").exists()
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nBroken \\(\\frac{a}{\\).\n", encoding="utf-8")
    proc = run(root, "-m", "book.build", "--site-dir", "site")
    assert proc.returncode != 0
    assert not (root / "site").exists() and not (root / ".site.building").exists()
    assert "nothing half-built can be deployed" in proc.stderr


def test_search_reads_pages_without_their_rendered_math_and_indexes_the_same(tmp_path):
    """hooks.py hides rendered math from Material's search parser (speed); the index must not change,
    and each formula must be in it once, as TeX."""
    root = make_copy(tmp_path, generated=True)
    fast, slow = root / "fast", root / "slow"
    assert run(root, "-m", "mkdocs", "build", "--site-dir", str(fast)).returncode == 0
    assert run(root, "-m", "mkdocs", "build", "--site-dir", str(slow), env={"BOOK_SEARCH_FAST": "0"}).returncode == 0
    index = (fast / "search" / "search_index.json").read_text(encoding="utf-8")
    assert index == (slow / "search" / "search_index.json").read_text(encoding="utf-8")
    page = (fast / "net232" / "index.html").read_text(encoding="utf-8")
    assert page.count("<bp-k ") > 20  # the written page still has its math
    entry = json.loads(index)["docs"]
    text = " ".join(d["text"] for d in entry if d["location"].startswith("net232/"))
    assert text.count(r"\delta^{(3)}") >= 1 and "katex" not in text and "δ(3)=" not in text
