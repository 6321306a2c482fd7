"""The checks of docs/shape-explorer.md catch a wrong chain, a wrong reference and a wrong verdict."""

import dataclasses

import numpy as np

import backprop.activations as activations
import backprop.explorer as explorer
from chapter_tools import failed, run_chapter


def test_chapter_generates_cleanly():
    outputs, values, failures = run_chapter("shape_explorer")
    assert not failures, [f.report() for f in failures]
    assert {"fallback", "faults", "vectors", "ex1", "ex2", "ex3"} <= set(outputs)
    assert int(values["shape_explorer.n_vectors"]["text"]) >= 200


def test_a_chain_written_wrong_is_caught(monkeypatch):
    """The model forgets every transpose on W: the book's chains no longer multiply (PyTorch's dY W needs none)."""
    real = explorer.Writer.weight
    monkeypatch.setattr(explorer.Writer, "weight", lambda self, k, T_, op="": real(self, k, False, op))
    _, _, failures = run_chapter("shape_explorer")
    assert failed(failures) == {"fallback", "vectors"}


def test_a_wrong_reference_is_caught(monkeypatch):
    """A slope that is always 1 changes the reference and the chains alike; finite differences of J do not."""
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=lambda z: np.ones_like(z)))
    _, _, failures = run_chapter("shape_explorer")
    assert "fallback" in failed(failures)


def test_a_model_that_lets_broadcasting_through_is_caught(monkeypatch):
    """If ⊙ broadcast like NumPy's *, the bias-axis fault would no longer give a wrong shape in the exercise."""
    real = explorer.product
    monkeypatch.setattr(explorer, "product", lambda op, a, b: a * b if op == "⊙" else real(op, a, b))
    monkeypatch.setattr(explorer, "verdict", lambda value, expected: "correct" if value is not None else "mismatch")
    _, _, failures = run_chapter("shape_explorer")
    assert {"faults", "vectors", "ex1"} <= failed(failures)
