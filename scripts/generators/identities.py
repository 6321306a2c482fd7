# Artifacts for docs/identities.md: the matrix-calculus identities the book uses, each evaluated on seeded
# random matrices and compared with central finite differences. A derivative by a matrix has the matrix's
# shape (the finite-difference gradient is laid out like the variable); a derivative by a column is a
# column in denominator layout and a row in numerator layout; strict numerator layout's transposed
# arrangement for matrices is checked too, for the page's aside. The page writes every formula.

from __future__ import annotations

import numpy as np

from backprop import numerical_gradient
from backprop.activations import activation
from backprop.gradcheck import numerical_jacobian
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure
from book.shapes import chain_svg
from book.tables import shape, tex_bound

TANH = activation("tanh")
n, m, r = 4, 3, 2  # sizes of the test matrices: all different, so that a missing transpose cannot hide


def identity(ctx, key: str, f, X, formula, *, vector: bool = False, jacobian: bool = False) -> None:
    # One identity against finite differences, published as err_<key> (the worst error over both layouts).
    # `formula` is ∂f/∂X with X's shape (denominator layout); for a vector x the numerator layout (a row)
    # is checked too, for a matrix X the strict numerator arrangement (the transpose), and for a
    # vector-valued f (`jacobian`) the Jacobian against ∂f/∂x = its transpose.
    fd = numerical_jacobian(f, X).T if jacobian else numerical_gradient(f, X.copy())
    ctx.check.shape(f"{key}: ∂f/∂X like X" if not jacobian else f"{key}: n × m", formula, fd.shape)
    errs = [ctx.check.gradient(f"{key}, denominator layout", formula, fd),
            ctx.check.gradient(f"{key}, {'numerator layout' if vector or jacobian else 'strict numerator'}", formula.T, fd.T)]
    ctx.value(f"err_{key}", tex_bound(max(errs)))


@artifact("vectors")
def vectors(ctx):
    rng = np.random.default_rng(101)
    a, x, A, W = rng.standard_normal((n, 1)), rng.standard_normal((n, 1)), rng.standard_normal((n, n)), rng.standard_normal((m, n))
    identity(ctx, "atx", lambda x: (a.T @ x).item(), x, a, vector=True)  # ∂(aᵀx)/∂x = a
    identity(ctx, "xtax", lambda x: (x.T @ A @ x).item(), x, (A + A.T) @ x, vector=True)  # ∂(xᵀAx)/∂x = (A + Aᵀ)x
    identity(ctx, "wx", lambda x: W @ x, x, W.T, jacobian=True)  # ∂(Wx)/∂x = Wᵀ (n × m); its Jacobian is W
    ctx.check.differ("A is not symmetric: 2Ax is not the gradient", 2 * A @ x, (A + A.T) @ x)
    for name, size in (("n", n), ("m", m), ("r", r)):
        ctx.value(name, size)
    return ""


@artifact("matrices")
def matrices(ctx):
    rng = np.random.default_rng(202)
    X, a, b = rng.standard_normal((m, n)), rng.standard_normal((m, 1)), rng.standard_normal((n, 1))
    A_nm, A_mn, A_mm = rng.standard_normal((n, m)), rng.standard_normal((m, n)), rng.standard_normal((m, m))
    S = rng.standard_normal((m, m)) + m * np.eye(m)  # comfortably invertible
    S[0] *= np.sign(np.linalg.det(S))  # log det needs det > 0
    ctx.check.that("log det: det X > 0", np.linalg.det(S) > 0, f"det X = {np.linalg.det(S):.3f}")
    identity(ctx, "axb", lambda X: (a.T @ X @ b).item(), X, a @ b.T)  # ∂(aᵀXb)/∂X = a bᵀ
    identity(ctx, "trax", lambda X: np.trace(A_nm @ X), X, A_nm.T)  # ∂tr(AX)/∂X = Aᵀ
    identity(ctx, "trxta", lambda X: np.trace(X.T @ A_mn), X, A_mn)  # ∂tr(XᵀA)/∂X = A
    identity(ctx, "trxtax", lambda X: np.trace(X.T @ A_mm @ X), X, (A_mm + A_mm.T) @ X)  # ∂tr(XᵀAX)/∂X = (A + Aᵀ)X
    identity(ctx, "frob", lambda X: float(np.sum(X * X)), X, 2 * X)  # ∂‖X‖²_F/∂X = 2X
    identity(ctx, "logdet", lambda X: float(np.linalg.slogdet(X)[1]), S, np.linalg.inv(S).T)  # ∂ log det X/∂X = X^{-T}
    return ""


