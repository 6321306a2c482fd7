"""Artifacts for docs/minibatches.md: backprop for a batch of m examples, in columns and in rows.

The chapter's network is 3-5-2 (tanh hidden layer, sigmoid output, squared error) and
its batch has m = 4 examples, so every dimension is different and a transpose in the
wrong place cannot hide. Layers are numbered as in the reference code: A^(0) = X.

Three storage conventions are compared, all on the same numbers:
  columns (this book, CS229):  Z = W A + b 1ᵀ,  W is out×in, examples are columns
  rows, PyTorch nn.Linear:     Y = X Wᵀ + b,    W is out×in, examples are rows
  rows, CS231n affine:         Y = X W + b,     W is in×out, examples are rows
"""

from __future__ import annotations

import numpy as np

from backprop.gradcheck import check_network_gradients, numerical_gradient
from backprop.losses import output_delta
from backprop.network import backward, forward, gradients, init_network, loss_value
from backprop.rows import affine_backward, affine_forward, linear_backward, linear_forward
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import chain_svg, sup
from book.tables import bound, md_table, num, shape, tex_matrix

SIZES = [3, 5, 2]  # d_0, d_1, d_2
ACTS = ["tanh", "sigmoid"]
M = 4  # examples in the batch
SEED = 558


def example():
    """The seeded network (with non-zero biases), a batch X (d_0 × m) and targets Y (d_2 × m)."""
    rng = np.random.default_rng(SEED)
    net = init_network(SIZES, ACTS, loss="squared_error", seed=SEED)
    for l in (1, 2):
        net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
    X = rng.standard_normal((SIZES[0], M))
    Y = rng.integers(0, 2, (SIZES[-1], M)).astype(float)  # 0/1 targets
    return net, X, Y


def per_example(net, X, Y, reduction: str):
    """Σ over examples of each example's own gradient (divided by m for "mean")."""
    m = X.shape[1]
    dW = [None] + [np.zeros_like(net.W[l]) for l in (1, 2)]
    db = [None] + [np.zeros_like(net.b[l]) for l in (1, 2)]
    for i in range(m):
        g = gradients(net, X[:, [i]], Y[:, [i]], reduction="sum")  # one column: L_i alone
        for l in (1, 2):
            dW[l] += g.dW[l]
            db[l] += g.db[l]
    if reduction == "mean":
        dW = [None] + [dW[l] / m for l in (1, 2)]
        db = [None] + [db[l] / m for l in (1, 2)]
    return dW, db


def le(err: float) -> str:
    """A relative error as the page prints it: its power-of-ten bound, or 0 when exact."""
    b = bound(err)
    return "0 (exact)" if b == "0" else f"≤ {b}"


def grid(*figures: str) -> str:
    """Figures side by side on a wide screen, stacked on a phone (Material's grid)."""
    return '<div class="grid bp-grid">\n' + "\n".join(figures) + "\n</div>"


# ---------------------------------------------------------------------------
# Row-form backprop with the layer functions of backprop/rows.py


def rows_backprop(net, X, Y, layer_forward, layer_backward, stored_W, reduction="sum"):
    """Forward and backward through the whole network with examples as rows.

    stored_W(l) is W in the library's storage (PyTorch: W, CS231n: Wᵀ). Returns
    (dW per layer in that storage, db per layer as 1-D, dX, Y_rows per layer).
    """
    g = net.g
    A = X.T  # m × d_0
    caches, Z = [None], [None]
    for l in (1, 2):
        Zl, cache = layer_forward(A, stored_W(l), net.b[l][:, 0])  # (F1) in rows
        caches.append(cache)
        Z.append(Zl)
        A = g[l](Zl)  # (F2): elementwise, so the orientation does not matter
    scale = 1.0 / X.shape[1] if reduction == "mean" else 1.0
    dZ = scale * output_delta(net.loss, g[2], Z[2].T, A.T, Y).T  # (B1), as a row per example
    dW, db = [None] * 3, [None] * 3
    for l in (2, 1):
        dA_prev, dW[l], db[l] = layer_backward(dZ, caches[l])  # (B3), (B4) and Wᵀ δ in rows
        if l > 1:
            dZ = dA_prev * g[l - 1].prime(Z[l - 1])  # (B2) in rows
    return dW, db, dA_prev, Z


