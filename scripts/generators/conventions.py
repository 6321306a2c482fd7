# Artifacts for docs/conventions.md: one network in the notation of ten texts, checked against the book.
#
# The texts' forward/backward passes are reference code (backprop.conventions, tested on their own);
# this generator runs them on the chapter's 3-4-2 network and batch, checks each against finite
# differences of its own loss and, translated, against the book's backward pass, and publishes
# what the page's tables cite. The page writes the tables; the checks stand beside them.

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from backprop import Network, backward, chain_denominator, chain_numerator, forward, loss_value, multiply
from backprop.conventions import (
    BOOK,
    BY_KEY,
    CONVENTIONS,
    Convention,
    f_prime,
    gbc_backward,
    gbc_forward,
    loss,
    ng_backward,
    ng_forward,
    numerical_gradients,
    to_book,
    to_own,
    torch_backward,
    torch_forward,
)
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg, sup
from book.tables import shape, tex_bound

SIZES = (3, 4, 2)  # d_0, d_1, d_2
M = 5  # the batch: 5 differs from every layer width, so no shape is ambiguous


def problem() -> tuple[dict, np.ndarray, np.ndarray]:
    # The book's W(1), b(1), W(2), b(2) (one decimal, none zero), and X, Y with examples as columns.
    rng = np.random.default_rng(2239)
    d0, d1, d2 = SIZES
    book = {"W1": rng.uniform(-1.5, 1.5, (d1, d0)), "b1": rng.uniform(-0.5, 0.5, (d1, 1)),
            "W2": rng.uniform(-1.5, 1.5, (d2, d1)), "b2": rng.uniform(-0.5, 0.5, (d2, 1))}
    X, Y = rng.uniform(-1.0, 1.0, (d0, M)), rng.uniform(0.1, 0.9, (d2, M))
    return {k: np.round(v, 1) for k, v in book.items()}, np.round(X, 1), np.round(Y, 1)


