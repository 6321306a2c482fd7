# Values and a figure for docs/errata.md: each erratum's corrected formula checked, the printed one refuted.
# The question's numbering: a(1) = x, W(2) = code W[1], W(3) = code W[2]. The tables are in the page.

from __future__ import annotations

from functools import cache

import numpy as np

from backprop import Factor, Network, ShapeError, backward, forward, multiply, worked_example
from backprop import numerical_gradient as fd
from backprop.activations import activation
from backprop.gradcheck import loss_of_param, numerical_jacobian
from backprop.losses import loss
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg
from book.tables import shape, tex_bound

sigma = activation("sigmoid")
mse = loss("squared_error")

# The step-by-step blog example (mattmazur.com, 2015) as printed in the post and its author's script:
# inputs, targets, weights w1..w8 row by row, biases, learning rate, and the numbers it prints.
BLOG = dict(x=[[0.05], [0.10]], y=[[0.01], [0.99]], W1=[[0.15, 0.20], [0.25, 0.30]], b1=0.35,
            W2=[[0.40, 0.45], [0.50, 0.55]], b2=0.60, rate=0.5, steps=10000,
            initial=0.298371109, after_one=0.291027924, after_many=0.000035085, outputs=(0.015912196, 0.984065734),
            hidden=("0.149780716", "0.19956143", "0.24975114", "0.29950229"))  # w1+ .. w4+, digits as printed
D2L = (1.5, 0.7, -0.4)  # x, u, v of Exercise 3's 1×1 case


def F(name: str, value) -> Factor:
    return Factor(name, name, np.asarray(value, dtype=float))


def fd_W(net, x, y, l: int):
    return fd(loss_of_param(net, x, y, "W", l), net.W[l].copy())


def fd_z(g: str, J: str, z, y):
    return fd(lambda v: loss(J).value(activation(g)(v), y), z.copy())


def square_layer():
    # One sigmoid layer, 3 inputs, 3 outputs, squared error; W stored [output][input].
    rng = np.random.default_rng(5)
    W, x, y = rng.standard_normal((3, 3)) / np.sqrt(3), rng.standard_normal((3, 1)), rng.uniform(0.1, 0.9, (3, 1))
    net = Network(W=[None, W], b=[None, np.zeros((3, 1))], activations=[None, "sigmoid"], loss="squared_error")
    return net, x, y, backward(net, forward(net, x), y).delta[1], fd_W(net, x, y, 1)


@artifact("question")
def question(ctx):
    net, x, y, cache, grads = worked_example()
    numeric, d3, W3 = fd_W(net, x, y, 1), grads.delta[2], net.W[2]
    D = np.diag(sigma.prime(cache.z[1])[:, 0])
    right = D @ W3.T @ d3 @ x.T
    ctx.value("q_right", tex_bound(ctx.check.gradient("corrected chain = ∂L/∂W(2)", right, numeric)))
    ctx.check.shape("… W(2)'s shape", right, net.W[1].shape)
    ctx.value("q_twice", ctx.check.differ("∂a(2)/∂z(2) twice", D @ D @ W3.T @ d3 @ x.T, numeric, min_rel=0.1), digits=3)
    ctx.check.raises("δ(3) · W(3)", lambda: multiply([F("δ(3)", d3), F("W(3)", W3)]), ShapeError)
    ctx.value("q_diag", tex_bound(ctx.check.gradient("∂a(2)/∂z(2) = diag σ′", D, numerical_jacobian(sigma, cache.z[1]))))
    ctx.value("q_ones", ctx.check.differ("(1,1,1), sigmoid layer", W3.T @ d3 @ x.T, numeric, min_rel=0.5), digits=3)
    return ""


@artifact("answer1")
def answer1(ctx):
    net, x, y, cache, grads = worked_example()
    d3, a2 = grads.delta[2], cache.a[1]
    ctx.check.shape("δ(3) a(2)_2 is a column", d3 * a2[1, 0], (2, 1))
    ctx.value("a1_err", tex_bound(ctx.check.gradient("δ(3) a(2)ᵀ = ∂L/∂W(3)", d3 @ a2.T, fd_W(net, x, y, 2))))
    row = multiply([F("δ(3)ᵀ", d3.T), F("W(3)", net.W[2]), F("diag σ′", np.diag(sigma.prime(cache.z[1])[:, 0]))])
    ctx.check.close("numerator row = denominator columnᵀ", row, grads.delta[1].T, tol=1e-12)
    return ""


