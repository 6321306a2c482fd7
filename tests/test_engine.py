"""The build machinery's pieces, each against values worked out by hand here.

Integration through real builds (time limits, killed workers, tampering, the serve error
page) is in test_build.py and test_serve.py; these are the fast unit tests.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import markdown
import numpy as np
import pytest

from book import answers, cache, engine, pages, texscan, values
from book.artifacts import CheckFailed, Checks, Context, badge, render
from book.checks import CheckRecord
from book.engine import Failure, report
from book.figures import plotted
from book.mdext import unwrap_blocks
from book.tables import NonFiniteError
from chapter_tools import Fault, failed, run_chapter

# --- values and references ----------------------------------------------------


def published(**xs) -> dict[str, dict]:
    ctx = Context("t", "a", Checks(), {})
    for name, x in xs.items():
        ctx.value(name, x)
    return ctx.values


def cite(ref: str, vals: dict, in_math: bool = False) -> str:
    m = values.REF.fullmatch(ref)
    assert m, ref
    return values.resolve(m, vals, in_math)


def test_numbers_arrays_shapes_and_tex_are_cited_as_written():
    vals = published(L=0.2431057, k=5, d=np.array([[0.5], [-0.25]]), W=np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                     s=(3, 2), t=r"\tfrac{1}{m}")
    assert cite("[[val:t.L]]", vals) == "0.2431"
    assert cite("[[val:t.k]]", vals) == "5"
    assert cite("[[val:t.t]]", vals) == r"\tfrac{1}{m}"
    assert cite("[[val:t.d]]", vals, in_math=True) == r"\begin{bmatrix}0.5000 \\ -0.2500\end{bmatrix}"
    assert cite("[[val:t.d]]", vals) == r"\(\begin{bmatrix}0.5000 \\ -0.2500\end{bmatrix}\)"  # prose: made math
    assert cite("[[val:t.d.T]]", vals, in_math=True) == r"\begin{bmatrix}0.5000 & -0.2500\end{bmatrix}"
    assert cite("[[val:t.d[2]]]", vals) == "-0.2500"
    assert cite("[[val:t.W[2,3]]]", vals) == "6.0000"  # row 2, column 3, counted from 1
    assert cite("[[shape:t.W]]", vals) == "2×3"
    assert cite("[[shape:t.W]]", vals, in_math=True) == r"2 \times 3"
    assert cite("[[shape:t.s]]", vals) == "3×2"


@pytest.mark.parametrize("ref, says", [
    ("[[val:t.W[3,1]]]", "outside"),          # only 2 rows
    ("[[val:t.W[1]]]", "cite an entry as"),   # a matrix needs two indices
    ("[[val:t.d[0]]]", "counted from 1"),
    ("[[shape:t.L]]", "needs an array"),
    ("[[val:t.L.T]]", "only arrays"),
])
def test_bad_references_say_what_is_wrong(ref, says):
    vals = published(L=1.5, d=np.array([0.5, 0.25]), W=np.ones((2, 3)))
    with pytest.raises(values.ValueProblem, match=says):
        cite(ref, vals)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.array([1.0, np.nan]), "NaN", "the value is INF"])
def test_non_finite_values_cannot_be_published(bad):
    with pytest.raises(ValueError):
        published(x=bad)


def test_a_weight_gradient_must_have_the_shape_of_its_matrix():
    ctx = Context("t", "a", Checks(), {})
    W = np.ones((3, 2))
    ctx.value("dW", np.ones((3, 2)), grad_of=W, layout="denominator")
    ctx.value("dWn", np.ones((3, 2)), grad_of=W, layout="numerator")  # the book's rule: W's shape in both
    with pytest.raises(CheckFailed, match="W's shape"):
        ctx.value("a_deltaT", np.ones((2, 3)), grad_of=W, layout="numerator")  # the strict numerator arrangement
    with pytest.raises(CheckFailed, match="layout must be"):
        ctx.value("dW2", np.ones((3, 2)), grad_of=W, layout="sideways")


# --- answers ------------------------------------------------------------------


def test_an_answer_is_checked_against_its_mistakes():
    ctx = Context("t", "a", Checks(), {})
    ctx.answer("ex", np.array([[1.0], [2.0]]), mistakes={"sign": -np.array([[1.0], [2.0]])})
    assert ctx.check.records[-1].label.startswith("answer ex")
    with pytest.raises(CheckFailed, match="cannot be told apart"):
        ctx.answer("ex2", 0.5, mistakes={"sign": 0.5})  # a 'mistake' that gives the right answer


def test_an_answer_field_carries_the_hint_for_each_mistake():
    ctx = Context("t", "a", Checks(), {})
    ctx.answer("ex", (3, 2), mistakes={"transpose": (2, 3)})
    html = answers.field("t.ex", ctx.values["t.ex"], "f1")
    assert 'data-bp-widget="answer"' in html and " hidden>" in html and 'aria-live="polite"' in html
    assert "transpose of the right answer" in html  # the sentence from includes/hints.md
    ctx.answer("ex3", 1.0, mistakes={"no-such-mistake": 2.0})
    with pytest.raises(KeyError, match="no-such-mistake"):
        answers.field("t.ex3", ctx.values["t.ex3"], "f2")


# --- math in the source, TeX in the output ---------------------------------------


@pytest.mark.parametrize("text, line, says", [
    ("One.\n\nThe value \\(a = b is open.\n", 3, "never closed"),
    ("A lone $ sign here.\n", 1, "lone '$'"),
    ("Closes \\) nothing.\n", 1, "never opened"),
    ("$$\nx = 1\n", 1, "never closed"),
    ("Cost is $x + y.\n", 1, "never closed"),
])
def test_math_left_open_is_found_with_its_line(text, line, says):
    _, problems = texscan.math_spans(text)
    assert [p.line for p in problems] == [line] and says in problems[0].message, problems


def test_math_spans_skip_code_and_cover_multiline_inline_math():
    text = "Code `\\(` and\n\n```\n$ not math\n```\n\nInline \\(a +\nb\\) and $c$ and \\$5.\n"
    spans, problems = texscan.math_spans(text)
    assert not problems
    assert [text[a:b] for a, b in spans] == ["\\(a +\nb\\)", "$c$"]


@pytest.mark.parametrize("html, leaked", [
    ("<p>The \\frac{a}{b} leaked.</p>", True),
    ("<p>An open \\( paren.</p>", True),
    ("<p>Raw $$x$$ here.</p>", True),
    ("<p>Superscript x^{2} here.</p>", True),
    ("<p>Fine <code>\\frac</code> and <span class=\"katex\">\\frac</span>.</p>", False),
    ("<p>Costs $5 and $6.</p>", False),
])
def test_tex_outside_math_is_found(html, leaked):
    assert bool(texscan.leaks(html)) is leaked


# --- pages: anchors, links, labels --------------------------------------------------


@pytest.mark.parametrize("heading", ["The 2-3-2 network", "∂L/∂W⁽³⁾: why a⁽²⁾ is transposed", "Mini-batches, `X` as rows",
                                     "Trap 2: aᵀδ vs aδᵀ", "What *stops* the build"])
def test_anchor_slugs_match_python_markdown(heading):
    html = markdown.markdown(f"## {heading}", extensions=["toc"])
    expected = re.search(r'id="([^"]*)"', html)[1]
    assert pages.slugify(heading) == expected


def test_links_to_missing_pages_and_headings_name_the_line(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\n## Real heading\n\nText.\n", encoding="utf-8")
    lines = ["# B", "", "See [a](a.md#real-heading), [gone](gone.md), [bad](a.md#unreal) and [here](#b).", "[ref]: a.md#nope"]
    (docs / "b.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(pages, "DOCS", docs)
    problems = pages.link_problems(pages.Page("b.md", 0), lines)
    assert len(problems) == 3, problems
    assert "docs/b.md:3: the link 'gone.md'" in problems[0]
    assert "docs/b.md:3: the link 'a.md#unreal' names '#unreal'" in problems[1]
    assert "docs/b.md:4: the link 'a.md#nope'" in problems[2]


def test_nav_entries_naming_missing_pages_give_the_config_line(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\nnav:\n  - Home: index.md\n  - Part:\n      - Gone: gone.md\nplugins: []\n", encoding="utf-8")
    monkeypatch.setattr(pages, "DOCS", docs)
    assert pages.nav_problems(config) == ["mkdocs.yml:5: the nav entry names docs/gone.md, which does not exist"]


def test_one_label_one_formula(tmp_path, monkeypatch):
    docs, inc = tmp_path / "docs", tmp_path / "includes"
    docs.mkdir()
    inc.mkdir()
    (inc / "equations.md").write_text("$$\nz = W a + b \\tag{F1}\n$$\n", encoding="utf-8")
    (docs / "same.md").write_text("# S\n\n$$\nz = W a + b \\tag{F1}\n$$\n", encoding="utf-8")
    (docs / "other.md").write_text("# O\n\nText.\n\n$$\nz = W^\\top a + b \\tag{F1}\n$$\n", encoding="utf-8")
    monkeypatch.setattr(pages, "DOCS", docs)
    monkeypatch.setattr(pages, "INCLUDES", inc)
    monkeypatch.setattr(pages, "REPO", tmp_path)
    assert not pages.label_problems(pages.Page("same.md", 0))
    problems = pages.label_problems(pages.Page("other.md", 0))
    assert problems == ["docs/other.md:6: the label (F1) names a different formula here than at includes/equations.md:2; "
                        "one label, one formula: give the variant a label of its own"]


def test_one_label_one_formula_sees_a_page_saved_again(tmp_path, monkeypatch):
    """The labels are kept per file (serve rescans only what was saved): a page saved with a clashing
    formula is reported, and reported no more once fixed."""
    docs, inc = tmp_path / "docs", tmp_path / "includes"
    docs.mkdir()
    inc.mkdir()
    (inc / "equations.md").write_text("$$\nz = W a + b \\tag{F1}\n$$\n", encoding="utf-8")
    page = docs / "p.md"
    monkeypatch.setattr(pages, "DOCS", docs)
    monkeypatch.setattr(pages, "INCLUDES", inc)
    monkeypatch.setattr(pages, "REPO", tmp_path)
    for k, (formula, clash) in enumerate([("z = W a + b", False), ("z = W^\\top a + b", True), ("z = W a + b", False)]):
        page.write_text(f"# P\n\n$$\n{formula} \\tag{{F1}}\n$$\n", encoding="utf-8")
        os.utime(page, ns=(10**18 + k, 10**18 + k))  # a new modification time, as each save gives
        assert bool(pages.label_problems(pages.Page("p.md", 0))) == clash, formula


# --- artifacts, badges, the cache -------------------------------------------------------


def test_badge_escapes_text_and_keeps_math_for_katex():
    html = badge("ns", "a", [CheckRecord("δ <b> & $a^\\top b$", "ok", "that")])
    assert "δ &lt;b&gt; &amp; " in html and '<span class="arithmatex">\\(a^\\top b\\)</span>' in html
    assert html.startswith('<details class="bp-checks" data-search-exclude>') and "1 check passed" in html


@pytest.mark.parametrize("body", ["| x | NaN |", "value: INF", "-inf", "Infinity"])
def test_non_finite_text_in_an_artifact_stops_it(body):
    checks = Checks()
    checks.that("x", True, "ok")
    with pytest.raises(CheckFailed, match="non-finite"):
        render("ns", "a", body, checks)


def test_an_artifact_without_checks_stops_it():
    with pytest.raises(CheckFailed, match="records no checks"):
        render("ns", "a", "| a |", Checks())


def test_the_seal_notices_any_edit_to_an_entry():
    entry = {"key": "k", "outputs": {}, "values": {"ns.x": {"kind": "number", "text": "0.5000"}}, "checks": {"a": [["that"]]}}
    entry["seal"] = cache.seal(entry)
    assert cache.intact("none", entry)
    entry["values"]["ns.x"]["text"] = "0.6000"
    assert not cache.intact("none", entry)


@pytest.mark.parametrize("data, positive", [([1.0, np.nan], False), ([1.0, np.inf], False), ([1.0, 0.0], True), ([1.0, -2.0], True)])
def test_figure_data_that_a_plot_would_drop_stops_the_build(data, positive):
    with pytest.raises(NonFiniteError):
        plotted("series", data, positive=positive)
    assert plotted("series", [1.0, 2.0], positive=positive).tolist() == [1.0, 2.0]


def test_generated_blocks_are_taken_out_of_paragraphs_whole():
    inner = '<div class="bp-row"><div class="x">a</div><div>b</div></div>'
    html = f"<p>before</p>\n<p>{inner}</p>\n<p>after</p>"
    assert unwrap_blocks(html) == f"<p>before</p>\n{inner}\n<p>after</p>"
    assert unwrap_blocks("<p>text <div class=\"bp-row\">x</div> more</p>") == "<p>text <div class=\"bp-row\">x</div> more</p>"


# --- many failures, one screen ------------------------------------------------------------


def test_many_failures_are_grouped_by_the_line_they_share():
    where = {"file": "scripts/backprop/network.py", "line": 150, "code": "delta[l] = (W[l + 1] @ delta[l + 1])"}
    failures = [Failure(f"gen{i % 5}", f"a{i}", "Traceback ...\nValueError: matmul mismatch", "ValueError", where) for i in range(40)]
    failures.append(Failure("gen9", "z", "check 'δ' failed: relative error 1e-01 exceeds tolerance 1e-07\n  analytic = ...", "check", None))
    text = report(failures)
    assert len(text.splitlines()) < 40
    assert text.startswith("41 artifacts in 6 generators failed")
    assert "- 40 raised at scripts/backprop/network.py:150 (in 5 generators):" in text
    assert "ValueError: matmul mismatch" in text and "check 'δ' failed" in text


# --- the fault-injection seam --------------------------------------------------------------


def test_a_fault_in_the_reference_code_reaches_a_shared_helper():
    """worked_example() binds backward at import time; the fault still reaches it (the seam is the source)."""
    clean = run_chapter("net232")
    assert not clean[2]
    _, _, failures = run_chapter("net232", Fault("backprop/network.py", "(W[l + 1].T @ delta[l + 1])", "(W[l + 1].T @ delta[l + 1] * 2)"))
    assert "running" in failed(failures)


def test_a_fault_that_no_longer_matches_the_source_is_reported():
    with pytest.raises(AssertionError, match="exactly once"):
        run_chapter("net232", Fault("backprop/network.py", "this text is not in the file", "x"))


# --- scheduling: longest first, from the last run's record ---------------------------


def test_the_longest_generators_start_first_and_unrecorded_ones_before_them():
    paths = [Path(f"scripts/generators/{ns}.py") for ns in ("a", "b", "c", "d", "e")]
    seconds = {"a": 0.2, "b": 1.5, "c": 0.2, "e": 0.9}  # d has no record: it may be long, it runs first
    assert [p.stem for p in engine.schedule(paths, seconds)] == ["d", "b", "e", "a", "c"]
    assert engine.schedule(paths, {}) == paths  # no record: file order


def test_two_workers_finish_sooner_longest_first():
    """Why the order matters, worked by hand: 1, 1, 2 on two workers take 3 in file order, 2 longest first."""
    def makespan(order, seconds, workers=2):
        free = [0.0] * workers
        for ns in order:
            free[free.index(min(free))] += seconds[ns]
        return max(free)
    seconds = {"a": 1.0, "b": 1.0, "c": 2.0}
    paths = [Path(f"{ns}.py") for ns in sorted(seconds)]
    assert makespan([p.stem for p in paths], seconds) == 3.0
    assert makespan([p.stem for p in engine.schedule(paths, seconds)], seconds) == 2.0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc (Linux)")
def test_a_worker_computes_on_one_thread_whatever_the_callers_environment(tmp_path, monkeypatch):
    """Workers run side by side, one per core: a BLAS thread pool in each would busy-wait on another worker's
    core. The caller asks for four threads, so this fails without the engine's setting even on one core."""
    for var in engine.ONE_THREAD:
        monkeypatch.setenv(var, "4")
    gen = tmp_path / "threads.py"
    gen.write_text("import os\n\nimport numpy as np\n\nfrom book.artifacts import artifact\n\n\n"
                   '@artifact("count")\ndef count(ctx):\n    np.ones((64, 64)) @ np.ones((64, 64))\n'
                   '    ctx.check.that("threads counted", True, "read from /proc")\n'
                   '    ctx.value("threads", len(os.listdir("/proc/self/task")))\n    return ""\n', encoding="utf-8")
    result = engine.run_workers([gen], jobs=1)["threads"]
    assert not result["failures"], result["failures"]
    assert result["values"]["threads.threads"]["text"] == "1"


