"""Artifacts for docs/net232.md: the 2-3-2 sigmoid network with squared error, worked.

Layer numbers follow the question: a^(1) = x, W^(2) is 3x2, W^(3) is 2x3. The
reference code counts from 0 (a[0] = x, W[1], W[2]), so `q(l) = l + 1` converts.
"""

from __future__ import annotations

import numpy as np

from backprop import (
    backward,
    chain_denominator,
    chain_numerator,
    forward,
    multiply,
    numerical_gradient,
    seed_example,
)
from backprop.activations import activation
from backprop.gradcheck import loss_of_param
from backprop.losses import loss
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import chain_svg, sup
from book.tables import md_table, num, shape, tex_matrix

sigma = activation("sigmoid")
mse = loss("squared_error")


def q(l: int) -> int:
    """The question's layer number for the code's index l."""
    return l + 1


def example():
    net, x, y = seed_example()
    cache = forward(net, x)
    grads = backward(net, cache, y)
    return net, x, y, cache, grads


def L_of_z3(z3, y):
    """The loss as a function of the output pre-activation, for finite differences."""
    return mse.value(sigma(z3), y)


def L_of_z2(z2, net, y):
    return mse.value(sigma(net.W[2] @ sigma(z2) + net.b[2]), y)


@artifact("running")
def running(ctx):
    """The running example's numbers, published once for every chapter, in the book's numbering
    (a[0] = x, W[1] is 3×2, W[2] is 2×3): other pages cite [[val:net232.dW1]] and never recompute.
    The question's W^(2) is the book's W^(1): the question chapters translate on the page."""
    net, x, y, cache, grads = example()
    ctx.value("x", x, digits=1)
    ctx.value("y", y, digits=1)
    for l in (1, 2):
        ctx.value(f"W{l}", net.W[l], digits=1)
        ctx.value(f"b{l}", net.b[l], digits=1)
        ctx.value(f"z{l}", cache.z[l])
        ctx.value(f"a{l}", cache.a[l])
        numeric_W = numerical_gradient(loss_of_param(net, x, y, "W", l), net.W[l].copy())
        numeric_b = numerical_gradient(loss_of_param(net, x, y, "b", l), net.b[l].copy())
        ctx.check.gradient(f"∂J/∂W({l}) (book numbering)", grads.dW[l], numeric_W)
        ctx.check.gradient(f"∂J/∂b({l}) (book numbering)", grads.db[l], numeric_b)
        ctx.value(f"dW{l}", grads.dW[l], grad_of=net.W[l], layout="denominator")
        ctx.value(f"db{l}", grads.db[l])
        ctx.value(f"delta{l}", grads.delta[l])
    ctx.value("J", mse.value(cache.a[2], y), digits=6)
    return ""


@artifact("parameters")
def parameters(ctx):
    net, x, y, cache, grads = example()
    for name, arr, expected in [
        ("W2", net.W[1], (3, 2)), ("b2", net.b[1], (3, 1)),
        ("W3", net.W[2], (2, 3)), ("b3", net.b[2], (2, 1)),
        ("x", x, (2, 1)), ("y", y, (2, 1)),
    ]:
        ctx.check.shape(f"{name} has the question's shape", arr, expected)
        pass  # published in book numbering by the "running" artifact
    return display(
        r"\underbrace{W^{(2)}}_{3\times 2} = " + tex_matrix(net.W[1], 1)
        + r",\quad \underbrace{b^{(2)}}_{3\times 1} = " + tex_matrix(net.b[1], 1)
        + r",\quad \underbrace{W^{(3)}}_{2\times 3} = " + tex_matrix(net.W[2], 1)
        + r",\quad \underbrace{b^{(3)}}_{2\times 1} = " + tex_matrix(net.b[2], 1)
        + r",\quad \underbrace{x = a^{(1)}}_{2\times 1} = " + tex_matrix(x, 1)
        + r",\quad \underbrace{y}_{2\times 1} = " + tex_matrix(y, 1)
    )


