"""Artifacts for docs/notation.md: the symbols, shapes and labels the whole book uses.

Every shape on the page is read off a real array of the 2-3-2 seed network (general
numbering: a^(0) = x, W^(1) is 3x2, W^(2) is 2x3, as in the reference code) and is
checked against the shape formula the table states (W^(l) is d_l x d_{l-1}, ...).
Every labelled equation (F1), (F2), (B1)-(B4) is checked on the same network.
"""

from __future__ import annotations

import numpy as np

from backprop import (
    backward,
    forward,
    init_network,
    loss_value,
    numerical_gradient,
    question_layer,
    seed_example,
)
from backprop.activations import activation
from backprop.gradcheck import loss_of_param as J_of_param
from backprop.gradcheck import loss_of_z as J_of_z
from backprop.gradcheck import numerical_jacobian as fd_jacobian
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import MAX_CELLS, chain_svg, layers_svg, sub, sup
from book.tables import md_table, num, tex_matrix

M_BATCH = 4  # examples in the batch example
BATCH_SEED = 20240611


# ---------------------------------------------------------------------------
# The seed network and small helpers


def example():
    """The 2-3-2 network, one example: (net, x, y, cache, grads)."""
    net, x, y = seed_example()
    cache = forward(net, x)
    grads = backward(net, cache, y)
    return net, x, y, cache, grads


def batch():
    """The seed network with a batch of M_BATCH seeded columns: (net, X, Y, cache, grads)."""
    net, _, _ = seed_example()
    rng = np.random.default_rng(BATCH_SEED)
    X = rng.uniform(-1.0, 1.0, size=(net.sizes[0], M_BATCH))
    Y = rng.uniform(0.0, 1.0, size=(net.sizes[-1], M_BATCH))
    cache = forward(net, X)
    return net, X, Y, cache, backward(net, cache, Y)


def dims(shape) -> str:
    """`3×2` for a shape; a 1-D shape is a column."""
    shape = tuple(shape)
    if len(shape) == 1:
        shape = (shape[0], 1)
    return "×".join(str(d) for d in shape)


# ---------------------------------------------------------------------------
# The symbol table