def factorisation():
    # X ≈ U V with X n × m, U n × r, V r × m, and the loss ‖X − UV‖²_F
    rng = np.random.default_rng(393)
    return rng.standard_normal((n, m)), rng.standard_normal((n, r)), rng.standard_normal((r, m))


def frob2(M) -> float:
    return float(np.sum(M * M))


@artifact("factorisation")
def factorisation_figures(ctx):
    X, U, V = factorisation()
    R = X - U @ V  # the residual, n × m
    identity(ctx, "dv", lambda V: frob2(X - U @ V), V, -2 * U.T @ R)  # −2 Uᵀ (X − UV)
    identity(ctx, "du", lambda U: frob2(X - U @ V), U, -2 * R @ V.T)  # −2 (X − UV) Vᵀ
    parts = []
    for key, factors, (label, result) in (("v", [("Uᵀ", U.T), ("X − UV", R)], ("∂/∂V", V)),
                                          ("u", [("X − UV", R), ("Vᵀ", V.T)], ("∂/∂U", U))):
        ctx.check.chain(f"{' · '.join(f for f, _ in factors)} → {label}", [a.shape for _, a in factors], result.shape)
        data = " · ".join(shape(a) for _, a in factors) + f" → {shape(result)}"
        svg = chain_svg([(f, a.shape) for f, a in factors], (label, result.shape), salt=f"identities-factor-{key}", grid=True,
                        title=f"Shapes of the gradient by {key.upper()}", desc=data)
        ctx.value(f"shape_{key}", result.shape)
        parts.append(figure(svg, f"{label}: {data}"))
    return "\n\n".join(parts)


@artifact("misprint")
def misprint(ctx):
    X, U, V = factorisation()
    fd = numerical_gradient(lambda V: frob2(X - U @ V), V.copy())
    correct, printed = -2 * U.T @ (X - U @ V), 2 * U.T @ (X - U @ V)  # printed: d2l's appendix
    ctx.check.gradient("−2Uᵀ(X − UV) = ∂‖X − UV‖²/∂V", correct, fd)
    ctx.check.shape("the printed form has V's shape too", printed, V.shape)
    err = ctx.check.differ("the printed +2Uᵀ(X − UV) fails", printed, fd, min_rel=1.0, how="every entry has the wrong sign")
    x1, u1, v1 = float(X[0, 0]), float(U[0, 0]), float(V[0, 0])  # the 1 × 1 warm-up: d(x − uv)²/dv
    fd1 = numerical_gradient(lambda v: (x1 - u1 * v[0]) ** 2, np.array([v1]))
    ctx.check.gradient("1 × 1: −2u(x − uv)", np.array([-2 * u1 * (x1 - u1 * v1)]), fd1)
    ctx.check.differ("1 × 1: +2(x − uv)u", np.array([2 * (x1 - u1 * v1) * u1]), fd1, min_rel=1.0)
    ctx.value("printed_err", err, digits=2)
    order = np.argsort(fd.ravel())
    svg = line_plot([("−2Uᵀ(X − UV)", fd.ravel()[order], correct.ravel()[order]),
                     ("+2Uᵀ(X − UV), as printed", fd.ravel()[order], printed.ravel()[order])],
                    salt="identities-misprint", title="Two formulas for the gradient by V",
                    desc=f"{fd.size} entries: the correct formula on the diagonal, the printed one on the anti-diagonal",
                    xlabel="finite-difference estimate (each entry)", ylabel="formula", figsize=(5.2, 3.6))
    return figure(svg, f"The {fd.size} entries of ∂‖X − UV‖²/∂V")


