"""Artifacts for docs/layouts.md: numerator and denominator layout, checked by finite differences.

Every derivative on the page is first built entry by entry with central differences and then
arranged by the layout's definition; the arranged array is compared with the closed form the
page prints. The 2-3-2 network is used in the general numbering (a^(0) = x, W^(1) is 3x2).
"""

from __future__ import annotations

import numpy as np

from backprop import (
    Factor,
    ShapeError,
    backward,
    chain_numerator,
    dz_da_prev,
    forward,
    loss_value,
    multiply,
    numerical_gradient,
    seed_example,
    to_denominator,
    to_numerator,
)
from backprop.activations import activation
from backprop.gradcheck import loss_of_param
from backprop.gradcheck import loss_of_z as J_of_z
from backprop.gradcheck import numerical_jacobian as fd_jacobian
from book.artifacts import artifact
from book.figures import matrix_heatmap
from book.markup import display, figure, solution
from book.shapes import chain_svg, sub
from book.tables import md_table, num, tex_matrix

IDENTITY_SEED = 314159
EXERCISE_SEED = 271828

tanh = activation("tanh")


# ---------------------------------------------------------------------------
# Helpers: the network, finite differences, shapes


def example():
    """The 2-3-2 network, one example: (net, x, y, cache, grads)."""
    net, x, y = seed_example()
    cache = forward(net, x)
    grads = backward(net, cache, y)
    return net, x, y, cache, grads


def dims(shape) -> str:
    shape = tuple(shape)
    if len(shape) == 1:
        shape = (shape[0], 1)
    return "×".join(str(d) for d in shape)


def tex_dims(shape) -> str:
    return dims(shape).replace("×", r"\times ")


def fd_gradient(f, v):
    """∂f/∂v_ij for a scalar f, by central differences, in the shape of v (the partials, not yet a layout)."""
    return numerical_gradient(f, np.array(v, dtype=float))


def fd_by_scalar(f, t: float, h: float = 1e-5):
    """∂f/∂t of a column-valued f of one number t, by a central difference: a column of partials."""
    return (f(t + h) - f(t - h)) / (2 * h)


def J_of_x(net, y):
    def J(x):
        return loss_value(net, x, y)

    return J


# ---------------------------------------------------------------------------
# The four kinds of derivative, both layouts


