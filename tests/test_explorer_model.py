"""The shape explorer's reference model (scripts/backprop/explorer.py).

Expected shapes are worked out by hand from the book's formulas; expected values come from
the row-convention code (backprop/rows.py) and finite differences, not from the model.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import backprop.explorer as explorer
from backprop.explorer import CONVENTIONS, FAULTS, LAYOUTS, Writer, explore, flatten, multiply, product
from backprop.gradcheck import loss_of_param, numerical_gradient
from backprop.rows import affine_backward, linear_backward

QUESTION = {"widths": [2, 3, 2], "m": 1, "convention": "columns", "layout": "denominator"}


def chains(config, l=1):
    return {c["name"]: c for c in explore(config)["layers"][l - 1]["chains"]}


def shapes(chain):
    return [f["shape"] for f in chain["factors"]]


def symbols(chain):
    return [f["symbol"] for f in chain["factors"]]


def values(config, l):
    """{chain name: (value, writer)} for layer l, multiplied by the model."""
    writer = Writer(config)
    return {c.name: multiply(*flatten(c.items))[0] for c in writer.chains(l)}, writer


# ---------------------------------------------------------------------------
# Hand-worked shapes


def test_the_book_chains_of_the_232_network_by_hand():
    layer1 = chains(QUESTION, 1)
    assert symbols(layer1["delta"]) == ["W⁽²⁾ᵀ", "δ⁽²⁾", "g′(z⁽¹⁾)"]
    assert shapes(layer1["delta"]) == [[3, 2], [2, 1], [3, 1]]
    assert [f["op"] for f in layer1["delta"]["factors"]] == ["", "·", "⊙"]
    assert shapes(layer1["W"]) == [[3, 2], [2, 1], [3, 1], [1, 2]] and layer1["W"]["result"] == [3, 2]
    assert layer1["W"]["group"] == {"first": 0, "last": 2, "T": False}
    assert shapes(layer1["b"])[-1] == [1, 1] and layer1["b"]["result"] == [3, 1]
    assert symbols(layer1["a"])[0] == "W⁽¹⁾ᵀ" and layer1["a"]["result"] == [2, 1]
    # (B1) at the output layer: 1/m (a - y) ⊙ g'(z), the scalar has shape []
    layer2 = chains(QUESTION, 2)
    assert symbols(layer2["delta"]) == ["1/m", "(a⁽²⁾ − y)", "g′(z⁽²⁾)"]
    assert shapes(layer2["delta"]) == [[], [2, 1], [2, 1]]
    assert all(c["verdict"] == "correct" for l in (1, 2) for c in chains(QUESTION, l).values())


def test_the_question_chain_fails_at_the_first_product():
    """σ′ as a vector and W not transposed turn ∂J/∂W⁽¹⁾ into the question's 2×1 · 2×3 · 3×1 · 1×2."""
    W = chains({**QUESTION, "faults": ["sigma-vector", "w-not-transposed"]})["W"]
    assert symbols(W) == ["δ⁽²⁾", "W⁽²⁾", "g′(z⁽¹⁾)", "a⁽⁰⁾ᵀ"]
    assert shapes(W) == [[2, 1], [2, 3], [3, 1], [1, 2]]
    assert W["verdict"] == "mismatch" and W["result"] is None
    assert W["steps"] == [{"op": "·", "left": [0, 0], "right": [1, 1], "shapes": [[2, 1], [2, 3]], "result": None}]


def test_square_layers_let_the_missing_transpose_through_with_wrong_values():
    square = {**QUESTION, "widths": [3, 3, 3], "m": 3, "faults": ["w-not-transposed"]}
    delta = chains(square)["delta"]
    assert symbols(delta)[:2] == ["δ⁽²⁾", "W⁽²⁾"] and delta["result"] == [3, 3]
    assert delta["verdict"] == "values"
    # with one example, δ⁽²⁾ is a 3×1 column and δ⁽²⁾ W⁽²⁾ cannot be formed
    assert chains({**square, "m": 1})["delta"]["verdict"] == "mismatch"
    # the wrong layer's W fits any square network, whatever m
    for m in (1, 3, 5):
        assert chains({**square, "m": m, "faults": ["wrong-layer"]})["delta"]["verdict"] == "values"


def test_hadamard_needs_equal_shapes_where_numpy_would_broadcast():
    assert product("⊙", np.ones((3, 1)), np.ones((3, 4))) is None
    assert product("·", np.ones((2, 1)), np.ones((2, 3))) is None
    assert product("·", np.array(0.5), np.ones((2, 3))).shape == (2, 3)


def test_wrong_shape_and_wrong_values_by_hand():
    W = chains({**QUESTION, "faults": ["dw-transposed"]})["W"]  # a⁽⁰⁾ δ⁽¹⁾ᵀ: 2×1 · 1×3
    assert symbols(W)[0] == "a⁽⁰⁾" and W["group"]["T"] is True
    assert (W["result"], W["expected"], W["verdict"]) == ([2, 3], [3, 2], "shape")
    b = chains({**QUESTION, "m": 4, "faults": ["bias-axis"]})["b"]  # 1ᵀ (1×3) · δ⁽¹⁾ (3×4)
    assert (shapes(b)[0], b["result"], b["expected"], b["verdict"]) == ([1, 3], [1, 4], [3, 1], "shape")
    mean = {**QUESTION, "faults": ["mean-twice"]}
    assert chains(mean)["W"]["verdict"] == "correct"  # 1/m = 1
    assert chains({**mean, "m": 2})["W"]["verdict"] == "values"


