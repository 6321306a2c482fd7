"""The notation chapter's checks catch wrong shapes, formulas and index shifts; its page follows the book's rules."""

from pathlib import Path

import pytest

from chapter_tools import Fault, assert_check_fails, assert_page_uses_all_of_it, run_chapter

NS = "notation"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "notation.md"
ARTIFACTS = {"layers", "symbols", "numbering", "equations", "legend", "j-vs-l", "ex1", "ex3"}
NET, GEN, ACT, LOSS, SEED = "backprop/network.py", "generators/notation.py", "backprop/activations.py", \
    "backprop/losses.py", "backprop/seed232.py"


def test_chapter_builds_clean_and_the_page_uses_all_of_it():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert outputs.keys() == ARTIFACTS
    assert all("checks passed" in text or "check passed" in text for text in outputs.values())
    assert_page_uses_all_of_it(NS, PAGE.read_text(encoding="utf-8"), ARTIFACTS, values)


def test_page_states_the_convention_once_and_includes_the_equations():
    text = PAGE.read_text(encoding="utf-8")
    assert text.index('!!! abstract "') < text.index("\n## ")  # the answer first
    for label in ("F1", "F2", "B1", "B2", "B3", "B4"):
        assert f'--8<-- "includes/equations.md:{label}"' in text
    assert "\\tag{" not in text  # the labels live in includes/equations.md
    assert '!!! success "Shape check"' in text


# Each fault, the artifact whose check must catch it, and that check's label.
FAULTS = {
    "F1 chain": ([Fault(GEN, "[net.W[l].shape, (d[l - 1], 1)]", "[net.W[l].T.shape, (d[l - 1], 1)]")],
                 "layers", "(F1) W(1) a(0)"),
    "dW transposed": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = a[l - 1] @ delta[l].T")],
                      "symbols", "∂J/∂W(1)"),
    "g′ reduced to a number": ([Fault(ACT, "return s * (1 - s)", "return (s * (1 - s)).sum(axis=0, keepdims=True)")],
                               "symbols", "g′(z(1)) is 3×1"),
    "table rule for W": ([Fault(GEN, '(f"W({l})", W[l], (d[l], d[l - 1]))', '(f"W({l})", W[l], (d[l - 1], d[l]))')],
                         "symbols", "W(1) is 2×3"),
    "Jacobian transposed": ([Fault("backprop/gradcheck.py", "for i in range(m)])", "for i in range(m)]).T")],
                            "symbols", "∂z(2)/∂a(1) = W(2)"),
    "batch columns mixed": ([Fault(NET, "(W[l + 1].T @ delta[l + 1])", "(W[l + 1].T @ delta[l + 1]).mean(axis=1, keepdims=True)")],
                            "symbols", "Δ(1) column 1"),
    "bias from one column": ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = delta[l][:, :1]")],
                             "symbols", "Δ(1) 1 = ∂J/∂b(1)"),
    "numbering unshifted": ([Fault(SEED, "return l + QUESTION_OFFSET", "return l")], "numbering", "book 0 = question 1"),
    "F1 bias subtracted": ([Fault(NET, "z.append(W[l] @ a[l - 1] + b[l])", "z.append(W[l] @ a[l - 1] - b[l])")],
                           "equations", "(F1) z(1)"),
    "sigmoid wrong below 0": ([Fault(ACT, "e / (1 + e))", "1 / (1 + e))")], "equations", "(F2) a(2)"),
    "B1 sign": ([Fault(LOSS, "lambda a, y: a - y,", "lambda a, y: y - a,")], "equations", "(B1) δ(2)"),
    "loss doubled": ([Fault(LOSS, "lambda a, y: 0.5 * np.sum((a - y) ** 2),", "lambda a, y: np.sum((a - y) ** 2),")],
                     "equations", "δ(2) = ∂J/∂z(2)"),
    "B2 without g′": ([Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")],
                      "equations", "δ(1) = ∂J/∂z(1)"),
    "B2 chain": ([Fault(GEN, "[W[2].T.shape, delta[2].shape], z[1].shape", "[W[2].shape, delta[2].shape], z[1].shape")],
                 "equations", "(B2) W(2)ᵀ δ(2)"),
    "B3 doubled": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = 2 * delta[l] @ a[l - 1].T")],
                   "equations", "(B3) ∂J/∂W(1)"),
    "B4 sign": ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = -delta[l].sum(axis=1, keepdims=True)")],
                "equations", "(B4) ∂J/∂b(1)"),
    "legend chain": ([Fault(GEN, "[W2.T.shape, d2.shape], (net.sizes[1], 1)", "[W2.shape, d2.shape], (net.sizes[1], 1)")],
                     "legend", "W(2)ᵀ δ(2)"),
    "legend mismatch computable": ([Fault(GEN, "lambda: W2 @ d2", "lambda: W2.T @ d2")], "legend", "W(2) δ(2) fails"),
    "batch loss reads one column": ([Fault(LOSS, "0.5 * np.sum((a - y) ** 2)", "0.5 * np.sum((a - y)[:, :1] ** 2)")],
                                    "j-vs-l", "J (sum) = Σₖ Lₖ"),
    "mean divides by m + 1": ([Fault(NET, 'return 1.0 / m if reduction == "mean"', 'return 1.0 / (m + 1) if reduction == "mean"')],
                              "j-vs-l", "J (mean) = J (sum) / m"),
    "1/m twice in backward": ([Fault(NET, "scale = _scale(reduction, m=a[0].shape[1])", "scale = _scale(reduction, m=a[0].shape[1]) ** 2")],
                              "j-vs-l", "∂J/∂W(1), mean"),
    "exercise rule transposed": ([Fault(GEN, '"dW2": (grads.dW[2], (d[2], d[1]))', '"dW2": (grads.dW[2], (d[1], d[2]))')],
                                 "ex1", "dW2"),
    "batch weight gradient divided by m": ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = delta[l] @ a[l - 1].T / a[0].shape[1]")],
                                           "ex1", "∂J/∂W(2) of the batch"),
    "exercise chain": ([Fault(GEN, "[grads.delta[2].shape, cache.a[1].T.shape]", "[grads.delta[2].shape, cache.a[1].shape]")],
                       "ex1", "Δ(2) A(1)ᵀ"),
    "a mistake that is the answer": ([Fault(GEN, '"transpose": grads.dW[2].shape[::-1]', '"transpose": grads.dW[2].shape')],
                                     "ex1", "answer ex1_dw2"),
    "bias loses its column": ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = delta[l].sum(axis=1)")],
                              "ex3", "∂J/∂b(2) is b(2)'s shape"),
    "1/m twice, bias": ([Fault(NET, "scale = _scale(reduction, m=a[0].shape[1])", "scale = _scale(reduction, m=a[0].shape[1]) ** 2")],
                        "ex3", "∂J/∂b(2), mean"),
    "page formula 1/m²": ([Fault(GEN, "np.ones((m, 1)) / m, tol", "np.ones((m, 1)) / m ** 2, tol")], "ex3", "(mean) ∂J/∂b(2)"),
    "mean mistake equals the answer": ([Fault(GEN, '"twice-mean": mean.db[2] / m', '"twice-mean": mean.db[2]')],
                                       "ex3", "answer ex3_db2"),
}


@pytest.mark.parametrize("case", FAULTS, ids=list(FAULTS))
def test_each_check_catches_its_fault(case):
    assert_check_fails(NS, *FAULTS[case])
