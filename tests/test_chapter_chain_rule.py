"""The chain-rule chapter's checks catch wrong formulas, and its page follows the book's rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chapter_tools import Fault, assert_check_fails, assert_page_uses_all_of_it, assert_report_names_page_line, run_chapter

NS = "chain_rule"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "chain-rule.md"
ARTIFACTS = {"steps", "diag", "hadamard", "softmax", "tensor", "vjp", "square-net", "wrong-transpose",
             "outer-orientation", "ex1", "ex2", "ex3", "ex4"}
NET, GEN, ACT, JAC, LOSS = ("backprop/network.py", "generators/chain_rule.py", "backprop/activations.py",
                            "backprop/jacobians.py", "backprop/losses.py")
NO_GPRIME_B2 = Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")
SIGMOID_PRIME_IS_SIGMOID = Fault(ACT, "return s * (1 - s)", "return s")
B1_DOUBLED = Fault(LOSS, "return L.grad(a, y) * g.prime(z)", "return 2 * L.grad(a, y) * g.prime(z)")
DENSE_TENSOR = Fault(JAC, 'np.einsum("ki,j->kij", np.eye(d_l),', 'np.einsum("ki,j->kij", np.ones((d_l, d_l)),')
SQUARE_W2_SYMMETRIC = Fault(GEN, "    b1, b2 = (", "    W2 = W2 + W2.T\n    b1, b2 = (")
SOFTMAX_AS_DIAGONAL = Fault(ACT, "return np.diagflat(p) - p @ p.T", "return np.diagflat(p * (1 - p))")


def test_chapter_builds_clean_and_the_page_uses_all_of_it():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert outputs.keys() == ARTIFACTS
    assert outputs["diag"].count("<svg") == 1 and outputs["softmax"].count("<svg") == 1  # the heatmaps
    assert_page_uses_all_of_it(NS, PAGE.read_text(encoding="utf-8"), ARTIFACTS, values)


def test_page_rules():
    text = PAGE.read_text(encoding="utf-8")
    assert text.index('!!! abstract "') < text.index("\n## ")  # the answer first
    # the book's numbering and loss: a(0) = x, W(2) is the 2-3-2 output layer, J
    assert "a^{(0)}" in text and "W^{(3)}" not in text and "\\partial L" not in text and "a^{(3)}" not in text
    # the transposed arrangement of ∂J/∂W only in the aside, and the shape-check table gives W's shape twice
    aside = text.index('!!! note "Aside: strict numerator layout"')
    assert "transpose it" not in text.lower() and text.index("[[shape:chain_rule.strict]]") > aside
    assert re.search(r"\\partial J/\\partial W\^\{\(l\)\}\\\) \| \\\(d_l \\times d_\{l-1\}\\\): .* \| \\\(d_l \\times d_\{l-1\}\\\):", text)
    assert "d_{l-1} \\times d_l\\): \\(a" not in text
    # recurring results are cited, not recomputed: δ and ∂J/∂W of the 2-3-2 network come from net232
    for key in ("net232.delta1", "net232.delta2", "net232.dW2"):
        assert f"[[val:{key}" in text, key
    assert '--8<-- "includes/equations.md:B3"' in text and "\\tag{" not in text
    assert '!!! success "Shape check"' in text and "(loss-pairs.md)" in text
    assert "layouts.md#why-the-chain-rule-flips-its-order" in text  # the five-factor chain lives in Layouts


FAULTS = {
    "dz/da = Wᵀ": ([Fault(JAC, "return np.asarray(W)", "return np.asarray(W).T")], "steps", "∂z(1)/∂x = W(1)"),
    "σ′ = σ": ([SIGMOID_PRIME_IS_SIGMOID], "steps", "∂a(1)/∂z(1)"),
    "loss derivative sign": ([Fault(LOSS, "lambda a, y: a - y,", "lambda a, y: y - a,")], "steps", "∂J/∂a(2)"),
    "Jacobian reversed": ([Fault(ACT, "return np.diag(self.prime(z)[:, 0])", "return np.diag(self.prime(z)[::-1, 0])")],
                          "diag", "da_dz(sigmoid) = diag(σ′(z(1)))"),
    "σ mixes entries": ([Fault(ACT, "e = np.exp(-np.abs(z))", "z = z + 0.5 * np.roll(z, 1, axis=0)\n    e = np.exp(-np.abs(z))")],
                        "diag", "σ's Jacobian is diagonal"),
    "σ′ = σ, diagonal": ([SIGMOID_PRIME_IS_SIGMOID], "diag", "its diagonal = σ′(z(1))"),
    "⊙ with a row": ([Fault(GEN, "D @ v, s * v, tol=1e-15", "D @ v, s.T * v, tol=1e-15")], "hadamard", "diag(σ′(z)) v = σ′(z) ⊙ v"),
    "diag chain": ([Fault(GEN, "[D.shape, v.shape], (3, 1)", "[D.shape, v.T.shape], (3, 1)")], "hadamard", "diag(σ′(z(1))) v"),
    "B2 without g′": ([NO_GPRIME_B2], "hadamard", "= backward pass"),
    "σ′ = σ, hadamard": ([SIGMOID_PRIME_IS_SIGMOID], "hadamard", "δ(1) = ∂J/∂z(1)"),
    "softmax Jacobian diagonal": ([SOFTMAX_AS_DIAGONAL], "softmax", "diag(p) − p pᵀ"),
    "softmax is a sigmoid": ([SOFTMAX_AS_DIAGONAL,
                              Fault(ACT, "return e / np.sum(e, axis=0, keepdims=True)", "return 1 / (1 + np.exp(-z))")],
                             "softmax", "Jᵀv ≠ p ⊙ (1 − p) ⊙ v"),
    "softmax is a tanh": ([Fault(ACT, "return np.diagflat(p) - p @ p.T", "return np.diagflat(1 - p * p)"),
                           Fault(ACT, "return e / np.sum(e, axis=0, keepdims=True)", "return np.tanh(z)")], "softmax", "not diagonal"),
    "tensor axes swapped": ([Fault(JAC, '"ki,j->kij"', '"ki,j->kji"')], "tensor", "d_l × d_l × d_(l−1)"),
    "dense tensor": ([DENSE_TENSOR], "tensor", "every entry"),
    "page rule dense": ([Fault(GEN, 'rule = np.einsum("ki,j->kij", np.eye(d_l)', 'rule = np.einsum("ki,j->kij", np.ones((d_l, d_l))')],
                        "tensor", "T[k, i, j] = [k = i] a(1)_j"),
    "count of non-zeros": ([Fault(GEN, "nonzero = int(np.count_nonzero(T))", "nonzero = int(T.size)")], "tensor", "d_l · d_(l−1) non-zero"),
    "contraction transposed": ([Fault(JAC, 'np.einsum("k,kij->ij"', 'np.einsum("k,kij->ji"')], "vjp", "denominator layout"),
    "contraction ignores δ": ([Fault(JAC, 'return np.einsum("k,kij->ij", np.asarray(dJ_dz_row).ravel(), T)', "return T.sum(axis=0)")],
                              "vjp", "= Σ_k written out"),
    "dense tensor, contraction": ([DENSE_TENSOR], "vjp", "Σ_k δ_k ∂z_k/∂W = δ(2) a(1)ᵀ"),
    "dW doubled": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = 2 * delta[l] @ a[l - 1].T")], "vjp", "= backward pass"),
    "B1 doubled": ([B1_DOUBLED], "vjp", "∂J/∂W(2)"),
    "strict arrangement not transposed": ([Fault(GEN, "strict = a1 @ d2.T", "strict = d2 @ a1.T")], "vjp", "aside: a(1) δ(2)ᵀ"),
    "W(2) symmetric": ([SQUARE_W2_SYMMETRIC], "square-net", "W(2) far from symmetric"),
    "wrong product does not chain": ([Fault(GEN, "[W2.shape, d2.shape], (3, 1)", "[W2.shape, d2.T.shape], (3, 1)")],
                                     "wrong-transpose", "wrong: W(2) δ(2) chains"),
    "B2 without g′, square": ([NO_GPRIME_B2], "wrong-transpose", "right: (W(2)ᵀ δ(2)) ⊙ σ′(z(1))"),
    "W(2) symmetric, trap 1": ([SQUARE_W2_SYMMETRIC], "wrong-transpose", "wrong: (W(2) δ(2)) ⊙ σ′(z(1))"),
    "wrong one without a sign flip": ([Fault(GEN, "(net.W[2] @ grads.delta[2]) * sigma.prime(cache.z[1])", "2 * grads.delta[1]")],
                                      "wrong-transpose", "the wrong one flips a sign"),
    "dW turned round": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = a[l - 1] @ delta[l].T")],
                        "outer-orientation", "backward pass: δ(2) a(1)ᵀ"),
    "outer product chain": ([Fault(GEN, "[a1.shape, d2.T.shape], W2.shape", "[a1.T.shape, d2.T.shape], W2.shape")],
                            "outer-orientation", "wrong: a(1) δ(2)ᵀ chains"),
    "inner product is a matrix": ([Fault(GEN, "inner = grads.dW[2], a1 @ d2.T, a1.T @ d2", "inner = grads.dW[2], a1 @ d2.T, d2 @ a1.T")],
                                  "outer-orientation", "a(1)ᵀ δ(2) is 1×1"),
    "B1 doubled, square": ([B1_DOUBLED], "outer-orientation", "right: δ(2) a(1)ᵀ"),
    "wrong is right": ([Fault(GEN, "inner = grads.dW[2], a1 @ d2.T, a1.T @ d2", "inner = grads.dW[2], d2 @ a1.T, a1.T @ d2")],
                       "outer-orientation", "wrong: a(1) δ(2)ᵀ"),
    "diagonal reversed": ([Fault(GEN, "np.diag(wrong), np.diag(right)", "np.diag(wrong)[::-1], np.diag(right)")],
                          "outer-orientation", "equal on the diagonal"),
    "off-diagonal compared with itself": ([Fault(GEN, "zip(off_diagonal(wrong),", "zip(off_diagonal(right),")],
                                          "outer-orientation", "off the diagonal: all differ"),
    "tensor reads a reversed": ([Fault(JAC, "_column(a_prev)[:, 0])", "_column(a_prev)[::-1, 0])")], "ex1", "∂z(2)_2/∂W(2)_23 = a(1)_3"),
    "dense tensor, exercise": ([DENSE_TENSOR], "ex1", "∂z(2)_1/∂W(2)_23 = 0"),
    "B1 doubled, exercise": ([B1_DOUBLED], "ex1", "∂J/∂W(2)_23 = δ(2)_2 a(1)_3"),
    "index mistake is the answer": ([Fault(GEN, '"input-index": a1[1, 0]', '"input-index": a1[2, 0]')], "ex1", "answer ex1_on"),
    "dense tensor, count": ([DENSE_TENSOR], "ex2", "2×3: d_l d_(l−1) non-zero"),
    "dense mistake is the answer": ([Fault(GEN, '"dense-tensor": t.size', '"dense-tensor": n')], "ex2", "answer ex2_small"),
    "tanh′ = 1 − tanh": ([Fault(ACT, "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)")], "ex3", "da_dz(tanh)"),
    "tanh mixes entries": ([Fault(ACT, "return np.tanh(z)\n", "return np.tanh(z + 0.5 * np.roll(z, 1, axis=0))\n")], "ex3", "diagonal"),
    "tanh scaled": ([Fault(ACT, "return np.tanh(z)\n", "return 1.01 * np.tanh(z)\n")], "ex3", "against finite differences"),
    "⊙ with a row, tanh": ([Fault(GEN, "J @ v, tp * v, tol", "J @ v, tp.T * v, tol")], "ex3", "diag(tanh′(z)) v = tanh′(z) ⊙ v"),
    "missing-g′ mistake is the answer": ([Fault(GEN, '"missing-gprime": v,', '"missing-gprime": tp * v,')], "ex3", "answer ex3_ans"),
    "wrong gradient chain": ([Fault(GEN, "[wrong.shape, cache.a[0].T.shape]", "[wrong.shape, cache.a[0].shape]")],
                             "ex4", "wrong ∂J/∂W(1) is 3×3"),
    "B2 without g′, exercise": ([NO_GPRIME_B2], "ex4", "right ∂J/∂W(1)"),
    "W(2) symmetric, exercise": ([SQUARE_W2_SYMMETRIC], "ex4", "wrong ∂J/∂W(1)"),
    "entry (1, 1) from the right one": ([Fault(GEN, "err11 = abs(dW_wrong[0, 0] - fd[0, 0])", "err11 = abs(dW_right[0, 0] - fd[0, 0])")],
                                        "ex4", "entry (1, 1) is wrong"),
    "transpose mistake is the answer": ([Fault(GEN, '"no-transpose": dW_wrong[0, 0]', '"no-transpose": dW_right[0, 0]')],
                                        "ex4", "answer ex4_right"),
}


@pytest.mark.parametrize("case", FAULTS, ids=list(FAULTS))
def test_each_check_catches_its_fault(case):
    assert_check_fails(NS, *FAULTS[case])


@pytest.mark.parametrize("artifact", ["wrong-transpose", "diag"])
def test_reports_name_the_page_line(artifact):
    _, _, failures = run_chapter(NS, Fault(ACT, "return s * (1 - s)", "return np.ones_like(s)"))
    assert_report_names_page_line(failures, NS, artifact, "chain-rule.md")