@artifact("forward")
def forward_table(ctx):
    net, x, y, cache, grads = example()
    z, a = cache.z, cache.a
    # An independent route: each entry of z^(l) as an explicit sum over j, no matrix product.
    for l in (1, 2):
        by_sum = np.array([[sum(net.W[l][i, j] * a[l - 1][j, 0] for j in range(a[l - 1].shape[0])) + net.b[l][i, 0]]
                           for i in range(net.W[l].shape[0])])
        ctx.check.close(f"z({q(l)}) = W({q(l)}) a({q(l) - 1}) + b({q(l)})", z[l], by_sum, tol=1e-14,
                        how="matrix product equals the explicit sums over j")
    J = mse.value(a[2], y)
    J_by_hand = 0.5 * sum((a[2][i, 0] - y[i, 0]) ** 2 for i in range(2))
    ctx.check.close("L = ½ Σ (a(3) − y)²", J, J_by_hand, tol=1e-14, how="library loss equals the sum written out")
    ctx.value("L", J, digits=6)
    rows = []
    for l in (1, 2):
        rows.append([f"$z^{{({q(l)})}}$", shape(z[l]), ", ".join(num(v) for v in z[l].ravel())])
        rows.append([f"$a^{{({q(l)})}} = \\sigma(z^{{({q(l)})}})$", shape(a[l]), ", ".join(num(v) for v in a[l].ravel())])
    rows.append(["$L$", "1×1", num(J, 6)])
    return md_table(["quantity", "shape", "entries (top to bottom)"], rows, align="llr")


@artifact("delta3")
def delta3(ctx):
    net, x, y, cache, grads = example()
    a3, z3, d3 = cache.a[2], cache.z[2], grads.delta[2]
    numeric = numerical_gradient(lambda v: L_of_z3(v, y), z3.copy())
    ctx.check.gradient("δ(3) = ∂L/∂z(3)", d3, numeric)
    ctx.check.close("δ(3) = (a(3) − y) ⊙ a(3) ⊙ (1 − a(3))", d3, (a3 - y) * a3 * (1 - a3), tol=1e-14,
                    how="the code's δ equals the question's formula")

    rows = [[f"{i + 1}", num(a3[i, 0]), num(y[i, 0]), num(a3[i, 0] - y[i, 0]), num(a3[i, 0] * (1 - a3[i, 0])), num(d3[i, 0])]
            for i in range(2)]
    return md_table(["$i$", "$a^{(3)}_i$", "$y_i$", "$a^{(3)}_i - y_i$", "$\\sigma'(z^{(3)}_i) = a^{(3)}_i(1-a^{(3)}_i)$",
                     "$\\delta^{(3)}_i$"], rows, align="rrrrrr")


def outer_table(ctx, *, l: int, name: str):
    """dL/dW as the outer product δ a_prevᵀ, entry by entry, checked against finite differences."""
    net, x, y, cache, grads = example()
    delta, a_prev, dW = grads.delta[l], cache.a[l - 1], grads.dW[l]
    Q, P = q(l), q(l) - 1
    numeric = numerical_gradient(loss_of_param(net, x, y, "W", l), net.W[l].copy())
    ctx.check.gradient(f"∂L/∂W({Q})", dW, numeric)
    ctx.check.chain(f"δ({Q}) a({P})ᵀ", [delta.shape, a_prev.T.shape], net.W[l].shape)

    rows = []
    for i in range(dW.shape[0]):
        cells = [f"$\\delta^{{({Q})}}_{i + 1} a^{{({P})}}_{j + 1} = "
                 f"{num(delta[i, 0])} \\times {num(a_prev[j, 0])} = {num(dW[i, j])}$"
                 for j in range(dW.shape[1])]
        rows.append([f"row {i + 1}", *cells])
    table = md_table(["", *[f"column {j + 1}" for j in range(dW.shape[1])]], rows, align="l" + "c" * dW.shape[1])
    svg = chain_svg(
        [(f"δ{sup(f'({Q})')}", delta.shape), (f"a{sup(f'({P})')}ᵀ", a_prev.T.shape)],
        (f"∂L/∂W{sup(f'({Q})')}", dW.shape),
        salt=f"net232-{name}", title=f"Shapes of dL/dW({Q}) = delta({Q}) a({P}) transposed",
        desc=f"A {shape(delta)} column times a {shape(a_prev.T)} row gives a {shape(dW)} matrix, the shape of W({Q}).",
        grid=True,
    )
    caption = f"The outer product δ({Q}) a({P})ᵀ: {shape(delta)} · {shape(a_prev.T)} → {shape(dW)}, the shape of W({Q})."
    return table + "\n\n" + figure(svg, caption)


