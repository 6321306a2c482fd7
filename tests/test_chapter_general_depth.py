"""The general-depth chapter's checks catch wrong formulas: each test injects one fault (a source edit in a
private copy) and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, assert_report_names_page_line, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "general-depth.md"
ARTIFACTS = {"shapes-backward", "architectures", "verify", "entrywise", "recursion-denominator", "recursion-numerator",
             "shape-table", "ex1", "ex2", "ex3", "ex4"}
NET, ACT, LOSS, GEN = "backprop/network.py", "backprop/activations.py", "backprop/losses.py", "generators/general_depth.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("general_depth")
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert all("checks passed" in outputs[name] for name in ARTIFACTS)
    assert values["general_depth.n_archs"]["text"] == "6"
    page = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "general_depth/([a-z0-9-]+)\.md"', page)) == ARTIFACTS
    assert len(re.findall(r"\[\[answer:general_depth\.", page)) >= 3


def test_page_uses_the_canonical_equations_and_one_label_per_variant():
    page = PAGE.read_text(encoding="utf-8")
    for label in ("F1", "F2", "B2", "B3", "B4"):
        assert f'--8<-- "includes/equations.md:{label}"' in page
    assert set(re.findall(r"\\tag\{([^}]*)\}", page)) == {"B1, general"}


FAULTS = [
    # (B2) without g′: every shape is right, only the numbers can tell.
    ([Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")],
     {"verify": "sums = (B3)", "entrywise": "= (B1)/(B2)", "recursion-denominator": "product = (B2)",
      "recursion-numerator": "product = (B2)", "ex1": "δ(2)₂ a(1)₃", "ex2": "= δ(2)_1", "ex3": "from the right δ(L)"}),
    # (B3) scaled: the matrix form no longer equals the per-entry sums.
    ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = 1.001 * delta[l] @ a[l - 1].T")],
     {"verify": "sums = (B3)", "ex1": "row 2 of ∂J/∂W(2)"}),
    # (B3) in the strict numerator arrangement a δᵀ: not the shape of W.
    ([Fault(NET, "dW[l] = delta[l] @ a[l - 1].T", "dW[l] = a[l - 1] @ delta[l].T")],
     {"shapes-backward": "∂J/∂W(1)", "shape-table": "∂J/∂W(1)", "ex4": "∂J/∂W(1)"}),
    # (B4) summed along the wrong axis: a 1×1 "gradient".
    ([Fault(NET, "db[l] = delta[l].sum(axis=1, keepdims=True)", "db[l] = delta[l].sum(axis=0, keepdims=True)")],
     {"shapes-backward": "has the shape of b(", "ex4": "has the shape of b("}),
    # tanh′ written with z instead of tanh(z): wrong in the loops and in the matrix form alike.
    ([Fault(ACT, "return 1 - np.tanh(z) ** 2", "return 1 - z ** 2")],
     {"verify": "vs FD", "entrywise": "vs FD on z", "recursion-denominator": "vs FD", "recursion-numerator": "vs FD"}),
    # A wrong sign in ∂J/∂a of the squared error: δ(3) of network A changes sign.
    ([Fault(LOSS, "lambda a, y: a - y,", "lambda a, y: y - a,")], {"ex2": "= ∂J/∂z(2)_1", "ex3": "σ′(z(L))"}),
    # σ′ = σ: the factor between δ(L) and a(L) − y is no longer σ′.
    ([Fault(ACT, "return s * (1 - s)", "return s")], {"ex3": "= σ′(z(L))"}),
    # The table's widths no longer those of the network built from them.
    ([Fault(GEN, "net.sizes == list(arch.sizes)", "net.sizes == list(arch.sizes)[::-1]")], {"architectures": "widths"}),
    # The per-entry recursion with W_ik for W_ki (the per-entry form of a forgotten transpose).
    ([Fault(GEN, "dz[l + 1][k] * W[l + 1][k, i]", "dz[l + 1][k] * W[l + 1][i % W[l + 1].shape[0], k % W[l + 1].shape[1]]")],
     {"verify": "sums = (B3)", "entrywise": "by Σ_k vs FD"}),
    # The chain checks of (B2) and (B3) see a missing transpose in the shapes.
    ([Fault(GEN, "[net.W[l + 1].T.shape, grads.delta[l + 1].shape]", "[net.W[l + 1].shape, grads.delta[l + 1].shape]")],
     {"shapes-backward": "W(2)ᵀ δ(2)", "shape-table": "W(2)ᵀ δ(2)", "ex4": "W(2)ᵀ δ(2)"}),
    ([Fault(GEN, "[grads.delta[l].shape, cache.a[l - 1].T.shape]", "[grads.delta[l].shape, cache.a[l - 1].shape]")],
     {"shapes-backward": "δ(1) a(0)ᵀ", "shape-table": "δ(1) a(0)ᵀ"}),
    ([Fault(GEN, "[f[1].shape for f in factors]", "[f[1].T.shape for f in factors]")],
     {"recursion-denominator": "product for layer 2", "recursion-numerator": "product for layer 2"}),
    ([Fault(GEN, "grads.delta[l], (net.sizes[l], 1))", "grads.delta[l], (net.sizes[l - 1], 1))")],
     {"shapes-backward": "δ(1) is d_1×1", "shape-table": "δ(1) is d_1×1", "ex4": "δ(1) is d_1×1"}),
    ([Fault(GEN, "sum(a * (b + 1) for", "sum(a * b for")], {"shape-table": "parameter count"}),
    ([Fault(GEN, "total == sum(net.W[l].size + net.b[l].size", "total == sum(net.W[l].size")], {"ex4": "one gradient entry"}),
    # Exercise 3's wrong start, replaced by the right one: the check that the start is wrong must fail.
    ([Fault(GEN, "delta = a - y  # the wrong start", "delta = grads.delta[L]  # the wrong start")], {"ex3": "from δ(L) = a(L) − y"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("general_depth", faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('"sign": -d2[1] * a1[2]', '"sign": d2[1] * a1[2]', "ex1"),
    ('"transpose": grads.dW[2][:, 1]', '"transpose": grads.dW[2][1]', "ex1"),
    ('"missing-gprime": total,', '"missing-gprime": total * g_prime,', "ex2"),
    ('"missing-gprime": a - y,', '"missing-gprime": grads.delta[L],', "ex3"),
    ('"no-transpose": net.W[3].shape', '"no-transpose": net.W[3].T.shape', "ex4"),
    ('{"transpose": grads.dW[1].T.shape}', '{"transpose": grads.dW[1].shape}', "ex4"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    # A listed mistake that gives the right answer could not be told apart from it.
    assert_caught("general_depth", [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})


def test_reports_name_the_page_line():
    _, _, failures = run_chapter("general_depth", Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])",
                                                        "(W[l + 1].T @ delta[l + 1])"))
    assert_report_names_page_line(failures, "general_depth", "verify", "general-depth.md")
