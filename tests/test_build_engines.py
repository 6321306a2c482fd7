"""The same sources built by every engine (MkDocs, ProperDocs, Zensical), each from its own virtualenv.

- ProperDocs writes MkDocs's site byte for byte; the one inherent difference, the generator
  <meta> tag that names the engine, is normalised and nothing else is.
- Zensical (another theme, so other bytes around the content) gives every page its math rendered
  at build time, its values filled in, its includes expanded, its figures and check badges, and
  the same page content as MkDocs; two Zensical builds are byte-identical.
- Each engine's search index holds each formula once, as TeX.

Every check here is also run over a build with a fault that it must catch (the book's Markdown
extension or the snippets extension taken out of the configuration, formulas indexed twice).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from book import texscan
from site_fixtures import ENGINE_PYTHON, PDF_NAME, REPO, copy_book, engine_build, page_paths, site_prefix

pytestmark = pytest.mark.slow


# --- comparing two built sites ------------------------------------------------

# The tag that names the engine (MkDocs: "mkdocs-1.6.1, mkdocs-material-9.8.2"; ProperDocs:
# "mkdocs-ProperDocs 1.6.7, mkdocs-material-9.8.2"): the only bytes that may differ.
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def files(site: Path) -> dict[str, bytes]:
    """Every file the engine wrote (the PDF edition is printed into site/ later, by `make pdf`)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and p.name != PDF_NAME}


def without_generator(name: str, data: bytes) -> bytes:
    if not name.endswith(".html"):
        return data
    data, n = GENERATOR.subn(b'<meta name="generator" content="(engine)">', data)
    return data if n == 1 else data + b"\n(expected one generator tag, found %d)" % n


def tree_differences(a: Path, b: Path, normalise=lambda name, data: data) -> list[str]:
    """Files present in one site only, and files whose (normalised) bytes differ, with the first difference."""
    left, right = files(a), files(b)
    problems = [f"only in {a.name if name in left else b.name}: {name}" for name in sorted(left.keys() ^ right.keys())]
    for name in sorted(left.keys() & right.keys()):
        x, y = normalise(name, left[name]), normalise(name, right[name])
        if x != y:
            i = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y)))
            problems.append(f"{name} differs at byte {i}: {x[max(0, i - 60):i + 60]!r} vs {y[max(0, i - 60):i + 60]!r}")
    return problems


# --- ProperDocs -------------------------------------------------------------------


def test_properdocs_writes_the_mkdocs_site_byte_for_byte(built_site, properdocs_site):
    assert not tree_differences(built_site, properdocs_site, without_generator)
    pages = [n for n in files(built_site) if n.endswith(".html")]
    assert len(pages) >= 10, pages
    # The normalisation is needed (each engine names itself) and is all that differs.
    raw = tree_differences(built_site, properdocs_site)
    assert {line.split(" differs")[0] for line in raw} == set(pages), raw[:3]
    assert b"ProperDocs" in (properdocs_site / "index.html").read_bytes()


def test_site_comparison_catches_a_changed_page_and_a_missing_file(built_site, tmp_path):
    """The fault the ProperDocs check guards against: a page that differs by one word, a file that is missing."""
    other = tmp_path / "other"
    shutil.copytree(built_site, other)
    page = other / "net232" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "checks passed" in text
    page.write_text(text.replace("checks passed", "checks pass", 1), encoding="utf-8")
    (other / "sitemap.xml").unlink()
    index = other / "index.html"
    index.write_bytes(GENERATOR.sub(b'<meta name="generator" content="another-engine 9.9">', index.read_bytes()))
    problems = tree_differences(built_site, other, without_generator)
    assert len(problems) == 2, problems
    assert problems[0].startswith("only in ") and problems[0].endswith(": sitemap.xml"), problems
    assert problems[1].startswith("net232/index.html differs") and "checks pass" in problems[1], problems


# --- Zensical: every page complete --------------------------------------------------

ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
RAW_MATH = re.compile(r'class="arithmatex">\s*(\\\(|\\\[|\$)')
REFERENCE_LEFT = re.compile(r"\[\[(val|shape|answer):")
SNIPPET_LEFT = re.compile(r"^\s*(<p>)?--8&lt;--|--8<--", re.M)


def article(page_html: str) -> str:
    """The page's content, from its title to the end of the article (the theme's buttons before it differ)."""
    m = ARTICLE.search(page_html)
    if not m:
        return ""
    body = m[1]
    return body[body.find("<h1"):] if "<h1" in body else body


def comparable(content: str) -> str:
    """Content as both engines write it: Zensical drops data-search-exclude attributes (after honouring
    them in its search index), and the theme's template leaves different blank lines after it."""
    return re.sub(r' data-search-exclude(="[^"]*")?', "", content).rstrip()