def pytorch_W(net):
    return lambda l: net.W[l]  # nn.Linear stores W as out × in, like the book


def cs231n_W(net):
    return lambda l: net.W[l].T.copy()  # CS231n stores W as in × out


# ---------------------------------------------------------------------------
# The batch and the forward pass


@artifact("setup")
def setup(ctx):
    net, X, Y = example()
    cache = forward(net, X)
    ctx.value("m", str(M))
    ctx.value("sizes", "-".join(map(str, SIZES)))
    for k, d in enumerate(SIZES):
        ctx.value(f"d{k}", str(d))
    # (F1) for the batch, three ways: broadcasting, the explicit b 1ᵀ, and one column at a time.
    ones = np.ones((1, M))
    for l in (1, 2):
        A_prev = cache.a[l - 1]
        explicit = net.W[l] @ A_prev + net.b[l] @ ones  # Z = W A + b 1ᵀ
        by_column = np.column_stack([net.W[l] @ A_prev[:, i] + net.b[l][:, 0] for i in range(M)])
        ctx.check.close(f"Z({l}) = W({l}) A({l - 1}) + b({l}) 1ᵀ", cache.z[l], explicit, tol=1e-15,
                        how="broadcasting the bias equals adding the matrix b 1ᵀ")
        ctx.check.close(f"column i of Z({l}) is W({l}) a({l - 1})_i + b({l})", cache.z[l], by_column, tol=1e-14,
                        how="the batch product equals m separate matrix-vector products")
        ctx.check.shape(f"Z({l}) is d_{l} × m", cache.z[l], (SIZES[l], M))
    ctx.value("X", tex_matrix(X, 2))
    ctx.value("b1", tex_matrix(net.b[1], 2))
    ctx.value("b1ones", tex_matrix(net.b[1] @ ones, 2))
    rows = [
        ["$X = A^{(0)}$", "input, one example per column", shape(X)],
        ["$W^{(1)}$, $b^{(1)}$", "tanh layer", f"{shape(net.W[1])}, {shape(net.b[1])}"],
        ["$Z^{(1)}$, $A^{(1)}$", "hidden pre-activations, activations", shape(cache.z[1])],
        ["$W^{(2)}$, $b^{(2)}$", "sigmoid output layer", f"{shape(net.W[2])}, {shape(net.b[2])}"],
        ["$Z^{(2)}$, $A^{(2)}$", "outputs, one column per example", shape(cache.z[2])],
        ["$Y$", "targets", shape(Y)],
    ]
    return md_table(["quantity", "what it is", "shape"], rows, align="llc")


@artifact("broadcast")
def broadcast(ctx):
    net, X, Y = example()
    ones = np.ones((1, M))
    bb = net.b[1] @ ones
    ctx.check.chain("b(1) 1ᵀ", [net.b[1].shape, ones.shape], (SIZES[1], M))
    ctx.check.that("every column of b 1ᵀ is b", bool(np.all(bb == net.b[1])), f"all {M} columns equal b(1)")
    return display(
        r"\underbrace{b^{(1)}}_{" + f"{SIZES[1]}\\times 1" + r"}\,\underbrace{\mathbf 1^\top}_{" + f"1\\times {M}" + "} = "
        + tex_matrix(net.b[1], 2) + r"\begin{bmatrix}" + " & ".join(["1"] * M) + r"\end{bmatrix} = "
        + tex_matrix(bb, 2)
    )


# ---------------------------------------------------------------------------
# Where the 1/m goes


