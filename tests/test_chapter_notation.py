"""The notation chapter's checks catch wrong shapes, formulas and index shifts."""

import dataclasses
import re
from pathlib import Path

import numpy as np

import backprop
import backprop.activations as activations
import backprop.network as network
from chapter_tools import failed, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "notation.md"
ARTIFACTS = {"symbols", "numbering", "equations", "read-shapes", "legend", "j-vs-l", "ex1", "ex2", "ex3", "ex4"}


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("notation")
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    for name in ARTIFACTS:
        assert "checks passed" in outputs[name], name
    assert {"notation.m", "notation.ex1_sizes", "notation.ex1_m", "notation.max_cells"} <= values.keys()


def test_page_includes_every_artifact_and_types_no_decimals():
    text = PAGE.read_text(encoding="utf-8")
    for name in ARTIFACTS:
        assert f'--8<-- "notation/{name}.md"' in text, name
    assert '!!! success "Shape check"' in text
    assert not re.search(r"(?<![\w.])\d+\.\d+", text), "a decimal number is typed into the page"
    for label in ("F1", "F2", "B1", "B2", "B3", "B4"):
        assert text.count(rf"\tag{{{label}}}") == 1, label


def test_wrong_sigmoid_derivative_is_caught(monkeypatch):
    # σ'(z) written as σ(z): every shape stays right, only the numbers can tell.
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=sig.g))
    _, _, failures = run_chapter("notation")
    assert {"equations", "ex2"} <= failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures if f.name == "equations")


def test_transposed_weight_gradient_is_caught(monkeypatch):
    # (B3) written as a δᵀ instead of δ aᵀ: the gradient no longer has the shape of W.
    real = backprop.backward

    def backward_with_transposed_dW(net, cache, y, reduction="sum"):
        grads = real(net, cache, y, reduction)
        grads.dW = [None] + [g.T for g in grads.dW[1:]]
        return grads

    monkeypatch.setattr(backprop, "backward", backward_with_transposed_dW)
    _, _, failures = run_chapter("notation")
    assert "symbols" in failed(failures)
    message = next(f.message for f in failures if f.name == "symbols")
    assert "∂J/∂W" in message and "expected" in message


def test_mean_that_does_not_divide_by_m_is_caught(monkeypatch):
    monkeypatch.setattr(network, "_scale", lambda reduction, m: 1.0)
    _, _, failures = run_chapter("notation")
    assert {"j-vs-l", "ex4"} <= failed(failures)


def test_wrong_index_shift_is_caught(monkeypatch):
    # The 2-3-2 chapter's numbers are the general ones plus one; a table claiming otherwise must fail.
    monkeypatch.setattr(backprop, "question_layer", lambda l: l)
    _, _, failures = run_chapter("notation")
    assert {"numbering", "ex2"} <= failed(failures)


def test_hadamard_replaced_by_matrix_product_is_caught(monkeypatch):
    # g'(z) returned as a row: "u ⊙ v" silently broadcasts to a matrix; the shape checks refuse it.
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid",
                        dataclasses.replace(sig, g_prime=lambda z: np.transpose(sig.g_prime(z))))
    _, _, failures = run_chapter("notation")
    assert "symbols" in failed(failures)
