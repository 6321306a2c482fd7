"""Batch normalisation (Ioffe & Szegedy, 2015): forward with a cache, and the compact backward.

In the book's columns X is (d, m): one feature per row, one example per column, and the
statistics of each feature are taken over the batch, along its row (axis 1). γ and β are
(d, 1) columns; 1 is a column of m ones; powers and roots act entry by entry:

    μ = X 1 / m                              (d, 1)   mean of each feature over the batch
    Xc = X − μ1ᵀ                             (d, m)
    σ² = (Xc ⊙ Xc) 1 / m                     (d, 1)   its variance (divided by m, as in training)
    s = (σ² + ε)^(−1/2)                      (d, 1)
    X̂ = diag(s) Xc                           (d, m)
    Y = diag(γ) X̂ + β1ᵀ                      (d, m)

Given dY = ∂J/∂Y (d, m), the compact backward is

    ∂J/∂β = dY 1                                                 (d, 1)   (BN1)
    ∂J/∂γ = (dY ⊙ X̂) 1                                           (d, 1)   (BN2)
    ∂J/∂X = diag(γ ⊙ s) (dY − (∂J/∂β)1ᵀ / m − diag(∂J/∂γ) X̂ / m)   (d, m)   (BN3)

In rows (PyTorch, CS231n) X is (m, d), the statistics run down each column (axis 0) and γ, β
are flat (d,) vectors; every formula is the transpose. `simple_steps` builds the same forward
pass as a graph of simple steps for backprop.autodiff, the independent derivation.
"""

from __future__ import annotations

import numpy as np

from . import autodiff as ad

Array = np.ndarray
EPS = 1e-5  # PyTorch's default for nn.BatchNorm1d


# --8<-- [start:forward]
def batchnorm_forward(X: Array, gamma: Array, beta: Array, eps: float = EPS) -> tuple[Array, tuple]:
    """X (d, m), gamma and beta (d, 1) -> Y (d, m) and the cache (X̂, γ, s)."""
    mu = X.mean(axis=1, keepdims=True)  # (d, 1): over the batch, along each row
    Xc = X - mu  # (d, m)
    var = (Xc * Xc).mean(axis=1, keepdims=True)  # (d, 1), divided by m
    s = 1.0 / np.sqrt(var + eps)  # (d, 1)
    X_hat = Xc * s  # (d, m): diag(s) Xc
    Y = gamma * X_hat + beta  # (d, m): diag(γ) X̂ + β1ᵀ
    return Y, (X_hat, gamma, s)
    # --8<-- [end:forward]


# --8<-- [start:backward]
def batchnorm_backward(dY: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dY = ∂J/∂Y (d, m) -> ∂J/∂X (d, m), ∂J/∂γ (d, 1), ∂J/∂β (d, 1)."""
    X_hat, gamma, s = cache
    m = dY.shape[1]
    dbeta = dY.sum(axis=1, keepdims=True)  # (BN1): summed over the batch, like a bias
    dgamma = (dY * X_hat).sum(axis=1, keepdims=True)  # (BN2)
    dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m))  # (BN3)
    return dX, dgamma, dbeta
    # --8<-- [end:backward]


# --8<-- [start:rows]
def batchnorm_forward_rows(X: Array, gamma: Array, beta: Array, eps: float = EPS) -> tuple[Array, tuple]:
    """Rows: X (m, d), gamma and beta (d,) -> Y (m, d); the statistics run down each column (axis 0)."""
    mu = X.mean(axis=0)  # (d,)
    Xc = X - mu  # (m, d)
    s = 1.0 / np.sqrt((Xc * Xc).mean(axis=0) + eps)  # (d,)
    X_hat = Xc * s  # (m, d)
    return gamma * X_hat + beta, (X_hat, gamma, s)


def batchnorm_backward_rows(dY: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Rows: dY (m, d) -> ∂J/∂X (m, d), ∂J/∂γ (d,), ∂J/∂β (d,)."""
    X_hat, gamma, s = cache
    m = dY.shape[0]
    dbeta = dY.sum(axis=0)  # (BN1) in rows: 1ᵀ dY
    dgamma = (dY * X_hat).sum(axis=0)  # (BN2) in rows
    dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m))  # (BN3) in rows
    return dX, dgamma, dbeta
    # --8<-- [end:rows]


# --8<-- [start:simple_steps]
def simple_steps(X, gamma, beta, eps: float = EPS):
    """The forward pass as a graph of simple steps (backprop.autodiff); returns Y and its nodes by name."""
    mu = ad.mean(X, axis=1)  # mean over the batch
    Xc = X - mu  # subtract
    var = ad.mean(Xc * Xc, axis=1)  # variance
    s = ad.power(var + eps, -0.5)  # 1 / standard deviation
    X_hat = Xc * s  # normalise
    Y = gamma * X_hat + beta  # scale, shift
    return Y, {"mu": mu, "Xc": Xc, "var": var, "s": s, "X_hat": X_hat, "Y": Y}
    # --8<-- [end:simple_steps]
