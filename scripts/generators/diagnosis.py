"""Artifacts for docs/diagnosis.md: the question's second chain, evaluated and repaired fault by fault.

Layers use the question's numbers: a^(1) = x, W^(2) is the code's W[1] (3x2), W^(3) is W[2] (2x3).
The question's chain for dL/dW^(2) is

    (a3 - y) ⊙ a3 ⊙ (1 - a3)  ·  W3  ·  (1, 1, 1)^T  ·  a1^T        shapes 2x1 · 2x3 · 3x1 · 1x2

and it is multiplied here with the real numbers of the 2-3-2 network, so the ShapeError on the page is
the one numpy-backed `backprop.jacobians.multiply` raises. Faults, as the page names them:

    a  sigma' written as a 3x1 vector where diag(sigma') (or ⊙) belongs
    b  W3 untransposed next to a column delta3 (denominator layout needs W3^T, on the left)
    c  da2/dz2 written twice
    d  the left-hand side says W^(3) where W^(2) is meant (a label; the numbers are W^(2)'s)
    e  the hidden derivative taken as (1, 1, 1): right only for ReLU with z > 0
"""

from __future__ import annotations

import numpy as np

from backprop import Factor, Network, ShapeError, backward, forward, multiply, numerical_gradient, seed_example
from backprop.activations import activation
from backprop.gradcheck import numerical_jacobian as fd_jacobian
from backprop.gradcheck import relative_error
from backprop.losses import loss
from book.artifacts import artifact
from book.figures import line_plot, matrix_heatmap
from book.markup import display, figure, solution
from book.shapes import chain_svg
from book.tables import bound, md_table, num, shape, tex_matrix

mse = loss("squared_error")
FAULTS = "abcde"


# ---------------------------------------------------------------------------
# The example and its pieces, named as in the question


def network(hidden: str = "sigmoid", b2=None) -> tuple[Network, np.ndarray, np.ndarray]:
    """The seed 2-3-2 network, optionally with another hidden activation or hidden bias."""
    seed, x, y = seed_example()
    b = [None, seed.b[1] if b2 is None else np.asarray(b2, dtype=float), seed.b[2]]
    net = Network(W=seed.W, b=b, activations=[None, hidden, "sigmoid"], loss="squared_error")
    return net, x, y


def pieces(net, x, y) -> dict:
    """Every quantity of the chain for dL/dW(2), in the question's names."""
    cache = forward(net, x)
    z2, a2, z3, a3 = cache.z[1], cache.a[1], cache.z[2], cache.a[2]
    g2 = activation(net.activations[1])
    delta3 = (a3 - y) * a3 * (1 - a3)  # (B1) for sigmoid + squared error: the question's first three factors
    gprime2 = g2.prime(z2)  # g'(z(2)), a 3x1 column
    return dict(cache=cache, grads=backward(net, cache, y), x=x, y=y, z2=z2, a2=a2, z3=z3, a3=a3,
                a1=x, W2=net.W[1], W3=net.W[2], delta3=delta3, gprime2=gprime2, D2=np.diag(gprime2[:, 0]))


def fd_dW2(net, x, y) -> np.ndarray:
    """∂L/∂W(2) by central differences (numerical_gradient perturbs net.W[1] in place and restores it)."""
    return numerical_gradient(lambda _: mse.value(forward(net, x).a[2], y), net.W[1])


def ones3() -> np.ndarray:
    return np.ones((3, 1))


# ---------------------------------------------------------------------------
# Chains as lists of Factors, so `multiply` checks every inner dimension


def F(name: str, value) -> Factor:
    return Factor(name, name, np.asarray(value, dtype=float))


def as_written(p: dict) -> list[Factor]:
    """The question's chain, as printed: 2x1 · 2x3 · 3x1 · 1x2."""
    return [F("δ(3)", p["delta3"]), F("W(3)", p["W3"]), F("(1,1,1)ᵀ", ones3()), F("a(1)ᵀ", p["a1"].T)]


def corrected(p: dict, faults: str = "") -> list[Factor]:
    """Denominator-layout chain for ∂L/∂W(2), diag(g') · W(3)ᵀ · δ(3) · a(1)ᵀ, with chosen faults put back in."""
    slope = ones3() if "e" in faults else p["gprime2"]  # (e): (1,1,1) in place of σ'(z(2))
    if "a" in faults:  # (a): the slope as a 3x1 column, not a 3x3 diagonal
        hidden = F("σ′ as a 3×1 column", slope)
    else:
        hidden = F("diag(g′(z(2)))", np.diag(slope[:, 0]))
    factors = [hidden, hidden] if "c" in faults else [hidden]  # (c): da(2)/dz(2) twice
    factors.append(F("W(3)", p["W3"]) if "b" in faults else F("W(3)ᵀ", p["W3"].T))  # (b)
    return factors + [F("δ(3)", p["delta3"]), F("a(1)ᵀ", p["a1"].T)]


