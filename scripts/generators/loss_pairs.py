"""Artifacts for docs/loss-pairs.md: the output delta (B1) for three loss/activation pairs.

For each pair the output error δ = ∂J/∂z is computed three ways and compared:
  chain      the general rule δ = Gᵀ ∂J/∂a with the real Jacobian G = ∂a/∂z (backprop.jacobians)
  collapsed  the short formula written in this file: (a − y) ⊙ σ'(z), a − y, p − y
  numeric    central finite differences of J as a function of z
and a tempting wrong formula is shown to give other numbers.
"""

from __future__ import annotations

import numpy as np

from backprop.activations import activation
from backprop.gradcheck import numerical_gradient
from backprop.jacobians import da_dz
from backprop.losses import loss, output_delta
from book.artifacts import artifact
from book.figures import line_plot, matrix_heatmap
from book.markup import display, figure, solution
from book.shapes import chain_svg
from book.tables import bound, md_table, num, shape, tex_matrix

SEED = 31
sigmoid, softmax = activation("sigmoid"), activation("softmax")
mse, bce, cce = loss("squared_error"), loss("binary_cross_entropy"), loss("softmax_cross_entropy")


def sigmoid_example():
    """Three sigmoid outputs with 0/1 targets."""
    rng = np.random.default_rng(SEED)
    z = rng.normal(0.0, 1.5, (3, 1))
    y = np.array([[1.0], [0.0], [1.0]])
    return z, y


def softmax_example():
    """Four classes, the true class is the second (a one-hot column)."""
    rng = np.random.default_rng(SEED + 1)
    z = rng.normal(0.0, 1.0, (4, 1))
    y = np.array([[0.0], [1.0], [0.0], [0.0]])
    return z, y


def chain_delta(g, L, z, y):
    """The general rule: δ = Gᵀ ∂J/∂a, with G = da/dz the (numerator-layout) Jacobian."""
    a = g(z)
    return da_dz(g, z).T @ L.grad(a, y)  # (B1) in full: d×d times d×1


def numeric_delta(g, L, z, y):
    return numerical_gradient(lambda v: L.value(g(v), y), z.copy())


def tex_sci(x: float, digits: int = 1) -> str:
    """x as TeX scientific notation, e.g. -3.4 \\times 10^{-4}."""
    mantissa, exponent = f"{float(x):.{digits}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def vector_table(rows) -> str:
    """Column vectors as table rows (label, d×1 array, digits): one table column per entry."""
    d = rows[0][1].shape[0]
    body = [[label, *(num(v[i, 0], digits) for i in range(d))] for label, v, digits in rows]
    return md_table(["", *[f"$i = {i + 1}$" for i in range(d)]], body, align="l" + "r" * d)


def le(err: float) -> str:
    b = bound(err)
    return "0 (exact)" if b == "0" else f"≤ {b}"


def pair_table(ctx, *, g, L, z, y, collapsed, collapsed_label, wrong, wrong_label, a_name="a"):
    """The three computations of δ side by side, the wrong one last, with their errors."""
    a = g(z)
    chain = chain_delta(g, L, z, y)
    numeric = numeric_delta(g, L, z, y)
    e_chain = ctx.check.gradient("δ by the chain Gᵀ ∂J/∂a", chain, numeric)
    e_coll = ctx.check.gradient(f"δ by the collapsed formula {collapsed_label}", collapsed, numeric)
    ctx.check.close("chain = collapsed formula", chain, collapsed, tol=1e-12, how="the Jacobian product collapses exactly")
    ctx.check.close("the library's (B1) agrees", output_delta(L, g, z, a, y), collapsed, tol=1e-12,
                    how="backprop.losses.output_delta gives the same δ")
    e_wrong = ctx.check.differ(f"{wrong_label} is not δ", wrong, numeric, min_rel=0.05,
                               how="the tempting formula gives other numbers")
    # One row per quantity, one column per output unit: narrow enough for a phone.
    d = z.shape[0]

    def entries(v, digits=4):
        return [num(v[i, 0], digits) for i in range(d)]

    rows = [
        ["$z_i$", *entries(z), ""],
        [f"${a_name}_i$", *entries(a), ""],
        ["$y_i$", *entries(y, 0), ""],
        [f"chain $G^\\top \\partial J/\\partial {a_name}$", *entries(chain), le(e_chain)],
        [f"short form {collapsed_label}", *entries(collapsed), le(e_coll)],
        ["finite differences", *entries(numeric), ""],
        [f"wrong: {wrong_label}", *entries(wrong), f"off by {num(e_wrong * 100, 0)} %"],
    ]
    headers = ["", *[f"$i = {i + 1}$" for i in range(d)], "max. relative error vs finite differences"]
    return md_table(headers, rows, align="l" + "r" * (d + 1))