@artifact("reduction")
def reduction(ctx):
    net, X, Y = example()
    J_sum, J_mean = loss_value(net, X, Y, "sum"), loss_value(net, X, Y, "mean")
    g_sum, g_mean = gradients(net, X, Y, "sum"), gradients(net, X, Y, "mean")
    rows = []
    pairs = [
        ("$J$", J_sum, J_mean),
        ("$\\Delta^{(2)}_{11}$", g_sum.delta[2][0, 0], g_mean.delta[2][0, 0]),
        ("$\\Delta^{(1)}_{11}$", g_sum.delta[1][0, 0], g_mean.delta[1][0, 0]),
        ("$(\\partial J/\\partial W^{(2)})_{11}$", g_sum.dW[2][0, 0], g_mean.dW[2][0, 0]),
        ("$(\\partial J/\\partial b^{(1)})_{1}$", g_sum.db[1][0, 0], g_mean.db[1][0, 0]),
    ]
    for label, s, mn in pairs:
        rows.append([label, num(s), num(mn), num(s / mn)])
    ctx.check.close("J_sum = m · J_mean", J_sum, M * J_mean, tol=1e-14)
    for l in (1, 2):
        ctx.check.close(f"Δ({l}) sum = m · Δ({l}) mean", g_sum.delta[l], M * g_mean.delta[l], tol=1e-14,
                        how="the 1/m of (B1) travels through (B2) unchanged")
        ctx.check.close(f"∂J/∂W({l}) sum = m · mean", g_sum.dW[l], M * g_mean.dW[l], tol=1e-14)
        ctx.check.close(f"∂J/∂b({l}) sum = m · mean", g_sum.db[l], M * g_mean.db[l], tol=1e-14)
        # The other common placement: keep Δ unscaled, divide the parameter gradients at the end.
        late_dW = (1 / M) * g_sum.delta[l] @ forward(net, X).a[l - 1].T
        late_db = (1 / M) * g_sum.delta[l] @ np.ones((M, 1))
        ctx.check.close(f"(1/m) Δ({l})_sum A({l - 1})ᵀ = ∂J_mean/∂W({l})", late_dW, g_mean.dW[l], tol=1e-14,
                        how="dividing at the end gives the same gradient as dividing Δ(L)")
        ctx.check.close(f"(1/m) Δ({l})_sum 1 = ∂J_mean/∂b({l})", late_db, g_mean.db[l], tol=1e-14)
    ctx.value("J_sum", J_sum)
    ctx.value("J_mean", J_mean)
    return md_table(["quantity", "sum", "mean", "sum ÷ mean"], rows,
                    align="lrrr")


# ---------------------------------------------------------------------------
# The batch gradient is the sum (or mean) of per-example gradients


@artifact("per-example")
def per_example_table(ctx):
    net, X, Y = example()
    rows = []
    for red in ("sum", "mean"):
        batched = gradients(net, X, Y, red)
        dW_ex, db_ex = per_example(net, X, Y, red)
        fd = check_network_gradients(net, X, Y, reduction=red)
        for l in (1, 2):
            for name, analytic, loop in (("W", batched.dW[l], dW_ex[l]), ("b", batched.db[l], db_ex[l])):
                label = f"∂J/∂{name}({l}), {red}"
                e_loop = ctx.check.close(f"{label}: batch = {'Σ' if red == 'sum' else '(1/m) Σ'} per example",
                                         analytic, loop, tol=1e-13, how="one matrix product equals the loop over examples")
                _, numeric, _ = fd[f"{name}[{l}]"]
                e_fd = ctx.check.gradient(f"{label}: batch formula vs finite differences", analytic, numeric)
                rows.append([red, f"$\\partial J/\\partial {name}^{{({l})}}$", shape(analytic), le(e_loop), le(e_fd)])
    return md_table(["$J$", "gradient", "shape", "batch vs loop over examples", "batch vs finite differences"], rows,
                    align="llcrr")


# ---------------------------------------------------------------------------
# Shape diagrams for each convention


def _diagram(factors, result, salt, what):
    svg = chain_svg(factors, result, salt=salt, grid=True,
                    title=f"Shapes of {what}",
                    desc=" · ".join(f"{lbl} {r}×{c}" for lbl, (r, c) in factors) + f" gives {result[1][0]}×{result[1][1]}.")
    caption = f"{what}: " + " · ".join(f"{r}×{c}" for _, (r, c) in factors) + f" → {result[1][0]}×{result[1][1]}."
    return figure(svg, caption)


