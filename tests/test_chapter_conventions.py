"""The convention translator's checks catch wrong formulas: in each text's code, in the translation,
in the book's reference code and in the generator. Every fault is a source edit (chapter_tools.Fault)."""

import pytest

from chapter_tools import Fault, assert_report_names_page_line, failed, message, run_chapter

NS = "conventions"
CONV = "backprop/conventions.py"
GEN = "generators/conventions.py"
ARTIFACTS = {"parameters", "table", "symbols", "dw-figure", "row-delta", "ex1", "ex2", "ex3", "ex4", "ex5"}
KEYS = ["cs229", "nielsen", "ufldl", "goodfellow", "d2l_math", "d2l_code", "pytorch", "cs231n", "cs224n", "question"]


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert "<svg" in outputs["dw-figure"] and "checks passed" in outputs["table"]
    for key in KEYS:  # every text was checked against finite differences and against the book
        assert f"<b>{key}: own gradients, own storage</b>" in outputs["table"]
        assert f"<b>{key}: translated = the book's</b>" in outputs["table"]
    stored = {key: values[f"{NS}.w1_{key}"]["shape"] for key in KEYS}
    assert {k for k, s in stored.items() if s == [3, 4]} == {"cs231n", "d2l_code"}
    assert values[f"{NS}.m"]["text"] == "5" and values[f"{NS}.n_conventions"]["text"] == "10"
    answers = [k for k, v in values.items() if k.startswith(NS) and v["kind"] == "answer"]
    assert len(answers) >= 3


MUTATIONS = [
    # (text, old, new): a wrong formula in one text's own code; every shape stays right
    ("cs229", "    dW2 = (1 / m) * dZ2 @ A1.T", "    dW2 = dZ2 @ A1.T"),  # the 1/m forgotten
    ("nielsen", "delta[2] = (w[3].T @ delta[3]) * sigmoid_prime(z[2])", "delta[2] = w[3].T @ delta[3]"),  # BP2 without σ'
    ("nielsen", "nabla_w[l][j, k] = a[l - 1][k, 0] * delta[l][j, 0]",
     "nabla_w[l][j, k] = a[l - 1][k % 3, 0] * delta[l][(j + 1) % len(delta[l]), 0]"),  # BP4, the wrong neuron
    ("ufldl", "delta = {3: -(y - a[3])", "delta = {3: (y - a[3])"),  # the sign of the output delta
    ("goodfellow", "g = g * f_prime(a[k])", "g = g * f_prime(h[k])"),  # f' at the activation
    ("d2l_math", "dJ_dW1 = dJ_dz @ x.T", "dJ_dW1 = dJ_dh @ x.T"),  # φ'(z) skipped
    ("d2l_code", "dO_pre = (O - Y) / X.shape[0] * O * (1 - O)", "dO_pre = (O - Y) * O * (1 - O)"),  # no 1/m
    ("pytorch", "grad_Y1 = grad_H * H * (1 - H)", "grad_Y1 = grad_H"),  # the sigmoid's derivative dropped
    ("cs231n", "da2 = (s - y) / N * s * (1 - s)", "da2 = (s - y) / N / N * s * (1 - s)"),  # 1/N applied twice
    ("cs224n", "delta_2 = (delta_1 @ U) * (h * (1 - h)).T", "delta_2 = delta_1 @ U"),  # σ'(z) dropped
    ("question", "da_dz = {l: np.diag((a[l] * (1 - a[l]))[:, 0]) for l in (2, 3)}",
     "da_dz = {l: np.eye(len(a[l])) for l in (2, 3)}"),  # the question's (1, 1, 1): σ' taken as 1
]


