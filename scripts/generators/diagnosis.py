# Values and figures for docs/diagnosis.md: the question's chain for ∂L/∂W(2), multiplied and repaired.
#
# The question's numbering: a(1) = x, W(2) = code W[1] (3×2), W(3) = code W[2] (2×3). Its chain is
# δ(3) · W(3) · (1,1,1)ᵀ · a(1)ᵀ (2×1 · 2×3 · 3×1 · 1×2). The faults, as the page names them:
# a σ′ as a 3×1 column; b W(3) untransposed beside the column δ(3); c ∂a(2)/∂z(2) twice;
# d the left side names W(3); e (1,1,1) as the hidden slope (exact only for ReLU at z > 0).

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from backprop import Factor, ShapeError, backward, forward, multiply, worked_example
from backprop import numerical_gradient as fd
from backprop.activations import activation
from backprop.gradcheck import loss_of_param, loss_of_z, numerical_jacobian, relative_error
from book.artifacts import artifact
from book.figures import line_plot, matrix_heatmap
from book.markup import figure
from book.shapes import chain_svg
from book.tables import shape, tex_bound, tex_matrix, tex_shape

FAULTS = "abcde"
ONES = np.ones((3, 1))


def example(hidden: str = "sigmoid", b2=None) -> SimpleNamespace:
    # The 2-3-2 network (another hidden activation or bias if asked) and every piece of the chain.
    net, x, y, _, _ = worked_example()
    net.activations[1] = hidden
    if b2 is not None:
        net.b[1] = np.asarray(b2, dtype=float)
    cache = forward(net, x)
    a3 = cache.a[2]
    slope = net.g[1].prime(cache.z[1])
    return SimpleNamespace(net=net, x=x, y=y, cache=cache, grads=backward(net, cache, y), W3=net.W[2], slope=slope,
                delta3=(a3 - y) * a3 * (1 - a3),  # the question's first three factors
                fd=fd(loss_of_param(net, x, y, "W", 1), net.W[1].copy()))


def F(name: str, value) -> Factor:
    return Factor(name, name, np.asarray(value, dtype=float))


def as_written(p: SimpleNamespace) -> list[Factor]:
    return [F("δ(3)", p.delta3), F("W(3)", p.W3), F("(1,1,1)ᵀ", ONES), F("a(1)ᵀ", p.x.T)]


def corrected(p: SimpleNamespace, faults: str = "") -> list[Factor]:
    # diag(g′) · W(3)ᵀ · δ(3) · a(1)ᵀ, with the chosen faults put back in.
    slope = ONES if "e" in faults else p.slope
    hidden = F("σ′ as a column", slope) if "a" in faults else F("diag(g′)", np.diag(slope[:, 0]))
    factors = [hidden, hidden] if "c" in faults else [hidden]
    factors.append(F("W(3)", p.W3) if "b" in faults else F("W(3)ᵀ", p.W3.T))
    return factors + [F("δ(3)", p.delta3), F("a(1)ᵀ", p.x.T)]


def fixed_alone(p: SimpleNamespace, fault: str) -> list[Factor]:
    # The question's chain with one fault repaired; (c) and (d) leave its matrix form as it was.
    chain = as_written(p)
    if fault == "a":
        chain[2] = F("diag(1,1,1)", np.eye(3))
    elif fault == "b":
        chain = [F("(1,1,1)ᵀ", ONES), F("W(3)ᵀ", p.W3.T), F("δ(3)", p.delta3), F("a(1)ᵀ", p.x.T)]
    elif fault == "e":
        chain[2] = F("σ′(z(2))", p.slope)
    return chain


def outcome(factors: list[Factor], numeric) -> tuple[str, object]:
    # Multiply for real: ("shape", the junction that failed, as TeX) or ("error", relative error vs FD).
    try:
        product = multiply(factors)
    except ShapeError:
        s = [f.shape for f in factors]
        k = next(i for i in range(len(s) - 1) if s[i][1] != s[i + 1][0])
        return "shape", rf"{tex_shape((s[0][0], s[k][1]))} \cdot {tex_shape(s[k + 1])}"
    return "error", relative_error(product, numeric)


def braced(factors: list[Factor]) -> str:
    return r"\;".join(rf"\underbrace{{{tex_matrix(f.value)}}}_{{{tex_shape(f.shape)}}}" for f in factors)