@artifact("mse-sigmoid")
def mse_sigmoid(ctx):
    z, y = sigmoid_example()
    a = sigmoid(z)
    collapsed = (a - y) * a * (1 - a)  # (B1): (a − y) ⊙ σ'(z), σ' = a(1 − a) stays
    return pair_table(ctx, g=sigmoid, L=mse, z=z, y=y, collapsed=collapsed, collapsed_label="$(a-y)\\odot\\sigma'(z)$",
                      wrong=a - y, wrong_label="$a - y$")


@artifact("bce-sigmoid")
def bce_sigmoid(ctx):
    z, y = sigmoid_example()
    a = sigmoid(z)
    collapsed = a - y  # (B1): σ' cancels the denominator a(1 − a) of ∂J/∂a
    body = pair_table(ctx, g=sigmoid, L=bce, z=z, y=y, collapsed=collapsed, collapsed_label="$a - y$",
                      wrong=(a - y) * a * (1 - a), wrong_label="$(a-y)\\odot\\sigma'(z)$")
    # Far in the tail the chain's ∂J/∂a = (a − y) / (a(1 − a)) divides by a rounded-off 0.
    z_far = np.array([[40.0]])
    a_far = sigmoid(z_far)
    with np.errstate(divide="ignore", invalid="ignore"):
        chain_far = chain_delta(sigmoid, bce, z_far, np.array([[0.0]]))
    ctx.check.that(f"at z = {z_far[0, 0]:g} the chain is not finite, a − y is", not np.all(np.isfinite(chain_far))
                   and np.all(np.isfinite(a_far - 0.0)), f"σ(z) rounds to {a_far[0, 0]:g}, so 1 − a = 0 in float64")
    ctx.value("z_far", f"{z_far[0, 0]:g}")
    return body


@artifact("softmax-ce")
def softmax_ce(ctx):
    z, y = softmax_example()
    p = softmax(z)
    collapsed = p - y  # (B1): (diag(p) − p pᵀ)(−y / p) = p − y, because Σ y = 1
    wrong = p * (1 - p) * cce.grad(p, y)  # treating softmax as elementwise: diag(p(1 − p)) only
    return pair_table(ctx, g=softmax, L=cce, z=z, y=y, collapsed=collapsed, collapsed_label="$p - y$",
                      wrong=wrong, wrong_label="$p\\odot(1-p)\\odot(-y/p)$", a_name="p")


# ---------------------------------------------------------------------------
# The Jacobians: full for softmax, diagonal for an elementwise activation


def numeric_jacobian(g, z):
    """Row i is the finite-difference gradient of a_i(z): the numerator-layout Jacobian."""
    d = z.shape[0]
    return np.vstack([numerical_gradient(lambda v, i=i: float(g(v)[i, 0]), z.copy()).T for i in range(d)])


