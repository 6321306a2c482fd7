"""Artifacts for docs/notation.md: symbols, shapes and labels, checked on real arrays."""

# Book numbering: a^(0) = x, W^(1) is 3x2, W^(2) is 2x3. The 2-3-2 network's arrays are published
# once, by net232/running; this generator checks that each has the shape the page's symbol table
# states, and publishes only what no other chapter does (batch shapes, the legend, the exercises).

from __future__ import annotations

import numpy as np

from backprop import backward, forward, init_network, loss_value, numerical_gradient, question_layer, worked_example
from backprop.gradcheck import loss_of_param, loss_of_z, numerical_jacobian
from book.artifacts import artifact
from book.markup import figure
from book.shapes import MAX_CELLS, chain_svg, layers_svg
from book.tables import shape

M_BATCH, BATCH_SEED = 4, 20240611
EX1_SIZES, EX1_M = [4, 5, 3], 8


def batch(net):  # the 2-3-2 network on a seeded batch of M_BATCH columns
    rng = np.random.default_rng(BATCH_SEED)
    X = rng.uniform(-1.0, 1.0, size=(net.sizes[0], M_BATCH))
    Y = rng.uniform(0.0, 1.0, size=(net.sizes[-1], M_BATCH))
    cache = forward(net, X)
    return X, Y, cache, backward(net, cache, Y)


@artifact("layers")
def layers(ctx):
    net, *_ = worked_example()
    d = net.sizes
    for l in (1, 2):  # (F1): W(l) a(l-1) is d_l × 1
        ctx.check.chain(f"(F1) W({l}) a({l - 1})", [net.W[l].shape, (d[l - 1], 1)], (d[l], 1))
    svg = layers_svg(d, direction="forward", salt="notation-layers", grid=True, title="2-3-2, forward",
                     desc=" → ".join(f"a({l}) {d[l]}×1" for l in range(3)))
    return figure(svg, " → ".join(f"{k}×1" for k in d))


@artifact("symbols")
def symbols(ctx):
    net, x, y, cache, grads = worked_example()
    X, Y, bc, bg = batch(net)
    d, m, W = net.sizes, M_BATCH, net.W
    rules = [("x", x, (d[0], 1)), ("y", y, (d[2], 1)), ("X", X, (d[0], m)), ("Y", Y, (d[2], m))]
    for l in (1, 2):
        rules += [(f"W({l})", W[l], (d[l], d[l - 1])), (f"b({l})", net.b[l], (d[l], 1)),
                  (f"z({l})", cache.z[l], (d[l], 1)), (f"a({l})", cache.a[l], (d[l], 1)),
                  (f"g′(z({l}))", net.g[l].prime(cache.z[l]), (d[l], 1)), (f"δ({l})", grads.delta[l], (d[l], 1)),
                  (f"∂J/∂b({l})", grads.db[l], (d[l], 1)), (f"Z({l})", bc.z[l], (d[l], m)),
                  (f"A({l})", bc.a[l], (d[l], m)), (f"Δ({l})", bg.delta[l], (d[l], m))]
        ctx.check.weight_gradient(f"∂J/∂W({l})", grads.dW[l], W[l], "denominator")
        ctx.value(f"Z{l}", bc.z[l].shape)
    for name, arr, want in rules:
        ctx.check.shape(f"{name} is {'×'.join(map(str, want))}", arr, want)
    jac = numerical_jacobian(lambda v: W[2] @ v + net.b[2], cache.a[1])  # ∂z(2)/∂a(1), numerator layout
    ctx.check.close("∂z(2)/∂a(1) = W(2)", jac, W[2], tol=1e-8)
    for k in range(m):
        one = backward(net, forward(net, X[:, [k]]), Y[:, [k]])
        ctx.check.close(f"Δ(1) column {k + 1} = its δ(1)", bg.delta[1][:, [k]], one.delta[1], tol=1e-12)
    ctx.check.close("Δ(1) 1 = ∂J/∂b(1)", bg.delta[1] @ np.ones((m, 1)), bg.db[1], tol=1e-12)
    ctx.value("widths", ", ".join(map(str, d)))
    ctx.value("L", net.L)
    ctx.value("m", m)
    ctx.value("X", X.shape)
    ctx.value("Y", Y.shape)
    ctx.value("ones", (m, 1))
    ctx.value("jac", jac.shape)
    ctx.value("diag", (d[1], d[1]))
    return ""