def fixed_alone(p: dict, fault: str) -> list[Factor]:
    """The question's chain with only one fault repaired, the rest as printed."""
    chain = as_written(p)
    if fault == "a":  # the column becomes a diagonal, still of ones
        chain[2] = F("diag(1,1,1)", np.eye(3))
    elif fault == "b":  # denominator layout: W(3)ᵀ, moved to the left of δ(3)
        chain = [F("(1,1,1)ᵀ", ones3()), F("W(3)ᵀ", p["W3"].T), F("δ(3)", p["delta3"]), F("a(1)ᵀ", p["a1"].T)]
    elif fault == "e":  # the slope becomes σ'(z(2)), still a column
        chain[2] = F("σ′(z(2))", p["gprime2"])
    # (c) and (d) do not change the matrix expression: it has one hidden factor and no W on the right
    return chain


def outcome(factors: list[Factor], numeric: np.ndarray) -> tuple[str, float | None, str | None]:
    """Multiply for real: ('ok', relative error vs FD, None) or ('shape', None, what failed)."""
    try:
        product = multiply(factors)
    except ShapeError:
        shapes = [f.shape for f in factors]
        k = next(i for i in range(len(shapes) - 1) if shapes[i][1] != shapes[i + 1][0])
        partial = (shapes[0][0], shapes[k][1])
        return "shape", None, f"{partial[0]}×{partial[1]} · {shapes[k + 1][0]}×{shapes[k + 1][1]}"
    if product.shape != numeric.shape:
        return "wrong-shape", None, shape(product)
    return "ok", relative_error(product, numeric), None


def fmt_err(err: float) -> str:
    """Relative errors: a bound for the tiny ones (they vary in the last digits), digits for real errors."""
    return f"≤ {bound(err)}" if err < 1e-6 else num(err, 3)


def wrapped(message: str) -> str:
    """A ShapeError message for a text block, broken after its first clause so phones need not scroll."""
    return "ShapeError: " + message.replace(": ", ":\n    ", 1)


def tex_shape(s) -> str:
    return rf"{s[0]}\times {s[1]}"


def underbraces(factors: list[tuple[str, tuple]]) -> str:
    return r"\;".join(rf"\underbrace{{{tex}}}_{{{tex_shape(s)}}}" for tex, s in factors)


# ---------------------------------------------------------------------------
# The chain as written


