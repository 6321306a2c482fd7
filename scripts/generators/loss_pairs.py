"""docs/loss-pairs.md: δ(L) for each output pair, and activation derivatives."""

from __future__ import annotations

import numpy as np

from backprop.activations import activation, leaky_relu
from backprop.gradcheck import numerical_gradient, numerical_jacobian
from backprop.jacobians import da_dz
from backprop.losses import loss, output_delta
from book.artifacts import artifact
from book.figures import line_plot, matrix_heatmap
from book.markup import figure
from book.shapes import chain_svg
from book.tables import md_table, tex_sci

sigmoid, softmax = activation("sigmoid"), activation("softmax")
mse, bce, cce = loss("squared_error"), loss("binary_cross_entropy"), loss("softmax_cross_entropy")
EXACT, ALPHA = 1e-12, 0.1  # ALPHA: the leaky ReLU's slope on this page
Z4, Y4 = np.random.default_rng(32).normal(0.0, 1.0, (4, 1)), np.eye(4)[:, [1]]  # four classes, the true one is the second


def fd_delta(g, J, z, y):  # ∂J/∂z by central differences of J(g(z), y)
    return numerical_gradient(lambda v: J.value(g(v), y), z.copy())


def chain_delta(g, J, z, y):  # (B1, Jacobian): δ = Gᵀ ∂J/∂a with G = ∂a/∂z
    return da_dz(g, z).T @ J.grad(g(z), y)


PAIRS = [  # g, J, δ(L) in TeX, the same δ(L) in code, does δ = a − y hold, does δ = z − y hold
    ("identity", mse, r"a - y", lambda a, y: a - y, True, True),
    ("sigmoid", mse, r"(a - y) \odot a \odot (1 - a)", lambda a, y: (a - y) * a * (1 - a), False, False),
    ("tanh", mse, r"(a - y) \odot (1 - a^2)", lambda a, y: (a - y) * (1 - a**2), False, False),
    ("sigmoid", bce, r"a - y", lambda a, y: a - y, True, False),
    ("softmax", cce, r"p - y", lambda a, y: a - y, True, False),
    ("softmax", mse, r"\bigl(\diag(p) - p p^\top\bigr)(p - y)", lambda a, y: (np.diagflat(a) - a @ a.T) @ (a - y), False, False),
]


@artifact("pairs")
def pairs(ctx):
    # The answer table: δ(L) of each pair at one point against FD, and which shortcut holds there.
    z, y = np.random.default_rng(14).standard_normal((3, 1)), np.array([[0.0], [1.0], [0.0]])
    rows = []
    for g_name, J, tex, formula, a_holds, z_holds in PAIRS:
        g, pair = activation(g_name), f"{g_name} + {J.name}"
        a, true = g(z), fd_delta(g, J, z, y)
        ctx.check.gradient(f"{pair}: δ = ${tex}$", formula(a, y), true)
        ctx.check.gradient(f"{pair}: output_delta", output_delta(J, g, z, a, y), true)
        ctx.check.close(f"{pair}: Gᵀ ∂J/∂a = ${tex}$", chain_delta(g, J, z, y), formula(a, y), tol=EXACT)
        for guess, holds, name in ((a - y, a_holds, "a − y"), (z - y, z_holds, "z − y")):
            if holds:
                ctx.check.gradient(f"{pair}: δ = {name}", guess, true)
            else:
                ctx.check.differ(f"{pair}: δ ≠ {name}", guess, true, min_rel=1e-2)
        rows.append([pair.replace("_", " "), f"${tex}$" + " $= z - y$" * z_holds])
    with np.errstate(divide="ignore", invalid="ignore"):  # σ(40) rounds to 1: the chain divides by a(1 − a) = 0
        far = chain_delta(sigmoid, bce, np.array([[40.0]]), np.array([[0.0]]))
    ctx.check.that("sigmoid + BCE, z = 40: the chain fails", not np.isfinite(far).all(), "σ(40) = 1")
    ctx.value("z_far", 40)
    ctx.value("pair_z", z)
    ctx.value("pair_y", y, digits=0)
    return md_table(["$g^{(L)}$ + loss", "$\\delta^{(L)} = \\partial J/\\partial z^{(L)}$"], rows, align="ll")


