"""Artifacts for docs/errata.md: mistakes in the question, in its two answers and in other texts, each checked.

Layers use the question's numbers (a^(1) = x, W^(2) = code W[1], W^(3) = code W[2]). Quoted formulas are
short and appear in the "as printed" column; every check below would fail if the corrected formula were
wrong or the printed one right.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from backprop import Network, ShapeError, backward, forward, multiply, numerical_gradient, seed_example
from backprop.activations import activation
from backprop.gradcheck import relative_error
from backprop.jacobians import Factor
from backprop.losses import loss
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import chain_svg
from book.tables import bound, md_table, num, shape, tex_matrix

mse = loss("squared_error")
sigma = activation("sigmoid")


def fmt_err(err: float) -> str:
    return f"≤ {bound(err)}" if err < 1e-6 else num(err, 3)


def F(name: str, value) -> Factor:
    return Factor(name, name, np.asarray(value, dtype=float))


def example():
    net, x, y = seed_example()
    cache = forward(net, x)
    return net, x, y, cache, backward(net, cache, y)


def fd_W(net, x, y, l: int) -> np.ndarray:
    """∂L/∂W by central differences for the code's layer l (1 = the question's W(2), 2 = W(3))."""
    return numerical_gradient(lambda _: mse.value(forward(net, x).a[2], y), net.W[l])


def fd_b(net, x, y, l: int) -> np.ndarray:
    return numerical_gradient(lambda _: mse.value(forward(net, x).a[2], y), net.b[l])


def fd_z(g: str, J: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∇_z J by central differences for output activation g and loss J, at the column z."""
    return numerical_gradient(lambda v: loss(J).value(activation(g)(v), y), z.copy())


# ---------------------------------------------------------------------------
# The question


@artifact("question")
def question(ctx):
    net, x, y, cache, grads = example()
    numeric = fd_W(net, x, y, 1)
    z2, d3, W3, a1 = cache.z[1], grads.delta[2], net.W[2], x
    D2 = np.diag(sigma.prime(z2)[:, 0])
    right = D2 @ W3.T @ d3 @ a1.T
    err = ctx.check.gradient("corrected chain = ∂L/∂W(2)", right, numeric)
    ctx.check.shape("… which has the shape of W(2)", right, net.W[1].shape)
    twice = D2 @ D2 @ W3.T @ d3 @ a1.T
    err_twice = ctx.check.differ("∂a(2)/∂z(2) twice", twice, numeric, min_rel=0.1)
    ctx.check.raises("δ(3) · W(3) does not multiply", lambda: multiply([F("δ(3)", d3), F("W(3)", W3)]), ShapeError)
    jac = np.vstack([numerical_gradient(lambda v, k=k: float(sigma(v)[k, 0]), z2.copy()).T for k in range(3)])
    ctx.check.gradient("∂a(2)/∂z(2) is the 3×3 diagonal diag(σ′)", D2, jac)
    ones = np.eye(3) @ W3.T @ d3 @ a1.T
    err_ones = ctx.check.differ("(1,1,1) for a sigmoid layer", ones, numeric, min_rel=0.5)
    rows = [
        ["left side names the wrong matrix", "second chain, left side",
         r"$\partial L/\partial W^{(3)} = \dots\, a^{(1)\top}$", r"$\partial L/\partial W^{(2)}$",
         f"product is {shape(right)}, the shape of W⁽²⁾; equals ∂L/∂W⁽²⁾ by FD ({fmt_err(err)})"],
        ["a factor repeated", "second chain",
         r"$(\partial a^{(2)}/\partial z^{(2)})\,(\partial a^{(2)}/\partial z^{(2)})$", "the factor once",
         f"with it twice: relative error {fmt_err(err_twice)} vs FD"],
        ["layouts mixed", "second chain, right side",
         r"$(\dots) \odot (1 - a^{(3)})\, W^{(3)}$", r"$W^{(3)\top} \bigl((a^{(3)} - y) \odot \dots\bigr)$",
         "δ⁽³⁾ (2×1) · W⁽³⁾ (2×3) raises ShapeError"],
        ["slope written as a vector factor", "second chain, right side", r"$(1,1,1)^\top$, 3×1",
         r"$\diag\bigl(\sigma'(z^{(2)})\bigr)$, 3×3",
         f"FD Jacobian of a⁽²⁾ is 3×3 diagonal ({fmt_err(relative_error(D2, jac))})"],
        ["ReLU slope used for a sigmoid layer", "remark under the chain", r"$(1,1,1)$ since $z > 0$",
         r"$\sigma'(z^{(2)}) = a^{(2)} \odot (1 - a^{(2)})$", f"with (1,1,1): relative error {fmt_err(err_ones)} vs FD"],
    ]
    return md_table(["erratum", "where", "as printed", "corrected", "build check"], rows, align="lllll")


