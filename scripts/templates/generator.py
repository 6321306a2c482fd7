"""Artifacts for docs/{slug}.md: {title}.

A generator computes, checks and publishes: values ([[val:{ns}.name]] on the page), tables and
figures. It holds no sentences; the page does.
"""

from __future__ import annotations

import numpy as np

from backprop import gradients, init_network, loss_value, numerical_gradient
from backprop.gradcheck import loss_of_param
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg, sup
from book.tables import md_table, num


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
    numeric = numerical_gradient(loss_of_param(net, x, y, "W", l), net.W[l].copy())
    ctx.check.gradient(f"∂J/∂W({{l}})", grads.dW[l], numeric)
    ctx.check.chain(f"δ({{l}}) a({{l - 1}})ᵀ", [grads.delta[l].shape, (1, net.W[l].shape[1])], net.W[l].shape)
    ctx.value("dW", grads.dW[l], grad_of=net.W[l], layout="denominator")  # [[val:{ns}.dW]], [[shape:{ns}.dW]]
    ctx.value("delta", grads.delta[l])
    rows = [[f"row {{i + 1}}", *(num(v) for v in row)] for i, row in enumerate(grads.dW[l])]
    table = md_table([f"∂J/∂W{{sup(f'({{l}})')}}", *(f"column {{j + 1}}" for j in range(net.W[l].shape[1]))], rows)
    svg = chain_svg([(f"δ{{sup(f'({{l}})')}}", grads.delta[l].shape), (f"a{{sup(f'({{l - 1}})')}}ᵀ", (1, net.W[l].shape[1]))],
                    (f"∂J/∂W{{sup(f'({{l}})')}}", grads.dW[l].shape), salt="{ns}-example",
                    title="Shapes of the weight gradient", desc="A column times a row gives a matrix the shape of W.")
    return table + "\n\n" + figure(svg, "δ aᵀ")


@artifact("ex1")
def exercise_1(ctx):
    """Values only: the page writes the solution and cites them; this records the checks."""
    net, x, y = example()
    J = loss_value(net, x, y)
    ctx.check.that("the loss is positive", J > 0, f"J = {{num(J)}} > 0")
    ctx.value("loss", J)
    return ""
