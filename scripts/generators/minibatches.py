"""docs/minibatches.md: backprop for a batch, in columns and in rows.

A 3-5-2 network (tanh, sigmoid, squared error), m = 4: every dimension differs.
"""

from __future__ import annotations

import numpy as np

from backprop.gradcheck import check_network_gradients, numerical_gradient
from backprop.network import forward, gradients, init_network
from backprop.rows import linear_backward, linear_forward, rows_gradients, rows_loss, stored_weights
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg
from book.tables import md_table, num, tex_bound

SIZES, ACTS, M, SEED = [3, 5, 2], ["tanh", "sigmoid"], 4, 558
EXACT = 1e-13  # two exact computations of the same numbers


def batch(sizes=SIZES, acts=ACTS, m=M, seed=SEED, loss="squared_error"):
    # A seeded network with non-zero biases, a batch X (d_0 × m) and 0/1 or one-hot targets Y (d_L × m).
    rng = np.random.default_rng(seed)
    net = init_network(sizes, acts, loss=loss, seed=seed)
    for l in range(1, net.L + 1):
        net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
    X = rng.standard_normal((sizes[0], m))
    Y = rng.integers(0, 2, (sizes[-1], m)).astype(float) if loss != "softmax_cross_entropy" else \
        np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    return net, X, Y


def diagram(factors, result, salt):
    # A chain of named shapes as a figure; the caption is the data label "2×4 · 4×5 → 2×5".
    dims = " · ".join("×".join(map(str, s)) for _, s in factors) + " → " + "×".join(map(str, result[1]))
    svg = chain_svg(factors, result, salt=salt, grid=True, title=f"Shapes: {result[0]}", desc=dims)
    return figure(svg, dims)


def grid(*figures: str) -> str:
    return '<div class="grid bp-grid">\n' + "\n".join(figures) + "\n</div>"


@artifact("columns")
def columns(ctx):
    # The answer: ∂J/∂W = Δ Aᵀ, ∂J/∂b = Δ 1, ∂J/∂A = Wᵀ Δ for layer 2, as shape diagrams.
    net, X, Y = batch()
    cache, g = forward(net, X), gradients(net, X, Y)
    D2, A1, W2, one = g.delta[2], cache.a[1], net.W[2], np.ones((M, 1))
    fd = check_network_gradients(net, X, Y, reduction="mean")
    ctx.check.close("∂J/∂W(2) = Δ(2) A(1)ᵀ", g.dW[2], D2 @ A1.T, tol=EXACT)
    ctx.check.close("∂J/∂b(2) = Δ(2) 1", g.db[2], D2 @ one, tol=EXACT)
    ctx.check.close("(B2, batch): Δ(1) = (W(2)ᵀ Δ(2)) ⊙ g′(Z(1))", g.delta[1], (W2.T @ D2) * net.g[1].prime(cache.z[1]), tol=EXACT)
    for l in (1, 2):
        ctx.check.gradient(f"∂J/∂W({l}) (mean) vs FD", *fd[f"W[{l}]"][:2])
    return grid(
        diagram([("Δ⁽²⁾", D2.shape), ("A⁽¹⁾ᵀ", A1.T.shape)], ("∂J/∂W⁽²⁾", W2.shape), "mb-col-dw"),
        diagram([("Δ⁽²⁾", D2.shape), ("1", one.shape)], ("∂J/∂b⁽²⁾", net.b[2].shape), "mb-col-db"),
        diagram([("W⁽²⁾ᵀ", W2.T.shape), ("Δ⁽²⁾", D2.shape)], ("∂J/∂A⁽¹⁾", A1.shape), "mb-col-da"))


@artifact("setup")
def setup(ctx):
    # The batch and (F1, batch) three ways: broadcasting, the explicit b 1ᵀ, one column at a time.
    net, X, Y = batch()
    cache, ones = forward(net, X), np.ones((1, M))
    for l in (1, 2):
        A_prev = cache.a[l - 1]
        ctx.check.close(f"Z({l}) = W({l}) A({l - 1}) + b({l}) 1ᵀ", cache.z[l], net.W[l] @ A_prev + net.b[l] @ ones, tol=EXACT,
                        how="broadcasting the bias equals adding b 1ᵀ")
        by_column = np.column_stack([net.W[l] @ A_prev[:, i] + net.b[l][:, 0] for i in range(M)])
        ctx.check.close(f"column i of Z({l}) is W({l}) a({l - 1})ᵢ + b({l})", cache.z[l], by_column, tol=EXACT)
        for name, arr in ((f"W{l}", net.W[l]), (f"b{l}", net.b[l]), (f"Z{l}", cache.z[l])):
            ctx.value(name, arr, digits=2)
    ctx.check.chain("b(1) 1ᵀ", [net.b[1].shape, ones.shape], (SIZES[1], M))
    ctx.value("b1ones", net.b[1] @ ones, digits=2)
    ctx.value("X", X, digits=2)
    ctx.value("Y", Y, digits=0)
    ctx.value("m", M)
    ctx.value("sizes", "-".join(map(str, SIZES)))
    return ""


