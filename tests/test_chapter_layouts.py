"""The layouts chapter's checks catch wrong layouts, wrong identities and a wrong chain order; its page keeps one rule."""

import re
from pathlib import Path

import pytest

from chapter_tools import Fault, assert_check_fails, assert_page_uses_all_of_it, run_chapter

NS = "layouts"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "layouts.md"
ARTIFACTS = {"kinds", "orders", "chain-numerator", "chain-denominator", "transpose", "wx-numerator", "wx-denominator",
             "identities", "ex1", "ex2", "ex3", "ex4"}
NET, GEN, ACT, JAC = "backprop/network.py", "generators/layouts.py", "backprop/activations.py", "backprop/jacobians.py"
NO_DENOMINATOR = Fault(JAC, 'becomes a column).  Vector-by-vector: the Jacobian is transposed.\n    """\n    x = np.asarray(x)',
                       'becomes a column).  Vector-by-vector: the Jacobian is transposed.\n    """\n    x = np.asarray(x).T')
NO_NUMERATOR = Fault(JAC, 'we cannot detect.\n    """\n    x = np.asarray(x)', 'we cannot detect.\n    """\n    x = np.asarray(x).T')
JACOBIAN_TRANSPOSED = Fault("backprop/gradcheck.py", "for i in range(m)])", "for i in range(m)]).T")
NO_GPRIME_B2 = Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")


def test_chapter_builds_clean_and_the_page_uses_all_of_it():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert outputs.keys() == ARTIFACTS
    assert_page_uses_all_of_it(NS, PAGE.read_text(encoding="utf-8"), ARTIFACTS, values)


def test_page_keeps_one_rule_and_leaves_room_for_the_explorer():
    text = PAGE.read_text(encoding="utf-8")
    assert text.index('!!! abstract "') < text.index("\n## ")
    assert "## Four kinds of derivative, two layouts" in text and "Three kinds" not in text
    # the transposed arrangement of a derivative by a matrix is named only in the aside
    aside = text.index('!!! note "Aside: strict numerator layout"')
    for strict in ("[[shape:layouts.sm_strict]]", "a^{(0)} \\delta^{(1)\\top}"):
        assert text.index(strict) > aside, strict
    for layout in ("numerator", "denominator"):
        assert f'    --8<-- "layouts/chain-{layout}.md"' in text  # inside a content tab
    assert re.search(r'^## Try it\n\n(?:[^\n]+\n)+\n<div class="bp-widget" data-bp-widget="explorer" ', text, re.M)
    assert text.count('data-bp-widget="explorer"') == 1 and "<!-- shape-explorer -->" not in text
    assert '!!! success "Shape check"' in text


