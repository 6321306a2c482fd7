"""The running 2-3-2 example, worked by hand with explicit sums."""

import math

import numpy as np

from backprop import (
    QUESTION_LAYER,
    code_layer,
    forward,
    gradients,
    loss_value,
    question_layer,
    seed_example,
    seed_network,
)


def sigma(t):
    return 1 / (1 + math.exp(-t))


def as_lists(net):
    """The question's W(2), b(2), W(3), b(3) (the book's W[1], b[1], W[2], b[2]) as plain lists, for explicit sums."""
    return net.W[1].tolist(), net.b[1][:, 0].tolist(), net.W[2].tolist(), net.b[2][:, 0].tolist()


def test_layout_and_index_shift():
    net, x, y = seed_example()
    assert net.sizes == [2, 3, 2] and net.L == 2
    assert net.W[1].shape == (3, 2)  # question's W^(2)
    assert net.W[2].shape == (2, 3)  # question's W^(3)
    assert x.shape == (2, 1) and y.shape == (2, 1)
    assert net.activations == [None, "sigmoid", "sigmoid"] and net.loss == "squared_error"
    assert [question_layer(l) for l in (0, 1, 2)] == [1, 2, 3] == [QUESTION_LAYER[l] for l in (0, 1, 2)]
    assert [code_layer(q) for q in (1, 2, 3)] == [0, 1, 2]


def test_fresh_arrays_every_call():
    net = seed_network()
    net.W[1][0, 0] = 99.0
    assert seed_network().W[1][0, 0] != 99.0


def test_forward_by_hand():
    net, x, y = seed_example()
    W2, b2, W3, b3 = as_lists(net)
    x1, x2 = x[:, 0].tolist()
    # question's z^(2) = W^(2) a^(1) + b^(2), one explicit sum per row
    z2 = [W2[i][0] * x1 + W2[i][1] * x2 + b2[i] for i in range(3)]
    np.testing.assert_allclose(z2, [0.35, 0.2, 0.1], rtol=1e-12)  # 0.1+0.15+0.1, -0.2+0.2+0.2, 0.5-0.3-0.1
    a2 = [sigma(t) for t in z2]
    z3 = [sum(W3[k][j] * a2[j] for j in range(3)) + b3[k] for k in range(2)]
    a3 = [sigma(t) for t in z3]
    cache = forward(net, x)
    np.testing.assert_allclose(cache.z[1][:, 0], z2, rtol=1e-14)
    np.testing.assert_allclose(cache.a[1][:, 0], a2, rtol=1e-14)
    np.testing.assert_allclose(cache.z[2][:, 0], z3, rtol=1e-14)
    np.testing.assert_allclose(cache.a[2][:, 0], a3, rtol=1e-14)
    J = 0.5 * sum((a3[k] - y[k, 0]) ** 2 for k in range(2))
    assert math.isclose(loss_value(net, x, y), J, rel_tol=1e-14)


def test_backward_by_hand():
    net, x, y = seed_example()
    W2, b2, W3, b3 = as_lists(net)
    a1 = x[:, 0].tolist()
    t = y[:, 0].tolist()
    a2 = [sigma(W2[i][0] * a1[0] + W2[i][1] * a1[1] + b2[i]) for i in range(3)]
    a3 = [sigma(sum(W3[k][j] * a2[j] for j in range(3)) + b3[k]) for k in range(2)]
    # (B1) with squared error and sigmoid: (a - y) * a (1 - a)
    d3 = [(a3[k] - t[k]) * a3[k] * (1 - a3[k]) for k in range(2)]
    # (B2): delta^(2)_j = (sum_k W^(3)_kj delta^(3)_k) * a^(2)_j (1 - a^(2)_j)
    d2 = [sum(W3[k][j] * d3[k] for k in range(2)) * a2[j] * (1 - a2[j]) for j in range(3)]
    g = gradients(net, x, y)
    np.testing.assert_allclose(g.delta[2][:, 0], d3, rtol=1e-13)
    np.testing.assert_allclose(g.delta[1][:, 0], d2, rtol=1e-13)
    # (B3): dJ/dW_kj = delta_k a_prev_j ; (B4): dJ/db_k = delta_k
    np.testing.assert_allclose(g.dW[2], [[d3[k] * a2[j] for j in range(3)] for k in range(2)], rtol=1e-13)
    np.testing.assert_allclose(g.dW[1], [[d2[i] * a1[j] for j in range(2)] for i in range(3)], rtol=1e-13)
    np.testing.assert_allclose(g.db[2][:, 0], d3, rtol=1e-13)
    np.testing.assert_allclose(g.db[1][:, 0], d2, rtol=1e-13)


def test_renumbering_for_the_question_chapters():
    from backprop.seed232 import in_question_numbering

    assert in_question_numbering(r"\frac{\partial z^{(2)}}{\partial a^{(1)\top}}") == r"\frac{\partial z^{(3)}}{\partial a^{(2)\top}}"
    assert in_question_numbering("dJ/da[2] · da[1]/dz[1]") == "dJ/da(3) · da(2)/dz(2)"
    assert in_question_numbering("W[0] and 10^{-9}") == "W(1) and 10^{-9}"  # only layer superscripts move
