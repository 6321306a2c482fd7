"""Artifacts for docs/{slug}.md: {title}."""

from __future__ import annotations

import numpy as np

from backprop import gradients, init_network, numerical_gradient, loss_value
from book.artifacts import artifact
from book.markup import figure, solution
from book.shapes import chain_svg, sup
from book.tables import md_table, num, shape


def example():
    """A small seeded network and one example: change it to what the chapter needs."""
    net = init_network([2, 3, 2], ["sigmoid", "sigmoid"], "squared_error", seed={seed})
    rng = np.random.default_rng({seed})
    x, y = rng.normal(size=(2, 1)), rng.uniform(size=(2, 1))
    return net, x, y


@artifact("example")
def example_table(ctx):
    net, x, y = example()
    grads = gradients(net, x, y)
    l = net.L

    def J(W):  # the loss as a function of W^(L) alone, for finite differences
        saved, net.W[l] = net.W[l], W
        try:
            return loss_value(net, x, y)
        finally:
            net.W[l] = saved

    ctx.check.gradient(f"∂J/∂W({{l}})", grads.dW[l], numerical_gradient(J, net.W[l].copy()))
    ctx.check.chain(f"δ({{l}}) a({{l - 1}})ᵀ", [grads.delta[l].shape, (1, net.W[l].shape[1])], net.W[l].shape)
    ctx.value("example", grads.dW[l][0, 0])
    rows = [[f"row {{i + 1}}", *(num(v) for v in row)] for i, row in enumerate(grads.dW[l])]
    table = md_table(["", *(f"column {{j + 1}}" for j in range(net.W[l].shape[1]))], rows)
    svg = chain_svg([(f"δ{{sup(f'({{l}})')}}", grads.delta[l].shape), (f"a{{sup(f'({{l - 1}})')}}ᵀ", (1, net.W[l].shape[1]))],
                    (f"∂J/∂W{{sup(f'({{l}})')}}", grads.dW[l].shape), salt="{ns}-example",
                    title="Shapes of the weight gradient", desc="A column times a row gives a matrix the shape of W.")
    return table + "\n\n" + figure(svg, f"δ aᵀ: {{shape(grads.delta[l])}} · 1×{{net.W[l].shape[1]}} → {{shape(grads.dW[l])}}.")


@artifact("ex1")
def exercise_1(ctx):
    net, x, y = example()
    J = loss_value(net, x, y)
    ctx.check.that("the loss is positive", J > 0, f"J = {{num(J)}} > 0")
    return solution(f"The loss is \\(J = {{num(J)}}\\).")
