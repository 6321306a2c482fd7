"""The 2-3-2 chapter's checks catch wrong formulas in the reference code."""

import dataclasses

import numpy as np
import pytest

import backprop
import backprop.activations as activations
from chapter_tools import failed, run_chapter


def wrong_sigmoid(monkeypatch, g_prime):
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=g_prime))


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("net232")
    assert not failures, [f.report() for f in failures]
    assert {"forward", "delta3", "dw3", "dw2", "delta2", "chain-numerator", "chain-denominator", "bias"} <= outputs.keys()
    assert "checks passed" in outputs["dw3"]


def test_wrong_sigmoid_derivative_is_caught(monkeypatch):
    # sigma'(z) written as sigma(z) instead of sigma(z)(1 - sigma(z)): every shape stays right.
    wrong_sigmoid(monkeypatch, lambda z: 1.0 / (1.0 + np.exp(-z)))
    _, _, failures = run_chapter("net232")
    assert {"delta3", "dw3", "dw2", "delta2", "bias"} <= failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)


@pytest.mark.parametrize("artifact", ["dw3", "dw2"])
def test_reports_name_the_page_line(artifact, monkeypatch):
    wrong_sigmoid(monkeypatch, lambda z: np.ones_like(z))  # the question's (1, 1, 1)
    _, _, failures = run_chapter("net232")
    report = next(f for f in failures if f.name == artifact).report()
    assert f"artifact net232/{artifact} failed" in report and "docs/net232.md:" in report


def test_exercises_build_with_checks():
    outputs, values, failures = run_chapter("net232")
    assert not failures
    assert {"ex1", "ex2", "ex3"} <= outputs.keys()
    assert all('??? tip "Solution"' in outputs[f"ex{k}"] and "checks passed" in outputs[f"ex{k}"] for k in (1, 2, 3))
    assert values["net232.eta"]["text"] == "0.5"


def test_wrong_sigmoid_derivative_is_caught_by_the_exercises(monkeypatch):
    wrong_sigmoid(monkeypatch, lambda z: 1.0 / (1.0 + np.exp(-z)))
    _, _, failures = run_chapter("net232")
    assert {"ex1", "ex2"} <= failed(failures)


def test_gradient_step_that_goes_uphill_is_caught(monkeypatch):
    # A sign error in the gradient: the step of Exercise 3 then increases the loss.
    real = backprop.backward

    def uphill(net, cache, y, reduction="sum"):
        g = real(net, cache, y, reduction)
        return dataclasses.replace(g, dW=[None if w is None else -w for w in g.dW], db=[None if b is None else -b for b in g.db])

    monkeypatch.setattr(backprop, "backward", uphill)
    _, _, failures = run_chapter("net232")
    assert "ex3" in failed(failures)
    assert "the step decreases the loss" in next(f for f in failures if f.name == "ex3").message