@artifact("columns")
def columns(ctx):
    net, X, Y = example()
    cache = forward(net, X)
    g = backward(net, cache, Y)
    D2, A1, W2 = g.delta[2], cache.a[1], net.W[2]
    one = np.ones((M, 1))
    ctx.check.chain("Δ(2) A(1)ᵀ", [D2.shape, A1.T.shape], W2.shape)
    ctx.check.chain("Δ(2) 1", [D2.shape, one.shape], net.b[2].shape)
    ctx.check.chain("W(2)ᵀ Δ(2)", [W2.T.shape, D2.shape], A1.shape)
    ctx.check.close("∂J/∂W(2) = Δ(2) A(1)ᵀ", g.dW[2], D2 @ A1.T, tol=1e-15)
    ctx.check.close("∂J/∂b(2) = Δ(2) 1", g.db[2], D2 @ one, tol=1e-14)
    ctx.check.close("(B2): Δ(1) = (W(2)ᵀ Δ(2)) ⊙ g′(Z(1))", g.delta[1], (W2.T @ D2) * net.g[1].prime(cache.z[1]), tol=1e-15)
    T = "ᵀ"
    parts = grid(
        _diagram([(f"Δ{sup('(2)')}", D2.shape), (f"A{sup('(1)')}{T}", A1.T.shape)], (f"∂J/∂W{sup('(2)')}", W2.shape),
                 "minibatches-col-dw", "∂J/∂W(2) = Δ(2) A(1)ᵀ, the batch index m is the inner dimension"),
        _diagram([(f"Δ{sup('(2)')}", D2.shape), ("1", one.shape)], (f"∂J/∂b{sup('(2)')}", net.b[2].shape),
                 "minibatches-col-db", "∂J/∂b(2) = Δ(2) 1, a sum over the m columns"),
        _diagram([(f"W{sup('(2)')}{T}", W2.T.shape), (f"Δ{sup('(2)')}", D2.shape)], (f"∂J/∂A{sup('(1)')}", A1.shape),
                 "minibatches-col-da", "∂J/∂A(1) = W(2)ᵀ Δ(2), one column per example, nothing summed"),
    )
    return parts


@artifact("rows-pytorch")
def rows_pytorch(ctx):
    net, X, Y = example()
    cache = forward(net, X)
    g = backward(net, cache, Y)
    dW, db, dX, Z = rows_backprop(net, X, Y, linear_forward, linear_backward, pytorch_W(net))
    dY2 = g.delta[2].T  # m × out
    X2 = cache.a[1].T  # the layer's input as rows, m × in
    rows = []
    for l in (1, 2):
        ctx.check.close(f"Y({l}) = X Wᵀ + b equals Z({l})ᵀ", Z[l], cache.z[l].T, tol=1e-15, how="row form is the transpose")
        ctx.check.close(f"dW({l}) = dYᵀ X equals the column ∂J/∂W({l})", dW[l], g.dW[l], tol=1e-13,
                        how="same storage (out × in), same matrix")
        ctx.check.close(f"db({l}) = dY summed over rows equals Δ({l}) 1", db[l], g.db[l][:, 0], tol=1e-13)
        rows.append([f"$\\partial J/\\partial W^{{({l})}}$", f"`dY.T @ X`, {shape(dW[l])}",
                     "equal to $\\Delta A^\\top$, same shape"])
        rows.append([f"$\\partial J/\\partial b^{{({l})}}$", f"`dY.sum(0)`, ({dW[l].shape[0]},)",
                     "equal to $\\Delta \\mathbf 1$, flattened"])
    dA0 = net.W[1].T @ g.delta[1]
    ctx.check.close("dX = dY W equals (W(1)ᵀ Δ(1))ᵀ", dX, dA0.T, tol=1e-13, how="row form is the transpose")
    rows.append(["$\\partial J/\\partial X$", f"`dY @ W`, {shape(dX)}", "the transpose of $W^{(1)\\top}\\Delta^{(1)}$"])
    ctx.check.chain("dY(2)ᵀ X", [dY2.T.shape, X2.shape], net.W[2].shape)
    ctx.check.chain("dY(2) W(2)", [dY2.shape, net.W[2].shape], X2.shape)
    # Independent of the column code: finite differences on the row-form loss itself.
    def J_rows(Wl, l):
        def J(value):
            saved = net.W[l]
            net.W[l] = value
            try:
                A = X.T
                for k in (1, 2):
                    A = net.g[k](linear_forward(A, net.W[k], net.b[k][:, 0])[0])
                return 0.5 * float(np.sum((A - Y.T) ** 2))
            finally:
                net.W[l] = saved
        return J
    for l in (1, 2):
        numeric = numerical_gradient(J_rows(net.W[l], l), net.W[l].copy())
        ctx.check.gradient(f"row-form dW({l}) vs finite differences of the row-form loss", dW[l], numeric)
    T = "ᵀ"
    svg = grid(
        _diagram([(f"dY{T}", dY2.T.shape), ("X", X2.shape)], ("∂J/∂W", net.W[2].shape), "minibatches-pt-dw",
                 "PyTorch dW = dYᵀ X (out × m · m × in), layer 2"),
        _diagram([("dY", dY2.shape), ("W", net.W[2].shape)], ("∂J/∂X", X2.shape), "minibatches-pt-dx",
                 "PyTorch dX = dY W (m × out · out × in), layer 2"),
    )
    table = md_table(["gradient", "PyTorch rows", "relation to the column form (checked)"], rows, align="lll")
    return svg + "\n\n" + table