@artifact("kinds")
def kinds(ctx):
    net, x, y, cache, grads = example()
    W, b, z, a, delta = net.W, net.b, cache.z, cache.a, grads.delta
    sig = net.g[1]
    rows = []

    def record(kind, example_tex, rule_num, rule_den, partials_num, expected_num, expected_den, what):
        """partials_num: the finite-difference array arranged in numerator layout; its transpose is the
        denominator layout. Each arrangement is compared with the closed form the page names."""
        in_num, in_den = partials_num, to_denominator(partials_num)
        ctx.check.close(f"{kind}, numerator layout: {what[0]}", in_num, expected_num, tol=1e-7,
                        how="finite differences arranged by the definition equal the closed form")
        ctx.check.close(f"{kind}, denominator layout: {what[1]}", in_den, expected_den, tol=1e-7,
                        how="finite differences arranged by the definition equal the closed form")
        rows.append([kind, example_tex, rf"\({rule_num}\): {dims(in_num.shape)}", rf"\({rule_den}\): {dims(in_den.shape)}"])

    # scalar by vector: ∂J/∂z^(1); the partials ∂J/∂z_j laid out as a row (numerator) or a column
    g = fd_gradient(J_of_z(net, y, 1), z[1])  # partials in the shape of z: a column
    record("scalar by vector", r"\(\partial J/\partial z^{(1)}\), \(z^{(1)} \in \R^3\)", r"1 \times n", r"n \times 1",
           g.T, delta[1].T, delta[1], ("the row δ⁽¹⁾ᵀ", "the column δ⁽¹⁾"))
    # vector by scalar: ∂z^(1)/∂x_1, a column of partials ∂z_i/∂x_1 (numerator) or a row
    x1 = x[0, 0]
    col = fd_by_scalar(lambda t: W[1] @ np.array([[t], [x[1, 0]]]) + b[1], x1)
    record("vector by scalar", r"\(\partial z^{(1)}/\partial x_1\), \(z^{(1)} \in \R^3\)", r"m \times 1", r"1 \times m",
           col, W[1][:, [0]], W[1][:, [0]].T, ("column 1 of W⁽¹⁾", "column 1 of W⁽¹⁾, as a row"))
    # vector by vector: ∂a^(1)/∂x = diag(σ'(z^(1))) W^(1)
    P = fd_jacobian(lambda v: sig(W[1] @ v + b[1]), x)
    D = np.diag(sig.prime(z[1])[:, 0])
    record("vector by vector", r"\(\partial a^{(1)}/\partial x\), \(a^{(1)} \in \R^3\), \(x \in \R^2\)", r"m \times n",
           r"n \times m", P, D @ W[1], W[1].T @ D, ("diag(σ′(z⁽¹⁾)) W⁽¹⁾", "W⁽¹⁾ᵀ diag(σ′(z⁽¹⁾))"))
    # scalar by matrix: ∂J/∂W^(1); the partials ∂J/∂W_ij sit in W's shape (denominator); numerator is q×p
    G = fd_gradient(loss_of_param(net, x, y, "W", 1), W[1])
    record("scalar by matrix", r"\(\partial J/\partial W^{(1)}\), \(W^{(1)}\) is \(3 \times 2\)", r"q \times p",
           r"p \times q", G.T, (delta[1] @ a[0].T).T, delta[1] @ a[0].T, ("(δ⁽¹⁾ a⁽⁰⁾ᵀ)ᵀ = a⁽⁰⁾ δ⁽¹⁾ᵀ", "δ⁽¹⁾ a⁽⁰⁾ᵀ, (B3)"))
    ctx.check.shape("∂J/∂W⁽¹⁾ in denominator layout has the shape of W⁽¹⁾", G, W[1].shape)
    return md_table(["kind", "example in the 2-3-2 network", "numerator layout", "denominator layout"], rows, align="llll")


# ---------------------------------------------------------------------------
# The chain to the input in both orders


def chain_to_input(net, cache, y):
    """Numerator-layout factors of ∂J/∂x: the reference chain down to z^(1), then ∂z^(1)/∂x = W^(1)."""
    factors = chain_numerator(net, cache, y, 1)
    factors.append(Factor("dz[1]/da[0]", r"\frac{\partial z^{(1)}}{\partial x}", dz_da_prev(net.W[1])))
    return factors


LABELS = {"dJ/da[2]": "∂J/∂a⁽²⁾", "da[2]/dz[2]": "∂a⁽²⁾/∂z⁽²⁾", "dz[2]/da[1]": "∂z⁽²⁾/∂a⁽¹⁾",
          "da[1]/dz[1]": "∂a⁽¹⁾/∂z⁽¹⁾", "dz[1]/da[0]": "∂z⁽¹⁾/∂x"}


def chain_artifact(ctx, layout: str) -> str:
    net, x, y, cache, grads = example()
    num_factors = chain_to_input(net, cache, y)
    factors = num_factors if layout == "numerator" else [
        Factor(f.name, f.tex, to_denominator(f.value), layout="denominator") for f in reversed(num_factors)]
    product = multiply(factors)
    numeric = fd_gradient(J_of_x(net, y), x)  # the partials ∂J/∂x_j, a column
    expected_shape = (1, x.shape[0]) if layout == "numerator" else x.shape
    ctx.check.chain(f"{layout}-layout chain", [f.shape for f in factors], expected_shape)
    ctx.check.gradient(f"∂J/∂x in {layout} layout", product, numeric.T if layout == "numerator" else numeric)
    ctx.check.close("product equals the backward pass, W⁽¹⁾ᵀ δ⁽¹⁾", product,
                    (net.W[1].T @ grads.delta[1]).T if layout == "numerator" else net.W[1].T @ grads.delta[1], tol=1e-12,
                    how="the product of Jacobians equals the fast path of (B2)")
    ctx.value(f"dJdx_{layout}", tex_matrix(product))
    result = rf"\underbrace{{\frac{{\partial J}}{{\partial x}}}}_{{{tex_dims(product.shape)}}}"
    shapes = " ".join(rf"\underbrace{{{f.tex}}}_{{{tex_dims(f.shape)}}}" for f in factors)
    svg = chain_svg([(LABELS[f.name], f.shape) for f in factors], ("∂J/∂x", product.shape), grid=True,
                    salt=f"layouts-chain-{layout}", title=f"The {layout}-layout chain for dJ/dx",
                    desc=" · ".join(f"{LABELS[f.name]} {dims(f.shape)}" for f in factors) + f" gives {dims(product.shape)}.")
    side = "right" if layout == "numerator" else "left"
    caption = (" · ".join(dims(f.shape) for f in factors) + f" → {dims(product.shape)}. "
               f"{layout.capitalize()} layout: each step towards the input adds a factor on the {side}.")
    return display(rf"{result} = {shapes} = {tex_matrix(product)}") + "\n\n" + figure(svg, caption)


