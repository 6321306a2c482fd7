"""The chain-rule chapter's checks catch wrong formulas, and its page follows the book's rules."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

import backprop.activations as activations
import backprop.jacobians as jacobians
import backprop.network as network
import book.figures as figures
from chapter_tools import failed, run_chapter

NS = "chain_rule"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "chain-rule.md"
ARTIFACTS = {
    "steps", "order-numerator", "order-denominator", "diag", "hadamard", "softmax",
    "tensor", "tensor-entries", "vjp", "vjp-numerator",
    "square-net", "wrong-transpose", "outer-orientation",
    "ex1", "ex2", "ex3", "ex4",
}


@pytest.fixture
def quick(monkeypatch):
    """Injection tests look at checks, not pictures: skip the (slow) matplotlib heatmaps."""
    monkeypatch.setattr(figures, "matrix_heatmap", lambda M, **kw: "<svg></svg>\n")


def replace_activation(monkeypatch, name: str, **changes) -> None:
    act = activations.ACTIVATIONS[name]
    monkeypatch.setitem(activations.ACTIVATIONS, name, dataclasses.replace(act, **changes))


def backward_with(*, transpose: bool = True, outer: str = "delta a^T"):
    """The reference backward pass with one formula swapped, for injection."""

    def backward(net, cache, y, reduction="sum"):
        W, g, L = net.W, net.g, net.L
        z, a = cache.z, cache.a
        delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        delta[L] = network.output_delta(net.loss, g[L], z[L], a[L], y)  # (B1)
        for l in range(L, 0, -1):
            if l < L:
                W_next = W[l + 1].T if transpose else W[l + 1]
                delta[l] = (W_next @ delta[l + 1]) * g[l].prime(z[l])  # (B2), or without its transpose
            dW[l] = delta[l] @ a[l - 1].T if outer == "delta a^T" else a[l - 1] @ delta[l].T  # (B3), or turned round
            db[l] = delta[l].sum(axis=1, keepdims=True)  # (B4)
        return network.Grads(dW=dW, db=db, delta=delta)

    return backward


# --- the chapter as written ------------------------------------------------


def test_chapter_builds_clean_and_the_page_uses_all_of_it():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert outputs.keys() == ARTIFACTS
    for name, text in outputs.items():
        assert "checks passed" in text, name
    assert outputs["diag"].count("<svg") == 2 and outputs["softmax"].count("<svg") == 1  # the heatmaps
    text = PAGE.read_text(encoding="utf-8")
    included = set(re.findall(r'^\s*--8<-- "chain_rule/([a-z0-9_-]+)\.md"\s*$', text, flags=re.M))
    assert included == ARTIFACTS
    for key in re.findall(r"\[\[val:([a-z0-9_.]+)\]\]", text):
        assert key in values, key


def test_page_rules():
    text = PAGE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for line in lines:
        if line.startswith("#"):
            assert "\\(" not in line and "$" not in line, f"math in a heading: {line}"
    # No typed decimals in tables or formulas (footnotes may cite an arXiv number).
    math = re.findall(r"\\\((.*?)\\\)|\$\$(.*?)\$\$", text, flags=re.S)
    for inline, block in math:
        assert not re.search(r"\d\.\d", inline + block), inline + block
    for line in lines:
        if line.lstrip().startswith("|"):
            assert not re.search(r"\d\.\d", line), line
    assert '!!! success "Shape check"' in text
    assert '=== "Denominator layout"' in text and '=== "Numerator layout"' in text
    assert 2 <= len(re.findall(r'^!!! question "Exercise \d"', text, flags=re.M)) <= 4
    assert "\\tag{B2 with the diagonal Jacobian}" in text and "\\tag{B3 for the loss L}" in text
    assert "(loss-pairs.md)" in text


# --- wrong formulas are caught ----------------------------------------------


def test_wrong_sigmoid_derivative_is_caught(monkeypatch, quick):
    # σ'(z) written as σ(z): every shape stays right.
    replace_activation(monkeypatch, "sigmoid", g_prime=lambda z: 1.0 / (1.0 + np.exp(-z)))
    _, _, failures = run_chapter(NS)
    assert {"steps", "diag", "hadamard", "order-numerator", "order-denominator", "wrong-transpose"} <= failed(failures)


def test_an_activation_that_mixes_entries_is_not_diagonal(monkeypatch, quick):
    # g_i depends on z_(i+1) too: the finite-difference Jacobian gets off-diagonal entries.
    sig = activations.ACTIVATIONS["sigmoid"]
    replace_activation(monkeypatch, "sigmoid", g=lambda z: sig.g(z + 0.5 * np.roll(z, 1, axis=0)))
    _, _, failures = run_chapter(NS)
    diag = next(f for f in failures if f.name == "diag")
    assert "is diagonal" in diag.message and "off-diagonal" in diag.message


def test_wrong_tanh_derivative_is_caught(monkeypatch, quick):
    replace_activation(monkeypatch, "tanh", g_prime=lambda z: 1 - np.tanh(z))
    _, _, failures = run_chapter(NS)
    assert "ex3" in failed(failures)


def test_softmax_treated_as_elementwise_is_caught(monkeypatch, quick):
    # Keeping only the diagonal p(1 - p) of the softmax Jacobian.
    p = activations.softmax
    replace_activation(monkeypatch, "softmax", full_jacobian=lambda z: np.diagflat(p(z) * (1 - p(z))))
    _, _, failures = run_chapter(NS)
    assert "softmax" in failed(failures)


def test_dense_dz_dW_is_caught(monkeypatch, quick):
    # Every slice holding a^T in every row: the right shape, far too many non-zeros.
    def dense(W, a_prev):
        d_l = np.shape(W)[0]
        return np.einsum("ki,j->kij", np.ones((d_l, d_l)), np.asarray(a_prev)[:, 0])

    monkeypatch.setattr(jacobians, "dz_dW", dense)
    _, _, failures = run_chapter(NS)
    assert {"tensor", "tensor-entries", "vjp", "ex1", "ex2"} <= failed(failures)


def test_contraction_that_ignores_delta_is_caught(monkeypatch, quick):
    monkeypatch.setattr(jacobians, "contract_weight_gradient", lambda d, T: T.sum(axis=0))
    _, _, failures = run_chapter(NS)
    assert "vjp" in failed(failures)


def test_backward_without_transpose_is_caught(monkeypatch, quick):
    monkeypatch.setattr(network, "backward", backward_with(transpose=False))
    _, _, failures = run_chapter(NS)
    # On 2-3-2 the shapes refuse (an exception); on 3-3-3 only the numbers can tell.
    assert {"hadamard", "order-numerator", "wrong-transpose", "ex4"} <= failed(failures)
    square = next(f for f in failures if f.name == "wrong-transpose")
    assert "exceeds tolerance" in square.message or "expected a difference" in square.message


def test_outer_product_turned_round_is_caught(monkeypatch, quick):
    monkeypatch.setattr(network, "backward", backward_with(outer="a delta^T"))
    _, _, failures = run_chapter(NS)
    assert "outer-orientation" in failed(failures)


@pytest.mark.parametrize("artifact", ["wrong-transpose", "diag"])
def test_reports_name_the_page_line(artifact, monkeypatch, quick):
    replace_activation(monkeypatch, "sigmoid", g_prime=lambda z: np.ones_like(z))
    _, _, failures = run_chapter(NS)
    report = next(f for f in failures if f.name == artifact).report()
    assert f"artifact chain_rule/{artifact} failed" in report and "docs/chain-rule.md:" in report
