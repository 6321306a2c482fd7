"""Gradient checking by central differences.

The analytic gradient from backprop should match
    dJ/dθ_i ≈ (J(θ + h e_i) - J(θ - h e_i)) / (2h),
whose error is O(h^2) from truncation plus O(eps |J| / h) from rounding;
h = 1e-5 balances the two in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .losses import loss
from .network import Network, backward, forward, loss_value

Array = np.ndarray


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: Callable[[Array], float], x: Array, h: float = 1e-5) -> Array:
    """Central-difference estimate of df/dx, one entry of x at a time.

    ``x`` is perturbed in place and every entry is restored afterwards, so
    f may read x through a closure (e.g. x is net.W[2]).  The result is a
    float64 array of x's shape.  We divide by the step actually stored in x,
    which differs from 2h in float32; still, float32 needs a larger h
    (about 1e-3) because its rounding error is larger.
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise TypeError("x must be a floating-point numpy array (it is perturbed in place)")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]  # a numpy scalar: a copy, not a view
        x[i] = old + h
        x_plus, f_plus = float(x[i]), float(f(x))
        x[i] = old - h
        x_minus, f_minus = float(x[i]), float(f(x))
        x[i] = old  # restore before moving on
        grad[i] = (f_plus - f_minus) / (x_plus - x_minus)
    return grad
    # --8<-- [end:numerical_gradient]


def numerical_jacobian(f: Callable[[Array], Array], v: Array, h: float = 1e-5) -> Array:
    """Numerator-layout Jacobian of a column-valued f at the column v, by central differences.

    Entry [i, j] is df_i/dv_j, so row i is the (transposed) gradient of f_i.
    """
    v = np.array(v, dtype=float)
    m = f(v.copy()).shape[0]
    return np.vstack([numerical_gradient(lambda t, i=i: float(f(t)[i, 0]), v.copy(), h).T for i in range(m)])


def loss_of_param(net: Network, x: Array, y: Array, which: str, l: int, reduction: str = "sum") -> Callable[[Array], float]:
    """J as a function of one parameter array (`which` is "W" or "b", at layer l), the others fixed.

    The returned function swaps the array in and restores it, so finite differences can
    perturb a copy without touching the network.
    """

    def J(value: Array) -> float:
        params = getattr(net, which)
        saved = params[l]
        params[l] = value
        try:
            return loss_value(net, x, y, reduction)
        finally:
            params[l] = saved

    return J


def loss_of_z(net: Network, y: Array, l: int) -> Callable[[Array], float]:
    """J as a function of the pre-activation z^(l): the rest of the network run forward from layer l."""
    g, J_loss = net.g, loss(net.loss)

    def J(z: Array) -> float:
        a = g[l](z)  # (F2)
        for k in range(l + 1, net.L + 1):
            a = g[k](net.W[k] @ a + net.b[k])  # (F1), (F2)
        return J_loss.value(a, y)

    return J


# --8<-- [start:relative_error]
def relative_error(analytic: Array, numeric: Array) -> float:
    """The book's gradient-check error:

        max_i |a_i - n_i| / max(|a_i|, |n_i|, tiny)

    Each entry is compared to its own size, so big and small entries count
    alike; ``tiny`` (smallest positive float64) only avoids 0/0 when both
    entries are exactly zero.  Caveat: an entry that should be 0 but comes
    out as 1e-12 scores 1.0, so look at such entries by hand.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {n.shape}")
    if a.size == 0:
        return 0.0
    tiny = np.finfo(np.float64).tiny
    return float(np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), tiny)))
    # --8<-- [end:relative_error]


def check_network_gradients(
    net: Network, x: Array, y: Array, h: float = 1e-5, reduction: str = "sum"
) -> dict[str, tuple[Array, Array, float]]:
    """Compare backprop with central differences for every W[l] and b[l].

    Returns {"W[1]": (analytic, numeric, rel_err), "b[1]": ..., ...}.
    """
    grads = backward(net, forward(net, x), y, reduction)

    def J(_: Array) -> float:
        return loss_value(net, x, y, reduction)  # reads the perturbed parameter

    report = {}
    for l in range(1, net.L + 1):
        for name, param, analytic in (
            ("W", net.W[l], grads.dW[l]),
            ("b", net.b[l], grads.db[l]),
        ):
            numeric = numerical_gradient(J, param, h)
            report[f"{name}[{l}]"] = (
                analytic,
                numeric,
                relative_error(analytic, numeric),
            )
    return report
