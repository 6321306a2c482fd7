"""The checks of docs/shape-explorer.md catch a wrong chain, a wrong reference and a wrong verdict."""

import dataclasses
import json
import re
from pathlib import Path

import numpy as np

import backprop.activations as activations
import backprop.explorer as explorer
from chapter_tools import failed, run_chapter


def test_chapter_generates_cleanly():
    outputs, values, failures = run_chapter("shape_explorer")
    assert not failures, [f.report() for f in failures]
    assert {"fallback", "faults", "vectors", "ex1", "ex2", "ex3"} <= set(outputs)
    assert int(values["shape_explorer.n_vectors"]["text"]) >= 200


def embedded_configs(text: str) -> list[dict]:
    """The starting configuration of every explorer embedded in a page, from its data-* attributes."""
    out = []
    for tag in re.findall(r'<div [^>]*data-bp-widget="explorer"[^>]*>', text):
        attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag))
        out.append({"widths": [int(w) for w in attrs.get("widths", "2-3-2").split("-")], "m": int(attrs.get("m", "1")),
                    "convention": attrs.get("convention", "columns"), "layout": attrs.get("layout", "denominator"),
                    "faults": [f for f in attrs.get("faults", "").split(",") if f]})
    return out


def test_each_embedded_explorer_starts_where_its_fallback_was_computed():
    """The page's data-* attributes and the generator's EMBEDS name the same configuration."""
    outputs, _, failures = run_chapter("shape_explorer")
    assert not failures
    docs = Path(__file__).resolve().parents[1] / "docs"
    for page in ("layouts", "minibatches"):
        config = json.loads(outputs[f"embed-{page}.json"])
        text = (docs / f"{page}.md").read_text(encoding="utf-8")
        assert embedded_configs(text) == [config], page
        assert f'--8<-- "shape_explorer/embed-{page}.md"' in text
    # the comparison can fail: a page that starts the explorer elsewhere
    assert embedded_configs('<div class="bp-widget" data-bp-widget="explorer" data-m="2" markdown>') != [config]


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
    assert {"fallback", "embed-minibatches"} <= failed(failures)


def test_a_model_that_lets_broadcasting_through_is_caught(monkeypatch):
    """If ⊙ broadcast like NumPy's *, the bias-axis fault would no longer give a wrong shape in the exercise."""
    real = explorer.product
    monkeypatch.setattr(explorer, "product", lambda op, a, b: a * b if op == "⊙" else real(op, a, b))
    monkeypatch.setattr(explorer, "verdict", lambda value, expected: "correct" if value is not None else "mismatch")
    _, _, failures = run_chapter("shape_explorer")
    assert {"faults", "vectors", "ex1"} <= failed(failures)