@artifact("dz-dwij")
def dz_dwij(ctx):
    # The first answer's chain for one weight W(2)_ij: ∂z(2)/∂W_ij (1×3) · diag σ′ · W(3)ᵀ · δ(3), six times.
    net, x, y, cache, grads = worked_example()
    D, W3, d3 = np.diag(sigma.prime(cache.z[1])[:, 0]), net.W[2], grads.delta[2]
    scalars = {layout: np.zeros((3, 2)) for layout in ("denominator", "numerator")}
    by_formula, by_fd = [], []
    for i in range(3):
        for j in range(2):
            row = x[j, 0] * np.eye(3)[[i]]  # a(1)_j in slot i, zeros elsewhere
            w = net.W[1][i:i + 1, j:j + 1]  # a view: fd perturbs W(2)_ij in place
            by_fd.append(np.hstack([fd(lambda _, k=k: float(forward(net, x).z[1][k, 0]), w) for k in range(3)]))
            by_formula.append(row)
            den = [F("∂z/∂Wij", row), F("diag σ′", D), F("W(3)ᵀ", W3.T), F("δ(3)", d3)]
            num = [F("δ(3)ᵀ", d3.T), F("W(3)", W3), F("diag σ′", D), F("∂z/∂Wij", row.T)]
            for layout, factors in (("denominator", den), ("numerator", num)):
                scalars[layout][i, j] = multiply(factors).item()
    ctx.check.gradient("∂z(2)/∂W_ij = a_j e_iᵀ", np.vstack(by_formula), np.vstack(by_fd))
    for layout, factors in (("denominator", den), ("numerator", num)):
        ctx.check.chain(f"{layout}, one weight", [f.shape for f in factors], (1, 1))
        ctx.check.gradient(f"{layout}: six chains = ∂L/∂W(2)", scalars[layout], fd_W(net, x, y, 1))
    ctx.check.close("… = δ(2) a(1)ᵀ (B3)", scalars["denominator"], grads.dW[1], tol=1e-12)
    ctx.value("dz_example", by_formula[2])  # (i, j) = (2, 1)
    ctx.value("six_scalars", scalars["denominator"])
    shapes = [(f.name.replace("(3)", "⁽³⁾"), f.shape) for f in den]
    svg = chain_svg(shapes, ("∂L/∂Wᵢⱼ", (1, 1)), salt="errata-dzdwij", grid=True, title="Chain for one weight",
                    desc=" · ".join(f"{r}×{c}" for _, (r, c) in shapes) + " → 1×1")
    return figure(svg, " · ".join(f"{r}×{c}" for _, (r, c) in shapes) + " → 1×1")


@artifact("answer2")
def answer2(ctx):
    net, x, y, cache, grads = worked_example()
    z, numeric = cache.z[2], fd_z("identity", "squared_error", cache.z[2], y)
    ctx.value("a2_zy", tex_bound(ctx.check.gradient("linear output: ∇_z J = z − y", z - y, numeric)))
    ctx.value("a2_z", ctx.check.differ("∇_z J = z", z, numeric, min_rel=0.5), digits=3)
    b_fd = fd(loss_of_param(net, x, y, "b", 1), net.b[1].copy())
    ctx.value("a2_b", tex_bound(ctx.check.gradient("∇_b J = ∇_z J, hidden layer", grads.db[1], b_fd)))
    hidden = fd_W(net, x, y, 1)
    ctx.value("a2_l", tex_bound(ctx.check.gradient("∇_W(l) J, l hidden", grads.delta[1] @ x.T, hidden)))
    ctx.check.that("∂J/∂W(L) has another shape", grads.dW[2].shape != hidden.shape, f"{shape(grads.dW[2])} ≠ {shape(hidden)}")
    ctx.check.close("z(2) = W(2) a(1) + b(2)", cache.z[1], net.W[1] @ x + net.b[1], tol=1e-15)
    ctx.check.that("b(2) ≠ 0", bool(np.any(net.b[1] != 0)), "Σ alone ≠ z(2)")
    return ""


