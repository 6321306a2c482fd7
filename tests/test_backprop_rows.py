"""Row convention (nn.Linear and CS231n affine) against finite differences and the column form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import (
    Network,
    affine_backward,
    affine_forward,
    gradients,
    init_network,
    linear_backward,
    linear_forward,
    numerical_gradient,
)
from backprop.rows import rows_gradients, rows_loss, stored_weights

SETTINGS = settings(max_examples=40, deadline=None, database=None)
dims = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))


def data(seed, m, n_in, n_out):
    rng = np.random.default_rng(seed)
    X, W, b = (
        rng.normal(size=(m, n_in)),
        rng.normal(size=(n_out, n_in)),
        rng.normal(size=n_out),
    )
    G = rng.normal(size=(m, n_out))  # J = sum(Y * G), so dJ/dY = G
    return X, W, b, G


def test_forward_by_hand():
    X = np.array([[1.0, 2.0]])  # one example as a row
    W = np.array([[1.0, 0.0], [0.5, -1.0], [2.0, 3.0]])  # nn.Linear(2, 3).weight
    b = np.array([0.1, 0.2, 0.3])
    Y, _ = linear_forward(X, W, b)
    np.testing.assert_allclose(Y, [[1.0 + 0.1, 0.5 - 2.0 + 0.2, 2.0 + 6.0 + 0.3]])
    Ya, _ = affine_forward(X, W.T, b)
    np.testing.assert_allclose(Ya, Y)


@SETTINGS
@given(dims)
def test_linear_backward_matches_finite_differences(d):
    X, W, b, G = data(*d)
    dX, dW, db = linear_backward(G, linear_forward(X, W, b)[1])

    def J(_):
        return float(np.sum(linear_forward(X, W, b)[0] * G))

    np.testing.assert_allclose(dX, numerical_gradient(J, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dW, numerical_gradient(J, W), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(J, b), rtol=1e-6, atol=1e-8)
    assert (dX.shape, dW.shape, db.shape) == (X.shape, W.shape, b.shape)


@SETTINGS
@given(dims)
def test_affine_backward_matches_finite_differences(d):
    X, W, b, G = data(*d)
    Wa = W.T.copy()  # CS231n stores (in, out)
    dX, dWa, db = affine_backward(G, affine_forward(X, Wa, b)[1])

    def J(_):
        return float(np.sum(affine_forward(X, Wa, b)[0] * G))

    np.testing.assert_allclose(dX, numerical_gradient(J, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dWa, numerical_gradient(J, Wa), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(J, b), rtol=1e-6, atol=1e-8)
    # Same layer, two storages: the weight gradients are transposes.
    np.testing.assert_allclose(dWa, linear_backward(G, (X, W))[1].T)


@SETTINGS
@given(dims)
def test_rows_are_the_transposed_column_form(d):
    X, W, b, G = data(*d)
    Y, cache = linear_forward(X, W, b)
    dX, dW, db = linear_backward(G, cache)
    A_prev, delta = X.T, G.T  # columns are examples
    np.testing.assert_allclose(Y.T, W @ A_prev + b[:, None])  # (F1)
    np.testing.assert_allclose(dW, delta @ A_prev.T)  # (B3)
    np.testing.assert_allclose(db, delta.sum(axis=1))  # (B4)
    np.testing.assert_allclose(dX.T, W.T @ delta)  # (B2) before ⊙ g'


def test_matches_the_column_network():
    """A one-layer identity network with squared error is nn.Linear + MSE-sum."""
    X, W, b, _ = data(5, m=4, n_in=3, n_out=2)
    T = np.random.default_rng(6).normal(size=(4, 2))
    net = Network(
        W=[None, W],
        b=[None, b[:, None]],
        activations=[None, "identity"],
        loss="squared_error",
    )
    g = gradients(net, X.T, T.T)
    Y, cache = linear_forward(X, W, b)
    _, dW, db = linear_backward(Y - T, cache)  # dJ/dY for J = 1/2 sum (Y - T)^2
    np.testing.assert_allclose(dW, g.dW[1])
    np.testing.assert_allclose(db, g.db[1][:, 0])


@SETTINGS
@given(dims)
def test_batch_gradient_is_sum_over_examples(d):
    X, W, b, G = data(*d)
    dX, dW, db = linear_backward(G, linear_forward(X, W, b)[1])
    per = [linear_backward(G[[i]], linear_forward(X[[i]], W, b)[1]) for i in range(X.shape[0])]
    np.testing.assert_allclose(dW, sum(p[1] for p in per), atol=1e-12)
    np.testing.assert_allclose(db, sum(p[2] for p in per), atol=1e-12)
    np.testing.assert_allclose(dX, np.vstack([p[0] for p in per]), atol=1e-12)


NETWORKS = [  # (sizes, activations, loss): every dimension differs, and one softmax output
    ([3, 5, 2], ["tanh", "sigmoid"], "squared_error"),
    ([4, 3, 6, 3], ["relu", "tanh", "softmax"], "softmax_cross_entropy"),
    ([2, 4, 1], ["leaky_relu", "sigmoid"], "binary_cross_entropy"),
]


def row_case(k, m, seed):
    sizes, acts, loss_name = NETWORKS[k]
    net = init_network(sizes, acts, loss_name, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for l in range(1, net.L + 1):
        net.b[l] = 0.3 * rng.normal(size=net.b[l].shape)
    X = rng.normal(size=(m, sizes[0]))  # rows: one example per row
    if loss_name == "softmax_cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    else:
        Y = (rng.uniform(size=(m, sizes[-1])) > 0.5).astype(float)
    return net, X, Y


@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(0, len(NETWORKS) - 1), st.integers(1, 5), st.integers(0, 2**16),
       st.sampled_from(["pytorch", "cs231n"]), st.sampled_from(["sum", "mean"]))
def test_whole_network_in_rows_is_the_column_form_transposed(k, m, seed, storage, reduction):
    net, X, Y = row_case(k, m, seed)
    rows = rows_gradients(net, X, Y, storage, reduction)
    cols = gradients(net, X.T, Y.T, reduction)  # the column form: examples are columns
    for l in range(1, net.L + 1):
        want = cols.dW[l] if storage == "pytorch" else cols.dW[l].T  # CS231n stores W transposed
        np.testing.assert_allclose(rows.dW[l], want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(rows.db[l], cols.db[l][:, 0], rtol=1e-12, atol=1e-14)
        assert rows.Z[l].shape == (m, net.sizes[l])
    np.testing.assert_allclose(rows.dX, (net.W[1].T @ cols.delta[1]).T, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("storage", ["pytorch", "cs231n"])
@pytest.mark.parametrize("k", range(len(NETWORKS)))
def test_whole_network_in_rows_matches_finite_differences(k, storage):
    net, X, Y = row_case(k, m=4, seed=7 + k)
    rows = rows_gradients(net, X, Y, storage, "mean")
    W = stored_weights(net, storage)
    for l in range(1, net.L + 1):
        numeric = numerical_gradient(lambda _: rows_loss(net, X, Y, storage, "mean", W=W), W[l])
        np.testing.assert_allclose(rows.dW[l], numeric, rtol=1e-6, atol=1e-9)
        assert rows.dW[l].shape == W[l].shape  # the gradient has the stored weight's shape
    numeric_X = numerical_gradient(lambda _: rows_loss(net, X, Y, storage, "mean"), X)
    np.testing.assert_allclose(rows.dX, numeric_X, rtol=1e-6, atol=1e-9)
