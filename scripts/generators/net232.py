# Values and figures for docs/net232.md and the answer block (includes/answer.md).
# Values are named in the book's numbering (a[0] = x, W1 is 3×2); the page, the TeX and the figure labels
# made here use the question's, one more for every layer (q, in_question_numbering).

from __future__ import annotations

import re

import numpy as np

from backprop import Factor, chain_denominator, chain_numerator, da_dz, forward, multiply, worked_example
from backprop import numerical_gradient as fd
from backprop.gradcheck import loss_of_param, loss_of_z
from backprop.losses import loss
from backprop.seed232 import in_question_numbering
from backprop.seed232 import question_layer as q
from book.artifacts import DOCS, artifact
from book.graph import network_graph_svg, step_problems
from book.markup import figure
from book.shapes import chain_svg, sup
from book.tables import num, shape, tex_matrix, tex_shape

# The page's stepper is checked against the graph (book.graph.step_problems): an edit of the page reruns this.
DEPENDS_ON = ["docs/net232.md"]

mse = loss("squared_error")
ETA = 0.5  # Exercise 3's learning rate
Y_NEW = np.array([[0.0], [1.0]])  # Exercise 2's target
TOP, THIN = r"\top", r" \, "


def fd_W(net, x, y, l):
    return fd(loss_of_param(net, x, y, "W", l), net.W[l].copy())


def fd_z(net, y, l, z):
    return fd(loss_of_z(net, y, l), z.copy())


def braced(tex: str, arr) -> str:
    return rf"\underbrace{{{tex}}}_{{\scriptstyle {tex_shape(np.shape(arr))}}}"


def uni(name: str) -> str:
    # A code name in the question's numbering, as a figure label: dJ/da[2] → ∂L/∂a⁽³⁾, a[0]ᵀ → a⁽¹⁾ᵀ.
    name = re.sub(r"\(\d\)", lambda m: sup(m[0]), in_question_numbering(name))
    return re.sub(r"\bd(?=[JzaW])", "∂", name).replace("∂J", "∂L")


def chain_figure(factors, result, salt: str, caption: bool = True) -> str:
    # A chain of (code name, array) drawn to scale; the caption is its shapes (the answer block needs none).
    shapes = " · ".join(shape(v) for _, v in factors) + f" → {shape(result[1])}"
    svg = chain_svg([(uni(n), np.shape(v)) for n, v in factors], (uni(result[0]), np.shape(result[1])), salt=salt,
                    grid=True, title=f"Shapes of {uni(result[0])}", desc=shapes)
    return figure(svg, shapes) if caption else f'<figure class="bp-figure">\n{svg.strip()}\n</figure>'


@artifact("running")
def running(ctx):
    # The running example, once for every chapter, in the book's numbering: [[val:net232.dW1]].
    net, x, y, cache, grads = worked_example()
    for name, v in [("x", x), ("y", y)] + [(f"{p}{l}", getattr(net, p)[l]) for l in (1, 2) for p in "Wb"]:
        ctx.value(name, v, digits=1)
    for l in (1, 2):
        ctx.check.gradient(f"∂J/∂W({l}) (book numbering)", grads.dW[l], fd_W(net, x, y, l))
        ctx.check.gradient(f"∂J/∂b({l}) (book numbering)", grads.db[l], fd(loss_of_param(net, x, y, "b", l), net.b[l].copy()))
        ctx.value(f"dW{l}", grads.dW[l], grad_of=net.W[l], layout="denominator")
        for name, v in (("z", cache.z), ("a", cache.a), ("db", grads.db), ("delta", grads.delta)):
            ctx.value(f"{name}{l}", v[l])
    ctx.value("J", mse.value(cache.a[2], y), digits=6)
    return ""


@artifact("answer")
def answer(ctx):
    # The corrected chain for the question's ∂L/∂W(2) (code W[1]) in both layouts, with its shapes.
    net, x, y, cache, grads = worked_example()
    D, W, d = da_dz(net.activations[1], cache.z[1]), net.W[2], grads.delta[2]
    slope = (r"\diag\sigma'(z^{(1)})", "diag σ′(z[1])")
    layouts = {"denominator": [(slope, D), ((r"W^{(2)\top}", "W[2]ᵀ"), W.T), ((r"\delta^{(2)}", "δ[2]"), d)],
               "numerator": [((r"\delta^{(2)\top}", "δ[2]ᵀ"), d.T), ((r"W^{(2)}", "W[2]"), W), (slope, D)]}
    numeric = fd_W(net, x, y, 1)
    for layout, factors in layouts.items():
        inner = multiply([Factor(n, t, v) for (t, n), v in factors])
        column = inner if layout == "denominator" else inner.T
        ctx.check.chain(layout, [np.shape(v) for _, v in factors], inner.shape)
        ctx.check.chain(layout, [column.shape, x.T.shape], net.W[1].shape)
        dW = column @ x.T
        ctx.check.gradient(f"{layout} layout: ∂L/∂W({q(1)})", dW, numeric)
        ctx.value(f"dW_{layout}", dW, grad_of=net.W[1], layout=layout)
        over = r"\delta^{(1)" + (TOP if layout == "numerator" else "") + "}"
        group = rf"\overbrace{{{THIN.join(braced(t, v) for (t, _), v in factors)}}}^{{\scriptstyle {over}}}"
        group = group if layout == "denominator" else rf"\Bigl({group}\Bigr)^{{\!{TOP}}}"
        lhs, a_T = braced(r"\frac{\partial L}{\partial W^{(1)}}", net.W[1]), braced(r"a^{(0)\top}", x.T)
        ctx.value(f"chain_{layout}", in_question_numbering(f"{lhs} = {group} {a_T}"))
    factors = [(n, v) for (_, n), v in layouts["denominator"]] + [("a[0]ᵀ", x.T)]
    return chain_figure(factors, ("dJ/dW[1]", numeric), "net232-answer", caption=False)


