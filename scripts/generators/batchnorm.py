"""docs/batchnorm.md."""  # batch normalisation backward: compact, step by step, columns and rows

from __future__ import annotations

import numpy as np

from backprop import autodiff as ad
from backprop import layers
from backprop.batchnorm import (
    EPS,
    batchnorm_backward,
    batchnorm_backward_rows,
    batchnorm_forward,
    batchnorm_forward_rows,
    simple_steps,
)
from backprop.gradcheck import numerical_gradient
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg
from book.tables import tex_bound
from generators._tape import reading_order, tape_svg

D, M, SEED = 3, 4, 2015  # features, examples
EXACT = 1e-12


def example(d=D, m=M, seed=SEED):
    # Features on different scales, γ and β, and an upstream gradient dY = ∂J/∂Y; J = Σ dY ⊙ Y has exactly that gradient.
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 3, (d, 1)) * rng.standard_normal((d, m)) + rng.uniform(-2, 2, (d, 1))
    gamma, beta = rng.uniform(0.5, 2, (d, 1)), rng.standard_normal((d, 1))
    return X, gamma, beta, rng.standard_normal((d, m))


def J_of(X, gamma, beta, dY):
    return lambda _: float(np.sum(dY * batchnorm_forward(X, gamma, beta)[0]))  # reads the perturbed array


def diagram(factors, result, salt):
    dims = " · ".join("×".join(map(str, s)) for _, s in factors) + " → " + "×".join(map(str, result[1]))
    return figure(chain_svg(factors, result, salt=salt, grid=True, title=f"Shapes: {result[0]}", desc=dims), dims)


@artifact("answer")
def answer(ctx):
    # (BN1)-(BN3) against finite differences, the diag form of the page against the code, every factor's shape drawn.
    X, gamma, beta, dY = example()
    Y, cache = batchnorm_forward(X, gamma, beta)
    dX, dgamma, dbeta = batchnorm_backward(dY, cache)
    X_hat, _, s = cache
    for name, got, arr in (("β", dbeta, beta), ("γ", dgamma, gamma), ("X", dX, X)):
        ctx.check.gradient(f"∂J/∂{name} (BN{'321'['Xγβ'.index(name)]}) vs FD", got, numerical_gradient(J_of(X, gamma, beta, dY), arr))
        ctx.check.shape(f"∂J/∂{name} has the shape of {name}", got, arr.shape)
    d, m = X.shape
    ones = np.ones((m, 1))
    bracket = dY - dbeta @ ones.T / m - np.diag(dgamma[:, 0]) @ X_hat / m
    ctx.check.close("(BN3) as diag(γ ⊙ s) [dY − dβ 1ᵀ/m − diag(dγ) X̂/m]", np.diag((gamma * s)[:, 0]) @ bracket, dX, tol=EXACT)
    ctx.check.close("(BN1) as dY 1", dY @ ones, dbeta, tol=EXACT)
    ctx.check.close("(BN2) as (dY ⊙ X̂) 1", (dY * X_hat) @ ones, dgamma, tol=EXACT)
    chains = [([("dY", (d, m)), ("1", (m, 1))], ("∂J/∂β", (d, 1)), "bn-dbeta"),
              ([("dY ⊙ X̂", (d, m)), ("1", (m, 1))], ("∂J/∂γ", (d, 1)), "bn-dgamma"),
              ([("∂J/∂β", (d, 1)), ("1ᵀ", (1, m))], ("∂J/∂β 1ᵀ", (d, m)), "bn-spread"),
              ([("diag(∂J/∂γ)", (d, d)), ("X̂", (d, m))], ("diag(∂J/∂γ) X̂", (d, m)), "bn-project"),
              ([("diag(γ ⊙ s)", (d, d)), ("[ … ]", (d, m))], ("∂J/∂X", (d, m)), "bn-dx")]
    for factors, result, _ in chains:
        ctx.check.chain(result[0], [f[1] for f in factors], result[1])
    for name, v in (("X", X), ("gamma", gamma), ("beta", beta), ("dY", dY), ("Y", Y), ("X_hat", X_hat), ("s", s),
                    ("dX", dX), ("dgamma", dgamma), ("dbeta", dbeta), ("mu", X.mean(axis=1, keepdims=True))):
        ctx.value(name, v, digits=3 if v.shape[1] == m else 4)  # d×m matrices: 3 decimals fit a phone
    ctx.value("d", d)
    ctx.value("m", m)
    ctx.value("eps", tex_bound(EPS))
    shown = [chains[0], chains[3]]  # (BN1) and the projection: one row; the others repeat their shapes
    return '<div class="grid bp-grid">\n' + "\n".join(diagram(*c) for c in shown) + "\n</div>"


