"""Losses and the output delta (B1)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import LOSSES, activation, loss, numerical_gradient, output_delta

SETTINGS = settings(max_examples=50, deadline=None, database=None)
VALID_PAIRS = [(g, "squared_error") for g in ["identity", "sigmoid", "tanh", "relu", "softmax"]] + [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "binary_cross_entropy"),
    ("softmax", "softmax_cross_entropy"),
]


def make_target(rng, loss_name, d, m):
    if loss_name == "squared_error":
        return rng.normal(size=(d, m))
    if loss_name == "binary_cross_entropy":
        return rng.uniform(size=(d, m))
    return rng.dirichlet(np.ones(d), size=m).T  # columns sum to 1


def test_hand_values():
    a, y = np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])
    assert loss("squared_error").value(a, y) == 2.5  # (1 + 4) / 2
    assert math.isclose(
        loss("binary_cross_entropy").value(np.array([[0.5]]), np.array([[1.0]])),
        math.log(2),
    )
    p, onehot = np.array([[0.2], [0.8]]), np.array([[0.0], [1.0]])
    assert math.isclose(loss("softmax_cross_entropy").value(p, onehot), -math.log(0.8))
    np.testing.assert_array_equal(loss("squared_error").grad(a, y), a)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_value_sums_over_columns(name):
    rng = np.random.default_rng(1)
    a = rng.dirichlet(np.ones(3), size=4).T  # in (0, 1), columns sum to 1
    y = make_target(rng, name, 3, 4)
    total = sum(loss(name).value(a[:, [i]], y[:, [i]]) for i in range(4))
    assert math.isclose(loss(name).value(a, y), total, rel_tol=1e-12)


@SETTINGS
@given(
    name=st.sampled_from(sorted(LOSSES)),
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 4),
    m=st.integers(1, 3),
)
def test_grad_matches_finite_differences(name, seed, d, m):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.1, 0.9, size=(d, m))
    y = make_target(rng, name, d, m)
    L = loss(name)
    numeric = numerical_gradient(lambda a_: L.value(a_, y), a)
    np.testing.assert_allclose(L.grad(a, y), numeric, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(
    pair=st.sampled_from(VALID_PAIRS),
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(2, 4),
    m=st.integers(1, 3),
)
def test_output_delta_is_dJ_dz(pair, seed, d, m):
    """(B1) for every valid pair, against finite differences of z -> J(g(z), y)."""
    g_name, loss_name = pair
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(d, m))
    if g_name == "relu":
        z = np.where(np.abs(z) < 1e-3, 0.5, z)
    y = make_target(rng, loss_name, d, m)
    g, L = activation(g_name), loss(loss_name)
    numeric = numerical_gradient(lambda z_: L.value(g(z_), y), z)
    delta = output_delta(loss_name, g_name, z, g(z), y)
    assert delta.shape == z.shape
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


def test_fused_deltas_equal_the_unfused_formulas():
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    s = 1 / (1 + np.exp(-z))
    unfused = (s - y) / (s * (1 - s)) * s * (1 - s)  # dJ/da ⊙ sigma'(z)
    np.testing.assert_allclose(output_delta("binary_cross_entropy", "sigmoid", z, s, y), unfused)

    y = rng.dirichlet(np.ones(3), size=2).T
    p = np.exp(z) / np.exp(z).sum(axis=0)
    for i in range(2):
        J = np.diag(p[:, i]) - np.outer(p[:, i], p[:, i])
        unfused = J.T @ (-y[:, i] / p[:, i])
        fused = output_delta("softmax_cross_entropy", "softmax", z, p, y)[:, i]
        np.testing.assert_allclose(fused, unfused, atol=1e-12)


def test_rejects_bad_pairs_and_targets():
    z = np.zeros((2, 1))
    a = activation("sigmoid")(z)
    with pytest.raises(ValueError, match="softmax output"):
        output_delta("softmax_cross_entropy", "sigmoid", z, a, np.array([[1.0], [0.0]]))
    with pytest.raises(ValueError, match="sum"):
        output_delta("softmax_cross_entropy", "softmax", z, a, np.array([[1.0], [1.0]]))
    with pytest.raises(ValueError, match="shape"):
        output_delta("squared_error", "sigmoid", z, a, np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="binary_cross_entropy, softmax_cross_entropy, squared_error"):
        loss("hinge")