@artifact("chain-numerator")
def chain_num(ctx):
    return chain_artifact(ctx, "numerator")


@artifact("chain-denominator")
def chain_den(ctx):
    return chain_artifact(ctx, "denominator")


@artifact("transpose")
def transpose(ctx):
    net, x, y, cache, grads = example()
    num_factors = chain_to_input(net, cache, y)
    den_factors = [Factor(f.name, f.tex, to_denominator(f.value)) for f in reversed(num_factors)]
    row, col = multiply(num_factors), multiply(den_factors)
    ctx.check.close("numerator product = (denominator product)ᵀ", row, col.T, tol=1e-14,
                    how="(AB…E)ᵀ = Eᵀ…BᵀAᵀ holds to rounding")
    n = len(num_factors)
    rows = []
    for k, f in enumerate(num_factors):
        ctx.check.close(f"factor {k + 1} of the numerator chain, transposed, is factor {n - k} of the other",
                        f.value.T, den_factors[n - 1 - k].value, tol=0.0, how="the same array, transposed")
        rows.append([f"{k + 1}", LABELS[f.name], dims(f.shape), dims(f.value.T.shape), f"{n - k}"])
    # transposing without reversing: the shapes no longer chain
    same_order = [Factor(f.name, f.tex, f.value.T) for f in num_factors]
    message = ctx.check.raises("transposed factors in the original order do not chain", lambda: multiply(same_order), ShapeError)
    ctx.check.that("the error names the first mismatch", "cannot multiply" in message, message.split(":")[0])
    pairs = [(same_order[k].shape[1], same_order[k + 1].shape[0]) for k in range(n - 1)]
    ctx.check.that("no neighbouring pair chains", all(c != r for c, r in pairs),
                   ", ".join(f"{c} ≠ {r}" for c, r in pairs))
    table = md_table(["position, numerator", "factor", "shape", "transposed", "position, denominator"], rows, align="llrrr")
    bad = chain_svg([(LABELS[f.name] + "ᵀ", f.shape) for f in same_order], salt="layouts-transpose-only",
                    title="Transposing every factor without reversing the order",
                    desc=" · ".join(f"{LABELS[f.name]} transposed {dims(f.shape)}" for f in same_order)
                    + ": the first two factors do not chain.")
    return (table + "\n\n" + figure(bad, "Transposed but not reversed: " + " · ".join(dims(f.shape) for f in same_order)
                                    + ". Not one neighbouring pair chains, so the order has to flip as well."))


# ---------------------------------------------------------------------------
# d(Wx)/dx