@artifact("rows-cs231n")
def rows_cs231n(ctx):
    net, X, Y = example()
    cache = forward(net, X)
    g = backward(net, cache, Y)
    dW, db, dX, Z = rows_backprop(net, X, Y, affine_forward, affine_backward, cs231n_W(net))
    dY2 = g.delta[2].T
    X2 = cache.a[1].T
    Wcs2 = net.W[2].T
    rows = []
    for l in (1, 2):
        ctx.check.close(f"Y({l}) = X W + b equals Z({l})ᵀ", Z[l], cache.z[l].T, tol=1e-15)
        ctx.check.close(f"dW({l}) = Xᵀ dY equals (∂J/∂W({l}))ᵀ", dW[l], g.dW[l].T, tol=1e-13,
                        how="W is stored transposed, so is its gradient")
        ctx.check.close(f"db({l}) equals Δ({l}) 1", db[l], g.db[l][:, 0], tol=1e-13)
        rows.append([f"$\\partial J/\\partial W^{{({l})}}$", f"`X.T @ dY`, {shape(dW[l])}", "the transpose of $\\Delta A^\\top$"])
    ctx.check.close("dX = dY Wᵀ equals (W(1)ᵀ Δ(1))ᵀ", dX, (net.W[1].T @ g.delta[1]).T, tol=1e-13)
    rows.append(["$\\partial J/\\partial X$", f"`dY @ W.T`, {shape(dX)}", "the transpose of $W^{(1)\\top}\\Delta^{(1)}$"])
    ctx.check.chain("X(2)ᵀ dY(2)", [X2.T.shape, dY2.shape], Wcs2.shape)
    ctx.check.chain("dY(2) W(2)ᵀ (CS231n W)", [dY2.shape, Wcs2.T.shape], X2.shape)

    def J_cs(l):
        Ws = {k: net.W[k].T.copy() for k in (1, 2)}

        def J(value):
            A = X.T
            for k in (1, 2):
                A = net.g[k](affine_forward(A, value if k == l else Ws[k], net.b[k][:, 0])[0])
            return 0.5 * float(np.sum((A - Y.T) ** 2))
        return J, Ws[l]
    for l in (1, 2):
        J, W0 = J_cs(l)
        ctx.check.gradient(f"CS231n dW({l}) vs finite differences of the row-form loss", dW[l], numerical_gradient(J, W0))
    T = "ᵀ"
    svg = grid(
        _diagram([(f"X{T}", X2.T.shape), ("dY", dY2.shape)], ("∂J/∂W", Wcs2.shape), "minibatches-cs-dw",
                 "CS231n dW = Xᵀ dY (in × m · m × out), layer 2"),
        _diagram([("dY", dY2.shape), (f"W{T}", Wcs2.T.shape)], ("∂J/∂X", X2.shape), "minibatches-cs-dx",
                 "CS231n dX = dY Wᵀ (m × out · out × in), layer 2"),
    )
    table = md_table(["gradient", "CS231n rows", "relation to the column form (checked)"], rows, align="lll")
    return svg + "\n\n" + table


# ---------------------------------------------------------------------------
# The bias must be a column