@artifact("jacobians")
def jacobians(ctx):
    z, _ = softmax_example()
    p = softmax(z)
    J_soft = softmax.jacobian(z)  # diag(p) − p pᵀ
    J_sig = sigmoid.jacobian(z)  # diag(σ'(z))
    ctx.check.gradient("softmax Jacobian diag(p) − p pᵀ vs finite differences", J_soft, numeric_jacobian(softmax, z))
    ctx.check.gradient("sigmoid Jacobian diag(σ′(z)) vs finite differences", J_sig, numeric_jacobian(sigmoid, z))
    ctx.check.close("softmax Jacobian = diag(p) − p pᵀ", J_soft, np.diagflat(p) - p @ p.T, tol=1e-15)
    ctx.check.close("softmax Jacobian is symmetric", J_soft, J_soft.T, tol=1e-15)
    ctx.check.that("each column of the softmax Jacobian sums to 0", bool(np.all(np.abs(J_soft.sum(axis=0)) < 1e-15)),
                   "Σ_i p_i = 1 for every z, so Σ_i ∂p_i/∂z_j = 0 (each column sum is below 1e-15 in size)")
    ctx.check.that("every off-diagonal entry of the softmax Jacobian is negative",
                   bool(np.all(J_soft[~np.eye(4, dtype=bool)] < 0)), "−p_i p_j < 0 for i ≠ j")
    ctx.check.that("every off-diagonal entry of diag(σ′) is exactly 0",
                   bool(np.all(J_sig[~np.eye(4, dtype=bool)] == 0)), "an elementwise activation does not mix entries")
    ctx.value("p", tex_matrix(p.T) + "^\\top")
    labels = [f"z{k}" for k in "₁₂₃₄"]
    rows = [f"p{k}" for k in "₁₂₃₄"]
    soft = matrix_heatmap(J_soft, salt="loss_pairs-jac-softmax", row_labels=rows, col_labels=labels,
                          title="Softmax Jacobian diag(p) minus p p transposed",
                          desc="A 4 by 4 matrix with positive diagonal entries p_i(1 - p_i) and negative off-diagonal "
                               "entries -p_i p_j; every entry is non-zero.")
    sig = matrix_heatmap(J_sig, salt="loss_pairs-jac-sigmoid", row_labels=[f"a{k}" for k in "₁₂₃₄"], col_labels=labels,
                         title="Sigmoid Jacobian diag(sigma prime of z)",
                         desc="A 4 by 4 diagonal matrix: the diagonal holds sigma prime of z_i, every other entry is 0.")
    return (
        '<div class="grid bp-grid">\n'
        + figure(soft, "Softmax: ∂p/∂z = diag(p) − p pᵀ. Every output depends on every input.") + "\n"
        + figure(sig, "Sigmoid on the same z: ∂a/∂z = diag(σ′(z)). Off the diagonal, only zeros.")
        + "\n</div>"
    )


@artifact("collapse")
def collapse(ctx):
    z, y = softmax_example()
    p = softmax(z)
    g = cce.grad(p, y)  # −y / p
    term1 = np.diagflat(p) @ g  # diag(p)(−y/p) = −y
    term2 = -(p @ p.T) @ g  # −p pᵀ(−y/p) = p Σ y
    ctx.check.close("diag(p)(−y/p) = −y", term1, -y, tol=1e-15)
    ctx.check.close("−p pᵀ(−y/p) = p (Σ y)", term2, p * y.sum(), tol=1e-15)
    ctx.check.close("the sum is p − y", term1 + term2, p - y, tol=1e-14)
    ctx.check.gradient("p − y vs finite differences", p - y, numeric_delta(softmax, cce, z, y))
    ctx.check.that("the target sums to 1", bool(np.isclose(y.sum(), 1.0)), f"Σ y = {y.sum():g}")
    t = tex_matrix
    return display(
        r"\underbrace{\bigl(\diag(p) - p\,p^\top\bigr)}_{\text{symmetric}}\Bigl(-\frac{y}{p}\Bigr)"
        r" = \underbrace{" + t(term1) + r"}_{\diag(p)(-y/p)\; =\; -y} + \underbrace{" + t(term2)
        + r"}_{-p\,p^\top(-y/p)\; =\; p\,\sum_i y_i} = " + t(p - y) + r" = p - y"
    )


# ---------------------------------------------------------------------------
# Chain shapes in both layouts


