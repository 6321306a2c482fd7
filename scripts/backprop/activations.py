"""Activation functions g^(l) and their derivatives.

Every function works on a column z of shape (d, 1) or on a batch of
columns of shape (d, m): elementwise functions do not care, and softmax
normalises each column on its own (axis 0), matching the book's
convention that examples are columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One activation g together with what backprop needs from it.

    ``elementwise`` activations act on each entry of z separately, so their
    Jacobian is diagonal and backprop can use the cheap product
    ``upstream * g'(z)`` of (B2).  Softmax mixes the entries of a column,
    so it only offers the full Jacobian.
    """

    name: str
    g: Callable[[Array], Array]
    g_prime: Callable[[Array], Array] | None
    elementwise: bool
    full_jacobian: Callable[[Array], Array] | None = None

    def __call__(self, z: Array) -> Array:
        return self.g(z)

    def prime(self, z: Array) -> Array:
        """Elementwise derivative g'(z), same shape as z."""
        if not self.elementwise or self.g_prime is None:
            raise ValueError(
                f"{self.name} is not elementwise, so it has no elementwise "
                f"derivative g'(z); use .jacobian(z) for one column instead"
            )
        return self.g_prime(z)

    def jacobian(self, z: Array) -> Array:
        """Numerator-layout Jacobian da/dz (shape (d, d)) for one column z.

        Entry [i, j] is d a_i / d z_j.  For an elementwise g it is
        diag(g'(z)); for softmax it is diag(p) - p p^T.
        """
        z = _one_column(z)
        if self.elementwise:
            return np.diag(self.prime(z)[:, 0])
        if self.full_jacobian is None:
            raise ValueError(f"{self.name} defines no Jacobian")
        return self.full_jacobian(z)


def _one_column(z: Array) -> Array:
    """Return z as a (d, 1) column; refuse batches (a Jacobian is per example)."""
    z = np.asarray(z)
    if z.ndim == 1:
        return z[:, None]
    if z.ndim != 2 or z.shape[1] != 1:
        raise ValueError(f"jacobian needs one column of shape (d, 1), got {z.shape}")
    return z


# --- the functions themselves ------------------------------------------------


def _identity(z: Array) -> Array:
    return z


def _identity_prime(z: Array) -> Array:
    return np.ones_like(z)


def _sigmoid(z: Array) -> Array:
    # Never exponentiate a large positive number: with e = exp(-|z|) <= 1,
    # z >= 0 uses 1 / (1 + e) and z < 0 uses e / (1 + e); both are the
    # same function 1 / (1 + exp(-z)), just rearranged to avoid overflow.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_prime(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1 - s)  # sigma' = sigma (1 - sigma)


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _tanh_prime(z: Array) -> Array:
    return 1 - np.tanh(z) ** 2


def _relu(z: Array) -> Array:
    return np.maximum(z, 0)


def _relu_prime(z: Array) -> Array:
    # ReLU has no derivative at 0.  We choose g'(0) := 0 (strict z > 0), the
    # common library choice; any value in [0, 1] is a valid subgradient.
    return np.asarray(z > 0, dtype=np.result_type(z, np.float32))


def leaky_relu(slope: float = 0.01) -> Activation:
    """Leaky ReLU with the given slope for z < 0 (PyTorch's ``negative_slope``, default 0.01).

    g(z) = z for z > 0 and slope * z otherwise.  Like ReLU it has a kink at 0, where the
    left derivative is ``slope`` and the right one is 1; we choose g'(0) := slope, the same
    strict ``z > 0`` test as ReLU (slope 0 gives ReLU's derivative exactly).
    """
    slope = float(slope)
    if not np.isfinite(slope):
        raise ValueError(f"the slope of a leaky ReLU must be a finite number, got {slope!r}")

    def g(z: Array) -> Array:
        return np.where(z > 0, z, slope * z).astype(np.result_type(z, np.float32))

    def g_prime(z: Array) -> Array:
        return np.where(z > 0, 1.0, slope).astype(np.result_type(z, np.float32))  # g'(0) := slope

    name = "leaky_relu" if slope == 0.01 else f"leaky_relu({slope:g})"
    return Activation(name, g, g_prime, elementwise=True)


def _softmax(z: Array) -> Array:
    # Subtracting each column's max leaves softmax unchanged (it cancels
    # between numerator and denominator) and keeps exp() from overflowing.
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def _softmax_jacobian(z: Array) -> Array:
    p = _softmax(z)  # (d, 1)
    return np.diagflat(p) - p @ p.T  # d p_i / d z_j = p_i ([i==j] - p_j)


identity = Activation("identity", _identity, _identity_prime, elementwise=True)
sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_prime, elementwise=True)
tanh = Activation("tanh", _tanh, _tanh_prime, elementwise=True)
relu = Activation("relu", _relu, _relu_prime, elementwise=True)
softmax = Activation("softmax", _softmax, None, elementwise=False, full_jacobian=_softmax_jacobian)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (identity, sigmoid, tanh, relu, leaky_relu(), softmax)}


def activation(name: str | Activation) -> Activation:
    """Look an activation up by name (an Activation is passed through)."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; valid names: {valid}") from None