@artifact("as-written")
def as_written_artifact(ctx):
    p = example()
    chain = as_written(p)
    ctx.check.that("as printed", [f.shape for f in chain] == [(2, 1), (2, 3), (3, 1), (1, 2)], "2×1 · 2×3 · 3×1 · 1×2")
    ctx.check.close("δ(3) as printed", p.delta3, p.grads.delta[2], tol=1e-14)
    message = ctx.check.raises("no product", lambda: multiply(chain), ShapeError)
    ctx.check.that("names the first junction", "δ(3) (2, 1) by W(3) (2, 3)" in message, message)
    ctx.value("message", message)
    ctx.value("as_written_shapes", r" \cdot ".join(tex_shape(f.shape) for f in chain))
    ctx.value("as_written_numbers_a", braced(chain[:2]))  # two lines, for narrow screens
    ctx.value("as_written_numbers_b", braced(chain[2:]))
    svg = chain_svg([(f.name.replace("(3)", "⁽³⁾").replace("(1)", "⁽¹⁾"), f.shape) for f in chain], salt="diagnosis-as-written",
                    grid=True, title="The question's chain", desc=" · ".join(shape(f.value) for f in chain))
    return figure(svg, " · ".join(shape(f.value) for f in chain))


@artifact("fault-a")
def fault_a(ctx):
    p = example()
    z2 = p.cache.z[1]
    jac = numerical_jacobian(activation("sigmoid"), z2)
    D = np.diag(p.slope[:, 0])
    ctx.check.gradient("∂a(2)/∂z(2) = diag σ′", D, jac)
    ctx.check.that("zero off the diagonal", bool(np.all(np.abs(jac - np.diag(np.diag(jac))) < 1e-10)), "a(2)_i needs z(2)_i only")
    u = p.W3.T @ p.delta3
    ctx.check.close("diag(σ′) u = σ′ ⊙ u", D @ u, p.slope * u, tol=1e-15)
    ctx.check.raises("a 3×1 column for the 3×3", lambda: multiply(corrected(p, "a")[:2]), ShapeError)
    ctx.value("slope_matrix", D)
    return ""


@artifact("fault-b")
def fault_b(ctx):
    p = example()
    net, y, W3, d3, a2 = p.net, p.y, p.W3, p.delta3, p.cache.a[1]
    ctx.check.raises("W(3) · δ(3): 2×3 · 2×1", lambda: multiply([F("W(3)", W3), F("δ(3)", d3)]), ShapeError)
    dL_da = fd(lambda a: loss_of_z(net, y, 2)(W3 @ a + net.b[2]), a2.copy())
    ctx.check.gradient("∂L/∂a(2) = W(3)ᵀ δ(3)", W3.T @ d3, dL_da)
    ctx.check.gradient("∂z(3)/∂a(2) = W(3)", W3, numerical_jacobian(lambda a: W3 @ a + net.b[2], a2))
    ctx.check.gradient("∂L/∂a(2)ᵀ = δ(3)ᵀ W(3)", d3.T @ W3, dL_da.T)
    ctx.value("dL_da2", W3.T @ d3)
    return ""


@artifact("fault-c")
def fault_c(ctx):
    p = example()
    ctx.check.gradient("∂a(2)/∂z(2) once", multiply(corrected(p)), p.fd)
    e = ctx.check.differ("twice", multiply(corrected(p, "c")), p.fd, min_rel=0.1)
    ctx.check.that("(1,1,1) hides it", bool(np.all(ONES * ONES == ONES)), "1 · 1 = 1")
    ctx.value("slope_squared", p.slope ** 2)
    ctx.value("err_c", e, digits=3)
    return ""


@artifact("fault-d")
def fault_d(ctx):
    p = example()
    result = multiply(corrected(p))
    ctx.check.shape("W(2)'s shape", result, p.net.W[1].shape)
    ctx.check.that("not W(3)'s", result.shape != p.W3.shape, f"{shape(result)} ≠ {shape(p.W3)}")
    ctx.check.gradient("= ∂L/∂W(2)", result, p.fd)
    return ""