@artifact("chain-denominator")
def chain_denominator(ctx):
    z, y = softmax_example()
    J = softmax.jacobian(z)
    dJ_da = cce.grad(softmax(z), y)  # a column: denominator layout
    ctx.check.chain("(∂a/∂z)ᵀ ∂J/∂a", [J.T.shape, dJ_da.shape], (4, 1))
    ctx.check.close("the product is δ = p − y", J.T @ dJ_da, softmax(z) - y, tol=1e-14)
    svg = chain_svg([("∂a/∂z (den.)", J.T.shape), ("∂J/∂a", dJ_da.shape)], ("δ = ∂J/∂z", (4, 1)),
                    salt="loss_pairs-chain-den", grid=True, title="Denominator layout: delta as a column",
                    desc="The 4 by 4 derivative of a by z, in denominator layout, times the 4 by 1 column dJ/da gives the "
                         "4 by 1 column delta.")
    return figure(svg, f"Denominator layout: {shape(J.T)} · {shape(dJ_da)} → {shape(J.T @ dJ_da)}, factors added on the left.")


@artifact("chain-numerator")
def chain_numerator(ctx):
    z, y = softmax_example()
    J = softmax.jacobian(z)
    dJ_da = cce.grad(softmax(z), y).T  # a row: numerator layout
    ctx.check.chain("∂J/∂a ∂a/∂z", [dJ_da.shape, J.shape], (1, 4))
    ctx.check.close("the product is δᵀ = (p − y)ᵀ", dJ_da @ J, (softmax(z) - y).T, tol=1e-14)
    svg = chain_svg([("∂J/∂a", dJ_da.shape), ("∂a/∂z", J.shape)], ("δᵀ = ∂J/∂z", (1, 4)),
                    salt="loss_pairs-chain-num", grid=True, title="Numerator layout: delta as a row",
                    desc="The 1 by 4 row dJ/da times the 4 by 4 Jacobian gives the 1 by 4 row delta transposed.")
    return figure(svg, f"Numerator layout: {shape(dJ_da)} · {shape(J)} → {shape(dJ_da @ J)}, factors added on the right.")


# ---------------------------------------------------------------------------
# Saturation: one sigmoid output, target 1


def grad_mse(z):
    s = sigmoid(z)
    return (s - 1.0) * s * (1 - s)  # (a − y) σ'(z) with y = 1


def grad_bce(z):
    return sigmoid(z) - 1.0  # a − y with y = 1


