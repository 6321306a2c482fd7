"""Initialisation schemes: shapes, fans and moments within tolerances the sample size explains; the stacked
forward/backward pass against the book's backward(); the jackknife against a leave-one-out loop."""

import math

import numpy as np
import pytest

from backprop import backward, forward
from backprop.initialization import (
    VARIANCES,
    fans,
    init_network,
    init_weights,
    jackknife,
    per_network_mean_square,
    stacked_backprop,
)

# Hand-worked target variances: Var(W) for a 300 → 100 layer (W is 100 × 300).
TARGETS = {"naive": 1.0, "glorot": 2 / 400, "he": 2 / 300}


def test_fans_are_the_last_two_axes():
    assert fans((100, 300)) == (300, 100)  # (fan_in, fan_out): columns are inputs, rows are units
    assert fans((7, 100, 300)) == (300, 100)
    with pytest.raises(ValueError):
        fans((5,))


@pytest.mark.parametrize("scheme", list(TARGETS))
def test_variances_by_hand(scheme):
    assert math.isclose(VARIANCES[scheme](300, 100), TARGETS[scheme], rel_tol=1e-15)


@pytest.mark.parametrize("dist", ["normal", "uniform"])
@pytest.mark.parametrize("scheme", list(TARGETS))
def test_moments_within_sampling_tolerance(scheme, dist):
    # Many seeds' matrices pooled: n = 20 × 100 × 300 draws. The sample variance of n independent draws has
    # standard error √((μ₄ − σ⁴)/n), with μ₄ = 3σ⁴ (normal) or 9σ⁴/5 (uniform); the mean has σ/√n.
    draws = np.concatenate([init_weights(scheme, (100, 300), np.random.default_rng(seed), dist).ravel()
                            for seed in range(20)])
    n, var = draws.size, TARGETS[scheme]
    mu4 = 3 * var**2 if dist == "normal" else 9 * var**2 / 5
    assert abs(draws.mean()) < 4 * math.sqrt(var / n)
    assert abs(draws.var() - var) < 4 * math.sqrt((mu4 - var**2) / n)
    kurtosis = np.mean((draws - draws.mean()) ** 4) / draws.var() ** 2
    assert abs(kurtosis - (3.0 if dist == "normal" else 1.8)) < 0.05  # the shape of the distribution, too


@pytest.mark.parametrize("scheme", list(TARGETS))
def test_uniform_stays_in_its_bounds(scheme):
    W = init_weights(scheme, (100, 300), np.random.default_rng(0), "uniform")
    a = math.sqrt(3 * TARGETS[scheme])  # Glorot: √(6 / (fan_in + fan_out)); He: √(6 / fan_in)
    assert np.abs(W).max() <= a and np.abs(W).max() > 0.99 * a


def test_glorot_uniform_bound_is_the_published_one():
    W = init_weights("glorot", (100, 300), np.random.default_rng(0), "uniform")
    assert np.abs(W).max() <= math.sqrt(6 / 400)


def test_shapes_seeds_and_stacks():
    rng = np.random.default_rng(5)
    assert init_weights("he", (4, 3), rng).shape == (4, 3)
    stack = init_weights("he", (64, 40, 20), rng)
    assert stack.shape == (64, 40, 20)
    assert abs(stack.var() - 2 / 20) < 0.01  # fan-in is the last axis, not 64 × 40
    a = init_weights("glorot", (5, 6), np.random.default_rng(9))
    np.testing.assert_array_equal(a, init_weights("glorot", (5, 6), np.random.default_rng(9)))


def test_init_network():
    net = init_network([8, 6, 4], ["relu", "identity"], "he", seed=2)
    assert [W.shape for W in net.W[1:]] == [(6, 8), (4, 6)]
    assert all(np.all(b == 0) for b in net.b[1:])
    with pytest.raises(ValueError, match="unknown scheme"):
        init_network([2, 2], "relu", "lecun")


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_stacked_backprop_equals_backward_network_by_network(act):
    sizes, N, m = [5, 7, 6, 4], 3, 2
    rng = np.random.default_rng(1)
    nets = [init_network(sizes, [act, act, "identity"], "glorot", seed=s) for s in range(N)]
    X = rng.standard_normal((N, sizes[0], m))
    Y = rng.standard_normal((N, sizes[-1], m))
    caches = [forward(net, X[n]) for n, net in enumerate(nets)]
    grads = [backward(net, caches[n], Y[n]) for n, net in enumerate(nets)]
    W = [None] + [np.stack([net.W[l] for net in nets]) for l in range(1, len(sizes))]
    delta_L = np.stack([g.delta[-1] for g in grads])  # the loss's δ^(L), from (B1)
    z, a, delta = stacked_backprop(W, act, X, delta_L)
    for n in range(N):
        for l in range(1, len(sizes)):
            np.testing.assert_allclose(z[l][n], caches[n].z[l], rtol=1e-13)
            np.testing.assert_allclose(a[l][n], caches[n].a[l], rtol=1e-13)
            np.testing.assert_allclose(delta[l][n], grads[n].delta[l], rtol=1e-12, atol=1e-15)


def test_per_network_mean_square():
    A = np.arange(24.0).reshape(2, 3, 4)
    out = per_network_mean_square([None, A])
    assert out[0] is None
    np.testing.assert_allclose(out[1], [np.mean(A[0] ** 2), np.mean(A[1] ** 2)])


def test_jackknife_against_a_leave_one_out_loop():
    rng = np.random.default_rng(4)
    a, b = rng.gamma(2.0, size=30), rng.gamma(3.0, size=30)
    est, se = jackknife(lambda x, y: x / y, a, b)
    assert math.isclose(est, a.mean() / b.mean(), rel_tol=1e-14)
    loo = np.array([np.delete(a, i).mean() / np.delete(b, i).mean() for i in range(30)])
    assert math.isclose(se, math.sqrt(29 / 30 * np.sum((loo - loo.mean()) ** 2)), rel_tol=1e-10)


def test_jackknife_of_a_mean_is_the_usual_standard_error():
    x = np.random.default_rng(6).standard_normal(200)
    est, se = jackknife(lambda v: v, x)
    assert math.isclose(est, x.mean(), rel_tol=1e-14)
    assert math.isclose(se, x.std(ddof=1) / math.sqrt(200), rel_tol=1e-10)
    with pytest.raises(ValueError):
        jackknife(lambda v: v, x[:1])
