"""Artifacts for docs/layouts.md: numerator and denominator layout, checked by finite differences."""

# Every derivative is first built entry by entry with central differences, then arranged by a
# layout's definition and compared with the closed form the page prints. Book numbering
# (a^(0) = x, W^(1) is 3x2). A derivative by a matrix has the matrix's shape in both layouts;
# the strict numerator arrangement (its transpose) is computed only for the page's aside.

from __future__ import annotations

import re

import numpy as np

from backprop import Factor, ShapeError, chain_numerator, loss_value, multiply, numerical_gradient, worked_example
from backprop import to_denominator as den
from backprop import to_numerator as num
from backprop.activations import activation
from backprop.gradcheck import loss_of_param, loss_of_z, numerical_jacobian
from book.artifacts import artifact
from book.figures import matrix_heatmap
from book.markup import display, figure
from book.shapes import chain_svg, sub, sup
from book.tables import shape, tex_matrix, tex_shape

IDENTITY_SEED, EXERCISE_SEED = 314159, 271828
tanh = activation("tanh")


def fd(f, v):  # the partials ∂f/∂v_ij of a scalar f, in the shape of v (not yet a layout)
    return numerical_gradient(f, np.array(v, dtype=float))


def label(f: Factor) -> str:  # "dz[1]/da[0]" -> "∂z⁽¹⁾/∂a⁽⁰⁾"
    return re.sub(r"\[(\d)\]", lambda m: sup(f"({m[1]})"), f.name).replace("d", "∂")


# ---------------------------------------------------------------------------
# The kinds of derivative, both layouts (2-3-2 network)


@artifact("kinds")
def kinds(ctx):
    net, x, y, cache, grads = worked_example()
    W, b, z, delta, sig = net.W, net.b, cache.z, grads.delta, net.g[1]
    D = np.diag(sig.prime(z[1])[:, 0])
    h, x2 = 1e-5, x[1, 0]
    z_of_x1 = lambda t: W[1] @ np.array([[t], [x2]]) + b[1]  # noqa: E731

    def both(kind, in_num, num_form, den_form):  # partials arranged in numerator layout, closed forms in both
        ctx.check.close(f"{kind}, numerator", in_num, num_form, tol=1e-7)
        ctx.check.close(f"{kind}, denominator", den(in_num), den_form, tol=1e-7)
        ctx.value(f"{kind}_num", in_num.shape)
        ctx.value(f"{kind}_den", den(in_num).shape)

    both("vv", numerical_jacobian(lambda v: sig(W[1] @ v + b[1]), x), D @ W[1], W[1].T @ D)  # ∂a(1)/∂x
    G = fd(loss_of_param(net, x, y, "W", 1), W[1])  # ∂J/∂W(1)_ij, arranged like W(1): the book's rule
    for layout in ("numerator", "denominator"):
        ctx.check.weight_gradient(f"sm, {layout}", grads.dW[1], W[1], layout)
    ctx.check.gradient("sm: δ(1) a(0)ᵀ", grads.dW[1], G)
    ctx.check.close("aside: strict numerator = a(0) δ(1)ᵀ", num(G), cache.a[0] @ delta[1].T, tol=1e-7)
    ctx.value("sm", G.shape)
    ctx.value("sm_strict", num(G).shape)
    both("sv", num(fd(loss_of_z(net, y, 1), z[1])), delta[1].T, delta[1])  # ∂J/∂z(1)
    both("vs", (z_of_x1(x[0, 0] + h) - z_of_x1(x[0, 0] - h)) / (2 * h), W[1][:, [0]], W[1][:, [0]].T)  # ∂z(1)/∂x₁
    return ""


# ---------------------------------------------------------------------------
# The chain to the input, in both orders


def chain_to_input(layout: str):
    net, x, y, cache, grads = worked_example()
    factors = chain_numerator(net, cache, y, 1)
    factors.append(Factor("dz[1]/da[0]", r"\frac{\partial z^{(1)}}{\partial x}", net.W[1]))
    if layout == "denominator":  # each factor transposed, the order reversed
        factors = [Factor(f.name, f.tex, den(f.value), "denominator") for f in reversed(factors)]
    return net, x, y, cache, grads, factors


@artifact("orders")
def orders(ctx):
    figs = []
    for layout in ("numerator", "denominator"):
        net, x, *_, factors = chain_to_input(layout)
        out = x.T.shape if layout == "numerator" else x.shape
        ctx.check.chain(layout, [f.shape for f in factors], out)
        caption = " · ".join(shape(f.value) for f in factors) + f" → {shape(np.empty(out))}"
        svg = chain_svg([(label(f), f.shape) for f in factors], ("∂J/∂x", out), grid=True, unit=14,
                        salt=f"layouts-orders-{layout}", title=f"∂J/∂x, {layout} layout", desc=caption)
        figs.append(figure(svg, f"{layout}: {caption}"))
    return "\n\n".join(figs)


