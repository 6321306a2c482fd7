"""The explicit-Jacobian path agrees with (B1)-(B4), in both layouts."""

import numpy as np
import pytest

from backprop import (
    Factor,
    ShapeError,
    activation,
    backward,
    chain_denominator,
    chain_numerator,
    contract_weight_gradient,
    da_dz,
    dJ_da,
    dz_da_prev,
    dz_dW,
    forward,
    init_network,
    multiply,
    seed_example,
    to_denominator,
    to_numerator,
)

NETS = [
    ([2, 3, 2], ["sigmoid", "sigmoid"], "squared_error"),
    ([3, 4, 5, 2], ["tanh", "relu", "softmax"], "squared_error"),
    ([4, 3, 3, 3], ["sigmoid", "tanh", "softmax"], "softmax_cross_entropy"),
    ([1, 5, 2, 4, 1], ["relu", "identity", "tanh", "sigmoid"], "binary_cross_entropy"),
]


def problem(sizes, acts, loss_name, seed):
    net = init_network(sizes, acts, loss_name, seed)
    rng = np.random.default_rng(seed)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    x = rng.normal(size=(sizes[0], 1))
    y = rng.dirichlet(np.ones(sizes[-1]), size=1).T  # valid target for all three losses
    return net, x, y


@pytest.mark.parametrize("spec", NETS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chain_products_equal_delta(spec, seed):
    net, x, y = problem(*spec, seed)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    for l in range(1, net.L + 1):
        row = multiply(chain_numerator(net, cache, y, l))
        col = multiply(chain_denominator(net, cache, y, l))
        assert row.shape == (1, net.sizes[l]) and col.shape == (net.sizes[l], 1)
        np.testing.assert_allclose(row, grads.delta[l].T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(col, grads.delta[l], rtol=1e-10, atol=1e-14)
        # (B3) through the 3-tensor dz/dW: sum_k dJ/dz_k T[k, i, j]
        T = dz_dW(net.W[l], cache.a[l - 1])
        np.testing.assert_allclose(contract_weight_gradient(row, T), grads.dW[l], rtol=1e-10, atol=1e-14)


def test_chain_order_shapes_and_labels():
    net, x, y = seed_example()
    cache = forward(net, x)
    num = chain_numerator(net, cache, y, 1)
    assert [f.name for f in num] == [
        "dJ/da[2]",
        "da[2]/dz[2]",
        "dz[2]/da[1]",
        "da[1]/dz[1]",
    ]
    assert [f.shape for f in num] == [(1, 2), (2, 2), (2, 3), (3, 3)]
    assert num[0].tex == r"\frac{\partial J}{\partial a^{(2)}}"
    assert num[2].tex == r"\frac{\partial z^{(2)}}{\partial a^{(1)}}"
    np.testing.assert_array_equal(num[2].value, net.W[2])  # dz/da_prev = W
    den = chain_denominator(net, cache, y, 1)
    assert [f.name for f in den] == [
        "da[1]/dz[1]",
        "dz[2]/da[1]",
        "da[2]/dz[2]",
        "dJ/da[2]",
    ]
    assert [f.shape for f in den] == [(3, 3), (3, 2), (2, 2), (2, 1)]
    assert all(f.layout == "denominator" for f in den)
    top = chain_numerator(net, cache, y, 2)
    assert [f.name for f in top] == ["dJ/da[2]", "da[2]/dz[2]"]


def test_wrong_order_raises_shape_error_naming_factors():
    net, x, y = seed_example()
    cache = forward(net, x)
    num = chain_numerator(net, cache, y, 1)
    # numerator factors in denominator order
    with pytest.raises(ShapeError, match=r"da\[1\]/dz\[1\] \(3, 3\) by dz\[2\]/da\[1\] \(2, 3\)"):
        multiply(list(reversed(num)))
    # the row dJ/da must come first in numerator layout
    with pytest.raises(ShapeError, match=r"da\[2\]/dz\[2\] \(2, 2\) by dJ/da\[2\] \(1, 2\)"):
        multiply([num[1], num[0]])
    assert issubclass(ShapeError, ValueError)
    with pytest.raises(ShapeError, match="only matrices"):
        multiply([Factor("T", "T", dz_dW(net.W[1], x))])
    with pytest.raises(ValueError):
        multiply([])


def test_dz_dW_tensor_is_the_derivative_of_F1():
    rng = np.random.default_rng(3)
    W, b, a_prev = (
        rng.normal(size=(3, 2)),
        rng.normal(size=(3, 1)),
        rng.normal(size=(2, 1)),
    )
    T = dz_dW(W, a_prev)
    assert T.shape == (3, 3, 2)
    h = 1e-6
    for i in range(3):
        for j in range(2):
            E = np.zeros_like(W)
            E[i, j] = h
            dz = (((W + E) @ a_prev + b) - ((W - E) @ a_prev + b)) / (2 * h)  # (F1), perturbed
            np.testing.assert_allclose(T[:, i, j], dz[:, 0], atol=1e-9)
    # Contracting with any row v gives the outer product v^T a_prev^T.
    v = rng.normal(size=(1, 3))
    np.testing.assert_allclose(contract_weight_gradient(v, T), v.T @ a_prev.T)


def test_single_factors():
    z = np.array([[0.0], [1.0]])
    np.testing.assert_allclose(da_dz("sigmoid", z), np.diag([0.25, activation("sigmoid").prime(z)[1, 0]]))
    np.testing.assert_allclose(da_dz("softmax", np.zeros((2, 1))), [[0.25, -0.25], [-0.25, 0.25]])
    W = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(dz_da_prev(W), W)
    row = dJ_da("squared_error", np.array([[0.5], [0.2]]), np.array([[1.0], [0.0]]))
    np.testing.assert_allclose(row, [[-0.5, 0.2]])


def test_layout_conversion():
    col = np.array([[1.0], [2.0], [3.0]])
    assert to_numerator(col).shape == (1, 3)
    assert to_denominator(to_numerator(col)).shape == (3, 1)
    np.testing.assert_array_equal(to_denominator(to_numerator(col)), col)
    assert to_numerator(np.ones(3)).shape == (1, 3)
    assert to_denominator(np.ones(3)).shape == (3, 1)
    J = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(to_denominator(J), J.T)
    np.testing.assert_array_equal(to_numerator(J.T), J)
    with pytest.raises(ValueError):
        to_numerator(np.zeros((2, 2, 2)))


def test_only_single_examples():
    net = init_network([2, 3], "tanh")
    x, y = np.zeros((2, 4)), np.zeros((3, 4))
    with pytest.raises(ValueError, match="one example"):
        chain_numerator(net, forward(net, x), y, 1)
    with pytest.raises(ValueError, match="layer l"):
        chain_numerator(net, forward(net, x[:, :1]), y[:, :1], 2)


def test_catches_a_wrong_fast_path():
    """If (B2) forgot the g'(z) factor, the chain would disagree: the comparison can fail."""
    net, x, y = seed_example()
    cache = forward(net, x)
    delta2 = backward(net, cache, y).delta[2]
    wrong = net.W[2].T @ delta2  # (B2) without ⊙ g'(z^(1))
    right = multiply(chain_denominator(net, cache, y, 1))
    assert not np.allclose(wrong, right)
