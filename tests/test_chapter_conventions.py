"""The convention translator's checks catch wrong formulas: in the reference code, and in each convention.

Each convention's forward/backward lives in the generator itself, so a wrong formula there is
injected by running a copy of the generator with one line changed (run_chapter re-executes the
module, so patching its functions in place would not survive).
"""

import dataclasses

import numpy as np
import pytest

import backprop.activations as activations
from book.artifacts import GENERATORS, Checks, Context
from book.engine import Failure
from book.worker import load_generator
from chapter_tools import failed, run_chapter, run_generator

ARTIFACTS = {"parameters", "table", "symbols", "dw-figure", "layout-denominator", "layout-numerator",
             "ex1", "ex2", "ex3", "ex4"}
CONVENTIONS = ["cs229", "nielsen", "ufldl", "goodfellow", "d2l_math", "d2l_code", "pytorch", "cs231n", "cs224n",
               "question"]


def run_mutated(tmp_path, old: str, new: str, only=None) -> list[Failure]:
    """Run a copy of the generator with `old` replaced by `new` (exactly one occurrence).

    `only` names the artifacts to run (all by default); failures are reported as by the build.
    """
    source = (GENERATORS / "conventions.py").read_text(encoding="utf-8")
    assert source.count(old) == 1, f"the generator no longer contains {old!r} exactly once; update this test"
    path = tmp_path / "conventions.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    if only is None:
        return run_generator(path)[2]
    artifacts, failures = load_generator(path), []
    for name in only:
        try:
            artifacts[name](Context("conventions", name, Checks(), {}))
        except Exception as e:  # a failed check or a shape error, as the build would report it
            failures.append(Failure("conventions", name, str(e)))
    return failures


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("conventions")
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    table = outputs["table"]
    for key in CONVENTIONS:  # every convention was checked against finite differences and against the book
        assert f"<b>{key}: its own gradients vs finite differences in its own storage</b>" in table
        assert f"<b>{key}: translated gradients = the book's</b>" in table
    assert table.count(r"$< 10^{-12}$") == len(CONVENTIONS)
    assert "checks passed" in outputs["symbols"]
    assert values["conventions.m"]["text"] == "5"
    # the stored shape of the 3 → 4 weight, as printed: in × out for CS231n and d2l's code only
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    assert "| 3×4 |" in rows["CS231n[^cs231n]"] and "| 3×4 |" in rows["d2l §5.1–5.2 (code)[^d2l-code]"]
    assert "| 4×3 |" in rows["PyTorch `nn.Linear`[^pytorch]"] and "| 4×3 |" in rows["This book"]


def test_wrong_reference_derivative_is_caught(monkeypatch):
    # σ'(z) written as σ(z) in the reference code: the book's own gradient goes wrong, every shape stays right.
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid",
                        dataclasses.replace(sig, g_prime=lambda z: 1.0 / (1.0 + np.exp(-z))))
    _, _, failures = run_chapter("conventions")
    assert {"table", "symbols", "ex3", "layout-denominator"} <= failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)


