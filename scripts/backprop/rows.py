"""The same layer in row convention, as deep-learning libraries write it.

Here a batch is m *rows*: X has shape (m, d_in).  Transposing the book's
column equations gives these forms; each layer is a CS231n-style pair
``*_forward`` -> (output, cache) and ``*_backward(upstream, cache)``.

* ``linear_*``: PyTorch ``nn.Linear`` storage, W of shape (out, in), so
  Y = X W^T + b.  Column form: z = W a + b with Z = Y^T, A = X^T.
* ``affine_*``: CS231n storage, W of shape (in, out), so Y = X W + b.
  This W is the transpose of the book's W^(l).

b has shape (out,) and broadcasts over the m rows.  The incoming
gradient dY = dJ/dY has Y's shape (the row-convention delta, delta^T).

``rows_gradients`` runs a whole network this way (the book's Network, its
weights stored as the library stores them), for comparison with the column
form of backprop.network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import loss, output_delta

Array = np.ndarray


# --8<-- [start:linear_forward]
def linear_forward(X: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """Y = X W^T + b for X (m, in), W (out, in), b (out,)."""
    Y = X @ W.T + b  # (F1) transposed: Z^T = A^T W^T + b^T
    return Y, (X, W)
    # --8<-- [end:linear_forward]


# --8<-- [start:linear_backward]
def linear_backward(dY: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Given dY = dJ/dY (m, out), return dJ/dX, dJ/dW, dJ/db."""
    X, W = cache
    dX = dY @ W  # (W^T delta)^T: the part of (B2) before ⊙ g'
    dW = dY.T @ X  # (B3): delta a^T, summed over rows
    db = dY.sum(axis=0)  # (B4): summed over rows
    return dX, dW, db
    # --8<-- [end:linear_backward]


# --8<-- [start:affine_forward]
def affine_forward(X: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """Y = X W + b for X (m, in), W (in, out), b (out,)."""
    Y = X @ W + b  # (F1) with W stored transposed
    return Y, (X, W)
    # --8<-- [end:affine_forward]


# --8<-- [start:affine_backward]
def affine_backward(dY: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Given dY = dJ/dY (m, out), return dJ/dX, dJ/dW, dJ/db."""
    X, W = cache
    dX = dY @ W.T  # (B2) before ⊙ g', in rows
    dW = X.T @ dY  # (B3) transposed, because W is stored transposed
    db = dY.sum(axis=0)  # (B4)
    return dX, dW, db
    # --8<-- [end:affine_backward]


# ---------------------------------------------------------------------------
# A whole network with the batch as rows.  The parameters are the book's Network
# (columns); `storage` says how a library keeps each W: "pytorch" as W (out, in),
# "cs231n" as W^T (in, out).  X is (m, d_0) and Y is (m, d_L): one example per row.

STORAGE = {
    "pytorch": (linear_forward, linear_backward, lambda W: W.copy()),
    "cs231n": (affine_forward, affine_backward, lambda W: W.T.copy()),
}


@dataclass
class RowGrads:
    """dJ/dW[l] in the library's storage, dJ/db[l] of shape (d_l,), dJ/dX (m, d_0), Z[l] (m, d_l)."""

    dW: list
    db: list
    dX: Array
    Z: list


def stored_weights(net, storage: str) -> list:
    """[None, W^(1), ..., W^(L)] as the library stores them (copies)."""
    store = STORAGE[storage][2]
    return [None] + [store(net.W[l]) for l in range(1, net.L + 1)]


def _rowwise(g, Z: Array) -> Array:
    return g(Z.T).T  # softmax normalises each example, which is now a row


def rows_forward(net, X: Array, storage: str = "pytorch", W: list | None = None) -> tuple[list, list, list]:
    """(Z, A, caches) per layer for X of shape (m, d_0); W defaults to the stored net.W."""
    layer_forward = STORAGE[storage][0]
    W = stored_weights(net, storage) if W is None else W
    Z, A, caches = [None], [X], [None]
    for l in range(1, net.L + 1):
        Zl, cache = layer_forward(A[l - 1], W[l], net.b[l][:, 0])  # (F1) in rows
        Z.append(Zl)
        caches.append(cache)
        A.append(_rowwise(net.g[l], Zl))  # (F2)
    return Z, A, caches


def rows_loss(net, X: Array, Y: Array, storage: str = "pytorch", reduction: str = "sum", W: list | None = None) -> float:
    """J for a batch of rows (summed over the m rows, or divided by m for "mean")."""
    A_L = rows_forward(net, X, storage, W)[1][net.L]
    scale = 1.0 / X.shape[0] if reduction == "mean" else 1.0
    return scale * loss(net.loss).value(A_L.T, Y.T)


# --8<-- [start:rows_gradients]
def rows_gradients(net, X: Array, Y: Array, storage: str = "pytorch", reduction: str = "sum") -> RowGrads:
    """Backprop with the batch as rows: X (m, d_0), Y (m, d_L); dY of each layer is its delta^T."""
    layer_backward = STORAGE[storage][1]
    Z, A, caches = rows_forward(net, X, storage)
    L, g = net.L, net.g
    scale = 1.0 / X.shape[0] if reduction == "mean" else 1.0
    dZ = scale * output_delta(net.loss, g[L], Z[L].T, A[L].T, Y.T).T  # (B1), one row per example
    dW, db = [None] * (L + 1), [None] * (L + 1)
    for l in range(L, 0, -1):
        dA_prev, dW[l], db[l] = layer_backward(dZ, caches[l])  # (B3), (B4), and W^T delta in rows
        if l > 1:
            dZ = dA_prev * g[l - 1].prime(Z[l - 1])  # (B2) in rows
    return RowGrads(dW=dW, db=db, dX=dA_prev, Z=Z)
    # --8<-- [end:rows_gradients]