def wx_artifact(ctx, layout: str) -> str:
    net, x, y, cache, grads = example()
    W, b = net.W[1], net.b[1]
    P = fd_jacobian(lambda v: W @ v + b, x)  # partials ∂z_i/∂x_j
    d_out, d_in = W.shape
    if layout == "numerator":
        J, expected, name = P, W, "W⁽¹⁾"
        rows, cols = [f"z{sub(i + 1)}" for i in range(d_out)], [f"x{sub(j + 1)}" for j in range(d_in)]
    else:
        J, expected, name = to_denominator(P), W.T, "W⁽¹⁾ᵀ"
        rows, cols = [f"x{sub(j + 1)}" for j in range(d_in)], [f"z{sub(i + 1)}" for i in range(d_out)]
    ctx.check.close(f"∂z⁽¹⁾/∂x in {layout} layout equals {name}", J, expected, tol=1e-8,
                    how="the finite-difference Jacobian, arranged by the layout, equals the closed form")
    ctx.check.shape(f"{layout} layout shape", J, expected.shape)
    svg = matrix_heatmap(J, salt=f"layouts-wx-{layout}", row_labels=rows, col_labels=cols,
                         title=f"d z(1)/dx in {layout} layout, by finite differences",
                         desc=f"A {dims(J.shape)} matrix: rows {', '.join(rows)}, columns {', '.join(cols)}; it equals {name}.")
    where = ("row i belongs to zᵢ, column j to xⱼ" if layout == "numerator" else "row j belongs to xⱼ, column i to zᵢ")
    name_tex = r"W^{(1)}" if layout == "numerator" else r"W^{(1)\top}"
    return (display(rf"\frac{{\partial z^{{(1)}}}}{{\partial x}} = {name_tex}"
                    rf" = {tex_matrix(expected, 1)} \quad ({tex_dims(J.shape)})")
            + "\n\n" + figure(svg, f"∂z⁽¹⁾/∂x in {layout} layout, each entry a central difference ({where}). "
                                   f"It is {name}, {dims(J.shape)}."))


@artifact("wx-numerator")
def wx_num(ctx):
    return wx_artifact(ctx, "numerator")


@artifact("wx-denominator")
def wx_den(ctx):
    return wx_artifact(ctx, "denominator")


# ---------------------------------------------------------------------------
# The identities, both layouts, each checked


def identity_arrays():
    rng = np.random.default_rng(IDENTITY_SEED)
    return dict(
        x=rng.standard_normal((3, 1)), a=rng.standard_normal((3, 1)), u=rng.standard_normal((2, 1)),
        W=rng.standard_normal((2, 3)), A=rng.standard_normal((3, 3)), B=rng.standard_normal((3, 2)),
        X=rng.standard_normal((2, 3)),
    )


def identities_list(v):
    """Each identity: the derivative, how its partials are built, and the closed form in each layout."""
    x, a, u, W, A, B, X = (v[k] for k in "x a u W A B X".split())
    diag_tanh = np.diag(tanh.prime(x)[:, 0])
    return [
        dict(plain=("∂(aᵀx)/∂x", "aᵀ", "a"),
             name=r"\(\partial (a^\top x)/\partial x\)", sizes=r"\(a, x \in \R^3\)", kind="scalar by vector",
             partials=lambda: fd_gradient(lambda t: (a.T @ t).item(), x),
             num=(r"a^\top", a.T), den=(r"a", a)),
        dict(plain=("∂(Wx)/∂x", "W", "Wᵀ"),
             name=r"\(\partial (Wx)/\partial x\)", sizes=r"\(W\): 2×3", kind="vector by vector",
             partials=lambda: fd_jacobian(lambda t: W @ t, x),
             num=(r"W", W), den=(r"W^\top", W.T)),
        dict(plain=("∂(xᵀAx)/∂x", "xᵀ(A + Aᵀ)", "(A + Aᵀ)x"),
             name=r"\(\partial (x^\top A x)/\partial x\)", sizes=r"\(A\): 3×3, not symmetric", kind="scalar by vector",
             partials=lambda: fd_gradient(lambda t: (t.T @ A @ t).item(), x),
             num=(r"x^\top (A + A^\top)", x.T @ (A + A.T)), den=(r"(A + A^\top)\, x", (A + A.T) @ x)),
        dict(plain=("∂‖x‖²/∂x", "2xᵀ", "2x"),
             name=r"\(\partial \lVert x \rVert^2/\partial x\)", sizes=r"\(x \in \R^3\)", kind="scalar by vector",
             partials=lambda: fd_gradient(lambda t: float(np.sum(t * t)), x),
             num=(r"2 x^\top", 2 * x.T), den=(r"2 x", 2 * x)),
        dict(plain=("∂f(x)/∂x", "diag(f′(x))", "diag(f′(x))"),
             name=r"\(\partial f(x)/\partial x\), \(f\) entry by entry", sizes=r"\(f = \tanh\)", kind="vector by vector",
             partials=lambda: fd_jacobian(tanh, x),
             num=(r"\diag(f'(x))", diag_tanh), den=(r"\diag(f'(x))", diag_tanh)),
        dict(plain=("∂(uᵀWx)/∂W", "x uᵀ", "u xᵀ"),
             name=r"\(\partial (u^\top W x)/\partial W\)", sizes=r"\(u \in \R^2\), \(W\): 2×3", kind="scalar by matrix",
             partials=lambda: fd_gradient(lambda T: (u.T @ T @ x).item(), W),
             num=(r"x u^\top", x @ u.T), den=(r"u x^\top", u @ x.T)),
        dict(plain=("∂tr(BX)/∂X", "B", "Bᵀ"),
             name=r"\(\partial\, \mathrm{tr}(BX)/\partial X\)", sizes=r"\(B\): 3×2, \(X\): 2×3", kind="scalar by matrix",
             partials=lambda: fd_gradient(lambda T: float(np.trace(B @ T)), X),
             num=(r"B", B), den=(r"B^\top", B.T)),
    ]


