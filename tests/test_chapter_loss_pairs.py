"""The loss-pairs chapter's checks catch wrong output deltas, wrong activation derivatives and a wrong softmax
Jacobian: each test injects one fault (a source edit in a private copy) and names the check that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "loss-pairs.md"
ALL = {"pairs", "derivatives", "jacobians", "chain-denominator", "chain-numerator", "softmax-ce", "saturation",
       "ex1", "ex2", "ex3", "ex4"}
ACT, LOSS, GEN = "backprop/activations.py", "backprop/losses.py", "generators/loss_pairs.py"


# The checks, not the pictures, are under test: the private copy draws no figures (matplotlib takes seconds).
NO_FIGURES = Fault(GEN, "from book.figures import line_plot, matrix_heatmap",
                   'line_plot = matrix_heatmap = lambda *a, **k: "<svg></svg>"  # noqa: E731')


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("loss_pairs")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    assert "<svg" in outputs["derivatives"] and "<svg" in outputs["saturation"] and "<svg" in outputs["jacobians"]
    assert values["loss_pairs.relu_at0"]["text"] == "0.00" and values["loss_pairs.relu_central"]["text"] == "0.500"


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "loss_pairs/([a-z0-9-]+)\.md"', text)) == ALL
    assert set(re.findall(r"\\tag\{([^}]*)\}", text)) == {"B1, Jacobian", "B1, sigmoid + squared error", "B1, sigmoid + BCE",
                                                        "B1, softmax + CE"}
    assert '--8<-- "includes/equations.md:B1"' in text
    assert len(re.findall(r"\[\[answer:loss_pairs\.", text)) >= 3
    assert '!!! success "Shape check"' in text


SOFTMAX_SIGN = Fault(ACT, "return np.diagflat(p) - p @ p.T", "return np.diagflat(p) + p @ p.T")
FAULTS = [
    # diag(p) + p pᵀ: a sign slip that keeps the Jacobian symmetric and every shape right.
    ([SOFTMAX_SIGN], {"pairs": "softmax + softmax_cross_entropy: Gᵀ ∂J/∂a", "derivatives": "softmax: ∂p/∂z(0)",
                      "jacobians": "softmax: diag(p) − p pᵀ vs FD", "chain-denominator": "the product is p − y",
                      "chain-numerator": "the product is p − y", "ex2": "∂p/∂z vs FD", "ex3": "ex3_delta: δ vs FD",
                      "ex4": "ex4_delta: δ vs FD"}),
    # tanh′ in terms of z: the page's formula and the reference code disagree.
    ([Fault(ACT, "return 1 - np.tanh(z) ** 2", "return 1 - z ** 2")],
     {"pairs": "tanh + squared_error: output_delta", "derivatives": "tanh: g′ as on the page"}),
    # σ′ = σ.
    ([Fault(ACT, "return s * (1 - s)", "return s")],
     {"pairs": "sigmoid + squared_error: output_delta", "derivatives": "sigmoid: g′ as on the page",
      "jacobians": "sigmoid: diag(σ′(z)) vs FD", "ex1": "ex1_mse: δ vs FD"}),
    # The library keeps σ′ in the fused sigmoid + binary cross-entropy delta.
    ([Fault(LOSS, "return a - y  # (B1), fused: sigma'", "return (a - y) * a * (1 - a)  # (B1), fused: sigma'")],
     {"pairs": "sigmoid + binary_cross_entropy: output_delta"}),
    # ∂J/∂a of binary cross-entropy without its denominator a(1 − a).
    ([Fault(LOSS, "(a - y) / (a * (1 - a))", "(a - y)")], {"pairs": "sigmoid + binary_cross_entropy: Gᵀ ∂J/∂a"}),
    # A clipped denominator: then the chain no longer fails at z = 40, and the page's claim must go.
    ([Fault(LOSS, "(a - y) / (a * (1 - a))", "(a - y) / np.maximum(a * (1 - a), 1e-300)")], {"pairs": "the chain fails"}),
    # The claims of the pairs table, each made false.
    ([Fault(GEN, '("sigmoid", mse, r"(a - y) \\odot a \\odot (1 - a)", lambda a, y: (a - y) * a * (1 - a), False, False)',
            '("sigmoid", mse, r"(a - y) \\odot a \\odot (1 - a)", lambda a, y: (a - y) * a * (1 - a), True, False)')],
     {"pairs": "sigmoid + squared_error: δ = a − y"}),
    ([Fault(GEN, 'r"p - y", lambda a, y: a - y, True, False', 'r"p - y", lambda a, y: a - y, True, True')],
     {"pairs": "softmax + softmax_cross_entropy: δ = z − y"}),
    ([Fault(GEN, "a - y, True, True)", "a - y, True, False)")],
     {"pairs": "identity + squared_error: δ ≠ z − y"}),
    ([Fault(GEN, "a - y, True, True)", "a - y, False, True)")],
     {"pairs": "identity + squared_error: δ ≠ a − y"}),
    ([Fault(GEN, "lambda a, y: (a - y) * (1 - a**2), False", "lambda a, y: (a - y) * (1 - a), False")],
     {"pairs": "tanh + squared_error: δ = $"}),
    # ReLU scaled, its derivative unchanged: only finite differences see it.
    ([Fault(ACT, "return np.maximum(z, 0)", "return 1.5 * np.maximum(z, 0)")], {"derivatives": "relu: diag(g′) vs FD"}),
    # ReLU′(0) := 1 while the page's table and the one-sided slopes say 0.
    ([Fault(ACT, "np.asarray(z > 0,", "np.asarray(z >= 0,"), Fault(GEN, "lambda z: (z > 0) * 1.0", "lambda z: (z >= 0) * 1.0")],
     {"derivatives": "relu: g′(0) = left slope"}),
    # σ′(0) off while σ′ is right everywhere else: the one-sided slopes at 0 disagree with it.
    ([Fault(ACT, "return s * (1 - s)", "return s * (1 - s) * (1 + (z == 0))"),
      Fault(GEN, "np.exp(-z) / (1 + np.exp(-z)) ** 2)", "np.exp(-z) / (1 + np.exp(-z)) ** 2 * (1 + (z == 0)))")],
     {"derivatives": "sigmoid: one-sided slopes = g′(0)"}),
    ([Fault(GEN, 'if "relu" in name:', 'if "relu" in name or name == "tanh":')], {"derivatives": "tanh: one-sided slopes at 0 differ"}),
    ([Fault(GEN, "(left + right) / 2, tol=1e-9", "left, tol=1e-9")], {"derivatives": "relu: central FD at 0"}),
    ([Fault(GEN, "np.abs(J_soft.sum(axis=0))", "np.abs(J_sig.sum(axis=0))")], {"jacobians": "softmax: columns sum to 0"}),
    ([Fault(GEN, "np.all(J_soft[off] < 0)", "np.all(J_soft[off] > 0)")], {"jacobians": "off-diagonal"}),
    ([Fault(GEN, "[f.shape for _, f in factors]", "[f.T.shape for _, f in factors]")],
     {"chain-denominator": "'denominator'", "chain-numerator": "'numerator'"}),
    # ∂J/∂p of cross-entropy wrong: the two terms no longer give p − y.
    ([Fault(LOSS, "lambda a, y: -y / a,", "lambda a, y: -y / a**2,")],
     {"softmax-ce": "diag(p)(−y/p) = −y", "pairs": "softmax + softmax_cross_entropy: Gᵀ ∂J/∂a", "ex3": "ex3_delta: δ vs FD"}),
    ([Fault(GEN, "p * Y4.sum(), tol=EXACT", "p * 2, tol=EXACT")], {"softmax-ce": "−p pᵀ(−y/p) = p Σy"}),
    # Cross-entropy's value doubled: every ∂J/∂z by finite differences doubles.
    ([Fault(LOSS, "lambda a, y: -np.sum(y * np.log(a)),", "lambda a, y: -2 * np.sum(y * np.log(a)),")],
     {"softmax-ce": "p − y vs FD", "pairs": "softmax + softmax_cross_entropy: δ = $p - y$"}),
    ([Fault(GEN, "diagonal = p * (1 - p) * g", "diagonal = p - Y4 + 0 * g")], {"softmax-ce": "diagonal only: wrong"}),
    ([Fault(GEN, "diagonal[Y4 == 0] == 0", "diagonal[Y4 == 1] == 0")], {"softmax-ce": "diagonal only: 0 where"}),
    # The squared error without its ½, and binary cross-entropy doubled.
    ([Fault(LOSS, "lambda a, y: 0.5 * np.sum((a - y) ** 2),", "lambda a, y: np.sum((a - y) ** 2),")],
     {"saturation": "squared error: ∂J/∂z at"}),
    ([Fault(LOSS, "lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),",
            "lambda a, y: -2 * np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),")], {"saturation": "cross-entropy: ∂J/∂z at"}),
    ([Fault(GEN, "a * (1 - a), tol=EXACT)\n    s = ", "1.01 * a * (1 - a), tol=EXACT)\n    s = ")], {"saturation": "SE ÷ CE"}),
    ([Fault(GEN, "-4 / 27, tol=1e-7", "-4 / 25, tol=1e-7")], {"saturation": "min (a − 1)σ′"}),
    ([Fault(GEN, "abs(lo) < 1e-3", "abs(lo) < 1e-5")], {"saturation": "z = −8"}),
    # The library accepts a target that does not sum to 1.
    ([Fault(LOSS, "if not np.allclose(np.sum(y, axis=0), 1.0):", "if False:")], {"ex3": "output_delta refuses"}),
    ([Fault(GEN, "y.sum() * p - y, tol", "p - y, tol")], {"ex3": "δ = (Σ y) p − y"}),
    # The library's (B1) for softmax + squared error without the Jacobian.
    ([Fault(LOSS, "[g.jacobian(z[:, [i]]).T @ dJ_da[:, i] for i", "[dJ_da[:, i] for i")],
     {"ex4": "output_delta agrees", "pairs": "softmax + squared_error: output_delta"}),
    ([Fault(GEN, "(np.diagflat(p) - p @ p.T) @ (p - Y4), tol", "(np.diagflat(p) + p @ p.T) @ (p - Y4), tol")],
     {"ex4": "δ = (diag(p) − p pᵀ)(p − y)"}),
    ([Fault(GEN, "np.abs(G.sum(axis=0))", "np.abs(G.sum(axis=0) + 1)")], {"ex2": "columns sum to 0"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("loss_pairs", [NO_FIGURES, *faults], expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('{"missing-gprime": a - 1,', '{"missing-gprime": (a - 1) * a * (1 - a),', "ex1"),
    ('{"extra-gprime": d,', '{"extra-gprime": a - 1,', "ex1"),
    ('"softmax-diagonal": np.diagflat(p * (1 - p))', '"softmax-diagonal": np.diagflat(p) - p @ p.T', "ex2"),
    ('{"collapsed-form": p - y}', '{"collapsed-form": y.sum() * p - y}', "ex3"),
    ('{"collapsed-form": p - Y4,', '{"collapsed-form": (np.diagflat(p) - p @ p.T) @ (p - Y4),', "ex4"),
    ('"relu-slope": (z5 > 0) * 1.0', '"relu-slope": np.where(z5 > 0, 1.0, ALPHA)', "derivatives"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught("loss_pairs", [NO_FIGURES, Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
