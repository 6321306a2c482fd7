"""The 2-3-2 chapter and the answer block: what they publish, and that their checks catch wrong formulas."""

import re
from pathlib import Path

import pytest

from chapter_tools import Fault, assert_report_names_page_line, failed, run_chapter

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARTIFACTS = {"running", "answer", "graph", "delta3", "delta2", "dw3", "dw2", "chain-denominator", "chain-numerator",
             "numerator-aside", "ex1", "ex2", "ex3"}
SIGMA_PRIME_IS_SIGMA = Fault("backprop/activations.py", "return s * (1 - s)  # sigma'", "return s  # sigma'")
B2_WITHOUT_SLOPE = Fault("backprop/network.py", "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")


@pytest.fixture(scope="module")
def clean():
    return run_chapter("net232")


def test_chapter_builds_clean(clean):
    outputs, values, failures = clean
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert all("checks passed" in outputs[name] for name in ARTIFACTS)


def test_running_example_keeps_the_names_other_chapters_cite(clean):
    _, values, _ = clean
    names = ["x", "y", "W1", "W2", "b1", "b2", "z1", "a1", "z2", "a2", "J", "delta1", "delta2", "dW1", "dW2", "db1", "db2"]
    assert all(f"net232.{n}" in values for n in names)
    assert values["net232.W1"]["shape"] == [3, 2] and values["net232.dW1"]["shape"] == [3, 2]  # book numbering


def test_answer_chains_show_the_shape_under_every_factor(clean):
    _, values, _ = clean
    shapes = {layout: re.findall(r"_\{\\scriptstyle (\d) \\times (\d)\}", values[f"net232.chain_{layout}"]["text"])
              for layout in ("denominator", "numerator")}
    # the left side, then the factors in the order they multiply, then a(1)ᵀ
    assert shapes["denominator"] == [("3", "2"), ("3", "3"), ("3", "2"), ("2", "1"), ("1", "2")]
    assert shapes["numerator"] == [("3", "2"), ("1", "2"), ("2", "3"), ("3", "3"), ("1", "2")]
    for layout in ("denominator", "numerator"):
        assert values[f"net232.dW_{layout}"] == values["net232.dW1"]  # both layouts: the same 3×2 numbers