# ---------------------------------------------------------------------------
# The first answer


@artifact("answer1")
def answer1(ctx):
    net, x, y, cache, grads = example()
    d3, a2 = grads.delta[2], cache.a[1]
    numeric = fd_W(net, x, y, 2)
    wrong = d3 * a2[1, 0]  # δ(3) times the scalar a(2)_2
    ctx.check.shape("δ(3) a(2)_2 is a 2×1 column", wrong, (2, 1))
    ctx.check.that("… not the 2×3 shape of W(3)", wrong.shape != net.W[2].shape, f"{shape(wrong)} ≠ {shape(net.W[2])}")
    err = ctx.check.gradient("δ(3) a(2)ᵀ = ∂L/∂W(3)", d3 @ a2.T, numeric)
    den = grads.delta[1]
    num_row = multiply([F("δ(3)ᵀ", d3.T), F("W(3)", net.W[2]), F("diag σ′", np.diag(sigma.prime(cache.z[1])[:, 0]))])
    ctx.check.close("numerator row = denominator column transposed", num_row, den.T, tol=1e-12,
                    how="the two layouts hold the same numbers")
    rows = [
        ["subscript on the activation", "first paragraph", r"$\delta\,{a_2^{(2)}}^{T}$", r"$\delta^{(3)} a^{(2)\top}$",
         f"δ⁽³⁾a⁽²⁾₂ is {shape(wrong)}; δ⁽³⁾a⁽²⁾ᵀ is 2×3 and equals ∂L/∂W⁽³⁾ by FD ({fmt_err(err)})"],
        ["a preference stated as a fact", "second paragraph", "“numerator layout is more common”",
         "both layouts are in wide use (see the note below)",
         "∂L/∂z⁽²⁾ as a row (numerator) is the column (denominator) transposed"],
    ]
    return md_table(["erratum", "where", "as printed", "corrected", "build check"], rows, align="lllll")


def dz_dWij_rows(ctx, layout: str) -> str:
    """The first answer's chain for one weight W(2)_ij at a time: (1×3 · 3×3 · 3×2 · 2×1) or its transpose."""
    net, x, y, cache, grads = example()
    z2, d3, W3, a1 = cache.z[1], grads.delta[2], net.W[2], x
    D2 = np.diag(sigma.prime(z2)[:, 0])
    numeric = fd_W(net, x, y, 1)
    chain_value = np.zeros_like(net.W[1])
    dz_by_formula, dz_by_fd, rows = [], [], []
    for i in range(3):
        for j in range(2):
            dz_col = a1[j, 0] * np.eye(3)[:, [i]]  # ∂z(2)/∂W_ij: a(1)_j in slot i, zeros elsewhere
            w = net.W[1][i:i + 1, j:j + 1]  # a view: numerical_gradient perturbs W(2)_ij in place
            dz_by_fd.append(np.hstack([numerical_gradient(lambda _, k=k: float(forward(net, x).z[1][k, 0]), w)
                                       for k in range(3)]))
            dz_by_formula.append(dz_col.T)
            if layout == "denominator":
                factors = [F("∂z/∂Wij", dz_col.T), F("diag σ′", D2), F("W(3)ᵀ", W3.T), F("δ(3)", d3)]
                shown = tex_matrix(dz_col.T, 2)
            else:
                factors = [F("δ(3)ᵀ", d3.T), F("W(3)", W3), F("diag σ′", D2), F("∂z/∂Wij", dz_col)]
                shown = tex_matrix(dz_col, 2)
            value = multiply(factors)
            if value.shape != (1, 1):
                raise ValueError(f"the chain for W({i + 1}{j + 1}) gives {value.shape}, not a scalar")
            chain_value[i, j] = value[0, 0]
            rows.append([f"({i + 1}, {j + 1})", f"${shown}$", num(value[0, 0]), num(numeric[i, j])])
    ctx.check.chain(f"{layout} layout, one weight", [f.shape for f in factors], (1, 1))
    ctx.check.gradient("∂z(2)/∂W(2)_ij = a(1)_j e_i, all six", np.vstack(dz_by_formula), np.vstack(dz_by_fd))
    ctx.check.gradient(f"{layout}: the six scalar chains = ∂L/∂W(2)", chain_value, numeric)
    ctx.check.close("… = (B3) δ(2) a(1)ᵀ", chain_value, grads.dW[1], tol=1e-12)
    shape_txt = "1×3 row" if layout == "denominator" else "3×1 column"
    head = f"$\\partial z^{{(2)}}/\\partial W^{{(2)}}_{{ij}}$ ({shape_txt})"
    return md_table(["$(i, j)$", head, "chain product", "finite differences"], rows, align="lcrr")


