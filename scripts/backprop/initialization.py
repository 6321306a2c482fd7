"""Initial weights, and what they do to the variances of z^(l) and δ^(l) in a deep network.

W^(l) is d_l × d_{l-1}: its fan-in (inputs per unit) is d_{l-1}, the number of columns, and
its fan-out d_l, the number of rows. Every scheme draws the entries independently with mean 0;
they differ in the variance:

    naive    N(0, std²) with a fixed std whatever the widths (std = 1: what `randn` gives)
    Glorot   Var(W) = 2 / (fan_in + fan_out)    normal, or uniform on [−a, a] with a = √(6 / (fan_in + fan_out))
    He       Var(W) = 2 / fan_in                normal, or uniform on [−a, a] with a = √(6 / fan_in)

A shape may carry leading axes (N, d_l, d_{l-1}) to draw N networks' matrices at once; the
fans are always the last two axes. ``stacked_backprop`` runs N networks side by side with the
book's (F1), (F2) and (B2), and ``jackknife`` gives the standard error of a statistic of
per-network means, so a measured variance can be compared with a prediction within a
tolerance that the sample size explains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .activations import Activation, activation
from .network import Network

Array = np.ndarray


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight matrix of the given shape (..., d_out, d_in)."""
    if len(shape) < 2:
        raise ValueError(f"a weight matrix has at least two axes, got shape {tuple(shape)}")
    return int(shape[-1]), int(shape[-2])


# --8<-- [start:variances]
def naive_variance(fan_in: int, fan_out: int, std: float = 1.0) -> float:
    return std**2  # the same for every layer, whatever its widths


def glorot_variance(fan_in: int, fan_out: int) -> float:
    return 2 / (fan_in + fan_out)  # forward wants 1/fan_in, backward 1/fan_out: the compromise


def he_variance(fan_in: int, fan_out: int) -> float:
    return 2 / fan_in  # ReLU zeroes half of z, so twice the 1/fan_in that keeps Var(z) fixed
    # --8<-- [end:variances]


VARIANCES: dict[str, Callable[[int, int], float]] = {"naive": naive_variance, "glorot": glorot_variance, "he": he_variance}


# --8<-- [start:draw]
def normal(shape: Sequence[int], rng: np.random.Generator, variance: float) -> Array:
    return np.sqrt(variance) * rng.standard_normal(shape)


def uniform(shape: Sequence[int], rng: np.random.Generator, variance: float) -> Array:
    a = np.sqrt(3 * variance)  # U(−a, a) has variance a²/3
    return rng.uniform(-a, a, shape)


def init_weights(scheme: str, shape: Sequence[int], rng: np.random.Generator, dist: str = "normal") -> Array:
    """Weights of the given shape (..., d_out, d_in) for scheme naive, glorot or he."""
    variance = VARIANCES[scheme](*fans(shape))
    return {"normal": normal, "uniform": uniform}[dist](shape, rng, variance)
    # --8<-- [end:draw]


def init_network(sizes: Sequence[int], activations: str | Sequence[str], scheme: str, seed: int = 0,
                 loss: str = "squared_error", dist: str = "normal") -> Network:
    """A Network whose W^(l) follow `scheme`; biases start at zero."""
    if scheme not in VARIANCES:
        raise ValueError(f"unknown scheme {scheme!r}; valid: {', '.join(VARIANCES)}")
    L = len(sizes) - 1
    names = [activations] * L if isinstance(activations, str) else list(activations)
    rng = np.random.default_rng(seed)
    W = [None] + [init_weights(scheme, (sizes[l], sizes[l - 1]), rng, dist) for l in range(1, L + 1)]
    b = [None] + [np.zeros((sizes[l], 1)) for l in range(1, L + 1)]
    return Network(W=W, b=b, activations=[None, *names], loss=loss)


# --8<-- [start:stacked]
def stacked_backprop(W: Sequence[Array], g: str | Activation, X: Array, delta_L: Array):
    """N networks side by side: W[l] is (N, d_l, d_{l-1}), X is (N, d_0, m), delta_L is (N, d_L, m).

    Layers 1..L-1 use g, layer L is linear; biases are zero. Returns z, a, delta as lists
    indexed by layer (z[0], delta[0] unused), each entry of shape (N, d_l, m).
    """
    g = activation(g)
    L = len(W) - 1
    z, a = [None], [X]  # a^(0) = x
    for l in range(1, L + 1):
        z.append(W[l] @ a[l - 1])  # (F1), one matrix product per network
        a.append(g(z[l]) if l < L else z[l])  # (F2); the output layer is linear
    delta = [None] * (L + 1)
    delta[L] = delta_L  # δ^(L) = ∂J/∂z^(L), given
    for l in range(L - 1, 0, -1):
        delta[l] = (W[l + 1].swapaxes(-1, -2) @ delta[l + 1]) * g.prime(z[l])  # (B2)
    return z, a, delta
    # --8<-- [end:stacked]


def per_network_mean_square(arrays: Sequence[Array | None]) -> list[Array | None]:
    """For each layer's (N, d, m) array, the mean of its squares in each of the N networks."""
    return [None if A is None else np.mean(A**2, axis=tuple(range(1, A.ndim))) for A in arrays]


def jackknife(stat: Callable[..., Array], *per_network: Array) -> tuple[float, float]:
    """stat(means...) over N networks, and its jackknife standard error.

    Each argument holds one number per network; `stat` maps their means (as arrays) to the
    statistic. Leaving network n out gives stat_n; the standard error is
    √((N − 1)/N · Σ (stat_n − mean stat)²), the usual jackknife estimate.
    """
    cols = [np.asarray(x, dtype=float) for x in per_network]
    N = cols[0].shape[0]
    if N < 2 or any(c.shape != (N,) for c in cols):
        raise ValueError("jackknife needs one value per network for at least two networks, the same N for each")
    full = float(stat(*(c.mean() for c in cols)))
    loo = np.asarray(stat(*((c.sum() - c) / (N - 1) for c in cols)), dtype=float)
    se = float(np.sqrt((N - 1) / N * np.sum((loo - loo.mean()) ** 2)))
    return full, se