@artifact("output-delta")
def output_delta(ctx):
    net, x, y, cache, grads = worked_example()
    z = cache.z[2]
    pairs = {"identity": ("squared_error", "z"), "sigmoid": ("squared_error", "a ⊙ (1 − a)"),
             "bce": ("binary_cross_entropy", "a"), "softmax": ("softmax_cross_entropy", "a")}
    for key, (J, rule) in pairs.items():
        g = "sigmoid" if key == "bce" else key
        a, numeric = activation(g)(z), fd_z(g, J, z, y)
        right = {"z": z - y, "a": a - y, "a ⊙ (1 − a)": (a - y) * a * (1 - a)}[rule]
        ctx.check.gradient(f"{g} + {J}: ∇_z J", right, numeric)
        ctx.value(f"od_{key}", numeric)
        for name, candidate in (("zy", z - y), ("ay", a - y)):
            if np.array_equal(candidate, right):
                ctx.value(f"od_{key}_{name}", tex_bound(ctx.check.gradient(f"{key}: = {name}", candidate, numeric)))
            else:
                ctx.value(f"od_{key}_{name}", ctx.check.differ(f"{key}: ≠ {name}", candidate, numeric, min_rel=0.05), digits=3)
    return ""


@cache
def blog_run(steps: int, from_updated: bool):
    # Online gradient descent on the blog's network (weights only, biases fixed, as in the post).
    x, y, W1, W2 = (np.array(BLOG[k]) for k in ("x", "y", "W1", "W2"))
    for _ in range(steps):
        a1 = sigma(W1 @ x + BLOG["b1"])  # (F1), (F2)
        a2 = sigma(W2 @ a1 + BLOG["b2"])
        delta2 = (a2 - y) * a2 * (1 - a2)  # (B1)
        W2_new = W2 - BLOG["rate"] * delta2 @ a1.T  # (B3), then the update
        delta1 = ((W2_new if from_updated else W2).T @ delta2) * a1 * (1 - a1)  # (B2): the post says the original W2
        W1, W2 = W1 - BLOG["rate"] * delta1 @ x.T, W2_new
    a2 = sigma(W2 @ sigma(W1 @ x + BLOG["b1"]) + BLOG["b2"])
    return mse.value(a2, y), a2, W1


@artifact("wild")
def wild(ctx):
    rng = np.random.default_rng(507207)  # d2l: d/dV ‖X − UV‖²
    X, U, V = rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), rng.standard_normal((2, 3))
    numeric = fd(lambda v: float(np.sum((X - U @ v) ** 2)), V.copy())
    ctx.value("d2l_minus", tex_bound(ctx.check.gradient("−2Uᵀ(X − UV)", -2 * U.T @ (X - U @ V), numeric)))
    ctx.value("d2l_plus", ctx.check.differ("+2Uᵀ(X − UV)", 2 * U.T @ (X - U @ V), numeric, min_rel=1.0), digits=3)
    net, x, y, cache, grads = worked_example()  # nn-from-scratch: softmax + cross-entropy
    p, numeric = activation("softmax")(cache.z[2]), fd_z("softmax", "softmax_cross_entropy", cache.z[2], y)
    ctx.value("denny_right", tex_bound(ctx.check.gradient("softmax + CE: ŷ − y", p - y, numeric)))
    ctx.value("denny_wrong", ctx.check.differ("y − ŷ", y - p, numeric, min_rel=1.0), digits=3)
    ctx.check.raises("dz(2) · a(1): 3×1 · 2×1", lambda: multiply([F("dz", grads.delta[1]), F("a", x)]), ShapeError)
    ctx.value("fengdu", tex_bound(ctx.check.gradient("dz(2) a(1)ᵀ", grads.delta[1] @ x.T, fd_W(net, x, y, 1))))
    _, xs, _, delta, numeric = square_layer()  # Grokking: outer_prod(input, delta)
    ctx.value("grok_right", tex_bound(ctx.check.gradient("square layer: δ xᵀ", delta @ xs.T, numeric)))
    ctx.value("grok_wrong", ctx.check.differ("x δᵀ", xs @ delta.T, numeric, min_rel=0.5), digits=3)
    E1 = blog_run(1, False)[0]
    ctx.check.that("original W2 misses the print", round(E1, 9) != BLOG["after_one"], f"{E1:.9f}")
    ctx.value("blog_after_one", E1, digits=9)
    return ""


def matches_print(values, printed) -> bool:
    return all(round(float(v), len(t.split(".")[1])) == float(t) for v, t in zip(values, printed, strict=True))


