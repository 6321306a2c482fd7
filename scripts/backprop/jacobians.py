"""Backprop the slow way: build every Jacobian as a real array and multiply.

This module exists to check, with actual shapes, what the fast formulas
(B1)-(B4) compress.  For one example (a single column x):

    dJ/dz^(l) = dJ/da^(L) · da^(L)/dz^(L) · dz^(L)/da^(L-1) · ... · da^(l)/dz^(l)

in numerator layout (a row, multiplied left to right), or the transposed
factors in reverse order in denominator layout (a column, = delta^(l)).

Layouts, briefly.  For a scalar J and a vector v of length d:
numerator layout writes dJ/dv as a 1 x d row, denominator layout as a
d x 1 column.  For vectors u (length p) and v (length q): numerator layout
du/dv is p x q (entry [i, j] = du_i/dv_j, the usual Jacobian), denominator
layout is its transpose, q x p.  The book's delta^(l) is a column, i.e.
denominator layout.  Gradients with respect to a matrix W are always
reported here in W's own shape (entry [i, j] = dJ/dW_ij).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .activations import Activation, activation
from .losses import Loss, loss
from .network import Cache, Network

Array = np.ndarray


class ShapeError(ValueError):
    """Two factors of a chain-rule product do not fit together."""


@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product: a label, its LaTeX, its array."""

    name: str
    tex: str
    value: Array
    layout: str = "numerator"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape


# --- single Jacobians (numerator layout) ------------------------------------


def dz_da_prev(W: Array) -> Array:
    """dz^(l)/da^(l-1) = W^(l), shape (d_l, d_{l-1}), from (F1)."""
    return np.asarray(W)


def da_dz(act: str | Activation, z: Array) -> Array:
    """da^(l)/dz^(l), shape (d_l, d_l): diag(g'(z)), or diag(p) - p p^T for softmax."""
    return activation(act).jacobian(z)


def dz_dW(W: Array, a_prev: Array) -> Array:
    """The 3-tensor T[k, i, j] = dz_k/dW_ij = [k == i] a_prev_j.

    Shape (d_l, d_l, d_{l-1}).  Almost all of it is zero: z_k depends only
    on row k of W, which is why (B3) collapses to an outer product.
    """
    d_l = np.shape(W)[0]
    return np.einsum("ki,j->kij", np.eye(d_l), _column(a_prev)[:, 0])


def dJ_da(loss_: str | Loss, a: Array, y: Array) -> Array:
    """dJ/da^(L) in numerator layout: a 1 x d_L row."""
    return loss(loss_).grad(_column(a), _column(y)).T


def _column(v: Array) -> Array:
    v = np.asarray(v)
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2 or v.shape[1] != 1:
        raise ValueError(f"this module handles one example (a (d, 1) column), got shape {v.shape}")
    return v


# --- the chain ---------------------------------------------------------------


def chain_numerator(net: Network, cache: Cache, y: Array, l: int) -> list[Factor]:
    """Factors of dJ/dz^(l) in numerator layout, in the order they are multiplied.

    [dJ/da^(L) (1 x d_L), da^(L)/dz^(L), dz^(L)/da^(L-1), da^(L-1)/dz^(L-1),
    ..., da^(l)/dz^(l)].  Their product is a 1 x d_l row, delta^(l) transposed.
    """
    L = net.L
    if not 1 <= l <= L:
        raise ValueError(f"layer l must be in 1..{L}, got {l}")
    _column(cache.a[0])
    factors = [
        Factor(
            f"dJ/da[{L}]",
            rf"\frac{{\partial J}}{{\partial a^{{({L})}}}}",
            dJ_da(net.loss, cache.a[L], y),
        )
    ]
    for k in range(L, l - 1, -1):
        if k < L:  # step down from layer k+1 to layer k through W^(k+1)
            factors.append(
                Factor(
                    f"dz[{k + 1}]/da[{k}]",
                    rf"\frac{{\partial z^{{({k + 1})}}}}{{\partial a^{{({k})}}}}",
                    dz_da_prev(net.W[k + 1]),
                )
            )
        factors.append(
            Factor(
                f"da[{k}]/dz[{k}]",
                rf"\frac{{\partial a^{{({k})}}}}{{\partial z^{{({k})}}}}",
                da_dz(net.activations[k], cache.z[k]),
            )
        )
    return factors


def chain_denominator(net: Network, cache: Cache, y: Array, l: int) -> list[Factor]:
    """The same factors in denominator layout: each transposed, order reversed.

    Their product is a d_l x 1 column, which is delta^(l) itself.
    """
    return [
        Factor(f.name, f.tex, to_denominator(f.value), layout="denominator") for f in reversed(chain_numerator(net, cache, y, l))
    ]


def multiply(factors: list[Factor]) -> Array:
    """Multiply factors left to right, refusing mismatched inner dimensions."""
    if not factors:
        raise ValueError("nothing to multiply")
    for f in factors:
        if np.ndim(f.value) != 2:
            raise ShapeError(f"{f.name} has shape {f.shape}; only matrices can be chained")
    product = factors[0].value
    for left, right in pairwise(factors):
        if product.shape[1] != right.shape[0]:
            raise ShapeError(
                f"cannot multiply {left.name} {left.shape} by {right.name} {right.shape}: "
                f"the product so far has {product.shape[1]} columns but {right.name} "
                f"has {right.shape[0]} rows"
            )
        product = product @ right.value
    return product


def contract_weight_gradient(dJ_dz_row: Array, T: Array) -> Array:
    """dJ/dW_ij = sum_k dJ/dz_k T[k, i, j], a d_l x d_{l-1} matrix.

    With T from ``dz_dW`` this equals delta a_prev^T, i.e. (B3).
    """
    return np.einsum("k,kij->ij", np.asarray(dJ_dz_row).ravel(), T)


# --- layout conversion ---------------------------------------------------------


def to_numerator(x: Array) -> Array:
    """Convert a derivative from denominator to numerator layout.

    Scalar-by-vector: a d x 1 column becomes a 1 x d row (a 1-D gradient is
    taken to be layout-free and also becomes a row).  Vector-by-vector: the
    Jacobian is transposed.  Both cases are a transpose, so calling this on
    something already in numerator layout is a mistake we cannot detect.
    """
    x = np.asarray(x)
    if x.ndim == 1:
        return x[None, :]
    if x.ndim != 2:
        raise ValueError(f"layouts are defined for vectors and matrices, got shape {x.shape}")
    return x.T


def to_denominator(x: Array) -> Array:
    """Convert a derivative from numerator to denominator layout.

    Scalar-by-vector: a 1 x d row becomes a d x 1 column (a 1-D gradient
    becomes a column).  Vector-by-vector: the Jacobian is transposed.
    """
    x = np.asarray(x)
    if x.ndim == 1:
        return x[:, None]
    if x.ndim != 2:
        raise ValueError(f"layouts are defined for vectors and matrices, got shape {x.shape}")
    return x.T