@artifact("dw3")
def dw3(ctx):
    return outer_table(ctx, l=2, name="dw3")


@artifact("dw2")
def dw2(ctx):
    return outer_table(ctx, l=1, name="dw2")


def chain_display(factors, result_tex: str) -> str:
    """∂L/∂z(2) written as its factors with their shapes, then with their numbers."""
    def qtex(tex):  # the code's layer numbers -> the question's; the code's J is this page's L
        for l in (2, 1, 0):
            tex = tex.replace(f"^{{({l})}}", f"^{{({q(l)})}}")
        return tex.replace(r"\partial J", r"\partial L")

    shapes = " ".join(rf"\underbrace{{{qtex(f.tex)}}}_{{{f.shape[0]}\times {f.shape[1]}}}" for f in factors)
    numbers = " ".join(tex_matrix(f.value) for f in factors)
    # Two aligned lines: symbols with shapes, then the same factors as numbers.
    return display(rf"\begin{{aligned}} {result_tex} &= {shapes} \\[6pt] &= {numbers} \end{{aligned}}")


def chain_artifact(ctx, layout: str):
    net, x, y, cache, grads = example()
    factors = (chain_denominator if layout == "denominator" else chain_numerator)(net, cache, y, 1)
    product = multiply(factors)
    ctx.check.chain(f"{layout}-layout chain", [f.shape for f in factors], (3, 1) if layout == "denominator" else (1, 3))
    fast = grads.delta[1] if layout == "denominator" else grads.delta[1].T
    ctx.check.close(f"explicit Jacobian product = δ(2){'' if layout == 'denominator' else 'ᵀ'} from (B2)", product, fast,
                    tol=1e-12, how="product of the real Jacobians equals the fast path")
    numeric = numerical_gradient(lambda v: L_of_z2(v, net, y), cache.z[1].copy())
    ctx.check.gradient("∂L/∂z(2)", product if layout == "denominator" else product.T, numeric)
    labels = {"dJ/da[2]": "∂L/∂a⁽³⁾", "da[2]/dz[2]": "∂a⁽³⁾/∂z⁽³⁾", "dz[2]/da[1]": "∂z⁽³⁾/∂a⁽²⁾", "da[1]/dz[1]": "∂a⁽²⁾/∂z⁽²⁾"}
    result_label = "∂L/∂z⁽²⁾" + ("" if layout == "denominator" else " (row)")
    svg = chain_svg([(labels[f.name], f.shape) for f in factors], (result_label, product.shape),
                    salt=f"net232-chain-{layout}", grid=True, unit=24,
                    title=f"Shapes of the {layout}-layout chain for dL/dz(2)",
                    desc=" · ".join(f"{labels[f.name]} {shape(f.value)}" for f in factors) + f" gives {shape(product)}.")
    result_shape = "3\\times 1" if layout == "denominator" else "1\\times 3"
    result_tex = r"\underbrace{\frac{\partial L}{\partial z^{(2)}}}_{" + result_shape + "}"
    caption = " · ".join(shape(f.value) for f in factors) + f" → {shape(product)}"
    return chain_display(factors, result_tex) + "\n\n" + figure(svg, f"{layout.capitalize()} layout: {caption}.")


@artifact("chain-denominator")
def chain_den(ctx):
    return chain_artifact(ctx, "denominator")


@artifact("chain-numerator")
def chain_num(ctx):
    return chain_artifact(ctx, "numerator")