def arrange(kind: str, partials):
    """Lay out finite-difference partials by each layout's definition: (numerator, denominator)."""
    if kind == "vector by vector":  # partials[i, j] = ∂y_i/∂x_j: numerator as is
        return partials, to_denominator(partials)
    # scalar by vector or matrix: partials have the variable's shape (denominator); numerator transposes
    return to_numerator(partials), partials


@artifact("identities")
def identities(ctx):
    v = identity_arrays()
    rows = []
    for item in identities_list(v):
        in_num, in_den = arrange(item["kind"], item["partials"]())
        label, num_plain, den_plain = item["plain"]
        ctx.check.gradient(f"{label} in numerator layout is {num_plain}", item["num"][1], in_num)
        ctx.check.gradient(f"{label} in denominator layout is {den_plain}", item["den"][1], in_den)
        rows.append([item["name"], rf"\({item['num'][0]}\) ({dims(in_num.shape)})",
                     rf"\({item['den'][0]}\) ({dims(in_den.shape)})", item["sizes"]])
    # The classic slip: 2Ax holds only for a symmetric A.
    x, A = v["x"], v["A"]
    ctx.check.differ("2 A x is wrong for a non-symmetric A", 2 * A @ x, (A + A.T) @ x, how="2Ax and (A + Aᵀ)x differ")
    return md_table(["derivative", "numerator layout", "denominator layout", "checked with"], rows, align="llll")


# ---------------------------------------------------------------------------
# The book's choice, on the 2-3-2 network