@artifact("numbering")
def numbering(ctx):
    net, *_ = worked_example()
    for l in range(net.L + 1):  # the question's superscript is the book's plus one
        ctx.check.that(f"book {l} = question {l + 1}", question_layer(l) == l + 1,
                       f"{question_layer(l)}")
    return ""


@artifact("equations")
def equations(ctx):
    # (F1)-(B4) on the 2-3-2 network, each against an independent computation
    net, x, y, cache, grads = worked_example()
    W, b, z, a, delta = net.W, net.b, cache.z, cache.a, grads.delta
    for l in (1, 2):
        sums = [[sum(W[l][i, j] * a[l - 1][j, 0] for j in range(W[l].shape[1])) + b[l][i, 0]] for i in range(W[l].shape[0])]
        ctx.check.close(f"(F1) z({l}) = sums over j", z[l], np.array(sums), tol=1e-14)
        ctx.check.close(f"(F2) a({l}) = σ(z({l}))", a[l], 1 / (1 + np.exp(-z[l])), tol=1e-14)
    ctx.check.close("(B1) δ(2) = (a(2) − y) ⊙ σ′(z(2))", delta[2], (a[2] - y) * a[2] * (1 - a[2]), tol=1e-14)
    for l in (2, 1):  # (B1), (B2): δ is ∂J/∂z
        ctx.check.gradient(f"δ({l}) = ∂J/∂z({l})", delta[l], numerical_gradient(loss_of_z(net, y, l), z[l].copy()))
    ctx.check.chain("(B2) W(2)ᵀ δ(2)", [W[2].T.shape, delta[2].shape], z[1].shape)
    for l in (1, 2):
        ctx.check.gradient(f"(B3) ∂J/∂W({l}) = δ({l}) a({l - 1})ᵀ", grads.dW[l],
                           numerical_gradient(loss_of_param(net, x, y, "W", l), W[l].copy()))
        ctx.check.gradient(f"(B4) ∂J/∂b({l}) = δ({l})", grads.db[l], numerical_gradient(loss_of_param(net, x, y, "b", l), b[l].copy()))
    ctx.value("W2T", W[2].T.shape)
    ctx.value("a0T", a[0].T.shape)
    return ""


@artifact("legend")
def legend(ctx):
    net, x, y, cache, grads = worked_example()
    W2, d2 = net.W[2], grads.delta[2]
    ctx.check.chain("W(2)ᵀ δ(2)", [W2.T.shape, d2.shape], (net.sizes[1], 1))
    ctx.check.raises("W(2) δ(2) fails", lambda: W2 @ d2, ValueError)
    ctx.value("max_cells", MAX_CELLS)
    good = chain_svg([("W⁽²⁾ᵀ", W2.T.shape), ("δ⁽²⁾", d2.shape)], ("W⁽²⁾ᵀδ⁽²⁾", (W2.T @ d2).shape),
                     salt="notation-legend-good", grid=True, title="W(2)ᵀ δ(2)", desc="3×2 · 2×1 → 3×1",
                     layout_note="factors · product")
    bad = chain_svg([("W⁽²⁾", W2.shape), ("δ⁽²⁾", d2.shape)], salt="notation-legend-bad", grid=True,
                    title="W(2) δ(2)", desc="2×3 · 2×1: 3 ≠ 2")
    return (figure(good, f"{shape(W2.T)} · {shape(d2)} → {shape(W2.T @ d2)}") + "\n\n"
            + figure(bad, f"{shape(W2)} · {shape(d2)}"))


