"""L2 regularisation and weight decay: gradients against finite differences and hand-worked values;
the update rules against hand-worked steps and an Adam written out here, scalar by scalar."""

import math

import numpy as np
import pytest

from backprop import Network, gradients, init_network, numerical_gradient
from backprop.regularization import (
    CONVENTIONS,
    AdamState,
    adam_direction,
    adam_l2,
    adamw,
    convention,
    l2_penalty,
    regularized_gradients,
    regularized_loss,
    sgd_decoupled,
    sgd_l2,
    train,
    weight_norm,
)


def problem(seed=3, m=5):
    rng = np.random.default_rng(seed)
    net = init_network([3, 4, 2], ["tanh", "sigmoid"], "squared_error", seed=seed)
    for l in (1, 2):
        net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
    return net, rng.standard_normal((3, m)), rng.integers(0, 2, (2, m)).astype(float)


def scalar_net(w: float) -> Network:
    """One weight, no activation: z = w x + 0, J = ½ (z − y)²."""
    return Network(W=[None, np.array([[w]])], b=[None, np.zeros((1, 1))], activations=[None, "identity"],
                   loss="squared_error")


# --- the penalty and its gradient -------------------------------------------------

@pytest.mark.parametrize("name", list(CONVENTIONS))
@pytest.mark.parametrize("seed", [3, 11])
def test_regularized_gradients_match_finite_differences(name, seed):
    net, x, y = problem(seed)
    lam = 0.3
    grads = regularized_gradients(net, x, y, lam, name)
    for l in (1, 2):
        for which, analytic in (("W", grads.dW[l]), ("b", grads.db[l])):
            param = getattr(net, which)[l]
            numeric = numerical_gradient(lambda _: regularized_loss(net, x, y, lam, name), param)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9, err_msg=f"{name} {which}{l}")


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_biases_carry_no_penalty(name):
    net, x, y = problem()
    plain = gradients(net, x, y, convention(name).reduction)
    reg = regularized_gradients(net, x, y, 0.7, name)
    for l in (1, 2):
        np.testing.assert_array_equal(reg.db[l], plain.db[l])
        assert np.max(np.abs(reg.dW[l] - plain.dW[l])) > 1e-3  # the weights do feel it


def test_penalty_sums_the_squares_of_the_weights_only():
    net, _, _ = problem()
    net.b[1][:] = 100.0  # a large bias changes nothing
    expected = sum(float((W**2).sum()) for W in net.W[1:])
    assert math.isclose(l2_penalty(net, 0.5), 0.5 * expected, rel_tol=1e-14)


# J_data = ½ (w x − y)², x = 1, y = 0, w = 2: J_data = 2 per example and dJ_data/dw = w x² = 2.
@pytest.mark.parametrize(("name", "m", "J", "dw"), [
    ("mean_half", 1, 2 + 0.25 * 4, 2 + 0.5 * 2),  # + (λ/2) w², + λ w with λ = 0.5
    ("mean_full", 1, 2 + 0.5 * 4, 2 + 2 * 0.5 * 2),  # + λ w², + 2λ w
    ("mean_half_m", 2, 2 + 0.5 / 4 * 4, 2 + 0.5 / 2 * 2),  # + (λ/2m) w², + (λ/m) w, m = 2
    ("sum_half", 2, 2 * 2 + 0.25 * 4, 2 * 2 + 0.5 * 2),  # the sum over two examples, + λ w
])
def test_hand_worked_conventions(name, m, J, dw):
    net, x, y = scalar_net(2.0), np.ones((1, m)), np.zeros((1, m))
    assert math.isclose(regularized_loss(net, x, y, 0.5, name), J, rel_tol=1e-14)
    grads = regularized_gradients(net, x, y, 0.5, name)
    assert math.isclose(float(grads.dW[1][0, 0]), dw, rel_tol=1e-14)
    assert float(grads.db[1][0, 0]) == (2.0 if convention(name).reduction == "mean" else 2.0 * m)


def test_conventions_translate_into_each_other():
    net, x, y = problem()
    m, lam = x.shape[1], 0.4
    ref = regularized_gradients(net, x, y, lam, "mean_half")
    same = [regularized_gradients(net, x, y, m * lam, "mean_half_m"), regularized_gradients(net, x, y, lam / 2, "mean_full")]
    summed = regularized_gradients(net, x, y, lam, "sum_half")
    over_m = regularized_gradients(net, x, y, lam, "mean_half_m")
    for l in (1, 2):
        for g in same:
            np.testing.assert_allclose(g.dW[l], ref.dW[l], rtol=1e-13)
        np.testing.assert_allclose(summed.dW[l], m * over_m.dW[l], rtol=1e-13)  # Σ + λ/2 = m (mean + λ/2m)


def test_unknown_convention_is_refused():
    net, x, y = problem()
    with pytest.raises(ValueError, match="unknown convention"):
        regularized_gradients(net, x, y, 0.1, "mean_half_squared")


# --- the update rules ----------------------------------------------------------------

def test_sgd_steps_by_hand():
    W, dW = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    # L2: W − η (dW + λ W) with η = 0.1, λ = 0.2
    np.testing.assert_allclose(sgd_l2(W, dW, 0.1, 0.2), [1 - 0.1 * (0.5 + 0.2), -2 - 0.1 * (0.25 - 0.4)], rtol=1e-15)
    # decoupled: (1 − ω) W − η dW with ω = 0.02 = ηλ gives the same numbers
    np.testing.assert_allclose(sgd_decoupled(W, dW, 0.1, 0.02), [0.93, -2 * 0.98 - 0.025], rtol=1e-14)
    np.testing.assert_allclose(sgd_decoupled(W, dW, 0.1, 0.02), sgd_l2(W, dW, 0.1, 0.2), rtol=1e-14)