@pytest.mark.parametrize("record", ["not json {", "[1, 2]", '{"a": "slow", "b": -1, "c": NaN, "d": true, "e": 0.5}'])
def test_a_damaged_duration_record_is_ignored_entry_by_entry(tmp_path, monkeypatch, record):
    monkeypatch.setattr(engine, "SECONDS", tmp_path / "seconds.json")
    (tmp_path / "seconds.json").write_text(record, encoding="utf-8")
    assert engine.recorded_seconds() == ({"e": 0.5} if record.startswith("{") else {})


def test_the_duration_record_merges_runs_and_forgets_deleted_generators(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "SECONDS", tmp_path / "cache" / "seconds.json")
    assert engine.recorded_seconds() == {}
    engine.record_seconds({"a": 1.0, "gone": 2.0}, {"a", "gone", "b"})
    engine.record_seconds({"b": 0.25}, {"a", "b"})
    assert engine.recorded_seconds() == {"a": 1.0, "b": 0.25}


# --- the cache check under serve: each file hashed and the manifest parsed once per version ---------


def test_a_hand_edit_of_a_generated_file_is_seen_though_hashes_are_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "GENERATED", tmp_path)
    out = tmp_path / "ns" / "table.md"
    out.parent.mkdir()
    out.write_text("| 0.25 |\n", encoding="utf-8")
    entry = {"key": "k", "outputs": {"table.md": cache.sha(b"| 0.25 |\n")}, "values": {}, "checks": {}}
    entry["seal"] = cache.seal(entry)
    assert cache.intact("ns", entry) and cache.intact("ns", entry)  # the second time from memory
    st = out.stat()
    out.write_text("| 9.25 |\n", encoding="utf-8")  # same size, in place
    os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the modification time set back (touch -r)
    assert not cache.intact("ns", entry)
    out.unlink()
    assert not cache.intact("ns", entry)


