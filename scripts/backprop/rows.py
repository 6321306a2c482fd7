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
"""

from __future__ import annotations

import numpy as np

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
