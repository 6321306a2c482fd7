"""The diagnosis chapter: the real ShapeError, the fault table, and checks that catch wrong formulas."""

import pytest

from chapter_tools import Fault, assert_report_names_page_line, failed, run_chapter

ARTIFACTS = {"as-written", "fault-a", "fault-b", "fault-c", "fault-d", "fault-e", "corrected", "summary", "indexing",
             "ex1", "ex2", "ex3"}


def slope(name: str, old: str, new: str) -> Fault:
    return Fault("backprop/activations.py", old, new)


SIGMA_PRIME_IS_SIGMA = slope("sigmoid", "return s * (1 - s)  # sigma'", "return s  # sigma'")
SIGMA_PRIME_IS_ONE = slope("sigmoid", "return s * (1 - s)  # sigma'", "return np.ones_like(s)  # sigma'")
# A "helpful" multiply that transposes a factor whenever the shapes do not fit.
LENIENT = (Fault("backprop/jacobians.py", "if product.shape[1] != right.shape[0]:", "if False:"),
           Fault("backprop/jacobians.py", "product = product @ right.value",
                 "product = product @ (right.value if product.shape[1] == right.shape[0] else right.value.T)"))


@pytest.fixture(scope="module")
def clean():
    return run_chapter("diagnosis")


def test_chapter_builds_clean(clean):
    outputs, values, failures = clean
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert all("checks passed" in outputs[name] for name in ARTIFACTS)


def test_the_page_shows_the_real_shape_error(clean):
    outputs, values, _ = clean
    assert values["diagnosis.message"]["text"].startswith("cannot multiply δ(3) (2, 1) by W(3) (2, 3)")
    assert values["diagnosis.as_written_shapes"]["text"] == r"2 \times 1 \cdot 2 \times 3 \cdot 3 \times 1 \cdot 1 \times 2"
    figure = outputs["as-written"]
    assert 'class="bp-mat bp-factor" data-rows="2" data-cols="1"' in figure  # drawn to scale
    assert "shapes do not chain: 1 ≠ 2" in figure  # and the mismatch marked


def test_fault_table_has_every_cell(clean):
    _, values, _ = clean
    for fault in "abcde":
        assert values[f"diagnosis.fixed_{fault}"]["kind"] == "tex"  # a junction: no single fix makes it multiply
    assert [values[f"diagnosis.alone_{f}"]["kind"] for f in "abcde"] == ["tex", "tex", "number", "tex", "number"]


def test_multiply_that_forgives_shapes_is_caught():
    _, _, failures = run_chapter("diagnosis", *LENIENT)
    assert {"as-written", "summary", "fault-a", "fault-b", "corrected"} <= failed(failures)


def test_wrong_sigmoid_slope_is_caught():
    _, _, failures = run_chapter("diagnosis", SIGMA_PRIME_IS_SIGMA)
    assert {"fault-a", "fault-c", "fault-e", "corrected", "summary", "ex3"} <= failed(failures)


def test_slope_of_one_for_the_sigmoid_is_caught():
    # The question's own shortcut, put into the library: the corrected chain must stop matching FD.
    _, _, failures = run_chapter("diagnosis", SIGMA_PRIME_IS_ONE)
    assert {"corrected", "fault-a", "fault-e", "fault-d"} <= failed(failures)


def test_relu_slope_of_one_everywhere_is_caught():
    # ReLU'(z) = 1 even for z < 0 looks right while every z > 0; the inactive unit of exercise 2 exposes it.
    _, _, failures = run_chapter("diagnosis", slope("relu", "return np.asarray(z > 0, dtype=np.result_type(z, np.float32))",
                                                    "return np.ones_like(z)"))
    assert failed(failures) == {"ex2"}


def test_wrong_tanh_slope_is_caught():
    _, _, failures = run_chapter("diagnosis", slope("tanh", "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)"))
    assert failed(failures) == {"ex1"}


def test_reference_backward_without_slope_is_caught():
    _, _, failures = run_chapter("diagnosis", Fault("backprop/network.py", "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])",
                                                    "(W[l + 1].T @ delta[l + 1])"))
    assert {"corrected", "ex3"} <= failed(failures)


def test_wrong_explanation_of_the_coincidence_is_caught():
    # "(c) and (e) score 1 − min σ′": explained with the largest slope instead, the check fails.
    _, _, failures = run_chapter("diagnosis", Fault("generators/diagnosis.py", "one_minus = 1 - float(np.min(p.slope))",
                                                    "one_minus = 1 - float(np.max(p.slope))"))
    assert failed(failures) == {"summary"}


def test_misread_indexing_is_caught():
    _, _, failures = run_chapter("diagnosis", Fault("generators/diagnosis.py", "asker[j, i] = d3[j, 0] * a2[i, 0]",
                                                    "asker[j, i] = d3[j, 0] * a2[j, 0]"))
    assert failed(failures) == {"indexing"}


def test_a_fix_that_would_make_the_chain_multiply_is_noticed():
    # If repairing (a) alone made the printed chain multiply, the table's last column would be wrong.
    _, _, failures = run_chapter("diagnosis", Fault("generators/diagnosis.py", 'chain[2] = F("diag(1,1,1)", np.eye(3))',
                                                    'chain = corrected(p)'))
    assert failed(failures) == {"summary"}


def test_reports_name_the_page_line():
    _, _, failures = run_chapter("diagnosis", SIGMA_PRIME_IS_ONE)
    assert_report_names_page_line(failures, "diagnosis", "corrected", "diagnosis.md")