def chain_artifact(ctx, layout: str) -> str:
    net, x, y, cache, grads, factors = chain_to_input(layout)
    product = multiply(factors)
    numeric = fd(lambda v: loss_value(net, v, y), x)  # ∂J/∂x_j, a column
    turn = num if layout == "numerator" else (lambda v: v)
    ctx.check.gradient(f"∂J/∂x, {layout} layout", product, turn(numeric))
    n = len(factors)
    for k, l in ((2, 2), (4, 1)):  # from the loss end, two and four factors give δ(2) and δ(1)
        part = multiply(factors[:k]) if layout == "numerator" else multiply(factors[n - k:])
        ctx.check.close(f"{k} factors from the loss end = δ({l})", part, turn(grads.delta[l]), tol=1e-12)
    ctx.check.raises("the factors in the other order", lambda: multiply(factors[::-1]), ShapeError)
    shapes = " ".join(rf"\underbrace{{{f.tex}}}_{{{tex_shape(f.shape)}}}" for f in factors)
    lhs = rf"\underbrace{{\frac{{\partial J}}{{\partial x}}}}_{{{tex_shape(product.shape)}}}"
    return display(rf"\begin{{aligned}} {lhs} &= {shapes} \\ &= {tex_matrix(product)} \end{{aligned}}")


@artifact("chain-numerator")
def chain_num(ctx):
    return chain_artifact(ctx, "numerator")


@artifact("chain-denominator")
def chain_den(ctx):
    return chain_artifact(ctx, "denominator")


@artifact("transpose")
def transpose(ctx):
    *_, num_factors = chain_to_input("numerator")
    *_, den_factors = chain_to_input("denominator")
    n = len(num_factors)
    for k, f in enumerate(num_factors):
        ctx.check.close(f"factor {k + 1}ᵀ = factor {n - k} of the other", f.value.T, den_factors[n - 1 - k].value, tol=0.0)
    same_order = [Factor(f.name, f.tex, f.value.T) for f in num_factors]  # transposed, not reversed
    ctx.check.raises("transposed, not reversed", lambda: multiply(same_order), ShapeError)
    pairs = [(f.shape[1], g.shape[0]) for f, g in zip(same_order, same_order[1:], strict=False)]
    ctx.check.that("no neighbouring pair chains", all(c != r for c, r in pairs), ", ".join(f"{c} ≠ {r}" for c, r in pairs))
    svg = chain_svg([(label(f) + "ᵀ", f.shape) for f in same_order], salt="layouts-transpose-only", unit=14,
                    title="transposed, not reversed", desc=" · ".join(shape(f.value) for f in same_order))
    return figure(svg, " · ".join(shape(f.value) for f in same_order))


# ---------------------------------------------------------------------------
# d(Wx)/dx


def wx_artifact(ctx, layout: str) -> str:
    net, x, *_ = worked_example()
    W, b = net.W[1], net.b[1]
    P = numerical_jacobian(lambda v: W @ v + b, x)  # ∂z_i/∂x_j
    J, want = (P, W) if layout == "numerator" else (den(P), W.T)
    ctx.check.close(f"∂z(1)/∂x, {layout} layout", J, want, tol=1e-8)
    zs, xs = [f"z{sub(i + 1)}" for i in range(W.shape[0])], [f"x{sub(j + 1)}" for j in range(W.shape[1])]
    rows, cols = (zs, xs) if layout == "numerator" else (xs, zs)
    svg = matrix_heatmap(J, salt=f"layouts-wx-{layout}", row_labels=rows, col_labels=cols,
                         title=f"∂z(1)/∂x, {layout} layout", desc=f"{shape(J)}: rows {', '.join(rows)}; columns {', '.join(cols)}")
    return figure(svg, f"{shape(J)}: rows {', '.join(rows)}")


@artifact("wx-numerator")
def wx_num(ctx):
    return wx_artifact(ctx, "numerator")


@artifact("wx-denominator")
def wx_den(ctx):
    return wx_artifact(ctx, "denominator")


# ---------------------------------------------------------------------------
# Identities in both layouts


def identities_list():
    rng = np.random.default_rng(IDENTITY_SEED)
    x, a, u = rng.standard_normal((3, 1)), rng.standard_normal((3, 1)), rng.standard_normal((2, 1))
    W, A, B, X = (rng.standard_normal(s) for s in ((2, 3), (3, 3), (3, 2), (2, 3)))
    dt = np.diag(tanh.prime(x)[:, 0])
    # (kind, partials by finite differences, numerator form, denominator form): not square where
    # avoidable, A not symmetric, so a transposed or symmetric-only formula fails
    return x, A, [
        ("sv", lambda: fd(lambda t: (a.T @ t).item(), x), a.T, a),  # ∂(aᵀx)/∂x
        ("vv", lambda: numerical_jacobian(lambda t: W @ t, x), W, W.T),  # ∂(Wx)/∂x
        ("sv", lambda: fd(lambda t: (t.T @ A @ t).item(), x), x.T @ (A + A.T), (A + A.T) @ x),  # ∂(xᵀAx)/∂x
        ("sv", lambda: fd(lambda t: float(np.sum(t * t)), x), 2 * x.T, 2 * x),  # ∂‖x‖²/∂x
        ("vv", lambda: numerical_jacobian(tanh, x), dt, dt),  # ∂f(x)/∂x, f = tanh entry by entry
        ("sm", lambda: fd(lambda T: (u.T @ T @ x).item(), W), x @ u.T, u @ x.T),  # ∂(uᵀWx)/∂W
        ("sm", lambda: fd(lambda T: float(np.trace(B @ T)), X), B, B.T),  # ∂tr(BX)/∂X
    ]