DERIVATIVES = [  # activation, g′ written independently of the reference code (the page's table)
    (sigmoid, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),  # σ(z)(1 − σ(z))
    (activation("tanh"), lambda z: 1 / np.cosh(z) ** 2),  # 1 − tanh² z
    (activation("relu"), lambda z: (z > 0) * 1.0),  # 1 for z > 0, 0 for z < 0
    (leaky_relu(ALPHA), lambda z: np.where(z > 0, 1.0, ALPHA)),  # 1 for z > 0, α for z < 0
]


@artifact("derivatives")
def derivatives(ctx):
    # g′ against an independent formula and against FD off 0; at 0, the two one-sided slopes.
    grid, h, zero = np.linspace(-4, 4, 81)[:, None], 1e-7, np.zeros((1, 1))
    off = grid[::2][np.abs(grid[::2, 0]) > 1e-3]  # FD across a kink would average two slopes
    series = []
    for g, independent in DERIVATIVES:
        name = g.name.split("(")[0]
        ctx.check.close(f"{name}: g′ as on the page", g.prime(grid), independent(grid), tol=EXACT)
        ctx.check.gradient(f"{g.name}: diag(g′) vs FD", np.diagflat(g.prime(off)), numerical_jacobian(g, off))
        left, right = ((g(zero) - g(zero - h)) / h)[0, 0], ((g(zero + h) - g(zero)) / h)[0, 0]
        if "relu" in name:  # a kink: the slopes differ and g′(0) is a choice, the left one
            ctx.check.differ(f"{name}: one-sided slopes at 0 differ", np.array([left]), np.array([right]), min_rel=0.5)
            ctx.check.close(f"{name}: g′(0) = left slope", g.prime(zero)[0, 0], left, tol=1e-9)
            central = ((g(zero + h) - g(zero - h)) / (2 * h))[0, 0]
            ctx.check.close(f"{name}: central FD at 0 = mean slope", central, (left + right) / 2, tol=1e-9)
            ctx.value(f"{name}_central", central, digits=3)
        else:
            ctx.check.close(f"{name}: one-sided slopes = g′(0)", np.array([left, right]), g.prime(zero)[0, 0] * np.ones(2), tol=1e-6)
        ctx.value(f"{name}_at0", g.prime(zero)[0, 0], digits=2)
        xs = np.sort(np.append(grid[::5, 0], 1e-9))  # a point just right of 0 draws the jump
        series.append((g.name, xs, g.prime(xs)))
    ctx.check.close("softmax: ∂p/∂z(0) = (I − 11ᵀ/d)/d", softmax.jacobian(0 * Z4), (np.eye(4) - 1 / 4) / 4, tol=EXACT)
    ctx.value("alpha", ALPHA, digits=1)
    z5 = np.array([[-2.0], [0.0], [3.0]])  # Exercise 5
    ctx.value("ex5_z", z5, digits=0)
    ctx.answer("ex5_gprime", leaky_relu(ALPHA).prime(z5), digits=2,
               mistakes={"kink-average": np.array([[ALPHA], [(1 + ALPHA) / 2], [1.0]]), "relu-slope": (z5 > 0) * 1.0})
    svg = line_plot(series, salt="lp-derivatives", xlabel="z", ylabel="g′(z)", title="g′(z)", desc="Four derivatives")
    return figure(svg, f"α = {ALPHA:g}")