@artifact("symbols")
def symbols(ctx):
    net, x, y, cache, grads = example()
    _, X, Y, bcache, bgrads = batch()
    d, L, m = net.sizes, net.L, M_BATCH
    W, b, z, a, delta = net.W, net.b, cache.z, cache.a, grads.delta
    layers = range(1, L + 1)
    rows = []

    def up(l) -> str:  # "⁽¹⁾"
        return sup(f"({l})")

    def row(symbol, meaning, rule_tex, rule, items):
        """items: (TeX name, plain name, array, the shape `rule` gives). Each array's shape is checked."""
        cells = []
        for name, plain, arr, expected in items:
            ctx.check.shape(f"{plain} is {rule}", arr, expected)
            cells.append(rf"\({name}\): {dims(np.shape(arr))}")
        rows.append([symbol, meaning, rule_tex, ", ".join(cells)])

    ctx.check.that("the widths of the seed network", d == [2, 3, 2], f"d = {d}")
    rows.append([r"\(d_l\)", r"number of units in layer \(l\)", "integer",
                 r"\(" + ", ".join(f"d_{l}" for l in range(L + 1)) + " = " + ", ".join(map(str, d)) + r"\)"])
    rows.append([r"\(L\)", "number of layers with weights (the input is layer 0)", "integer", rf"\(L = {L}\)"])
    row(r"\(x = a^{(0)}\)", "one input example, a column", r"\(d_0 \times 1\)", "d₀×1", [("x", "x", x, (d[0], 1))])
    row(r"\(y\)", r"the target for \(x\)", r"\(d_L \times 1\)", "d_L×1", [("y", "y", y, (d[L], 1))])
    row(r"\(W^{(l)}\)", r"weights of layer \(l\); row \(i\) holds the weights into unit \(i\)",
        r"\(d_l \times d_{l-1}\)", "d_l×d_(l−1)", [(f"W^{{({l})}}", f"W{up(l)}", W[l], (d[l], d[l - 1])) for l in layers])
    row(r"\(b^{(l)}\)", r"biases of layer \(l\)", r"\(d_l \times 1\)", "d_l×1",
        [(f"b^{{({l})}}", f"b{up(l)}", b[l], (d[l], 1)) for l in layers])
    row(r"\(z^{(l)}\)", "pre-activation, (F1)", r"\(d_l \times 1\)", "d_l×1",
        [(f"z^{{({l})}}", f"z{up(l)}", z[l], (d[l], 1)) for l in layers])
    names = ", ".join(activation(net.activations[l]).name for l in layers)
    ctx.check.that("g is the sigmoid on both layers", names == "sigmoid, sigmoid", f"activations: {names}")
    rows.append([r"\(g^{(l)}\)", r"activation function of layer \(l\), applied entry by entry (softmax excepted)",
                 r"\(\R^{d_l} \to \R^{d_l}\)", r"\(\sigma\) on both layers"])
    row(r"\(a^{(l)}\)", r"activation, (F2); \(a^{(L)} = \hat y\) is the output", r"\(d_l \times 1\)", "d_l×1",
        [(f"a^{{({l})}}", f"a{up(l)}", a[l], (d[l], 1)) for l in layers])
    J = loss_value(net, x, y)
    ctx.check.that("J is one number", np.ndim(J) == 0 and np.isfinite(J), "J is a finite scalar")
    rows.append([r"\(J\)", "the cost: the scalar being differentiated", r"\(1 \times 1\)", r"\(J\): 1×1"])
    g_prime = [None] + [net.g[l].prime(z[l]) for l in layers]
    row(r"\(g'(z^{(l)})\)", r"the derivative of \(g\), entry by entry", r"\(d_l \times 1\)", "d_l×1",
        [(f"\\sigma'(z^{{({l})}})", f"σ′(z{up(l)})", g_prime[l], (d[l], 1)) for l in layers])
    row(r"\(\delta^{(l)}\)", r"\(\partial J/\partial z^{(l)}\), the error at layer \(l\); shape of \(z^{(l)}\)",
        r"\(d_l \times 1\)", "d_l×1", [(f"\\delta^{{({l})}}", f"δ{up(l)}", delta[l], (d[l], 1)) for l in layers])
    row(r"\(\partial J/\partial W^{(l)}\)", r"gradient of \(J\) by the weights; shape of \(W^{(l)}\)", r"\(d_l \times d_{l-1}\)",
        "d_l×d_(l−1)", [(f"\\partial J/\\partial W^{{({l})}}", f"∂J/∂W{up(l)}", grads.dW[l], W[l].shape) for l in layers])
    row(r"\(\partial J/\partial b^{(l)}\)", r"gradient of \(J\) by the biases; equals \(\delta^{(l)}\)",
        r"\(d_l \times 1\)", "d_l×1",
        [(f"\\partial J/\\partial b^{{({l})}}", f"∂J/∂b{up(l)}", grads.db[l], b[l].shape) for l in layers])
    # A Jacobian, built by finite differences: entry [i, j] = ∂z_i/∂a_j, so it is W^(2) itself.
    jac = fd_jacobian(lambda v: W[2] @ v + b[2], a[1].copy())
    ctx.check.close("∂z⁽²⁾/∂a⁽¹⁾ by finite differences equals W⁽²⁾", jac, W[2], tol=1e-8,
                    how="the finite-difference Jacobian equals the weights")
    row(r"\(\partial u/\partial v\)", r"Jacobian of a vector \(u\) by a vector \(v\): entry \((i,j)\) is "
        r"\(\partial u_i/\partial v_j\) (numerator layout, see Layouts)", r"\(\dim u \times \dim v\)", "dim u × dim v",
        [(r"\partial z^{(2)}/\partial a^{(1)}", "∂z⁽²⁾/∂a⁽¹⁾", jac, (d[2], d[1]))])
    D = np.diag(g_prime[1][:, 0])
    row(r"\(\diag(v)\)", r"square matrix with \(v\) on its diagonal, zeros elsewhere", r"\(d \times d\) for \(v \in \R^d\)",
        "d×d", [(r"\diag(\sigma'(z^{(1)}))", "diag(σ′(z⁽¹⁾))", D, (d[1], d[1]))])
    had = (W[2].T @ delta[2]) * g_prime[1]
    ctx.check.close("diag(u) v = u ⊙ v", D @ (W[2].T @ delta[2]), had, tol=1e-15, how="the diagonal matrix product equals ⊙")
    row(r"\(u \odot v\)", r"elementwise (Hadamard) product; \(u\) and \(v\) have the same shape",
        r"shape of \(u\) and \(v\)", "the shape of its operands",
        [(r"(W^{(2)\top}\delta^{(2)}) \odot \sigma'(z^{(1)})", "(W⁽²⁾ᵀ δ⁽²⁾) ⊙ σ′(z⁽¹⁾)", had, z[1].shape)])
    row(r"\(v^\top\)", "transpose: rows become columns", r"\(c \times r\) for \(v\) of shape \(r \times c\)",
        "the shape of a⁽⁰⁾ swapped", [(r"a^{(0)\top}", "a⁽⁰⁾ᵀ", a[0].T, a[0].shape[::-1])])
    rows.append([r"\(m\)", "number of examples in a batch", "integer", rf"\(m = {m}\) in the batch example"])
    row(r"\(X = A^{(0)}\)", "a batch: one example per column", r"\(d_0 \times m\)", "d₀×m", [("X", "X", X, (d[0], m))])
    row(r"\(Z^{(l)}, A^{(l)}\)", r"batch pre-activations and activations; column \(k\) belongs to example \(k\)",
        r"\(d_l \times m\)", "d_l×m", [(f"Z^{{({l})}}", f"Z{up(l)}", bcache.z[l], (d[l], m)) for l in layers])
    for k in range(m):  # column k of the batch delta is the delta of example k alone
        one = backward(net, forward(net, X[:, [k]]), Y[:, [k]])
        ctx.check.close(f"column {k + 1} of Δ⁽¹⁾ is δ⁽¹⁾ of example {k + 1}", bgrads.delta[1][:, [k]], one.delta[1],
                        tol=1e-12, how="the batch column equals the single-example delta")
    row(r"\(\Delta^{(l)}\)", r"batch deltas: column \(k\) is \(\delta^{(l)}\) of example \(k\)", r"\(d_l \times m\)",
        "d_l×m", [(f"\\Delta^{{({l})}}", f"Δ{up(l)}", bgrads.delta[l], (d[l], m)) for l in layers])
    ones = np.ones((m, 1))
    ctx.check.close("Δ⁽¹⁾ 1 = ∂J/∂b⁽¹⁾ for the batch, (B4)", bgrads.delta[1] @ ones, bgrads.db[1], tol=1e-12,
                    how="summing the columns with a ones vector gives the bias gradient")
    row(r"\(\mathbf{1}\)", r"column of ones; \(\Delta^{(l)}\mathbf{1}\) adds up the examples", r"\(m \times 1\)", "m×1",
        [(r"\mathbf{1}", "1", ones, (m, 1))])
    return md_table(["symbol", "meaning", "shape", "in the 2-3-2 network"], rows, align="llll")