@artifact("saturation")
def saturation(ctx):
    zs = np.arange(-8.0, 6.01, 0.5)
    y = np.array([[1.0]])
    g_mse, g_bce = grad_mse(zs), grad_bce(zs)
    # Every plotted point against finite differences of the loss itself.
    for name, L, ours in (("squared error", mse, g_mse), ("cross-entropy", bce, g_bce)):
        numeric = np.array([numerical_gradient(lambda v, L=L: L.value(sigmoid(v), y), np.array([[zi]]))[0, 0] for zi in zs])
        ctx.check.gradient(f"{name}: ∂J/∂z at all {zs.size} plotted z", ours, numeric)
    # The squared-error gradient is largest in size where σ = 1/3, i.e. z = −ln 2, with value −4/27.
    z_star = -np.log(2.0)  # σ(z*) = 1/3
    dense = np.linspace(-8, 6, 14001)
    lowest = bool(np.all(grad_mse(dense) >= grad_mse(z_star) - 1e-15))
    ctx.check.that("the steepest squared-error gradient is at z = −ln 2", lowest,
                   f"no point of a {dense.size}-point grid on [−8, 6] goes below the value at −ln 2")
    h = 1e-5
    slope = (grad_mse(z_star + h) - grad_mse(z_star - h)) / (2 * h)
    ctx.check.that("and it is a stationary point", abs(float(slope)) < 1e-9, "|d/dz of ∂J/∂z| < 1e-9 at −ln 2")
    ctx.check.close("its value is −4/27", grad_mse(z_star), -4 / 27, tol=1e-14)
    z_lo = zs[0]
    ctx.check.that("squared error has vanished at the left end", abs(grad_mse(z_lo)) < 1e-3,
                   f"|∂J/∂z| = {abs(grad_mse(z_lo)):.1e} at z = {z_lo:g}")
    ctx.check.that("cross-entropy has not", abs(grad_bce(z_lo)) > 0.99, f"|∂J/∂z| = {abs(grad_bce(z_lo)):.4f} at z = {z_lo:g}")
    ctx.value("z_lo", f"{z_lo:g}")
    ctx.value("mse_lo", tex_sci(grad_mse(z_lo)))
    ctx.value("bce_lo", num(grad_bce(z_lo)))
    ctx.value("mse_peak", num(-4 / 27))
    svg = line_plot(
        [("squared error: (a − 1) σ′(z)", zs, g_mse), ("cross-entropy: a − 1", zs, g_bce)],
        salt="loss_pairs-saturation", xlabel="z (output pre-activation)", ylabel="∂J/∂z",
        title="Output gradient for one sigmoid unit with target 1",
        desc="Cross-entropy's gradient a minus 1 approaches minus 1 for very negative z; the squared-error gradient "
             "approaches 0 at both ends and is largest in size near z = minus ln 2.",
    )
    rows = []
    for zi in (-8.0, -4.0, -2.0, 0.0, 2.0, 4.0):
        s = float(sigmoid(np.array(zi)))
        ratio = grad_mse(zi) / grad_bce(zi)
        ctx.check.close(f"at z = {zi:g}: squared error ÷ cross-entropy = σ′(z)", ratio, s * (1 - s), tol=1e-12)
        rows.append([num(zi, 0), num(s), num(grad_mse(zi)), num(grad_bce(zi)), num(ratio)])
    table = md_table(["$z$", "$a = \\sigma(z)$", "squared error", "cross-entropy", "ratio $= \\sigma'(z)$"], rows,
                     align="rrrrr")
    return figure(svg, "∂J/∂z for one sigmoid output with y = 1. Squared error (circles) goes flat for very negative z, "
                       "where the prediction is most wrong; cross-entropy (squares) stays near −1 there.") + "\n\n" + table


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    z, y = np.array([[-3.0]]), np.array([[1.0]])
    a = sigmoid(z)
    d_mse = (a - y) * a * (1 - a)
    d_bce = a - y
    ctx.value("ex1_z", f"{z[0, 0]:g}")
    ctx.check.gradient("squared error δ", d_mse, numeric_delta(sigmoid, mse, z, y))
    ctx.check.gradient("cross-entropy δ", d_bce, numeric_delta(sigmoid, bce, z, y))
    ctx.check.close("ratio = σ′(z)", d_mse / d_bce, a * (1 - a), tol=1e-14)
    body = display(
        rf"a = \sigma({z[0, 0]:g}) = {num(a[0, 0])}, \qquad \sigma'(z) = a(1-a) = {num((a * (1 - a))[0, 0])}"
    ) + "\n\n" + display(
        rf"\delta_{{\text{{squared error}}}} = (a - 1)\,\sigma'(z) = {num(d_mse[0, 0])}, \qquad "
        rf"\delta_{{\text{{cross-entropy}}}} = a - 1 = {num(d_bce[0, 0])}"
    ) + (
        f"\n\nThe prediction is badly wrong (\\(a = {num(a[0, 0], 3)}\\) for a target of 1), yet the squared-error "
        f"gradient is smaller than the cross-entropy one by a factor of {num(d_bce[0, 0] / d_mse[0, 0], 1)}. Their ratio "
        f"is exactly \\(\\sigma'(z) = {num((a * (1 - a))[0, 0])}\\), the factor that cross-entropy cancels."
    )
    return solution(body)