@artifact("fault-e")
def fault_e(ctx):
    p, r = example(), example("relu")
    ctx.value("err_sigmoid", tex_bound(ctx.check.gradient("sigmoid, σ′(z(2))", multiply(corrected(p)), p.fd)))
    ctx.value("err_e", ctx.check.differ("sigmoid, (1,1,1)", multiply(corrected(p, "e")), p.fd, min_rel=0.5), digits=3)
    ctx.check.that("every z(2) > 0", bool(np.all(r.cache.z[1] > 0)), "so ReLU′(z(2)) = 1")
    ctx.check.close("ReLU′(z(2)) = (1,1,1)", r.slope, ONES, tol=0.0)
    ctx.value("err_relu", tex_bound(ctx.check.gradient("ReLU, (1,1,1)", multiply(corrected(r, "e")), r.fd)))
    ctx.check.close("= reference backward", multiply(corrected(r, "e")), r.grads.dW[1], tol=1e-12)
    zs, sig = np.linspace(-3, 3, 25), activation("sigmoid")
    peak = float(np.max(sig.prime(zs)))
    ctx.check.that("max σ′ = σ′(0) = 1/4", peak == 0.25 == float(sig.prime(np.zeros((1, 1)))[0, 0]), f"max σ′ = {peak}")
    ctx.value("sigmoid_peak", peak, digits=2)
    curves = [("σ′(z)", zs, sig.prime(zs)), ("ReLU′(z)", zs, activation("relu").prime(zs)),
              ("σ′(z⁽²⁾)", p.cache.z[1].ravel(), p.slope.ravel())]
    svg = line_plot(curves, salt="diagnosis-slopes", xlabel="z", ylabel="g′(z)", figsize=(6.0, 3.2),
                    title="Slopes of σ and ReLU", desc="; ".join(c[0] for c in curves))
    return figure(svg, "σ′(z), ReLU′(z), σ′(z⁽²⁾)")


@artifact("corrected")
def corrected_artifact(ctx):
    p = example()
    chain = corrected(p)
    ctx.check.chain("diag(σ′) · W(3)ᵀ · δ(3) · a(1)ᵀ", [f.shape for f in chain], (3, 2))
    e = ctx.check.gradient("corrected = ∂L/∂W(2)", multiply(chain), p.fd)
    ctx.check.close("= reference backward", multiply(chain), p.grads.dW[1], tol=1e-12)
    ctx.check.close("first three = δ(2)", multiply(chain[:3]), p.grads.delta[1], tol=1e-12)
    row = multiply([F("δ(3)ᵀ", p.delta3.T), F("W(3)", p.W3), chain[0]])
    ctx.check.close("numerator order: δ(2)ᵀ", row, p.grads.delta[1].T, tol=1e-12)
    ctx.check.raises("row · a(1)ᵀ: 1×3 · 1×2", lambda: multiply([F("row", row), F("a(1)ᵀ", p.x.T)]), ShapeError)
    ctx.value("den_err", tex_bound(e))
    return ""


@artifact("summary")
def summary(ctx):
    # Each fault alone in the corrected chain, and each fault alone fixed in the question's chain.
    p = example()
    for fault in FAULTS:
        kind, value = outcome(corrected(p, "" if fault == "d" else fault), p.fd)
        if fault == "d":
            ctx.check.that("(d) alone: right numbers", kind == "error" and value < 1e-7, "a wrong name only")
        elif kind == "shape":
            ctx.check.raises(f"({fault}) alone: no product", lambda f=fault: multiply(corrected(p, f)), ShapeError)
        else:
            ctx.check.that(f"({fault}) alone: wrong", value > 0.1, f"{value:.3f}")
        ctx.value(f"alone_{fault}", tex_bound(value) if fault == "d" else value, digits=3)
        kind, value = outcome(fixed_alone(p, fault), p.fd)
        ctx.check.that(f"only ({fault}) fixed: no product", kind == "shape", rf"ShapeError at \({value}\)")
        ctx.value(f"fixed_{fault}", value)
    # (c) and (e) score alike: σ′² is σ′ times too small, 1 is 1/σ′ too large; either way 1 − σ′ of the larger.
    one_minus = 1 - float(np.min(p.slope))
    both = [outcome(corrected(p, f), p.fd)[1] for f in "ce"]
    ctx.check.close("(c), (e): 1 − min σ′(z(2))", np.array(both), np.array([one_minus] * 2), tol=1e-6)
    ctx.value("one_minus", one_minus, digits=3)
    ctx.value("min_slope", float(np.min(p.slope)))
    return ""


