"""Answer fields at build time: the rule in Python (book.answers), ctx.answer's checks, the field's HTML and
label, and what stops the build (a NaN answer, a mistake the field cannot tell from the answer, a page citing
an answer that does not exist, a mistake kind without a sentence in includes/hints.md, two fields with one name).

Expected values are worked out by hand here; the JavaScript's side is in test_answer_js.py, the reader's side
in test_browser_answers.py.
"""

from __future__ import annotations

import json
import re
from html import unescape

import markdown
import numpy as np
import pytest

from book import answers, cache, mdext
from book.artifacts import CheckFailed, Checks, Context
from book.tables import NonFiniteError
from chapter_tools import Fault, run_chapter
from test_build import build, make_copy

NUM = {"kind": "number", "text": "-0.0610"}


def typed(*rows):
    """Rows of (value, decimals typed)."""
    return {"rows": [[list(c) for c in row] for row in rows]}


# --- the rule --------------------------------------------------------------------


@pytest.mark.parametrize("x, d, text, want", [
    (-0.0610, 4, "-0.0610", "right"),
    (-0.0611, 4, "-0.0610", "right"),      # one unit: a result from the rounded tables
    (-0.0612, 4, "-0.0610", None),
    (-0.061, 3, "-0.0610", "right"),       # trailing zero left out
    (-0.06, 2, "-0.0610", "close"),
    (-0.05, 2, "-0.0610", None),
    (0.0, 0, "-0.0610", None),
    (5.0, 0, "5", "right"),
    (4.0, 0, "5", None),                   # whole numbers exactly
    (5.4, 1, "5", None),
])
def test_one_entry_by_hand(x, d, text, want):
    assert answers.entry(x, d, text) == want


def test_vectors_either_way_matrices_by_their_shape():
    col = {"kind": "array", "shape": [2, 1], "cells": [["0.12"], ["-0.21"]]}
    assert answers.compare(typed([(0.12, 2), (-0.21, 2)]), col) == "right"        # a row
    assert answers.compare(typed([(0.12, 2)], [(-0.21, 2)]), col) == "right"      # a column
    assert answers.compare(typed([(0.1, 1), (-0.21, 2)]), col) == "close"          # one entry with fewer decimals
    assert answers.compare(typed([(0.1, 1), (-0.23, 2)]), col) is None
    assert answers.compare(typed([(0.12, 2)]), col) == "size"
    mat = {"kind": "array", "shape": [2, 2], "cells": [["1", "2"], ["3", "4"]]}
    assert answers.compare(typed([(1, 0), (2, 0)], [(3, 0), (4, 0)]), mat) == "right"
    assert answers.compare(typed([(1, 0), (2, 0), (3, 0), (4, 0)]), mat) == "size"
    assert answers.compare(typed([(1, 0), (3, 0)], [(2, 0), (4, 0)]), mat) is None
    assert answers.compare({"shape": [3, 1]}, {"kind": "shape", "shape": [3]}) == "right"
    assert answers.compare({"shape": [1, 3]}, {"kind": "shape", "shape": [3]}) is None


def test_the_order_of_the_verdicts():
    spec = {"expect": NUM, "mistakes": [{"kind": "sign", "value": {"kind": "number", "text": "0.0610"}}]}
    assert answers.judge(spec, [typed([(-0.061, 4)])]) == {"state": "right"}
    assert answers.judge(spec, [typed([(0.061, 4)])]) == {"state": "hint", "kind": "sign"}
    assert answers.judge(spec, [typed([(-0.06, 2)])]) == {"state": "close"}
    assert answers.judge(spec, [typed([(0.06, 2)])]) == {"state": "hint", "kind": "sign"}
    assert answers.judge(spec, [typed([(1.0, 0), (2.0, 0)])]) == {"state": "size"}
    assert answers.judge(spec, [typed([(1.0, 0)])]) == {"state": "wrong"}
    assert answers.judge(spec, []) == {"state": "unreadable"}
    # two readings (a decimal comma): the better one counts
    assert answers.judge(spec, [typed([(0.0, 0), (610.0, 0)]), typed([(-0.061, 4)])]) == {"state": "right"}


# --- ctx.answer: what the generator may publish ------------------------------------


