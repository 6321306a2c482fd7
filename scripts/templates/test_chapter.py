"""The checks of docs/{slug}.md catch a wrong formula."""

import dataclasses

import numpy as np
from chapter_tools import failed, run_chapter

import backprop.activations as activations


def test_chapter_generates_cleanly():
    outputs, values, failures = run_chapter("{ns}")
    assert not failures, [f.report() for f in failures]
    assert "example" in outputs


def test_a_wrong_derivative_is_caught(monkeypatch):
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=lambda z: np.ones_like(z)))
    _, _, failures = run_chapter("{ns}")
    assert "example" in failed(failures)
