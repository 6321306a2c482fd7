"""Rules for the Markdown sources that keep every number machine-made.

- No decimal number typed into a table or a formula in docs/: numbers come from artifacts
  (`--8<-- "ns/name.md"`) or inline values (`[[val:ns.name]]`).
- No math in headings (the table of contents cannot render it).
- Every chapter has a generated figure, a "Shape check" admonition and exercises whose
  solutions the build computes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from book.artifacts import GENERATED, SNIPPET_LINE
from book.engine import generate
from book.texscan import typed_numbers

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for i, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None and (stripped.startswith("```") or stripped.startswith("~~~")):
            fence = stripped[:3]
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        yield i, line


# Pages that are not chapters: no figure, shape check or exercises required.
NOT_CHAPTERS = {"index.md", "checking.md", "shape-explorer.md"}


def chapters() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if p.name not in NOT_CHAPTERS)


def hand_typed_numbers(text: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in typed_numbers(text)]


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_hand_typed_numbers(page):
    problems = hand_typed_numbers(page.read_text(encoding="utf-8"))
    assert not problems, f"docs/{page.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("typed", [
    "| a | 0.5866 |\n",                                   # a Markdown table
    "The value \\(a = 0.25\\) is typed.\n",              # inline math \( \)
    "$$\nW = \\begin{bmatrix} 0.1 \\end{bmatrix}\n$$\n",   # display math
    "Inline $x = 3.5$ here.\n",                          # inline math $ $
    "A leading dot \\(x = .123\\).\n",                   # .123
    "A tolerance \\(1e-7\\).\n",                         # scientific notation in math
    "The step 2.5E+3 in prose.\n",                       # scientific notation in prose
    "A decimal comma \\(0,25\\).\n",                     # decimal comma
    "<table><tr><td>0.75</td></tr></table>\n",           # an HTML table
    "The loss drops to 0.2431 after one step.\n",       # a result in prose
])
def test_the_scan_catches_each_form(typed):
    assert hand_typed_numbers(typed), typed


@pytest.mark.parametrize("fine", [
    "```python\nx = 0.5\n```\n",
    "Section 6.5 of the book, version 1.6.1.\n",
    "arXiv:1802.01528, section 4.2 and §6.2.2.2\n",
    "Indices \\(W_{1,2}\\) and \\((1,2)\\).\n",
    "Powers of ten \\(10^{-7}\\), \\(\\dots\\), a value [[val:net232.L]], code `0.5`.\n",
])
def test_the_scan_leaves_citations_code_and_references_alone(fine):
    assert not hand_typed_numbers(fine), fine


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_math_in_headings(page):
    bad = [f"{i}: {line}" for i, line in prose_lines(page.read_text(encoding="utf-8"))
           if line.startswith("#") and ("\\(" in line or "$" in line)]
    assert not bad, f"docs/{page.name}: math in a heading (use Unicode, e.g. δ⁽³⁾):\n" + "\n".join(bad)


def empty_table_headers(text: str) -> list[str]:
    """Header rows of pipe tables with an empty cell (a th without text: axe's empty-table-header)."""
    lines, bad = list(prose_lines(text)), []
    for (i, line), (_, below) in zip(lines, lines[1:], strict=False):
        if re.fullmatch(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*", below) and "|" in line:
            cells = line.strip().strip("|").split("|")
            if any(not c.strip() for c in cells):
                bad.append(f"{i}: {line.strip()}")
    return bad


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_empty_table_header(page):
    bad = empty_table_headers(page.read_text(encoding="utf-8"))
    assert not bad, f"docs/{page.name}: name every column of a table's header:\n" + "\n".join(bad)


def test_the_header_scan_catches_an_empty_corner():
    assert empty_table_headers("| | value |\n| :-- | --: |\n| J | x |\n") == ["1: | | value |"]
    assert empty_table_headers("| a || b |\n|---|---|---|\n") and not empty_table_headers("| a | b |\n|---|---|\n")


@pytest.fixture(scope="module")
def artifacts_ready():
    summary = generate()  # cached: only stale generators run
    assert not summary.failures, [f.report() for f in summary.failures]


def included_artifacts(text: str) -> list[str]:
    return [m["target"] for _, line in prose_lines(text) if (m := SNIPPET_LINE.match(line)) and not m["target"].startswith("scripts/")]


@pytest.mark.parametrize("page", chapters(), ids=lambda p: p.name)
def test_chapter_has_figure_shape_check_and_exercises(page, artifacts_ready):
    text = page.read_text(encoding="utf-8")
    included = included_artifacts(text)
    assert included, f"docs/{page.name} includes no generated artifact"
    generated = {t: (GENERATED / t).read_text(encoding="utf-8") for t in included if (GENERATED / t).exists()}
    assert any("<figure" in g for g in generated.values()), f"docs/{page.name} has no generated figure"
    assert re.search(r'^\s*[!?]{3}\+? success "Shape check"', text, re.M), f"docs/{page.name} has no Shape check admonition"
    exercises = re.findall(r'^\s*!!! question "Exercise', text, re.M)
    assert exercises, f"docs/{page.name} has no exercises"
    # A solution is written in the page (citing checked values) or, in older chapters, generated whole.
    in_page = len(re.findall(r'^\s*\?\?\? tip "Solution', text, re.M))
    generated_solutions = [g for g in generated.values() if '??? tip "Solution' in g]
    assert in_page + len(generated_solutions) >= len(exercises), \
        f"docs/{page.name}: {len(exercises)} exercises, {in_page + len(generated_solutions)} solutions"