def arrange(kind: str, partials):
    """(numerator, denominator) arrangements of the partials; by a matrix (sm), the strict numerator one."""
    if kind == "vv":  # partials[i, j] = ∂y_i/∂x_j
        return partials, den(partials)
    return num(partials), partials  # scalar by vector or matrix: the partials have the variable's shape


@artifact("identities")
def identities(ctx):
    x, A, items = identities_list()
    for k, (kind, partials, num_form, den_form) in enumerate(items, start=1):
        in_num, in_den = arrange(kind, partials())
        ctx.check.gradient(f"identity {k}, {'strict ' if kind == 'sm' else ''}numerator", num_form, in_num)
        ctx.check.gradient(f"identity {k}, denominator", den_form, in_den)
        ctx.value(f"id{k}", (in_den if kind == "sm" else in_num).shape)
        ctx.value(f"id{k}d", in_den.shape)
    ctx.check.differ("2Ax ≠ (A + Aᵀ)x", 2 * A @ x, (A + A.T) @ x)
    return ""


# ---------------------------------------------------------------------------
# Exercises: the page poses them and writes the solutions; these compute and check the answers


@artifact("ex1")
def ex1(ctx):
    net, x, *_ = worked_example()
    W = net.W[1]
    t = np.round(np.random.default_rng(EXERCISE_SEED).uniform(-1.0, 1.0, (W.shape[0], 1)), 2)  # printed in full
    r = W @ x - t
    grad = fd(lambda v: 0.5 * float(np.sum((W @ v - t) ** 2)), x)
    ctx.check.gradient("denominator: Wᵀ(Wx − t)", W.T @ r, grad)
    ctx.check.gradient("numerator: (Wx − t)ᵀ W", r.T @ W, num(grad))
    ctx.check.chain("Wᵀ r", [W.T.shape, r.shape], x.shape)
    ctx.value("ex1_t", t.T, digits=2)
    ctx.value("ex1_num", r.T @ W)
    ctx.answer("ex1_den", W.T @ r, mistakes={"sign": -(W.T @ r)})
    return ""


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads = worked_example()
    G = fd(loss_of_param(net, x, y, "W", 1), net.W[1])
    strict = cache.a[0] @ grads.delta[1].T  # x uᵀ with u = δ(1), x = a(0)
    ctx.check.gradient("u xᵀ = δ(1) a(0)ᵀ = ∂J/∂W(1)", grads.delta[1] @ cache.a[0].T, G)
    ctx.check.close("strict numerator: x uᵀ = its transpose", strict, G.T, tol=1e-7)
    ctx.answer("ex2_dw1", grads.dW[1], mistakes={"numerator-shape": strict})
    return ""


@artifact("ex3")
def ex3(ctx):
    rng = np.random.default_rng(EXERCISE_SEED + 1)
    M, c, v = rng.standard_normal((3, 3)), rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    grad = fd(lambda t: (c.T @ M @ t).item(), v)  # J = cᵀ z, z = M x
    ctx.check.gradient("∂J/∂x = Mᵀc", M.T @ c, grad)
    ctx.check.chain("M c: the shapes chain", [M.shape, c.shape], (3, 1))
    ctx.check.differ("M c is not the gradient", M @ c, grad)
    ctx.value("ex3_M", M)
    ctx.value("ex3_c", c)
    ctx.answer("ex3_grad", M.T @ c, mistakes={"no-transpose": M @ c})
    return ""


@artifact("ex4")
def ex4(ctx):
    rng = np.random.default_rng(EXERCISE_SEED + 2)
    A, x = rng.standard_normal((5, 4)), rng.standard_normal((4, 1))
    P = numerical_jacobian(lambda v: np.tanh(A @ v), x)  # y = tanh(Ax): y in R⁵, x in R⁴
    g = num(fd(lambda v: float(np.sum(np.tanh(A @ v))), x))  # J = Σ yᵢ, numerator layout: a row
    ctx.check.close("∂y/∂x = diag(1 − y²) A", P, np.diag(1 - np.tanh(A @ x)[:, 0] ** 2) @ A, tol=1e-8)
    ctx.check.close("∂J/∂x = 1ᵀ ∂y/∂x", g, np.ones((1, 5)) @ P, tol=1e-8)
    ctx.answer("ex4_dydx", den(P).shape, mistakes={"transpose": P.shape})
    ctx.answer("ex4_djdx", g.shape, mistakes={"transpose": den(g).shape})
    return ""