@artifact("dz-dwij-denominator")
def dz_dwij_den(ctx):
    table = dz_dWij_rows(ctx, "denominator")
    svg = chain_svg([("∂z⁽²⁾/∂Wᵢⱼ", (1, 3)), ("∂a⁽²⁾/∂z⁽²⁾", (3, 3)), ("∂z⁽³⁾/∂a⁽²⁾", (3, 2)), ("∂L/∂z⁽³⁾", (2, 1))],
                    ("∂L/∂Wᵢⱼ", (1, 1)), salt="errata-dzdwij-den", grid=True,
                    title="The first answer's chain for one weight, denominator layout",
                    desc="1 by 3 times 3 by 3 times 3 by 2 times 2 by 1 gives a 1 by 1 scalar.")
    return table + "\n\n" + figure(svg, "Denominator layout: 1×3 · 3×3 · 3×2 · 2×1 → 1×1, one entry of ∂L/∂W⁽²⁾.")


@artifact("dz-dwij-numerator")
def dz_dwij_num(ctx):
    table = dz_dWij_rows(ctx, "numerator")
    svg = chain_svg([("∂L/∂z⁽³⁾", (1, 2)), ("∂z⁽³⁾/∂a⁽²⁾", (2, 3)), ("∂a⁽²⁾/∂z⁽²⁾", (3, 3)), ("∂z⁽²⁾/∂Wᵢⱼ", (3, 1))],
                    ("∂L/∂Wᵢⱼ", (1, 1)), salt="errata-dzdwij-num", grid=True,
                    title="The same chain for one weight, numerator layout",
                    desc="1 by 2 times 2 by 3 times 3 by 3 times 3 by 1 gives a 1 by 1 scalar.")
    return table + "\n\n" + figure(svg, "Numerator layout: 1×2 · 2×3 · 3×3 · 3×1 → 1×1, the same number.")


# ---------------------------------------------------------------------------
# The second answer


