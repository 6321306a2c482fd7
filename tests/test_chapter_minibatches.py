"""The mini-batch chapter's checks catch wrong batch formulas, in columns and in rows: each test injects one fault
(a source edit in a private copy) and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "minibatches.md"
ALL = {"columns", "setup", "reduction", "per-example", "rows-pytorch", "rows-cs231n", "bias-shape", "ex1", "ex2", "ex3", "ex4"}
NET, ACT, ROWS, GEN = "backprop/network.py", "backprop/activations.py", "backprop/rows.py", "generators/minibatches.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("minibatches")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    assert values["minibatches.m"]["text"] == "4"
    assert values["minibatches.bias_one_wrong"]["shape"] == [5, 5]  # m = 1 and a flat bias: d×d


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "minibatches/([a-z0-9-]+)\.md"', text)) == ALL
    for label in ("F1-batch", "F2-batch", "B1-batch", "B2-batch", "B3-batch", "B4-batch"):
        assert f'--8<-- "includes/equations.md:{label}"' in text
    assert "\\tag" not in text  # the batch equations come from includes/equations.md, never retyped
    assert text.count('data-bp-widget="explorer"') == 1 and "### Try it" in text
    assert len(re.findall(r"\[\[answer:minibatches\.", text)) >= 3
    assert "m = 1" in text


MISSING_GPRIME = Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")
FAULTS = [
    ([MISSING_GPRIME], {"columns": "(B2, batch)", "per-example": "batch vs FD", "rows-pytorch": "rows: dW(1)"}),
    # (B3, batch) off by 0.1 %: every shape right.
    ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = 1.001 * delta[l] @ a[l - 1].T")],
     {"columns": "∂J/∂W(2) = Δ(2) A(1)ᵀ", "reduction": "= ∂J_mean/∂W(1)", "per-example": "batch vs FD",
      "rows-pytorch": "rows: dW(1)", "rows-cs231n": "rows: dW(1)", "ex1": "PyTorch dW(1)"}),
    # (B4, batch) as a mean over the columns: right for m = 1, so only the batch checks see it.
    ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = delta[l].mean(axis=1, keepdims=True)")],
     {"columns": "∂J/∂b(2) = Δ(2) 1", "reduction": "= ∂J_mean/∂b(1)", "per-example": "batch = per-example loop",
      "rows-pytorch": "db(1) = dY summed", "ex1": "∂J/∂b(1) is the same"}),
    # The mean taken as the sum: 1/m forgotten.
    ([Fault(NET, "scale = _scale(reduction, m=a[0].shape[1])", "scale = 1.0")],
     {"reduction": "delta(1): sum = m · mean", "columns": "(mean) vs FD", "per-example": "mean: batch = per-example loop",
      "ex4": "mean: doubling"}),
    # 1/m applied twice to the weight gradients.
    ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = delta[l] @ a[l - 1].T * scale")],
     {"reduction": "dW(1): sum = m · mean", "per-example": "mean: batch = per-example loop"}),
    ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = delta[l].sum(axis=1, keepdims=True) * scale")],
     {"reduction": "db(1): sum = m · mean"}),
    ([Fault(ROWS, "dW = X.T @ dY", "dW = 1.001 * X.T @ dY")], {"rows-cs231n": "rows: dW(", "ex1": "CS231n dW(1)"}),
    # The bias added as one number instead of a column.
    ([Fault(NET, "z.append(W[l] @ a[l - 1] + b[l])", "z.append(W[l] @ a[l - 1] + b[l].mean())")],
     {"setup": "Z(1) = W(1) A(0) + b(1) 1ᵀ", "rows-pytorch": "Z(1) in rows"}),
    # σ′ = σ: columns and rows agree with each other, only finite differences disagree.
    ([Fault(ACT, "return s * (1 - s)", "return s")],
     {"columns": "(mean) vs FD", "per-example": "batch vs FD", "rows-pytorch": "vs FD of the row-form loss",
      "rows-cs231n": "vs FD of the row-form loss"}),
    # PyTorch's weight gradient computed with CS231n's formula.
    ([Fault(ROWS, "dW = dY.T @ X", "dW = X.T @ dY  # wrong")], {"rows-pytorch": "rows: dW(", "ex1": "PyTorch dW(1)"}),
    ([Fault(ROWS, "Y = X @ W.T + b", "Y = X @ W.T + 1.001 * b")], {"rows-pytorch": "Z(1) in rows"}),
    ([Fault(ROWS, "db = dY.sum(axis=0)  # (B4): summed", "db = dY.mean(axis=0)  # (B4): summed")],
     {"rows-pytorch": "db(1) = dY summed", "ex3": "linear_backward's db"}),
    # CS231n's bias gradient summed along the wrong axis.
    ([Fault(ROWS, "db = dY.sum(axis=0)  # (B4)\n    return dX, dW, db\n    # --8<-- [end:affine_backward]",
            "db = dY.sum(axis=1)  # (B4)\n    return dX, dW, db\n    # --8<-- [end:affine_backward]")],
     {"rows-cs231n": "db(1) = dY summed", "ex1": "∂J/∂b(1) is the same"}),
    # The row form's (B2) without g′.
    ([Fault(ROWS, "dZ = dA_prev * g[l - 1].prime(Z[l - 1])", "dZ = dA_prev")],
     {"rows-pytorch": "rows: dW(1)", "rows-cs231n": "rows: dW(1)", "ex1": "PyTorch dW(1)"}),
    # The chapter's own claims, each made false in the generator.
    ([Fault(GEN, "A_prev[:, i] + net.b[l][:, 0]", "A_prev[:, i] + net.b[l][0, 0]")], {"setup": "column i of Z(1)"}),
    ([Fault(GEN, "[net.b[1].shape, ones.shape]", "[net.b[1].shape, ones.T.shape]")], {"setup": "b(1) 1ᵀ"}),
    ([Fault(GEN, "g_sum.delta[l] @ A[l - 1].T / M", "g_sum.delta[l] @ A[l - 1].T / M**2")], {"reduction": "(1/m) Δ(1) A(0)ᵀ"}),
    ([Fault(GEN, 'r.dW[l], W[l], "denominator"', 'r.dW[l], W[l].T, "denominator"')],
     {"rows-pytorch": "has the stored W's shape", "rows-cs231n": "has the stored W's shape"}),
    ([Fault(GEN, "(net.W[1].T @ cols.delta[1]).T, tol=EXACT", "(2 * net.W[1].T @ cols.delta[1]).T, tol=EXACT")],
     {"rows-pytorch": "dX = (W(1)ᵀ Δ(1))ᵀ", "rows-cs231n": "dX = (W(1)ᵀ Δ(1))ᵀ"}),
    ([Fault(GEN, '[("dYᵀ", dY.T.shape), ("X", A1.shape)]', '[("dYᵀ", dY.shape), ("X", A1.shape)]')],
     {"rows-pytorch": "pytorch dW (layer 2)"}),
    ([Fault(GEN, '[("Xᵀ", A1.T.shape), ("dY", dY.shape)]', '[("Xᵀ", A1.shape), ("dY", dY.shape)]')],
     {"rows-cs231n": "cs231n dW (layer 2)"}),
    ([Fault(GEN, 'second = [("dY", dY.shape),', 'second = [("dY", dY.T.shape),')],
     {"rows-pytorch": "pytorch dX (layer 2)", "rows-cs231n": "cs231n dX (layer 2)"}),
    ([Fault(GEN, "lambda: WA + net.b[2][:, 0]", "lambda: WA + net.b[2]")], {"bias-shape": "refused"}),
    ([Fault(GEN, "X_sq[:, i] + b1[:, 0] for i", "X_sq[:, i] + b1[0, 0] for i")], {"bias-shape": "(d, 1) bias: W xᵢ + b"}),
    ([Fault(GEN, "right, wrong = W1 @ X_sq + b1, W1 @ X_sq + b1[:, 0]", "right, wrong = W1 @ X_sq + b1, W1 @ X_sq + b1")],
     {"bias-shape": "m = d: flat b"}),
    ([Fault(GEN, "one_right, one_wrong = W1 @ x1 + b1,", "one_right, one_wrong = W1 @ x1 + b1[:, 0],")],
     {"bias-shape": "m = 1: (d, 1) bias gives d×1"}),
    ([Fault(GEN, "one_wrong = W1 @ x1 + b1, W1 @ x1 + b1[:, 0]", "one_wrong = W1 @ x1 + b1, W1 @ x1 + b1")],
     {"bias-shape": "m = 1: flat b gives d×d"}),
    ([Fault(GEN, "(W1 @ x1) + b1.T", "(W1 @ x1) + b1.T[:, ::-1]")], {"bias-shape": "m = 1: entry i, j"}),
    ([Fault(GEN, "g.dW[l], net.W[l], \"denominator\"", "g.dW[l].T, net.W[l], \"denominator\"")], {"ex1": "has the shape of W(1)"}),
    ([Fault(GEN, "outers = [Delta[:, [i]] @ A[:, [i]].T", "outers = [Delta[:, [i]] @ A[:, [i]].T * 2")], {"ex2": "Δ Aᵀ = Σᵢ δᵢ aᵢᵀ"}),
    ([Fault(GEN, "dW, db = Delta @ A.T,", "dW, db = A @ Delta.T,")], {"ex2": "Δ Aᵀ has W's shape"}),
    ([Fault(GEN, "outers = [Delta[:, [i]] @ A[:, [i]].T", "outers = [2 * Delta[:, [i]] @ A[:, [i]].T"),
      Fault(GEN, "dW, db = Delta @ A.T,", "dW, db = 2 * Delta @ A.T,")], {"ex2": "Δ Aᵀ vs FD"}),
    ([Fault(GEN, "Delta @ np.ones((m, 1))  #", "Delta @ np.ones((m, 1)) / m  #")], {"ex2": "Δ 1 vs FD"}),
    ([Fault(GEN, "db = dY.sum(axis=0)  # (B4) in rows", "db = dY.sum(axis=0) / 2  # (B4) in rows")],
     {"ex3": "db = dY summed over rows, vs FD"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("minibatches", faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('"transpose": g.dW[1].T.shape, "batch', '"transpose": g.dW[1].shape, "batch', "ex1"),
    ('"mean-vs-sum": dW, "twice', '"mean-vs-sum": dW / m, "twice', "ex2"),
    ('mistakes={"transpose": g.dW[1].shape})', 'mistakes={"transpose": cs.dW[1].shape})', "ex1"),
    ('mistakes={"transpose": g.delta[1].shape})', 'mistakes={"transpose": g.delta[1].T.shape})', "ex1"),
    ('{"transpose": dW.T, "sign": -dW}', '{"transpose": dW.T, "sign": dW}', "ex2"),
    ('mistakes={"mean-vs-sum": db, "twice', 'mistakes={"mean-vs-sum": db / m, "twice', "ex2"),
    ('"wrong-axis": dY.sum(axis=1)', '"wrong-axis": dY.sum(axis=0)', "ex3"),
    ("mistakes={other: 3.0 - factor}", "mistakes={other: factor}", "ex4"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught("minibatches", [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
