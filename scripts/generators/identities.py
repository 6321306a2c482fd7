"""Artifacts for docs/identities.md: the matrix-calculus identities the book uses, in both layouts.

Every identity is evaluated on seeded random matrices and compared, in both layouts, with
central finite differences (backprop.numerical_gradient). Layouts, as in the rest of the book:

- denominator layout: ∂f/∂X has the shape of X (a column for a column x); for a vector function
  F: R^n -> R^m, ∂F/∂x is n×m.
- numerator layout: ∂f/∂X has the shape of Xᵀ (a row for a column x); ∂F/∂x is the m×n Jacobian.

A finite-difference gradient (one partial derivative per entry of X) has the shape of X, so it is
compared with the denominator-layout formula directly and with the numerator-layout formula
after a transpose.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop import numerical_gradient, relative_error
from backprop.activations import activation
from backprop.gradcheck import numerical_jacobian
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import display, figure, solution
from book.shapes import chain_svg
from book.tables import bound, md_table, num, shape

tanh = activation("tanh")

# Sizes of the test matrices: small, and all different so a wrong transpose cannot hide.
n, m, r = 4, 3, 2


def tex_bound(x: float) -> str:
    b = bound(x)
    return "0" if b == "0" else rf"10^{{{int(b[2:])}}}"


class Case:
    """One identity on concrete numbers. `f` maps the variable X to a scalar (or a column if vector-valued)."""

    def __init__(self, f_tex: str, by_tex: str, den_tex: str, num_tex: str, label: str, f: Callable, X, *,
                 den, num, vector_valued: bool = False):
        self.f_tex, self.by_tex, self.den_tex, self.num_tex, self.label = f_tex, by_tex, den_tex, num_tex, label
        self.f, self.X, self.den, self.num, self.vector_valued = f, X, den, num, vector_valued


def verify(ctx, case: Case) -> float:
    """Both layouts against finite differences; returns the larger relative error."""
    X = case.X.copy()
    if case.vector_valued:
        jac = numerical_jacobian(case.f, X)  # m×n, numerator layout
        fd_den, fd_num = jac.T, jac
        ctx.check.shape(f"{case.label}: numerator layout is out × in", case.num, jac.shape)
    else:
        fd_den = numerical_gradient(case.f, X)  # shape of X, denominator layout
        fd_num = fd_den.T
        ctx.check.shape(f"{case.label}: denominator layout has the shape of the variable", case.den, case.X.shape)
    e_den = ctx.check.gradient(f"{case.label}, denominator layout", case.den, fd_den)
    e_num = ctx.check.gradient(f"{case.label}, numerator layout", case.num, fd_num)
    return max(e_den, e_num)


def table(ctx, cases: list[Case]) -> str:
    rows = []
    for case in cases:
        err = verify(ctx, case)
        rows.append([f"${case.f_tex}$", f"${case.by_tex}$", f"${case.den_tex}$", f"${case.num_tex}$",
                     f"$\\le {tex_bound(err)}$"])
    return md_table(["function", "variable", "denominator layout", "numerator layout", "relative error vs FD"],
                    rows, align="llllr")


# --- vectors ----------------------------------------------------------------------


@artifact("vectors")
def vectors(ctx):
    rng = np.random.default_rng(101)
    for name, size in (("n", n), ("m", m), ("r", r)):
        ctx.value(name, str(size))
    a, x = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    A = rng.standard_normal((n, n))  # not symmetric: A and Aᵀ must both appear
    W = rng.standard_normal((m, n))
    cases = [
        Case("a^\\top x", "x \\in \\R^{n}", "a", "a^\\top", "∂(aᵀx)/∂x",
             lambda x: (a.T @ x).item(), x,
             den=a,  # ∂(aᵀx)/∂x = a
             num=a.T),
        Case("x^\\top A x", "x \\in \\R^{n}", "(A + A^\\top)\\,x", "x^\\top (A + A^\\top)", "∂(xᵀAx)/∂x",
             lambda x: (x.T @ A @ x).item(), x,
             den=(A + A.T) @ x,  # ∂(xᵀAx)/∂x = (A + Aᵀ) x
             num=x.T @ (A + A.T)),
        Case("W x \\in \\R^{m}", "x \\in \\R^{n}", "W^\\top \\;(n\\times m)", "W \\;(m\\times n)", "∂(Wx)/∂x",
             lambda x: W @ x, x,
             den=W.T,  # ∂(Wx)/∂x = Wᵀ in denominator layout
             num=W, vector_valued=True),
    ]
    return table(ctx, cases)


# --- matrices ----------------------------------------------------------------------


@artifact("matrices")
def matrices(ctx):
    rng = np.random.default_rng(202)
    X = rng.standard_normal((m, n))
    a, b = rng.standard_normal((m, 1)), rng.standard_normal((n, 1))
    A_nm = rng.standard_normal((n, m))  # tr(AX) needs A to be n×m
    A_mn = rng.standard_normal((m, n))  # tr(XᵀA) needs A to be m×n
    A_mm = rng.standard_normal((m, m))  # tr(XᵀAX) needs A to be m×m
    S = rng.standard_normal((m, m)) + m * np.eye(m)  # for log det: comfortably invertible
    sign, _ = np.linalg.slogdet(S)
    if sign < 0:
        S[0] *= -1  # log det needs det > 0
    ctx.check.that("log det: det X > 0", np.linalg.det(S) > 0, f"det X = {np.linalg.det(S):.3f}")
    cases = [
        Case("a^\\top X b", "X \\in \\R^{m\\times n}", "a\\,b^\\top", "b\\,a^\\top", "∂(aᵀXb)/∂X",
             lambda X: (a.T @ X @ b).item(), X,
             den=a @ b.T,  # ∂(aᵀXb)/∂X = a bᵀ
             num=b @ a.T),
        Case("\\operatorname{tr}(A X)", "X \\in \\R^{m\\times n}", "A^\\top", "A", "∂tr(AX)/∂X",
             lambda X: np.trace(A_nm @ X), X,
             den=A_nm.T,  # ∂tr(AX)/∂X = Aᵀ
             num=A_nm),
        Case("\\operatorname{tr}(X^\\top A)", "X \\in \\R^{m\\times n}", "A", "A^\\top", "∂tr(XᵀA)/∂X",
             lambda X: np.trace(X.T @ A_mn), X,
             den=A_mn,  # ∂tr(XᵀA)/∂X = A
             num=A_mn.T),
        Case("\\operatorname{tr}(X^\\top A X)", "X \\in \\R^{m\\times n}", "(A + A^\\top)\\,X",
             "X^\\top (A + A^\\top)", "∂tr(XᵀAX)/∂X",
             lambda X: np.trace(X.T @ A_mm @ X), X,
             den=(A_mm + A_mm.T) @ X,  # ∂tr(XᵀAX)/∂X = (A + Aᵀ) X
             num=X.T @ (A_mm + A_mm.T)),
        Case("\\lVert X\\rVert_F^2", "X \\in \\R^{m\\times n}", "2X", "2X^\\top", "∂‖X‖²/∂X",
             lambda X: float(np.sum(X * X)), X,
             den=2 * X,  # ∂‖X‖_F²/∂X = 2X
             num=2 * X.T),
        Case("\\log\\det X", "X \\in \\R^{m\\times m}", "X^{-\\top}", "X^{-1}", "∂ log det X/∂X",
             lambda X: float(np.linalg.slogdet(X)[1]), S,
             den=np.linalg.inv(S).T,  # ∂ log det X/∂X = X^{-T}
             num=np.linalg.inv(S)),
    ]
    return table(ctx, cases)


# --- the least-squares factorisation ------------------------------------------------


def factorisation(seed: int = 393):
    """X ≈ U V with X n×m, U n×r, V r×m, and the loss ‖X − UV‖_F²."""
    rng = np.random.default_rng(seed)
    X, U, V = rng.standard_normal((n, m)), rng.standard_normal((n, r)), rng.standard_normal((r, m))
    return X, U, V


def frob2(M) -> float:
    return float(np.sum(M * M))


@artifact("factorisation")
def factorisation_table(ctx):
    X, U, V = factorisation()
    R = X - U @ V  # the residual, n×m
    cases = [
        Case("\\lVert X - UV\\rVert_F^2", "V \\in \\R^{r\\times m}", "-2\\,U^\\top (X - UV)",
             "-2\\,(X - UV)^\\top U", "∂‖X − UV‖²/∂V",
             lambda V: frob2(X - U @ V), V,
             den=-2 * U.T @ R,  # ∂‖X − UV‖²/∂V = −2 Uᵀ (X − UV)
             num=-2 * R.T @ U),
        Case("\\lVert X - UV\\rVert_F^2", "U \\in \\R^{n\\times r}", "-2\\,(X - UV)\\,V^\\top",
             "-2\\,V (X - UV)^\\top", "∂‖X − UV‖²/∂U",
             lambda U: frob2(X - U @ V), U,
             den=-2 * R @ V.T,  # ∂‖X − UV‖²/∂U = −2 (X − UV) Vᵀ
             num=-2 * V @ R.T),
    ]
    ctx.check.chain("Uᵀ (X − UV) has the shape of V", [U.T.shape, R.shape], V.shape)
    ctx.check.chain("(X − UV) Vᵀ has the shape of U", [R.shape, V.T.shape], U.shape)
    out = table(ctx, cases)
    svg_v = chain_svg([("Uᵀ", U.T.shape), ("X − UV", R.shape)], ("∂/∂V", V.shape),
                      salt="identities-factor-v", grid=True,
                      title="Shapes of the gradient with respect to V",
                      desc=f"U transposed, {shape(U.T)}, times the residual X − UV, {shape(R)}, gives {shape(V)}, "
                           "the shape of V.")
    svg_u = chain_svg([("X − UV", R.shape), ("Vᵀ", V.T.shape)], ("∂/∂U", U.shape),
                      salt="identities-factor-u", grid=True,
                      title="Shapes of the gradient with respect to U",
                      desc=f"The residual X − UV, {shape(R)}, times V transposed, {shape(V.T)}, gives {shape(U)}, "
                           "the shape of U.")
    return (out + "\n\n"
            + figure(svg_v, f"−2Uᵀ(X − UV): {shape(U.T)} · {shape(R)} → {shape(V)}, the shape of V "
                            f"(here n = {n}, m = {m}, r = {r}).")
            + "\n\n"
            + figure(svg_u, f"−2(X − UV)Vᵀ: {shape(R)} · {shape(V.T)} → {shape(U)}, the shape of U."))


@artifact("misprint")
def misprint(ctx):
    X, U, V = factorisation()
    R = X - U @ V
    fd = numerical_gradient(lambda V: frob2(X - U @ V), V.copy())
    correct = -2 * U.T @ R
    printed = 2 * U.T @ R  # as printed in the d2l appendix
    ctx.check.gradient("−2Uᵀ(X − UV) = ∂‖X − UV‖²/∂V", correct, fd)
    ctx.check.shape("the printed +2Uᵀ(X − UV) has the shape of V too", printed, V.shape)
    err = ctx.check.differ("the printed +2Uᵀ(X − UV) fails the finite-difference check", printed, fd, min_rel=1.0,
                           how="every entry has the wrong sign")
    # The 1×1 warm-up: d/dv (x − uv)² = −2u(x − uv), not 2(x − uv)u.
    x1, u1, v1 = float(X[0, 0]), float(U[0, 0]), float(V[0, 0])
    fd1 = numerical_gradient(lambda v: (x1 - u1 * v[0]) ** 2, np.array([v1]))[0]
    ctx.check.gradient("1×1 case: d(x − uv)²/dv = −2u(x − uv)", np.array([-2 * u1 * (x1 - u1 * v1)]), np.array([fd1]))
    ctx.check.differ("1×1 case: +2(x − uv)u has the wrong sign", np.array([2 * (x1 - u1 * v1) * u1]), np.array([fd1]),
                     min_rel=1.0, how="opposite sign")
    ctx.value("printed_err", num(err, 2))
    order = np.argsort(fd.ravel())
    xs = fd.ravel()[order]
    svg = line_plot(
        [("−2Uᵀ(X − UV) (correct)", xs, correct.ravel()[order]),
         ("+2Uᵀ(X − UV) (as printed)", xs, printed.ravel()[order])],
        salt="identities-misprint",
        title="Both formulas for dV against finite differences",
        desc=(f"Each of the {fd.size} entries of the gradient with respect to V: finite-difference value across, "
              "formula value up. The correct formula lies on the diagonal, the printed one on the anti-diagonal."),
        xlabel="finite-difference estimate of ∂‖X − UV‖²/∂V (each entry)",
        ylabel="formula", figsize=(5.2, 3.6),
    )
    rows = [[f"$({i + 1}, {j + 1})$", num(fd[i, j]), num(correct[i, j]), num(printed[i, j])]
            for i, j in np.ndindex(fd.shape)]
    return (figure(svg, f"The {fd.size} entries of ∂‖X − UV‖²/∂V for a {shape(V)} V: the correct formula sits on the "
                        "diagonal (it equals the finite differences), the printed one on the anti-diagonal.")
            + "\n\n" + md_table(["entry", "finite differences", "$-2U^\\top(X-UV)$", "$+2U^\\top(X-UV)$ (printed)"],
                                rows, align="lrrr"))


# --- the backprop identities ----------------------------------------------------------


@artifact("backprop")
def backprop_identities(ctx):
    rng = np.random.default_rng(404)
    W = rng.standard_normal((m, n))
    a, u = rng.standard_normal((n, 1)), rng.standard_normal((m, 1))
    z = rng.standard_normal((n, 1))
    cases = [
        Case("u^\\top (W a)", "W \\in \\R^{m\\times n}", "u\\,a^\\top \\quad\\text{(B3)}", "a\\,u^\\top",
             "∂(uᵀWa)/∂W", lambda W: (u.T @ W @ a).item(), W,
             den=u @ a.T,  # (B3) with u = δ, a = a_prev: ∂J/∂W = δ a_prevᵀ
             num=a @ u.T),
        Case("u^\\top (W a)", "a \\in \\R^{n}", "W^\\top u \\quad\\text{(B2)}", "u^\\top W",
             "∂(uᵀWa)/∂a", lambda a: (u.T @ W @ a).item(), a,
             den=W.T @ u,  # (B2)'s W^(l+1)ᵀ δ^(l+1)
             num=u.T @ W),
        Case("f(z)\\ \\text{entrywise}", "z \\in \\R^{n}", "\\diag\\bigl(f'(z)\\bigr)",
             "\\diag\\bigl(f'(z)\\bigr)", "∂f(z)/∂z for an entrywise f",
             lambda z: tanh(z), z,
             den=np.diag(tanh.prime(z).ravel()),  # diagonal: the same in both layouts
             num=np.diag(tanh.prime(z).ravel()), vector_valued=True),
    ]
    v = rng.standard_normal((n, 1))
    ctx.check.close("diag(f'(z)) v = f'(z) ⊙ v: the Hadamard product of (B2)", np.diag(tanh.prime(z).ravel()) @ v,
                    tanh.prime(z) * v, tol=1e-15, how="the diagonal matrix product equals the entrywise product")
    return table(ctx, cases)


# --- exercises ----------------------------------------------------------------------


@artifact("ex1")
def ex1(ctx):
    rng = np.random.default_rng(505)
    X, y, w = rng.standard_normal((5, n)), rng.standard_normal((5, 1)), rng.standard_normal((n, 1))
    den = 2 * X.T @ (X @ w - y)  # ∂‖Xw − y‖²/∂w = 2Xᵀ(Xw − y)
    nm = 2 * (X @ w - y).T @ X
    fd = numerical_gradient(lambda w: frob2(X @ w - y), w.copy())
    ctx.check.gradient("∂‖Xw − y‖²/∂w = 2Xᵀ(Xw − y)", den, fd)
    ctx.check.gradient("numerator layout 2(Xw − y)ᵀX", nm, fd.T)
    ctx.check.chain("Xᵀ (Xw − y)", [X.T.shape, (X @ w - y).shape], w.shape)
    return solution(
        "Write \\(r = Xw - y\\), so \\(f = r^\\top r\\) and \\(\\partial r/\\partial w = X\\) in numerator layout. "
        "In the table, \\(\\partial (r^\\top r)/\\partial r = 2r\\) (the case \\(A = I\\) of \\(x^\\top A x\\)); "
        "the chain rule in denominator layout adds factors on the left:\n\n"
        + display("\\frac{\\partial f}{\\partial w} = X^\\top\\, 2r = 2X^\\top (Xw - y) \\quad (n\\times 1),"
                  "\\qquad \\text{numerator layout: } 2(Xw - y)^\\top X \\quad (1\\times n).")
        + f"\n\nThe build checked both on a random \\(5\\times {n}\\) \\(X\\) against finite differences "
        f"(relative error \\(\\le {tex_bound(relative_error(den, fd))}\\)). Setting the gradient to zero gives the "
        "normal equations \\(X^\\top X w = X^\\top y\\)."
    )


@artifact("ex2")
def ex2(ctx):
    rng = np.random.default_rng(606)
    A, X, B = rng.standard_normal((2, m)), rng.standard_normal((m, n)), rng.standard_normal((n, 2))
    den = A.T @ B.T  # ∂tr(AXB)/∂X = AᵀBᵀ
    nm = B @ A
    fd = numerical_gradient(lambda X: float(np.trace(A @ X @ B)), X.copy())
    ctx.check.gradient("∂tr(AXB)/∂X = AᵀBᵀ", den, fd)
    ctx.check.gradient("numerator layout BA", nm, fd.T)
    ctx.check.close("tr(AXB) = tr(BAX) (cyclic)", np.trace(A @ X @ B), np.trace(B @ A @ X), tol=1e-12)
    return solution(
        "The trace is unchanged by a cyclic shift, so \\(\\operatorname{tr}(AXB) = \\operatorname{tr}\\bigl((BA)X\\bigr)\\). "
        "The table's \\(\\partial \\operatorname{tr}(CX)/\\partial X = C^\\top\\) with \\(C = BA\\) gives\n\n"
        + display("\\frac{\\partial \\operatorname{tr}(AXB)}{\\partial X} = (BA)^\\top = A^\\top B^\\top"
                  "\\quad\\text{(denominator)}, \\qquad BA \\quad\\text{(numerator)}.")
        + f"\n\nWith \\(A\\) {shape(A)}, \\(X\\) {shape(X)} and \\(B\\) {shape(B)}, \\(A^\\top B^\\top\\) is "
        f"{shape(den)}, the shape of \\(X\\). Finite differences agree to \\(\\le {tex_bound(relative_error(den, fd))}\\)."
    )


@artifact("ex3")
def ex3(ctx):
    rng = np.random.default_rng(707)
    A, x = rng.standard_normal((n, n)), rng.standard_normal((n, 1))
    S = (A + A.T) / 2
    fd_A = numerical_gradient(lambda x: (x.T @ A @ x).item(), x.copy())
    fd_S = numerical_gradient(lambda x: (x.T @ S @ x).item(), x.copy())
    wrong = ctx.check.differ("2Ax fails for a non-symmetric A", 2 * A @ x, fd_A, how="2Ax is not the gradient")
    ctx.check.gradient("2Sx is right for a symmetric S", 2 * S @ x, fd_S)
    ctx.check.close("xᵀAx = xᵀSx with S = (A + Aᵀ)/2", (x.T @ A @ x).item(), (x.T @ S @ x).item(), tol=1e-12)
    return solution(
        "Only when \\(A\\) is symmetric. In general \\(\\partial (x^\\top A x)/\\partial x = (A + A^\\top)x\\), which is "
        "\\(2Ax\\) exactly when \\(A^\\top = A\\). On a random non-symmetric \\(A\\) the shortcut \\(2Ax\\) is off by "
        f"a relative error of {num(wrong, 2)} against finite differences, while for its symmetric part "
        "\\(S = (A + A^\\top)/2\\), \\(2Sx\\) passes. Both quadratic forms are the same function "
        "(\\(x^\\top A x = x^\\top S x\\): the antisymmetric part contributes nothing), which is why the correct "
        "gradient only ever sees \\(A + A^\\top\\)."
    )