@artifact("forward")
def forward_checks(ctx):
    # What the forward pass promises: each feature of X̂ has mean 0 and variance σ²/(σ² + ε) over the batch.
    X, gamma, beta, _ = example()
    Y, (X_hat, _, s) = batchnorm_forward(X, gamma, beta)
    var = X.var(axis=1, keepdims=True)  # NumPy's own variance, divided by m
    ctx.check.close("s = 1/√(σ² + ε)", s, 1 / np.sqrt(var + EPS), tol=EXACT)
    ctx.check.that("X̂ rows: mean 0", np.abs(X_hat.mean(axis=1)).max() < 1e-15,
                   f"largest |mean| {np.abs(X_hat.mean(axis=1)).max():.1e}")
    ctx.check.close("X̂ rows: variance σ²/(σ² + ε)", X_hat.var(axis=1, keepdims=True), var / (var + EPS), tol=EXACT)
    ctx.check.close("Y = diag(γ) X̂ + β 1ᵀ", np.diag(gamma[:, 0]) @ X_hat + beta @ np.ones((1, X.shape[1])), Y, tol=EXACT)
    ctx.value("var", var)
    return ""


def steps_graph():
    X, gamma, beta, dY = example()
    Xv, gv, bv = ad.Var(X, name="X"), ad.Var(gamma, name="γ"), ad.Var(beta, name="β")
    Y, nodes = simple_steps(Xv, gv, bv)
    order = ad.backward(Y, seed=dY)  # the upstream gradient of Y is dY
    return X, gamma, beta, dY, Xv, gv, bv, nodes, order