def test_answer_block_opens_the_home_page_and_the_chapter():
    for page in ("index.md", "net232.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        first_include = re.search(r'^--8<-- "([^"]+)"', text, re.M)[1]
        assert first_include == "includes/answer.md", page
        assert not re.search(r"^##", text[:text.index("includes/answer.md")], re.M), f"{page}: a section before the answer"


def test_graph_is_drawn_from_the_build(clean):
    outputs, _, _ = clean
    svg = outputs["graph"]
    assert 'class="bp-graph"' in svg and 'data-first-layer="1"' in svg and svg.count('class="bp-graph-node"') == 7


def test_wrong_sigmoid_derivative_is_caught():
    # σ' written as σ: every shape stays right; only finite differences notice.
    _, _, failures = run_chapter("net232", SIGMA_PRIME_IS_SIGMA)
    assert ARTIFACTS - {"ex3"} <= failed(failures)
    assert any("exceeds tolerance" in f.message for f in failures)


def test_b2_without_the_slope_is_caught():
    _, _, failures = run_chapter("net232", B2_WITHOUT_SLOPE)
    assert {"running", "graph", "delta2", "dw2", "chain-denominator", "chain-numerator"} <= failed(failures)
    assert "answer" not in failed(failures)  # the answer multiplies its own Jacobians, no (B2)
    assert "delta3" not in failed(failures) and "dw3" not in failed(failures)  # the output layer does not use (B2)


def test_forward_pass_without_bias_is_caught():
    # (F1) without + b: backward stays consistent with it, so only the explicit sums notice.
    _, _, failures = run_chapter("net232", Fault("backprop/network.py", "z.append(W[l] @ a[l - 1] + b[l])", "z.append(W[l] @ a[l - 1])"))
    assert "graph" in failed(failures)
    assert "Σ_j W_ij a_j + b_i" in next(f for f in failures if f.name == "graph").message


def test_loss_without_its_half_is_caught():
    _, _, failures = run_chapter("net232", Fault("backprop/losses.py", "lambda a, y: 0.5 * np.sum((a - y) ** 2)",
                                                 "lambda a, y: np.sum((a - y) ** 2)"))
    assert {"graph", "running", "delta3"} <= failed(failures)


def test_output_delta_without_slope_is_caught():
    _, _, failures = run_chapter("net232", Fault("backprop/losses.py", "return L.grad(a, y) * g.prime(z)  # (B1)",
                                                 "return L.grad(a, y)  # (B1)"))
    assert {"delta3", "running", "graph"} <= failed(failures)


def test_strict_numerator_arrangement_as_the_answer_is_refused():
    # Publishing a(1) δ(2)ᵀ (2×3) as ∂L/∂W(2) in numerator layout, compared with finite differences
    # transposed to match, breaks the book's one rule: ∂L/∂W has W's shape in every layout.
    _, _, failures = run_chapter(
        "net232",
        Fault("generators/net232.py", "        dW = column @ x.T\n",
              "        dW = column @ x.T if layout == 'denominator' else x @ inner\n"),
        Fault("generators/net232.py", 'ctx.check.gradient(f"{layout} layout: ∂L/∂W({q(1)})", dW, numeric)',
              'ctx.check.gradient(f"{layout} layout: ∂L/∂W({q(1)})", dW, numeric if dW.shape == numeric.shape else numeric.T)'))
    assert failed(failures) == {"answer"}
    assert "W's shape" in next(f for f in failures if f.name == "answer").message


def test_factors_in_the_wrong_order_are_caught():
    _, _, failures = run_chapter("net232", Fault("generators/net232.py", '((r"W^{(2)}", "W[2]"), W), (slope, D)]',
                                                 '(slope, D), ((r"W^{(2)}", "W[2]"), W)]'))
    assert "answer" in failed(failures)


def test_jacobians_not_transposed_for_denominator_layout_are_caught():
    _, _, failures = run_chapter("net232", Fault("backprop/jacobians.py", "Factor(f.name, f.tex, to_denominator(f.value)",
                                                 "Factor(f.name, f.tex, f.value"))
    assert failed(failures) == {"chain-denominator"}


def test_gradient_step_uphill_is_caught():
    _, _, failures = run_chapter("net232", Fault("generators/net232.py", "ETA = 0.5", "ETA = -0.5"))
    assert "the step decreases the loss" in next(f for f in failures if f.name == "ex3").message


def test_a_step_too_long_for_first_order_is_caught():
    _, _, failures = run_chapter("net232", Fault("generators/net232.py", "ETA = 0.5", "ETA = 8.0"))
    assert "first order" in next(f for f in failures if f.name == "ex3").message


def test_a_target_that_does_not_flip_the_errors_is_caught():
    _, _, failures = run_chapter("net232", Fault("generators/net232.py", "Y_NEW = np.array([[0.0], [1.0]])",
                                                 "Y_NEW = np.array([[0.9], [0.1]])"))
    assert "both entries change sign" in next(f for f in failures if f.name == "ex2").message


def test_a_mistake_that_gives_the_right_answer_is_refused():
    # A "transpose" mistake that reads the same entry cannot be told apart from the answer.
    _, _, failures = run_chapter("net232", Fault("generators/net232.py", '"swapped-indices": d[1, 0] * a[0, 0]',
                                                 '"swapped-indices": entry'))
    assert failed(failures) == {"ex1"}


@pytest.mark.parametrize("artifact", ["dw3", "dw2"])
def test_reports_name_the_page_line(artifact):
    _, _, failures = run_chapter("net232", Fault("backprop/activations.py", "return s * (1 - s)  # sigma'",
                                                 "return np.ones_like(s)  # sigma'"))
    assert_report_names_page_line(failures, "net232", artifact, "net232.md")
