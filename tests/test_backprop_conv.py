"""backprop.conv against loops written here, finite differences and autograd, for many sizes."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import numerical_gradient
from backprop.conv import (
    col2im,
    conv_backward,
    conv_direct,
    conv_forward,
    corr1d,
    corr1d_backward,
    corr2d,
    corr2d_backward,
    flip,
    full1d,
    full2d,
    im2col,
    tied_gradient,
    toeplitz1d,
    toeplitz2d,
    toeplitz_channels,
    weight_pattern,
)

SETTINGS = settings(max_examples=30, deadline=None, database=None)
seeds = st.integers(0, 2**32 - 1)
sizes_1d = st.tuples(seeds, st.integers(1, 9), st.integers(0, 6))  # seed, kernel length k, extra input length n - k
sizes_2d = st.tuples(seeds, st.integers(1, 3), st.integers(1, 3), st.integers(0, 3), st.integers(0, 3))
sizes_ch = st.tuples(seeds, st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2))


# --- loops written here, index by index, as the page writes the sums (counted from 0) ---------------------------


def loop_corr1d(x, w):
    n, k = len(x), len(w)
    return np.array([sum(w[j] * x[i + j] for j in range(k)) for i in range(n - k + 1)])


def loop_corr2d(x, K):
    (n1, n2), (k1, k2) = x.shape, K.shape
    z = np.zeros((n1 - k1 + 1, n2 - k2 + 1))
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            for a in range(k1):
                for b in range(k2):
                    z[i, j] += K[a, b] * x[i + a, j + b]
    return z


def loop_backward1d(x, w, delta):
    # Each output z_i = Σ_j w_j x_{i+j}: add the contributions of every output to every weight and input it touched.
    dw, dx = np.zeros_like(w), np.zeros_like(x)
    for i in range(len(delta)):
        for j in range(len(w)):
            dw[j] += delta[i] * x[i + j]
            dx[i + j] += delta[i] * w[j]
    return dw, dx


def loop_layer(x, W4, b):
    c_out, c_in, k1, k2 = W4.shape
    o1, o2 = x.shape[1] - k1 + 1, x.shape[2] - k2 + 1
    Z = np.zeros((c_out, o1, o2))
    for o in range(c_out):
        for i in range(o1):
            for j in range(o2):
                Z[o, i, j] = b[o, 0] + sum(W4[o, c, a, bb] * x[c, i + a, j + bb]
                                           for c in range(c_in) for a in range(k1) for bb in range(k2))
    return Z.reshape(c_out, -1)


def data1d(seed, k, extra):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(k + extra), rng.standard_normal(k)
    return x, w, rng.standard_normal(extra + 1)


def data2d(seed, k1, k2, e1, e2):
    rng = np.random.default_rng(seed)
    x, K = rng.standard_normal((k1 + e1, k2 + e2)), rng.standard_normal((k1, k2))
    return x, K, rng.standard_normal((e1 + 1, e2 + 1))


def data_ch(seed, c_in, c_out, k1, k2, e):
    rng = np.random.default_rng(seed)
    x, W4, b = rng.standard_normal((c_in, k1 + e, k2 + e + 1)), rng.standard_normal((c_out, c_in, k1, k2)), rng.standard_normal((c_out, 1))
    return x, W4, b, rng.standard_normal((c_out, (e + 1) * (e + 2)))


# --- forward -------------------------------------------------------------------------------------------------


def test_forward_by_hand():
    # z_1 = 1·2 + (−2)·1 + 3·(−1) = −3, z_2 = 1·1 − 2·(−1) + 3·3 = 12: the page's example, computed here by hand.
    z = corr1d(np.array([2.0, 1, -1, 3, 0, -2]), np.array([1.0, -2, 3]))
    np.testing.assert_array_equal(z[:2], [-3.0, 12.0])
    T = toeplitz1d(np.array([1.0, -2, 3]), 5)
    np.testing.assert_array_equal(T, [[1, -2, 3, 0, 0], [0, 1, -2, 3, 0], [0, 0, 1, -2, 3]])


@SETTINGS
@given(sizes_1d)
def test_corr1d_matches_loop_numpy_and_matrix(d):
    x, w, _ = data1d(*d)
    z = corr1d(x, w)
    assert z.shape == (len(x) - len(w) + 1,)
    np.testing.assert_allclose(z, loop_corr1d(x, w), atol=1e-12)
    np.testing.assert_allclose(z, np.correlate(x, w, "valid"), atol=1e-12)
    np.testing.assert_allclose(toeplitz1d(w, len(x)) @ x, z, atol=1e-12)
    np.testing.assert_allclose(im2col(x[None, None, :], (1, len(w))).T @ w, z, atol=1e-12)


@SETTINGS
@given(sizes_1d)
def test_toeplitz1d_structure(d):
    x, w, _ = data1d(*d)
    n, k = len(x), len(w)
    T = toeplitz1d(w, n)
    assert T.shape == (n - k + 1, n)
    for i in range(n - k + 1):
        for c in range(n):
            assert T[i, c] == (w[c - i] if 0 <= c - i < k else 0.0)


@SETTINGS
@given(sizes_2d)
def test_corr2d_matches_loop_and_matrix(d):
    x, K, _ = data2d(*d)
    z = corr2d(x, K)
    np.testing.assert_allclose(z, loop_corr2d(x, K), atol=1e-12)
    T = toeplitz2d(K, x.shape)
    assert T.shape == (z.size, x.size)
    np.testing.assert_allclose(T @ x.reshape(-1), z.reshape(-1), atol=1e-12)
    # Doubly block Toeplitz: entry (output (i, j), input (r, c)) is K[r − i, c − j] inside the kernel, else 0.
    o2, n2 = z.shape[1], x.shape[1]
    for (p, q), v in np.ndenumerate(T):
        (i, j), (r, c) = divmod(p, o2), divmod(q, n2)
        inside = 0 <= r - i < K.shape[0] and 0 <= c - j < K.shape[1]
        assert v == (K[r - i, c - j] if inside else 0.0)


@SETTINGS
@given(sizes_ch)
def test_channel_layer_matches_loop_and_matrix(d):
    x, W4, b, _ = data_ch(*d)
    Z, (_, _, P) = conv_forward(x, W4, b)
    assert P.shape == (W4[0].size, Z.shape[1])
    np.testing.assert_allclose(Z, loop_layer(x, W4, b), atol=1e-12)
    np.testing.assert_allclose(conv_direct(x, W4, b), Z, atol=1e-12)
    T = toeplitz_channels(W4, x.shape[1:])
    np.testing.assert_allclose(T @ x.reshape(-1), (Z - b).reshape(-1), atol=1e-12)


def test_flip_and_full():
    w, K = np.array([1.0, 2, 3]), np.array([[1.0, 2], [3, 4]])
    np.testing.assert_array_equal(flip(w), [3, 2, 1])
    np.testing.assert_array_equal(flip(K), [[4, 3], [2, 1]])
    v = np.array([1.0, -1])
    np.testing.assert_allclose(full1d(v, w), np.correlate(v, w, "full"))  # NumPy's full correlation
    np.testing.assert_allclose(full1d(v, flip(w)), np.convolve(v, w, "full"))  # a true convolution flips the kernel
    assert full2d(np.ones((2, 3)), K).shape == (3, 4)


# --- backward ------------------------------------------------------------------------------------------------


def J_of(delta, f):
    return lambda v: float(np.sum(delta * f(v)))  # J = Σ δ ⊙ z, so ∂J/∂z = δ


@SETTINGS
@given(sizes_1d)
def test_backward1d_matches_finite_differences_loop_and_matrix(d):
    x, w, delta = data1d(*d)
    dw, dx = corr1d_backward(x, w, delta)
    assert dw.shape == w.shape and dx.shape == x.shape
    np.testing.assert_allclose(dw, numerical_gradient(J_of(delta, lambda v: corr1d(x, v)), w.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dx, numerical_gradient(J_of(delta, lambda v: corr1d(v, w)), x.copy()), rtol=1e-6, atol=1e-8)
    loop_dw, loop_dx = loop_backward1d(x, w, delta)
    np.testing.assert_allclose(dw, loop_dw, atol=1e-12)
    np.testing.assert_allclose(dx, loop_dx, atol=1e-12)
    T = toeplitz1d(w, len(x))
    np.testing.assert_allclose(dx, T.T @ delta, atol=1e-12)  # (C3)
    np.testing.assert_allclose(dw, tied_gradient(np.outer(delta, x), weight_pattern(w.shape, x.shape)), atol=1e-12)  # (C2)
    np.testing.assert_allclose(dx, np.convolve(delta, w, "full"), atol=1e-12)


@SETTINGS
@given(sizes_2d)
def test_backward2d_matches_finite_differences_and_matrix(d):
    x, K, delta = data2d(*d)
    dK, dx = corr2d_backward(x, K, delta)
    assert dK.shape == K.shape and dx.shape == x.shape
    np.testing.assert_allclose(dK, numerical_gradient(J_of(delta, lambda v: corr2d(x, v)), K.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dx, numerical_gradient(J_of(delta, lambda v: corr2d(v, K)), x.copy()), rtol=1e-6, atol=1e-8)
    T = toeplitz2d(K, x.shape)
    np.testing.assert_allclose(dx.reshape(-1), T.T @ delta.reshape(-1), atol=1e-12)
    G = np.outer(delta.reshape(-1), x.reshape(-1))
    np.testing.assert_allclose(dK.reshape(-1), tied_gradient(G, weight_pattern(K.shape, x.shape)), atol=1e-12)


@SETTINGS
@given(sizes_ch)
def test_channel_backward_matches_finite_differences_and_matrix(d):
    x, W4, b, Delta = data_ch(*d)
    _, cache = conv_forward(x, W4, b)
    dx, dW4, db = conv_backward(Delta, cache)
    assert (dx.shape, dW4.shape, db.shape) == (x.shape, W4.shape, b.shape)

    def J(_):
        return float(np.sum(Delta * loop_layer(x, W4, b)))  # the loop layer: independent of the code under test

    for analytic, param in ((dx, x), (dW4, W4), (db, b)):
        np.testing.assert_allclose(analytic, numerical_gradient(J, param), rtol=1e-6, atol=1e-8)
    T = toeplitz_channels(W4, x.shape[1:])
    np.testing.assert_allclose(dx.reshape(-1), T.T @ Delta.reshape(-1), atol=1e-12)


@SETTINGS
@given(sizes_ch)
def test_col2im_is_the_transpose_of_im2col(d):
    x, W4, _, _ = data_ch(*d)
    P = im2col(x, W4.shape[2:])
    Y = np.random.default_rng(d[0] + 1).standard_normal(P.shape)
    assert np.isclose(np.sum(P * Y), np.sum(x * col2im(Y, W4.shape[2:], x.shape)))


def test_col2im_adds_overlapping_windows():
    # A 1×3 input, windows of 2: the middle entry sits in both windows and receives both columns' entries.
    dx = col2im(np.array([[1.0, 10.0], [2.0, 20.0]]), (1, 2), (1, 1, 3))
    np.testing.assert_array_equal(dx, [[[1.0, 2.0 + 10.0, 20.0]]])


def test_weight_pattern_counts_every_weight_once_per_row():
    pattern = weight_pattern((2, 2), (4, 5))
    assert pattern.shape == (12, 20)
    for j in range(1, 5):
        assert np.all((pattern == j).sum(axis=1) == 1)
    assert (pattern == 0).sum() == pattern.size - 4 * 12


# --- against autograd: the layers written with autograd.numpy here ----------------------------------------------


def ag_corr1d(x, w):
    k = w.shape[0]
    return anp.array([anp.sum(w * x[i:i + k]) for i in range(x.shape[0] - k + 1)])


def ag_layer(x, W4, b):
    c_out, _, k1, k2 = W4.shape
    o1, o2 = x.shape[1] - k1 + 1, x.shape[2] - k2 + 1
    rows = [anp.array([anp.sum(W4[o] * x[:, i:i + k1, j:j + k2]) for i in range(o1) for j in range(o2)]) + b[o, 0]
            for o in range(c_out)]
    return anp.stack(rows)


@pytest.mark.parametrize("n,k", [(1, 1), (5, 1), (6, 3), (7, 7), (12, 5)])
def test_backward1d_matches_autograd(n, k):
    rng = np.random.default_rng(n * 31 + k)
    x, w, y = rng.standard_normal(n), rng.standard_normal(k), rng.standard_normal(n - k + 1)

    def J(x, w):
        return 0.5 * anp.sum((anp.tanh(ag_corr1d(x, w)) - y) ** 2)

    a = np.tanh(corr1d(x, w))
    delta = (a - y) * (1 - a**2)  # (B1) for tanh and the squared error
    dw, dx = corr1d_backward(x, w, delta)
    np.testing.assert_allclose(dw, grad(J, 1)(x, w), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, grad(J, 0)(x, w), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("c_in,c_out,xshape,kshape", [(1, 1, (3, 3), (2, 2)), (2, 3, (4, 5), (2, 3)), (3, 2, (5, 4), (3, 1))])
def test_channel_backward_matches_autograd(c_in, c_out, xshape, kshape):
    rng = np.random.default_rng(c_in * 7 + c_out)
    x, W4, b = rng.standard_normal((c_in, *xshape)), rng.standard_normal((c_out, c_in, *kshape)), rng.standard_normal((c_out, 1))
    Z, cache = conv_forward(x, W4, b)
    y = rng.standard_normal(Z.shape)

    def J(x, W4, b):
        return 0.5 * anp.sum((anp.tanh(ag_layer(x, W4, b)) - y) ** 2)

    a = np.tanh(Z)
    dx, dW4, db = conv_backward((a - y) * (1 - a**2), cache)
    for got, i in ((dx, 0), (dW4, 1), (db, 2)):
        np.testing.assert_allclose(got, grad(J, i)(x, W4, b), rtol=1e-10, atol=1e-12)


# --- shapes for several sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("xshape,kshape", [((28, 28), (5, 5)), ((7, 3), (2, 3)), ((4, 9), (4, 1))])
def test_shapes(xshape, kshape):
    x, K = np.zeros(xshape), np.ones(kshape)
    o = (xshape[0] - kshape[0] + 1, xshape[1] - kshape[1] + 1)
    assert corr2d(x, K).shape == o
    assert toeplitz2d(K, xshape).shape == (o[0] * o[1], xshape[0] * xshape[1])
    dK, dx = corr2d_backward(x, K, np.ones(o))
    assert dK.shape == kshape and dx.shape == xshape
    assert im2col(x[None], kshape).shape == (K.size, o[0] * o[1])