@artifact("jacobians")
def jacobians(ctx):
    # The softmax's Jacobian is full, the sigmoid's diagonal, at the same z.
    p, J_soft, J_sig = softmax(Z4), softmax.jacobian(Z4), sigmoid.jacobian(Z4)
    ctx.check.gradient("softmax: diag(p) − p pᵀ vs FD", J_soft, numerical_jacobian(softmax, Z4))
    ctx.check.gradient("sigmoid: diag(σ′(z)) vs FD", J_sig, numerical_jacobian(sigmoid, Z4))
    ctx.check.that("softmax: columns sum to 0", bool(np.all(np.abs(J_soft.sum(axis=0)) < 1e-15)), "|Σ| < 1e-15")
    off = ~np.eye(4, dtype=bool)
    ctx.check.that("off-diagonal: −p_i p_j < 0, σ: 0", bool(np.all(J_soft[off] < 0) and np.all(J_sig[off] == 0)), "")
    ctx.value("jac_p", p)
    cols = [f"z{k}" for k in "₁₂₃₄"]
    heat = [figure(matrix_heatmap(M, salt=f"lp-jac-{n}", row_labels=[f"{n[0]}{k}" for k in "₁₂₃₄"], col_labels=cols,
                                  title=f"∂{n[0]}/∂z", desc="4×4 Jacobian"), f"∂{n[0]}/∂z")
            for n, M in (("p-softmax", J_soft), ("a-sigmoid", J_sig))]
    return '<div class="grid bp-grid">\n' + "\n".join(heat) + "\n</div>"


def chain(ctx, layout):
    # δ = Gᵀ ∂J/∂a (a column) or δᵀ = ∂J/∂a G (a row), for softmax + cross-entropy.
    G, dJ_da, delta = softmax.jacobian(Z4), cce.grad(softmax(Z4), Y4), softmax(Z4) - Y4
    factors = [("(∂a/∂z)ᵀ", G.T), ("∂J/∂a", dJ_da)] if layout == "denominator" else [("∂J/∂a", dJ_da.T), ("∂a/∂z", G)]
    product = factors[0][1] @ factors[1][1]
    ctx.check.close(f"{layout}: the product is p − y", product, delta if layout == "denominator" else delta.T, tol=EXACT)
    ctx.check.chain(layout, [f.shape for _, f in factors], product.shape)
    dims = " · ".join("×".join(map(str, f.shape)) for _, f in factors) + " → " + "×".join(map(str, product.shape))
    svg = chain_svg([(n, f.shape) for n, f in factors], ("δ" if layout == "denominator" else "δᵀ", product.shape),
                    salt=f"lp-chain-{layout}", grid=True, title=layout, desc=dims)
    return figure(svg, dims)


for _layout in ("denominator", "numerator"):
    artifact(f"chain-{_layout}")(lambda ctx, layout=_layout: chain(ctx, layout))


@artifact("softmax-ce")
def softmax_ce(ctx):
    # p − y from its two terms, and the diagonal-only mistake.
    p, g = softmax(Z4), cce.grad(softmax(Z4), Y4)
    ctx.check.close("diag(p)(−y/p) = −y", np.diagflat(p) @ g, -Y4, tol=EXACT)
    ctx.check.close("−p pᵀ(−y/p) = p Σy", -(p @ p.T) @ g, p * Y4.sum(), tol=EXACT)
    ctx.check.gradient("p − y vs FD", p - Y4, fd_delta(softmax, cce, Z4, Y4))
    diagonal = p * (1 - p) * g  # the softmax taken as elementwise: only the diagonal of its Jacobian
    ctx.check.differ("diagonal only: wrong", diagonal, p - Y4, min_rel=0.5)
    ctx.check.that("diagonal only: 0 where y_i = 0", bool(np.all(diagonal[Y4 == 0] == 0)), "y_i = 0 ⇒ 0")
    for name, v in (("ce_z", Z4), ("ce_delta", p - Y4), ("ce_diagonal", diagonal)):
        ctx.value(name, v)
    ctx.value("ce_y", Y4, digits=0)
    return ""


