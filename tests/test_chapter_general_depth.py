"""The general-depth chapter's checks catch wrong formulas, in the reference code and in the chapter's own claims."""

import dataclasses
import re

import pytest

import backprop.activations as activations
import backprop.losses as losses
import backprop.network as network
from chapter_tools import failed, run_chapter
from chapter_tools import run_edited as _run_edited

ARTIFACTS = {"architectures", "verify", "entrywise", "recursion-denominator", "recursion-numerator", "shapes-forward",
             "shapes-backward", "shape-table", "output-convention", "ex1", "ex2", "ex3", "ex4"}


def backward_with(b2):
    """The reference backward pass with (B2) replaced by `b2(W_next, delta_next, g_prime)`."""

    def backward(net, cache, y, reduction="sum"):
        W, g, L = net.W, net.g, net.L
        z, a = cache.z, cache.a
        delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        delta[L] = losses.output_delta(net.loss, g[L], z[L], a[L], y)  # (B1)
        for l in range(L, 0, -1):
            if l < L:
                delta[l] = b2(W[l + 1], delta[l + 1], g[l].prime(z[l]))
            dW[l] = delta[l] @ a[l - 1].T  # (B3)
            db[l] = delta[l].sum(axis=1, keepdims=True)  # (B4)
        return network.Grads(dW=dW, db=db, delta=delta)

    return backward


def run_edited(tmp_path, old, new):
    return _run_edited("general_depth", tmp_path, old, new)


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("general_depth")
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert all("checks passed" in outputs[name] for name in ARTIFACTS)
    assert values["general_depth.n_archs"]["text"] == "6"


def test_correct_backward_through_the_wrapper_passes(monkeypatch):
    # The test's own re-implementation is right when (B2) is right, so failures below come from the injected error.
    monkeypatch.setattr(network, "backward", backward_with(lambda W, d, gp: (W.T @ d) * gp))
    _, _, failures = run_chapter("general_depth")
    assert not failures, [f.report() for f in failures]


def test_missing_activation_derivative_is_caught(monkeypatch):
    # δ(l) = W(l+1)ᵀ δ(l+1): every shape is right, only the numbers can tell.
    monkeypatch.setattr(network, "backward", backward_with(lambda W, d, gp: W.T @ d))
    _, _, failures = run_chapter("general_depth")
    assert {"verify", "entrywise", "recursion-denominator", "recursion-numerator", "ex1", "ex2", "ex3"} <= failed(failures)
    verify = next(f for f in failures if f.name == "verify")
    assert "exceeds tolerance" in verify.message and "network A" in verify.message


def test_missing_transpose_is_caught(monkeypatch):
    # δ(l) = (W(l+1) δ(l+1)) ⊙ g'(z(l)): fails on shapes wherever d_l ≠ d_(l+1), on numbers where they are equal.
    def no_transpose(W, d, gp):
        return (W @ d) * gp

    monkeypatch.setattr(network, "backward", backward_with(no_transpose))
    _, _, failures = run_chapter("general_depth")
    assert {"verify", "entrywise", "shape-table", "shapes-backward", "ex4"} <= failed(failures)


def test_wrong_tanh_derivative_is_caught(monkeypatch):
    tanh = activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", dataclasses.replace(tanh, g_prime=lambda z: 1 - z**2))
    _, _, failures = run_chapter("general_depth")
    assert {"verify", "entrywise", "recursion-denominator", "ex2"} <= failed(failures)


def test_output_delta_always_a_minus_y_is_caught(monkeypatch):
    # The "convention" taken as a law: right for identity + squared error and the two cross-entropy pairs only.
    def convention(loss_, g, z, a, y):
        return a - y

    monkeypatch.setattr(losses, "output_delta", convention)
    monkeypatch.setattr(network, "output_delta", convention)
    _, _, failures = run_chapter("general_depth")
    assert {"output-convention", "verify", "ex3"} <= failed(failures)
    report = next(f for f in failures if f.name == "output-convention").message
    assert "sigmoid + squared error" in report or "tanh + squared error" in report


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('("sigmoid", "squared_error", False, False)', '("sigmoid", "squared_error", True, False)'),
        ('("softmax", "softmax_cross_entropy", True, False)', '("softmax", "softmax_cross_entropy", True, True)'),
        ('("identity", "squared_error", True, True)', '("identity", "squared_error", True, False)'),
    ],
)
def test_wrong_claim_in_the_convention_table_is_caught(tmp_path, old, new):
    _, _, failures = run_edited(tmp_path, old, new)
    assert failed(failures) == {"output-convention"}


def test_wrong_index_in_the_per_entry_recursion_is_caught(tmp_path):
    # Σ_k δ_k W_ik instead of Σ_k δ_k W_ki: the per-entry form of a forgotten transpose.
    _, _, failures = run_edited(tmp_path, "dz[l + 1][k] * W[l + 1][k, i]", "dz[l + 1][k] * W[l + 1][i, k]")
    assert {"verify", "entrywise"} <= failed(failures)


def test_per_entry_weight_gradient_with_swapped_indices_is_caught(tmp_path):
    # dJ/dW_ij = δ_j a_i: a wrong outer product.
    _, _, failures = run_edited(tmp_path, "dz[l][i] * a[l - 1][j, 0]", "dz[l][j % d_l] * a[l - 1][i % d_prev, 0]")
    assert "verify" in failed(failures)


def test_reports_name_the_page_line(monkeypatch):
    monkeypatch.setattr(network, "backward", backward_with(lambda W, d, gp: W.T @ d))
    _, _, failures = run_chapter("general_depth")
    report = next(f for f in failures if f.name == "verify").report()
    assert "artifact general_depth/verify failed" in report and "docs/general-depth.md:" in report


def test_exercise_1_prints_the_product_of_its_factors():
    outputs, _, _ = run_chapter("general_depth")
    m = re.search(r"= (-?\d+\.\d+) \\times (-?\d+\.\d+) = (-?\d+\.\d+)\.", outputs["ex1"])
    assert m, outputs["ex1"]
    d, a, answer = (float(t) for t in m.groups())
    assert answer == pytest.approx(d * a, abs=1e-4)