def test_every_declared_value_told_apart():
    assert answers.told_apart(NUM, {"sign": {"kind": "number", "text": "0.0610"}}) == []
    near = answers.told_apart(NUM, {"sign": {"kind": "number", "text": "-0.0611"}})  # one unit away
    assert near == ["the sign value, typed as printed, is taken for 'right'"]
    col = {"kind": "array", "shape": [3, 1], "cells": [["1.0"], ["2.0"], ["3.0"]]}
    row = {"kind": "array", "shape": [1, 3], "cells": [["1.0", "2.0", "3.0"]]}
    assert answers.told_apart(col, {"transpose": row})  # a vector typed as a row is the same answer
    two = {"a": {"kind": "number", "text": "0.0500"}, "b": {"kind": "number", "text": "0.0501"}}
    assert answers.told_apart(NUM, two) == ["the b value, typed as printed, is taken for 'a'"]
    assert answers.told_apart({"kind": "shape", "shape": [3, 2]}, {"sign": {"kind": "number", "text": "1"}})


@pytest.mark.parametrize("x, mistakes", [
    (float("nan"), {}),
    (np.array([0.5, np.nan]), {}),
    (0.5, {"sign": float("inf")}),
    (np.array([[0.5, 1.0]]), {"transpose": np.array([[0.5], [np.inf]])}),
])
def test_a_non_finite_answer_or_mistake_cannot_be_published(x, mistakes):
    ctx = Context("t", "a", Checks(), {})
    with pytest.raises(NonFiniteError):
        ctx.answer("ex", x, mistakes=mistakes)
    assert "t.ex" not in ctx.values


@pytest.mark.parametrize("x, mistakes, says", [
    (0.5, {"sign": 0.5}, "typed as printed, is taken for 'right'"),
    (-0.0610, {"sign": -0.06105}, "typed as printed, is taken for 'right'"),        # within one unit at 4 decimals
    (np.array([1.0, 2.0]), {"transpose": np.array([[1.0, 2.0]])}, "taken for 'right'"),  # a vector either way
    ((3, 2), {"transpose": (3, 2)}, "taken for 'right'"),
    (0.5, {"sign": -0.5, "mean-vs-sum": -0.5}, "taken for 'mean-vs-sum'"),           # two mistakes, one answer
])
def test_a_mistake_the_field_cannot_tell_apart_stops_the_artifact(x, mistakes, says):
    ctx = Context("t", "a", Checks(), {})
    with pytest.raises(CheckFailed, match="cannot be told apart") as e:
        ctx.answer("ex", x, mistakes=mistakes)
    assert says in str(e.value)


def test_only_numbers_arrays_and_shapes_are_answers():
    with pytest.raises(ValueError, match="not tex"):
        Context("t", "a", Checks(), {}).answer("ex", r"\tfrac{1}{m}")


@pytest.mark.parametrize("old, new, says", [
    # every number, vector and matrix a generator publishes as an answer turns NaN (shapes cannot)
    ("expect = _values.record(x, digits)", 'expect = _values.record(x if isinstance(x, tuple) else x * float("nan"), digits)',
     "non-finite"),
    # every declared mistake gives the right answer
    ("wrong = {kind: _values.record(v, digits) for", "wrong = {kind: _values.record(x, digits) for", "cannot be told apart"),
])
def test_a_running_generator_stops_on_a_nan_answer_or_an_indistinguishable_mistake(old, new, says):
    _, _, failures = run_chapter("net232", Fault("book/artifacts.py", old, new))
    assert failures and all(says in f.message for f in failures), [f.message for f in failures]
    _, published, clean = run_chapter("net232")
    assert not clean and any(rec["kind"] == "answer" for rec in published.values())  # without the fault: no failure


# --- the field -----------------------------------------------------------------------


def spec_of(html: str) -> dict:
    return json.loads(unescape(re.search(r'data-answer="([^"]*)"', html)[1]))