@artifact("saturation")
def saturation(ctx):
    # One sigmoid output, y = 1: ∂J/∂z for squared error and for cross-entropy, every plotted point against FD.
    zs, y = np.arange(-8.0, 6.01, 0.5), np.array([[1.0]])
    a = sigmoid(zs)
    curves = {"squared error": (mse, (a - 1) * a * (1 - a)), "cross-entropy": (bce, a - 1)}
    for name, (J, ours) in curves.items():
        ctx.check.gradient(f"{name}: ∂J/∂z at {zs.size} z", ours, np.array([fd_delta(sigmoid, J, np.array([[t]]), y)[0, 0] for t in zs]))
    ctx.check.close("SE ÷ CE = σ′(z)", curves["squared error"][1] / (a - 1), a * (1 - a), tol=EXACT)
    s = sigmoid(np.linspace(-8, 6, 14001))
    ctx.check.close("min (a − 1)σ′ = −4/27", ((s - 1) * s * (1 - s)).min(), -4 / 27, tol=1e-7)
    lo = curves["squared error"][1][0]
    ctx.check.that("z = −8: SE ≈ 0, CE ≈ −1", abs(lo) < 1e-3 and abs(a[0] - 1) > 0.99, f"{lo:.1e}")
    ctx.value("z_lo", zs[0], digits=0)
    ctx.value("mse_lo", tex_sci(lo))
    ctx.value("bce_lo", a[0] - 1)
    ctx.value("mse_peak", -4 / 27)
    svg = line_plot([(n, zs, c[1]) for n, c in curves.items()], salt="lp-saturation", xlabel="z", ylabel="∂J/∂z",
                    title="∂J/∂z, y = 1", desc="Two curves")
    return figure(svg, "y = 1")


def exercise_delta(ctx, name, g, J, z, y, mistakes):  # δ by the chain, against FD, published as an answer
    delta = chain_delta(g, J, z, y)
    ctx.check.gradient(f"{name}: δ vs FD", delta, fd_delta(g, J, z, y))
    ctx.answer(name, delta[0, 0] if delta.size == 1 else delta, mistakes=mistakes)
    return delta


@artifact("ex1")
def ex1(ctx):
    z, y = np.array([[-3.0]]), np.array([[1.0]])
    a = sigmoid(z)[0, 0]
    d = exercise_delta(ctx, "ex1_mse", sigmoid, mse, z, y, {"missing-gprime": a - 1, "sign": (1 - a) * a * (1 - a)})[0, 0]
    exercise_delta(ctx, "ex1_bce", sigmoid, bce, z, y, {"extra-gprime": d, "sign": 1 - a})
    for name, v, digits in (("ex1_z", z[0, 0], 0), ("ex1_a", a, 4), ("ex1_gprime", a * (1 - a), 4), ("ex1_ratio", (a - 1) / d, 1)):
        ctx.value(name, v, digits=digits)
    return ""


@artifact("ex2")
def ex2(ctx):
    z = np.array([[1.0], [2.0], [3.0]])
    p, G = softmax(z), softmax.jacobian(z)
    ctx.check.gradient("∂p/∂z vs FD", G, numerical_jacobian(softmax, z))
    ctx.check.that("columns sum to 0", bool(np.all(np.abs(G.sum(axis=0)) < 1e-15)), "|Σ| < 1e-15")
    ctx.value("ex2_z", z, digits=0)
    ctx.value("ex2_p", p)
    ctx.answer("ex2_G", G, mistakes={"softmax-diagonal": np.diagflat(p * (1 - p)), "sign": np.diagflat(p) + p @ p.T})
    return ""


@artifact("ex3")
def ex3(ctx):
    y, p = np.array([[1.0], [1.0], [0.0], [0.0]]), softmax(Z4)  # two labels: Σ y = 2
    delta = exercise_delta(ctx, "ex3_delta", softmax, cce, Z4, y, {"collapsed-form": p - y})
    ctx.check.close("δ = (Σ y) p − y", delta, y.sum() * p - y, tol=EXACT)
    ctx.check.raises("output_delta refuses Σy ≠ 1", lambda: output_delta(cce, softmax, Z4, p, y))
    ctx.value("ex3_y", y, digits=0)
    return ""


@artifact("ex4")
def ex4(ctx):
    p = softmax(Z4)
    delta = exercise_delta(ctx, "ex4_delta", softmax, mse, Z4, Y4, {"collapsed-form": p - Y4, "softmax-diagonal": p * (1 - p) * (p - Y4)})
    ctx.check.close("δ = (diag(p) − p pᵀ)(p − y)", delta, (np.diagflat(p) - p @ p.T) @ (p - Y4), tol=EXACT)
    ctx.check.close("output_delta agrees", output_delta(mse, softmax, Z4, p, Y4), delta, tol=EXACT)
    ctx.value("ex4_p", p)
    return ""
