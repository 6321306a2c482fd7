"""Ten texts' forward/backward pairs: each against finite differences of its own forward pass, in
its own storage, and, translated to the book's names and shapes, against backprop.network."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import Network, backward, forward, loss_value, numerical_gradient
from backprop.conventions import (
    BOOK,
    BY_KEY,
    CONVENTIONS,
    loss,
    mean_over_examples,
    nielsen_backprop,
    question_backward,
    question_forward,
    to_book,
    to_own,
)

SETTINGS = settings(max_examples=15, deadline=None, database=None)
KEYS = [c.key for c in CONVENTIONS]


def problem(seed: int, m: int):
    """The book's parameters of a 3-4-2 network and a batch of m columns."""
    rng = np.random.default_rng(seed)
    book = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=(4, 1)),
            "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=(2, 1))}
    return book, rng.normal(size=(3, m)), rng.uniform(0.1, 0.9, size=(2, m))


def reference(book, X, Y):
    net = Network(W=[None, book["W1"], book["W2"]], b=[None, book["b1"], book["b2"]],
                  activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    cache = forward(net, X)
    return net, cache, backward(net, cache, Y, reduction="mean")


@pytest.mark.parametrize("key", KEYS)
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 6))
def test_own_gradients_match_finite_differences_of_own_loss(key, seed, m):
    conv = BY_KEY[key]
    P, X, Y = to_own(conv, *problem(seed, m))
    G, _ = conv.backward(P, X, Y)
    for name in conv.store:
        assert G[name].shape == P[name].shape, f"{key}: gradient of {name} is not stored like {name}"
        numeric = numerical_gradient(lambda _: loss(conv, P, X, Y), P[name])
        np.testing.assert_allclose(G[name], numeric, rtol=1e-6, atol=1e-9, err_msg=f"{key}: {name}")


@pytest.mark.parametrize("key", KEYS)
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 6))
def test_translated_gradients_and_hidden_layer_are_the_books(key, seed, m):
    conv = BY_KEY[key]
    book, X, Y = problem(seed, m)
    net, cache, grads = reference(book, X, Y)
    P, Xo, Yo = to_own(conv, book, X, Y)
    assert loss(conv, P, Xo, Yo) == pytest.approx(loss_value(net, X, Y, reduction="mean"), rel=1e-12)
    G, (pre, act, err) = conv.backward(P, Xo, Yo)
    translated = to_book(conv, G)
    for name, ours in zip(BOOK, (grads.dW[1], grads.db[1], grads.dW[2], grads.db[2]), strict=True):
        np.testing.assert_allclose(translated[name], ours, rtol=1e-11, atol=1e-14, err_msg=f"{key}: {name}")
    # Entries are O(1): an absolute floor keeps a z that cancels to near 0 (summed in another order) from failing.
    np.testing.assert_allclose(pre, cache.z[1], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(act, cache.a[1], rtol=1e-12, atol=1e-13)
    scale = m if conv.error_scale == "m" else 1  # one example's error signal has no 1/m
    np.testing.assert_allclose(err, scale * grads.delta[1], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("key", KEYS)
def test_storage_round_trip_is_exact(key):
    conv = BY_KEY[key]
    book, X, Y = problem(7, 5)
    P, Xo, Yo = to_own(conv, book, X, Y)
    assert to_book(conv, P).keys() == set(BOOK)
    for name in BOOK:
        assert np.array_equal(to_book(conv, P)[name], book[name])
    assert Xo.shape == ((5, 3) if conv.rows else (3, 5))


def test_who_stores_the_weight_in_times_out():
    book, X, Y = problem(1, 5)
    shapes = {c.key: next(iter(to_own(c, book, X, Y)[0].values())).shape for c in CONVENTIONS}
    assert {k for k, s in shapes.items() if s == (3, 4)} == {"cs231n", "d2l_code"}
    assert all(s == (4, 3) for k, s in shapes.items() if k not in ("cs231n", "d2l_code"))


def test_mean_over_examples_averages_and_stacks():
    X, Y = np.arange(6.0).reshape(2, 3), np.ones((1, 3))

    def one(x, y):
        return {"g": x * y}, (x, 2 * x)

    grads, (first, second) = mean_over_examples(one, X, Y)
    np.testing.assert_allclose(grads["g"], [[1.0], [4.0]])  # the mean of the columns (0, 3), (1, 4), (2, 5)
    np.testing.assert_array_equal(first, X)
    np.testing.assert_array_equal(second, 2 * X)


def test_nielsen_w2_13_is_row_1_column_3():
    # w^2_jk runs from neuron k of layer 1 to neuron j of layer 2: j = 1, k = 3 is entry [0, 2].
    book, X, Y = problem(3, 1)
    w, b = {2: book["W1"], 3: book["W2"]}, {2: book["b1"], 3: book["b2"]}
    nabla_w, _, (_, _, delta2) = nielsen_backprop(w, b, X, Y)
    assert nabla_w[2][0, 2] == pytest.approx(X[2, 0] * delta2[0, 0])


def test_question_stores_w_ij_in_row_j_column_i():
    # ∂L/∂w_ij = δ_j a_i sits in row j, column i: with i = 3 (input unit) and j = 2 (hidden unit), entry [1, 2].
    book, X, Y = problem(4, 1)
    W, b = {2: book["W1"], 3: book["W2"]}, {2: book["b1"], 3: book["b2"]}
    _, a = question_forward(W, b, X)
    grads, dL_dz2 = question_backward(W, a, Y)
    assert grads["W2"][1, 2] == pytest.approx(dL_dz2[1, 0] * X[2, 0])
    assert grads["W2"][1, 2] != pytest.approx(grads["W2"][2, 1])