@pytest.mark.parametrize(("key", "old", "new"), MUTATIONS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_wrong_formula_in_a_text_is_caught(key, old, new):
    _, _, failures = run_chapter(NS, Fault(CONV, old, new))
    assert "table" in failed(failures), f"no failure in conventions/table for a wrong formula in {key}"
    assert f"check '{key}: own gradients, own storage' failed" in message(failures, "table")
    assert "exceeds tolerance" in message(failures, "table")


def test_wrong_reference_derivative_is_caught():
    # σ'(z) written as σ(z) in the book's reference code: only the book's own backward pass goes wrong.
    _, _, failures = run_chapter(NS, Fault("backprop/activations.py", "return s * (1 - s)  # sigma'", "return s  # sigma'"))
    assert {"table", "symbols", "dw-figure", "row-delta", "ex1", "ex3"} <= failed(failures)


def test_a_translation_that_forgets_the_transpose_is_caught():
    fault = Fault(CONV, "    if how == TRANSPOSE:\n        return arr.T", "    if how == TRANSPOSE:\n        return arr")
    _, _, failures = run_chapter(NS, fault)
    assert "check 'd2l_code: W(1) stored in × out' failed" in message(failures, "table")


def test_a_wrong_storage_claim_is_caught():
    # Claiming that nn.Linear stores its weight input × output, like CS231n: its code then cannot run.
    fault = Fault(CONV, "ROWS_OUT_IN = (SAME, FLAT, SAME, FLAT)", "ROWS_OUT_IN = (TRANSPOSE, FLAT, TRANSPOSE, FLAT)")
    _, _, failures = run_chapter(NS, fault)
    assert {"table", "symbols", "ex1", "ex2", "ex4", "ex5"} <= failed(failures)


def test_goodfellow_a_must_be_the_pre_activation():
    _, _, failures = run_chapter(NS, Fault(CONV, "grad_b[2]}, (a[1], h[1], g1)", "grad_b[2]}, (h[1], h[1], g1)"))
    assert "check 'goodfellow: pre-activation = z(1)' failed" in message(failures, "symbols")


def test_a_wrong_claim_about_the_one_over_m_is_caught():
    # Ng's dZ is per example (m Δ); claiming it carries the 1/m like Δ must fail entry by entry.
    _, _, failures = run_chapter(NS, Fault(CONV, 'Convention("cs229", COLUMNS, False, "m"', 'Convention("cs229", COLUMNS, False, "1"'))
    assert "check 'cs229: error signal = 1 · Δ(1)' failed" in message(failures, "symbols")


def test_one_over_m_in_the_wrong_place_is_caught():
    # PyTorch's Y2.grad without the 1/m of the averaged loss: the gradients and Exercise 4 both fail.
    fault = Fault(CONV, "grad_Y2 = (out - T) / T.shape[0] * out * (1 - out)", "grad_Y2 = (out - T) * out * (1 - out)")
    _, _, failures = run_chapter(NS, fault)
    assert {"table", "symbols", "ex4"} <= failed(failures)


def test_a_wrong_row_layer_is_caught():
    # nn.Linear's weight.grad written as Xᵀ dY (CS231n's form) in backprop.rows: the shapes no longer fit.
    _, _, failures = run_chapter(NS, Fault("backprop/rows.py", "    dW = dY.T @ X  # (B3)", "    dW = X.T @ dY  # (B3)"))
    assert {"table", "ex2", "dw-figure"} <= failed(failures)


def test_a_row_delta_that_is_not_the_transpose_is_caught():
    _, _, failures = run_chapter(NS, Fault(CONV, "return grads, (z, h, delta_2.T)", "return grads, (z, h, delta_2.T[::-1])"))
    assert {"row-delta", "symbols"} <= failed(failures)
    assert "check 'row = numerator-layout chain' failed" in message(failures, "row-delta")


def test_the_figure_checks_each_storage_order():
    _, _, failures = run_chapter(NS, Fault(GEN, "Delta @ A0.T, X_rows.T @ dY, dY.T @ X_rows", "Delta @ A0.T, X_rows.T @ dY, X_rows.T @ dY"))
    assert "dw-figure" in failed(failures)


def test_the_loss_written_out_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "by_hand = sum(0.5 * np.sum(", "by_hand = sum(np.sum("))
    assert failed(failures) == {"parameters"}


def test_exercise_1_reads_the_indices_the_right_way_round():
    _, _, failures = run_chapter(NS, Fault(GEN, 'value = P["nielsen"]["w2"][j - 1, k - 1]', 'value = P["nielsen"]["w2"][k - 1, j - 1]'))
    assert failed(failures) == {"ex1"}


def test_exercise_3_needs_a_real_slip():
    # If the "slip" were the right formula, the exercise would show no difference: the build refuses.
    _, _, failures = run_chapter(NS, Fault(GEN, "slip += ((h[2] - y) * f_prime(h[2]))", "slip += ((h[2] - y) * f_prime(a[2]))"))
    assert failed(failures) == {"ex3"}


def test_exercise_5_shapes_come_from_the_arrays():
    _, _, failures = run_chapter(NS, Fault(CONV, 'g["dZ1"])', 'g["dZ1"].T)'))
    assert {"symbols", "ex5"} <= failed(failures)


def test_reports_name_the_page_line():
    _, _, failures = run_chapter(NS, Fault(CONV, "    dW2 = (1 / m) * dZ2 @ A1.T", "    dW2 = dZ2 @ A1.T"))
    assert_report_names_page_line(failures, NS, "table", "conventions.md")
