"""The mini-batch chapter's checks catch wrong batch formulas, in columns and in rows."""

import re
from pathlib import Path

import numpy as np

import backprop.network as network
import backprop.rows as rows
from chapter_tools import failed, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "minibatches.md"
ALL = {"setup", "broadcast", "reduction", "per-example", "columns", "rows-pytorch", "rows-cs231n", "bias-shape",
       "ex1", "ex2", "ex3", "ex4"}


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("minibatches")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    assert values["minibatches.m"]["text"] == "4"


def test_page_includes_every_artifact_and_types_no_decimals():
    text = PAGE.read_text(encoding="utf-8")
    included = set(re.findall(r'--8<-- "minibatches/([a-z0-9-]+)\.md"', text))
    assert included == ALL
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    assert not re.search(r"(?<![\w.])\d+\.\d+", prose), "a decimal number is typed in the page"
    assert not [h for h in re.findall(r"^#+ .*$", text, flags=re.M) if "\\(" in h or "$" in h], "math in a heading"
    for n in range(1, 5):
        assert f'!!! question "Exercise {n}"' in text


def test_bias_gradient_averaged_instead_of_summed_is_caught(monkeypatch):
    # db = Δ 1 / m: right for m = 1, so only the batch checks can see it.
    original = network.backward

    def wrong(net, cache, y, reduction="sum"):
        g = original(net, cache, y, reduction)
        m = cache.a[0].shape[1]
        g.db = [None] + [db / m for db in g.db[1:]]
        return g

    monkeypatch.setattr(network, "backward", wrong)
    _, _, failures = run_chapter("minibatches")
    assert {"per-example", "columns", "rows-pytorch", "rows-cs231n"} <= failed(failures)
    assert "ex4" not in failed(failures)  # dW is untouched, and the checks say so


def test_mean_reduction_ignored_is_caught(monkeypatch):
    original = network.backward
    monkeypatch.setattr(network, "backward", lambda net, cache, y, reduction="sum": original(net, cache, y, "sum"))
    _, _, failures = run_chapter("minibatches")
    assert {"reduction", "per-example", "ex4"} <= failed(failures)


def test_one_over_m_applied_twice_is_caught(monkeypatch):
    # Dividing Δ(L) by m *and* the weight gradient by m again.
    original = network.backward

    def twice(net, cache, y, reduction="sum"):
        g = original(net, cache, y, reduction)
        if reduction == "mean":
            m = cache.a[0].shape[1]
            g.dW = [None] + [dW / m for dW in g.dW[1:]]
        return g

    monkeypatch.setattr(network, "backward", twice)
    _, _, failures = run_chapter("minibatches")
    assert {"reduction", "per-example"} <= failed(failures)


def test_pytorch_weight_gradient_transposed_is_caught(monkeypatch):
    def wrong(dY, cache):
        X, W = cache
        return dY @ W, X.T @ dY, dY.sum(axis=0)  # dW = Xᵀ dY: CS231n's formula on PyTorch's W

    monkeypatch.setattr(rows, "linear_backward", wrong)
    _, _, failures = run_chapter("minibatches")
    assert {"rows-pytorch", "ex1"} <= failed(failures)


def test_cs231n_bias_summed_along_the_wrong_axis_is_caught(monkeypatch):
    def wrong(dY, cache):
        X, W = cache
        return dY @ W.T, X.T @ dY, dY.sum(axis=1)

    monkeypatch.setattr(rows, "affine_backward", wrong)
    _, _, failures = run_chapter("minibatches")
    assert "rows-cs231n" in failed(failures)


def test_small_error_in_the_row_weight_gradient_is_caught(monkeypatch):
    # A 0.1 % error with every shape right: only the numbers can catch it.
    original = rows.linear_backward

    def scaled(dY, cache):
        dX, dW, db = original(dY, cache)
        return dX, dW * (1 + 1e-3 * np.sign(dW)), db

    monkeypatch.setattr(rows, "linear_backward", scaled)
    _, _, failures = run_chapter("minibatches")
    assert "rows-pytorch" in failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)