@artifact("bias-shape")
def bias_shape(ctx):
    net, X, Y = example()
    W2, b2 = net.W[2], net.b[2]
    WA = W2 @ forward(net, X).a[1]  # 2 × 4
    ctx.check.raises(f"a 1-D bias of shape ({SIZES[2]},) against W A ({SIZES[2]}×{M}) is refused",
                     lambda: WA + b2[:, 0])
    # A square case (d_1 = m = 5) is worse: NumPy adds b_j to *column* j without complaint.
    rng = np.random.default_rng(SEED + 1)
    X5 = rng.standard_normal((SIZES[0], SIZES[1]))
    WA5 = net.W[1] @ X5  # 5 × 5
    right = WA5 + net.b[1]  # (5, 1) column: b_j added to row j
    wrong = WA5 + net.b[1][:, 0]  # (5,) broadcasts as a row: b_j added to column j
    ctx.check.differ("with m = d a 1-D bias silently adds b_j to column j", wrong, right, min_rel=1e-2,
                     how="no error is raised, and the numbers are wrong")
    ctx.check.close("the (d, 1) bias gives W a_i + b for every column i", right,
                    np.column_stack([net.W[1] @ X5[:, i] + net.b[1][:, 0] for i in range(SIZES[1])]), tol=1e-14)
    product2 = f"$W^{{(2)}}A^{{(1)}}$ is {shape(WA)}"
    rows = [
        [f"column, ({SIZES[2]}, 1)", product2, f"added to every column ({shape(WA + b2)})", "right"],
        [f"1-D, ({SIZES[2]},)", product2, "ValueError: shapes do not broadcast", "caught"],
        [f"1-D, ({SIZES[1]},)", f"a batch of {SIZES[1]}: $W^{{(1)}}X$ is {shape(WA5)}", "$b_j$ added to column $j$",
         "silently wrong"],
    ]
    return md_table(["bias stored as", "product", "what NumPy does", "verdict"], rows, align="llll")


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    sizes, m = [784, 128, 10], 32
    rng = np.random.default_rng(SEED + 2)
    net = init_network(sizes, ["sigmoid", "softmax"], loss="softmax_cross_entropy", seed=SEED + 2)
    X = rng.standard_normal((sizes[0], m))
    Y = np.eye(sizes[2])[:, rng.integers(0, sizes[2], m)]  # one-hot columns
    cache = forward(net, X)
    g = backward(net, cache, Y, reduction="mean")
    ones = np.ones((m, 1))
    # Layer 1 in both row conventions, fed the same dY = Δ(1)ᵀ.
    Xr, dY1, dY2 = X.T, g.delta[1].T, g.delta[2].T
    _, pt1 = linear_forward(Xr, net.W[1], net.b[1][:, 0])
    _, dW_pt, db_pt = linear_backward(dY1, pt1)
    Y_cs, cs1 = affine_forward(Xr, net.W[1].T, net.b[1][:, 0])
    _, dW_cs, db_cs = affine_backward(dY1, cs1)
    dW2_pt = linear_backward(dY2, (cache.a[1].T, net.W[2]))[1]
    dW2_cs = affine_backward(dY2, (cache.a[1].T, net.W[2].T))[1]
    ctx.check.close("PyTorch ∂J/∂W(1) equals the column ∂J/∂W(1)", dW_pt, g.dW[1], tol=1e-12)
    ctx.check.close("CS231n ∂J/∂W(1) equals its transpose", dW_cs, g.dW[1].T, tol=1e-12)
    ctx.check.close("∂J/∂b(1) is the same in all three", np.stack([db_pt, db_cs]), np.stack([g.db[1][:, 0]] * 2), tol=1e-12)
    for l in (1, 2):
        ctx.check.shape(f"∂J/∂W({l}) has the shape of W({l})", g.dW[l], net.W[l].shape)
    ctx.check.shape("∂J/∂W(1) (CS231n) has the shape of its stored W", dW_cs, net.W[1].T.shape)

    def s(a) -> str:  # a 1-D array prints as NumPy writes its shape
        return f"({a.shape[0]},)" if a.ndim == 1 else shape(a)

    def prod(A, B) -> str:
        return f"({shape(A)})({shape(B)}) → {shape(A @ B)}"

    rows = [
        ["input batch", f"$X$: {s(X)}", f"`X`: {s(Xr)}", f"`X`: {s(Xr)}"],
        ["layer-1 weights", f"$W^{{(1)}}$: {s(net.W[1])}", f"`weight`: {s(net.W[1])}", f"`W1`: {s(net.W[1].T)}"],
        ["layer-1 bias", f"$b^{{(1)}}$: {s(net.b[1])}", f"`bias`: {s(net.b[1][:, 0])}", f"`b1`: {s(net.b[1][:, 0])}"],
        ["pre-activations", f"$Z^{{(1)}}$: {s(cache.z[1])}", f"`Y`: {s(cache.z[1].T)}", f"`Y`: {s(Y_cs)}"],
        ["their gradient", f"$\\Delta^{{(1)}}$: {s(g.delta[1])}", f"`dY`: {s(dY1)}", f"`dY`: {s(dY1)}"],
        ["weight gradient", f"$\\Delta^{{(1)}}A^{{(0)\\top}}$: {prod(g.delta[1], X.T)}", f"`dY.T @ X`: {prod(dY1.T, Xr)}",
         f"`X.T @ dY`: {prod(Xr.T, dY1)}"],
        ["bias gradient", f"$\\Delta^{{(1)}}\\mathbf 1$: {prod(g.delta[1], ones)}", f"`dY.sum(0)`: {s(db_pt)}",
         f"`dY.sum(0)`: {s(db_cs)}"],
        ["layer-2 weight gradient", f"$\\Delta^{{(2)}}A^{{(1)\\top}}$: {prod(g.delta[2], cache.a[1].T)}",
         f"`dY.T @ X`: {s(dW2_pt)}", f"`X.T @ dY`: {s(dW2_cs)}"],
    ]
    body = md_table(["", "columns (this book)", "rows (PyTorch)", "rows (CS231n)"], rows, align="llll")
    body += (f"\n\nThe batch size {m} is the inner dimension of every weight-gradient product, so it never appears "
             "in a parameter gradient's shape: each gradient has the shape of its parameter, whatever \\(m\\) is.")
    return solution(body)


