"""Row convention (nn.Linear and CS231n affine) against finite differences and the column form."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import (
    Network,
    affine_backward,
    affine_forward,
    gradients,
    linear_backward,
    linear_forward,
    numerical_gradient,
)

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
