"""Artifacts for docs/chain-rule.md: the chain rule written with Jacobians.

Two small networks, both in the question's layer numbers (the input is layer 1):

* the book's 2-3-2 sigmoid network (backprop.seed232): Jacobians of each step, the
  product in both layouts, diag(σ'(z)) versus ⊙, and the 3-tensor ∂z/∂W;
* a 3-3-3 sigmoid network with square weight matrices (seeded below), where a wrong
  transpose keeps every shape right and only the numbers can tell.

The reference code counts layers from 0, so its W[1] is the question's W^(2) and
its W[2] is W^(3): "code index" below means the reference code's number.
"""

from __future__ import annotations

import numpy as np

from backprop.activations import activation
from backprop.gradcheck import numerical_gradient, numerical_jacobian
from backprop.jacobians import ShapeError, contract_weight_gradient, da_dz, dJ_da, dz_da_prev, dz_dW
from backprop.losses import loss
from backprop.network import Network, backward, forward
from backprop.seed232 import seed_example
from book.artifacts import artifact
from book.figures import matrix_heatmap
from book.markup import display, figure, solution
from book.shapes import chain_svg, sub, tensor_svg
from book.tables import bound, md_table, num, shape, tex_matrix

sigma = activation("sigmoid")
softmax = activation("softmax")
tanh = activation("tanh")
mse = loss("squared_error")

SQUARE_SEED = 315  # the 3-3-3 example; any seed whose W(3) is far from symmetric would do
OFF_DIAGONAL_BOUND = 1e-12  # |∂a_i/∂z_j|, i ≠ j, by finite differences, for an elementwise g


# ---------------------------------------------------------------------------
# The two example networks


def net232():
    net, x, y = seed_example()
    cache = forward(net, x)
    grads = backward(net, cache, y)
    return net, x, y, cache, grads