@artifact("backprop")
def backprop_identities(ctx):
    rng = np.random.default_rng(404)
    W, a, u, z, v = (rng.standard_normal(s) for s in ((m, n), (n, 1), (m, 1), (n, 1), (n, 1)))
    identity(ctx, "uwa_w", lambda W: (u.T @ W @ a).item(), W, u @ a.T)  # (B3) with u = δ, a = a_prev: u aᵀ
    identity(ctx, "uwa_a", lambda a: (u.T @ W @ a).item(), a, W.T @ u, vector=True)  # (B2)'s Wᵀ δ
    identity(ctx, "fz", TANH, z, np.diag(TANH.prime(z).ravel()), jacobian=True)  # diagonal: the same in both layouts
    ctx.check.close("diag(f'(z)) v = f'(z) ⊙ v", np.diag(TANH.prime(z).ravel()) @ v, TANH.prime(z) * v, tol=1e-15)
    return ""


# --- exercises: small integer matrices, so that a reader can work them by hand


@artifact("ex1")
def ex1(ctx):
    rng = np.random.default_rng(505)
    X, w, y = (rng.integers(-2, 3, s).astype(float) for s in ((3, 2), (2, 1), (3, 1)))
    grad = 2 * X.T @ (X @ w - y)  # ∂‖Xw − y‖²/∂w = 2Xᵀ(Xw − y)
    fd = numerical_gradient(lambda w: frob2(X @ w - y), w.copy())
    ctx.check.gradient("∂‖Xw − y‖²/∂w = 2Xᵀ(Xw − y)", grad, fd)
    ctx.check.gradient("numerator layout: 2(Xw − y)ᵀX", 2 * (X @ w - y).T @ X, fd.T)
    ctx.check.chain("Xᵀ (Xw − y)", [X.T.shape, (X @ w - y).shape], w.shape)
    for name, v in (("X", X), ("w", w), ("y", y), ("r", X @ w - y)):
        ctx.value(f"ex1_{name}", v, digits=0)
    ctx.answer("ex1_grad", grad, digits=0, mistakes={"sign": -grad})
    return ""


@artifact("ex2")
def ex2(ctx):
    rng = np.random.default_rng(606)
    A, X, B = rng.standard_normal((2, m)), rng.standard_normal((m, n)), rng.standard_normal((n, 2))
    fd = numerical_gradient(lambda X: float(np.trace(A @ X @ B)), X.copy())
    ctx.check.gradient("∂tr(AXB)/∂X = AᵀBᵀ", A.T @ B.T, fd)
    ctx.check.gradient("strict numerator: BA", B @ A, fd.T)
    ctx.check.close("tr(AXB) = tr(BAX) (cyclic)", np.trace(A @ X @ B), np.trace(B @ A @ X), tol=1e-12)
    for name, v in (("A", A), ("X", X), ("B", B)):
        ctx.value(f"ex2_{name}", v.shape)
    ctx.answer("ex2_shape", fd.shape, mistakes={"numerator-shape": fd.T.shape})
    return ""


@artifact("ex3")
def ex3(ctx):
    rng = np.random.default_rng(724)
    A, x = (rng.integers(-2, 3, s).astype(float) for s in ((2, 2), (2, 1)))
    S = (A + A.T) / 2
    fd = numerical_gradient(lambda x: (x.T @ A @ x).item(), x.copy())
    ctx.check.gradient("(A + Aᵀ)x", (A + A.T) @ x, fd)
    ctx.check.differ("2Ax fails for a non-symmetric A", 2 * A @ x, fd)
    ctx.check.gradient("2Sx is right for S = (A + Aᵀ)/2", 2 * S @ x, numerical_gradient(lambda x: (x.T @ S @ x).item(), x.copy()))
    ctx.check.close("xᵀAx = xᵀSx", (x.T @ A @ x).item(), (x.T @ S @ x).item(), tol=1e-12)
    for name, v in (("A", A), ("x", x), ("AAt", A + A.T)):
        ctx.value(f"ex3_{name}", v, digits=0)
    ctx.answer("ex3_grad", (A + A.T) @ x, digits=0, mistakes={"symmetric-only": 2 * A @ x})
    return ""