@artifact("delta2")
def delta2(ctx):
    net, x, y, cache, grads = example()
    W3, d3, z2, a2, d2 = net.W[2], grads.delta[2], cache.z[1], cache.a[1], grads.delta[1]
    backprop = W3.T @ d3
    numeric = numerical_gradient(lambda v: L_of_z2(v, net, y), z2.copy())
    ctx.check.gradient("δ(2) = ∂L/∂z(2)", d2, numeric)
    ctx.check.chain("W(3)ᵀ δ(3)", [W3.T.shape, d3.shape], (3, 1))

    rows = [[f"{i + 1}", num(backprop[i, 0]), num(a2[i, 0] * (1 - a2[i, 0])), num(d2[i, 0])] for i in range(3)]
    return md_table(["$i$", "$(W^{(3)\\top}\\delta^{(3)})_i$", "$\\sigma'(z^{(2)}_i) = a^{(2)}_i(1-a^{(2)}_i)$",
                     "$\\delta^{(2)}_i$"], rows, align="rrrr")


@artifact("bias")
def bias(ctx):
    net, x, y, cache, grads = example()
    rows = []
    for l in (2, 1):
        numeric = numerical_gradient(loss_of_param(net, x, y, "b", l), net.b[l].copy())
        ctx.check.gradient(f"∂L/∂b({q(l)}) = δ({q(l)})", grads.db[l], numeric)
        ctx.check.shape(f"∂L/∂b({q(l)}) has the shape of b({q(l)})", grads.db[l], net.b[l].shape)
        rows.append([f"$\\partial L/\\partial b^{{({q(l)})}} = \\delta^{{({q(l)})}}$", shape(grads.db[l]),
                     ", ".join(num(v) for v in grads.db[l].ravel())])
    return md_table(["gradient", "shape", "entries"], rows, align="llr")


# ---------------------------------------------------------------------------
# Exercises

ETA = 0.5  # learning rate for Exercise 3
Y_NEW = np.array([[0.0], [1.0]])  # the changed target of Exercise 2


@artifact("ex1")
def ex1(ctx):
    """∂L/∂W(3)_12 by hand: one entry of δ(3) times one entry of a(2)."""
    net, x, y, cache, grads = example()
    i, j = 0, 1  # the question's (1, 2), counted from 0
    d3_i, a2_j = grads.delta[2][i, 0], cache.a[1][j, 0]
    answer = d3_i * a2_j  # (B3), one entry
    numeric = numerical_gradient(loss_of_param(net, x, y, "W", 2), net.W[2].copy())[i, j]
    ctx.check.gradient("∂L/∂W(3)₁₂ = δ(3)₁ a(2)₂", np.array([answer]), np.array([numeric]))
    ctx.check.close("the same entry of the ∂L/∂W(3) table", answer, grads.dW[2][i, j], tol=1e-14, how="matches (B3)")
    ctx.answer("ex1_entry", answer, mistakes={"sign": -answer, "wrong-layer": d3_i * x[j, 0]})
    return solution(
        "The weight \\(W^{(3)}_{12}\\) connects hidden unit 2 to output unit 1, so it appears only in "
        "\\(z^{(3)}_1\\), with coefficient \\(a^{(2)}_2\\):\n\n"
        + display(rf"\frac{{\partial L}}{{\partial W^{{(3)}}_{{12}}}} = \delta^{{(3)}}_1\, a^{{(2)}}_2"
                  rf" = {num(d3_i)} \times {num(a2_j)} = {num(answer)},")
        + "\n\nthe entry in row 1, column 2 of the \\(\\partial L/\\partial W^{(3)}\\) table. Row index from "
        "\\(\\delta\\), column index from \\(a\\): that is the outer product \\(\\delta^{(3)} a^{(2)\\top}\\)."
    )


