"""The layouts chapter's checks catch wrong layouts, wrong identities and a wrong chain order."""

import dataclasses
import re
from pathlib import Path

import pytest

import backprop
import backprop.activations as activations
from book.artifacts import GENERATORS
from chapter_tools import failed, run_chapter, run_generator
from chapter_tools import run_edited as _run_edited

PAGE = Path(__file__).resolve().parents[1] / "docs" / "layouts.md"
ARTIFACTS = {"kinds", "chain-numerator", "chain-denominator", "transpose", "wx-numerator", "wx-denominator",
             "identities", "book-choice", "ex1", "ex2", "ex3"}


def run_edited(tmp_path, old, new):
    return _run_edited("layouts", tmp_path, old, new)


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("layouts")
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    for name in ARTIFACTS:
        assert "checks passed" in outputs[name], name
    assert "layouts.ex1_t" in values


def test_page_includes_every_artifact_in_tabs_and_types_no_decimals():
    text = PAGE.read_text(encoding="utf-8")
    for name in ARTIFACTS:
        assert f'--8<-- "layouts/{name}.md"' in text, name
    for layout in ("numerator", "denominator"):
        assert f'    --8<-- "layouts/chain-{layout}.md"' in text  # inside a content tab
        assert f'    --8<-- "layouts/wx-{layout}.md"' in text
    assert text.count('=== "Denominator layout"') == text.count('=== "Numerator layout"') >= 3
    assert '!!! success "Shape check"' in text
    assert not re.search(r"(?<![\w.])\d+\.\d+", text), "a decimal number is typed into the page"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the two layouts of a derivative by a matrix swapped
        ('den=(r"u x^\\top", u @ x.T)', 'den=(r"u x^\\top", x @ u.T)'),
        # 2Ax, true only for a symmetric A
        ('den=(r"(A + A^\\top)\\, x", (A + A.T) @ x)', 'den=(r"(A + A^\\top)\\, x", 2 * A @ x)'),
        # d tr(BX)/dX claimed to be B in denominator layout
        ('den=(r"B^\\top", B.T)', 'den=(r"B^\\top", B)'),
        # finite differences arranged the wrong way round
        ("return partials, to_denominator(partials)", "return to_denominator(partials), partials"),
    ],
)
def test_wrong_identity_is_caught(tmp_path, old, new):
    _, _, failures = run_edited(tmp_path, old, new)
    assert "identities" in failed(failures)


def test_square_identity_with_transpose_forgotten_is_caught(tmp_path):
    # For a square matrix the shapes cannot tell W from Wᵀ; the numbers must.
    source = (GENERATORS / "layouts.py").read_text(encoding="utf-8")
    square = source.replace("u=rng.standard_normal((2, 1))", "u=rng.standard_normal((3, 1))").replace(
        "W=rng.standard_normal((2, 3))", "W=rng.standard_normal((3, 3))")
    assert square != source
    path = tmp_path / "layouts.py"
    path.write_text(square, encoding="utf-8")
    _, _, failures = run_generator(path)
    assert not failures, "a square W is fine while the formulas are right"
    wrong = square.replace('den=(r"W^\\top", W.T)', 'den=(r"W^\\top", W)')
    assert wrong != square
    path.write_text(wrong, encoding="utf-8")
    _, _, failures = run_generator(path)
    assert "identities" in failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)


def test_denominator_layout_without_transposes_is_caught(monkeypatch):
    # Reversing the chain but forgetting to transpose each factor.
    monkeypatch.setattr(backprop, "to_denominator", lambda x: x)
    _, _, failures = run_chapter("layouts")
    assert {"chain-denominator", "transpose", "kinds", "wx-denominator", "book-choice"} <= failed(failures)


def test_wrong_activation_derivative_is_caught(monkeypatch):
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=sig.g))
    _, _, failures = run_chapter("layouts")
    assert {"chain-numerator", "chain-denominator", "kinds", "book-choice", "ex2"} <= failed(failures)


def test_chain_in_the_wrong_order_is_caught(tmp_path):
    # Denominator factors transposed but not reversed: the product cannot even be formed.
    _, _, failures = run_edited(tmp_path, "for f in reversed(num_factors)]\n    product", "for f in num_factors]\n    product")
    assert "chain-denominator" in failed(failures)
