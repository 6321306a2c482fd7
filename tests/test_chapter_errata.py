"""The errata chapter's checks catch wrong formulas; its footnotes and quoted sources stay consistent."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

import backprop.activations as activations
from chapter_tools import failed, run_chapter

ARTIFACTS = {"question", "answer1", "answer2", "dz-dwij-denominator", "dz-dwij-numerator", "output-delta", "wild",
             "blog", "ex1"}
PAGE = Path(__file__).resolve().parents[1] / "docs" / "errata.md"


def replace(monkeypatch, name, **changes):
    act = activations.ACTIVATIONS[name]
    monkeypatch.setitem(activations.ACTIVATIONS, name, dataclasses.replace(act, **changes))


@pytest.fixture(scope="module")
def clean():
    return run_chapter("errata")


def test_chapter_builds_clean(clean):
    outputs, _, failures = clean
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    for name in ARTIFACTS:
        assert "checks passed" in outputs[name], name


def test_every_footnote_in_the_tables_is_defined_on_the_page(clean):
    outputs, _, _ = clean
    page = PAGE.read_text(encoding="utf-8")
    used = {m for text in outputs.values() for m in re.findall(r"\[\^([a-z0-9]+)\]", text)}
    defined = set(re.findall(r"^\[\^([a-z0-9]+)\]:", page, re.M))
    assert used, "the tables cite their sources"
    assert used <= defined, f"footnotes used by the tables but not defined in errata.md: {used - defined}"


def test_blog_numbers_are_reproduced_not_typed(clean):
    outputs, _, _ = clean
    table = outputs["blog"].split("??? success")[0]
    # the build recomputes both runs; the printed error appears in the post's column and in the second run
    assert table.split("<details")[0].count("0.291027924") == 2 and "0.291027774" in table.split("<details")[0]


def test_wrong_sigmoid_slope_is_caught(monkeypatch):
    replace(monkeypatch, "sigmoid", g_prime=lambda z: 1.0 / (1.0 + np.exp(-z)))
    _, _, failures = run_chapter("errata")
    assert {"question", "dz-dwij-denominator", "dz-dwij-numerator", "answer1"} <= failed(failures)


def test_wrong_sigmoid_is_caught_by_the_blog_transcription(monkeypatch):
    # A different squashing function cannot reproduce the blog's printed initial error.
    replace(monkeypatch, "sigmoid", g=lambda z: 0.5 * (1 + np.tanh(z)))
    _, _, failures = run_chapter("errata")
    assert {"wild", "blog"} <= failed(failures)


def test_unnormalised_softmax_is_caught(monkeypatch):
    # exp(z) without the division: ŷ − y would no longer be the gradient of cross-entropy.
    replace(monkeypatch, "softmax", g=lambda z: np.exp(z))
    _, _, failures = run_chapter("errata")
    assert {"output-delta", "wild"} <= failed(failures)


def test_wrong_relu_is_irrelevant_here(monkeypatch):
    # A control: the errata never use ReLU, so breaking it must not fail anything.
    replace(monkeypatch, "relu", g_prime=lambda z: np.ones_like(z))
    _, _, failures = run_chapter("errata")
    assert not failures
