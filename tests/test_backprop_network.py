"""The network: (F1)-(F2) forward, (B1)-(B4) backward, checked independently."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import (
    Network,
    activation,
    backward,
    flatten_grads,
    flatten_params,
    forward,
    gradients,
    init_network,
    loss,
    loss_value,
    numerical_gradient,
    unflatten_params,
)

SETTINGS = settings(max_examples=60, deadline=None, database=None)
HIDDEN = ["identity", "sigmoid", "tanh", "relu"]
OUTPUTS = {  # loss -> output activations it may follow
    "squared_error": HIDDEN + ["softmax"],
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "softmax_cross_entropy": ["softmax"],
}


def random_problem(seed, depth, m, loss_name):
    """A random net (depth layers, widths 1-5), batch x (d0, m) and target y.

    Redraws until finite differences are trustworthy: no ReLU
    pre-activation within 1e-3 of the kink (the step would straddle the
    corner), and for binary cross-entropy no output within 1e-2 of 0 or 1
    (there 1 - a cancels, and the *value* J, which finite differences
    differentiate, loses digits; backprop's fused delta does not).
    """
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        sizes = [int(d) for d in rng.integers(1, 6, size=depth + 1)]
        acts = [str(s) for s in rng.choice(HIDDEN, size=depth - 1)]
        acts.append(str(rng.choice(OUTPUTS[loss_name])))
        if acts[-1] == "softmax":
            sizes[-1] = max(sizes[-1], 2)
        W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) / math.sqrt(sizes[l - 1]) for l in range(1, depth + 1)]
        b = [None] + [rng.normal(scale=0.5, size=(sizes[l], 1)) for l in range(1, depth + 1)]
        net = Network(W=W, b=b, activations=[None, *acts], loss=loss_name)
        x = rng.normal(size=(sizes[0], m))
        d_L = sizes[-1]
        if loss_name == "squared_error":
            y = rng.normal(size=(d_L, m))
        elif loss_name == "binary_cross_entropy":
            y = rng.uniform(size=(d_L, m))
        else:
            y = rng.dirichlet(np.ones(d_L), size=m).T
        cache = forward(net, x)
        kinks = any(np.min(np.abs(cache.z[l])) < 1e-3 for l in range(1, depth + 1) if acts[l - 1] == "relu")
        a_L = cache.a[depth]
        saturated = loss_name == "binary_cross_entropy" and (np.min(a_L) < 1e-2 or np.max(a_L) > 1 - 1e-2)
        if not (kinks or saturated):
            return net, x, y
    raise RuntimeError("could not draw a well-conditioned problem")


problems = st.builds(
    random_problem,
    seed=st.integers(0, 2**32 - 1),
    depth=st.integers(1, 4),
    m=st.integers(1, 4),
    loss_name=st.sampled_from(sorted(OUTPUTS)),
)


def assert_grad_close(analytic, numeric):
    # 1e-6 relative, plus an absolute floor for entries that are ~0, where
    # central differences leave rounding noise of order eps * |J| / h.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


# --- against finite differences ----------------------------------------------------


@SETTINGS
@given(problem=problems, reduction=st.sampled_from(["sum", "mean"]))
def test_gradients_match_finite_differences(problem, reduction):
    net, x, y = problem
    grads = gradients(net, x, y, reduction)

    def J(_):
        return loss_value(net, x, y, reduction)  # reads the perturbed W[l] or b[l]

    for l in range(1, net.L + 1):
        assert_grad_close(grads.dW[l], numerical_gradient(J, net.W[l]))
        assert_grad_close(grads.db[l], numerical_gradient(J, net.b[l]))


@SETTINGS
@given(problem=problems)
def test_delta_is_dJ_dz(problem):
    """delta[l] = dJ/dz[l]: perturb z[l] directly and rerun the layers above it."""
    net, x, y = problem
    cache = forward(net, x)
    delta = backward(net, cache, y).delta

    def J_from_layer(l, z_l):
        a = activation(net.activations[l])(z_l)
        for k in range(l + 1, net.L + 1):
            a = activation(net.activations[k])(net.W[k] @ a + net.b[k])
        return loss(net.loss).value(a, y)

    for l in range(1, net.L + 1):
        z_l = cache.z[l].copy()
        assert_grad_close(delta[l], numerical_gradient(lambda z_, l=l: J_from_layer(l, z_), z_l))


# --- against autograd (independent forward pass written here) -------------------------

AG_ACTS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "softmax": lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=0, keepdims=True),
}
AG_LOSSES = {
    "squared_error": lambda a, y: 0.5 * anp.sum((a - y) ** 2),
    "binary_cross_entropy": lambda a, y: -anp.sum(y * anp.log(a) + (1 - y) * anp.log(1 - a)),
    "softmax_cross_entropy": lambda a, y: -anp.sum(y * anp.log(a)),
}


def ag_loss(params, x, y, acts, loss_name, reduction):
    a = x
    for (W, b), name in zip(params, acts, strict=True):
        a = AG_ACTS[name](anp.dot(W, a) + b)
    J = AG_LOSSES[loss_name](a, y)
    return J / x.shape[1] if reduction == "mean" else J


@SETTINGS
@given(problem=problems, reduction=st.sampled_from(["sum", "mean"]))
def test_gradients_match_autograd(problem, reduction):
    net, x, y = problem
    params = [(net.W[l], net.b[l]) for l in range(1, net.L + 1)]
    expected = grad(ag_loss)(params, x, y, net.activations[1:], net.loss, reduction)
    assert math.isclose(
        loss_value(net, x, y, reduction),
        ag_loss(params, x, y, net.activations[1:], net.loss, reduction),
        rel_tol=1e-12,
    )
    grads = gradients(net, x, y, reduction)
    for l, (dW, db) in enumerate(expected, start=1):
        np.testing.assert_allclose(grads.dW[l], dW, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads.db[l], db, rtol=1e-10, atol=1e-12)


# --- shapes and batching ------------------------------------------------------------------


@SETTINGS
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    m=st.integers(1, 5),
    hidden=st.sampled_from(HIDDEN),
    out=st.sampled_from(HIDDEN),
    seed=st.integers(0, 1000),
)
def test_shapes(sizes, m, hidden, out, seed):
    L = len(sizes) - 1
    net = init_network(sizes, [hidden] * (L - 1) + [out], "squared_error", seed)
    assert net.L == L and net.sizes == sizes
    rng = np.random.default_rng(seed)
    cache = forward(net, rng.normal(size=(sizes[0], m)))
    grads = backward(net, cache, rng.normal(size=(sizes[-1], m)))
    assert grads.dW[0] is None and grads.db[0] is None and grads.delta[0] is None
    for l in range(1, L + 1):
        assert grads.dW[l].shape == net.W[l].shape == (sizes[l], sizes[l - 1])
        assert grads.db[l].shape == net.b[l].shape == (sizes[l], 1)
        assert grads.delta[l].shape == cache.z[l].shape == cache.a[l].shape == (sizes[l], m)


@SETTINGS
@given(problem=problems)
def test_batch_gradient_is_sum_of_example_gradients(problem):
    net, x, y = problem
    m = x.shape[1]
    total = sum(flatten_grads(gradients(net, x[:, [i]], y[:, [i]])) for i in range(m))
    np.testing.assert_allclose(flatten_grads(gradients(net, x, y)), total, rtol=1e-10, atol=1e-13)
    mean = flatten_grads(gradients(net, x, y, reduction="mean"))
    np.testing.assert_allclose(mean, total / m, rtol=1e-10, atol=1e-13)
    assert math.isclose(loss_value(net, x, y, "mean"), loss_value(net, x, y) / m, rel_tol=1e-12)


# --- hand-worked -----------------------------------------------------------------------


def test_one_one_network_by_hand():
    # z = w x + b = 0.5 * 2 + 0.1 = 1.1, a = sigma(1.1), J = (a - y)^2 / 2
    net = Network(
        W=[None, np.array([[0.5]])],
        b=[None, np.array([[0.1]])],
        activations=[None, "sigmoid"],
        loss="squared_error",
    )
    x, y = np.array([[2.0]]), np.array([[1.0]])
    a = 1 / (1 + math.exp(-1.1))
    delta = (a - 1.0) * a * (1 - a)  # (B1): (a - y) sigma'(z)
    cache = forward(net, x)
    assert math.isclose(cache.z[1][0, 0], 1.1, rel_tol=1e-15)
    assert math.isclose(cache.a[1][0, 0], a, rel_tol=1e-15)
    assert math.isclose(loss_value(net, x, y), 0.5 * (a - 1.0) ** 2, rel_tol=1e-14)
    grads = backward(net, cache, y)
    assert math.isclose(grads.dW[1][0, 0], delta * 2.0, rel_tol=1e-14)  # (B3): delta x
    assert math.isclose(grads.db[1][0, 0], delta, rel_tol=1e-14)  # (B4)


def test_two_layer_scalar_chain_by_hand():
    # x -> tanh(w1 x + b1) -> identity(w2 a1 + b2), J = (a2 - y)^2 / 2
    w1, b1, w2, b2, x, y = 0.8, -0.2, -1.5, 0.3, 0.5, 1.0
    z1 = w1 * x + b1
    a1 = math.tanh(z1)
    a2 = w2 * a1 + b2
    d2 = a2 - y  # (B1) with identity output
    d1 = w2 * d2 * (1 - a1**2)  # (B2)
    net = Network(
        W=[None, np.array([[w1]]), np.array([[w2]])],
        b=[None, np.array([[b1]]), np.array([[b2]])],
        activations=[None, "tanh", "identity"],
        loss="squared_error",
    )
    g = gradients(net, np.array([[x]]), np.array([[y]]))
    np.testing.assert_allclose(
        [g.dW[1][0, 0], g.db[1][0, 0], g.dW[2][0, 0], g.db[2][0, 0]],
        [d1 * x, d1, d2 * a1, d2],
        rtol=1e-14,
    )


# --- construction, validation, flat vectors -----------------------------------------------


def test_init_is_deterministic_and_scaled():
    a = init_network([4, 3, 2], ["tanh", "sigmoid"], "squared_error", seed=7)
    b = init_network([4, 3, 2], ["tanh", "sigmoid"], "squared_error", seed=7)
    c = init_network([4, 3, 2], ["tanh", "sigmoid"], "squared_error", seed=8)
    np.testing.assert_array_equal(flatten_params(a), flatten_params(b))
    assert not np.array_equal(flatten_params(a), flatten_params(c))
    assert a.activations == [None, "tanh", "sigmoid"] and a.sizes == [4, 3, 2]
    big = init_network([400, 300], "identity", seed=0)
    assert 0.9 < np.std(big.W[1]) * math.sqrt(400) < 1.1  # N(0, 1/d_{l-1})
    assert np.all(big.b[1] == 0)


def test_validation_errors():
    with pytest.raises(ValueError, match="hidden layer 1"):
        init_network([2, 3, 2], ["softmax", "sigmoid"])
    with pytest.raises(ValueError, match="softmax output"):
        init_network([2, 3], "sigmoid", "softmax_cross_entropy")
    with pytest.raises(ValueError, match="need 2 activation names"):
        init_network([2, 3, 2], ["sigmoid"])
    with pytest.raises(ValueError, match="valid names"):
        init_network([2, 3], "swish")
    with pytest.raises(ValueError, match=r"b\[1\]"):
        Network(
            W=[None, np.zeros((3, 2))],
            b=[None, np.zeros(3)],
            activations=[None, "tanh"],
            loss="squared_error",
        )
    with pytest.raises(ValueError, match=r"W\[2\] has 4 columns"):
        Network(
            W=[None, np.zeros((3, 2)), np.zeros((1, 4))],
            b=[None, np.zeros((3, 1)), np.zeros((1, 1))],
            activations=[None, "tanh", "tanh"],
            loss="squared_error",
        )
    net = init_network([2, 3], "tanh")
    with pytest.raises(ValueError, match=r"\(2, m\)"):
        forward(net, np.zeros(2))  # 1-D would broadcast silently
    with pytest.raises(ValueError, match="reduction"):
        loss_value(net, np.zeros((2, 1)), np.zeros((3, 1)), reduction="avg")
    with pytest.raises(ValueError, match="shape"):
        gradients(net, np.zeros((2, 2)), np.zeros((3, 1)))


@SETTINGS
@given(problem=problems)
def test_flat_vector_round_trip_and_gradient(problem):
    net, x, y = problem
    theta = flatten_params(net)
    assert theta.size == sum(net.W[l].size + net.b[l].size for l in range(1, net.L + 1))
    np.testing.assert_array_equal(flatten_params(unflatten_params(net, theta)), theta)
    numeric = numerical_gradient(lambda t: loss_value(unflatten_params(net, t), x, y), theta.copy())
    assert_grad_close(flatten_grads(gradients(net, x, y)), numeric)
    with pytest.raises(ValueError, match="theta"):
        unflatten_params(net, theta[:-1])