@artifact("numbering")
def numbering(ctx):
    net, x, y, cache, grads = example()
    W, b, z, a, delta = net.W, net.b, cache.z, cache.a, grads.delta
    rows = [[r"\(x = a^{(0)}\)", r"\(x = a^{(1)}\)", "`a[0]`", dims(x.shape)]]
    ctx.check.that("the question's input layer is 1", question_layer(0) == 1, "question_layer(0) = 1: the question's x is a⁽¹⁾")
    for l in range(1, net.L + 1):
        Q = question_layer(l)
        ctx.check.that(f"general layer {l} is the question's layer {Q}", Q == l + 1, f"question_layer({l}) = {Q} = {l} + 1")
        ctx.check.shape(f"W[{l}] in the code is the question's W{sup(f'({Q})')}", W[l], (net.sizes[l], net.sizes[l - 1]))
        rows.append([rf"\(W^{{({l})}},\ b^{{({l})}}\)", rf"\(W^{{({Q})}},\ b^{{({Q})}}\)", f"`W[{l}]`, `b[{l}]`",
                     f"{dims(W[l].shape)}, {dims(b[l].shape)}"])
        for arr in (z[l], a[l], delta[l]):
            ctx.check.shape(f"layer {l} columns are d{sub(str(l))} × 1", arr, (net.sizes[l], 1))
        out = r" = \hat y" if l == net.L else ""
        rows.append([rf"\(z^{{({l})}},\ a^{{({l})}}{out},\ \delta^{{({l})}}\)",
                     rf"\(z^{{({Q})}},\ a^{{({Q})}},\ \delta^{{({Q})}}\)",
                     f"`z[{l}]`, `a[{l}]`, `delta[{l}]`", dims(z[l].shape)])
    rows.append([r"\(J\) (the cost)", r"\(L\) (the loss)", "`loss_value(net, x, y)`", "1×1"])
    table = md_table(["general chapters and code", "the 2-3-2 chapter (the question)", "in `scripts/backprop`", "shape"],
                     rows, align="lllr")
    svg = layers_svg(net.sizes, direction="forward", salt="notation-layers", grid=True,
                     title="Shapes through the 2-3-2 network, general numbering",
                     desc="Input a(0) = x is 2×1. Layer 1: W(1) 3×2, b(1) 3×1, a(1) 3×1. Layer 2: W(2) 2×3, b(2) 2×1, a(2) 2×1.")
    for l in range(1, net.L + 1):
        ctx.check.chain(f"(F1) W{sup(f'({l})')} a{sup(f'({l - 1})')} in the figure", [W[l].shape, a[l - 1].shape], z[l].shape)
    caption = ("The forward pass of the 2-3-2 network in the general numbering, each matrix drawn one cell per entry: "
               "layer l turns a column of dₗ₋₁ entries into a column of dₗ entries through the dₗ×dₗ₋₁ matrix W⁽ˡ⁾.")
    return table + "\n\n" + figure(svg, caption)