def reference():
    # The book's own computation: backprop.network with J the mean over the batch (Δ carries the 1/m).
    book, X, Y = problem()
    net = Network(W=[None, book["W1"], book["W2"]], b=[None, book["b1"], book["b2"]],
                  activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    cache = forward(net, X)
    grads = backward(net, cache, Y, reduction="mean")
    G = dict(zip(BOOK, (grads.dW[1], grads.db[1], grads.dW[2], grads.db[2]), strict=True))
    return book, X, Y, net, cache, grads, G


class Run(NamedTuple):
    conv: Convention
    P: dict  # its parameters, stored its way
    X: np.ndarray  # its batch: columns or rows
    Y: np.ndarray
    G: dict  # its gradients, by its names
    hidden: tuple  # its hidden pre-activation, activation, error signal, stacked d × m like the book's


def run(key: str) -> Run:
    # One text on the chapter's problem.
    conv = BY_KEY[key]
    P, X, Y = to_own(conv, *problem())
    return Run(conv, P, X, Y, *conv.backward(P, X, Y))


def flat(d: dict, keys) -> np.ndarray:
    return np.concatenate([np.ravel(d[k]) for k in keys])


@artifact("parameters")
def parameters(ctx):
    book, X, Y, net, cache, _, _ = reference()
    for name, expected in [("W1", (4, 3)), ("b1", (4, 1)), ("W2", (2, 4)), ("b2", (2, 1))]:
        ctx.check.shape(f"{name} in the book's storage", book[name], expected)
        ctx.value(name, book[name], digits=1)
    ctx.check.shape("X: one example per column", X, (SIZES[0], M))
    J = loss_value(net, X, Y, reduction="mean")
    by_hand = sum(0.5 * np.sum((cache.a[2][:, i] - Y[:, i]) ** 2) for i in range(M)) / M
    ctx.check.close("J = (1/m) Σ_i ½ ||a(2)_i − y_i||²", J, by_hand, tol=1e-14)
    ctx.check.that("no parameter is 0", bool(np.all(flat(book, BOOK) != 0)), "all visible")
    ctx.value("X", X, digits=1)
    ctx.value("Y", Y, digits=1)
    ctx.value("J", J, digits=6)
    ctx.value("m", M)
    ctx.value("n_conventions", len(CONVENTIONS))
    return ""


@artifact("table")
def translator(ctx):
    book, _, _, _, _, _, G_ref = reference()
    ctx.value("w1_book", book["W1"].shape)
    worst_fd = worst = 0.0
    for conv in CONVENTIONS:
        P, X, Y = to_own(conv, *problem())
        own_W1 = next(own for own, (name, _) in conv.store.items() if name == "W1")
        in_out = conv.store[own_W1][1] == "transpose"
        ctx.check.shape(f"{conv.key}: W(1) stored {('out × in', 'in × out')[in_out]}", P[own_W1], ((4, 3), (3, 4))[in_out])
        ctx.value(f"w1_{conv.key}", P[own_W1].shape)
        G, _ = conv.backward(P, X, Y)
        for own in conv.store:
            ctx.check.shape(f"{conv.key}: ∂J/∂{own} stored like {own}", G[own], P[own].shape)
        ctx.check.close(f"{conv.key}: parameters translate back", flat(to_book(conv, P), BOOK), flat(book, BOOK), tol=0.0)
        numeric = numerical_gradients(conv, P, X, Y)
        fd = ctx.check.gradient(f"{conv.key}: own gradients, own storage", flat(G, conv.store), flat(numeric, conv.store))
        translated = to_book(conv, G)
        for name in BOOK:
            ctx.check.shape(f"{conv.key}: translated ∂J/∂{name}", translated[name], book[name].shape)
        err = ctx.check.close(f"{conv.key}: translated = the book's", flat(translated, BOOK), flat(G_ref, BOOK), tol=1e-12)
        worst_fd, worst = max(worst_fd, fd), max(worst, err)
    ctx.value("fd_worst", tex_bound(worst_fd))
    ctx.value("diff_worst", tex_bound(worst))
    return ""


def relation(conv) -> str:
    # How the text's hidden error signal relates to the book's Δ(1), as TeX: m Δ(1)_{:,i} for example i, or Δ(1).
    scale = r"m\," if conv.error_scale == "m" else ""
    column = r"_{:,i}" if conv.error_scale == "m" and conv.key != "cs229" else ""
    tex = rf"{scale}\Delta^{{(1)}}{column}"
    return rf"({tex})^\top" if conv.rows or conv.key == "cs224n" else tex


@artifact("symbols")
def symbols(ctx):
    _, X, Y, net, cache, grads, _ = reference()
    Z1, A1, Delta = cache.z[1], cache.a[1], grads.delta[1]
    J = loss_value(net, X, Y, reduction="mean")
    for conv in CONVENTIONS:
        _, P, X, Y, _, (pre, act, err) = run(conv.key)
        ctx.check.close(f"{conv.key}: J", loss(conv, P, X, Y), J, tol=1e-13)
        ctx.check.close(f"{conv.key}: pre-activation = z(1)", pre, Z1, tol=1e-13)
        ctx.check.close(f"{conv.key}: activation = a(1)", act, A1, tol=1e-13)
        scale = M if conv.error_scale == "m" else 1
        ctx.check.close(f"{conv.key}: error signal = {conv.error_scale} · Δ(1)", err, scale * Delta, tol=1e-12)
        ctx.value(f"err_{conv.key}", relation(conv))
    ctx.check.differ("Goodfellow's a(1) ≠ a(1)", run("goodfellow").hidden[0], A1)
    return ""


@artifact("dw-figure")
def dw_figure(ctx):
    # The same ∂J/∂W(1) as a column product, a row product with W in × out, and with W out × in.
    _, _, _, _, cache, grads, G = reference()
    Delta, A0 = grads.delta[1], cache.a[0]  # Δ(1) is 4 × m, A(0) = X is 3 × m
    X_rows, dY = A0.T, Delta.T  # rows: X is m × 3, dY = ∂J/∂(X W + b) is m × 4
    col, cs231n, torch = Delta @ A0.T, X_rows.T @ dY, dY.T @ X_rows
    ctx.check.close("Δ(1) A(0)ᵀ = ∂J/∂W(1)", col, G["W1"], tol=1e-14)
    ctx.check.close("(Xᵀ dY)ᵀ = ∂J/∂W(1)", cs231n.T, G["W1"], tol=1e-14)
    ctx.check.close("dYᵀ X = ∂J/∂W(1)", torch, G["W1"], tol=1e-14)
    ctx.check.close("CS231n's dW1 = Xᵀ dY", run("cs231n").G["W1"], cs231n, tol=1e-12)
    ctx.check.close("PyTorch's fc1.weight.grad = dYᵀ X", run("pytorch").G["fc1.weight"], torch, tol=1e-12)
    ctx.check.that("Xᵀ dY is not W(1)'s shape", cs231n.shape != G["W1"].shape, f"{shape(cs231n)} vs {shape(G['W1'])}")
    ctx.value("Delta1", Delta)
    ctx.value("X_rows", X_rows.shape)
    ctx.value("dY", dY.shape)
    ctx.value("dW_cs231n", cs231n.shape)
    specs = [("columns", [(f"Δ{sup('(1)')}", Delta), (f"A{sup('(0)')}ᵀ", A0.T)], (f"∂J/∂W{sup('(1)')}", col)),
             ("cs231n", [("Xᵀ", X_rows.T), ("dY", dY)], ("dW1", cs231n)),
             ("pytorch", [("dYᵀ", dY.T), ("X", X_rows)], ("weight.grad", torch))]
    parts = []
    for name, factors, (label, result) in specs:
        product = " · ".join(f for f, _ in factors)
        ctx.check.chain(product, [a.shape for _, a in factors], result.shape)
        data = " · ".join(shape(a) for _, a in factors) + f" → {shape(result)}"
        svg = chain_svg([(f, a.shape) for f, a in factors], (label, result.shape), salt=f"conventions-dw-{name}", grid=True,
                        title=f"Weight gradient, {name}", desc=f"{product}: {data}",
                        layout_note=f"inner {M}: the sum over the batch")
        parts.append(figure(svg, f"{label}: {data}"))
    return "\n\n".join(parts)


@artifact("row-delta")
def row_delta(ctx):
    # Example 1 alone: the hidden error as a column (the question) and as a row (CS224n).
    book, X, Y, net, _, grads, _ = reference()
    x, y = X[:, [0]], Y[:, [0]]
    _, (_, _, column) = BY_KEY["question"].backward(to_own(BY_KEY["question"], book, x, y)[0], x, y)
    _, (_, _, row_as_column) = BY_KEY["cs224n"].backward(to_own(BY_KEY["cs224n"], book, x, y)[0], x, y)
    row = row_as_column.T
    cache = forward(net, x)
    ctx.check.close("column = denominator-layout chain", column,
                    multiply(chain_denominator(net, cache, y, 1)), tol=1e-14)
    ctx.check.close("row = numerator-layout chain", row, multiply(chain_numerator(net, cache, y, 1)),
                    tol=1e-14)
    ctx.check.close("the row is the column transposed", row, column.T, tol=1e-14)
    ctx.check.close("= m × column 1 of Δ(1)", column, M * grads.delta[1][:, [0]], tol=1e-12)
    ctx.check.raises("δ1 Uᵀ does not chain", lambda: np.ones((1, 2)) @ book["W2"].T)
    ctx.value("delta_column", column)
    ctx.value("delta_row", row)
    return ""


# ---------------------------------------------------------------------------
# Exercises: values and answers; the page writes the solutions


@artifact("ex1")
def ex1(ctx):
    # Nielsen's w^2_13 in every storage, and its gradient.
    book, _, _, _, _, _, G = reference()
    j, k = 1, 3  # Nielsen: to neuron j of layer 2, from neuron k of layer 1 (counted from 1)
    P = {key: run(key).P for key in ("nielsen", "ufldl", "question", "pytorch", "cs231n")}
    value = P["nielsen"]["w2"][j - 1, k - 1]
    for label, v in [("the book's W(1)_13", book["W1"][0, 2]), ("UFLDL's W(1)_13", P["ufldl"]["W1"][0, 2]),
                     ("the question's w_31", P["question"]["W2"][0, 2]),
                     ("fc1.weight[0, 2]", P["pytorch"]["fc1.weight"][0, 2]), ("CS231n W1[2, 0]", P["cs231n"]["W1"][2, 0])]:
        ctx.check.close(f"Nielsen's w^2_13 = {label}", v, value, tol=0.0)
    grad = run("nielsen").G["w2"][j - 1, k - 1]
    ctx.check.close("∂C/∂w^2_13 = ∂J/∂W(1)_13", grad, G["W1"][0, 2], tol=1e-12)
    ctx.check.close("= CS231n's dW1[2, 0]", run("cs231n").G["W1"][2, 0], grad, tol=1e-12)
    ctx.value("ex1_w", value, digits=1)
    ctx.answer("ex1_grad", grad, digits=6, mistakes={"swapped-indices": G["W1"][2, 0]})
    return ""


@artifact("ex2")
def ex2(ctx):
    # CS231n's dW2 (in × out) to PyTorch's fc2.weight.grad (out × in).
    given, torch = run("cs231n").G["W2"], run("pytorch").G["fc2.weight"]
    ctx.check.shape("CS231n's dW2 is in × out", given, (4, 2))
    ctx.check.close("dW2ᵀ = fc2.weight.grad", given.T, torch, tol=1e-12)
    ctx.value("ex2_given", given)
    ctx.answer("ex2_answer", torch, mistakes={"transpose": given})
    return ""


@artifact("ex3")
def ex3(ctx):
    # Goodfellow's a read as the book's a: f' evaluated at the activation.
    book, X, Y, _, _, _, G = reference()
    W, b = {1: book["W1"], 2: book["W2"]}, {1: book["b1"], 2: book["b2"]}
    right, slip = np.zeros_like(book["W2"]), np.zeros_like(book["W2"])
    for i in range(M):
        x, y = X[:, [i]], Y[:, [i]]
        a, h = gbc_forward(W, b, x)
        right += gbc_backward(W, a, h, y)[0][2] / M
        slip += ((h[2] - y) * f_prime(h[2])) @ h[1].T / M  # the slip: f' at the activation h(2)
    ctx.check.close("Algorithm 6.4 = ∂J/∂W(2)", right, G["W2"], tol=1e-12)
    rel = ctx.check.differ("f'(h(2)) for f'(a(2)) differs", slip, right, min_rel=1e-2)
    ctx.check.shape("the slip keeps W(2)'s shape", slip, book["W2"].shape)
    ctx.value("ex3_slip", slip)
    ctx.value("ex3_right", right, grad_of=book["W2"], layout="denominator")
    ctx.value("ex3_rel", rel, digits=2)
    return ""


@artifact("ex4")
def ex4(ctx):
    # Where the 1/m lives: Ng's dZ[2] (one example's) against PyTorch's Y2.grad (the mean's).
    book, X, Y, *_ = reference()
    torch = run("pytorch")
    dZ2 = ng_backward(book, ng_forward(book, X), X, Y)["dZ2"]
    grad_Y2 = torch_backward(torch.Y, torch_forward(torch.P, torch.X)[1])[2]
    given = dZ2[:, 0]
    ctx.check.close("Y2.grad row 1 = (dZ[2] column 1)ᵀ / m", grad_Y2[0], given / M, tol=1e-14,
                    how="computed again by the nn.Linear code")
    ctx.check.differ("without 1/m: off by m", given, grad_Y2[0])
    ctx.value("ex4_given", dZ2[:, [0]])
    ctx.answer("ex4_answer", grad_Y2[[0], :], mistakes={"mean-vs-sum": given[None, :]})
    return ""


@artifact("ex5")
def ex5(ctx):
    # Shapes in each storage: CS231n's dW1, PyTorch's Y1.grad, Ng's dZ1 for the batch of m.
    cs231n, torch, ng = run("cs231n"), run("pytorch"), run("cs229")
    dW1, Y1_grad, dZ1 = cs231n.G["W1"], torch.hidden[2].T, ng.hidden[2]  # hidden is stacked d × m: PyTorch's is its transpose
    ctx.check.shape("CS231n's dW1 like its W1", dW1, cs231n.P["W1"].shape)
    ctx.check.shape("PyTorch's Y1.grad: rows", Y1_grad, (M, SIZES[1]))
    ctx.check.shape("Ng's dZ1: columns", dZ1, (SIZES[1], M))
    for name, arr in (("ex5_dw1", dW1), ("ex5_y1grad", Y1_grad), ("ex5_dz1", dZ1)):
        ctx.answer(name, arr.shape, mistakes={"transpose": arr.T.shape})
    return ""