@artifact("steps")
def steps(ctx):
    # The graph of simple steps, differentiated by backprop.autodiff; each step of the page's derivation checked at its node.
    X, gamma, beta, dY, Xv, gv, bv, n, order = steps_graph()
    m = X.shape[1]
    g = {k: v.grad for k, v in n.items()}
    Xc, s, var = n["Xc"].value, n["s"].value, n["var"].value
    ctx.check.close("∂J/∂X̂ = diag(γ) dY", g["X_hat"], gamma * dY, tol=EXACT)
    ctx.check.close("∂J/∂s = (∂J/∂X̂ ⊙ Xc) 1", g["s"], (g["X_hat"] * Xc).sum(axis=1, keepdims=True), tol=EXACT)
    ctx.check.close("∂J/∂σ² = −½ s³ ⊙ ∂J/∂s", g["var"], -0.5 * s**3 * g["s"], tol=EXACT)
    ctx.check.close("∂J/∂Xc = diag(s) ∂J/∂X̂ + (2/m) diag(∂J/∂σ²) Xc", g["Xc"], g["X_hat"] * s + 2 / m * Xc * g["var"], tol=EXACT)
    ctx.check.close("∂J/∂μ = −∂J/∂Xc 1", g["mu"], -g["Xc"].sum(axis=1, keepdims=True), tol=EXACT)
    ctx.check.close("∂J/∂X = ∂J/∂Xc + (1/m)(∂J/∂μ)1ᵀ", Xv.grad, g["Xc"] + g["mu"] / m, tol=EXACT)
    ctx.check.that("Xc 1 = 0: each centred feature sums to zero", np.abs(Xc.sum(axis=1)).max() < 1e-13 * np.abs(X).max(),
                   f"largest |Xc 1| {np.abs(Xc.sum(axis=1)).max():.1e}")
    ctx.check.close("∂J/∂μ = −γ ⊙ s ⊙ ∂J/∂β (Xc 1 = 0)", g["mu"], -gamma * s * dY.sum(axis=1, keepdims=True), tol=1e-10)
    X_hat, dgamma_ = n["X_hat"].value, (dY * n["X_hat"].value).sum(axis=1, keepdims=True)
    ctx.check.close("∂J/∂s = γ ⊙ ∂J/∂γ / s", g["s"], gamma * dgamma_ / s, tol=1e-10)
    ctx.check.close("∂J/∂σ² = −½ s² ⊙ γ ⊙ ∂J/∂γ", g["var"], -0.5 * s**2 * gamma * dgamma_, tol=1e-10)
    ctx.check.close("Xc's second share = −(1/m) diag(γ ⊙ s ⊙ ∂J/∂γ) X̂", 2 / m * Xc * g["var"], -gamma * s * dgamma_ * X_hat / m, tol=1e-10)
    dX, dgamma, dbeta = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])
    for name, got, want in (("β", bv.grad, dbeta), ("γ", gv.grad, dgamma), ("X", Xv.grad, dX)):
        ctx.check.close(f"∂J/∂{name}: graph of simple steps = compact formula", got, want, tol=1e-10)
    ctx.check.close("s = (σ² + ε)^(−1/2) in the graph", s, 1 / np.sqrt(var + EPS), tol=EXACT)
    shown = [v for v in reading_order(order) if v.op != "const"]
    label = {id(Xv): "X", id(gv): "γ", id(bv): "β", id(n["mu"]): "μ = X1/m", id(n["Xc"]): "Xc = X − μ1ᵀ",
             id(n["var"]): "σ² = (Xc ⊙ Xc)1/m", id(n["s"]): "s = 1/√(σ² + ε)", id(n["X_hat"]): "X̂ = diag(s) Xc",
             id(n["Y"]): "Y = diag(γ) X̂ + β1ᵀ"}
    defaults = {"mul": "Xc ⊙ Xc", "add": "σ² + ε"}  # the two steps without a name of their own
    gamma_X_hat = n["Y"].parents[0][0]
    label[id(gamma_X_hat)] = "diag(γ) X̂"
    rows = [(label.get(id(v), defaults.get(v.op, v.op)), "×".join(map(str, v.shape)), "×".join(map(str, v.grad.shape)))
            for v in shown]
    bad = [r for r in rows if r[1] != r[2]]
    ctx.check.that("each ∂J/∂node has the node's shape", not bad, f"{len(rows)} nodes" if not bad else str(bad))
    edges = {(shown.index(p), shown.index(v)) for v in shown for p, _, _ in v.parents if p in shown}
    svg = tape_svg(rows, edges,
                   leaves={i for i, v in enumerate(shown) if not v.parents}, salt="batchnorm-steps",
                   title="Batch normalisation as a graph of simple steps",
                   desc="One node per row, arcs from inputs to uses; X and Xc each feed two nodes.")
    return figure(svg, f"d = {X.shape[0]}, m = {m}: {len(rows)} nodes")


@artifact("rows")
def rows(ctx):
    # The row form (PyTorch, CS231n): every result is the transpose of the column form; FD of the row-form loss.
    X, gamma, beta, dY = example()
    Yc, cache = batchnorm_forward(X, gamma, beta)
    dXc, dgc, dbc = batchnorm_backward(dY, cache)
    Xr, g, b, dYr = X.T.copy(), gamma[:, 0].copy(), beta[:, 0].copy(), dY.T
    Yr, cache_r = batchnorm_forward_rows(Xr, g, b)
    dX, dgamma, dbeta = batchnorm_backward_rows(dYr, cache_r)
    ctx.check.close("rows: Y = (columns Y)ᵀ", Yr, Yc.T, tol=EXACT)
    ctx.check.close("rows: dX = (columns ∂J/∂X)ᵀ", dX, dXc.T, tol=EXACT)
    ctx.check.close("rows: dγ, dβ = the columns' (flat)", np.stack([dgamma, dbeta]), np.stack([dgc[:, 0], dbc[:, 0]]), tol=EXACT)

    def J(_):
        return float(np.sum(dYr * batchnorm_forward_rows(Xr, g, b)[0]))
    for name, got, arr in (("X", dX, Xr), ("γ", dgamma, g), ("β", dbeta, b)):
        ctx.check.gradient(f"rows: ∂J/∂{name} vs FD of the row-form loss", got, numerical_gradient(J, arr))
    m, d = Xr.shape
    chains = [([("1ᵀ", (1, m)), ("dY", (m, d))], ("(∂J/∂β)ᵀ", (1, d)), "bn-rows-dbeta"),
              ([("[ … ]", (m, d)), ("diag(γ ⊙ s)", (d, d))], ("∂J/∂X", (m, d)), "bn-rows-dx")]
    for factors, result, _ in chains:
        ctx.check.chain("rows: " + result[0], [f[1] for f in factors], result[1])
    ctx.value("rows_dX", dX)
    return '<div class="grid bp-grid">\n' + "\n".join(diagram(*c) for c in chains) + "\n</div>"