def reference_adam(gs, beta1=0.9, beta2=0.999, eps=1e-8):
    """Kingma and Ba's Algorithm 1 for one scalar, written out: the directions m̂ / (√v̂ + ε)."""
    m = v = 0.0
    out = []
    for t, g in enumerate(gs, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        out.append((m / (1 - beta1**t)) / (math.sqrt(v / (1 - beta2**t)) + eps))
    return out


def test_adam_direction_against_a_scalar_adam():
    rng = np.random.default_rng(0)
    gs = rng.standard_normal((6, 3))
    state = AdamState.like(gs[0])
    ours = np.array([adam_direction(state, g) for g in gs])
    for i in range(3):
        np.testing.assert_allclose(ours[:, i], reference_adam(gs[:, i]), rtol=1e-13)
    assert state.t == 6


def test_adam_first_step_by_hand():
    # t = 1: m̂ = g and v̂ = g², so the direction is g / (|g| + ε), about ±1 whatever |g| is.
    g = np.array([4.0, -0.001])
    np.testing.assert_allclose(adam_direction(AdamState.like(g), g), [4 / (4 + 1e-8), -0.001 / (0.001 + 1e-8)], rtol=1e-15)


def test_adam_l2_and_adamw_by_hand():
    W, dW = np.array([2.0, -1.0]), np.array([0.5, 0.5])
    eta, lam, omega = 0.1, 0.5, 0.05
    u = dW + lam * W  # [1.5, 0]: the penalty cancels the second entry's gradient
    np.testing.assert_allclose(adam_l2(W, dW, AdamState.like(W), eta, lam), W - eta * u / (np.abs(u) + 1e-8), rtol=1e-15)
    np.testing.assert_allclose(adamw(W, dW, AdamState.like(W), eta, omega),
                               (1 - omega) * W - eta * dW / (np.abs(dW) + 1e-8), rtol=1e-15)


def test_adam_l2_first_step_has_the_same_size_in_every_entry():
    # Loshchilov and Hutter's point at t = 1: Adam divides λW by the size of the gradient that contains it.
    rng = np.random.default_rng(1)
    W, dW = rng.standard_normal(50), rng.standard_normal(50)
    for lam in (0.0, 0.01, 1.0, 100.0):
        step = adam_l2(W, dW, AdamState.like(W), 0.1, lam) - W
        u = np.abs(dW + lam * W)
        np.testing.assert_allclose(np.abs(step), 0.1 * u / (u + 1e-8), rtol=1e-14)  # η, short by at most ε/|u|
        assert np.abs(step).min() > 0.1 * (1 - 1e-4)
    decoupled = np.abs(adamw(W, dW, AdamState.like(W), 0.1, 0.05) - W)
    assert decoupled.max() - decoupled.min() > 0.05


def test_sgd_rules_coincide_over_many_steps_when_omega_is_eta_lambda():
    net, x, y = problem()
    eta, lam = 0.5, 0.1
    a = train(net, x, y, "sgd_l2", steps=25, eta=eta, decay=lam)
    b = train(net, x, y, "sgd_decoupled", steps=25, eta=eta, decay=eta * lam)
    c = train(net, x, y, "sgd_decoupled", steps=25, eta=eta, decay=lam)  # not rescaled
    for na, nb in zip(a.nets, b.nets, strict=True):
        for l in (1, 2):
            np.testing.assert_allclose(na.W[l], nb.W[l], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(na.b[l], nb.b[l], rtol=1e-12, atol=1e-15)
    assert abs(weight_norm(c.nets[-1]) - weight_norm(a.nets[-1])) > 0.05


def test_adam_rules_differ_after_a_few_steps():
    net, x, y = problem()
    eta, lam = 0.05, 0.1
    a = train(net, x, y, "adam_l2", steps=10, eta=eta, decay=lam)
    b = train(net, x, y, "adamw", steps=10, eta=eta, decay=eta * lam)
    assert np.max(np.abs(a.nets[-1].W[1] - b.nets[-1].W[1])) > 1e-2


def test_train_with_no_decay_is_plain_gradient_descent():
    net, x, y = problem()
    run = train(net, x, y, "sgd_l2", steps=1, eta=0.3, decay=0.0)
    g = gradients(net, x, y, "mean")
    for l in (1, 2):
        np.testing.assert_allclose(run.nets[1].W[l], net.W[l] - 0.3 * g.dW[l], rtol=1e-15)


@pytest.mark.parametrize("rule", ["sgd_l2", "sgd_decoupled", "adam_l2", "adamw"])
def test_train_never_decays_the_biases(rule):
    net, x, y = problem()
    with_decay = train(net, x, y, rule, steps=1, eta=0.1, decay=0.3)
    without = train(net, x, y, rule, steps=1, eta=0.1, decay=0.0)
    for l in (1, 2):
        np.testing.assert_array_equal(with_decay.nets[1].b[l], without.nets[1].b[l])
        assert np.max(np.abs(with_decay.nets[1].W[l] - without.nets[1].W[l])) > 1e-4
    np.testing.assert_array_equal(net.W[1], problem()[0].W[1])  # the network passed in is untouched


def test_unknown_rule_is_refused():
    net, x, y = problem()
    with pytest.raises(ValueError, match="unknown rule"):
        train(net, x, y, "sgdw", steps=1, eta=0.1, decay=0.1)
