"""Layers as forward/backward pairs with a cache, in the book's columns (the modular style of CS231n).

Each `*_forward` returns its output and a cache, the values its backward will need. Each
`*_backward` takes the upstream gradient, ∂J/∂(the layer's output), and the cache, and returns
∂J/∂(each input): upstream gradient times the layer's local Jacobian, which is never formed.

Examples are columns: a_prev is (d_{l-1}, m), W is (d_l, d_{l-1}), b is (d_l, 1), and z, a and
delta = ∂J/∂z are (d_l, m). The same linear pair in rows (PyTorch's nn.Linear, CS231n's affine
layer) is in backprop.rows; `network_forward` and `network_backward` compose the pairs into the
whole network, whose gradients must equal backprop.network.backward's (B1)-(B4).
"""

from __future__ import annotations

import numpy as np

from .activations import activation
from .losses import loss
from .network import Grads, Network, _scale

Array = np.ndarray


# --8<-- [start:linear]
def linear_forward(a_prev: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """(F1) z = W a_prev + b: a_prev (d_{l-1}, m), W (d_l, d_{l-1}), b (d_l, 1) -> z (d_l, m)."""
    z = W @ a_prev + b  # (F1); the (d_l, 1) bias is broadcast across the m columns: b 1ᵀ
    return z, (a_prev, W)


def linear_backward(delta: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """delta = ∂J/∂z (d_l, m) -> ∂J/∂a_prev (d_{l-1}, m), ∂J/∂W (d_l, d_{l-1}), ∂J/∂b (d_l, 1)."""
    a_prev, W = cache
    da_prev = W.T @ delta  # (B2) before ⊙ g′: the local Jacobian ∂z/∂a_prev is W
    dW = delta @ a_prev.T  # (B3), summed over the m columns
    db = delta.sum(axis=1, keepdims=True)  # (B4), summed over the m columns
    return da_prev, dW, db
    # --8<-- [end:linear]


# --8<-- [start:activation]
def activation_forward(z: Array, g) -> tuple[Array, tuple]:
    """(F2) a = g(z): z (d_l, m) -> a (d_l, m), for any of the book's activations."""
    g = activation(g)
    a = g(z)
    return a, (z, a, g)


def activation_backward(da: Array, cache: tuple) -> Array:
    """da = ∂J/∂a (d_l, m) -> delta = ∂J/∂z (d_l, m)."""
    z, a, g = cache
    if g.elementwise:
        return da * g.prime(z)  # the ⊙ g′(z) of (B1) and (B2): the local Jacobian is diag(g′(z))
    # softmax: each column's local Jacobian is diag(p) − p pᵀ, so upstream times it is p ⊙ (da − pᵀ da)
    return a * (da - (a * da).sum(axis=0, keepdims=True))
    # --8<-- [end:activation]


# --8<-- [start:loss]
def loss_forward(a: Array, y: Array, name: str, reduction: str = "sum") -> tuple[float, tuple]:
    """J of the output a (d_L, m) and the targets y (d_L, m): the sum over the m columns, or the mean."""
    L, scale = loss(name), _scale(reduction, m=a.shape[1])
    return scale * L.value(a, y), (a, y, L, scale)


def loss_backward(cache: tuple) -> Array:
    """∂J/∂a (d_L, m): where the backward pass starts (the upstream gradient ∂J/∂J is 1)."""
    a, y, L, scale = cache
    return scale * L.grad(a, y)
    # --8<-- [end:loss]


# --8<-- [start:network]
def network_forward(net: Network, X: Array, Y: Array, reduction: str = "sum") -> tuple[float, tuple]:
    """The pairs composed: (F1), (F2) for l = 1..L, then the loss. Returns J and every cache."""
    a, caches = X, [None]  # a⁽⁰⁾ = x; caches[l] belongs to layer l
    for l in range(1, net.L + 1):
        z, linear_cache = linear_forward(a, net.W[l], net.b[l])  # (F1)
        a, activation_cache = activation_forward(z, net.g[l])  # (F2)
        caches.append((linear_cache, activation_cache))
    J, loss_cache = loss_forward(a, Y, net.loss, reduction)
    return J, (caches, loss_cache)


def network_backward(net: Network, cache: tuple) -> Grads:
    """From the loss down: each layer's backward hands ∂J/∂a⁽ˡ⁻¹⁾ to the layer below it."""
    caches, loss_cache = cache
    dW, db, delta = [None] * (net.L + 1), [None] * (net.L + 1), [None] * (net.L + 1)
    da = loss_backward(loss_cache)  # ∂J/∂a⁽ᴸ⁾
    for l in range(net.L, 0, -1):
        linear_cache, activation_cache = caches[l]
        delta[l] = activation_backward(da, activation_cache)  # (B1) for l = L, (B2) below
        da, dW[l], db[l] = linear_backward(delta[l], linear_cache)  # (B3), (B4); da = ∂J/∂a⁽ˡ⁻¹⁾
    return Grads(dW=dW, db=db, delta=delta)
    # --8<-- [end:network]