@artifact("book-choice")
def book_choice(ctx):
    net, x, y, cache, grads = example()
    W, z, a, delta = net.W, cache.z, cache.a, grads.delta
    sig = net.g[1]
    rows = []
    g = fd_gradient(J_of_z(net, y, 1), z[1])
    ctx.check.gradient("denominator tab: ∂J/∂z⁽¹⁾ = δ⁽¹⁾", delta[1], g)
    ctx.check.gradient("numerator tab: ∂J/∂z⁽¹⁾ = δ⁽¹⁾ᵀ", delta[1].T, to_numerator(g))
    rows.append([r"\(\partial J/\partial z^{(1)}\)", rf"\(\delta^{{(1)}}\), a column: {dims(delta[1].shape)}",
                 rf"\(\delta^{{(1)\top}}\), a row: {dims(delta[1].T.shape)}"])
    P = fd_jacobian(lambda v: W[2] @ v + net.b[2], a[1])
    ctx.check.close("numerator tab: ∂z⁽²⁾/∂a⁽¹⁾ = W⁽²⁾", W[2], P, tol=1e-8)
    ctx.check.close("denominator tab: ∂z⁽²⁾/∂a⁽¹⁾ = W⁽²⁾ᵀ", W[2].T, to_denominator(P), tol=1e-8)
    rows.append([r"\(\partial z^{(2)}/\partial a^{(1)}\)", rf"\(W^{{(2)\top}}\): {dims(W[2].T.shape)}",
                 rf"\(W^{{(2)}}\): {dims(W[2].shape)}"])
    S = fd_jacobian(sig, z[1])
    D = np.diag(sig.prime(z[1])[:, 0])
    ctx.check.close("∂a⁽¹⁾/∂z⁽¹⁾ = diag(σ′(z⁽¹⁾)) in both tabs", D, S, tol=1e-8)
    ctx.check.close("the diagonal Jacobian is its own transpose", D, D.T, tol=0.0, how="symmetric")
    rows.append([r"\(\partial a^{(1)}/\partial z^{(1)}\)", rf"\(\diag(\sigma'(z^{{(1)}}))\): {dims(D.shape)}",
                 rf"the same, \(\diag(\sigma'(z^{{(1)}}))\): {dims(D.shape)}"])
    G = fd_gradient(loss_of_param(net, x, y, "W", 1), W[1])
    ctx.check.gradient("∂J/∂W⁽¹⁾ = δ⁽¹⁾ a⁽⁰⁾ᵀ in both tabs", grads.dW[1], G)
    ctx.check.shape("∂J/∂W⁽¹⁾ has the shape of W⁽¹⁾ in both tabs", grads.dW[1], W[1].shape)
    rows.append([r"\(\partial J/\partial W^{(1)}\)", rf"\(\delta^{{(1)}} a^{{(0)\top}}\): {dims(W[1].shape)}, like \(W^{{(1)}}\)",
                 rf"\(\delta^{{(1)}} a^{{(0)\top}}\): {dims(W[1].shape)}, like \(W^{{(1)}}\)"])
    return md_table(["derivative", "Denominator layout tab", "Numerator layout tab"], rows, align="lll")


# ---------------------------------------------------------------------------
# Exercises


def exercise_arrays():
    net, x, y = seed_example()
    rng = np.random.default_rng(EXERCISE_SEED)
    t = np.round(rng.uniform(-1.0, 1.0, size=(net.W[1].shape[0], 1)), 2)  # printed in full in the prompt
    M = rng.standard_normal((3, 3))
    c = rng.standard_normal((3, 1))
    v = rng.standard_normal((3, 1))
    return net.W[1], x, t, M, c, v