@artifact("reduction")
def reduction(ctx):
    # Sum against mean: every gradient of the sum is m times that of the mean, wherever 1/m is put.
    net, X, Y = batch()
    A = forward(net, X).a
    g_sum, g_mean = gradients(net, X, Y, "sum"), gradients(net, X, Y, "mean")
    rows = []
    for name, pick in (("\\Delta^{(2)}_{11}", lambda g: g.delta[2][0, 0]), ("\\Delta^{(1)}_{11}", lambda g: g.delta[1][0, 0]),
                       ("(\\partial J/\\partial W^{(2)})_{11}", lambda g: g.dW[2][0, 0]),
                       ("(\\partial J/\\partial b^{(1)})_{1}", lambda g: g.db[1][0, 0])):
        rows.append([f"${name}$", num(pick(g_sum)), num(pick(g_mean))])
    for l in (1, 2):
        for part in ("delta", "dW", "db"):
            ctx.check.close(f"{part}({l}): sum = m · mean", getattr(g_sum, part)[l], M * getattr(g_mean, part)[l], tol=EXACT)
        # The other placement: Δ unscaled, 1/m at the end on (B3, batch) and (B4, batch).
        ctx.check.close(f"(1/m) Δ({l}) A({l - 1})ᵀ = ∂J_mean/∂W({l})", g_sum.delta[l] @ A[l - 1].T / M, g_mean.dW[l], tol=EXACT,
                        how="1/m at the end: the same")
        ctx.check.close(f"(1/m) Δ({l}) 1 = ∂J_mean/∂b({l})", g_sum.delta[l].sum(axis=1, keepdims=True) / M, g_mean.db[l], tol=EXACT)
    return md_table(["quantity", "sum", "mean"], rows, align="lrr")


def per_example(net, X, Y, reduction):
    # Σ (or the mean) over examples of each example's own gradient, one column at a time.
    each = [gradients(net, X[:, [i]], Y[:, [i]]) for i in range(X.shape[1])]
    scale = 1 / X.shape[1] if reduction == "mean" else 1.0
    return {f"{p}[{l}]": scale * sum(getattr(g, "d" + p)[l] for g in each) for l in (1, 2) for p in ("W", "b")}


@artifact("per-example")
def per_example_table(ctx):
    # The batch formulas against a loop over single examples and against finite differences, sum and mean.
    net, X, Y = batch()
    rows = {}
    for red in ("sum", "mean"):
        loop, fd = per_example(net, X, Y, red), check_network_gradients(net, X, Y, reduction=red)
        for key, (analytic, numeric, _) in fd.items():
            e_loop = ctx.check.close(f"{key}, {red}: batch = per-example loop", analytic, loop[key], tol=EXACT)
            e_fd = ctx.check.gradient(f"{key}, {red}: batch vs FD", analytic, numeric)
            worst = rows.get(key, [f"$\\partial J/\\partial {key[0]}^{{({key[2]})}}$", 0.0, 0.0])
            rows[key] = [worst[0], max(worst[1], e_loop), max(worst[2], e_fd)]
    return md_table(["gradient", "vs loop", "vs FD"], [[r[0], f"${tex_bound(r[1])}$", f"${tex_bound(r[2])}$"] for r in rows.values()],
                    align="lrr")


def rows_artifact(ctx, storage):
    # The whole network in rows (backprop.rows) against the column form and finite differences.
    net, X, Y = batch()
    cols, r = gradients(net, X, Y, "mean"), rows_gradients(net, X.T, Y.T, storage, "mean")
    W = stored_weights(net, storage)
    flip = (lambda a: a) if storage == "pytorch" else (lambda a: a.T)
    for l in (1, 2):
        ctx.check.close(f"Z({l}) in rows = Z({l})ᵀ", r.Z[l], forward(net, X).z[l].T, tol=EXACT)
        ctx.check.close(f"rows: dW({l}) = ∂J/∂W({l}){'ᵀ' * (storage == 'cs231n')}", r.dW[l],
                        flip(cols.dW[l]), tol=EXACT)
        ctx.check.close(f"db({l}) = dY summed over rows = Δ({l}) 1", r.db[l], cols.db[l][:, 0], tol=EXACT)
        numeric = numerical_gradient(lambda _: rows_loss(net, X.T, Y.T, storage, "mean", W=W), W[l])
        ctx.check.gradient(f"dW({l}) vs FD of the row-form loss", r.dW[l], numeric)
        ctx.check.weight_gradient(f"dW({l}) has the stored W's shape", r.dW[l], W[l], "denominator")
    ctx.check.close("dX = (W(1)ᵀ Δ(1))ᵀ", r.dX, (net.W[1].T @ cols.delta[1]).T, tol=EXACT)
    dY, A1 = cols.delta[2].T, forward(net, X).a[1].T  # layer 2 in rows: input m × in, upstream m × out
    first = [("dYᵀ", dY.T.shape), ("X", A1.shape)] if storage == "pytorch" else [("Xᵀ", A1.T.shape), ("dY", dY.shape)]
    second = [("dY", dY.shape), ("W" if storage == "pytorch" else "Wᵀ", W[2].shape if storage == "pytorch" else W[2].T.shape)]
    ctx.check.chain(f"{storage} dW (layer 2)", [s for _, s in first], W[2].shape)
    ctx.check.chain(f"{storage} dX (layer 2)", [s for _, s in second], A1.shape)
    return grid(diagram(first, ("∂J/∂W", W[2].shape), f"mb-{storage}-dw"),
                diagram(second, ("∂J/∂X", A1.shape), f"mb-{storage}-dx"))