def test_the_manifest_read_for_checking_follows_every_write(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MANIFEST", tmp_path / "manifest.json")
    assert cache.read() == {}
    cache.save({"b": {"seal": "1"}, "a": {"seal": "2"}})
    assert cache.read() == cache.load() == {"a": {"seal": "2"}, "b": {"seal": "1"}}
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith('"a": ')  # one entry a line, in key order
    (tmp_path / "manifest.json").write_text(text.replace('"2"', '"3"'), encoding="utf-8")  # in place, same size
    assert cache.read()["a"]["seal"] == "3"


def test_a_page_and_an_include_saved_again_give_their_new_dependencies(tmp_path, monkeypatch):
    """`serve` reads each page's dependencies once per version of the file; a save must still be seen."""
    from book import hooks

    monkeypatch.setattr(hooks, "REPO", tmp_path)
    (tmp_path / "includes").mkdir()
    inc, page = tmp_path / "includes" / "eq.md", tmp_path / "page.md"
    inc.write_text("$$ [[val:net232.J]] $$\n", encoding="utf-8")
    page.write_text('Text [[val:errata.x]].\n\n--8<-- "includes/eq.md"\n', encoding="utf-8")
    assert hooks._dependencies(page) == ({"errata", "net232"}, {"includes/eq.md"})
    page.write_text('Text [[val:errata.x]].\n\n--8<-- "layout/fig.md"\n', encoding="utf-8")  # within the same clock tick
    assert hooks._dependencies(page) == ({"errata", "layout"}, set())
    page.write_text('--8<-- "includes/eq.md"\n', encoding="utf-8")
    inc.write_text("$$ [[val:autodiff.y]] [[answer:autodiff.q]] $$\n", encoding="utf-8")
    assert hooks._dependencies(page) == ({"autodiff"}, {"includes/eq.md"})


def test_generation_runs_what_the_check_found_stale_and_a_save_meanwhile_is_not_lost(monkeypatch):
    """ensure_generated asks the engine for the stale generators only; a generator saved while they ran
    (its new time is on disk when generation ends) must be checked at the next call, not taken as verified."""
    from book import mdext

    saved = {"errata.py": 1}
    runs = []

    def fake_run(args, **kw):
        runs.append(args[3:])
        if len(runs) == 1:
            saved["errata.py"] = 2  # the writer saves again while the first generation runs
        return mdext.subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(mdext, "_sources_state", lambda: tuple(saved.items()))
    monkeypatch.setattr(cache, "served_state", lambda: ())
    monkeypatch.setattr(cache, "freshness", lambda: (False, [Path("scripts/generators/errata.py")]))
    monkeypatch.setattr(mdext.subprocess, "run", fake_run)
    monkeypatch.setattr(mdext, "_verified", None)
    monkeypatch.setattr(mdext, "_failed", None)
    mdext.ensure_generated()
    mdext.ensure_generated()  # the save during the first run: checked again
    mdext.ensure_generated()  # nothing changed since: not checked
    assert runs == [["--quiet", "errata"], ["--quiet", "errata"]]


@pytest.mark.parametrize("serve, expect_skipped", [
    ({"dirty": False, "seen": None, "full": True}, False),     # mkdocs build: everything, always
    ({"dirty": True, "seen": None, "full": True}, False),      # serve's first build writes them
    ({"dirty": True, "seen": {"a": "1"}, "full": True}, False),  # the build after a failure rebuilds every page
    ({"dirty": True, "seen": {"a": "1"}, "full": False}, True),  # a save under serve --dirty
])
def test_only_a_dirty_save_under_serve_skips_the_404_page_and_sitemap(monkeypatch, serve, expect_skipped):
    from types import SimpleNamespace

    from book import hooks

    monkeypatch.setattr(hooks, "_serve", {**hooks._serve, **serve})
    config = SimpleNamespace(theme=SimpleNamespace(static_templates={"404.html", "sitemap.xml", "extra.html"}))
    hooks.on_config(config)
    kept = {"extra.html"} if expect_skipped else {"404.html", "sitemap.xml", "extra.html"}
    assert config.theme.static_templates == kept
