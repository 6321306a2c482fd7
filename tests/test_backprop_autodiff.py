"""backprop.autodiff against autograd (an independent library), finite differences and hand counts."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import autodiff as ad
from backprop import init_network, loss_value, numerical_gradient

SETTINGS = settings(max_examples=30, deadline=None, database=None)
shapes = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))


def vjp_of(build, *arrays):
    """Gradients of J = Σ G ⊙ out by every input, from backprop.autodiff; G is a fixed random weighting."""
    xs = [ad.Var(a) for a in arrays]
    out = build(*xs)
    G = np.random.default_rng(7).standard_normal(out.shape)
    ad.backward(out, seed=G)
    return [x.grad for x in xs], G


def reference(f, G, *arrays):
    """The same gradients from autograd."""
    return [autograd.grad(lambda *a, i=i: anp.sum(G * f(*a)), i)(*arrays) for i in range(len(arrays))]


@SETTINGS
@given(shapes)
def test_matmul_add_mul_sub_against_autograd(d):
    seed, r, c, k = d
    rng = np.random.default_rng(seed)
    A, B, b, C = rng.normal(size=(r, c)), rng.normal(size=(c, k)), rng.normal(size=(r, 1)), rng.normal(size=(r, k))

    def f(A, B, b, C):
        return (A @ B + b) * C - b  # broadcasting a column bias twice

    got, G = vjp_of(lambda A, B, b, C: ad.sub(ad.mul(ad.add(A @ B, b), C), b), A, B, b, C)
    for g, want, x in zip(got, reference(f, G, A, B, b, C), (A, B, b, C), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
        assert g.shape == x.shape  # the gradient has the shape of the value


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_activations_against_autograd(name):
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(4, 3)) + 0.05  # away from ReLU's kink
    funcs = {"identity": lambda z: z, "sigmoid": lambda z: 1 / (1 + anp.exp(-z)), "tanh": anp.tanh,
             "relu": lambda z: anp.maximum(z, 0), "softmax": lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=0, keepdims=True)}
    got, G = vjp_of(lambda z: ad.apply(z, name), Z)
    np.testing.assert_allclose(got[0], reference(funcs[name], G, Z)[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_total_mean_power_against_autograd(axis):
    rng = np.random.default_rng(2)
    A = rng.uniform(0.5, 2, size=(3, 4))
    got, G = vjp_of(lambda a: ad.mul(ad.total(ad.power(a, -0.5), axis), ad.mean(a, axis)), A)
    want = reference(lambda a: anp.sum(a**-0.5, axis=axis, keepdims=True) * anp.mean(a, axis=axis, keepdims=True), G, A)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10)


@pytest.mark.parametrize("name", ["squared_error", "binary_cross_entropy", "softmax_cross_entropy"])
def test_losses_against_finite_differences(name):
    rng = np.random.default_rng(3)
    a = rng.uniform(0.2, 0.8, size=(3, 2))
    y = np.eye(3)[:, [0, 2]] if name == "softmax_cross_entropy" else rng.uniform(0.1, 0.9, size=(3, 2))
    av = ad.Var(a)
    ad.backward(ad.loss(av, y, name))
    from backprop.losses import loss

    np.testing.assert_allclose(av.grad, numerical_gradient(lambda v: loss(name).value(v, y), a), rtol=1e-6)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from(["sum", "mean"]))
def test_network_gradients_against_finite_differences(seed, reduction):
    rng = np.random.default_rng(seed)
    sizes = [int(d) for d in rng.integers(1, 5, int(rng.integers(2, 5)))]
    acts = [str(rng.choice(["tanh", "sigmoid", "identity"])) for _ in sizes[1:]]
    net = init_network(sizes, acts, "squared_error", seed=seed)
    X, Y = rng.normal(size=(sizes[0], 3)), rng.normal(size=(sizes[-1], 3))
    J, W, b = ad.network_graph(net, X, Y, reduction)
    assert J.value[0, 0] == pytest.approx(loss_value(net, X, Y, reduction), rel=1e-12)
    ad.backward(J)
    for l in range(1, net.L + 1):
        for leaf, param in ((W[l], net.W[l]), (b[l], net.b[l])):
            numeric = numerical_gradient(lambda _: loss_value(net, X, Y, reduction), param)
            np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-5, atol=1e-8)


def test_a_value_used_twice_gets_the_sum_of_both_paths():
    W, x = np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[0.5], [-1.5]])
    xv = ad.Var(x)
    r = ad.const(W) @ xv + xv  # x feeds the matmul and the add
    ad.backward(ad.mul(ad.total(r * r), 0.5))
    want = autograd.grad(lambda v: 0.5 * anp.sum((W @ v + v) ** 2))(x)
    np.testing.assert_allclose(xv.grad, want, rtol=1e-12)


def test_forward_mode_equals_reverse_mode_and_jvp_is_adjoint_to_vjp():
    rng = np.random.default_rng(4)
    net = init_network([3, 4, 2], ["tanh", "sigmoid"], seed=4)
    X, Y = rng.normal(size=(3, 5)), rng.uniform(size=(2, 5))
    J, W, b = ad.network_graph(net, X, Y, "mean")
    ad.backward(J)
    params = [W[1], b[1], W[2], b[2]]
    for p, g in zip(params, ad.forward_mode_gradient(J, params), strict=True):
        np.testing.assert_allclose(g, p.grad, rtol=1e-10, atol=1e-14)
    # <J v, u> = <v, Jᵀ u> for the output a⁽²⁾ as a function of W⁽¹⁾
    W1 = ad.Var(net.W[1])
    out = ad.apply(ad.const(net.W[2]) @ ad.apply(W1 @ ad.const(X) + ad.const(net.b[1]), "tanh") + ad.const(net.b[2]), "sigmoid")
    v, u = rng.normal(size=net.W[1].shape), rng.normal(size=out.shape)
    pushed = ad.jvp(out, {W1: v})
    ad.backward(out, seed=u)
    assert np.sum(pushed * u) == pytest.approx(np.sum(v * W1.grad), rel=1e-12)


def test_jacobian_by_batched_seeds_against_autograd():
    rng = np.random.default_rng(5)
    A, x = rng.normal(size=(3, 2)), rng.normal(size=(2, 1))
    xv = ad.Var(x)
    out = ad.apply(ad.const(A) @ xv, "tanh")  # 3 outputs, 2 inputs
    ad.backward(out, seed=np.eye(3).reshape(3, 3, 1))  # three reverse passes at once: the rows
    rows = xv.grad[:, :, 0]
    cols = ad.jvp(out, {xv: np.eye(2).reshape(2, 2, 1)})[:, :, 0].T  # two forward passes: the columns
    want = autograd.jacobian(lambda v: anp.tanh(A @ v))(x)[:, 0, :, 0]
    np.testing.assert_allclose(rows, want, rtol=1e-12)
    np.testing.assert_allclose(cols, want, rtol=1e-12)


def test_multiplications_are_counted_by_hand():
    A, B = ad.Var(np.ones((2, 3))), ad.Var(np.ones((3, 4)))
    with ad.counting() as made:
        C = A @ B  # 2·4 entries, 3 products each
    assert made() == 24
    with ad.counting() as made:
        D = ad.mul(C, C)
    assert made() == 8
    with ad.counting() as made:
        ad.backward(ad.total(D))  # mul: 2·8; matmul: G Bᵀ (2·3·4) and Aᵀ G (3·4·2)
    assert made() == 16 + 24 + 24


def test_constants_get_no_gradient_and_values_must_be_matrices():
    c, w = ad.const(np.ones((2, 1))), ad.Var(np.ones((1, 2)))
    ad.backward(ad.total(w @ c))
    assert c.grad is None and w.grad.shape == (1, 2)
    with pytest.raises(ValueError):
        ad.Var(np.ones(3))


def test_topological_order_puts_every_node_after_its_parents():
    rng = np.random.default_rng(6)
    net = init_network([2, 3, 2], "tanh", seed=6)
    J, _, _ = ad.network_graph(net, rng.normal(size=(2, 2)), rng.normal(size=(2, 2)))
    order = ad.topological_order(J)
    position = {id(v): i for i, v in enumerate(order)}
    assert order[-1] is J
    assert all(position[id(p)] < position[id(v)] for v in order for p, _, _ in v.parents)