def counts(page_html: str) -> dict[str, int]:
    content = article(page_html)
    return {
        "formulas rendered by KaTeX": page_html.count('class="katex"'),
        "generated figures": page_html.count('<figure class="bp-figure">'),
        "inline SVGs in the content": content.count("<svg"),
        "check badges": page_html.count('class="bp-checks"'),
    }


def page_problems(path: str, page_html: str, reference_html: str) -> list[str]:
    where = f"/{path}"
    problems = []
    if not article(page_html):
        return [f"{where}: no article content"]
    if raw := RAW_MATH.findall(page_html):
        problems.append(f"{where}: {len(raw)} formula(s) left as raw TeX (not rendered at build time)")
    problems += [f"{where}: TeX outside math: …{around}…" for around, _ in texscan.leaks(page_html)]
    if left := REFERENCE_LEFT.findall(page_html):
        problems.append(f"{where}: {len(left)} reference(s) not filled in, e.g. [[{left[0]}:…]]")
    if SNIPPET_LEFT.search(page_html):
        problems.append(f"{where}: an unexpanded --8<-- snippet line")
    ours, theirs = counts(page_html), counts(reference_html)
    problems += [f"{where}: {ours[k]} {k}, MkDocs has {theirs[k]}" for k in theirs if ours[k] != theirs[k]]
    a, b = comparable(article(reference_html)), comparable(article(page_html))
    if a != b:
        i = next((i for i, (p, q) in enumerate(zip(a, b, strict=False)) if p != q), min(len(a), len(b)))
        problems.append(f"{where}: content differs from MkDocs's at character {i}: MkDocs {a[max(0, i - 50):i + 70]!r}, "
                        f"this build {b[max(0, i - 50):i + 70]!r}")
    return problems


def site_problems(site: Path, reference: Path) -> list[str]:
    """Every page of `site` against the same page of the MkDocs build `reference`."""
    pages, expected = page_paths(site), page_paths(reference)
    problems = [f"/{p}: missing" for p in expected if p not in pages]
    problems += [f"/{p}: not in the MkDocs build" for p in pages if p not in expected]
    for path in (p for p in expected if p in pages):
        problems += page_problems(path, (site / path / "index.html").read_text(encoding="utf-8"),
                                  (reference / path / "index.html").read_text(encoding="utf-8"))
    return problems


def test_mkdocs_build_passes_the_page_checks_and_gives_them_something_to_check(built_site):
    assert not site_problems(built_site, built_site)
    totals = defaultdict(int)
    for path in page_paths(built_site):
        for k, v in counts((built_site / path / "index.html").read_text(encoding="utf-8")).items():
            totals[k] += v
    assert totals["formulas rendered by KaTeX"] > 500 and totals["generated figures"] >= 10 and totals["check badges"] >= 20, totals


def test_zensical_gives_every_page_math_values_includes_figures_and_badges(built_site, zensical_site):
    problems = site_problems(zensical_site, built_site)
    assert not problems, "\n".join(problems[:40])
    assert len(page_paths(zensical_site)) >= 10


