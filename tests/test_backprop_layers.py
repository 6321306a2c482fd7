"""backprop.layers: each backward against finite differences of its own forward, the network against autograd."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import init_network, layers, numerical_gradient
from backprop.rows import linear_forward as rows_linear_forward

SETTINGS = settings(max_examples=30, deadline=None, database=None)
dims = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))


@SETTINGS
@given(dims)
def test_linear_backward_matches_finite_differences(d):
    seed, m, d_prev, d_l = d
    rng = np.random.default_rng(seed)
    a_prev, W, b = rng.normal(size=(d_prev, m)), rng.normal(size=(d_l, d_prev)), rng.normal(size=(d_l, 1))
    G = rng.normal(size=(d_l, m))  # J = Σ G ⊙ z, so ∂J/∂z = G

    def J(_):
        return float(np.sum(G * layers.linear_forward(a_prev, W, b)[0]))

    da_prev, dW, db = layers.linear_backward(G, layers.linear_forward(a_prev, W, b)[1])
    for got, x in ((da_prev, a_prev), (dW, W), (db, b)):
        np.testing.assert_allclose(got, numerical_gradient(J, x), rtol=1e-6, atol=1e-8)
        assert got.shape == x.shape


def test_linear_pair_is_the_transpose_of_the_row_pair():
    rng = np.random.default_rng(0)
    a_prev, W, b = rng.normal(size=(3, 5)), rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    z, _ = layers.linear_forward(a_prev, W, b)
    np.testing.assert_allclose(z.T, rows_linear_forward(a_prev.T, W, b[:, 0])[0], rtol=1e-14)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_activation_backward_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    z, G = rng.normal(size=(4, 3)) + 0.05, rng.normal(size=(4, 3))

    def J(_):
        return float(np.sum(G * layers.activation_forward(z, name)[0]))

    got = layers.activation_backward(G, layers.activation_forward(z, name)[1])
    np.testing.assert_allclose(got, numerical_gradient(J, z), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["squared_error", "binary_cross_entropy", "softmax_cross_entropy"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_loss_backward_matches_finite_differences(name, reduction):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.2, 0.8, size=(3, 4))
    y = np.eye(3)[:, [0, 1, 2, 1]] if name == "softmax_cross_entropy" else rng.uniform(0.1, 0.9, size=(3, 4))
    got = layers.loss_backward(layers.loss_forward(a, y, name, reduction)[1])
    np.testing.assert_allclose(got, numerical_gradient(lambda v: layers.loss_forward(v, y, name, reduction)[0], a), rtol=1e-6)


ACT = {"tanh": anp.tanh, "sigmoid": lambda z: 1 / (1 + anp.exp(-z)), "identity": lambda z: z,
       "softmax": lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=0, keepdims=True)}
LOSS = {"squared_error": lambda a, y: 0.5 * anp.sum((a - y) ** 2), "softmax_cross_entropy": lambda a, y: -anp.sum(y * anp.log(a)),
        "binary_cross_entropy": lambda a, y: -anp.sum(y * anp.log(a) + (1 - y) * anp.log(1 - a))}


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([("tanh", "sigmoid", "squared_error"), ("tanh", "softmax", "softmax_cross_entropy"),
                                                   ("sigmoid", "sigmoid", "binary_cross_entropy")]))
def test_composed_network_against_autograd(seed, combo):
    rng = np.random.default_rng(seed)
    sizes = [int(d) for d in rng.integers(2, 5, 3)]
    net = init_network(sizes, list(combo[:2]), combo[2], seed=seed)
    X = rng.normal(size=(sizes[0], 3))
    Y = np.eye(sizes[2])[:, rng.integers(0, sizes[2], 3)] if combo[2] == "softmax_cross_entropy" else rng.uniform(0.1, 0.9, (sizes[2], 3))

    def J(W1, b1, W2, b2):
        a1 = ACT[combo[0]](W1 @ X + b1)
        return LOSS[combo[2]](ACT[combo[1]](W2 @ a1 + b2), Y) / 3  # the mean over the batch

    params = (net.W[1], net.b[1], net.W[2], net.b[2])
    want = [autograd.grad(J, i)(*params) for i in range(4)]
    value, cache = layers.network_forward(net, X, Y, "mean")
    assert value == pytest.approx(J(*params), rel=1e-12)
    g = layers.network_backward(net, cache)
    for got, w in zip((g.dW[1], g.db[1], g.dW[2], g.db[2]), want, strict=True):
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-12)