@artifact("graph")
def graph(ctx):
    # The network as a graph: a on the nodes, δ back along the edges, each checked here.
    net, x, y, cache, grads = worked_example()
    for l in (1, 2):  # an independent route to z: the sums over j written out
        W, a_prev, b = net.W[l], cache.a[l - 1], net.b[l]
        sums = [[sum(W[i, j] * a_prev[j, 0] for j in range(W.shape[1])) + b[i, 0]] for i in range(W.shape[0])]
        ctx.check.close(f"z({q(l)}) = Σ_j W_ij a_j + b_i", cache.z[l], np.array(sums), tol=1e-14)
        ctx.check.gradient(f"δ({q(l)}) = ∂L/∂z({q(l)})", grads.delta[l], fd_z(net, y, l, cache.z[l]))
    J = mse.value(cache.a[2], y)
    ctx.check.close("L = ½ Σ (a(3) − y)²", J, 0.5 * sum((cache.a[2][i, 0] - y[i, 0]) ** 2 for i in range(2)), tol=1e-14)
    desc = "; ".join(f"layer {q(l)}: a " + " ".join(map(num, cache.a[l].ravel())) + ", δ " + " ".join(map(num, grads.delta[l].ravel()))
                     for l in (1, 2))
    svg = network_graph_svg(cache.a, grads.delta, J, y, z=cache.z, weights=net.W, grads=grads.dW, first_layer=1,
                            loss_name="L", salt="net232-graph", title="The 2-3-2 network as a graph", desc=f"{desc}; L {J:.6f}")
    page = DOCS / "net232.md"
    if page.is_file():  # always in the book; not in a copy of scripts/ alone (tests/chapter_tools.py)
        steps, problems = step_problems(page.read_text(encoding="utf-8"), "docs/net232.md", svg, "net232/graph.md")
        ctx.check.that("the stepper's steps are marked in the graph", not problems,
                       "\n  ".join(problems) or f"each of the {steps} steps in docs/net232.md lights parts of the graph")
    return figure(svg, "a⁽¹⁾ → a⁽²⁾ → a⁽³⁾ → L → δ⁽³⁾ → δ⁽²⁾")


def delta(l: int):
    # δ = ∂L/∂a ⊙ σ′(z) for the code's layer l: ∂L/∂a is a − y at the output (B1), W(3)ᵀ δ(3) below it (B2).
    def make(ctx):
        net, x, y, cache, grads = worked_example()
        a, z, d = cache.a[l], cache.z[l], grads.delta[l]
        dL_da = a - y if l == 2 else net.W[2].T @ grads.delta[2]
        ctx.check.gradient(f"δ({q(l)}) = ∂L/∂z({q(l)})", d, fd_z(net, y, l, z))
        ctx.check.close(f"δ({q(l)}) = ∂L/∂a({q(l)}) ⊙ a ⊙ (1 − a)", d, dL_da * a * (1 - a), tol=1e-14)
        ctx.value(f"dL_da{l}", dL_da)
        ctx.value(f"gprime{l}", net.g[l].prime(z))
        return ""
    return make


def outer(l: int):
    # ∂L/∂W = δ a_prevᵀ for the code's layer l, drawn to scale (its numbers are net232.dW<l>).
    def make(ctx):
        net, x, y, cache, grads = worked_example()
        d, a_T = grads.delta[l], cache.a[l - 1].T
        ctx.check.chain(f"δ({q(l)}) a({q(l - 1)})ᵀ", [d.shape, a_T.shape], net.W[l].shape)
        ctx.check.gradient(f"∂L/∂W({q(l)})", d @ a_T, fd_W(net, x, y, l))
        ctx.value(f"dw{q(l)}_shapes", rf"{tex_shape(d.shape)} \cdot {tex_shape(a_T.shape)} \to {tex_shape(net.W[l].shape)}")
        return chain_figure([(f"δ[{l}]", d), (f"a[{l - 1}]ᵀ", a_T)], (f"dJ/dW[{l}]", d @ a_T), f"net232-dw{q(l)}")
    return make