# ---------------------------------------------------------------------------
# The labelled equations, each checked on the 2-3-2 network


@artifact("equations")
def equations(ctx):
    net, x, y, cache, grads = example()
    W, b, z, a, delta, L = net.W, net.b, cache.z, cache.a, grads.delta, net.L
    sig = net.g[1]
    layers = range(1, L + 1)

    def up(l) -> str:
        return sup(f"({l})")

    def per_layer(text) -> str:
        """One line per layer in a table cell."""
        return "<br>".join(rf"\(l={l}\): {text(l)}" for l in layers)

    rows = []
    for l in layers:
        by_sum = np.array([[sum(W[l][i, j] * a[l - 1][j, 0] for j in range(W[l].shape[1])) + b[l][i, 0]]
                           for i in range(W[l].shape[0])])
        ctx.check.close(f"(F1) z{up(l)} = W{up(l)} a{up(l - 1)} + b{up(l)}", z[l], by_sum, tol=1e-14,
                        how="the matrix product equals the sums over j written out")
        ctx.check.close(f"(F2) a{up(l)} = σ(z{up(l)})", a[l], 1.0 / (1.0 + np.exp(-z[l])), tol=1e-14,
                        how="equals 1/(1 + exp(−z)) entry by entry")
    rows.append(["(F1)", r"\(z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}\)",
                 per_layer(lambda l: f"{dims(W[l].shape)} · {dims(a[l - 1].shape)} + {dims(b[l].shape)} → {dims(z[l].shape)}"),
                 "the sums written out"])
    rows.append(["(F2)", r"\(a^{(l)} = \sigma(z^{(l)})\)", per_layer(lambda l: f"{dims(z[l].shape)} → {dims(a[l].shape)}"),
                 r"\(1/(1+e^{-z})\) entry by entry"])
    # (B1) the output delta for squared error and a sigmoid output
    B1 = (a[L] - y) * sig.prime(z[L])
    ctx.check.close(f"(B1) δ{up(L)} = (a{up(L)} − y) ⊙ σ′(z{up(L)}) is what the code computes", delta[L], B1, tol=1e-14)
    ctx.check.gradient(f"(B1) δ{up(L)} = ∂J/∂z{up(L)}", delta[L], numerical_gradient(J_of_z(net, y, L), z[L].copy()))
    rows.append(["(B1)", r"\(\delta^{(2)} = (a^{(2)} - y) \odot \sigma'(z^{(2)})\)",
                 f"{dims(a[L].shape)} ⊙ {dims(z[L].shape)} → {dims(B1.shape)}", r"central differences in \(z^{(2)}\)"])
    # (B2) the recursion
    B2 = (W[2].T @ delta[2]) * sig.prime(z[1])
    ctx.check.chain("(B2) W⁽²⁾ᵀ δ⁽²⁾", [W[2].T.shape, delta[2].shape], z[1].shape)
    ctx.check.gradient("(B2) δ⁽¹⁾ = ∂J/∂z⁽¹⁾", B2, numerical_gradient(J_of_z(net, y, 1), z[1].copy()))
    rows.append(["(B2)", r"\(\delta^{(1)} = (W^{(2)\top} \delta^{(2)}) \odot \sigma'(z^{(1)})\)",
                 f"({dims(W[2].T.shape)} · {dims(delta[2].shape)}) ⊙ {dims(z[1].shape)} → {dims(B2.shape)}",
                 r"central differences in \(z^{(1)}\)"])
    # (B3) and (B4), both layers
    for l in layers:
        B3 = delta[l] @ a[l - 1].T
        ctx.check.gradient(f"(B3) ∂J/∂W{up(l)} = δ{up(l)} a{up(l - 1)}ᵀ", B3,
                           numerical_gradient(J_of_param(net, x, y, "W", l), W[l].copy()))
        ctx.check.gradient(f"(B4) ∂J/∂b{up(l)} = δ{up(l)}", delta[l],
                           numerical_gradient(J_of_param(net, x, y, "b", l), b[l].copy()))
    rows.append(["(B3)", r"\(\partial J/\partial W^{(l)} = \delta^{(l)} a^{(l-1)\top}\)",
                 per_layer(lambda l: f"{dims(delta[l].shape)} · {dims(a[l - 1].T.shape)} → {dims(W[l].shape)}"),
                 r"central differences in every \(W^{(l)}_{ij}\)"])
    rows.append(["(B4)", r"\(\partial J/\partial b^{(l)} = \delta^{(l)}\)", per_layer(lambda l: dims(delta[l].shape)),
                 r"central differences in every \(b^{(l)}_i\)"])
    return md_table(["label", "on the 2-3-2 network", "shapes", "checked against"], rows, align="llll")


