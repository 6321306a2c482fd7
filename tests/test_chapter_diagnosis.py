"""The diagnosis chapter's checks catch wrong formulas, and its page shows the real ShapeError."""

import dataclasses

import numpy as np
import pytest

import backprop
import backprop.activations as activations
import backprop.network as network
from chapter_tools import failed, run_chapter

ARTIFACTS = {"as-written", "fault-a", "fault-b-denominator", "fault-b-numerator", "fault-c", "fault-d", "fault-e",
             "corrected-denominator", "corrected-numerator", "summary", "indexing", "ex1", "ex2", "ex3"}


def replace_prime(monkeypatch, name, g_prime):
    act = activations.ACTIVATIONS[name]
    monkeypatch.setitem(activations.ACTIVATIONS, name, dataclasses.replace(act, g_prime=g_prime))


@pytest.fixture(scope="module")
def clean():
    return run_chapter("diagnosis")


def test_chapter_builds_clean(clean):
    outputs, values, failures = clean
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    for name in ARTIFACTS:
        assert "checks passed" in outputs[name], name


def test_page_prints_the_real_shape_error(clean):
    outputs, values, _ = clean
    text = outputs["as-written"]
    assert "ShapeError: cannot multiply δ(3) (2, 1) by W(3) (2, 3):" in text
    assert 'class="bp-mat bp-factor" data-rows="2" data-cols="1"' in text  # the chain is drawn to scale
    assert "shapes do not chain: 1 ≠ 2" in text  # and its mismatch highlighted
    assert values["diagnosis.message"]["text"].startswith("cannot multiply δ(3) (2, 1) by W(3) (2, 3)")


def test_summary_reports_every_fault(clean):
    outputs, _, _ = clean
    table = outputs["summary"]
    for fault in "abcde":
        assert f"| ({fault}) " in table
    assert table.count("ShapeError at") >= 7  # (a), (b) alone, and every single fix of the printed chain


def test_multiply_that_forgives_shapes_is_caught(monkeypatch):
    # A "helpful" multiply that transposes a factor whenever the shapes do not fit.
    def lenient(factors):
        product = factors[0].value
        for f in factors[1:]:
            v = f.value if product.shape[1] == f.value.shape[0] else f.value.T
            product = product @ v
        return product

    monkeypatch.setattr(backprop, "multiply", lenient)
    _, _, failures = run_chapter("diagnosis")
    assert {"as-written", "summary", "fault-a", "corrected-numerator"} <= failed(failures)


def test_wrong_sigmoid_slope_is_caught(monkeypatch):
    # σ' written as σ: every shape stays right; only finite differences notice.
    replace_prime(monkeypatch, "sigmoid", lambda z: 1.0 / (1.0 + np.exp(-z)))
    _, _, failures = run_chapter("diagnosis")
    assert {"fault-a", "fault-c", "fault-e", "corrected-denominator", "corrected-numerator", "summary"} <= failed(failures)


def test_slope_of_one_for_the_sigmoid_is_caught(monkeypatch):
    # The question's own shortcut, put into the library: the corrected chain must stop matching FD.
    replace_prime(monkeypatch, "sigmoid", lambda z: np.ones_like(z))
    _, _, failures = run_chapter("diagnosis")
    assert {"corrected-denominator", "fault-a", "fault-e"} <= failed(failures)


def test_relu_slope_of_one_everywhere_is_caught(monkeypatch):
    # ReLU'(z) = 1 even for z < 0 looks right while every z > 0; the inactive unit of exercise 2 exposes it.
    replace_prime(monkeypatch, "relu", lambda z: np.ones_like(z))
    _, _, failures = run_chapter("diagnosis")
    assert "ex2" in failed(failures)
    assert "fault-e" not in failed(failures)  # with z(2) > 0 the two slopes agree, as the page says


def test_wrong_tanh_slope_is_caught(monkeypatch):
    replace_prime(monkeypatch, "tanh", lambda z: 1 - np.tanh(z))
    _, _, failures = run_chapter("diagnosis")
    assert "ex1" in failed(failures)


def test_reference_backward_without_slope_is_caught(monkeypatch):
    # (B2) without ⊙ g'(z): the chain built from Jacobians no longer equals the reference pass.
    original = network.backward

    def no_slope(net, cache, y, reduction="sum"):
        grads = original(net, cache, y, reduction)
        W = net.W
        grads.delta[1] = W[2].T @ grads.delta[2]  # (B2) with the slope dropped
        grads.dW[1] = grads.delta[1] @ cache.a[0].T
        return grads

    monkeypatch.setattr(backprop, "backward", no_slope)
    _, _, failures = run_chapter("diagnosis")
    assert {"corrected-denominator", "corrected-numerator", "ex3"} <= failed(failures)


def test_reports_name_the_page_line(monkeypatch):
    replace_prime(monkeypatch, "sigmoid", lambda z: np.ones_like(z))
    _, _, failures = run_chapter("diagnosis")
    report = next(f for f in failures if f.name == "corrected-denominator").report()
    assert "artifact diagnosis/corrected-denominator failed" in report and "docs/diagnosis.md:" in report