@artifact("answer2")
def answer2(ctx):
    net, x, y, cache, grads = example()
    # Its convention ∇_z J = z − y belongs to a linear output with squared error: check it there.
    z = cache.z[2]
    numeric = fd_z("identity", "squared_error", z, y)
    err = ctx.check.gradient("identity output + squared error: ∇_z J = z − y", z - y, numeric)
    err_z = ctx.check.differ("∇_z J = z (as printed)", z, numeric, min_rel=0.5)
    # (1b-m): the bias gradient equals δ, checked on the question's hidden layer.
    err_b = ctx.check.gradient("∇_b J = ∇_z J, hidden layer", grads.db[1], fd_b(net, x, y, 1))
    # W^(l), not W^(L): the matrix for the hidden layer is δ(2) a(1)ᵀ, 3×2, and not ∂J/∂W(3).
    fd_hidden = fd_W(net, x, y, 1)
    err_l = ctx.check.gradient("∇_W(l) J for l = the hidden layer", grads.delta[1] @ x.T, fd_hidden)
    ctx.check.that("∂J/∂W(L) has another shape", grads.dW[2].shape != fd_hidden.shape,
                   f"{shape(grads.dW[2])} (output layer) ≠ {shape(fd_hidden)} (hidden layer)")
    # z_i = Σ_j W_ij a_j leaves out + b_i; the derivative ∂z_i/∂W_ij = a_j does not change.
    ctx.check.close("z(2) = W(2) a(1) + b(2), with the bias", cache.z[1], net.W[1] @ x + net.b[1], tol=1e-15)
    ctx.check.that("… and the bias is not zero here", bool(np.any(net.b[1] != 0)), "b(2) ≠ 0, so the sum alone is not z(2)")
    rows = [
        ["gradient at the output lost its target", "“Note that the gradient …”",
         r"$\nabla_{z^{(L)}} J = z^{(L)}$", r"$\nabla_{z^{(L)}} J = z^{(L)} - y$",
         f"linear output, squared error: z − y matches FD ({fmt_err(err)}); z alone is off by {fmt_err(err_z)}"],
        ["one label used twice", "matrix form of (1b)", r"$\nabla_{b^{(l)}} J = \nabla_{z^{(l)}} J \quad (\text{1a-m})$",
         r"$(\text{1b-m})$", f"∇_b J = ∇_z J matches FD for the hidden layer ({fmt_err(err_b)})"],
        ["last layer's index for any layer", "sentence after (2-m)", r"$\partial J/\partial W^{(L)}_{ij}$",
         r"$\partial J/\partial W^{(l)}_{ij}$",
         f"hidden layer: δ⁽²⁾a⁽¹⁾ᵀ matches FD ({fmt_err(err_l)}); it is {shape(fd_hidden)}, ∂J/∂W⁽³⁾ is {shape(grads.dW[2])}"],
        ["bias left out of the sum", "after (1a)", r"$z^{(l)}_i = \sum_j W^{(l)}_{ij} a^{(l-1)}_j$",
         r"$z^{(l)}_i = \sum_j W^{(l)}_{ij} a^{(l-1)}_j + b^{(l)}_i$",
         "z⁽²⁾ needs b⁽²⁾ ≠ 0; ∂z_i/∂W_ij = a_j either way"],
    ]
    return md_table(["erratum", "where", "as printed", "corrected", "build check"], rows, align="lllll")


@artifact("output-delta")
def output_delta(ctx):
    net, x, y, cache, grads = example()
    z = cache.z[2]  # the 2-3-2 network's output pre-activation
    pairs = [("identity", "squared_error", "z − y"),
             ("sigmoid", "squared_error", "(a − y) ⊙ a ⊙ (1 − a)"),
             ("sigmoid", "binary_cross_entropy", "a − y"),
             ("softmax", "softmax_cross_entropy", "a − y")]
    rows = []
    for g, J, rule in pairs:
        a = activation(g)(z)
        numeric = fd_z(g, J, z, y)
        candidates = {"z − y": z - y, "a − y": a - y, "(a − y) ⊙ a ⊙ (1 − a)": (a - y) * a * (1 - a)}
        ctx.check.gradient(f"{g} + {J}: ∇_z J = {rule}", candidates[rule], numeric)
        cells = []
        for name in ("z − y", "a − y"):
            if name == rule or np.array_equal(candidates[name], candidates[rule]):  # identity: a = z
                cells.append(f"yes ({fmt_err(relative_error(candidates[name], numeric))})")
            else:
                err = ctx.check.differ(f"{g} + {J}: ∇_z J ≠ {name}", candidates[name], numeric, min_rel=0.05)
                cells.append(f"no ({fmt_err(err)})")
        rows.append([f"{g}", J.replace("_", " "), ", ".join(num(v) for v in numeric.ravel()), *cells, rule])
    return md_table(["output $g$", "loss $J$", "$\\nabla_z J$ by FD", "$= z - y$?", "$= a - y$?", "what it is"], rows,
                    align="llrlll")


# ---------------------------------------------------------------------------
# Errata in the wild


# The step-by-step blog example (mattmazur.com, 2015), as printed there and in its author's script
# (github.com/mattm/simple-neural-network): inputs, targets, weights w1..w8 row by row, biases, rate.
BLOG = dict(
    x=[[0.05], [0.10]], y=[[0.01], [0.99]],
    W1=[[0.15, 0.20], [0.25, 0.30]], b1=0.35, W2=[[0.40, 0.45], [0.50, 0.55]], b2=0.60, rate=0.5,
    printed_initial=0.298371109, printed_after_one=0.291027924, printed_after_many=0.000035085,
    printed_outputs=(0.015912196, 0.984065734), steps=10000,
    printed_hidden=("0.149780716", "0.19956143", "0.24975114", "0.29950229"),  # w1+ .. w4+, digits as printed
)