# ---------------------------------------------------------------------------
# Reading shapes and diagrams


@artifact("read-shapes")
def read_shapes(ctx):
    net, x, y, cache, grads = example()
    W2, d2, d1, a0, z1 = net.W[2], grads.delta[2], grads.delta[1], cache.a[0], cache.z[1]
    s = lambda arr: r"{" + dims(np.shape(arr)).replace("×", r"\times ") + "}"  # noqa: E731
    ctx.check.chain("W⁽²⁾ᵀ δ⁽²⁾", [W2.T.shape, d2.shape], d1.shape)
    ctx.check.that("⊙ joins two arrays of one shape", (W2.T @ d2).shape == z1.shape,
                   f"W(2)ᵀ δ(2) is {dims((W2.T @ d2).shape)} and σ'(z(1)) is {dims(z1.shape)}")
    ctx.check.chain("δ⁽¹⁾ a⁽⁰⁾ᵀ has the shape of W⁽¹⁾", [d1.shape, a0.T.shape], net.W[1].shape)
    ctx.check.close("δ⁽¹⁾ a⁽⁰⁾ᵀ equals the code's ∂J/∂W⁽¹⁾", d1 @ a0.T, grads.dW[1], tol=1e-15)
    B2 = (rf"\underbrace{{\delta^{{(1)}}}}_{s(d1)} = \Bigl(\underbrace{{W^{{(2)\top}}}}_{s(W2.T)}\,"
          rf"\underbrace{{\delta^{{(2)}}}}_{s(d2)}\Bigr) \odot \underbrace{{\sigma'(z^{{(1)}})}}_{s(z1)} \tag{{B2}}")
    B3 = (rf"\underbrace{{\pd{{J}}{{W^{{(1)}}}}}}_{s(net.W[1])} = \underbrace{{\delta^{{(1)}}}}_{s(d1)}\,"
          rf"\underbrace{{a^{{(0)\top}}}}_{s(a0.T)} \tag{{B3}}")
    return display(B2) + "\n\n" + display(B3)


