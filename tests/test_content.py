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

from book.artifacts import GENERATED, SNIPPET_LINE, generate

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
MATH = re.compile(r"\\\((.+?)\\\)|\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.S)


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


def chapters() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if p.name != "index.md")


def hand_typed_numbers(text: str) -> list[str]:
    problems = []
    lines = dict(prose_lines(text))
    for i, line in lines.items():
        if line.lstrip().startswith("|") and DECIMAL.search(line):
            problems.append(f"{i}: decimal number in a table: {line.strip()[:80]}")
    body = "\n".join(lines.get(i, "") for i in range(1, max(lines, default=0) + 1))
    for m in MATH.finditer(body):
        tex = next(g for g in m.groups() if g is not None)
        if d := DECIMAL.search(tex):
            line = body.count("\n", 0, m.start()) + 1
            problems.append(f"{line}: decimal number {d[0]} typed into a formula")
    return problems


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_hand_typed_numbers(page):
    problems = hand_typed_numbers(page.read_text(encoding="utf-8"))
    assert not problems, f"docs/{page.name}:\n" + "\n".join(problems)


def test_the_scan_catches_typed_numbers():
    assert hand_typed_numbers("| a | 0.5866 |\n")
    assert hand_typed_numbers("The value \\(a = 0.25\\) is typed.\n")
    assert hand_typed_numbers("$$\nW = \\begin{bmatrix} 0.1 \\end{bmatrix}\n$$\n")
    assert not hand_typed_numbers("```python\nx = 0.5\n```\n")
    assert not hand_typed_numbers("Section 6.5 of the book, version 1.6.1.\n")


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_math_in_headings(page):
    bad = [f"{i}: {line}" for i, line in prose_lines(page.read_text(encoding="utf-8"))
           if line.startswith("#") and ("\\(" in line or "$" in line)]
    assert not bad, f"docs/{page.name}: math in a heading (use Unicode, e.g. δ⁽³⁾):\n" + "\n".join(bad)


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
    solutions = [g for g in generated.values() if '??? tip "Solution' in g]
    assert len(solutions) >= len(exercises), f"docs/{page.name}: {len(exercises)} exercises, {len(solutions)} generated solutions"
