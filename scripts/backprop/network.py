"""A fully connected network in the book's column notation.

Lists are indexed by the layer number l = 1..L, so ``W[l]`` is W^(l) of
shape (d_l, d_{l-1}) and ``b[l]`` is b^(l) of shape (d_l, 1).  Index 0 of
W, b, z, activations is unused (None) so that code and equations share
indices; ``a[0]`` is the input x.  A batch is m columns side by side:
x has shape (d_0, m), and every z[l], a[l], delta[l] has shape (d_l, m).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .activations import activation
from .losses import check_compatible, loss, output_delta

Array = np.ndarray
REDUCTIONS = ("sum", "mean")


@dataclass
class Network:
    """Parameters W[l], b[l] and activation names for layers l = 1..L."""

    W: list  # [None, W^(1), ..., W^(L)]
    b: list  # [None, b^(1), ..., b^(L)]
    activations: list  # [None, name of g^(1), ..., name of g^(L)]
    loss: str

    def __post_init__(self) -> None:
        if not (len(self.W) == len(self.b) == len(self.activations)) or len(self.W) < 2:
            raise ValueError("W, b, activations must be lists [None, layer 1, ..., layer L], L >= 1")
        if self.W[0] is not None or self.b[0] is not None or self.activations[0] is not None:
            raise ValueError("index 0 of W, b, activations is unused and must be None")
        for l in range(1, self.L + 1):
            d_l, d_prev = np.shape(self.W[l])
            if l > 1 and d_prev != np.shape(self.W[l - 1])[0]:
                raise ValueError(f"W[{l}] has {d_prev} columns but layer {l - 1} has width {np.shape(self.W[l - 1])[0]}")
            if np.shape(self.b[l]) != (d_l, 1):
                raise ValueError(f"b[{l}] must have shape ({d_l}, 1), got {np.shape(self.b[l])}")
            g = activation(self.activations[l])
            # (B2) multiplies by g'(z) entry by entry, which only holds for
            # elementwise g; softmax belongs on the output layer.
            if l < self.L and not g.elementwise:
                raise ValueError(
                    f"hidden layer {l} uses {g.name}; only elementwise activations are allowed before the output layer"
                )
        check_compatible(self.loss, self.activations[self.L])

    @property
    def L(self) -> int:
        """Number of layers with weights (the input is layer 0)."""
        return len(self.W) - 1

    @property
    def g(self) -> list:
        """Activation objects [None, g^(1), ..., g^(L)], looked up from the names."""
        return [None] + [activation(name) for name in self.activations[1:]]

    @property
    def sizes(self) -> list[int]:
        """Widths [d_0, d_1, ..., d_L]."""
        return [np.shape(self.W[1])[1]] + [np.shape(self.W[l])[0] for l in range(1, self.L + 1)]


@dataclass
class Cache:
    """Everything the forward pass computed: z[l] (z[0] = None) and a[l] (a[0] = x)."""

    z: list = field(default_factory=list)
    a: list = field(default_factory=list)


@dataclass
class Grads:
    """dJ/dW[l], dJ/db[l] and delta[l] = dJ/dz[l] for l = 1..L (index 0 None)."""

    dW: list
    db: list
    delta: list


def init_network(
    sizes: Sequence[int],
    activations: str | Sequence[str],
    loss: str = "squared_error",
    seed: int = 0,
) -> Network:
    """Random network with widths sizes = [d_0, ..., d_L].

    ``activations`` is one name for every layer or a list of L names for
    layers 1..L.  W^(l) ~ N(0, 1/d_{l-1}) keeps z^(l) at roughly unit scale
    whatever the width; biases start at zero.  Same seed, same network.
    """
    L = len(sizes) - 1
    if L < 1 or any(int(d) < 1 for d in sizes):
        raise ValueError(f"sizes must list at least two positive widths, got {list(sizes)}")
    names = [activations] * L if isinstance(activations, str) else list(activations)
    if len(names) != L:
        raise ValueError(f"need {L} activation names (layers 1..{L}), got {len(names)}")
    rng = np.random.default_rng(seed)
    W: list = [None]
    b: list = [None]
    for l in range(1, L + 1):
        W.append(rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1]))
        b.append(np.zeros((sizes[l], 1)))
    return Network(W=W, b=b, activations=[None, *names], loss=loss)


def _as_batch(net: Network, x: Array) -> Array:
    x = np.asarray(x)
    # A 1-D x would broadcast against the (d, 1) bias into a (d, d) matrix
    # without any error, so we insist on columns.
    if x.ndim != 2 or x.shape[0] != net.sizes[0]:
        raise ValueError(f"x must have shape ({net.sizes[0]}, m), got {x.shape}")
    return x


def _scale(reduction: str, m: int) -> float:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return 1.0 / m if reduction == "mean" else 1.0


# --8<-- [start:forward]
def forward(net: Network, x: Array) -> Cache:
    """Run x (shape (d_0, m)) through the network, keeping every z[l] and a[l]."""
    W, b, g = net.W, net.b, net.g
    z, a = [None], [_as_batch(net, x)]  # z[0] unused; a^(0) = x
    for l in range(1, net.L + 1):
        z.append(W[l] @ a[l - 1] + b[l])  # (F1)
        a.append(g[l](z[l]))  # (F2)
    return Cache(z=z, a=a)
    # --8<-- [end:forward]


# --8<-- [start:backward]
def backward(net: Network, cache: Cache, y: Array, reduction: str = "sum") -> Grads:
    """Gradients of J (summed, or averaged over the m columns) by (B1)-(B4)."""
    W, g, L = net.W, net.g, net.L
    z, a = cache.z, cache.a
    scale = _scale(reduction, m=a[0].shape[1])  # "mean" divides J, so every delta, by m
    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = scale * output_delta(net.loss, g[L], z[L], a[L], y)  # (B1)
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = (W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])  # (B2)
        dW[l] = delta[l] @ a[l - 1].T  # (B3), summed over the m columns
        db[l] = delta[l].sum(axis=1, keepdims=True)  # (B4), summed over the m columns
    return Grads(dW=dW, db=db, delta=delta)
    # --8<-- [end:backward]


def loss_value(net: Network, x: Array, y: Array, reduction: str = "sum") -> float:
    """J for the batch x, y: summed over columns, or divided by m for "mean"."""
    a_L = forward(net, x).a[net.L]
    return _scale(reduction, m=a_L.shape[1]) * loss(net.loss).value(a_L, y)


def gradients(net: Network, x: Array, y: Array, reduction: str = "sum") -> Grads:
    """Forward then backward: the usual way to call the two together."""
    return backward(net, forward(net, x), y, reduction)


# --- flat parameter vectors (for gradient checking and optimisers) -----------


def flatten_params(net: Network) -> Array:
    """Concatenate W[1], b[1], ..., W[L], b[L] (row-major) into one 1-D vector."""
    return np.concatenate([p.ravel() for l in range(1, net.L + 1) for p in (net.W[l], net.b[l])])


def flatten_grads(grads: Grads) -> Array:
    """Flatten dW, db in the same order as ``flatten_params``."""
    L = len(grads.dW) - 1
    return np.concatenate([p.ravel() for l in range(1, L + 1) for p in (grads.dW[l], grads.db[l])])


def unflatten_params(net: Network, theta: Array) -> Network:
    """A new Network shaped like ``net`` whose parameters are read from theta."""
    theta = np.asarray(theta)
    if theta.shape != (net_size := flatten_params(net).size,):
        raise ValueError(f"theta must have shape ({net_size},), got {theta.shape}")
    W, b, i = [None], [None], 0
    for l in range(1, net.L + 1):
        for params, shape in ((W, net.W[l].shape), (b, net.b[l].shape)):
            n = int(np.prod(shape))
            params.append(theta[i : i + n].reshape(shape).copy())
            i += n
    return Network(W=W, b=b, activations=list(net.activations), loss=net.loss)