@artifact("legend")
def legend(ctx):
    net, x, y, cache, grads = example()
    W2, d2 = net.W[2], grads.delta[2]
    good = W2.T @ d2
    ctx.value("max_cells", str(MAX_CELLS))
    ctx.check.chain("W⁽²⁾ᵀ δ⁽²⁾", [W2.T.shape, d2.shape], (net.sizes[1], 1))
    by_sum = np.array([[sum(W2[k, i] * d2[k, 0] for k in range(W2.shape[0]))] for i in range(W2.shape[1])])
    ctx.check.close("W⁽²⁾ᵀ δ⁽²⁾ entry by entry", good, by_sum, tol=1e-14, how="equals Σₖ W⁽²⁾ₖᵢ δ⁽²⁾ₖ written out")
    message = ctx.check.raises("W⁽²⁾ δ⁽²⁾ (transpose forgotten) cannot be computed", lambda: W2 @ d2, ValueError)
    ctx.check.that("NumPy names the mismatch", "mismatch" in message or "shape" in message,
                   "NumPy's error message reports the mismatch")
    good_svg = chain_svg(
        [(f"W{sup('(2)')}ᵀ", W2.T.shape), (f"δ{sup('(2)')}", d2.shape)], (f"W{sup('(2)')}ᵀδ{sup('(2)')}", good.shape),
        salt="notation-legend-good", grid=True,
        title="Legend: a product whose shapes chain",
        desc="W(2) transposed, 3×2, times delta(2), 2×1, gives a 3×1 column. Factors are blue, the product is orange.",
        layout_note="blue: factors · orange: their product",
    )
    bad_svg = chain_svg(
        [(f"W{sup('(2)')}", W2.shape), (f"δ{sup('(2)')}", d2.shape)],
        salt="notation-legend-bad", grid=True,
        title="Legend: a product whose shapes do not chain",
        desc="W(2), 2×3, times delta(2), 2×1: W(2) has 3 columns but delta(2) has 2 rows, so the product does not exist.",
    )
    (r, k), (_, c) = W2.T.shape, d2.shape
    return (figure(good_svg, f"Factors and their product: {dims(W2.T.shape)} · {dims(d2.shape)} → {dims(good.shape)}. "
                             f"The inner {k}s match and disappear; the outer {r} and {c} give the result.")
            + "\n\n"
            + figure(bad_svg, "A mismatch, drawn in red: W(2) δ(2) with the transpose forgotten. "
                              "The dimensions that should agree are marked ≠."))


@artifact("j-vs-l")
def j_vs_l(ctx):
    net, X, Y, cache, grads = batch()
    m = X.shape[1]
    per_example = [loss_value(net, X[:, [k]], Y[:, [k]]) for k in range(m)]
    J_sum, J_mean = loss_value(net, X, Y, "sum"), loss_value(net, X, Y, "mean")
    ctx.check.close("J (sum) = Σₖ L(k)", J_sum, sum(per_example), tol=1e-14, how="batch cost equals the per-example losses added")
    ctx.check.close("J (mean) = J (sum) / m", J_mean, J_sum / m, tol=1e-14)
    mean_grads = backward(net, cache, Y, "mean")
    ctx.check.gradient("∂J/∂W⁽¹⁾ with the mean", mean_grads.dW[1],
                       numerical_gradient(J_of_param(net, X, Y, "W", 1, "mean"), net.W[1].copy()))
    ctx.check.close("mean gradient = sum gradient / m", mean_grads.dW[1], grads.dW[1] / m, tol=1e-14)
    ctx.value("m", str(m))
    rows = [[f"example {k + 1}", rf"\(L_{k + 1} = \tfrac12 \lVert \hat y_{k + 1} - y_{k + 1} \rVert^2\)", num(v, 6)]
            for k, v in enumerate(per_example)]
    rows.append(["the batch, summed", rf"\(J = \sum_{{k=1}}^{{{m}}} L_k\)", num(J_sum, 6)])
    rows.append(["the batch, averaged", rf"\(J = \tfrac1{{{m}}} \sum_{{k=1}}^{{{m}}} L_k\)", num(J_mean, 6)])
    return md_table(["", "formula", "value"], rows, align="llr")