MUTATIONS = [
    # (convention whose check must fail, old line, new line): every one keeps all shapes right unless noted
    ("cs229", "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = dZ2 @ A1.T"),  # the 1/m forgotten
    ("nielsen", "delta[2] = (w[3].T @ delta[3]) * sigmoid_prime(z[2])",
     "delta[2] = w[3].T @ delta[3]"),  # BP2 without σ'(z)
    ("nielsen", "nabla_w[l][j, k] = a[l - 1][k, 0] * delta[l][j, 0]",
     "nabla_w[l][j, k] = a[l - 1][k % 3, 0] * delta[l][(j + 1) % len(delta[l]), 0]"),  # BP4, wrong neuron
    ("ufldl", "delta = {n_l: -(y - a[n_l])", "delta = {n_l: (y - a[n_l])"),  # sign of the output delta
    ("goodfellow", "g = g * f_prime(a[k])", "g = g * f_prime(h[k])"),  # f' at the activation, not at a
    ("d2l_math", "dJ_dW1 = dJ_dz @ x.T", "dJ_dW1 = dJ_dh @ x.T"),  # φ'(z) skipped
    ("d2l_code", "dO_pre = (O - Y) / X.shape[0] * O * (1 - O)", "dO_pre = (O - Y) * O * (1 - O)"),  # no 1/m
    ("pytorch", "grad_Y1 = grad_H * H * (1 - H)", "grad_Y1 = grad_H"),  # sigmoid's derivative dropped
    ("cs231n", "dw = x.T @ dout", "dw = (x.T @ dout) / x.shape[0]"),  # 1/N applied twice
    ("cs224n", "delta_2 = (delta_1 @ U) * (h * (1 - h)).T", "delta_2 = delta_1 @ U"),  # σ'(z) dropped
    ("question", "da_dz = {l: np.diag((a[l] * (1 - a[l]))[:, 0]) for l in (2, 3)}",
     "da_dz = {l: np.eye(len(a[l])) for l in (2, 3)}"),  # the question's (1, 1, 1): σ' taken as 1
]


@pytest.mark.parametrize(("key", "old", "new"), MUTATIONS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_wrong_formula_in_a_convention_is_caught(tmp_path, key, old, new):
    failures = run_mutated(tmp_path, old, new, only=["table"])
    table = [f for f in failures if f.name == "table"]
    assert table, f"no failure in conventions/table for a wrong formula in {key}"
    assert f"check '{key}: its own gradients vs finite differences in its own storage' failed" in table[0].message
    assert "exceeds tolerance" in table[0].message


def test_wrong_translation_is_caught(tmp_path):
    # CS231n's W1 is in × out; "translating" it without the transpose cannot pass.
    failures = run_mutated(tmp_path, 'ROWS_IN_OUT = {"W1": ("W1", TRANSPOSE)', 'ROWS_IN_OUT = {"W1": ("W1", SAME)',
                           only=["table"])
    assert "table" in failed(failures)
    message = next(f.message for f in failures if f.name == "table")
    assert "check 'd2l_code: translated, the gradients have the book's shapes' failed" in message
    assert "shapes differ: W1 3×4 vs 4×3" in message


def test_wrong_storage_claim_is_caught(tmp_path):
    # Claiming that nn.Linear stores its weight in × out, like CS231n.
    old = '''"fc1.weight", "out × in", True, False,'''
    failures = run_mutated(tmp_path, old, '''"fc1.weight", "in × out", True, False,''', only=["table"])
    message = next(f.message for f in failures if f.name == "table")
    assert "check 'pytorch: the 3 → 4 weight is stored in × out' failed" in message


def test_goodfellow_a_must_be_the_pre_activation(tmp_path):
    # Reporting h (the activation) as Goodfellow's a: the symbol table's check notices.
    failures = run_mutated(tmp_path, 'return grads, {"pre": a[1], "act": h[1], "err": g_at[1]}',
                           'return grads, {"pre": h[1], "act": h[1], "err": g_at[1]}', only=["symbols"])
    message = next(f.message for f in failures if f.name == "symbols")
    assert "goodfellow: its hidden pre-activation = the book's z(1)" in message


def test_one_over_m_in_the_wrong_place_is_caught(tmp_path):
    # PyTorch's Y2.grad without the 1/m of the averaged loss: the gradients and Exercise 4 both fail.
    failures = run_mutated(tmp_path, "grad_Y2 = (out - T) / m * out * (1 - out)",
                           "grad_Y2 = (out - T) * out * (1 - out)")
    assert {"table", "symbols", "ex4"} <= failed(failures)


def test_reports_name_the_page_line(tmp_path):
    failures = run_mutated(tmp_path, "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = dZ2 @ A1.T")
    report = next(f for f in failures if f.name == "table").report()
    assert "artifact conventions/table failed" in report and "docs/conventions.md:" in report
