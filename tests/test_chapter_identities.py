"""The identities appendix catches wrong identities: a flipped sign, a missing transpose, the wrong layout,
a wrong derivative in the reference code. Every fault is a source edit (chapter_tools.Fault)."""

import pytest

from chapter_tools import Fault, assert_report_names_page_line, failed, message, run_chapter

NS = "identities"
GEN = "generators/identities.py"
TABLES = {"vectors", "matrices", "factorisation", "backprop"}


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert TABLES | {"misprint", "ex1", "ex2", "ex3"} <= outputs.keys()
    assert values[f"{NS}.printed_err"]["text"] == "2.00"
    assert "<svg" in outputs["misprint"] and "<svg" in outputs["factorisation"]
    assert len([v for k, v in values.items() if k.startswith(NS) and v["kind"] == "answer"]) >= 3
    # every identity on the page has its checked error
    for key in ("atx", "xtax", "wx", "axb", "trax", "trxta", "trxtax", "frob", "logdet", "dv", "du", "uwa_w", "uwa_a", "fz"):
        assert values[f"{NS}.err_{key}"]["kind"] == "tex"


FORMULA_FAULTS = [
    # (the artifact that must fail, old, new)
    ("factorisation", "-2 * U.T @ R)  # −2 Uᵀ (X − UV)", "2 * U.T @ R)  # −2 Uᵀ (X − UV)"),  # d2l's misprint, planted
    ("matrices", "np.linalg.inv(S).T)  # ∂ log det", "np.linalg.inv(S))  # ∂ log det"),  # X^{-1} for X^{-T}: same shape
    ("matrices", "A_nm.T)  # ∂tr(AX)/∂X = Aᵀ", "A_nm)  # ∂tr(AX)/∂X = Aᵀ"),  # a missing transpose: the shape catches it
    ("vectors", "(A + A.T) @ x, vector=True)", "2 * A @ x, vector=True)"),  # 2Ax for a non-symmetric A
    ("backprop", "u @ a.T)  # (B3)", "a @ u.T)  # (B3)"),  # the strict numerator arrangement passed off as (B3)
    ("ex1", "grad = 2 * X.T @ (X @ w - y)", "grad = 2 * X.T @ (y - X @ w)"),  # the sign of the residual
    ("ex2", 'ctx.check.gradient("∂tr(AXB)/∂X = AᵀBᵀ", A.T @ B.T, fd)', 'ctx.check.gradient("∂tr(AXB)/∂X = AᵀBᵀ", B @ A, fd)'),
    ("ex3", 'ctx.check.differ("2Ax fails for a non-symmetric A", 2 * A @ x, fd)',
     'ctx.check.differ("2Ax fails for a non-symmetric A", (A + A.T) @ x, fd)'),
]


@pytest.mark.parametrize(("artifact", "old", "new"), FORMULA_FAULTS, ids=[f"{f[0]}-{i}" for i, f in enumerate(FORMULA_FAULTS)])
def test_a_wrong_formula_is_caught(artifact, old, new):
    _, _, failures = run_chapter(NS, Fault(GEN, old, new))
    assert failed(failures) == {artifact}


def test_the_numerator_layout_is_checked_too():
    # Comparing the numerator form without its transpose: every table fails (shapes, or values where square).
    _, _, failures = run_chapter(NS, Fault(GEN, "formula.T, fd.T)]", "formula, fd.T)]"))
    assert TABLES <= failed(failures)


def test_wrong_activation_derivative_is_caught():
    _, _, failures = run_chapter(NS, Fault("backprop/activations.py", "return 1 - np.tanh(z) ** 2", "return 1 - z**2"))
    assert failed(failures) == {"backprop"}


def test_the_hadamard_form_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "TANH.prime(z) * v, tol=1e-15)", "TANH(z) * v, tol=1e-15)"))
    assert failed(failures) == {"backprop"}


def test_log_det_needs_a_positive_determinant():
    _, _, failures = run_chapter(NS, Fault(GEN, "S[0] *= np.sign(np.linalg.det(S))", "S[0] *= -np.sign(np.linalg.det(S))"))
    assert "check 'log det: det X > 0' failed" in message(failures, "matrices")


def test_the_shape_diagram_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, '[("Uᵀ", U.T), ("X − UV", R)]', '[("Uᵀ", U), ("X − UV", R)]'))
    assert failed(failures) == {"factorisation"}


def test_the_one_by_one_warm_up_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "np.array([-2 * u1 * (x1 - u1 * v1)])", "np.array([2 * u1 * (x1 - u1 * v1)])"))
    assert failed(failures) == {"misprint"}


def test_finite_differences_with_the_wrong_sign_break_the_misprint_demo():
    # If the numerical gradient were negated, the printed formula would "pass" and the correct one fail:
    # the misprint artifact must refuse to build rather than show it the wrong way round.
    _, _, failures = run_chapter(NS, Fault("backprop/gradcheck.py", "grad[i] = (f_plus - f_minus)", "grad[i] = (f_minus - f_plus)"))
    assert "misprint" in failed(failures)


def test_reports_name_the_page_line():
    _, _, failures = run_chapter(NS, Fault(GEN, "-2 * U.T @ R)  # −2 Uᵀ (X − UV)", "2 * U.T @ R)  # −2 Uᵀ (X − UV)"))
    assert_report_names_page_line(failures, NS, "factorisation", "identities.md")