def test_row_conventions_write_what_rows_py_computes():
    """PyTorch: dW = dYᵀ X, db = 1ᵀ dY, dX = dY W; CS231n: dW = Xᵀ dY, dX = dY Wᵀ (rows.py), dY = δ as stored."""
    base = {"widths": [3, 5, 4, 2], "m": 6, "layout": "denominator"}
    for convention, layer_backward, stored in (("pytorch", linear_backward, lambda W: W), ("cs231n", affine_backward, lambda W: W.T)):
        for l in (1, 2, 3):
            got, w = values({**base, "convention": convention}, l)
            dY, X = w.ref.delta[l].T, w.a[l - 1].T
            dX, dW, db = layer_backward(dY, (X, stored(w.W[l])))
            np.testing.assert_allclose(got["W"], dW, rtol=1e-12)
            np.testing.assert_allclose(got["b"], db[None, :], rtol=1e-12)
            np.testing.assert_allclose(got["a"], dX, rtol=1e-12)
            # numerator layout writes the transposes, except ∂J/∂W
            num, _ = values({**base, "convention": convention, "layout": "numerator"}, l)
            np.testing.assert_allclose(num["W"], dW, rtol=1e-12)
            np.testing.assert_allclose(num["a"], dX.T, rtol=1e-12)


def test_the_chains_agree_with_finite_differences():
    config = {"widths": [3, 4, 2], "m": 3, "convention": "cs231n", "layout": "numerator"}
    for l in (1, 2):
        got, w = values(config, l)
        # CS231n stores Wᵀ; it stores b as a row, which numerator layout transposes back to the book's column
        for name, stored in (("W", lambda a: a.T), ("b", lambda a: a)):
            numeric = numerical_gradient(loss_of_param(w.net, w.x, w.y, name, l, reduction="mean"), getattr(w.net, name)[l].copy())
            np.testing.assert_allclose(got[name], stored(numeric), rtol=1e-6, atol=1e-10)


# ---------------------------------------------------------------------------
# Random configurations


@pytest.mark.parametrize("seed", range(6))
def test_without_faults_every_chain_reproduces_the_reference(seed):
    rng = random.Random(seed)
    for convention in CONVENTIONS:
        for layout in LAYOUTS:
            widths = [rng.randint(1, 7) for _ in range(rng.randint(2, 6))]
            config = {"widths": widths, "m": rng.randint(1, 7), "convention": convention, "layout": layout}
            for layer in explore(config)["layers"]:
                assert [c["verdict"] for c in layer["chains"]] == ["correct"] * 4, (config, layer["l"])
                l, d, m = layer["l"], widths, config["m"]
                p = (convention != "columns") != (layout == "numerator")
                expected = [[m, d[l]] if p else [d[l], m], [d[l - 1], d[l]] if convention == "cs231n" else [d[l], d[l - 1]],
                            [1, d[l]] if p else [d[l], 1], [m, d[l - 1]] if p else [d[l - 1], m]]
                assert [c["result"] for c in layer["chains"]] == expected


def test_every_fault_changes_something_and_the_model_is_deterministic():
    for fault in FAULTS:
        seen = {c["verdict"] for w in ([2, 3, 2], [3, 3, 3]) for m in (1, 3)
                for layer in explore({**QUESTION, "widths": w, "m": m, "faults": [fault]})["layers"] for c in layer["chains"]}
        assert seen - {"correct"}, fault
    assert explore(QUESTION) == explore(QUESTION)


def test_configs_out_of_range_are_refused():
    for bad in ({"widths": [3]}, {"widths": [3] * 10}, {"widths": [0, 2]}, {"widths": [1000, 2]}, {"m": 0},
                {"convention": "rows"}, {"layout": "mixed"}, {"faults": ["typo"]}):
        with pytest.raises(ValueError):
            explore({**QUESTION, **bad})


# ---------------------------------------------------------------------------
# The checks can fail


def test_a_wrong_reference_turns_correct_chains_into_wrong_values(monkeypatch):
    real = explorer.backward

    def off_by_a_bit(*args, **kwargs):
        grads = real(*args, **kwargs)
        grads.dW[1] = grads.dW[1] * (1 + 1e-6)
        return grads

    monkeypatch.setattr(explorer, "backward", off_by_a_bit)
    layer1 = chains(QUESTION)
    assert layer1["W"]["verdict"] == "values" and layer1["delta"]["verdict"] == "correct"


def test_a_broadcasting_hadamard_would_hide_a_mismatch(monkeypatch):
    """δ⁽²⁾ W⁽²⁾ is 1×3 and g′(z⁽¹⁾) is 3×1: NumPy's * would broadcast them into a 3×3 matrix."""
    config = {**QUESTION, "widths": [2, 3, 1], "faults": ["w-not-transposed"]}
    delta = chains(config)["delta"]
    assert delta["verdict"] == "mismatch"
    assert delta["steps"][-1] == {"op": "⊙", "left": [0, 1], "right": [2, 2], "shapes": [[1, 3], [3, 1]], "result": None}
    real = explorer.product
    monkeypatch.setattr(explorer, "product", lambda op, a, b: a * b if op == "⊙" else real(op, a, b))
    assert chains(config)["delta"]["verdict"] == "shape"  # the broadcast hides the mismatch