# ---------------------------------------------------------------------------
# Exercises


EX1_SIZES = [4, 5, 3]
EX1_M = 8


@artifact("ex1")
def ex1(ctx):
    net = init_network(EX1_SIZES, "tanh", seed=7)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((EX1_SIZES[0], EX1_M))
    Y = rng.standard_normal((EX1_SIZES[-1], EX1_M))
    cache = forward(net, X)
    grads = backward(net, cache, Y)
    d = net.sizes
    ctx.value("ex1_sizes", "-".join(map(str, d)))
    ctx.value("ex1_m", str(EX1_M))
    items = [
        (r"W^{(1)}", net.W[1], (d[1], d[0]), r"d_1 \times d_0"),
        (r"W^{(2)}", net.W[2], (d[2], d[1]), r"d_2 \times d_1"),
        (r"b^{(2)}", net.b[2], (d[2], 1), r"d_2 \times 1"),
        (r"\partial J/\partial W^{(2)}", grads.dW[2], (d[2], d[1]), r"d_2 \times d_1"),
        (r"Z^{(1)}", cache.z[1], (d[1], EX1_M), r"d_1 \times m"),
        (r"\Delta^{(2)}", grads.delta[2], (d[2], EX1_M), r"d_2 \times m"),
        (r"\partial J/\partial b^{(1)}", grads.db[1], (d[1], 1), r"d_1 \times 1"),
    ]
    rows = []
    for tex, arr, expected, rule in items:
        ctx.check.shape(f"${tex}$ in the {'-'.join(map(str, d))} network", arr, expected)
        rows.append([rf"\({tex}\)", rf"\({rule}\)", dims(np.shape(arr))])
    numeric = numerical_gradient(J_of_param(net, X, Y, "W", 2), net.W[2].copy())
    ctx.check.gradient("∂J/∂W⁽²⁾ of the batch", grads.dW[2], numeric)
    body = (md_table(["array", "rule", "shape"], rows, align="llr")
            + "\n\nOnly \\(Z^{(1)}\\) and \\(\\Delta^{(2)}\\) have a dimension \\(m\\), one column per example. "
              "The weight and bias gradients do not grow with \\(m\\): (B3) sums over the examples, "
              "\\(\\Delta^{(2)} A^{(1)\\top}\\) is "
            + f"{dims(grads.delta[2].shape)} · {dims(cache.a[1].T.shape)} → {dims(grads.dW[2].shape)}"
            + ". The build also checked this gradient against central differences.")
    return solution(body)


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads = example()
    W, d, z = net.W, grads.delta, cache.z
    # the 2-3-2 chapter's δ(2) = (W(3)ᵀ δ(3)) ⊙ σ'(z(2)) is the general chapters' δ(1):
    delta1 = (W[2].T @ d[2]) * net.g[1].prime(z[1])  # (B2) with l = 1
    ctx.check.close("(B2) in general numbering equals the code's delta[1]", delta1, d[1], tol=1e-15)
    ctx.check.gradient("δ⁽¹⁾ = ∂J/∂z⁽¹⁾", delta1, numerical_gradient(J_of_z(net, y, 1), z[1].copy()))
    ctx.check.that("the shift is one layer", question_layer(1) == 2 and question_layer(2) == 3,
                   "question_layer(1) = 2, question_layer(2) = 3")
    body = (
        "Subtract one from every superscript:\n\n"
        + display(r"\delta^{(1)} = \bigl(W^{(2)\top} \delta^{(2)}\bigr) \odot \sigma'\bigl(z^{(1)}\bigr)"
                  rf" = {tex_matrix(delta1)}")
        + "\n\nIn the code this line is `delta[1] = (W[2].T @ delta[2]) * g[1].prime(z[1])`: the general chapters "
          "and the code share their numbers, only the 2-3-2 chapter is shifted. The column is "
        + f"{dims(delta1.shape)}, the shape of the hidden layer, and its entries are the 2-3-2 chapter's "
          "\\(\\delta^{(2)}\\)."
    )
    return solution(body)


