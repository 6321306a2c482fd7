"""The gradient-checking chapter's checks catch wrong formulas, and its census counts other chapters honestly."""

from __future__ import annotations

import dataclasses

import numpy as np

import backprop
import backprop.activations as activations
import backprop.gradcheck as gradcheck
from book.artifacts import GENERATORS, Checks, Context
from book.worker import load_generator
from chapter_tools import run_chapter

NS = "gradient_checking"


def run_only(names, ns=NS):
    """Run some artifacts of a chapter (fresh module, fresh Contexts); return the names that failed."""
    fns = load_generator(GENERATORS / f"{ns}.py")
    bad = set()
    for name in names:
        try:
            fns[name](Context(ns, name, Checks(), {}))
        except Exception:  # noqa: BLE001 - a CheckFailed or an error both count as caught
            bad.add(name)
    return bad


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert {"step-size", "relative-error", "thresholds", "kink", "ex1", "ex2", "ex3", "ex4"} <= outputs.keys()
    assert "<svg" in outputs["step-size"] and "checks passed" in outputs["step-size"]
    # Slopes published for the page, near 2 (central) and 1 (forward).
    assert abs(float(values[f"{NS}.slope_float64_central"]["text"]) - 2) < 0.1
    assert abs(float(values[f"{NS}.slope_float64_forward"]["text"]) - 1) < 0.1


def test_wrong_backprop_is_caught(monkeypatch):
    # sigma'(z) = sigma(z): every shape stays right, every number is off.
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=sig.g))
    assert {"step-size", "relative-error", "thresholds"} <= run_only(["step-size", "relative-error", "thresholds"])


def test_forward_differences_posing_as_central_are_caught(monkeypatch):
    # If numerical_gradient were a forward difference, the fitted slope would be 1, not 2.
    def forward_only(f, x, h=1e-5):
        grad, f0 = np.zeros(x.shape), float(f(x))
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            step, fp = float(x[i]) - float(old), float(f(x))
            x[i] = old
            grad[i] = (fp - f0) / step
        return grad

    monkeypatch.setattr(backprop, "numerical_gradient", forward_only)
    assert "step-size" in run_only(["step-size"])


def test_absolute_error_posing_as_relative_is_caught(monkeypatch):
    def absolute(a, n):
        return float(np.max(np.abs(np.asarray(a, float) - np.asarray(n, float))))

    monkeypatch.setattr(backprop, "relative_error", absolute)
    monkeypatch.setattr(gradcheck, "relative_error", absolute)
    bad = run_only(["relative-error", "ex2"])
    assert bad == {"relative-error", "ex2"}


def test_wrong_relu_derivative_is_caught(monkeypatch):
    # A ReLU whose derivative switches on late (at 1e-5): wrong right next to the kink.
    relu = activations.ACTIVATIONS["relu"]
    monkeypatch.setitem(activations.ACTIVATIONS, "relu",
                        dataclasses.replace(relu, g_prime=lambda z: (z > 1e-5).astype(float)))
    assert "kink" in run_only(["kink"])