def square_network():
    """A 3-3-3 sigmoid network with short decimals: W(2), W(3) are 3×3, so transposes keep their shape."""
    rng = np.random.default_rng(SQUARE_SEED)
    W2 = np.round(rng.normal(0.0, 1.0, (3, 3)), 1)
    W3 = np.round(rng.normal(0.0, 1.0, (3, 3)), 1)
    b2 = np.round(rng.normal(0.0, 0.3, (3, 1)), 1)
    b3 = np.round(rng.normal(0.0, 0.3, (3, 1)), 1)
    x = np.round(rng.normal(0.0, 1.0, (3, 1)), 1)
    y = np.array([[1.0], [0.0], [1.0]])
    net = Network(W=[None, W2, W3], b=[None, b2, b3], activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    return net, x, y


def square_example():
    net, x, y = square_network()
    cache = forward(net, x)
    grads = backward(net, cache, y)
    return net, x, y, cache, grads


# ---------------------------------------------------------------------------
# Finite differences


def fd_dW(net, x, y, l: int):
    """∂L/∂W at layer l (code index) by central differences; W[l] is perturbed in place and restored."""
    return numerical_gradient(lambda _: mse.value(forward(net, x).a[net.L], y), net.W[l])


def fd_dz(net, x, y, l: int, cache):
    """∂L/∂z at layer l (code index) by central differences, running the rest of the network forward."""

    def L_of_z(z):
        a = net.g[l](z)
        for k in range(l + 1, net.L + 1):
            a = net.g[k](net.W[k] @ a + net.b[k])
        return mse.value(a, y)

    return numerical_gradient(L_of_z, cache.z[l].copy())


def off_diagonal(J):
    return J[~np.eye(J.shape[0], dtype=bool)]


# ---------------------------------------------------------------------------
# Small formatting helpers


def num0(x, digits: int = 4) -> str:
    """num(), but an exact zero prints as 0: it is a structural zero, not a rounded one."""
    return "0" if float(x) == 0.0 else num(x, digits)


def col(v, digits: int = 4) -> str:
    """A column's entries, top to bottom, as text for a table cell."""
    return ", ".join(num(x, digits) for x in np.ravel(v))


def tex_sparse(M, digits: int = 4) -> str:
    """Like tex_matrix, but exact zeros print as 0 so the pattern of a sparse matrix stands out."""
    M = np.asarray(M, dtype=float)
    M = M[:, None] if M.ndim == 1 else M
    rows = [" & ".join(num0(x, digits) for x in row) for row in M]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def side_by_side(*figures: str) -> str:
    """Figures in one row that wraps on narrow screens (one raw HTML block)."""
    inner = "\n".join(figures)
    return ('<div class="bp-row" style="display: flex; flex-wrap: wrap; gap: 0 1.5rem; '
            'justify-content: center; align-items: flex-start">\n' + inner + "\n</div>")


def small(fig: str, basis: str) -> str:
    """Let a figure take part of a flex row."""
    return fig.replace('<figure class="bp-figure">', f'<figure class="bp-figure" style="flex: 0 1 {basis}; margin: 0.6em 0">', 1)


# ---------------------------------------------------------------------------
# 1. One Jacobian per step (2-3-2)


def step_jacobians(net, x, y, cache):
    """The five steps from x to L and their numerator-layout Jacobians, with a function for finite differences.

    Each entry: (function as TeX, Jacobian label as TeX, unicode label, value, f, point).
    """
    W2, b2, W3, b3 = net.W[1], net.b[1], net.W[2], net.b[2]
    z2, a2, z3, a3 = cache.z[1], cache.a[1], cache.z[2], cache.a[2]
    return [
        (r"z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}", r"\partial z^{(2)}/\partial a^{(1)} = W^{(2)}", "∂z⁽²⁾/∂a⁽¹⁾",
         dz_da_prev(W2), lambda v: W2 @ v + b2, x),  # (F1)
        (r"a^{(2)} = \sigma(z^{(2)})", r"\partial a^{(2)}/\partial z^{(2)} = \diag(\sigma'(z^{(2)}))", "∂a⁽²⁾/∂z⁽²⁾",
         da_dz("sigmoid", z2), sigma, z2),  # (F2)
        (r"z^{(3)} = W^{(3)} a^{(2)} + b^{(3)}", r"\partial z^{(3)}/\partial a^{(2)} = W^{(3)}", "∂z⁽³⁾/∂a⁽²⁾",
         dz_da_prev(W3), lambda v: W3 @ v + b3, a2),  # (F1)
        (r"a^{(3)} = \sigma(z^{(3)})", r"\partial a^{(3)}/\partial z^{(3)} = \diag(\sigma'(z^{(3)}))", "∂a⁽³⁾/∂z⁽³⁾",
         da_dz("sigmoid", z3), sigma, z3),  # (F2)
        (r"L = \tfrac12 \lVert a^{(3)} - y \rVert^2", r"\partial L/\partial a^{(3)} = (a^{(3)} - y)^\top", "∂L/∂a⁽³⁾",
         dJ_da("squared_error", a3, y), lambda v: np.array([[mse.value(v, y)]]), a3),
    ]


@artifact("steps")
def steps(ctx):
    net, x, y, cache, grads = net232()
    rows = []
    for f_tex, j_tex, label, J, f, point in step_jacobians(net, x, y, cache):
        numeric = numerical_jacobian(f, point)
        ctx.check.gradient(f"{label} against finite differences", J, numeric)
        short = np.array_equal(J, np.round(J, 1))  # the weights are one-decimal numbers: print them as given
        rows.append([f"${f_tex}$", f"${j_tex}$", shape(J), f"${tex_sparse(J, 1 if short else 4)}$"])
    return md_table(["step", "its Jacobian (numerator layout)", "shape", "value"], rows, align="llcc")


def chain_factors(layout: str):
    """The factors of ∂L/∂x for the 2-3-2 network, in the order they are multiplied."""
    net, x, y, cache, grads = net232()
    # Numerator layout: from the loss back to the input, each new factor on the right.
    factors = [(label, J) for _, _, label, J, _, _ in reversed(step_jacobians(net, x, y, cache))]
    if layout == "denominator":
        # The same symbols now mean the transposed matrices; reverse the order: (AB)ᵀ = BᵀAᵀ.
        factors = [(label, J.T) for label, J in reversed(factors)]
    return net, x, y, cache, grads, factors


def multiply(values):
    product = values[0]
    for M in values[1:]:
        if product.shape[1] != M.shape[0]:
            raise ShapeError(f"cannot multiply {shape(product)} by {shape(M)}")
        product = product @ M
    return product


def order_artifact(ctx, layout: str) -> str:
    net, x, y, cache, grads, factors = chain_factors(layout)
    values = [J for _, J in factors]
    product = multiply(values)
    expected = (1, 2) if layout == "numerator" else (2, 1)
    ctx.check.chain(f"{layout}-layout chain for ∂L/∂x", [J.shape for J in values], expected)
    numeric = numerical_gradient(lambda v: mse.value(forward(net, v).a[net.L], y), x.copy())  # a column
    ctx.check.gradient("∂L/∂x against finite differences", product if layout == "denominator" else product.T, numeric)
    # The wrong order (the other layout's order with these factors) does not chain on this network.
    ctx.check.raises(f"{layout}-layout factors multiplied in the other order", lambda: multiply(values[::-1]), ShapeError)

    # Running products: after two and four factors they are δ(3) and δ(2) (as rows in numerator layout).
    deltas = {2: grads.delta[2], 4: grads.delta[1]}
    rows = []
    if layout == "numerator":
        for k in range(1, len(values) + 1):
            partial = multiply(values[:k])
            meaning = {1: r"$\partial L/\partial a^{(3)}$ (row)", 2: r"$\delta^{(3)\top}$",
                       3: r"$\partial L/\partial a^{(2)}$ (row)", 4: r"$\delta^{(2)\top}$",
                       5: r"$\partial L/\partial x$ (row)"}[k]
            if k in deltas:
                ctx.check.close(f"first {k} factors = δ({4 - k // 2})ᵀ from (B1)/(B2)", partial, deltas[k].T, tol=1e-12,
                                how="running product equals the backward pass")
            rows.append([f"{k}", f"· {factors[k - 1][0]}" if k > 1 else factors[0][0], meaning, shape(partial), col(partial)])
        headers = ["step", "multiply on the right by", "product so far", "shape", "entries"]
    else:
        n = len(values)
        for k in range(1, n + 1):
            partial = multiply(values[n - k:])
            meaning = {1: r"$\partial L/\partial a^{(3)}$", 2: r"$\delta^{(3)}$", 3: r"$\partial L/\partial a^{(2)}$",
                       4: r"$\delta^{(2)}$", 5: r"$\partial L/\partial x$"}[k]
            if k in deltas:
                ctx.check.close(f"last {k} factors = δ({4 - k // 2}) from (B1)/(B2)", partial, deltas[k], tol=1e-12,
                                how="running product equals the backward pass")
            rows.append([f"{k}", f"{factors[n - k][0]} ·" if k > 1 else factors[n - 1][0], meaning, shape(partial), col(partial)])
        headers = ["step", "multiply on the left by", "product so far", "shape", "entries"]
    ctx.value(f"dLdx_{layout}", tex_matrix(product))
    svg = chain_svg([(lbl, J.shape) for lbl, J in factors], ("∂L/∂x", product.shape),
                    salt=f"chain_rule-order-{layout}", grid=True,
                    title=f"Shapes of the {layout}-layout chain for dL/dx in the 2-3-2 network",
                    desc=" · ".join(f"{lbl} {shape(J)}" for lbl, J in factors) + f" gives {shape(product)}.")
    caption = " · ".join(shape(J) for J in values) + f" → {shape(product)}"
    return (figure(svg, f"{layout.capitalize()} layout, the five factors to scale: {caption}.") + "\n\n"
            + md_table(headers, rows, align="llccl"))


@artifact("order-numerator")
def order_numerator(ctx):
    return order_artifact(ctx, "numerator")


@artifact("order-denominator")
def order_denominator(ctx):
    return order_artifact(ctx, "denominator")


# ---------------------------------------------------------------------------
# 2. Elementwise activations: diag(σ'(z)) and ⊙ (2-3-2 hidden layer)


def hidden_layer():
    net, x, y, cache, grads = net232()
    z2 = cache.z[1]
    s = sigma.prime(z2)  # σ'(z(2)), 3×1
    v = net.W[2].T @ grads.delta[2]  # W(3)ᵀ δ(3), what (B2) multiplies by σ'(z(2))
    return net, x, y, cache, grads, z2, s, v


@artifact("diag")
def diag_heatmap(ctx):
    net, x, y, cache, grads, z2, s, v = hidden_layer()
    D = np.diag(s[:, 0])  # diag(σ'(z(2))), 3×3
    J_fd = numerical_jacobian(sigma, z2)
    ctx.check.close("da_dz(sigmoid) = diag(σ'(z(2)))", da_dz("sigmoid", z2), D, tol=1e-15,
                    how="the library's Jacobian is the diagonal matrix")
    biggest = float(np.max(np.abs(off_diagonal(J_fd))))
    ctx.check.that("finite-difference Jacobian of σ is diagonal",
                   biggest <= OFF_DIAGONAL_BOUND,
                   f"largest off-diagonal |∂a_i/∂z_j| = {biggest:.1e} ≤ {OFF_DIAGONAL_BOUND:.0e}")
    ctx.check.gradient("its diagonal = σ'(z(2))", s[:, 0], np.diag(J_fd))
    ctx.value("offdiag_max", "0" if biggest == 0 else bound(biggest))
    ctx.value("offdiag_bound", f"10^{{{round(np.log10(OFF_DIAGONAL_BOUND))}}}")
    ctx.value("z2", tex_matrix(z2.T) + r"^\top")
    ctx.value("sp2", tex_matrix(s))
    labels_r = [f"a{sub(i)}" for i in "123"]
    labels_c = [f"z{sub(j)}" for j in "123"]
    heat_D = matrix_heatmap(D, salt="chain_rule-diag", fmt="{:.4f}", row_labels=labels_r, col_labels=labels_c,
                            title="diag(σ′(z⁽²⁾)) for the 2-3-2 network's hidden layer",
                            desc="A 3 by 3 matrix with σ′(z⁽²⁾ᵢ) on the diagonal: "
                                 + ", ".join(num(t) for t in s[:, 0]) + "; every other entry is 0.")
    heat_s = matrix_heatmap(s, salt="chain_rule-diag-vector", fmt="{:.4f}", row_labels=labels_r, col_labels=["σ′"],
                            colorbar=False, title="σ′(z⁽²⁾) as a column",
                            desc="The same three numbers as a 3 by 1 column: " + ", ".join(num(t) for t in s[:, 0]) + ".")
    return side_by_side(
        small(figure(heat_D, "∂a⁽²⁾/∂z⁽²⁾ = diag(σ′(z⁽²⁾)): row i is aᵢ, column j is zⱼ; "
                             "only the diagonal is non-zero."), "20rem"),
        small(figure(heat_s, "σ′(z⁽²⁾): the diagonal alone, a 3×1 column."), "8rem"),
    )


@artifact("hadamard")
def hadamard(ctx):
    net, x, y, cache, grads, z2, s, v = hidden_layer()
    D = np.diag(s[:, 0])
    by_matrix = D @ v  # diag(σ'(z)) v: 9 multiplications, 6 of them by 0
    by_hadamard = s * v  # σ'(z) ⊙ v: 3 multiplications
    ctx.check.chain("diag(σ'(z(2))) · v", [D.shape, v.shape], (3, 1))
    ctx.check.close("diag(σ'(z)) v = σ'(z) ⊙ v", by_matrix, by_hadamard, tol=1e-15,
                    how="matrix product equals the entrywise product")
    ctx.check.close("σ'(z(2)) ⊙ (W(3)ᵀ δ(3)) = δ(2) from the backward pass (B2)", by_hadamard, grads.delta[1], tol=1e-14,
                    how="the Hadamard form is what the code computes")
    ctx.check.gradient("δ(2) = ∂L/∂z(2)", by_hadamard, fd_dz(net, x, y, 1, cache))
    ctx.value("v", tex_matrix(v))
    return (display(r"\underbrace{\diag(\sigma'(z^{(2)}))}_{3\times 3}\,\underbrace{v}_{3\times 1} = "
                    + tex_sparse(D) + tex_matrix(v) + " = " + tex_matrix(by_matrix))
            + "\n\n"
            + display(r"\underbrace{\sigma'(z^{(2)})}_{3\times 1} \odot \underbrace{v}_{3\times 1} = "
                      + tex_matrix(s) + r" \odot " + tex_matrix(v) + " = " + tex_matrix(by_hadamard)))


@artifact("softmax")
def softmax_jacobian(ctx):
    net, x, y, cache, grads, z2, s, v = hidden_layer()
    p = softmax(z2)
    J = softmax.jacobian(z2)  # diag(p) - p pᵀ
    ctx.check.gradient("softmax Jacobian diag(p) − p pᵀ against finite differences", J, numerical_jacobian(softmax, z2))
    smallest = float(np.min(np.abs(off_diagonal(J))))
    ctx.check.that("softmax's Jacobian is not diagonal", smallest > 1e-2,
                   f"smallest off-diagonal |∂pᵢ/∂zⱼ| = {num(smallest)}, far above 0")
    elementwise_guess = (p * (1 - p)) * v  # what ⊙ would give if softmax acted entry by entry
    ctx.check.differ("Jᵀ v differs from the elementwise guess p ⊙ (1 − p) ⊙ v", elementwise_guess, J.T @ v, min_rel=0.1,
                     how="a Hadamard product would give wrong numbers for softmax")
    heat = matrix_heatmap(J, salt="chain_rule-softmax", fmt="{:.4f}", row_labels=[f"p{sub(i)}" for i in "123"],
                          col_labels=[f"z{sub(j)}" for j in "123"],
                          title="The softmax Jacobian at z⁽²⁾ of the 2-3-2 network",
                          desc="A full 3 by 3 matrix: positive diagonal, negative off-diagonal entries. Rows: "
                               + "; ".join(col(r) for r in J) + ".")
    return (display(r"p = \operatorname{softmax}(z^{(2)}) = " + tex_matrix(p)
                    + r", \qquad \pd{p}{z^{(2)}} = \diag(p) - p\,p^\top \text{ (below)}")
            + "\n\n" + figure(heat, "∂p/∂z for softmax at the same z⁽²⁾: every entry is non-zero, so no ⊙ shortcut."))


# ---------------------------------------------------------------------------
# 3. ∂z/∂W is a 3-tensor (2-3-2 output layer)


def output_layer():
    net, x, y, cache, grads = net232()
    W3, b3, a2, d3 = net.W[2], net.b[2], cache.a[1], grads.delta[2]
    T = dz_dW(W3, a2)  # T[k, i, j] = ∂z(3)_k / ∂W(3)_ij, 2×2×3
    return net, x, y, cache, grads, W3, b3, a2, d3, T


def fd_tensor(W, b, a_prev):
    """∂z_k/∂W_ij by central differences: slice k is the gradient of z_k = (W a_prev + b)_k with respect to W."""
    W = W.copy()
    return np.stack([numerical_gradient(lambda M, k=k: float((M @ a_prev + b)[k, 0]), W) for k in range(W.shape[0])])


@artifact("tensor")
def tensor(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    d_l, d_prev = W3.shape
    ctx.check.shape("∂z(3)/∂W(3) is d_l × d_l × d_(l−1)", T, (d_l, d_l, d_prev))
    ctx.check.gradient("every entry against finite differences", T, fd_tensor(W3, b3, a2))
    by_rule = np.array([[[a2[j, 0] if k == i else 0.0 for j in range(d_prev)] for i in range(d_l)] for k in range(d_l)])
    ctx.check.close("T[k, i, j] = [k = i] a(2)_j", T, by_rule, tol=1e-15, how="each entry follows the rule")
    nonzero = int(np.count_nonzero(T))
    ctx.check.that("only d_l · d_(l−1) entries are non-zero", nonzero == d_l * d_prev, f"{nonzero} of {T.size}")
    ctx.value("T_nonzero", str(nonzero))
    ctx.value("T_size", str(T.size))
    svg = tensor_svg(d_l, d_prev, salt="chain_rule-tensor", z="z", w="W", unit=34,
                     note="slice k is zero except row k, which holds a⁽²⁾ᵀ",
                     title="The 3-tensor dz(3)/dW(3) of the 2-3-2 network",
                     desc=f"{d_l} slices, each a {d_l} by {d_prev} matrix; slice k is zero except row k.")
    slices = r",\qquad ".join(
        rf"\pd{{z^{{(3)}}_{k + 1}}}{{W^{{(3)}}}} = " + tex_sparse(T[k]) for k in range(d_l))
    return (figure(svg, f"∂z⁽³⁾/∂W⁽³⁾ has shape {d_l}×{d_l}×{d_prev}: one {d_l}×{d_prev} slice per output zₖ.")
            + "\n\n" + display(slices))


@artifact("tensor-entries")
def tensor_entries(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    numeric = fd_tensor(W3, b3, a2)
    picks = [(0, 0, 0), (0, 0, 2), (1, 1, 1), (0, 1, 0), (1, 0, 2), (1, 1, 2)]
    rows = []
    for k, i, j in picks:
        K, I, J = k + 1, i + 1, j + 1
        ctx.check.gradient(f"T[{K},{I},{J}]", T[k, i, j], numeric[k, i, j])
        if k == i:
            why = f"$k = i$: $z_{K}$ holds $W_{{{I}{J}}}\\,a^{{(2)}}_{J}$"
            rule = f"$a^{{(2)}}_{J}$"
        else:
            why = f"$k \\ne i$: $W_{{{I}{J}}}$ is in row {I}, $z_{K}$ reads row {K}"
            rule = "$0$"
        rows.append([f"$({K}, {I}, {J})$", why, rule, num0(T[k, i, j]), num0(numeric[k, i, j])])
    return md_table(["$(k, i, j)$", "why", "rule", "$\\partial z_k/\\partial W_{ij}$", "finite differences"], rows, align="lllrr")


@artifact("vjp")
def vjp(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    contracted = contract_weight_gradient(d3, T)  # Σ_k δ_k T[k, :, :]
    per_entry = np.array([[sum(d3[k, 0] * T[k, i, j] for k in range(T.shape[0])) for j in range(T.shape[2])]
                          for i in range(T.shape[1])])  # ∂L/∂W_ij = Σ_k ∂L/∂z_k ∂z_k/∂W_ij
    outer = d3 @ a2.T  # (B3) δ(3) a(2)ᵀ
    ctx.check.close("contracting δ(3) with the tensor = Σ_k written out", contracted, per_entry, tol=1e-15,
                    how="library contraction equals the explicit sum over k")
    ctx.check.close("Σ_k δ_k ∂z_k/∂W = δ(3) a(2)ᵀ (B3)", contracted, outer, tol=1e-15, how="contraction equals the outer product")
    ctx.check.chain("δ(3) a(2)ᵀ", [d3.shape, a2.T.shape], W3.shape)
    ctx.check.gradient("∂L/∂W(3)", contracted, fd_dW(net, x, y, 2))
    terms = " + ".join(f"({num(d3[k, 0])})" + tex_sparse(T[k]) for k in range(T.shape[0]))
    return display(
        r"\begin{aligned} \pd{L}{W^{(3)}} &= \sum_k \delta^{(3)}_k \pd{z^{(3)}_k}{W^{(3)}} "
        r"= \underbrace{\delta^{(3)}}_{2\times 1}\underbrace{a^{(2)\top}}_{1\times 3} \\ "
        + "&= " + terms + r" \\ &= " + tex_matrix(contracted) + r" \end{aligned}"
    )


@artifact("vjp-numerator")
def vjp_numerator(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    numerator = a2 @ d3.T  # numerator layout: ∂L/∂W is laid out like Wᵀ
    ctx.check.chain("a(2) δ(3)ᵀ", [a2.shape, d3.T.shape], W3.T.shape)
    ctx.check.close("a(2) δ(3)ᵀ = (δ(3) a(2)ᵀ)ᵀ", numerator, (d3 @ a2.T).T, tol=1e-15, how="one is the transpose of the other")
    ctx.check.gradient("its transpose = ∂L/∂W(3) in W's shape", numerator.T, fd_dW(net, x, y, 2))
    return display(
        r"\underbrace{\pd{L}{W^{(3)}}}_{\text{numerator layout},\ 3\times 2} = \underbrace{a^{(2)}}_{3\times 1}"
        r"\underbrace{\delta^{(3)\top}}_{1\times 2} = " + tex_matrix(numerator)
    )


# ---------------------------------------------------------------------------
# 4. Matching shapes is not a derivation (3-3-3)


@artifact("square-net")
def square_net(ctx):
    net, x, y = square_network()
    asym = float(np.max(np.abs(net.W[2] - net.W[2].T)))
    ctx.check.that("W(3) is far from symmetric (else W and Wᵀ would agree)", asym >= 0.5, f"max |W(3) − W(3)ᵀ| = {num(asym, 1)}")
    for name, arr in [("W2", net.W[1]), ("W3", net.W[2])]:
        ctx.check.shape(f"{name} is square", arr, (3, 3))
    return display(
        r"\begin{aligned} W^{(2)} &= " + tex_matrix(net.W[1], 1) + r", & b^{(2)} &= " + tex_matrix(net.b[1], 1)
        + r", \\ W^{(3)} &= " + tex_matrix(net.W[2], 1) + r", & b^{(3)} &= " + tex_matrix(net.b[2], 1)
        + r", \\ x = a^{(1)} &= " + tex_matrix(x, 1) + r", & y &= " + tex_matrix(y, 1) + r". \end{aligned}"
    )


def delta2_both(net, cache, grads):
    W3, d3, z2 = net.W[2], grads.delta[2], cache.z[1]
    right = grads.delta[1]  # (B2) (W(3)ᵀ δ(3)) ⊙ σ'(z(2)), from the reference backward pass
    wrong = (W3 @ d3) * sigma.prime(z2)  # the transpose forgotten: shapes still fine
    return right, wrong


@artifact("wrong-transpose")
def wrong_transpose(ctx):
    net, x, y, cache, grads = square_example()
    W3, d3 = net.W[2], grads.delta[2]
    right, wrong = delta2_both(net, cache, grads)
    numeric = fd_dz(net, x, y, 1, cache)
    ctx.check.chain("wrong: W(3) δ(3) has shapes that chain", [W3.shape, d3.shape], (3, 1))
    ctx.check.chain("right: W(3)ᵀ δ(3)", [W3.T.shape, d3.shape], (3, 1))
    ctx.check.gradient("right: (W(3)ᵀ δ(3)) ⊙ σ'(z(2)) = ∂L/∂z(2)", right, numeric)
    err = ctx.check.differ("wrong: (W(3) δ(3)) ⊙ σ'(z(2)) disagrees with finite differences", wrong, numeric, min_rel=0.1,
                           how="the wrong transpose gives other numbers")
    ctx.value("wrong_err", num(err, 2))
    ctx.check.that("the wrong one even flips a sign", bool(np.any(np.sign(wrong) != np.sign(numeric))),
                   "entries " + ", ".join(str(i + 1) for i in range(3) if np.sign(wrong[i, 0]) != np.sign(numeric[i, 0]))
                   + " have the opposite sign")
    rows = [[f"{i + 1}", num(right[i, 0]), num(wrong[i, 0]), num(numeric[i, 0])] for i in range(3)]
    table = md_table(["$i$", "right: $((W^{(3)\\top}\\delta^{(3)}) \\odot \\sigma')_i$",
                      "wrong: $((W^{(3)}\\delta^{(3)}) \\odot \\sigma')_i$",
                      "finite differences $\\partial L/\\partial z^{(2)}_i$"],
                     rows, align="rrrr")
    figs = []
    for name, lbl in (("right", "W⁽³⁾ᵀ"), ("wrong", "W⁽³⁾")):
        svg = chain_svg([(lbl, W3.shape), ("δ⁽³⁾", d3.shape)], (f"{name}", (3, 1)), salt=f"chain_rule-{name}-shapes",
                        grid=True, title=f"Shapes of the {name} product {lbl} times delta(3)",
                        desc=f"{lbl} is 3 by 3, δ⁽³⁾ is 3 by 1, the product is 3 by 1.")
        figs.append(small(figure(svg, f"{name.capitalize()}: {lbl} · δ⁽³⁾, 3×3 · 3×1 → 3×1."), "12rem"))
    return side_by_side(*figs) + "\n\n" + table


@artifact("outer-orientation")
def outer_orientation(ctx):
    net, x, y, cache, grads = square_example()
    d3, a2, W3 = grads.delta[2], cache.a[1], net.W[2]
    right = grads.dW[2]  # (B3) δ(3) a(2)ᵀ, from the reference backward pass
    wrong = a2 @ d3.T  # the outer product the other way round: the transpose, same 3×3 shape
    inner = a2.T @ d3  # aᵀδ: an inner product, 1×1
    numeric = fd_dW(net, x, y, 2)
    ctx.check.chain("right: δ(3) a(2)ᵀ", [d3.shape, a2.T.shape], W3.shape)
    ctx.check.close("the backward pass's ∂L/∂W(3) = δ(3) a(2)ᵀ", right, d3 @ a2.T, tol=1e-15, how="(B3) as the code computes it")
    ctx.check.chain("wrong: a(2) δ(3)ᵀ has W(3)'s shape too", [a2.shape, d3.T.shape], W3.shape)
    ctx.check.that("a(2)ᵀ δ(3) is 1×1: the shapes do catch this one", inner.shape == (1, 1) and inner.shape != W3.shape,
                   f"shape {shape(inner)}, W(3) is {shape(W3)}")
    ctx.check.gradient("right: δ(3) a(2)ᵀ = ∂L/∂W(3)", right, numeric)
    ctx.check.differ("wrong: a(2) δ(3)ᵀ disagrees with finite differences", wrong, numeric, min_rel=0.1,
                     how="the transposed outer product gives other numbers")
    ctx.check.close("the two agree on the diagonal (δ_i a_i either way)", np.diag(wrong), np.diag(right), tol=1e-15,
                    how="diagonal entries coincide")
    off = [abs(w - r) / max(abs(w), abs(r)) for w, r in zip(off_diagonal(wrong), off_diagonal(right), strict=True)]
    ctx.check.that("every off-diagonal entry of the wrong one is wrong", min(off) >= 0.1,
                   f"smallest relative difference off the diagonal {num(min(off), 2)}")
    ctx.value("inner", num(inner[0, 0]))
    ctx.check.that("the wrong one is the transpose of the right one", bool(np.array_equal(wrong, (d3 @ a2.T).T)),
                   "a δᵀ = (δ aᵀ)ᵀ")
    rows = []
    for i in range(3):
        for j in range(3):
            mark = " (diagonal)" if i == j else ""
            rows.append([f"$({i + 1}, {j + 1})${mark}", num(right[i, j]), num(wrong[i, j]), num(numeric[i, j])])
    return md_table(["entry $(i, j)$", "right: $\\delta^{(3)}_i a^{(2)}_j$", "wrong: $a^{(2)}_i \\delta^{(3)}_j$",
                     "finite differences"], rows, align="lrrr")


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    numeric = fd_tensor(W3, b3, a2)
    on, off = T[1, 1, 2], T[0, 1, 2]  # ∂z_2/∂W_23 and ∂z_1/∂W_23
    ctx.check.gradient("∂z(3)_2/∂W(3)_23 = a(2)_3", on, numeric[1, 1, 2])
    ctx.check.close("it equals a(2)_3", on, a2[2, 0], tol=1e-15, how="tensor entry equals the activation")
    ctx.check.that("∂z(3)_1/∂W(3)_23 = 0", off == 0.0 and numeric[0, 1, 2] == 0.0,
                   "exactly 0, by the rule and by finite differences")
    dL = d3[1, 0] * a2[2, 0]
    ctx.check.gradient("∂L/∂W(3)_23 = δ(3)_2 a(2)_3", dL, fd_dW(net, x, y, 2)[1, 2])
    body = (
        r"Since \(z^{(3)}_2 = W^{(3)}_{21} a^{(2)}_1 + W^{(3)}_{22} a^{(2)}_2 + W^{(3)}_{23} a^{(2)}_3 + b^{(3)}_2\), "
        r"the weight \(W^{(3)}_{23}\) appears once, multiplied by \(a^{(2)}_3\):" + "\n\n"
        + display(rf"\pd{{z^{{(3)}}_2}}{{W^{{(3)}}_{{23}}}} = a^{{(2)}}_3 = {num(on)}, \qquad "
                  rf"\pd{{z^{{(3)}}_1}}{{W^{{(3)}}_{{23}}}} = 0") + "\n\n"
        + r"The second is zero because \(z^{(3)}_1\) reads only row 1 of \(W^{(3)}\). Contracting with "
        + r"\(\delta^{(3)}\), only the \(k = 2\) term survives:" + "\n\n"
        + display(rf"\pd{{L}}{{W^{{(3)}}_{{23}}}} = \delta^{{(3)}}_1 \cdot 0 + \delta^{{(3)}}_2\, a^{{(2)}}_3 "
                  rf"= ({num(d3[1, 0])})({num(a2[2, 0])}) = {num(dL)}")
    )
    return solution(body)


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads, W3, b3, a2, d3, T = output_layer()
    n232 = int(np.count_nonzero(T))
    rng = np.random.default_rng(2)
    d_l, d_prev = 100, 50
    big = dz_dW(rng.standard_normal((d_l, d_prev)), rng.uniform(0.1, 1.0, (d_prev, 1)))  # a(l−1) with no zeros
    n_big = int(np.count_nonzero(big))
    ctx.check.that("2-3-2 output layer: 6 of 12 entries non-zero", (n232, T.size) == (6, 12), f"{n232} of {T.size}")
    ctx.check.that("100×50 layer: d_l · d_(l−1) non-zero", n_big == d_l * d_prev and big.size == d_l * d_l * d_prev,
                   f"{n_big} of {big.size}")
    body = (
        r"Entry \((k, i, j)\) is \(a_j\) when \(k = i\) and 0 otherwise, so for each of the \(d_l\) slices only one row of "
        r"\(d_{l-1}\) entries can be non-zero: \(d_l\, d_{l-1}\) of the \(d_l^2\, d_{l-1}\) entries, a fraction "
        r"\(1/d_l\) (assuming no \(a_j\) is exactly 0)." + "\n\n"
        + md_table(["layer", "shape of $\\partial z/\\partial W$", "entries", "non-zero (counted)", "fraction"],
                   [["2-3-2 output", "2×2×3", str(T.size), str(n232), f"{n232}/{T.size}"],
                    [f"{d_l}×{d_prev} weights", f"{d_l}×{d_l}×{d_prev}", str(big.size), str(n_big), f"1/{big.size // n_big}"]],
                   align="lcrrr")
        + "\n\nThis is why no one stores the tensor: the contraction with δ only ever needs the non-zero row, "
        r"which is the same \(a^\top\) in every slice."
    )
    return solution(body)


@artifact("ex3")
def ex3(ctx):
    net, x, y, cache, grads, z2, s, v = hidden_layer()
    J = da_dz("tanh", z2)
    t_prime = 1 - np.tanh(z2) ** 2
    J_fd = numerical_jacobian(tanh, z2)
    ctx.check.close("da_dz(tanh) = diag(1 − tanh²(z))", J, np.diag(t_prime[:, 0]), tol=1e-15, how="diagonal of 1 − tanh²")
    ctx.check.gradient("tanh Jacobian against finite differences", J, J_fd)
    biggest = float(np.max(np.abs(off_diagonal(J_fd))))
    ctx.check.that("finite-difference Jacobian of tanh is diagonal", biggest <= OFF_DIAGONAL_BOUND,
                   f"largest off-diagonal entry {biggest:.1e} ≤ {OFF_DIAGONAL_BOUND:.0e}")
    ctx.check.close("diag(tanh'(z)) v = tanh'(z) ⊙ v", J @ v, t_prime * v, tol=1e-15, how="matrix product equals ⊙")
    body = (
        r"Each \(a_i = \tanh(z_i)\) depends on \(z_i\) alone, so the Jacobian is diagonal, with "
        r"\(\tanh'(z_i) = 1 - \tanh^2(z_i)\) on the diagonal:" + "\n\n"
        + display(r"\pd{a}{z^{(2)}} = \diag\bigl(1 - \tanh^2(z^{(2)})\bigr) = " + tex_sparse(J)) + "\n\n"
        + r"Applied to the same \(v = W^{(3)\top}\delta^{(3)}\) as above, it gives" + "\n\n"
        + display(tex_matrix(t_prime) + r" \odot " + tex_matrix(v) + " = " + tex_matrix(t_prime * v)) + "\n\n"
        + "Finite differences give the same diagonal and exactly zero off the diagonal."
    )
    return solution(body)


@artifact("ex4")
def ex4(ctx):
    net, x, y, cache, grads = square_example()
    right, wrong = delta2_both(net, cache, grads)
    a1 = cache.a[0]
    dW_wrong = wrong @ a1.T  # (B3) with the wrong δ(2)
    dW_right = grads.dW[1]
    numeric = fd_dW(net, x, y, 1)
    ctx.check.chain("wrong ∂L/∂W(2) = δ(2) a(1)ᵀ still 3×3", [wrong.shape, a1.T.shape], net.W[1].shape)
    ctx.check.gradient("right ∂L/∂W(2)", dW_right, numeric)
    err = ctx.check.differ("wrong ∂L/∂W(2) fails a gradient check", dW_wrong, numeric, min_rel=1e-2,
                           how="relative error far above any tolerance")
    err_11 = abs(dW_wrong[0, 0] - numeric[0, 0]) / max(abs(dW_wrong[0, 0]), abs(numeric[0, 0]))
    ctx.check.that("entry (1, 1) alone already gives it away", err_11 > 1e-2, f"relative error {num(err_11, 2)}")
    body = (
        r"The shapes say nothing: \(\delta^{(2)}\) is \(3\times 1\) either way and \(\delta^{(2)} a^{(1)\top}\) is "
        r"\(3\times 3\), the shape of \(W^{(2)}\). One number settles it. For entry \((1, 1)\):" + "\n\n"
        + md_table(["", "$\\partial L/\\partial W^{(2)}_{11}$"],
                   [["wrong transpose, $\\delta^{(2)}_1 a^{(1)}_1$", num(dW_wrong[0, 0])],
                    ["right, from (B2)", num(dW_right[0, 0])],
                    ["finite differences", num(numeric[0, 0])]], align="lr")
        + "\n\n"
        + rf"The relative error of the wrong entry is {num(err_11, 2)}; over the whole matrix the largest is "
        + rf"{num(err, 2)}. A gradient check wants \(10^{{-7}}\) or less, so it fails by many orders of magnitude, "
        + r"while the right gradient passes."
    )
    return solution(body)