@artifact("network")
def network(ctx):
    # Batch norm as one more layer pair: linear, BN, tanh, linear, sigmoid, squared error; FD on every parameter.
    rng = np.random.default_rng(SEED + 1)
    sizes, m = [2, D, 1], 6
    W1, b1, W2, b2 = (rng.standard_normal(s) for s in ((sizes[1], sizes[0]), (sizes[1], 1), (sizes[2], sizes[1]), (sizes[2], 1)))
    gamma, beta = rng.uniform(0.5, 2, (sizes[1], 1)), rng.standard_normal((sizes[1], 1))
    X, Y = rng.standard_normal((sizes[0], m)), rng.uniform(0.1, 0.9, (sizes[2], m))
    params = {"W1": W1, "b1": b1, "γ": gamma, "β": beta, "W2": W2, "b2": b2}

    def run(P):
        z1, c1 = layers.linear_forward(X, P["W1"], P["b1"])  # (F1)
        u, cb = batchnorm_forward(z1, P["γ"], P["β"])
        a1, ca = layers.activation_forward(u, "tanh")  # (F2)
        z2, c2 = layers.linear_forward(a1, P["W2"], P["b2"])
        a2, cs = layers.activation_forward(z2, "sigmoid")
        J, cl = layers.loss_forward(a2, Y, "squared_error", "mean")
        return J, (c1, cb, ca, c2, cs, cl)

    J, (c1, cb, ca, c2, cs, cl) = run(params)
    da1, dW2, db2 = layers.linear_backward(layers.activation_backward(layers.loss_backward(cl), cs), c2)
    dz1, dgamma, dbeta = batchnorm_backward(layers.activation_backward(da1, ca), cb)
    _, dW1, db1 = layers.linear_backward(dz1, c1)
    grads = {"W1": dW1, "γ": dgamma, "β": dbeta, "W2": dW2, "b2": db2}
    for name, got in grads.items():
        ctx.check.gradient(f"∂J/∂{name} through the layers vs FD", got, numerical_gradient(lambda _: run(params)[0], params[name]))
    ctx.check.that("∂J/∂b(1) = 0: batch norm removes the bias before it", np.abs(db1).max() < 1e-12 * np.abs(dW1).max(),
                   f"{np.abs(db1).max():.0e} against {np.abs(dW1).max():.0e}")
    ctx.check.that("J does not move when b(1) moves", abs(run({**params, "b1": b1 + 1.0})[0] - J) < 1e-9 * J, "b(1) + 1 leaves J unchanged")
    ctx.value("net_sizes", "-".join(map(str, sizes)))
    ctx.value("net_m", m)
    return ""


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    # Shapes with d = 64 features and a batch of m = 32, from real arrays in both storages.
    d, m = 64, 32
    X, gamma, beta, dY = example(d, m, SEED + 2)
    dX, dgamma, _ = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])
    dXr, dgr, _ = batchnorm_backward_rows(dY.T, batchnorm_forward_rows(X.T, gamma[:, 0], beta[:, 0])[1])
    ctx.check.shape("columns: ∂J/∂γ has γ's shape", dgamma, gamma.shape)
    ctx.check.shape("rows: dX has X's shape (m × d)", dXr, (m, d))
    ctx.check.shape("rows: dγ is flat, like γ", dgr, (d,))
    ctx.value("ex1_d", d)
    ctx.value("ex1_m", m)
    ctx.answer("ex1_dgamma", dgamma.shape, mistakes={"per-example-gamma": dX.shape, "transpose": dgamma.T.shape})
    ctx.answer("ex1_rows_dX", dXr.shape, mistakes={"transpose": dX.shape})
    return ""


