"""backprop.batchnorm against autograd (an independent library) and finite differences, in columns and rows."""

import autograd
import autograd.numpy as anp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import autodiff as ad
from backprop import numerical_gradient
from backprop.batchnorm import (
    EPS,
    batchnorm_backward,
    batchnorm_backward_rows,
    batchnorm_forward,
    batchnorm_forward_rows,
    simple_steps,
)

SETTINGS = settings(max_examples=40, deadline=None, database=None)
cases = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(2, 6), st.floats(0.1, 10.0))


def data(seed, d, m, scale):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(d, m)) + rng.normal(size=(d, 1))
    return X, rng.uniform(0.5, 2, (d, 1)), rng.normal(size=(d, 1)), rng.normal(size=(d, m))


def bn_autograd(X, gamma, beta):
    """Batch norm written from Ioffe & Szegedy's Algorithm 1, features as rows, for autograd."""
    mu = anp.mean(X, axis=1, keepdims=True)
    var = anp.mean((X - mu) ** 2, axis=1, keepdims=True)
    return gamma * (X - mu) / anp.sqrt(var + EPS) + beta


@SETTINGS
@given(cases)
def test_backward_against_autograd(case):
    X, gamma, beta, dY = data(*case)
    dX, dgamma, dbeta = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])
    for i, got in enumerate((dX, dgamma, dbeta)):
        want = autograd.grad(lambda *p, i=i: anp.sum(dY * bn_autograd(*p)), i)(X, gamma, beta)
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_backward_against_finite_differences():
    X, gamma, beta, dY = data(1, 3, 4, 2.0)
    dX, dgamma, dbeta = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])

    def J(_):
        return float(np.sum(dY * batchnorm_forward(X, gamma, beta)[0]))

    for got, x in ((dX, X), (dgamma, gamma), (dbeta, beta)):
        np.testing.assert_allclose(got, numerical_gradient(J, x), rtol=1e-6, atol=1e-9)


def test_forward_standardises_each_feature_over_the_batch():
    X, gamma, beta, _ = data(2, 4, 7, 3.0)
    Y, (X_hat, _, s) = batchnorm_forward(X, gamma, beta)
    var = X.var(axis=1, keepdims=True)
    np.testing.assert_allclose(X_hat.mean(axis=1), 0, atol=1e-14)
    np.testing.assert_allclose(X_hat.var(axis=1, keepdims=True), var / (var + EPS), rtol=1e-12)
    np.testing.assert_allclose(Y, bn_autograd(X, gamma, beta), rtol=1e-12)


@SETTINGS
@given(cases)
def test_rows_are_the_transpose_of_columns(case):
    X, gamma, beta, dY = data(*case)
    Yc, cache = batchnorm_forward(X, gamma, beta)
    dXc, dgc, dbc = batchnorm_backward(dY, cache)
    Yr, cache_r = batchnorm_forward_rows(X.T, gamma[:, 0], beta[:, 0])
    dXr, dgr, dbr = batchnorm_backward_rows(dY.T, cache_r)
    np.testing.assert_allclose(Yr, Yc.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dXr, dXc.T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.stack([dgr, dbr]), np.stack([dgc[:, 0], dbc[:, 0]]), rtol=1e-12)
    assert dgr.shape == (X.shape[0],)  # flat, like PyTorch's weight


def test_rows_against_finite_differences():
    X, gamma, beta, dY = data(3, 3, 5, 1.0)
    Xr, g, b, dYr = X.T.copy(), gamma[:, 0].copy(), beta[:, 0].copy(), dY.T

    def J(_):
        return float(np.sum(dYr * batchnorm_forward_rows(Xr, g, b)[0]))

    dX, dgamma, dbeta = batchnorm_backward_rows(dYr, batchnorm_forward_rows(Xr, g, b)[1])
    for got, x in ((dX, Xr), (dgamma, g), (dbeta, b)):
        np.testing.assert_allclose(got, numerical_gradient(J, x), rtol=1e-6, atol=1e-9)


def test_simple_steps_through_autodiff_equal_the_compact_formula():
    X, gamma, beta, dY = data(4, 3, 4, 1.5)
    Xv, gv, bv = ad.Var(X), ad.Var(gamma), ad.Var(beta)
    Y, nodes = simple_steps(Xv, gv, bv)
    np.testing.assert_allclose(Y.value, batchnorm_forward(X, gamma, beta)[0], rtol=1e-12)
    ad.backward(Y, seed=dY)
    for got, want in zip((Xv.grad, gv.grad, bv.grad), batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1]), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_gradient_sums_to_zero_over_the_batch_and_is_orthogonal_to_x_hat_when_eps_is_zero():
    X, gamma, beta, dY = data(5, 4, 6, 1.0)
    dX, _, _ = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta)[1])
    np.testing.assert_allclose(dX.sum(axis=1), 0, atol=1e-13)
    dX0, _, _ = batchnorm_backward(dY, (cache := batchnorm_forward(X, gamma, beta, eps=0.0)[1]))
    np.testing.assert_allclose((dX0 * cache[0]).sum(axis=1), 0, atol=1e-12)  # ε = 0: shifting and stretching leave X̂ alone