def matches_print(values, printed: tuple[str, ...]) -> bool:
    """Each value rounds to the printed text, at the printed number of decimals."""
    return all(round(float(v), len(t.split(".")[1])) == float(t) for v, t in zip(values, printed, strict=True))


@cache
def blog_run(steps: int, hidden_from_updated: bool) -> tuple[float, np.ndarray, np.ndarray]:
    """Online gradient descent on the blog's network (weights only, biases fixed, as in the post).

    Cached: each (steps, variant) is run once per build; callers must not modify the returned arrays."""
    x, y = np.array(BLOG["x"]), np.array(BLOG["y"])
    W1, W2 = np.array(BLOG["W1"]), np.array(BLOG["W2"])
    b1, b2, rate = BLOG["b1"], BLOG["b2"], BLOG["rate"]
    for _ in range(steps):
        a1 = sigma(W1 @ x + b1)  # (F1), (F2)
        a2 = sigma(W2 @ a1 + b2)
        delta2 = (a2 - y) * a2 * (1 - a2)  # (B1)
        W2_new = W2 - rate * delta2 @ a1.T  # (B3), then the update
        W_back = W2_new if hidden_from_updated else W2  # the post says: the original weights
        delta1 = (W_back.T @ delta2) * a1 * (1 - a1)  # (B2)
        W1 = W1 - rate * delta1 @ x.T
        W2 = W2_new
    a2 = sigma(W2 @ sigma(W1 @ x + b1) + b2)
    return mse.value(a2, y), a2, W1