def test_the_field_carries_its_sentences_and_a_label_tied_to_the_input():
    ctx = Context("t", "a", Checks(), {})
    ctx.answer("ex", -0.061, mistakes={"sign": 0.061})
    html = answers.field("t.ex", ctx.values["t.ex"], "f1", ("Your answer", " to Exercise 2"))
    assert re.search(r'<label for="f1">Your answer<span class="bp-vh"> to Exercise 2</span></label><input id="f1"', html)
    assert 'aria-describedby="f1-said"' in html and '<output id="f1-said" for="f1" role="status" aria-live="polite">' in html
    assert " hidden>" in html and "data-search-exclude" in html
    assert "Check<span class=\"bp-vh\"> your answer to Exercise 2</span>" in html
    spec = spec_of(html)
    hints = answers.hints()
    assert spec["mistakes"] == [{"kind": "sign", "hint": hints["sign"], "value": {"kind": "number", "text": "0.0610"}}]
    assert spec["right"] == hints["right"] and spec["wrong"] == hints["wrong"]
    assert "4 decimal places" in spec["close"] and "{" not in spec["close"]
    assert "a single number" in spec["size"] and "a number" in spec["unreadable"]


@pytest.fixture
def hints_file(tmp_path, monkeypatch):
    """A private copy of includes/hints.md that a test may edit."""
    path = tmp_path / "hints.md"
    path.write_text(answers.HINTS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(answers, "HINTS", path)
    return path


def drop_section(path, name):
    text = path.read_text(encoding="utf-8")
    out = re.sub(rf"(?ms)^## {re.escape(name)}\n.*?(?=^## |\Z)", "", text)
    assert out != text
    path.write_text(out, encoding="utf-8")


def test_a_mistake_or_a_verdict_without_its_sentence_is_refused(hints_file):
    ctx = Context("t", "a", Checks(), {})
    ctx.answer("ex", 0.5, mistakes={"sign": -0.5, "no-such-mistake": 2.0})
    with pytest.raises(KeyError, match="no section for no-such-mistake"):
        answers.field("t.ex", ctx.values["t.ex"], "f")
    ctx.answer("ex2", 0.5, mistakes={"sign": -0.5})
    answers.field("t.ex2", ctx.values["t.ex2"], "f")
    drop_section(hints_file, "close")
    with pytest.raises(KeyError, match=r"no section for close \(needed by \[\[answer:t.ex2\]\]\)"):
        answers.field("t.ex2", ctx.values["t.ex2"], "f")


def test_a_sentence_with_a_blank_the_build_cannot_fill_is_refused(hints_file):
    hints_file.write_text(hints_file.read_text(encoding="utf-8").replace("Give {decimals}", "Give {digits}"), encoding="utf-8")
    ctx = Context("t", "a", Checks(), {})
    ctx.answer("ex", 0.5)
    with pytest.raises(KeyError, match=r"section close, uses \{digits\}"):
        answers.field("t.ex", ctx.values["t.ex"], "f")


# --- labels ----------------------------------------------------------------------------

PAGE = '''# Chapter

## Exercises

[[answer:t.a]]

!!! question "Exercise 1"

    Text with `code`.

    ```python
    # a comment, not a heading
    !!! note "not an admonition"
    ```

    [[answer:t.b]]

??? question "Exercise 2: the shape of \\(W\\)"

    - first part

        [[answer:t.c]]

    - second part [[answer:t.d "the second part"]]
'''


def test_the_label_names_the_exercise_the_field_sits_in():
    lines = PAGE.split("\n")
    where = [answers.context(lines, i) for i, line in enumerate(lines) if "[[answer:" in line]
    assert where == ["Exercises", "Exercise 1", "Exercise 2", "Exercise 2"]
    assert answers.labels([("Exercise 1", None)]) == [("Your answer", " to Exercise 1")]
    assert answers.labels([("Exercise 2", None), ("Exercise 2", None), ("Exercise 2", "the sum")]) == [
        ("Answer 1", " to Exercise 2"), ("Answer 2", " to Exercise 2"), ("the sum", " (Exercise 2)")]
    assert answers.labels([("", None)]) == [("Your answer", "")]
    with pytest.raises(answers.LabelClash) as e:
        answers.labels([("Exercise 1", "the sum"), ("Exercise 2", None), ("Exercise 1", "the sum")])
    assert e.value.index == 2


# --- the page: the Markdown extension in-process ------------------------------------------


@pytest.fixture
def served(monkeypatch):
    vals = {}
    for name, x, mistakes in (("a", 0.25, {"sign": -0.25}), ("b", (3, 2), {"transpose": (2, 3)}),
                              ("c", np.array([0.5, -1.5]), {"sign": np.array([-0.5, 1.5])}), ("d", 2.5, {})):
        ctx = Context("t", "g", Checks(), vals)
        ctx.answer(name, x, mistakes=mistakes)
    ctx.value("plain", 0.5)
    monkeypatch.setattr(cache, "served_values", lambda: vals)
    return vals


def render(text: str) -> str:
    md = markdown.Markdown(extensions=["admonition", "pymdownx.details", "pymdownx.superfences"])
    md.preprocessors.register(mdext.SubstitutePreprocessor(md), "book-values", 25)
    return md.convert(text)


def test_a_page_gets_one_labelled_field_per_answer(served):
    html = render(PAGE)
    labels = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<label [^>]*>(.*?)</label>", html)]
    assert labels == ["Your answer to Exercises", "Your answer to Exercise 1", "Your answer to Exercise 2",
                      "the second part (Exercise 2)"]
    ids = re.findall(r'<input id="([^"]+)"', html)
    assert ids == ["answer-t-a", "answer-t-b", "answer-t-c", "answer-t-d"] and re.findall(r'<label for="([^"]+)"', html) == ids
    twice = render("# Chapter\n\n[[answer:t.a]]\n\n[[answer:t.a]]\n")  # the same answer asked twice on a page
    assert re.findall(r'<input id="([^"]+)"', twice) == ["answer-t-a", "answer-t-a-2"]


@pytest.mark.parametrize("line, says", [
    ("[[answer:t.aa]]", "no value 't.aa'; did you mean 't.a'?"),                          # an answer that does not exist
    ("[[answer:t.plain]]", "'t.plain' is a number, not an answer"),
    ('[[val:t.a "a label"]]', "only an answer field takes a label"),
    ('[[answer:t.a ""]]', "'t.a' has an empty label"),
    ("[[answer:t.a]]\n\n[[answer:t.d]]\n\n[[answer:t.c]]", None),                        # numbered: no problem
    ('[[answer:t.a "x"]]\n\n[[answer:t.d "x"]]', "'t.d': two answer fields on this page are both called 'x (Chapter)'"),
])
def test_page_problems_with_answers_stop_the_page(served, line, says):
    text = "# Chapter\n\n" + line + "\n"
    if says is None:
        assert re.findall(r"<label [^>]*>([^<]*)<", render(text)) == ["Answer 1", "Answer 2", "Answer 3"]
        return
    with pytest.raises(mdext.BookError) as e:
        render(text)
    assert says in str(e.value)


def test_a_mistake_kind_without_a_sentence_stops_the_page(served, hints_file):
    drop_section(hints_file, "transpose")
    with pytest.raises(mdext.BookError, match=r"includes/hints.md has no section for transpose \(needed by \[\[answer:t.b\]\]\)"):
        render("# Chapter\n\n[[answer:t.b]]\n")


# --- the real build ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_page_citing_an_answer_that_does_not_exist_stops_the_build(tmp_path):
    root = make_copy(tmp_path, generated=True)
    page = root / "docs" / "index.md"
    lines = page.read_text(encoding="utf-8").splitlines() + ["", "[[answer:net232.ex1_entyr]]"]
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    assert f"docs/index.md:{len(lines)}: no value 'net232.ex1_entyr'" in proc.stderr, proc.stderr[-2000:]
    assert "did you mean 'net232.ex1_entry'" in proc.stderr


@pytest.mark.slow
def test_a_mistake_kind_without_a_sentence_stops_the_build(tmp_path):
    root = make_copy(tmp_path, generated=True)
    drop_section(root / "includes" / "hints.md", "sign")
    proc = build(root, strict=False)
    assert proc.returncode != 0
    # the first page built with a field that declares 'sign', at the field's own line
    m = re.search(r"docs/([\w-]+\.md):(\d+): '([\w.]+)': includes/hints.md has no section for sign", proc.stderr)
    assert m, proc.stderr[-2000:]
    line = (root / "docs" / m[1]).read_text(encoding="utf-8").splitlines()[int(m[2]) - 1]
    assert f"[[answer:{m[3]}" in line