@artifact("ex1")
def ex1(ctx):
    W, x, t, *_ = exercise_arrays()
    r = W @ x - t  # the residual, 3×1

    def J(v):
        return 0.5 * float(np.sum((W @ v - t) ** 2))

    den_col = W.T @ r  # denominator layout: the gradient, a column
    num_row = r.T @ W  # numerator layout: a row
    fd = fd_gradient(J, x)
    ctx.check.gradient("denominator layout: Wᵀ(Wx − t)", den_col, fd)
    ctx.check.gradient("numerator layout: (Wx − t)ᵀ W", num_row, fd.T)
    ctx.check.chain("Wᵀ r", [W.T.shape, r.shape], x.shape)
    ctx.check.chain("rᵀ W", [r.T.shape, W.shape], x.T.shape)
    ctx.value("ex1_t", "(" + ", ".join(num(v, 2) for v in t.ravel()) + r")^\top")
    body = (
        "Write \\(r = Wx - t\\), so \\(J = \\tfrac12 r^\\top r\\). The chain rule through \\(r\\) needs "
        "\\(\\partial J/\\partial r\\), which is \\(r\\) in denominator layout and \\(r^\\top\\) in numerator layout, "
        "and \\(\\partial r/\\partial x\\), which is \\(W^\\top\\) in denominator layout and \\(W\\) in numerator "
        "layout:\n\n"
        "=== \"Denominator layout\"\n\n"
        + "    " + display(rf"\frac{{\partial J}}{{\partial x}} = \underbrace{{W^\top}}_{{{tex_dims(W.T.shape)}}}"
                          rf"\underbrace{{(Wx - t)}}_{{{tex_dims(r.shape)}}} = {tex_matrix(den_col)}").replace("\n", "\n    ")
        + "\n\n=== \"Numerator layout\"\n\n"
        + "    " + display(rf"\frac{{\partial J}}{{\partial x}} = \underbrace{{(Wx - t)^\top}}_{{{tex_dims(r.T.shape)}}}"
                          rf"\underbrace{{W}}_{{{tex_dims(W.shape)}}} = {tex_matrix(num_row)}").replace("\n", "\n    ")
        + "\n\nThe same two numbers, once as a column and once as a row; the build compared both with central "
          "differences."
    )
    return solution(body)


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads = example()
    d1, a0 = grads.delta[1], cache.a[0]
    G = fd_gradient(loss_of_param(net, x, y, "W", 1), net.W[1])
    ctx.check.gradient("u xᵀ with u = δ⁽¹⁾, x = a⁽⁰⁾ is ∂J/∂W⁽¹⁾", d1 @ a0.T, G)
    ctx.check.gradient("numerator layout: x uᵀ = a⁽⁰⁾ δ⁽¹⁾ᵀ", a0 @ d1.T, G.T)
    ctx.check.shape("denominator layout has the shape of W⁽¹⁾", d1 @ a0.T, net.W[1].shape)
    body = (
        "Near the current weights, \\(J\\) changes with \\(W^{(1)}\\) only through \\(z^{(1)} = W^{(1)} a^{(0)} + "
        "b^{(1)}\\), and to first order the change is \\(\\delta^{(1)\\top}\\, dW\\, a^{(0)}\\): the form "
        "\\(u^\\top W x\\) with \\(u = \\delta^{(1)}\\) and \\(x = a^{(0)}\\). The identity gives\n\n"
        + display(rf"\underbrace{{u x^\top}}_{{\text{{denominator}}}} = \delta^{{(1)}} a^{{(0)\top}} = "
                  rf"{tex_matrix(d1 @ a0.T)} \quad ({tex_dims(net.W[1].shape)}),")
        + "\n\n"
        + display(rf"\underbrace{{x u^\top}}_{{\text{{numerator}}}} = a^{{(0)}} \delta^{{(1)\top}} = "
                  rf"{tex_matrix(a0 @ d1.T)} \quad ({tex_dims(net.W[1].T.shape)}).")
        + "\n\nThe first is (B3): it has the shape of \\(W^{(1)}\\), so it can be subtracted from it. The second holds "
          "the same numbers transposed. Both were compared with central differences of \\(J\\) in every entry of "
          "\\(W^{(1)}\\)."
    )
    return solution(body)


@artifact("ex3")
def ex3(ctx):
    *_, M, c, v = exercise_arrays()

    def J(t):
        return (c.T @ M @ t).item()  # J = cᵀ z with z = M x

    right = M.T @ c  # denominator chain: (∂z/∂x in denominator layout) · ∂J/∂z = Mᵀ c
    wrong = M @ c  # the transpose forgotten: the shapes still chain
    fd = fd_gradient(J, v)
    ctx.check.gradient("∂J/∂x = Mᵀ c", right, fd)
    ctx.check.chain("M c (wrong, but the shapes chain)", [M.shape, c.shape], (3, 1))
    ctx.check.differ("M c is not the gradient", wrong, fd, how="M c and the finite-difference gradient differ")
    body = (
        "With \\(z = Mx\\) and \\(J = c^\\top z\\), the denominator-layout chain is "
        "\\(\\partial J/\\partial x = (\\partial z/\\partial x)\\,(\\partial J/\\partial z) = M^\\top c\\). "
        f"Forgetting the transpose gives \\(M c\\), which is also {dims(M.shape)} times {dims(c.shape)}: no shape "
        "check can object. The numbers can:\n\n"
        + display(rf"M = {tex_matrix(M)}, \qquad c = {tex_matrix(c)},")
        + "\n\n"
        + display(rf"M^\top c = {tex_matrix(right)}, \qquad M c = {tex_matrix(wrong)}.")
        + "\n\nOnly \\(M^\\top c\\) agrees with central differences. With square matrices the shapes prove nothing, "
          "which is why every formula in this book is also checked numerically."
    )
    return solution(body)