EX2_DELTA = np.array([[1.0, -2.0], [2.0, 3.0]])  # d_l × m = 2 × 2
EX2_A = np.array([[1.0, 1.0], [2.0, 3.0], [-1.0, 4.0]])  # d_{l-1} × m = 3 × 2


@artifact("ex2")
def ex2(ctx):
    Delta, A = EX2_DELTA, EX2_A
    m = A.shape[1]
    ctx.value("ex2_Delta", tex_matrix(Delta, 0))
    ctx.value("ex2_A", tex_matrix(A, 0))
    outers = [Delta[:, [i]] @ A[:, [i]].T for i in range(m)]
    dW = Delta @ A.T  # (B3) for the batch
    db = Delta @ np.ones((m, 1))  # (B4) for the batch
    ctx.check.close("Δ Aᵀ = Σ_i δ_i a_iᵀ", dW, sum(outers), tol=1e-15, how="the matrix product equals the sum of outer products")
    ctx.check.chain("Δ Aᵀ", [Delta.shape, A.T.shape], (2, 3))
    # An independent check: J(W, b) = Σ Δ ⊙ (W A + b 1ᵀ) has ∂J/∂Z = Δ, so its gradients are Δ Aᵀ and Δ 1.
    rng = np.random.default_rng(SEED + 3)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    ctx.check.gradient("Δ Aᵀ vs finite differences of J = Σ Δ ⊙ Z", dW,
                       numerical_gradient(lambda w: float(np.sum(Delta * (w @ A + b))), W.copy()))
    ctx.check.gradient("Δ 1 vs finite differences of J = Σ Δ ⊙ Z", db,
                       numerical_gradient(lambda c: float(np.sum(Delta * (W @ A + c))), b.copy()))
    t = lambda M_: tex_matrix(M_, 0)  # noqa: E731
    body = display(
        r"\frac{\partial J}{\partial W} = \Delta A^\top = \underbrace{\delta_1 a_1^\top}_{\text{example 1}} + "
        r"\underbrace{\delta_2 a_2^\top}_{\text{example 2}} = " + t(outers[0]) + " + " + t(outers[1]) + " = " + t(dW)
    )
    body += "\n\n" + display(r"\frac{\partial J}{\partial b} = \Delta \mathbf 1 = " + t(db))
    body += (f"\n\nWith the mean, \\(J = \\frac1m\\sum_i L_i\\) and \\(m = {m}\\), both are halved: "
             f"\\(\\partial J/\\partial W = {tex_matrix(dW / m, 1)}\\) and "
             f"\\(\\partial J/\\partial b = {tex_matrix(db / m, 1)}\\).")
    return solution(body)