@artifact("ex2")
def ex2(ctx):
    z = np.array([[1.0], [2.0], [3.0]])
    p = softmax(z)
    J = softmax.jacobian(z)
    ctx.value("ex2_z", tex_matrix(z.T, 0) + "^\\top")
    ctx.check.gradient("Jacobian vs finite differences", J, numeric_jacobian(softmax, z))
    col = J.sum(axis=0)
    ctx.check.that("columns sum to 0", bool(np.all(np.abs(col) < 1e-15)), "|column sum| < 1e-15 for every column")
    body = display(r"p = \operatorname{softmax}(z) = " + tex_matrix(p)) + "\n\n" + display(
        r"\frac{\partial p}{\partial z} = \diag(p) - p\,p^\top = " + tex_matrix(J)
    ) + (
        "\n\nEach column sums to zero (up to rounding): the entries of \\(p\\) always add up to 1, so nudging any "
        "\\(z_j\\) can only move probability from some outputs to others, \\(\\sum_i \\partial p_i/\\partial z_j = 0\\). "
        "The matrix is symmetric, and its diagonal \\(p_i(1-p_i)\\) is what an elementwise derivative would keep; the "
        "negative off-diagonal entries \\(-p_i p_j\\) are what it would lose."
    )
    return solution(body)


@artifact("ex3")
def ex3(ctx):
    z, _ = softmax_example()
    y = np.array([[1.0], [1.0], [0.0], [0.0]])  # two labels at once: Σ y = 2
    p = softmax(z)
    chain = chain_delta(softmax, cce, z, y)
    numeric = numeric_delta(softmax, cce, z, y)
    ctx.value("ex3_y", tex_matrix(y.T, 0) + "^\\top")
    ctx.check.gradient("chain (∂p/∂z)ᵀ(−y/p) vs finite differences", chain, numeric)
    ctx.check.close("chain = (Σ y) p − y", chain, y.sum() * p - y, tol=1e-14)
    ctx.check.differ("p − y is wrong when Σ y ≠ 1", p - y, numeric, min_rel=0.05)
    msg = ctx.check.raises("the reference code refuses such a target", lambda: output_delta(cce, softmax, z, p, y))
    body = vector_table([
        ("$p_i$", p, 4), ("$y_i$", y, 0), ("chain $G^\\top(-y/p)$", chain, 4), ("$(\\sum_i y_i)\\,p - y$", y.sum() * p - y, 4),
        ("finite differences", numeric, 4), ("$p - y$ (wrong here)", p - y, 4),
    ]) + (
        "\n\nThe second term of the derivation is \\(p\\,\\sum_i y_i\\), so in general "
        "\\(\\delta = (\\sum_i y_i)\\,p - y\\). Only a target that sums to 1 (one-hot, or a smoothed label) gives "
        f"\\(p - y\\). The book's `output_delta` checks this and raises: *{msg}*."
    )
    return solution(body)


@artifact("ex4")
def ex4(ctx):
    z, y = softmax_example()
    p = softmax(z)
    delta = output_delta(mse, softmax, z, p, y)  # (B1) through the full Jacobian: Gᵀ (p − y)
    numeric = numeric_delta(softmax, mse, z, y)
    ctx.check.gradient("softmax + squared error δ vs finite differences", delta, numeric)
    ctx.check.close("δ = (diag(p) − p pᵀ)(p − y)", delta, softmax.jacobian(z) @ (p - y), tol=1e-14)
    ctx.check.differ("p − y is not δ for this pair", p - y, numeric, min_rel=0.05)
    body = vector_table([
        ("$p_i$", p, 4), ("$y_i$", y, 0), ("$\\delta = (\\diag(p) - pp^\\top)(p-y)$", delta, 4),
        ("finite differences", numeric, 4), ("$p - y$ (wrong here)", p - y, 4),
    ]) + (
        "\n\nWith squared error \\(\\partial J/\\partial p = p - y\\), and nothing cancels the Jacobian: "
        "\\(\\delta = (\\diag(p) - p\\,p^\\top)(p - y)\\), a full matrix-vector product. The short form "
        "\\(p - y\\) belongs to the softmax *with cross-entropy*, not to the softmax alone."
    )
    return solution(body)
