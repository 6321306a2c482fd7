"""Activations: hand-worked values, stability, derivatives vs finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import ACTIVATIONS, activation
from backprop.activations import leaky_relu

SETTINGS = settings(max_examples=50, deadline=None, database=None)
ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]


def fd_jacobian(f, z, h=1e-6):
    """Central-difference Jacobian J[i, j] = d f_i / d z_j of a column function."""
    d = z.shape[0]
    J = np.zeros((d, d))
    for j in range(d):
        e = np.zeros_like(z)
        e[j, 0] = h
        J[:, j] = ((f(z + e) - f(z - e)) / (2 * h))[:, 0]
    return J


def test_hand_values():
    sig = activation("sigmoid")
    assert sig(np.array([[0.0]]))[0, 0] == 0.5
    assert sig.prime(np.array([[0.0]]))[0, 0] == 0.25
    assert activation("tanh").prime(np.array([[0.0]]))[0, 0] == 1.0
    assert math.isclose(sig(np.array([[2.0]]))[0, 0], 1 / (1 + math.exp(-2.0)), rel_tol=1e-15)
    assert math.isclose(sig(np.array([[-3.0]]))[0, 0], 1 / (1 + math.exp(3.0)), rel_tol=1e-15)
    relu = activation("relu")
    z = np.array([[-1.0], [0.0], [2.0]])
    np.testing.assert_array_equal(relu(z), [[0.0], [0.0], [2.0]])
    np.testing.assert_array_equal(relu.prime(z), [[0.0], [0.0], [1.0]])  # g'(0) := 0
    np.testing.assert_array_equal(activation("identity").prime(z), np.ones((3, 1)))


def test_softmax_hand_values():
    p = activation("softmax")(np.array([[0.0], [math.log(3.0)]]))
    np.testing.assert_allclose(p, [[0.25], [0.75]], rtol=1e-15)


def test_sigmoid_and_softmax_do_not_overflow():
    z = np.array([[-1000.0, 1000.0], [0.0, 1001.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = activation("sigmoid")(z)
        p = activation("softmax")(z)
    np.testing.assert_array_equal(s, [[0.0, 1.0], [0.5, 1.0]])
    np.testing.assert_allclose(p[:, 1], [1 / (1 + math.e), math.e / (1 + math.e)])
    np.testing.assert_allclose(p[:, 0], [0.0, 1.0], atol=1e-300)


def test_softmax_is_columnwise():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 5))
    P = activation("softmax")(Z)
    np.testing.assert_allclose(P.sum(axis=0), np.ones(5))
    for i in range(5):
        e = np.exp(Z[:, i])
        np.testing.assert_allclose(P[:, i], e / e.sum())


def test_float32_stays_float32():
    z = np.array([[0.5], [-2.0]], dtype=np.float32)
    for name in ELEMENTWISE + ["softmax"]:
        assert ACTIVATIONS[name](z).dtype == np.float32, name
    for name in ELEMENTWISE:
        assert ACTIVATIONS[name].prime(z).dtype == np.float32, name


@SETTINGS
@given(name=st.sampled_from(ELEMENTWISE), z=st.floats(-6, 6))
def test_prime_matches_finite_differences(name, z):
    if name in ("relu", "leaky_relu") and abs(z) < 1e-3:
        z += 0.5  # keep away from the kink
    g, h = activation(name), 1e-6
    numeric = (g(np.array([[z + h]])) - g(np.array([[z - h]])))[0, 0] / (2 * h)
    assert math.isclose(g.prime(np.array([[z]]))[0, 0], numeric, rel_tol=1e-6, abs_tol=1e-9)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 6))
def test_softmax_jacobian_matches_finite_differences(seed, d):
    z = np.random.default_rng(seed).normal(scale=2.0, size=(d, 1))
    sm = activation("softmax")
    np.testing.assert_allclose(sm.jacobian(z), fd_jacobian(sm, z), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_jacobian_is_diagonal(name):
    z = np.array([[0.3], [-1.2], [2.0]])
    g = activation(name)
    J = g.jacobian(z)
    np.testing.assert_array_equal(J, np.diag(g.prime(z)[:, 0]))
    np.testing.assert_allclose(J, fd_jacobian(g, z), atol=1e-8)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(ValueError, match="jacobian"):
        activation("softmax").prime(np.zeros((2, 1)))


def test_jacobian_refuses_a_batch():
    with pytest.raises(ValueError, match=r"\(d, 1\)"):
        activation("tanh").jacobian(np.zeros((2, 3)))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="identity, leaky_relu, relu, sigmoid, softmax, tanh"):
        activation("swish")
    assert activation(ACTIVATIONS["tanh"]) is ACTIVATIONS["tanh"]


def test_leaky_relu_hand_values():
    g = leaky_relu(0.1)
    z = np.array([[-2.0], [0.0], [3.0]])
    np.testing.assert_allclose(g(z), [[-0.2], [0.0], [3.0]], rtol=1e-15)
    np.testing.assert_array_equal(g.prime(z), [[0.1], [0.1], [1.0]])  # g'(0) := slope, as ReLU's g'(0) := 0
    assert ACTIVATIONS["leaky_relu"].prime(np.array([[-1.0]]))[0, 0] == 0.01  # PyTorch's default slope
    assert g.name == "leaky_relu(0.1)" and ACTIVATIONS["leaky_relu"].name == "leaky_relu"


def test_leaky_relu_with_slope_zero_is_relu():
    z = np.linspace(-3, 3, 13)[:, None]  # includes 0
    relu, flat = activation("relu"), leaky_relu(0.0)
    np.testing.assert_array_equal(flat(z), relu(z))
    np.testing.assert_array_equal(flat.prime(z), relu.prime(z))


@SETTINGS
@given(slope=st.floats(0, 0.9), z=st.floats(-6, 6).filter(lambda t: abs(t) > 1e-3))
def test_leaky_relu_prime_matches_finite_differences(slope, z):
    g, h = leaky_relu(slope), 1e-6
    numeric = (g(np.array([[z + h]])) - g(np.array([[z - h]])))[0, 0] / (2 * h)
    assert math.isclose(g.prime(np.array([[z]]))[0, 0], numeric, rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2])
def test_kink_at_zero_one_sided_derivatives(slope):
    """At 0 the two one-sided slopes differ (slope on the left, 1 on the right); g'(0) is the left one by choice."""
    g, h, zero = leaky_relu(slope), 1e-7, np.zeros((1, 1))
    left = ((g(zero) - g(zero - h)) / h)[0, 0]
    right = ((g(zero + h) - g(zero)) / h)[0, 0]
    assert math.isclose(left, slope, abs_tol=1e-12) and math.isclose(right, 1.0, rel_tol=1e-9)
    assert g.prime(zero)[0, 0] == slope
    central = ((g(zero + h) - g(zero - h)) / (2 * h))[0, 0]
    assert math.isclose(central, (1 + slope) / 2, rel_tol=1e-9)  # a central difference averages the two sides


def test_leaky_relu_refuses_a_non_finite_slope():
    with pytest.raises(ValueError, match="finite"):
        leaky_relu(float("nan"))
