"""Convolution layers as deep-learning libraries define them, and the same layers as matrices.

What libraries call a convolution is a cross-correlation: the kernel slides over the input
without being flipped.  Here the kernel always stays inside the input ("valid" padding) and
moves one step at a time (stride 1).  The names are those of docs/convolution.md:

    (C1) z = T(w) x,   z_i = Σ_j w_j x_{i+j-1}       x (n,), kernel w (k,), z (n-k+1,)
    (C2) ∂J/∂w_j = Σ_i δ_i x_{i+j-1}                  the input correlated with δ: w's shape (k,)
    (C3) ∂J/∂x = T(w)ᵀ δ                              δ padded with k-1 zeros, correlated with the
                                                      flipped kernel ("full"): x's shape (n,)
    (C4) ∂J/∂W = Δ Pᵀ                                 channels: the filters as the rows of W

where δ = ∂J/∂z.  T(w) is the structured matrix of the layer: the (n-k+1) × n Toeplitz
matrix with w in every row, one column further right each time (doubly block Toeplitz in
2-D).  With channels, im2col lays every window out as a column of the patch matrix P, and
the layer becomes (F1, batch) with the output positions in the role of the examples:
Z = W P + b 1ᵀ.  Indices count from 0 here and from 1 on the page.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:corr1d]
def corr1d(x: Array, w: Array) -> Array:
    """(C1) by sliding the kernel: z_i = Σ_j w_j x_{i+j-1}.  x (n,), w (k,) -> z (n - k + 1,)."""
    k = w.shape[0]
    return np.array([w @ x[i:i + k] for i in range(x.shape[0] - k + 1)])
    # --8<-- [end:corr1d]


# --8<-- [start:toeplitz1d]
def toeplitz1d(w: Array, n: int) -> Array:
    """T(w), (n - k + 1) × n, so that T(w) x = corr1d(x, w) for every x of length n.  w (k,)."""
    k = w.shape[0]
    T = np.zeros((n - k + 1, n))
    for i in range(n - k + 1):
        T[i, i:i + k] = w  # the same k weights in every row, one column further right
    return T
    # --8<-- [end:toeplitz1d]


def flip(w: Array) -> Array:
    """The kernel reversed along every axis (a 2-D kernel turned by 180°).  Any shape -> the same shape."""
    return w[(slice(None, None, -1),) * w.ndim]


def full1d(v: Array, w: Array) -> Array:
    """Full correlation: v padded with k - 1 zeros at each end, then (C1).  v (m,), w (k,) -> (m + k - 1,)."""
    k = w.shape[0]
    return corr1d(np.pad(v, k - 1), w)


# --8<-- [start:backward1d]
def corr1d_backward(x: Array, w: Array, delta: Array) -> tuple[Array, Array]:
    """Given δ = ∂J/∂z (n - k + 1,), return ∂J/∂w (k,) and ∂J/∂x (n,).  x (n,), w (k,)."""
    dw = corr1d(x, delta)  # (C2): the input correlated with δ
    dx = full1d(delta, flip(w))  # (C3): δ padded, correlated with the flipped kernel
    return dw, dx
    # --8<-- [end:backward1d]


# --8<-- [start:tied]
def weight_pattern(kshape: tuple[int, ...], xshape: tuple[int, ...]) -> Array:
    """Which weight each entry of T holds: j for the kernel's j-th weight (counted from 1, row by row), 0 where
    T has a zero that is no weight.  kshape (k,) or (k1, k2), xshape (n,) or (n1, n2) -> T's shape, integers."""
    labels = np.arange(1, int(np.prod(kshape)) + 1, dtype=float).reshape(kshape)
    T = toeplitz1d(labels, xshape[0]) if len(kshape) == 1 else toeplitz2d(labels, xshape)
    return T.astype(int)


def tied_gradient(G: Array, pattern: Array) -> Array:
    """The gradient of the shared weights from the gradient G = ∂J/∂T = δ xᵀ (B3) of the whole matrix:
    entry j adds the entries of G at the places where T holds weight j.  G, pattern (T's shape) -> (number of weights,)."""
    return np.array([G[pattern == j].sum() for j in range(1, pattern.max() + 1)])
    # --8<-- [end:tied]


# ---------------------------------------------------------------------------
# Two dimensions, one channel: an image x (n1, n2), a kernel K (k1, k2), z (n1 - k1 + 1, n2 - k2 + 1).
# vec() reads a matrix row by row, as NumPy's reshape(-1) does.


# --8<-- [start:corr2d]
def corr2d(x: Array, K: Array) -> Array:
    """(C1) in 2-D: z_ij = Σ_ab K_ab x_{i+a-1, j+b-1}.  x (n1, n2), K (k1, k2) -> z (n1 - k1 + 1, n2 - k2 + 1)."""
    k1, k2 = K.shape
    o1, o2 = x.shape[0] - k1 + 1, x.shape[1] - k2 + 1
    return np.array([[np.sum(K * x[i:i + k1, j:j + k2]) for j in range(o2)] for i in range(o1)])
    # --8<-- [end:corr2d]