@artifact("ex2")
def ex2(ctx):
    """A new target y = (0, 1): δ(3) changes through a(3) − y only."""
    net, x, y, cache, grads = example()
    a3, z3 = cache.a[2], cache.z[2]
    sigma_prime = a3 * (1 - a3)  # σ'(z(3)) does not depend on y
    d3_new = (a3 - Y_NEW) * sigma_prime  # (B1) with the new target
    numeric = numerical_gradient(lambda v: L_of_z3(v, Y_NEW), z3.copy())
    ctx.check.gradient("δ(3) for y = (0, 1) = ∂L/∂z(3)", d3_new, numeric)
    ctx.check.close("the reference code's (B1) for y = (0, 1)", backward(net, cache, Y_NEW).delta[2], d3_new, tol=1e-14,
                    how="the code agrees")
    ctx.check.differ("δ(3) changes with y", d3_new, grads.delta[2], min_rel=1e-1, how="the new δ(3) differs from the old one")
    ctx.check.that("both entries of δ(3) change sign", bool(np.all(np.sign(d3_new) == -np.sign(grads.delta[2]))),
                   "the new target reverses the direction in which each output is pushed")
    ctx.value("y_new", tex_matrix(Y_NEW.T, digits=0) + r"^\top")
    rows = [[f"{i + 1}", num(a3[i, 0]), num(Y_NEW[i, 0], 0), num(a3[i, 0] - Y_NEW[i, 0]), num(sigma_prime[i, 0]),
             num(d3_new[i, 0]), num(grads.delta[2][i, 0])] for i in range(2)]
    table = md_table(["$i$", "$a^{(3)}_i$", "new $y_i$", "$a^{(3)}_i - y_i$", "$a^{(3)}_i(1-a^{(3)}_i)$",
                      "new $\\delta^{(3)}_i$", "old $\\delta^{(3)}_i$"], rows, align="rrrrrrr")
    return solution(
        "The forward pass does not use \\(y\\), so \\(a^{(3)}\\) and the factor \\(\\sigma'(z^{(3)}) = a^{(3)} \\odot "
        "(1 - a^{(3)})\\) stay as they were; only \\(a^{(3)} - y\\) changes:\n\n" + table
        + "\n\nBoth entries change sign: output 1 should now go down and output 2 up. "
        "Every other gradient in the chapter is built from \\(\\delta^{(3)}\\), so all of them change with it."
    )


@artifact("ex3")
def ex3(ctx):
    """One gradient-descent step on all four parameter arrays, and the new loss."""
    net, x, y, cache, grads = example()
    L_before = mse.value(cache.a[2], y)
    for l in (1, 2):
        net.W[l] = net.W[l] - ETA * grads.dW[l]  # W ← W − η ∂L/∂W
        net.b[l] = net.b[l] - ETA * grads.db[l]  # b ← b − η ∂L/∂b
    L_after = mse.value(forward(net, x).a[2], y)
    squared_norm = sum(float(np.sum(grads.dW[l] ** 2) + np.sum(grads.db[l] ** 2)) for l in (1, 2))
    predicted = ETA * squared_norm  # first-order decrease: η ‖∇L‖²
    ctx.check.that("the step decreases the loss", L_after < L_before, f"L goes from {num(L_before, 6)} to {num(L_after, 6)}")
    ctx.check.close("the decrease is close to the first-order prediction η‖∇L‖²", L_before - L_after, predicted, tol=0.1,
                    how="a small step decreases L by about η times the squared gradient norm")
    ctx.value("eta", num(ETA, 1))
    n_entries = sum(grads.dW[l].size + grads.db[l].size for l in (1, 2))
    updated = (display(rf"W^{{(2)}} = {tex_matrix(net.W[1])},\quad b^{{(2)}} = {tex_matrix(net.b[1])},") + "\n\n"
               + display(rf"W^{{(3)}} = {tex_matrix(net.W[2])},\quad b^{{(3)}} = {tex_matrix(net.b[2])}."))
    return solution(
        f"Subtract \\({num(ETA, 1)}\\) times each gradient from its parameter (the gradients are the tables above):\n\n"
        + updated
        + "\n\nA new forward pass with these parameters gives\n\n"
        + display(rf"L_{{\text{{before}}}} = {num(L_before, 6)}, \qquad L_{{\text{{after}}}} = {num(L_after, 6)}.")
        + f"\n\nThe loss went down by {num(L_before - L_after, 6)}. For a small step, calculus predicts a decrease of "
        f"about \\(\\eta \\lVert \\nabla L \\rVert^2 = {num(ETA, 1)} \\times {num(squared_norm, 6)} = {num(predicted, 6)}\\), "
        f"summing the squares of all {n_entries} gradient entries; the two agree to within ten per cent."
    )