@artifact("blog")
def blog(ctx):
    E0 = blog_run(0, False)[0]
    ctx.check.that("set-up as printed", round(E0, 9) == BLOG["initial"], f"{E0:.9f}")
    ctx.value("blog_initial", E0, digits=9)
    ctx.value("blog_initial_printed", BLOG["initial"], digits=9)
    for variant, W1 in (("orig", blog_run(1, False)[2]), ("upd", blog_run(1, True)[2])):
        ctx.value(f"blog_hidden_{variant}", W1, digits=9)
    ctx.check.that("printed w1+ … w4+: original W2", matches_print(blog_run(1, False)[2].ravel(), BLOG["hidden"]),
                   "original W2 in δ")
    ctx.check.that("… and not the other", not matches_print(blog_run(1, True)[2].ravel(), BLOG["hidden"]), "updated W2 in δ")
    w = BLOG["hidden"]  # the printed digits, as printed
    ctx.value("blog_hidden_printed", rf"\begin{{bmatrix}}{w[0]} & {w[1]} \\ {w[2]} & {w[3]}\end{{bmatrix}}")
    for name, steps in (("one", 1), ("many", BLOG["steps"])):
        printed, E_orig, E_upd = BLOG[f"after_{name}"], blog_run(steps, False)[0], blog_run(steps, True)[0]
        ctx.check.that(f"{steps} steps: updated W2 gives the print", round(E_upd, 9) == printed, f"{E_upd:.9f}")
        ctx.check.that(f"{steps} steps: original W2 does not", round(E_orig, 9) != printed, f"{E_orig:.9f}")
        for key, v in (("printed", printed), ("orig", E_orig), ("upd", E_upd)):
            ctx.value(f"blog_{name}_{key}", v, digits=9)
    out_orig, out_upd = blog_run(BLOG["steps"], False)[1], blog_run(BLOG["steps"], True)[1]
    ctx.check.that("outputs: updated W2 gives the print", tuple(np.round(out_upd.ravel(), 9)) == BLOG["outputs"],
                   str(out_upd.ravel()))
    for key, v in (("printed", BLOG["outputs"]), ("orig", out_orig.ravel()), ("upd", out_upd.ravel())):
        ctx.value(f"blog_out_{key}", np.reshape(v, (2, 1)), digits=9)
    ctx.value("blog_steps", BLOG["steps"])
    return ""


@artifact("ex1")
def ex1(ctx):
    net, x, y, delta, numeric = square_layer()
    right, swapped = delta @ x.T, x @ delta.T
    ctx.value("ex1_err", tex_bound(ctx.check.gradient("δ xᵀ = ∂L/∂W", right, numeric)))
    agree = np.abs(swapped - numeric) <= 1e-7 * np.maximum(np.abs(swapped), np.abs(numeric))
    ctx.check.that("x δᵀ: only the diagonal", bool(np.array_equal(agree, np.eye(3, dtype=bool))), str(agree))
    ctx.check.close("x δᵀ = (δ xᵀ)ᵀ", swapped, right.T, tol=1e-15)
    ctx.value("ex1_swapped", swapped)
    ctx.value("ex1_delta", delta)
    ctx.value("ex1_x", x)
    ctx.answer("ex1_dW", right, mistakes={"transpose": swapped})
    return ""


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads = worked_example()
    z, a = cache.z[2], cache.a[2]
    ctx.check.gradient("∇_z L = δ(3)", grads.delta[2], fd_z("sigmoid", "squared_error", z, y))
    ctx.answer("ex2_delta", grads.delta[2], mistakes={"missing-gprime": a - y, "linear-output": z - y})
    return ""


@artifact("ex3")
def ex3(ctx):
    xs, us, vs = D2L
    numeric = fd(lambda v: float((xs - us * v[0, 0]) ** 2), np.array([[vs]])).item()
    right = -2 * (xs - us * vs) * us
    ctx.check.close("d/dv (x − uv)² = −2(x − uv)u", right, numeric, tol=1e-8)
    for name, v in zip("xuv", D2L, strict=True):
        ctx.value(f"ex3_{name}", v, digits=1)
    ctx.value("ex3_residual", xs - us * vs, digits=2)
    ctx.answer("ex3_grad", right, digits=3, mistakes={"sign": -right})
    return ""