def test_zensical_builds_are_byte_identical(zensical_site, tmp_path):
    """A second Zensical build, from another clean copy, gives the same bytes (search index and sitemap included)."""
    root = copy_book(tmp_path)
    proc = engine_build("zensical", root / "site", root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not tree_differences(zensical_site, root / "site")
    assert (root / "site" / "search.json").is_file()


def _fault_build(tmp_path: Path, edits: list[tuple[str, str, str]]) -> Path:
    """A Zensical build of a copy of the book with each (file, old, new) replacement made once."""
    root = copy_book(tmp_path)
    for name, old, new in edits:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{name} no longer holds {old!r} exactly once; update this test"
        path.write_text(text.replace(old, new), encoding="utf-8")
    proc = engine_build("zensical", root / "site", root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site"


def test_page_checks_catch_a_zensical_build_without_the_book_extension(built_site, tmp_path):
    """Without book.mdext, Zensical leaves TeX for the browser and [[val:…]] in the text."""
    site = _fault_build(tmp_path, [("mkdocs.yml", "  - book.mdext\n", "")])
    report = "\n".join(site_problems(site, built_site))
    assert "left as raw TeX" in report and "formulas rendered by KaTeX, MkDocs has" in report, report[:3000]
    assert "not filled in, e.g. [[val:" in report, report[:3000]
    assert "content differs from MkDocs's" in report


def test_page_checks_catch_a_zensical_build_without_snippets(built_site, tmp_path):
    """Without pymdownx.snippets, every include stays a --8<-- line: no tables, figures or badges."""
    snippets = "  - pymdownx.snippets:\n      base_path: [generated, .]\n      check_paths: true\n      dedent_subsections: true\n"
    site = _fault_build(tmp_path, [("mkdocs.yml", snippets, "")])
    report = "\n".join(site_problems(site, built_site))
    for expected in ("unexpanded --8<-- snippet line", "generated figures, MkDocs has", "check badges, MkDocs has",
                     "inline SVGs in the content, MkDocs has"):
        assert expected in report, f"{expected!r} not reported:\n{report[:3000]}"


@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_a_problem_in_a_page_stops_every_engine_naming_file_and_line(engine, tmp_path):
    """The book's own errors reach the writer under every engine, and nothing half-built is left."""
    root = copy_book(tmp_path)
    page = root / "docs" / "index.md"
    lines = page.read_text(encoding="utf-8").splitlines() + ["", "The loss is [[val:net232.delta33]]."]
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = engine_build(engine, root / "site", root)
    assert proc.returncode != 0
    assert f"docs/index.md:{len(lines)}: no value 'net232.delta33'" in proc.stderr, proc.stderr[-3000:]
    assert "did you mean 'net232.delta" in proc.stderr
    assert not (root / "site").exists() and not (root / ".site.building").exists()


def _zensical_serve(tmp_path: Path, serve_mode: str = "1", edit_generator: bool = True) -> None:
    """`make serve ENGINE=zensical` in a copy: an edit to a generator reaches the served page; a problem in
    a page shows in that page, and the server keeps running. Raises AssertionError otherwise."""
    root = copy_book(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BOOK_SERVE": serve_mode, "BOOK_STRICT": "false", "PYTHONPATH": str(root / "scripts"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    zensical = ENGINE_PYTHON["zensical"].parent / "zensical"
    log_file = tmp_path / "serve.log"
    log = log_file.open("w")
    proc = subprocess.Popen([str(zensical), "serve", "--config-file", "mkdocs.yml", "-a", f"127.0.0.1:{port}"],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}{site_prefix()}"

    def page(path: str) -> str:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                return r.read().decode("utf-8")
        except OSError:
            return ""

    def wait_for(predicate, what: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert proc.poll() is None, f"zensical serve exited while waiting for {what}:\n" + log_file.read_text()[-2000:]
            if predicate():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}:\n" + log_file.read_text()[-2000:])

    try:
        wait_for(lambda: 'class="katex"' in page("net232/"), "the first build")
        if edit_generator:
            gen = root / "scripts" / "generators" / "net232.py"
            text = gen.read_text(encoding="utf-8")
            caption = 'figure(svg, "a⁽¹⁾ → a⁽²⁾'  # the graph's caption
            assert text.count(caption) == 1, "update this test: net232.py changed"
            gen.write_text(text.replace(caption, caption.replace('"', '"The edited graph: ')), encoding="utf-8")
            wait_for(lambda: "The edited graph: " in page("net232/"), "the edited generator's caption")
        index = root / "docs" / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nThe loss is [[val:net232.nope]].\n", encoding="utf-8")
        wait_for(lambda: "bp-build-error" in page(""), "the problem shown in the page")
        assert "docs/index.md:" in page("") and "no value &#x27;net232.nope&#x27;" in page("")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_zensical_serve_sees_an_edited_generator_and_shows_a_problem_in_the_page(tmp_path):
    _zensical_serve(tmp_path)


def test_zensical_serve_check_catches_a_server_that_dies_on_a_problem(tmp_path):
    """Without the extension's serve mode, the exception ends Zensical's server: the check must say so."""
    with pytest.raises(AssertionError, match="zensical serve exited while waiting for the problem shown in the page"):
        _zensical_serve(tmp_path, serve_mode="0", edit_generator=False)


# --- search: each formula once, as TeX -------------------------------------------------

MARKUP = ('class="katex', "<math", "<annotation", "<bp-k", "<template", "katex-html")
TEMPLATE = re.compile(r"<template>(.*?)</template>", re.S)


def search_index(site: Path) -> list[dict]:
    """The entries of the site's search index: Material's search/search_index.json or Zensical's search.json."""
    material, zensical = site / "search" / "search_index.json", site / "search.json"
    if zensical.is_file():
        return json.loads(zensical.read_text(encoding="utf-8"))["items"]
    return json.loads(material.read_text(encoding="utf-8"))["docs"]


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def search_problems(site: Path) -> tuple[list[str], int]:
    """(problems, formulas checked). Each formula's TeX (its copy in <template>) must occur in the index of
    its page exactly as often as in the page's searchable text: once per formula, never also as MathML's
    annotation or as KaTeX's glyphs. The check badges are excluded from search by design."""
    by_page: dict[str, list[str]] = defaultdict(list)
    problems = []
    for entry in search_index(site):
        by_page[entry["location"].split("#")[0]].append(entry["text"])
        if found := [m for m in MARKUP if m in entry["text"]]:
            problems.append(f"index entry {entry['location']!r} holds rendered math markup {found}")
    checked = 0
    for path in page_paths(site):
        content = re.sub(r'<details class="bp-checks".*?</details>', "", article((site / path / "index.html").read_text(encoding="utf-8")),
                         flags=re.S)  # the check badges are left out of search
        indexed = _spaces(" ".join(by_page.get(path, [])))
        if not indexed:
            problems.append(f"/{path}: not in the search index")
            continue
        # The page's words without its math, tags dropped (a code listing's `a = g(z)` is split into tokens).
        words = _spaces(re.sub(r"<[^>]+>", "", re.sub(r"<bp-k\b.*?</bp-k>|<template>.*?</template>", "", content, flags=re.S)))
        formulas = [_spaces(t) for t in TEMPLATE.findall(content)]
        for tex in sorted(set(formulas)):
            if len(tex) < 8 or tex in words:  # short TeX occurs inside longer formulas; TeX also in prose or code is ambiguous
                continue
            checked += 1
            count = sum(f.count(tex) for f in formulas)  # as itself and inside longer formulas
            if indexed.count(tex) != count:
                problems.append(f"/{path}: the formula {html.unescape(tex)[:70]!r} is in the index {indexed.count(tex)} time(s), "
                                f"on the page {count} time(s)")
    return problems, checked


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_search_index_holds_each_formula_once_as_tex(request, engine):
    site = request.getfixturevalue({"mkdocs": "built_site", "zensical": "zensical_site"}[engine])
    problems, checked = search_problems(site)
    assert not problems, "\n".join(problems[:30])
    assert checked > 300, checked


def test_search_check_catches_formulas_indexed_twice(tmp_path):
    """Without data-search-exclude on the rendered math, the index also takes MathML's annotation (the TeX
    again) and KaTeX's glyphs; the check sees each formula twice."""
    site = _fault_build(tmp_path, [("scripts/book/katex.py", "f\"<bp-k data-search-exclude>{out}", "f\"<bp-k>{out}")])
    problems, _ = search_problems(site)
    assert any("is in the index 2 time(s), on the page 1 time(s)" in p for p in problems), problems[:10]


@pytest.mark.parametrize(("book_strict", "strict"), [(None, True), ("false", False), ("true", True)])
def test_zensical_reads_mkdocs_yml_as_mkdocs_does(book_strict, strict):
    """`strict: !ENV [BOOK_STRICT, true]` (make serve turns it off) and the book's extension reach Zensical;
    the `hooks:` key (MkDocs conveniences) is read without complaint (Zensical has no hooks to run it)."""
    env = {k: v for k, v in os.environ.items() if k != "BOOK_STRICT"} | ({"BOOK_STRICT": book_strict} if book_strict else {})
    script = ("import json; from zensical.config import parse_mkdocs_config as parse; c = parse('mkdocs.yml'); "
              "print(json.dumps({'strict': c['strict'], 'extensions': str(c['markdown_extensions']), 'hooks': c.get('hooks')}))")
    proc = subprocess.run([str(ENGINE_PYTHON["zensical"]), "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    config = json.loads(proc.stdout)
    assert config["strict"] is strict
    assert "book.mdext" in config["extensions"] and "pymdownx.snippets" in config["extensions"]
    assert config["hooks"] == ["scripts/book/hooks.py"]


# --- the engines are pinned and installed as the README says -------------------------------


def test_engine_locks_pin_the_engines_and_the_main_libraries():
    main = (REPO / "requirements.lock").read_text(encoding="utf-8")
    for engine, pin in (("properdocs", "properdocs==1.6.7"), ("zensical", "zensical==0.0.73")):
        lock = (REPO / f"requirements-{engine}.lock").read_text(encoding="utf-8")
        assert re.search(rf"^{re.escape(pin)} \\$", lock, re.M), f"{engine}: {pin} not in its lock"
        for lib in ("numpy", "matplotlib", "pymdown-extensions", "markdown"):
            ours = re.search(rf"^{lib}==(\S+) \\$", lock, re.M)
            theirs = re.search(rf"^{lib}==(\S+) \\$", main, re.M)
            assert ours and theirs and ours[1] == theirs[1], f"{engine}: {lib} {ours and ours[1]} vs main {theirs and theirs[1]}"
        lines = lock.splitlines()
        unhashed = [line for i, line in enumerate(lines) if re.match(r"[A-Za-z0-9_.-]+==", line)
                    and "--hash=sha256:" not in (lines[i + 1] if i + 1 < len(lines) else "")]
        assert not unhashed, f"{engine}: requirements without a hash: {unhashed}"