EX3_DY = np.array([[0.5, -1.0], [1.5, 0.0], [-0.5, 2.0], [1.0, 1.0]])  # m × out = 4 × 2


@artifact("ex3")
def ex3(ctx):
    dY = EX3_DY
    m, n_out = dY.shape
    ctx.value("ex3_dY", tex_matrix(dY, 1))
    db = dY.sum(axis=0)  # (B4) in rows: one entry per output, summed over the m examples
    wrong = dY.sum(axis=1)
    ctx.check.that("dY.sum(axis=1) has the wrong shape", wrong.shape == (m,) and wrong.shape != (n_out,),
                   f"summing along the outputs gives shape ({m},), one number per example, not ({n_out},)")
    rng = np.random.default_rng(SEED + 4)
    X, W, b = rng.standard_normal((m, 3)), rng.standard_normal((n_out, 3)), rng.standard_normal(n_out)
    numeric = numerical_gradient(lambda c: float(np.sum(dY * linear_forward(X, W, c)[0])), b.copy())
    ctx.check.gradient("db = Σ over rows of dY vs finite differences", db, numeric)
    ctx.check.close("linear_backward's db is the row sum", linear_backward(dY, (X, W))[2], db, tol=1e-15)
    body = (
        "Bias \\(b_j\\) is added to \\(Y_{ij}\\) for **every** example \\(i\\), so \\(\\partial Y_{ij}/\\partial b_j = 1\\) "
        "for all \\(i\\) and the chain rule adds up the \\(m\\) contributions:\n\n"
        + display(r"\frac{\partial J}{\partial b_j} = \sum_{i=1}^{m} \frac{\partial J}{\partial Y_{ij}}\,"
                  r"\frac{\partial Y_{ij}}{\partial b_j} = \sum_{i=1}^{m} (dY)_{ij}, \qquad \frac{\partial J}{\partial b} = "
                  + tex_matrix(db[None, :], 1) + ".")
        + f"\n\nThat is a sum down each column of `dY` (over the rows, `axis=0`). Summing along a row "
        f"(`axis=1`) would add different outputs of one example and give {m} numbers, one per example, "
        f"instead of {n_out}, one per bias. In column form the same sum is \\(\\Delta\\mathbf 1\\): "
        "the bias is shared by the whole batch, exactly as the weights are."
    )
    return solution(body)


@artifact("ex4")
def ex4(ctx):
    net, X, Y = example()
    X2, Y2 = np.hstack([X, X]), np.hstack([Y, Y])
    out = []
    for red in ("sum", "mean"):
        g1, g2 = gradients(net, X, Y, red), gradients(net, X2, Y2, red)
        ratio = g2.dW[2] / g1.dW[2]
        expected = 2.0 if red == "sum" else 1.0
        ctx.check.close(f"{red}: doubling the batch multiplies ∂J/∂W(2) by {expected:g}", ratio,
                        np.full_like(ratio, expected), tol=1e-12)
        out.append([red, num(g1.dW[2][0, 0]), num(g2.dW[2][0, 0]), num(ratio[0, 0], 2)])
    table = md_table(["$J$", f"$(\\partial J/\\partial W^{{(2)}})_{{11}}$, batch of {M}",
                      f"same, every example twice ({2 * M})", "ratio"], out, align="lrrr")
    body = (table + "\n\nWith the sum every example adds its own outer product \\(\\delta_i a_i^\\top\\), so twice the "
            "examples give twice the gradient. With the mean the sum doubles and so does \\(m\\): the gradient does "
            "not change. The mean keeps the gradient's size independent of how many examples are in the batch, "
            "which is one reason it is the usual choice.")
    return solution(body)
