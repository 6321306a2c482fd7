"""Losses J(a, y) and the output delta (B1).

``a`` is the network output a^(L) and ``y`` the target, both of shape
(d_L, m): one column per example.  Every loss *sums* over the m columns;
averaging ("mean" reduction) is done by the network functions, which
divide by m (see ``network.loss_value`` and ``network.backward``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Activation, activation

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """A loss with its value and its gradient dJ/da (same shape as a)."""

    name: str
    value_fn: Callable[[Array, Array], float]
    grad_fn: Callable[[Array, Array], Array]

    def value(self, a: Array, y: Array) -> float:
        _check_same_shape(a, y)
        return float(self.value_fn(a, y))

    def grad(self, a: Array, y: Array) -> Array:
        _check_same_shape(a, y)
        return self.grad_fn(a, y)


def _check_same_shape(a: Array, y: Array) -> None:
    # Broadcasting a (d, m) output against a (d,) target would silently
    # produce a (d, d) or (m, m) "loss"; refuse instead.
    if np.shape(a) != np.shape(y):
        raise ValueError(f"output a has shape {np.shape(a)} but target y has shape {np.shape(y)}")


# J = 1/2 sum (a - y)^2;  dJ/da = a - y
squared_error = Loss(
    "squared_error",
    lambda a, y: 0.5 * np.sum((a - y) ** 2),
    lambda a, y: a - y,
)

# J = -sum [y log a + (1 - y) log(1 - a)];  dJ/da = (a - y) / (a (1 - a)).
# Needs 0 < a < 1 (a sigmoid output); we do not clip, so a saturated output
# shows up as inf/nan instead of a silently wrong number.  Near a = 1 the
# difference 1 - a loses digits; the fused delta a - y of (B1) does not.
binary_cross_entropy = Loss(
    "binary_cross_entropy",
    lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
    lambda a, y: (a - y) / (a * (1 - a)),
)

# J = -sum y log a, with a = softmax probabilities;  dJ/da = -y / a
softmax_cross_entropy = Loss(
    "softmax_cross_entropy",
    lambda a, y: -np.sum(y * np.log(a)),
    lambda a, y: -y / a,
)

LOSSES: dict[str, Loss] = {f.name: f for f in (squared_error, binary_cross_entropy, softmax_cross_entropy)}


def loss(name: str | Loss) -> Loss:
    """Look a loss up by name (a Loss is passed through)."""
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        valid = ", ".join(sorted(LOSSES))
        raise ValueError(f"unknown loss {name!r}; valid names: {valid}") from None


def check_compatible(loss_: str | Loss, g: str | Activation) -> None:
    """Refuse output/loss pairs that make no sense.

    softmax_cross_entropy is defined on probability vectors, so it needs a
    softmax output.  Other pairs (even softmax + squared error) are legal:
    ``output_delta`` handles them through the Jacobian.
    """
    if loss(loss_).name == "softmax_cross_entropy" and activation(g).name != "softmax":
        raise ValueError(f"softmax_cross_entropy needs a softmax output layer, got {activation(g).name}")


def output_delta(loss_: str | Loss, g: str | Activation, z: Array, a: Array, y: Array) -> Array:
    """(B1) delta^(L) = dJ/dz^(L), for a batch of columns (d_L, m).

    Three cases, cheapest first:

    * sigmoid + binary cross-entropy, softmax + softmax cross-entropy:
      the derivatives cancel and delta = a - y.  (For softmax this uses
      that each target column sums to 1, which we check.)
    * any other elementwise g: delta = dJ/da ⊙ g'(z).
    * otherwise (softmax with another loss): per column,
      delta = J_g(z)^T dJ/da, with J_g the numerator-layout Jacobian.
    """
    L, g = loss(loss_), activation(g)
    check_compatible(L, g)
    _check_same_shape(a, y)
    if (g.name, L.name) == ("sigmoid", "binary_cross_entropy"):
        return a - y  # (B1), fused: sigma' = a (1 - a) cancels the denominator
    if (g.name, L.name) == ("softmax", "softmax_cross_entropy"):
        if not np.allclose(np.sum(y, axis=0), 1.0):
            raise ValueError("softmax_cross_entropy targets must be columns summing to 1")
        return a - y  # (B1), fused: (diag(p) - p p^T)(-y / p) = p - y when sum(y) = 1
    if g.elementwise:
        return L.grad(a, y) * g.prime(z)  # (B1) dJ/da ⊙ g'(z)
    dJ_da = L.grad(a, y)
    return np.column_stack(
        [g.jacobian(z[:, [i]]).T @ dJ_da[:, i] for i in range(z.shape[1])]
    )  # (B1) J_g(z)^T dJ/da, one column at a time
