"""The loss-pairs chapter's checks catch wrong output deltas and a wrong softmax Jacobian."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

import backprop.activations as activations
import backprop.losses as losses
from chapter_tools import failed, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "loss-pairs.md"
ALL = {"mse-sigmoid", "bce-sigmoid", "softmax-ce", "jacobians", "collapse", "chain-denominator", "chain-numerator",
       "saturation", "ex1", "ex2", "ex3", "ex4"}


@pytest.fixture
def fast_figures(monkeypatch):
    """Injection tests are about the checks, not the pictures: skip matplotlib's rendering."""
    import book.figures as figures

    monkeypatch.setattr(figures, "matrix_heatmap", lambda M, **kw: "<svg></svg>")
    monkeypatch.setattr(figures, "line_plot", lambda series, **kw: "<svg></svg>")


def replace_activation(monkeypatch, name, **changes):
    act = activations.ACTIVATIONS[name]
    monkeypatch.setitem(activations.ACTIVATIONS, name, dataclasses.replace(act, **changes))


def replace_loss(monkeypatch, name, **changes):
    L = losses.LOSSES[name]
    monkeypatch.setitem(losses.LOSSES, name, dataclasses.replace(L, **changes))


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("loss_pairs")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    assert "<svg" in outputs["jacobians"] and "<svg" in outputs["saturation"]


def test_page_includes_every_artifact_and_types_no_decimals():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "loss_pairs/([a-z0-9-]+)\.md"', text)) == ALL
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    assert not re.search(r"(?<![\w.§])\d+\.\d+", prose), "a decimal number is typed in the page"  # § numbers are fine
    assert not [h for h in re.findall(r"^#+ .*$", text, flags=re.M) if "\\(" in h or "$" in h], "math in a heading"
    assert '!!! success "Shape check"' in text
    assert '=== "Denominator layout"' in text and '=== "Numerator layout"' in text


def test_sigmoid_derivative_written_as_sigmoid_is_caught(monkeypatch, fast_figures):
    # σ' = σ instead of σ(1 − σ): the chain no longer collapses to either short form.
    replace_activation(monkeypatch, "sigmoid", g_prime=lambda z: activations._sigmoid(z))
    _, _, failures = run_chapter("loss_pairs")
    assert {"mse-sigmoid", "bce-sigmoid", "jacobians"} <= failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)


def test_softmax_jacobian_without_the_outer_product_is_caught(monkeypatch, fast_figures):
    # diag(p) alone: the "elementwise" mistake, made in the reference code.
    replace_activation(monkeypatch, "softmax", full_jacobian=lambda z: np.diagflat(activations._softmax(z)))
    _, _, failures = run_chapter("loss_pairs")
    assert {"softmax-ce", "jacobians", "chain-denominator", "chain-numerator", "ex2", "ex3"} <= failed(failures)


def test_softmax_jacobian_sign_error_is_caught(monkeypatch, fast_figures):
    # diag(p) + p pᵀ: a sign slip that keeps the matrix symmetric and every shape right.
    def plus(z):
        p = activations._softmax(z)
        return np.diagflat(p) + p @ p.T

    replace_activation(monkeypatch, "softmax", full_jacobian=plus)
    _, _, failures = run_chapter("loss_pairs")
    assert {"softmax-ce", "jacobians", "ex2", "ex4"} <= failed(failures)


def test_wrong_cross_entropy_gradient_is_caught(monkeypatch, fast_figures):
    # dJ/da = a − y for binary cross-entropy (forgetting the denominator a(1 − a)).
    replace_loss(monkeypatch, "binary_cross_entropy", grad_fn=lambda a, y: a - y)
    _, _, failures = run_chapter("loss_pairs")
    assert "bce-sigmoid" in failed(failures)


def test_wrong_fused_delta_in_the_library_is_caught(monkeypatch, fast_figures):
    # The library's (B1) keeping σ' for sigmoid + cross-entropy.
    original = losses.output_delta

    def wrong(loss_, g, z, a, y):
        d = original(loss_, g, z, a, y)
        return d * a * (1 - a) if losses.loss(loss_).name == "binary_cross_entropy" else d

    monkeypatch.setattr(losses, "output_delta", wrong)
    _, _, failures = run_chapter("loss_pairs")
    assert "bce-sigmoid" in failed(failures)