@artifact("wild")
def wild(ctx):
    rows = []
    # d2l.ai appendix: d/dV ||X - UV||_F^2.
    rng = np.random.default_rng(507207)
    X, U, V = rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), rng.standard_normal((2, 3))
    numeric = numerical_gradient(lambda v: float(np.sum((X - U @ v) ** 2)), V.copy())
    err = ctx.check.gradient("d/dV ‖X − UV‖² = −2Uᵀ(X − UV)", -2 * U.T @ (X - U @ V), numeric)
    err_plus = ctx.check.differ("… not +2Uᵀ(X − UV)", 2 * U.T @ (X - U @ V), numeric, min_rel=1.0)
    xs, us, vs = 1.5, 0.7, -0.4
    fd1 = numerical_gradient(lambda v: float((xs - us * v[0, 0]) ** 2), np.array([[vs]]))[0, 0]
    ctx.check.close("1×1 case: d/dv (x − uv)² = −2(x − uv)u", -2 * (xs - us * vs) * us, fd1, tol=1e-8,
                    how="finite differences agree")
    rows.append(["d2l.ai, appendix “Multivariable Calculus”, matrix calculus[^d2l]", "sign",
                 r"$2\mathbf{U}^\top(\mathbf{X}-\mathbf{U}\mathbf{V})$; 1×1: $2(x-uv)u$",
                 r"$-2\mathbf{U}^\top(\mathbf{X}-\mathbf{U}\mathbf{V})$; $-2(x-uv)u$",
                 f"random 4×3, 4×2, 2×3: −2… matches FD ({fmt_err(err)}); +2… is off by {fmt_err(err_plus)}"])
    # The step-by-step blog: printed post-update error.
    E0, _, _ = blog_run(0, False)
    ctx.check.that("the blog's set-up is transcribed right", round(E0, 9) == BLOG["printed_initial"],
                   f"initial error {E0:.9f} equals the printed {BLOG['printed_initial']:.9f}")
    E1, _, _ = blog_run(1, False)
    E1u, _, _ = blog_run(1, True)
    ctx.check.that("its procedure does not give the printed error", round(E1, 9) != BLOG["printed_after_one"],
                   f"{E1:.9f} ≠ {BLOG['printed_after_one']:.9f}")
    ctx.check.that("updated output weights in the hidden deltas do", round(E1u, 9) == BLOG["printed_after_one"],
                   f"{E1u:.9f} = {BLOG['printed_after_one']:.9f}")
    rows.append(["step-by-step blog example (2-2-2, MSE)[^blog]", "error after the first update",
                 f"{BLOG['printed_after_one']:.9f}",
                 f"{E1:.9f} (hidden deltas from the original weights, as the post says)",
                 "the printed digits come back only if the hidden deltas use the already updated output weights (table below)"])
    # dennybritz/nn-from-scratch notebook: softmax + cross-entropy output delta.
    net, x, y, cache, grads = example()
    z = cache.z[2]
    p = activation("softmax")(z)
    numeric = fd_z("softmax", "softmax_cross_entropy", z, y)
    err_d = ctx.check.gradient("softmax + CE: δ = ŷ − y", p - y, numeric)
    err_d2 = ctx.check.differ("… not y − ŷ", y - p, numeric, min_rel=1.0)
    rows.append(["nn-from-scratch notebook[^denny]", "output delta (softmax, cross-entropy)", r"$\delta_3 = y - \hat y$",
                 r"$\delta_3 = \hat y - y$", f"ŷ − y matches FD ({fmt_err(err_d)}); y − ŷ is off by {fmt_err(err_d2)}"])
    # fengdu78 notes: dW[l] = dz[l] · a[l-1] without the transpose.
    d2, a1 = grads.delta[1], x
    ctx.check.raises("dz(2) · a(1) does not multiply (3×1 · 2×1)", lambda: multiply([F("dz", d2), F("a", a1)]), ShapeError)
    err_f = ctx.check.gradient("dz(2) a(1)ᵀ = ∂L/∂W(2)", d2 @ a1.T, fd_W(net, x, y, 1))
    rows.append(["Chinese notes on the deeplearning.ai course, v5.52[^fengdu]", "weight gradient",
                 r"$dw^{[l]} = dz^{[l]} \cdot a^{[l-1]}$", r"$dw^{[l]} = dz^{[l]}\, a^{[l-1]T}$",
                 f"2-3-2 network: 3×1 · 2×1 raises ShapeError; with the transpose FD agrees ({fmt_err(err_f)})"])
    # Grokking Deep Learning, chapter 5: outer_prod(input, delta) for weights stored [output][input].
    err_g, err_g2 = square_layer_errors(ctx)
    rows.append(["Grokking Deep Learning, ch. 5 (book text)[^grok]", "weight deltas, 3 inputs, 3 outputs",
                 "`outer_prod(input, delta)`", "`outer_prod(delta, input)`",
                 f"3×3 either way, so only numbers tell: δxᵀ matches FD ({fmt_err(err_g)}), xδᵀ is off by {fmt_err(err_g2)}"])
    return md_table(["source", "what", "as printed", "corrected", "build check"], rows, align="lllll")


def square_layer():
    """One sigmoid layer with 3 inputs and 3 outputs, squared error; W stored [output][input]."""
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((3, 3)) / np.sqrt(3), np.zeros((3, 1))
    x, y = rng.standard_normal((3, 1)), rng.uniform(0.1, 0.9, (3, 1))
    net = Network(W=[None, W], b=[None, b], activations=[None, "sigmoid"], loss="squared_error")
    return net, x, y


def square_layer_errors(ctx) -> tuple[float, float]:
    net, x, y = square_layer()
    delta = backward(net, forward(net, x), y).delta[1]
    numeric = numerical_gradient(lambda _: mse.value(forward(net, x).a[1], y), net.W[1])
    err = ctx.check.gradient("square layer: δ xᵀ = ∂L/∂W", delta @ x.T, numeric)
    err2 = ctx.check.differ("square layer: x δᵀ has the right shape and wrong numbers", x @ delta.T, numeric, min_rel=0.5)
    ctx.check.that("… same shape", (x @ delta.T).shape == numeric.shape, "3×3 = 3×3: no shape check can catch it")
    return err, err2