@artifact("j-vs-l")
def j_vs_l(ctx):
    net, *_ = worked_example()
    X, Y, cache, grads = batch(net)
    m = X.shape[1]
    losses = np.array([loss_value(net, X[:, [k]], Y[:, [k]]) for k in range(m)])
    J_sum, J_mean = loss_value(net, X, Y, "sum"), loss_value(net, X, Y, "mean")
    ctx.check.close("J (sum) = Σₖ Lₖ", J_sum, losses.sum(), tol=1e-14)
    ctx.check.close("J (mean) = J (sum) / m", J_mean, J_sum / m, tol=1e-14)
    mean = backward(net, cache, Y, "mean")
    ctx.check.gradient("∂J/∂W(1), mean", mean.dW[1], numerical_gradient(loss_of_param(net, X, Y, "W", 1, "mean"), net.W[1].copy()))
    ctx.value("losses", losses[None, :], digits=6)
    ctx.value("J_sum", J_sum, digits=6)
    ctx.value("J_mean", J_mean, digits=6)
    return ""


# ---------------------------------------------------------------------------
# Exercises: the page poses them and writes the solutions; these compute and check the answers.


@artifact("ex1")
def ex1(ctx):
    net = init_network(EX1_SIZES, "tanh", seed=7)
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((EX1_SIZES[0], EX1_M)), rng.standard_normal((EX1_SIZES[-1], EX1_M))
    cache = forward(net, X)
    grads = backward(net, cache, Y)
    d, m = net.sizes, EX1_M
    items = {"W1": (net.W[1], (d[1], d[0])), "W2": (net.W[2], (d[2], d[1])), "b2": (net.b[2], (d[2], 1)),
             "Z1": (cache.z[1], (d[1], m)), "dW2": (grads.dW[2], (d[2], d[1])), "Delta2": (grads.delta[2], (d[2], m)),
             "db1": (grads.db[1], (d[1], 1))}
    for name, (arr, want) in items.items():
        ctx.check.shape(name, arr, want)
        if name in ("W1", "W2", "b2", "Z1"):  # the other three are the answers below
            ctx.value(f"ex1_{name}", arr.shape)
    ctx.check.gradient("∂J/∂W(2) of the batch", grads.dW[2], numerical_gradient(loss_of_param(net, X, Y, "W", 2), net.W[2].copy()))
    ctx.check.chain("Δ(2) A(1)ᵀ", [grads.delta[2].shape, cache.a[1].T.shape], net.W[2].shape)
    ctx.value("ex1_sizes", "-".join(map(str, d)))
    ctx.value("ex1_m", m)
    ctx.answer("ex1_dw2", grads.dW[2].shape, mistakes={"transpose": grads.dW[2].shape[::-1]})
    ctx.answer("ex1_delta2", grads.delta[2].shape, mistakes={"transpose": grads.delta[2].shape[::-1]})
    ctx.answer("ex1_db1", grads.db[1].shape, mistakes={"per-example": grads.delta[1].shape})
    return ""


@artifact("ex3")
def ex3(ctx):
    net, *_ = worked_example()
    X, Y, cache, grads = batch(net)
    m = X.shape[1]
    mean = backward(net, cache, Y, "mean")
    ctx.check.shape("∂J/∂b(2) is b(2)'s shape", mean.db[2], net.b[2].shape)
    ctx.check.gradient("∂J/∂b(2), mean", mean.db[2], numerical_gradient(loss_of_param(net, X, Y, "b", 2, "mean"), net.b[2].copy()))
    ctx.check.close("(mean) ∂J/∂b(2) = (1/m) Δ(2) 1", mean.db[2], grads.delta[2] @ np.ones((m, 1)) / m, tol=1e-14)
    ctx.value("ex3_delta2", grads.delta[2])
    ctx.answer("ex3_db2", mean.db[2], mistakes={"mean-vs-sum": grads.db[2], "twice-mean": mean.db[2] / m})
    return ""