@artifact("ex3")
def ex3(ctx):
    net, x, y, cache, grads = example()
    u = net.g[1].prime(cache.z[1])  # σ'(z(1)), 3×1
    v = net.W[2].T @ grads.delta[2]  # W(2)ᵀ δ(2), 3×1
    had = u * v
    D = np.diag(u[:, 0])
    ctx.check.close("u ⊙ v = diag(u) v", had, D @ v, tol=1e-15, how="Hadamard product equals the diagonal matrix product")
    ctx.check.raises("u v as a matrix product does not exist", lambda: u @ v, ValueError)
    ctx.check.chain("diag(u) v", [D.shape, v.shape], had.shape)
    ctx.check.close("u ⊙ v = δ⁽¹⁾", had, grads.delta[1], tol=1e-15)
    body = (
        f"Both are {dims(u.shape)} columns, so \\(u v\\) would be {dims(u.shape)} · {dims(v.shape)}: the inner "
        f"dimensions {u.shape[1]} and {v.shape[0]} differ and the product does not exist (NumPy raises an error; "
        "the build checked that it does). "
        "Putting \\(u\\) on a diagonal fixes the shapes without changing the numbers:\n\n"
        + display(rf"u \odot v = \underbrace{{\diag(u)}}_{{{D.shape[0]}\times {D.shape[1]}}} "
                  rf"\underbrace{{v}}_{{{v.shape[0]}\times 1}} = "
                  rf"{tex_matrix(D)} {tex_matrix(v)} = {tex_matrix(had)}")
        + "\n\nwhich is \\(\\delta^{(1)}\\). The diagonal matrix is the Jacobian \\(\\partial a^{(1)}/\\partial z^{(1)}\\); "
          "the Hadamard product is the cheap way to multiply by it."
    )
    return solution(body)


@artifact("ex4")
def ex4(ctx):
    net, X, Y, cache, grads = batch()
    m = X.shape[1]
    mean = backward(net, cache, Y, "mean")
    ctx.check.close("(mean) ∂J/∂b⁽²⁾ = (1/m) Δ⁽²⁾ 1", mean.db[2], grads.delta[2] @ np.ones((m, 1)) / m, tol=1e-14)
    ctx.check.gradient("∂J/∂b⁽²⁾ of the averaged cost", mean.db[2],
                       numerical_gradient(J_of_param(net, X, Y, "b", 2, "mean"), net.b[2].copy()))
    ctx.check.shape("∂J/∂b⁽²⁾ keeps the shape of b⁽²⁾", mean.db[2], net.b[2].shape)
    ctx.check.close("the summed cost gives m times the averaged gradient", m * mean.db[2], grads.db[2], tol=1e-14)
    body = (
        f"\\(\\Delta^{{(2)}}\\) is {dims(grads.delta[2].shape)}, one column per example. (B4) adds the columns, "
        "which is a product with a column of ones, and averaging divides by \\(m\\):\n\n"
        + display(rf"\pd{{J}}{{b^{{(2)}}}} = \tfrac1{{{m}}}\,\underbrace{{\Delta^{{(2)}}}}_{{{net.sizes[2]}\times {m}}}"
                  rf"\underbrace{{\mathbf 1}}_{{{m}\times 1}} = {tex_matrix(mean.db[2])}")
        + f"\n\nThe result is {dims(mean.db[2].shape)}, the shape of \\(b^{{(2)}}\\), whatever \\(m\\) is. With the sum "
          "instead of the mean it would be \\(m\\) times larger."
    )
    return solution(body)