@artifact("blog")
def blog(ctx):
    E0, _, _ = blog_run(0, False)
    rows = [["error before any update", f"{BLOG['printed_initial']:.9f}", f"{E0:.9f}", f"{E0:.9f}"]]
    # The printed hidden weights after one update follow the described procedure, not the other one.
    _, _, W1_orig = blog_run(1, False)
    _, _, W1_upd = blog_run(1, True)
    ctx.check.that("w1+ … w4+ as printed follow the described procedure", matches_print(W1_orig.ravel(), BLOG["printed_hidden"]),
                   ", ".join(f"{v:.9f}" for v in W1_orig.ravel()))
    ctx.check.that("… and not the updated-weights run", not matches_print(W1_upd.ravel(), BLOG["printed_hidden"]),
                   ", ".join(f"{v:.9f}" for v in W1_upd.ravel()))
    rows.append(["hidden weights w₁ … w₄ after one update", ", ".join(BLOG["printed_hidden"]),
                 ", ".join(f"{v:.9f}" for v in W1_orig.ravel()), ", ".join(f"{v:.9f}" for v in W1_upd.ravel())])
    for label, steps, printed in [("error after one update", 1, BLOG["printed_after_one"]),
                                  (f"error after {BLOG['steps']:,} updates", BLOG["steps"], BLOG["printed_after_many"])]:
        E_orig, _, _ = blog_run(steps, False)
        E_upd, _, _ = blog_run(steps, True)
        ctx.check.that(f"{label}: updated-weights run reproduces the print", round(E_upd, 9) == printed,
                       f"{E_upd:.9f} = {printed:.9f}")
        ctx.check.that(f"{label}: the described procedure does not", round(E_orig, 9) != printed,
                       f"{E_orig:.9f} ≠ {printed:.9f}")
        rows.append([label, f"{printed:.9f}", f"{E_orig:.9f}", f"{E_upd:.9f}"])
    _, out_orig, _ = blog_run(BLOG["steps"], False)
    _, out_upd, _ = blog_run(BLOG["steps"], True)
    ctx.check.that("outputs after the run: updated-weights run reproduces the print",
                   tuple(round(float(v), 9) for v in out_upd.ravel()) == BLOG["printed_outputs"],
                   ", ".join(f"{v:.9f}" for v in out_upd.ravel()))
    rows.append([f"outputs after {BLOG['steps']:,} updates", ", ".join(f"{v:.9f}" for v in BLOG["printed_outputs"]),
                 ", ".join(f"{v:.9f}" for v in out_orig.ravel()), ", ".join(f"{v:.9f}" for v in out_upd.ravel())])
    return md_table(["quantity", "printed in the post", "recomputed: original weights in δ (as described)",
                     "recomputed: updated output weights in δ"], rows, align="lrrr")


# ---------------------------------------------------------------------------
# Exercise


@artifact("ex1")
def ex1(ctx):
    net, x, y = square_layer()
    delta = backward(net, forward(net, x), y).delta[1]
    numeric = numerical_gradient(lambda _: mse.value(forward(net, x).a[1], y), net.W[1])
    right, swapped = delta @ x.T, x @ delta.T
    ctx.check.gradient("δ xᵀ = ∂L/∂W", right, numeric)
    agree = np.abs(swapped - numeric) <= 1e-7 * np.maximum(np.abs(swapped), np.abs(numeric))
    ctx.check.that("x δᵀ agrees with FD exactly on the diagonal", bool(np.array_equal(agree, np.eye(3, dtype=bool))),
                   "entries (i, i) agree; every off-diagonal entry differs")
    ctx.check.close("x δᵀ is (δ xᵀ)ᵀ", swapped, right.T, tol=1e-15)
    body = (
        "Only the diagonal. Entry \\((i, j)\\) of \\(x\\,\\delta^\\top\\) is \\(x_i \\delta_j\\), while the gradient's is "
        "\\(\\delta_i x_j\\): the two agree when \\(i = j\\) and are swapped otherwise, because "
        "\\(x\\,\\delta^\\top = (\\delta x^\\top)^\\top\\). For this layer:\n\n"
        + display(r"\delta x^\top = " + tex_matrix(right) + r",\qquad x\,\delta^\top = " + tex_matrix(swapped))
        + "\n\nThe first matches finite differences entry by entry "
        f"(relative error {fmt_err(relative_error(right, numeric))}); the second matches on the diagonal only. "
        "A shape check passes both, since both are 3×3: with a square layer, only numbers catch a swapped outer product."
    )
    return solution(body)