def chain(layout: str):
    # ∂L/∂z(2) as the product of the real Jacobians in one layout: shapes, numbers, a figure.
    def make(ctx):
        net, x, y, cache, grads = worked_example()
        factors = (chain_denominator if layout == "denominator" else chain_numerator)(net, cache, y, 1)
        product = multiply(factors)
        column = product if layout == "denominator" else product.T
        ctx.check.close("Jacobian product = δ(2) of (B2)", column, grads.delta[1], tol=1e-12)
        ctx.check.gradient("∂L/∂z(2)", column, fd_z(net, y, 1, cache.z[1]))
        tex = " ".join(braced(f.tex.replace(r"\partial J", r"\partial L"), f.value) for f in factors)
        ctx.value(f"jacobians_{layout}", in_question_numbering(tex))
        for half, part in (("a", factors[:2]), ("b", factors[2:])):  # two lines, for narrow screens
            ctx.value(f"numbers_{layout}_{half}", " ".join(tex_matrix(f.value) for f in part))
        return chain_figure([(f.name, f.value) for f in factors], ("dJ/dz[1]", product), f"net232-{layout}")
    return make


for _l in (1, 2):
    artifact(f"dw{q(_l)}")(outer(_l))
    artifact(f"delta{q(_l)}")(delta(_l))
for _layout in ("denominator", "numerator"):
    artifact(f"chain-{_layout}")(chain(_layout))


@artifact("numerator-aside")
def numerator_aside(ctx):
    # Strict numerator layout arranges ∂L/∂W(2) as a(1) δ(2)ᵀ, W's shape transposed: for the aside only.
    net, x, y, cache, grads = worked_example()
    row = multiply(chain_numerator(net, cache, y, 1))  # ∂L/∂z(2) as a 1×3 row
    strict, book = x @ row, row.T @ x.T
    ctx.check.close("strict arrangement = the book's, transposed", strict, book.T, tol=1e-15)
    ctx.check.gradient("rowᵀ a(1)ᵀ = ∂L/∂W(2)", book, fd_W(net, x, y, 1))
    ctx.value("strict_numerator", strict)
    ctx.answer("ex4_shape", book.shape, mistakes={"numerator-shape": strict.shape})
    return ""


@artifact("ex1")
def ex1(ctx):
    net, x, y, cache, grads = worked_example()
    d, a = grads.delta[2], cache.a[1]
    entry = d[0, 0] * a[1, 0]  # (B3), row 1, column 2
    ctx.check.gradient("∂L/∂W(3)₁₂ = δ₁ a₂", np.array([entry]), fd_W(net, x, y, 2)[[0], 1])
    ctx.answer("ex1_entry", entry, mistakes={"sign": -entry, "wrong-layer": d[0, 0] * x[1, 0], "swapped-indices": d[1, 0] * a[0, 0]})
    return ""


@artifact("ex2")
def ex2(ctx):
    net, x, y, cache, grads = worked_example()
    a, z = cache.a[2], cache.z[2]
    new = (a - Y_NEW) * net.g[2].prime(z)  # (B1) with the new target
    ctx.check.gradient("new δ(3) = ∂L/∂z(3)", new, fd_z(net, Y_NEW, 2, z))
    ctx.check.that("both entries change sign", bool(np.all(np.sign(new) == -np.sign(grads.delta[2]))), "new δ vs old δ")
    ctx.value("y_new", Y_NEW, digits=0)
    ctx.value("ex2_residual", a - Y_NEW)
    ctx.answer("ex2_delta", new, mistakes={"sign": -new, "missing-gprime": a - Y_NEW})
    return ""


@artifact("ex3")
def ex3(ctx):
    net, x, y, cache, grads = worked_example()

    def loss_after(step):  # W ← W − step ∂L/∂W, b ← b − step ∂L/∂b, then (F1), (F2) again
        moved = worked_example()[0]
        moved.W[1:], moved.b[1:] = ([p[l] - step * g[l] for l in (1, 2)] for p, g in ((net.W, grads.dW), (net.b, grads.db)))
        return mse.value(forward(moved, x).a[2], y)

    before, after = mse.value(cache.a[2], y), loss_after(ETA)
    norm2 = sum(float(np.sum(grads.dW[l] ** 2) + np.sum(grads.db[l] ** 2)) for l in (1, 2))
    ctx.check.that("the step decreases the loss", after < before, f"L: {before:.6f} → {after:.6f}")
    ctx.check.close("decrease ≈ η‖∇L‖² (first order)", before - after, ETA * norm2, tol=0.1)
    for l in (1, 2):  # the parameters after the step
        ctx.value(f"ex3_W{l}", net.W[l] - ETA * grads.dW[l])
        ctx.value(f"ex3_b{l}", net.b[l] - ETA * grads.db[l])
    for name, v in (("eta", ETA), ("ex3_drop", before - after), ("ex3_norm2", norm2), ("ex3_predicted", ETA * norm2)):
        ctx.value(name, v, digits=1 if name == "eta" else 6)
    ctx.value("ex3_entries", sum(grads.dW[l].size + grads.db[l].size for l in (1, 2)))
    ctx.answer("ex3_loss", after, digits=6, mistakes={"uphill": loss_after(-ETA)})
    return ""