# --8<-- [start:toeplitz2d]
def toeplitz2d(K: Array, shape: tuple[int, int]) -> Array:
    """T(K), (o1·o2) × (n1·n2), doubly block Toeplitz: T(K) vec(x) = vec(corr2d(x, K)) for every x of `shape`.
    Block (i, i + a), of shape o2 × n2, is toeplitz1d(K[a], n2): output row i reads input row i + a through kernel row a."""
    (k1, _), (n1, n2) = K.shape, shape
    o1, o2 = n1 - k1 + 1, n2 - K.shape[1] + 1
    T = np.zeros((o1 * o2, n1 * n2))
    for i in range(o1):
        for a in range(k1):
            T[i * o2:(i + 1) * o2, (i + a) * n2:(i + a + 1) * n2] = toeplitz1d(K[a], n2)
    return T
    # --8<-- [end:toeplitz2d]


def full2d(v: Array, K: Array) -> Array:
    """Full 2-D correlation: v padded with k1 - 1 rows and k2 - 1 columns of zeros on each side, then corr2d.
    v (m1, m2), K (k1, k2) -> (m1 + k1 - 1, m2 + k2 - 1)."""
    k1, k2 = K.shape
    return corr2d(np.pad(v, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), K)


# --8<-- [start:backward2d]
def corr2d_backward(x: Array, K: Array, delta: Array) -> tuple[Array, Array]:
    """Given δ = ∂J/∂z (o1, o2), return ∂J/∂K (k1, k2) and ∂J/∂x (n1, n2).  x (n1, n2), K (k1, k2)."""
    dK = corr2d(x, delta)  # (C2) in 2-D
    dx = full2d(delta, flip(K))  # (C3) in 2-D: the kernel turned by 180°
    return dK, dx
    # --8<-- [end:backward2d]


# ---------------------------------------------------------------------------
# Channels: x (c_in, n1, n2), filters W4 (c_out, c_in, k1, k2) as PyTorch's Conv2d stores its weight,
# W = W4.reshape(c_out, c_in·k1·k2) one filter per row, bias b (c_out, 1); the output Z (c_out, o1·o2) has
# one row per output channel and one column per output position (row by row).


# --8<-- [start:im2col]
def im2col(x: Array, kshape: tuple[int, int]) -> Array:
    """The patch matrix P, (c_in·k1·k2) × (o1·o2): column p is the window under output position p,
    read channel by channel, row by row.  x (c_in, n1, n2)."""
    (k1, k2), (_, n1, n2) = kshape, x.shape
    return np.stack([x[:, i:i + k1, j:j + k2].reshape(-1)
                     for i in range(n1 - k1 + 1) for j in range(n2 - k2 + 1)], axis=1)
    # --8<-- [end:im2col]


# --8<-- [start:col2im]
def col2im(dP: Array, kshape: tuple[int, int], xshape: tuple[int, int, int]) -> Array:
    """The transpose of im2col: each column of dP is added back onto the window it came from, so an
    input entry that sits in several windows receives the sum.  dP (c_in·k1·k2, o1·o2) -> (c_in, n1, n2)."""
    (k1, k2), (c, n1, n2) = kshape, xshape
    dx = np.zeros(xshape)
    windows = [(i, j) for i in range(n1 - k1 + 1) for j in range(n2 - k2 + 1)]
    for p, (i, j) in enumerate(windows):
        dx[:, i:i + k1, j:j + k2] += dP[:, p].reshape(c, k1, k2)
    return dx
    # --8<-- [end:col2im]


# --8<-- [start:conv_forward]
def conv_forward(x: Array, W4: Array, b: Array) -> tuple[Array, tuple]:
    """Z = W P + b 1ᵀ: (F1, batch) with the output positions as the columns.
    x (c_in, n1, n2), W4 (c_out, c_in, k1, k2), b (c_out, 1) -> Z (c_out, o1·o2) and the cache."""
    P = im2col(x, W4.shape[2:])
    W = W4.reshape(W4.shape[0], -1)  # one filter per row: c_out × (c_in·k1·k2)
    Z = W @ P + b
    return Z, (x, W4, P)
    # --8<-- [end:conv_forward]


# --8<-- [start:conv_backward]
def conv_backward(Delta: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Given Δ = ∂J/∂Z (c_out, o1·o2), return ∂J/∂x (c_in, n1, n2), ∂J/∂W4 (W4's shape), ∂J/∂b (c_out, 1)."""
    x, W4, P = cache
    W = W4.reshape(W4.shape[0], -1)
    dW = Delta @ P.T  # (C4): (B3, batch), summed over the positions
    db = Delta.sum(axis=1, keepdims=True)  # (B4, batch): one bias per channel, summed over the positions
    dx = col2im(W.T @ Delta, W4.shape[2:], x.shape)  # (B2) before ⊙ g′, each window added back
    return dx, dW.reshape(W4.shape), db
    # --8<-- [end:conv_backward]


def conv_direct(x: Array, W4: Array, b: Array) -> Array:
    """The same layer channel by channel with corr2d: Z[o] = Σ_c corr2d(x[c], W4[o, c]) + b[o].
    x (c_in, n1, n2), W4 (c_out, c_in, k1, k2), b (c_out, 1) -> Z (c_out, o1·o2)."""
    return np.stack([sum(corr2d(x[c], W4[o, c]) for c in range(x.shape[0])).reshape(-1) + b[o, 0]
                     for o in range(W4.shape[0])])


def toeplitz_channels(W4: Array, shape: tuple[int, int]) -> Array:
    """The whole layer as one matrix: block (o, c) is toeplitz2d(W4[o, c], shape), so that
    vec(Z - b 1ᵀ) = T vec(x) with vec over channels, then rows.  -> (c_out·o1·o2) × (c_in·n1·n2)."""
    return np.block([[toeplitz2d(W4[o, c], shape) for c in range(W4.shape[1])] for o in range(W4.shape[0])])