FAULTS = {
    "dW transposed": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = a[l - 1] @ delta[l].T")], "kinds", "sm, numerator"),
    "dW doubled": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = 2 * delta[l] @ a[l - 1].T")], "kinds", "sm: δ(1) a(0)ᵀ"),
    "no numerator transpose": ([NO_NUMERATOR], "kinds", "aside: strict numerator"),
    "sigmoid′ = sigmoid": ([Fault(ACT, "return s * (1 - s)", "return s")], "kinds", "vv, numerator"),
    "no denominator transpose": ([NO_DENOMINATOR], "kinds", "vv, denominator"),
    "loss of z doubled": ([Fault("backprop/gradcheck.py", "return J_loss.value(a, y)", "return 2 * J_loss.value(a, y)")],
                          "kinds", "sv, numerator"),
    "wrong column of W": ([Fault(GEN, "W[1][:, [0]], W[1][:, [0]].T", "W[1][:, [1]], W[1][:, [0]].T")], "kinds", "vs, numerator"),
    "dz/da not W": ([Fault(JAC, "return np.asarray(W)", "return np.asarray(W).T")], "orders", "numerator"),
    "chain with σ = σ′": ([Fault(ACT, "return s * (1 - s)", "return s")], "chain-numerator", "∂J/∂x, numerator layout"),
    "B1 doubled": ([Fault("backprop/losses.py", "return L.grad(a, y) * g.prime(z)", "return 2 * L.grad(a, y) * g.prime(z)")],
                   "chain-denominator", "2 factors from the loss end = δ(2)"),
    "B2 without g′, chain": ([NO_GPRIME_B2], "chain-denominator", "4 factors from the loss end = δ(1)"),
    "either order chains": ([Fault(GEN, "lambda: multiply(factors[::-1])", "lambda: multiply(factors)")],
                            "chain-numerator", "the factors in the other order"),
    "factors not transposed": ([NO_DENOMINATOR], "transpose", "factor 1ᵀ = factor 5"),
    "not transposed, not reversed": ([Fault(GEN, "same_order = [Factor(f.name, f.tex, f.value.T) for f in num_factors]",
                                            "same_order = list(num_factors)")], "transpose", "transposed, not reversed"),
    "one pair chains": ([Fault(GEN, "same_order = [Factor(f.name, f.tex, f.value.T) for f in num_factors]",
                               "same_order = [Factor(f.name, f.tex, f.value.T) for f in num_factors[:-1]] + num_factors[-1:]")],
                        "transpose", "no neighbouring pair chains"),
    "Jacobian transposed": ([JACOBIAN_TRANSPOSED], "wx-numerator", "∂z(1)/∂x, numerator layout"),
    "denominator not transposed": ([NO_DENOMINATOR], "wx-denominator", "∂z(1)/∂x, denominator layout"),
    "layouts swapped": ([Fault(GEN, "return num(partials), partials", "return partials, num(partials)")],
                        "identities", "identity 1, numerator"),
    "2Ax": ([Fault(GEN, "x.T @ (A + A.T), (A + A.T) @ x)", "x.T @ (A + A.T), 2 * A @ x)")], "identities", "identity 3, denominator"),
    "strict numerator as u xᵀ": ([Fault(GEN, "x @ u.T, u @ x.T)", "u @ x.T, u @ x.T)")], "identities", "identity 6, strict numerator"),
    "tr(BX) by X is B": ([Fault(GEN, "B, B.T),", "B, B),")], "identities", "identity 7, denominator"),
    "A symmetric": ([Fault(GEN, "    dt = np.diag(tanh.prime(x)[:, 0])", "    A = A + A.T\n    dt = np.diag(tanh.prime(x)[:, 0])")],
                    "identities", "2Ax ≠ (A + Aᵀ)x"),
    "residual sign": ([Fault(GEN, "r = W @ x - t", "r = t - W @ x")], "ex1", "denominator: Wᵀ(Wx − t)"),
    "row not transposed": ([NO_NUMERATOR], "ex1", "numerator: (Wx − t)ᵀ W"),
    "exercise chain": ([Fault(GEN, "[W.T.shape, r.shape]", "[W.shape, r.shape]")], "ex1", "Wᵀ r"),
    "sign mistake is the answer": ([Fault(GEN, '"sign": -(W.T @ r)', '"sign": W.T @ r')], "ex1", "answer ex1_den"),
    "B2 without g′, exercise": ([NO_GPRIME_B2], "ex2", "u xᵀ = δ(1) a(0)ᵀ"),
    "strict is not the transpose": ([Fault(GEN, "strict = cache.a[0] @ grads.delta[1].T", "strict = grads.delta[1] @ cache.a[0].T")],
                                    "ex2", "strict numerator: x uᵀ"),
    "dW transposed, exercise": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = a[l - 1] @ delta[l].T")],
                                "ex2", "answer ex2_dw1"),
    "M c as the gradient": ([Fault(GEN, "M.T @ c, grad)", "M @ c, grad)")], "ex3", "∂J/∂x = Mᵀc"),
    "M c chain": ([Fault(GEN, "[M.shape, c.shape], (3, 1)", "[M.shape, c.T.shape], (3, 1)")], "ex3", "M c: the shapes chain"),
    "M symmetric": ([Fault(GEN, "    grad = fd(lambda t: (c.T @ M @ t).item(), v)",
                          "    M = M + M.T\n    grad = fd(lambda t: (c.T @ M @ t).item(), v)")], "ex3", "M c is not the gradient"),
    "no-transpose mistake is the answer": ([Fault(GEN, '"no-transpose": M @ c', '"no-transpose": M.T @ c')],
                                           "ex3", "answer ex3_grad"),
    "Jacobian transposed, exercise": ([JACOBIAN_TRANSPOSED], "ex4", "∂y/∂x = diag(1 − y²) A"),
    "gradient row not transposed": ([NO_NUMERATOR], "ex4", "∂J/∂x = 1ᵀ ∂y/∂x"),
    "shape mistake is the answer": ([Fault(GEN, '"transpose": P.shape', '"transpose": den(P).shape')], "ex4", "answer ex4_dydx"),
}


@pytest.mark.parametrize("case", FAULTS, ids=list(FAULTS))
def test_each_check_catches_its_fault(case):
    assert_check_fails(NS, *FAULTS[case])