@artifact("as-written")
def as_written_artifact(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    chain = as_written(p)
    ctx.check.that("the four factors have the question's shapes", [f.shape for f in chain] == [(2, 1), (2, 3), (3, 1), (1, 2)],
                   "2×1 · 2×3 · 3×1 · 1×2, as the question reports")
    ctx.check.close("the first three factors are δ(3) of (B1)", p["delta3"], p["grads"].delta[2], tol=1e-14,
                    how="(a(3) − y) ⊙ a(3) ⊙ (1 − a(3)) equals the reference δ(3)")
    message = ctx.check.raises("the product as written cannot be formed", lambda: multiply(chain), ShapeError)
    ctx.check.that("the message names the first mismatch", "(2, 1) by W(3) (2, 3)" in message, "δ(3) (2, 1) by W(3) (2, 3)")
    ctx.value("message", message)
    tex = underbraces([(r"(a^{(3)} - y) \odot a^{(3)} \odot (1 - a^{(3)})", (2, 1)), ("W^{(3)}", (2, 3)),
                       (r"(1,1,1)^\top", (3, 1)), (r"a^{(1)\top}", (1, 2))])
    numbers = r"\;".join(tex_matrix(f.value) for f in chain)
    svg = chain_svg([("δ⁽³⁾", (2, 1)), ("W⁽³⁾", (2, 3)), ("(1,1,1)ᵀ", (3, 1)), ("a⁽¹⁾ᵀ", (1, 2))],
                    salt="diagnosis-as-written", grid=True,
                    title="The question's chain for dL/dW(2) does not multiply",
                    desc="delta(3) is 2 by 1 and W(3) is 2 by 3: one column against two rows, so the first product "
                         "is undefined. The other two junctions, 3 by 1 times 1 by 2 and 2 by 3 times 3 by 1, would fit.")
    return (display(r"\begin{gathered}" + tex + r" \\[12pt] " + numbers + r"\end{gathered}")
            + "\n\nMultiplying these four arrays with the book's `multiply` (which refuses a product whose inner "
            "dimensions differ) stops at the first junction:\n\n```text\n" + wrapped(message) + "\n```\n\n"
            + figure(svg, "The question's chain drawn to scale. The first junction has 1 column against 2 rows; "
                          "the other two junctions fit, which is why the mismatch is easy to miss."))


# ---------------------------------------------------------------------------
# The five faults


@artifact("fault-a")
def fault_a(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    numeric = fd_jacobian(lambda z: activation("sigmoid")(z), p["z2"])
    ctx.check.shape("∂a(2)/∂z(2) by finite differences is 3×3", numeric, (3, 3))
    ctx.check.gradient("∂a(2)/∂z(2) = diag(σ′(z(2)))", p["D2"], numeric)
    u = p["W3"].T @ p["delta3"]
    ctx.check.close("diag(σ′) u = σ′ ⊙ u", p["D2"] @ u, p["gprime2"] * u, tol=1e-15,
                    how="a diagonal matrix times a vector is the entrywise product")
    ctx.check.raises("a 3×1 column cannot stand where the 3×3 factor goes",
                     lambda: multiply(corrected(p, "a")[:2]), ShapeError)
    ctx.check.that("the off-diagonal entries are zero", bool(np.all(np.abs(numeric - np.diag(np.diag(numeric))) < 1e-10)),
                   "each a(2)_i depends on z(2)_i alone, so every off-diagonal derivative vanishes")
    return display(
        r"\begin{aligned}\underbrace{\sigma'(z^{(2)})}_{3\times 1} &= " + tex_matrix(p["gprime2"])
        + r" \\[12pt] \underbrace{\frac{\partial a^{(2)}}{\partial z^{(2)}}}_{3\times 3} &= \diag\bigl(\sigma'(z^{(2)})\bigr) = "
        + tex_matrix(p["D2"])
        + r" \\[12pt] \diag\bigl(\sigma'(z^{(2)})\bigr)\, u &= \sigma'(z^{(2)}) \odot u \quad\text{for every } u \in \R^3"
        + r"\end{aligned}"
    )


@artifact("fault-b-denominator")
def fault_b_den(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    W3, d3 = p["W3"], p["delta3"]
    ctx.check.raises("W(3) · δ(3) does not multiply (2×3 · 2×1)", lambda: multiply([F("W(3)", W3), F("δ(3)", d3)]), ShapeError)
    numeric = numerical_gradient(lambda a2: mse.value(activation("sigmoid")(W3 @ a2 + net.b[2]), y), p["a2"].copy())
    back = W3.T @ d3
    ctx.check.gradient("∂L/∂a(2) = W(3)ᵀ δ(3)", back, numeric)
    ctx.check.chain("W(3)ᵀ δ(3)", [W3.T.shape, d3.shape], (3, 1))
    return display(
        r"\begin{aligned}\underbrace{\frac{\partial L}{\partial a^{(2)}}}_{3\times 1} &= \underbrace{W^{(3)\top}}_{3\times 2}"
        r"\underbrace{\delta^{(3)}}_{2\times 1} \\[10pt] &= " + tex_matrix(W3.T) + tex_matrix(d3) + " = " + tex_matrix(back)
        + r"\end{aligned}")


@artifact("fault-b-numerator")
def fault_b_num(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    W3, d3 = p["W3"], p["delta3"]
    jac = fd_jacobian(lambda a2: W3 @ a2 + net.b[2], p["a2"])
    ctx.check.gradient("∂z(3)/∂a(2) (numerator layout) = W(3)", W3, jac)
    row = d3.T @ W3
    numeric = numerical_gradient(lambda a2: mse.value(activation("sigmoid")(W3 @ a2 + net.b[2]), y), p["a2"].copy())
    ctx.check.gradient("∂L/∂a(2) as a row = δ(3)ᵀ W(3)", row, numeric.T)
    ctx.check.chain("δ(3)ᵀ W(3)", [d3.T.shape, W3.shape], (1, 3))
    return display(
        r"\begin{aligned}\underbrace{\frac{\partial L}{\partial a^{(2)}}}_{1\times 3} &= \underbrace{\delta^{(3)\top}}_{1\times 2}"
        r"\underbrace{W^{(3)}}_{2\times 3} \\[10pt] &= " + tex_matrix(d3.T) + tex_matrix(W3) + r" \\[10pt] &= " + tex_matrix(row)
        + r"\end{aligned}")


@artifact("fault-c")
def fault_c(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    numeric = fd_dW2(net, x, y)
    once = multiply(corrected(p))
    twice = multiply(corrected(p, "c"))
    ctx.check.gradient("one factor ∂a(2)/∂z(2): ∂L/∂W(2)", once, numeric)
    err = ctx.check.differ("the factor twice gives other numbers", twice, numeric, min_rel=0.1,
                           how="(σ′)² in place of σ′ is far from finite differences")
    ctx.check.that("with (1,1,1) the duplicate cannot be seen", bool(np.all(ones3() * ones3() == ones3())),
                   "1 · 1 = 1, so the question's matrix form hides the repeated factor")
    ctx.value("err_c", fmt_err(err))
    rows = [[f"{i + 1}", num(p["gprime2"][i, 0]), num(p["gprime2"][i, 0] ** 2)] for i in range(3)]
    return md_table(["$i$", "$\\sigma'(z^{(2)}_i)$, once", "$\\sigma'(z^{(2)}_i)^2$, twice"], rows, align="rrr") + (
        f"\n\nWith the factor twice, ∂L/∂W⁽²⁾ is off by a relative error of {fmt_err(err)} against finite differences; "
        "with it once, the two agree.")


@artifact("fault-d")
def fault_d(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    result = multiply(corrected(p))
    ctx.check.shape("the chain's result has the shape of W(2)", result, net.W[1].shape)
    ctx.check.that("… and not the shape of W(3)", result.shape != net.W[2].shape, f"{shape(result)} ≠ {shape(net.W[2])}")
    ctx.check.gradient("its numbers are ∂L/∂W(2)", result, fd_dW2(net, x, y))
    return md_table(["", "shape", "what the chain's last factors say"], [
        ["$W^{(2)}$", shape(net.W[1]), "$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}$: the chain ends in $a^{(1)\\top}$"],
        ["$W^{(3)}$", shape(net.W[2]), "would end in $a^{(2)\\top}$, as in the first question"],
        ["the chain's product", shape(result), "matches $W^{(2)}$"],
    ], align="lcl")


@artifact("fault-e")
def fault_e(ctx):
    rows = []
    # Sigmoid hidden layer (the question's network): (1,1,1) is wrong.
    net, x, y = network("sigmoid")
    p = pieces(net, x, y)
    numeric = fd_dW2(net, x, y)
    right = multiply(corrected(p))
    ctx.check.gradient("sigmoid, σ′(z(2)): ∂L/∂W(2)", right, numeric)
    wrong = multiply(corrected(p, "e"))
    err_sig = ctx.check.differ("sigmoid, (1,1,1): ∂L/∂W(2)", wrong, numeric, min_rel=0.5,
                               how="(1,1,1) in place of σ′(z(2)) misses finite differences")
    ctx.value("err_e", fmt_err(err_sig))
    rows.append(["sigmoid", "$\\sigma'(z^{(2)})$", ", ".join(num(v) for v in p["gprime2"].ravel()),
                 fmt_err(relative_error(right, numeric)), "yes"])
    rows.append(["sigmoid", "$(1,1,1)$", ", ".join(num(1.0) for _ in range(3)), fmt_err(err_sig), "no"])
    # ReLU hidden layer, same weights: z(2) > 0, so ReLU'(z(2)) = (1,1,1) and the shortcut is exact.
    rnet, x, y = network("relu")
    r = pieces(rnet, x, y)
    ctx.check.that("every hidden pre-activation is positive", bool(np.all(r["z2"] > 0)),
                   "z(2) = " + ", ".join(num(v) for v in r["z2"].ravel()) + ", all > 0")
    ctx.check.close("ReLU′(z(2)) = (1,1,1)", r["gprime2"], ones3(), tol=0.0, how="the ReLU slope is exactly 1 for z > 0")
    r_numeric = fd_dW2(rnet, x, y)
    r_shortcut = multiply(corrected(r, "e"))
    err_relu = ctx.check.gradient("ReLU, (1,1,1): ∂L/∂W(2)", r_shortcut, r_numeric)
    ctx.check.close("… equals the reference backward pass", r_shortcut, r["grads"].dW[1], tol=1e-12)
    rows.append(["ReLU", "$(1,1,1)$", ", ".join(num(v) for v in r["gprime2"].ravel()), fmt_err(err_relu), "yes"])
    ctx.value("z2", ", ".join(num(v, 2) for v in p["z2"].ravel()))
    table = md_table(["hidden $g$", "slope used", "its entries", "rel. error of $\\partial L/\\partial W^{(2)}$ vs FD", "right?"],
                     rows, align="llrrc")
    zs = np.linspace(-3, 3, 25)
    sig = activation("sigmoid")
    svg = line_plot([("σ′(z), the sigmoid's slope", zs, sig.prime(zs)),
                     ("ReLU′(z)", zs, activation("relu").prime(zs)),
                     ("σ′ at the three z⁽²⁾", p["z2"].ravel(), p["gprime2"].ravel())],
                    salt="diagnosis-slopes", xlabel="pre-activation z", ylabel="slope g′(z)", figsize=(6.0, 3.2),
                    title="Slopes of the sigmoid and of ReLU",
                    desc="The sigmoid's slope peaks at one quarter at z = 0 and is never 1; ReLU's slope is 0 for "
                         "negative z and 1 for positive z. The three hidden pre-activations of the example sit near "
                         "the peak of the sigmoid's slope.")
    peak = float(np.max(sig.prime(zs)))
    ctx.check.that("σ′ never reaches 1", peak == 0.25 and float(sig.prime(np.array([[0.0]]))[0, 0]) == peak,
                   "the largest slope, 1/4, is at z = 0")
    ctx.value("sigmoid_peak", num(peak, 2))
    return table + "\n\n" + figure(svg, "Writing (1,1,1) for the hidden slope is right for ReLU at positive z (dashed "
                                        "line at height 1) and far off for the sigmoid, whose slope never exceeds a quarter.")


# ---------------------------------------------------------------------------
# The corrected chain, both layouts


@artifact("corrected-denominator")
def corrected_den(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    chain = corrected(p)
    numeric = fd_dW2(net, x, y)
    result = multiply(chain)
    ctx.check.chain("diag(σ′) · W(3)ᵀ · δ(3) · a(1)ᵀ", [f.shape for f in chain], (3, 2))
    ctx.check.gradient("corrected chain = ∂L/∂W(2)", result, numeric)
    ctx.check.close("… equals the reference backward pass (B2), (B3)", result, p["grads"].dW[1], tol=1e-12)
    delta2 = multiply(chain[:3])
    ctx.check.close("the first three factors are δ(2)", delta2, p["grads"].delta[1], tol=1e-12)
    ctx.value("den_err", fmt_err(relative_error(result, numeric)))
    tex = underbraces([(r"\diag\bigl(\sigma'(z^{(2)})\bigr)", (3, 3)), (r"W^{(3)\top}", (3, 2)),
                       (r"\delta^{(3)}", (2, 1)), (r"a^{(1)\top}", (1, 2))])
    lhs = r"\underbrace{\frac{\partial L}{\partial W^{(2)}}}_{3\times 2} = "
    numbers = r"\;".join(tex_matrix(f.value) for f in chain)
    svg = chain_svg([("diag σ′(z⁽²⁾)", (3, 3)), ("W⁽³⁾ᵀ", (3, 2)), ("δ⁽³⁾", (2, 1)), ("a⁽¹⁾ᵀ", (1, 2))],
                    ("∂L/∂W⁽²⁾", (3, 2)), salt="diagnosis-corrected-den", grid=True,
                    title="The corrected chain in denominator layout",
                    desc="3 by 3 times 3 by 2 times 2 by 1 gives the 3 by 1 column delta(2); times the 1 by 2 row "
                         "a(1) transposed gives the 3 by 2 gradient, the shape of W(2).")
    return (display(r"\begin{aligned}" + lhs.replace(" = ", " &= ", 1) + tex + r" \\[10pt] &= " + numbers
                    + r" \\[10pt] &= " + tex_matrix(result) + r"\end{aligned}")
            + "\n\n" + figure(svg, "Denominator layout: 3×3 · 3×2 · 2×1 → 3×1 (that is δ⁽²⁾), then · 1×2 → 3×2, "
                                   "the shape of W⁽²⁾."))


@artifact("corrected-numerator")
def corrected_num(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    chain = [F("δ(3)ᵀ", p["delta3"].T), F("W(3)", p["W3"]), F("diag(σ′(z(2)))", p["D2"])]
    row = multiply(chain)  # ∂L/∂z(2) as a 1x3 row
    ctx.check.chain("δ(3)ᵀ · W(3) · diag(σ′)", [f.shape for f in chain], (1, 3))
    ctx.check.close("the row is δ(2)ᵀ", row, p["grads"].delta[1].T, tol=1e-12)
    numeric = fd_dW2(net, x, y)
    laid_out = p["a1"] @ row  # numerator layout lays ∂L/∂W(2) out as 2x3, the transpose of W(2)'s shape
    ctx.check.chain("a(1) · (∂L/∂z(2) row)", [p["a1"].shape, row.shape], (2, 3))
    ctx.check.gradient("a(1) · row, transposed = ∂L/∂W(2)", laid_out.T, numeric)
    ctx.check.raises("the row times a(1)ᵀ does not multiply (1×3 · 1×2)",
                     lambda: multiply(chain + [F("a(1)ᵀ", p["a1"].T)]), ShapeError)
    tex = underbraces([(r"\delta^{(3)\top}", (1, 2)), (r"W^{(3)}", (2, 3)), (r"\diag\bigl(\sigma'(z^{(2)})\bigr)", (3, 3))])
    lhs = r"\underbrace{\frac{\partial L}{\partial z^{(2)}}}_{1\times 3} = "
    numbers = r"\;".join(tex_matrix(f.value) for f in chain)
    outer = (r"\underbrace{\frac{\partial L}{\partial W^{(2)}}}_{2\times 3} = "
             r"\underbrace{a^{(1)}}_{2\times 1}\underbrace{\frac{\partial L}{\partial z^{(2)}}}_{1\times 3} = "
             + tex_matrix(laid_out))
    svg = chain_svg([("δ⁽³⁾ᵀ", (1, 2)), ("W⁽³⁾", (2, 3)), ("diag σ′(z⁽²⁾)", (3, 3))], ("∂L/∂z⁽²⁾", (1, 3)),
                    salt="diagnosis-corrected-num", grid=True,
                    title="The corrected chain in numerator layout",
                    desc="1 by 2 times 2 by 3 times 3 by 3 gives the 1 by 3 row dL/dz(2), the transpose of delta(2).")
    return (display(r"\begin{aligned}" + lhs.replace(" = ", " &= ", 1) + tex + r" \\[10pt] &= " + numbers
                    + r" \\[10pt] &= " + tex_matrix(row) + r"\end{aligned}") + "\n\n" + display(outer)
            + "\n\n" + figure(svg, "Numerator layout: 1×2 · 2×3 · 3×3 → 1×3, the row δ⁽²⁾ᵀ. Factors are "
                                   "appended on the right, in the order of the chain rule."))


# ---------------------------------------------------------------------------
# Summary: each fault alone, and each fault fixed alone


@artifact("summary")
def summary(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    numeric = fd_dW2(net, x, y)
    names = {
        "a": ("σ′ as a 3×1 vector", "diag(σ′(z⁽²⁾)), 3×3, or ⊙ σ′(z⁽²⁾)"),
        "b": ("W⁽³⁾ untransposed next to the column δ⁽³⁾", "W⁽³⁾ᵀ (3×2) to the left of δ⁽³⁾; or δ⁽³⁾ᵀ W⁽³⁾ in numerator layout"),
        "c": ("∂a⁽²⁾/∂z⁽²⁾ written twice", "once: one factor per step of the path"),
        "d": ("left side says W⁽³⁾", "∂L/∂W⁽²⁾"),
        "e": ("(1,1,1) as the hidden slope", "σ′(z⁽²⁾) = a⁽²⁾ ⊙ (1 − a⁽²⁾)"),
    }

    def describe(kind, err, where):
        if kind == "shape":
            return f"ShapeError at {where}"
        if kind == "wrong-shape":
            return f"a {where} result"
        return fmt_err(err)

    rows = []
    for fault in FAULTS:
        if fault == "d":  # a label: the numbers are those of the corrected chain
            kind, err, where = outcome(corrected(p), numeric)
            ctx.check.that("(d) alone leaves the numbers right", kind == "ok" and err < 1e-7, "label only")
            alone = f"numbers unchanged ({fmt_err(err)}); the name is wrong"
        else:
            kind, err, where = outcome(corrected(p, fault), numeric)
            if kind == "shape":
                ctx.check.raises(f"({fault}) alone: the chain does not multiply",
                                 lambda f=fault: multiply(corrected(p, f)), ShapeError)
            else:
                ctx.check.that(f"({fault}) alone: the numbers are wrong", err > 0.1, f"relative error {num(err, 3)} vs FD")
            alone = describe(kind, err, where)
        kind, err, where = outcome(fixed_alone(p, fault), numeric)
        ctx.check.that(f"fixing only ({fault}) is not enough", kind != "ok", f"still: {describe(kind, err, where)}")
        rows.append([f"({fault}) {names[fault][0]}", names[fault][1], alone, describe(kind, err, where)])
    # (c) and (e) score the same: σ′² is too small by the factor σ′, 1 is too large by 1/σ′, and relative to the
    # larger of the two numbers either way the error is 1 − σ′, largest where σ′ is smallest.
    err_c = outcome(corrected(p, "c"), numeric)[1]
    err_e = outcome(corrected(p, "e"), numeric)[1]
    one_minus = 1 - float(np.min(p["gprime2"]))
    ctx.check.close("(c) and (e) both score 1 − min σ′(z(2))", np.array([err_c, err_e]), np.array([one_minus, one_minus]),
                    tol=1e-6, how="the coincidence explained")
    ctx.value("one_minus", num(one_minus, 3))
    ctx.value("min_slope", num(float(np.min(p["gprime2"]))))
    kind, err, _ = outcome(corrected(p), numeric)
    ctx.check.gradient("all five fixed: ∂L/∂W(2)", multiply(corrected(p)), numeric)
    rows.append(["all five fixed", "the corrected chain", fmt_err(err), "—"])
    return md_table(["fault", "correction", "only this fault present (rel. error vs FD)",
                     "only this fault fixed, the rest as printed"], rows, align="llll")


# ---------------------------------------------------------------------------
# Indexing: which subscript is the row?


@artifact("indexing")
def indexing(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    delta3, a2, W3, dW3 = p["grads"].delta[2], p["a2"], p["W3"], p["grads"].dW[2]
    numeric = numerical_gradient(lambda _: mse.value(forward(net, x).a[2], y), net.W[2])
    ctx.check.gradient("∂L/∂W(3) = δ(3) a(2)ᵀ", dW3, numeric)
    # The question's naming: w_ij joins hidden unit i to output unit j and sits in row j, column i.
    asker = np.zeros_like(W3)
    rows = []
    for i in range(3):  # source (hidden) unit
        for j in range(2):  # destination (output) unit
            asker[j, i] = delta3[j, 0] * a2[i, 0]  # ∂L/∂w_ij = δ_j a_i
            rows.append([f"$w^{{(3)}}_{{{i + 1}{j + 1}}}$", f"row {j + 1}, column {i + 1}", f"$W^{{(3)}}_{{{j + 1}{i + 1}}}$",
                         num(W3[j, i], 1), f"$\\delta^{{(3)}}_{j + 1} a^{{(2)}}_{i + 1} = {num(asker[j, i])}$"])
    ctx.check.gradient("the question's entries δ_j a_i, placed at row j, column i", asker, numeric)
    ctx.check.close("same matrix under both namings", asker, dW3, tol=1e-15,
                    how="renaming w_ij as W_ji moves no entry")
    table = md_table(["question's name", "position in the 2×3 matrix", "book's name", "weight", "gradient entry"],
                     rows, align="lllrl")
    svg = matrix_heatmap(dW3, salt="diagnosis-dw3-heat", row_labels=["output 1", "output 2"],
                         col_labels=["hidden 1", "hidden 2", "hidden 3"], fmt="{:.4f}",
                         title="The gradient dL/dW(3) with rows as outputs and columns as hidden units",
                         desc="Row j belongs to output unit j and column i to hidden unit i, whichever subscript "
                              "order names the entry.")
    return table + "\n\n" + figure(svg, "∂L/∂W⁽³⁾ = δ⁽³⁾a⁽²⁾ᵀ: rows are output units (destinations), columns are "
                                        "hidden units (sources). Both namings point at the same cells.")


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    net, x, y = network("tanh")
    p = pieces(net, x, y)
    numeric = fd_dW2(net, x, y)
    slope = 1 - np.tanh(p["z2"]) ** 2
    ctx.check.close("tanh′(z) = 1 − tanh²(z)", p["gprime2"], slope, tol=1e-15)
    right = multiply(corrected(p))
    ctx.check.gradient("tanh hidden layer: ∂L/∂W(2)", right, numeric)
    err = ctx.check.differ("tanh hidden layer, (1,1,1): ∂L/∂W(2)", multiply(corrected(p, "e")), numeric, min_rel=0.01)
    body = (
        "The factor \\(\\partial a^{(2)}/\\partial z^{(2)}\\) becomes \\(\\diag\\bigl(1 - \\tanh^2(z^{(2)})\\bigr)\\). "
        "The pre-activations are the same as before (the weights did not change), so\n\n"
        + display(r"\begin{aligned} 1 - \tanh^2(z^{(2)}) &= " + tex_matrix(slope) + r" \\[6pt] "
                  r"\frac{\partial L}{\partial W^{(2)}} &= \diag\bigl(1 - \tanh^2(z^{(2)})\bigr)\, "
                  r"W^{(3)\top} \delta^{(3)} a^{(1)\top} = "
                  + tex_matrix(right) + r"\end{aligned}")
        + f"\n\nwhere δ⁽³⁾ is recomputed with the tanh hidden layer. Finite differences agree "
        f"(relative error {fmt_err(relative_error(right, numeric))}). Writing (1,1,1) instead is off by {fmt_err(err)}: "
        "tanh′ is 1 only at z = 0, and these pre-activations are not 0."
    )
    return solution(body)


@artifact("ex2")
def ex2(ctx):
    b2 = np.array([[0.1], [0.2], [-1.0]])
    net, x, y = network("relu", b2=b2)
    p = pieces(net, x, y)
    ctx.value("ex2_b", num(b2[2, 0], 1))
    ctx.check.that("z(2)_3 is negative", p["z2"][2, 0] < 0 and bool(np.all(p["z2"][:2] > 0)),
                   "z(2) = " + ", ".join(num(v, 2) for v in p["z2"].ravel()))
    numeric = fd_dW2(net, x, y)
    right = multiply(corrected(p))
    ctx.check.gradient("ReLU with one inactive unit: ∂L/∂W(2)", right, numeric)
    ctx.check.that("row 3 of the gradient is zero", bool(np.all(right[2] == 0.0)), "the inactive unit passes no gradient")
    wrong = multiply(corrected(p, "e"))
    err = ctx.check.differ("(1,1,1) with an inactive unit", wrong, numeric, min_rel=0.5)
    ctx.check.close("… rows 1 and 2 still agree", wrong[:2], numeric[:2], tol=1e-7, how="only the inactive row is wrong")
    body = (
        "No. The third pre-activation is now negative,\n\n"
        + display(r"z^{(2)} = " + tex_matrix(p["z2"], 2) + r",\qquad \operatorname{ReLU}'(z^{(2)}) = "
                  + tex_matrix(p["gprime2"], 0) + ",")
        + "\n\nso the right factor is \\(\\diag(1, 1, 0)\\), and the gradient's third row is zero: the third "
        "hidden unit outputs 0 whatever its weights are (near these values), so they cannot change the loss.\n\n"
        + display(r"\frac{\partial L}{\partial W^{(2)}} = " + tex_matrix(right) + r",\qquad "
                  r"\text{with }(1,1,1):\ " + tex_matrix(wrong))
        + f"\n\nRows 1 and 2 agree with finite differences either way; row 3 does not, a relative error of "
        f"{fmt_err(err)} (an entry that should be 0 is not)."
    )
    return solution(body)


@artifact("ex3")
def ex3(ctx):
    net, x, y = network()
    p = pieces(net, x, y)
    chain = [F("δ(3)ᵀ", p["delta3"].T), F("W(3)", p["W3"]), F("diag(σ′(z(2)))", p["D2"])]
    row = multiply(chain)
    ctx.check.close("δ(3)ᵀ W(3) diag(σ′) = δ(2)ᵀ", row, p["grads"].delta[1].T, tol=1e-12)
    message = ctx.check.raises("appending a(1)ᵀ fails", lambda: multiply(chain + [F("a(1)ᵀ", p["a1"].T)]), ShapeError)
    numeric = fd_dW2(net, x, y)
    grad = row.T @ p["a1"].T
    ctx.check.gradient("(row)ᵀ a(1)ᵀ = ∂L/∂W(2)", grad, numeric)
    body = (
        "Transpose the first factor, \\((a^{(3)} - y) \\odot a^{(3)} \\odot (1 - a^{(3)})\\), into a \\(1\\times 2\\) row, keep "
        "\\(W^{(3)}\\) as it is, and make the slope a \\(3\\times 3\\) diagonal:\n\n"
        + display(underbraces([(r"\delta^{(3)\top}", (1, 2)), ("W^{(3)}", (2, 3)),
                               (r"\diag\bigl(\sigma'(z^{(2)})\bigr)", (3, 3))])
                  + " = " + tex_matrix(row))
        + "\n\nthe row \\(\\delta^{(2)\\top}\\). Appending \\(a^{(1)\\top}\\) on the right still fails:\n\n"
        + "```text\n" + wrapped(message) + "\n```\n\n"
        "because \\(\\partial z^{(2)}/\\partial W^{(2)}\\) is not a matrix (it is a 3-tensor), so the last step is not "
        "one more factor of the chain. It is the outer product of (B3): \\(\\delta^{(2)} a^{(1)\\top}\\), "
        "that is the row transposed times \\(a^{(1)\\top}\\), which finite differences confirm "
        f"(relative error {fmt_err(relative_error(grad, numeric))})."
    )
    return solution(body)
