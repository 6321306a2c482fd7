"""The gradient checker itself: it must agree with known derivatives and catch wrong ones."""

import math

import numpy as np
import pytest

from backprop import (
    check_network_gradients,
    gradcheck,
    init_network,
    numerical_gradient,
    relative_error,
    seed_example,
)


def test_numerical_gradient_of_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.7]])
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x)
    np.testing.assert_allclose(g, np.cos(before) * before + np.sin(before), rtol=1e-8)
    np.testing.assert_array_equal(x, before)  # every entry restored exactly


def test_numerical_gradient_float32():
    x = np.array([0.5, -1.5, 3.0], dtype=np.float32)
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x, h=1e-2)
    assert x.dtype == np.float32 and g.dtype == np.float64
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, 3 * before.astype(np.float64) ** 2, rtol=1e-3)


def test_numerical_gradient_needs_floats():
    with pytest.raises(TypeError):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))


def test_relative_error_definition():
    # max_i |a_i - n_i| / max(|a_i|, |n_i|, tiny), entry by entry
    assert math.isclose(relative_error([1.0, 2.0], [1.0, 2.2]), 0.2 / 2.2, rel_tol=1e-12)
    assert math.isclose(relative_error([100.0, 1e-3], [100.1, 2e-3]), 0.5, rel_tol=1e-12)
    assert relative_error([0.0, 3.0], [0.0, 3.0]) == 0.0
    assert relative_error([0.0], [1e-12]) == 1.0  # the documented caveat
    assert relative_error(np.zeros((0,)), np.zeros((0,))) == 0.0
    with pytest.raises(ValueError):
        relative_error([1.0], [1.0, 2.0])


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_check_network_gradients_on_seed(reduction):
    net, x, y = seed_example()
    report = check_network_gradients(net, x, y, reduction=reduction)
    assert list(report) == ["W[1]", "b[1]", "W[2]", "b[2]"]
    for name, (analytic, numeric, err) in report.items():
        assert analytic.shape == numeric.shape
        assert err < 1e-7, name
    np.testing.assert_array_equal(net.W[1], seed_example()[0].W[1])  # parameters restored


def test_check_network_gradients_batch():
    net = init_network([3, 4, 2], ["tanh", "sigmoid"], "binary_cross_entropy", seed=4)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(3, 5)), rng.uniform(size=(2, 5))
    assert max(r[2] for r in check_network_gradients(net, x, y).values()) < 1e-6


def test_check_catches_a_wrong_gradient(monkeypatch):
    real_backward = gradcheck.backward

    def off_by_one_percent(*args, **kwargs):
        grads = real_backward(*args, **kwargs)
        grads.dW[1] = grads.dW[1] * 1.01
        return grads

    monkeypatch.setattr(gradcheck, "backward", off_by_one_percent)
    net, x, y = seed_example()
    report = check_network_gradients(net, x, y)
    assert math.isclose(report["W[1]"][2], 0.01 / 1.01, rel_tol=1e-4)
    assert report["W[2]"][2] < 1e-7


def test_numerical_jacobian_of_a_linear_map_is_its_matrix():
    W = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    from backprop.gradcheck import numerical_jacobian

    J = numerical_jacobian(lambda v: W @ v, np.array([[0.3], [-0.1], [2.0]]))
    assert J.shape == (2, 3)  # numerator layout: rows are outputs
    np.testing.assert_allclose(J, W, atol=1e-9)


def test_loss_of_param_and_loss_of_z_agree_with_the_forward_pass_and_restore():
    from backprop import forward, init_network, loss_value
    from backprop.gradcheck import loss_of_param, loss_of_z

    net = init_network([3, 4, 2], ["tanh", "sigmoid"], "squared_error", seed=7)
    x, y = np.array([[0.5], [-1.0], [0.25]]), np.array([[1.0], [0.0]])
    J = loss_value(net, x, y)
    original = net.W[1].copy()
    J_W = loss_of_param(net, x, y, "W", 1)
    assert J_W(original.copy()) == J
    assert J_W(original * 2) != J
    np.testing.assert_array_equal(net.W[1], original)  # restored after each call
    assert loss_of_z(net, y, 1)(forward(net, x).z[1]) == J