for _storage in ("pytorch", "cs231n"):
    artifact(f"rows-{_storage}")(lambda ctx, s=_storage: rows_artifact(ctx, s))


@artifact("bias-shape")
def bias_shape(ctx):
    # A (d, 1) bias is right; a flat (d,) bias fails loudly, or silently when m = d or m = 1.
    net, X, Y = batch()
    d, W1, b1 = SIZES[1], net.W[1], net.b[1]
    WA = net.W[2] @ forward(net, X).a[1]  # d_2 × m = 2 × 4
    ctx.check.raises("flat b + W A with m ≠ d: refused", lambda: WA + net.b[2][:, 0])
    X_sq = np.random.default_rng(SEED + 1).standard_normal((SIZES[0], d))  # m = d: a square batch
    right, wrong = W1 @ X_sq + b1, W1 @ X_sq + b1[:, 0]
    ctx.check.close("(d, 1) bias: W xᵢ + b in column i", right,
                    np.column_stack([W1 @ X_sq[:, i] + b1[:, 0] for i in range(d)]), tol=EXACT)
    ctx.check.differ("m = d: flat b adds b_j to column j", wrong, right, min_rel=1e-2)
    x1 = X[:, [0]]  # m = 1: one example as a (d_0, 1) column
    one_right, one_wrong = W1 @ x1 + b1, W1 @ x1 + b1[:, 0]
    ctx.check.shape("m = 1: (d, 1) bias gives d×1", one_right, (d, 1))
    ctx.check.shape("m = 1: flat b gives d×d", one_wrong, (d, d))
    ctx.check.close("m = 1: entry i, j = (W x)ᵢ + b_j", one_wrong, (W1 @ x1) + b1.T, tol=EXACT)
    for name, arr in (("bias_WA", WA), ("bias_square", right), ("bias_one", one_right), ("bias_one_wrong", one_wrong)):
        ctx.value(name, arr.shape)
    ctx.value("d1", d)
    return ""


@artifact("ex1")
def ex1(ctx):
    # Shapes of a 784-128-10 network on a batch of 32, in columns and in both row storages.
    sizes, m = [784, 128, 10], 32
    net, X, Y = batch(sizes, ["sigmoid", "softmax"], m, SEED + 2, "softmax_cross_entropy")
    cache, g = forward(net, X), gradients(net, X, Y, "mean")
    pt, cs = rows_gradients(net, X.T, Y.T, "pytorch", "mean"), rows_gradients(net, X.T, Y.T, "cs231n", "mean")
    tol = 1e-9  # sums of 32 terms in another order: entries near 0 differ in their last digits
    ctx.check.close("PyTorch dW(1) = ∂J/∂W(1)", pt.dW[1], g.dW[1], tol=tol)
    ctx.check.close("CS231n dW(1) = ∂J/∂W(1)ᵀ", cs.dW[1], g.dW[1].T, tol=tol)
    ctx.check.close("∂J/∂b(1) is the same in all three", np.stack([pt.db[1], cs.db[1]]), np.stack([g.db[1][:, 0]] * 2), tol=tol)
    for l in (1, 2):
        ctx.check.weight_gradient(f"∂J/∂W({l}) has the shape of W({l})", g.dW[l], net.W[l], "denominator")
    shapes = {"X": X, "W1": net.W[1], "b1": net.b[1], "Z1": cache.z[1], "Delta1": g.delta[1], "dW2": g.dW[2],
              "rows_X": X.T, "cs_W1": stored_weights(net, "cs231n")[1]}
    for name, arr in shapes.items():
        ctx.value(f"ex1_{name}", tuple(arr.shape))
    ctx.value("ex1_flat_b1", f"({pt.db[1].shape[0]},)")  # a 1-D NumPy array, as NumPy prints its shape
    ctx.value("ex1_m", m)
    ctx.answer("ex1_dW1", g.dW[1].shape, mistakes={"transpose": g.dW[1].T.shape, "batch-in-shape": g.delta[1].shape})
    ctx.answer("ex1_cs_dW1", cs.dW[1].shape, mistakes={"transpose": g.dW[1].shape})
    ctx.answer("ex1_dY1", g.delta[1].T.shape, mistakes={"transpose": g.delta[1].shape})
    return ""