@artifact("indexing")
def indexing(ctx):
    p = example()
    net, d3, a2 = p.net, p.grads.delta[2], p.cache.a[1]
    numeric = fd(loss_of_param(net, p.x, p.y, "W", 2), net.W[2].copy())
    asker = np.zeros_like(net.W[2])
    for i in range(3):  # the question's w_ij: from hidden unit i to output unit j, stored in row j, column i
        for j in range(2):
            asker[j, i] = d3[j, 0] * a2[i, 0]  # ∂L/∂w_ij = δ_j a_i
    ctx.check.gradient("δ_j a_i at row j, column i", asker, numeric)
    ctx.check.close("= the book's δ a(2)ᵀ", asker, p.grads.dW[2], tol=1e-15)
    svg = matrix_heatmap(p.grads.dW[2], salt="diagnosis-dw3-heat", row_labels=[f"output {i}" for i in (1, 2)],
                         col_labels=[f"hidden {i}" for i in (1, 2, 3)], fmt="{:.4f}",
                         title="∂L/∂W⁽³⁾, output × hidden", desc="δ⁽³⁾ a⁽²⁾ᵀ, 2×3")
    return figure(svg, "δ⁽³⁾a⁽²⁾ᵀ, 2×3")


@artifact("ex1")
def ex1(ctx):
    p = example("tanh")
    ctx.check.close("tanh′ = 1 − tanh²", p.slope, 1 - np.tanh(p.cache.z[1]) ** 2, tol=1e-15)
    right, ones = multiply(corrected(p)), multiply(corrected(p, "e"))
    e = ctx.check.gradient("tanh: ∂L/∂W(2)", right, p.fd)
    ctx.value("ex1_slope", p.slope)
    ctx.value("ex1_err", tex_bound(e))
    ctx.value("ex1_err_ones", ctx.check.differ("tanh, (1,1,1)", ones, p.fd, min_rel=0.01), digits=3)
    ctx.answer("ex1_dW", right, mistakes={"transpose": right.T, "missing-gprime": ones})
    return ""


@artifact("ex2")
def ex2(ctx):
    b2 = np.array([[0.1], [0.2], [-1.0]])
    p = example("relu", b2=b2)
    z2 = p.cache.z[1]
    ctx.check.that("only z(2)_3 < 0", bool(z2[2, 0] < 0 and np.all(z2[:2] > 0)), str(z2.ravel()))
    right, ones = multiply(corrected(p)), multiply(corrected(p, "e"))
    ctx.check.gradient("ReLU: ∂L/∂W(2)", right, p.fd)
    ctx.check.that("row 3 is zero", bool(np.all(right[2] == 0.0)), "no gradient")
    e = ctx.check.differ("(1,1,1), unit 3 off", ones, p.fd, min_rel=0.5)
    ctx.check.close("rows 1, 2 right", ones[:2], p.fd[:2], tol=1e-7)
    ctx.value("ex2_b", b2[2, 0], digits=1)
    ctx.value("ex2_z", z2, digits=2)
    ctx.value("ex2_slope", p.slope, digits=0)
    ctx.value("ex2_ones", ones)
    ctx.value("ex2_err", e, digits=3)
    ctx.answer("ex2_dW", right, mistakes={"missing-gprime": ones, "transpose": right.T})
    return ""


@artifact("ex3")
def ex3(ctx):
    p = example()
    row = multiply([F("δ(3)ᵀ", p.delta3.T), F("W(3)", p.W3), F("diag(σ′)", np.diag(p.slope[:, 0]))])
    ctx.check.close("numerator row = δ(2)ᵀ", row, p.grads.delta[1].T, tol=1e-12)
    ctx.value("ex3_message", ctx.check.raises("appending a(1)ᵀ fails", lambda: multiply([F("row", row), F("a(1)ᵀ", p.x.T)]),
                                              ShapeError))
    ctx.value("ex3_err", tex_bound(ctx.check.gradient("rowᵀ a(1)ᵀ = ∂L/∂W(2)", row.T @ p.x.T, p.fd)))
    ctx.answer("ex3_shape", row.shape, mistakes={"transpose": row.T.shape})
    return ""