EX2_X, EX2_DY, EX2_GAMMA = np.array([[0.0, 0.0, 3.0, 3.0]]), np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[2.0]])


@artifact("ex2")
def ex2(ctx):
    # One feature, four examples, ε = 0 so the numbers stay short; β = 0 does not enter the backward.
    x, gamma, beta = EX2_X.copy(), EX2_GAMMA.copy(), np.zeros((1, 1))
    Y, cache = batchnorm_forward(x, gamma, beta, eps=0.0)
    dX, dgamma, dbeta = batchnorm_backward(EX2_DY, cache)
    X_hat, _, s = cache

    def J(_):
        return float(np.sum(EX2_DY * batchnorm_forward(x, gamma, beta, eps=0.0)[0]))  # reads the perturbed array
    ctx.check.gradient("∂J/∂x vs FD", dX, numerical_gradient(J, x))
    ctx.check.gradient("∂J/∂γ vs FD", dgamma, numerical_gradient(J, gamma))
    ctx.check.gradient("∂J/∂β vs FD", dbeta, numerical_gradient(J, beta))
    m = EX2_X.shape[1]
    ctx.check.that("∂J/∂x sums to 0, ⟂ x̂ (ε = 0)", abs(dX.sum()) < 1e-12 and abs((dX * X_hat).sum()) < 1e-12, "< 1e-12")
    for name, v in (("ex2_x", EX2_X), ("ex2_dY", EX2_DY), ("ex2_gamma", EX2_GAMMA), ("ex2_xhat", X_hat)):
        ctx.value(name, v, digits=0)
    ctx.value("ex2_mu", float(EX2_X.mean()), digits=1)
    ctx.value("ex2_sigma", float(1 / s[0, 0]), digits=1)
    ctx.value("ex2_gs", float(EX2_GAMMA[0, 0] * s[0, 0]), digits=4)
    ctx.value("ex2_bracket", EX2_DY - dbeta / m - X_hat * dgamma / m, digits=1)
    ctx.value("ex2_m", m)
    ctx.answer("ex2_dbeta", float(dbeta[0, 0]), digits=1, mistakes={"sum-vs-mean": float(dbeta[0, 0]) / m})
    ctx.answer("ex2_dgamma", float(dgamma[0, 0]), digits=0, mistakes={"x-not-xhat": float((EX2_DY * EX2_X).sum())})
    ctx.answer("ex2_dx", dX, digits=4, mistakes={"constant-stats": EX2_GAMMA * s * EX2_DY})
    return ""


@artifact("ex3")
def ex3(ctx):
    # A bias right before batch norm gets gradient 0: ∂J/∂b = (∂J/∂Z) 1, and each feature of ∂J/∂X sums to 0.
    X, gamma, beta, dY = example()
    dX, _, _ = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])
    row_sums = dX.sum(axis=1, keepdims=True)
    ctx.check.that("each feature of ∂J/∂X sums to 0 over the batch", np.abs(row_sums).max() < 1e-14 * np.abs(dX).max() * X.shape[1],
                   f"largest |row sum| {np.abs(row_sums).max():.1e}")
    _, (X_hat, _, s) = batchnorm_forward(X, gamma, beta)
    naive = gamma * s * dY.sum(axis=1, keepdims=True)  # μ and σ² held constant
    ctx.check.differ("holding μ and σ² constant gives another ∂J/∂b", naive, np.zeros_like(naive), min_rel=0.5)
    ctx.answer("ex3_db", row_sums, digits=2, mistakes={"constant-stats": naive})
    ctx.value("ex3_naive", naive, digits=2)
    return ""