EX2_DELTA = np.array([[1.0, -2.0], [2.0, 3.0]])  # d_l × m = 2 × 2
EX2_A = np.array([[1.0, 1.0], [2.0, 3.0], [-1.0, 4.0]])  # d_(l-1) × m = 3 × 2


@artifact("ex2")
def ex2(ctx):
    # Δ Aᵀ as a sum of one outer product per example; the mean divides once by m.
    Delta, A = EX2_DELTA, EX2_A
    m = A.shape[1]
    dW, db = Delta @ A.T, Delta @ np.ones((m, 1))  # (B3, batch), (B4, batch) for the sum
    outers = [Delta[:, [i]] @ A[:, [i]].T for i in range(m)]
    rng = np.random.default_rng(SEED + 3)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))  # the layer: 3 inputs, 2 outputs
    ctx.check.weight_gradient("Δ Aᵀ has W's shape", dW, W, "denominator")
    ctx.check.close("Δ Aᵀ = Σᵢ δᵢ aᵢᵀ", dW, sum(outers), tol=EXACT)
    # J = Σ Δ ⊙ (W A + b 1ᵀ) has ∂J/∂Z = Δ, so its gradients must be Δ Aᵀ and Δ 1.
    ctx.check.gradient("Δ Aᵀ vs FD", dW, numerical_gradient(lambda w: float(np.sum(Delta * (w @ A + b))), W))
    ctx.check.gradient("Δ 1 vs FD", db, numerical_gradient(lambda c: float(np.sum(Delta * (W @ A + c))), b))
    ctx.value("ex2_Delta", Delta, digits=0)
    ctx.value("ex2_A", A, digits=0)
    ctx.value("ex2_outer1", outers[0], digits=0)
    ctx.value("ex2_outer2", outers[1], digits=0)
    ctx.answer("ex2_dW", dW, digits=0, mistakes={"transpose": dW.T, "sign": -dW})
    ctx.answer("ex2_dW_mean", dW / m, digits=2, mistakes={"mean-vs-sum": dW, "twice-mean": dW / m**2, "transpose": dW.T / m})
    ctx.answer("ex2_db_mean", db / m, digits=2, mistakes={"mean-vs-sum": db, "twice-mean": db / m**2,
                                                           "wrong-axis": Delta.T @ np.ones((2, 1)) / m})
    return ""


EX3_DY = np.array([[0.5, -1.0], [1.5, 0.0], [-0.5, 2.0], [1.0, 1.0]])  # m × d_out = 4 × 2, one example per row


@artifact("ex3")
def ex3(ctx):
    # The bias gradient in rows is dY summed over the rows (axis 0).
    dY = EX3_DY
    db = dY.sum(axis=0)  # (B4) in rows
    rng = np.random.default_rng(SEED + 4)
    X, W, b = rng.standard_normal((dY.shape[0], 3)), rng.standard_normal((dY.shape[1], 3)), rng.standard_normal(dY.shape[1])
    numeric = numerical_gradient(lambda c: float(np.sum(dY * linear_forward(X, W, c)[0])), b)
    ctx.check.gradient("db = dY summed over rows, vs FD", db, numeric)
    ctx.check.close("linear_backward's db is the row sum", linear_backward(dY, (X, W))[2], db, tol=EXACT)
    ctx.value("ex3_dY", dY, digits=1)
    ctx.value("ex3_m", dY.shape[0])
    ctx.answer("ex3_db", db, digits=1, mistakes={"wrong-axis": dY.sum(axis=1), "sum-vs-mean": db / dY.shape[0]})
    return ""


@artifact("ex4")
def ex4(ctx):
    # Every example twice: the sum's gradient doubles, the mean's does not change.
    net, X, Y = batch()
    for red, factor in (("sum", 2.0), ("mean", 1.0)):
        ratio = gradients(net, np.hstack([X, X]), np.hstack([Y, Y]), red).dW[2] / gradients(net, X, Y, red).dW[2]
        ctx.check.close(f"{red}: doubling the batch multiplies ∂J/∂W(2) by {factor:g}", ratio, np.full_like(ratio, factor), tol=1e-12)
        other = {"sum": "sum-vs-mean", "mean": "mean-vs-sum"}[red]
        ctx.answer(f"ex4_{red}", float(ratio[0, 0]), digits=0, mistakes={other: 3.0 - factor})
    return ""
