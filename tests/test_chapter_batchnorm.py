"""The batch-norm chapter's checks catch a wrong backward, in columns and in rows: each test injects one fault
(a source edit in a private copy) and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "batchnorm.md"
ALL = {"answer", "forward", "steps", "rows", "network", "ex1", "ex2", "ex3"}
BN, AD, GEN = "backprop/batchnorm.py", "backprop/autodiff.py", "generators/batchnorm.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("batchnorm")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    assert values["batchnorm.ex2_dgamma"]["expect"]["text"] == "4"  # Σ dY ⊙ x̂ = −1 − 2 + 3 + 4, by hand


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "batchnorm/([a-z0-9-]+)\.md"', text)) == ALL
    assert len(re.findall(r"\[\[answer:batchnorm\.", text)) >= 3
    assert '!!! success "Shape check"' in text and text.index('!!! abstract "The answer"') < text.index("## ")
    for label in ("BN1", "BN2", "BN3", "BN1, rows", "BN2, rows", "BN3, rows"):
        assert text.count(f"\\tag{{{label}}}") == 1
    prose = re.sub(r"```.*?```|\(https?://[^)]*\)|section [\d.]+", "", text, flags=re.DOTALL)  # code, links, cited sections
    assert not re.search(r"(?<![\w.])\d+\.\d+", prose), "a decimal number is typed in the page"


FAULTS = [
    # (BN3) without the projection on X̂: the mean is still removed, so the row sums stay 0.
    ([Fault(BN, "dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m))  # (BN3)\n",
            "dX = (gamma * s) * (dY - dbeta / m)  # (BN3)\n")],
     {"answer": "∂J/∂X (BN3) vs FD", "steps": "∂J/∂X: graph of simple steps = compact formula", "rows": "rows: dX = (columns ∂J/∂X)ᵀ",
      "network": "∂J/∂W1 through the layers vs FD", "ex2": "∂J/∂x vs FD"}),
    # (BN3) treating μ and σ² as constants: then a bias before batch norm gets a gradient.
    ([Fault(BN, "dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m))  # (BN3)\n", "dX = (gamma * s) * dY  # (BN3)\n")],
     {"answer": "∂J/∂X (BN3) vs FD", "network": "∂J/∂W1 through the layers vs FD", "ex3": "sums to 0"}),
    # (BN1) as a mean over the batch.
    ([Fault(BN, "dbeta = dY.sum(axis=1, keepdims=True)", "dbeta = dY.mean(axis=1, keepdims=True)")],
     {"answer": "∂J/∂β (BN1) vs FD", "network": "through the layers vs FD"}),
    # (BN2) with X̂ squared.
    ([Fault(BN, "dgamma = (dY * X_hat).sum(axis=1, keepdims=True)", "dgamma = (dY * X_hat**2).sum(axis=1, keepdims=True)")],
     {"answer": "∂J/∂γ (BN2) vs FD", "steps": "∂J/∂γ: graph of simple steps = compact formula"}),
    # The unbiased variance (divided by m − 1) in the forward pass: no longer what the backward differentiates.
    ([Fault(BN, "var = (Xc * Xc).mean(axis=1, keepdims=True)  # (d, 1), divided by m",
            "var = (Xc * Xc).sum(axis=1, keepdims=True) / (X.shape[1] - 1)")],
     {"forward": "s = 1/√(σ² + ε)", "answer": "∂J/∂X (BN3) vs FD"}),
    # Rows: the mean over the wrong axis (all entries at once).
    ([Fault(BN, "mu = X.mean(axis=0)  # (d,)", "mu = X.mean()  # (d,)")], {"rows": "rows: Y = (columns Y)ᵀ"}),
    # Rows: (BN1) summed along the features instead of over the batch (square shapes would hide it).
    ([Fault(BN, "dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m))  # (BN3) in rows",
            "dX = (gamma * s) * (dY - dbeta / m - X_hat * (dgamma / m)) * 1.001  # (BN3) in rows")],
     {"rows": "rows: dX = (columns ∂J/∂X)ᵀ"}),
    # The graph of simple steps with the variance of X instead of X − μ.
    ([Fault(BN, "var = ad.mean(Xc * Xc, axis=1)", "var = ad.mean(X * X, axis=1)")],
     {"steps": "∂J/∂Xc = diag(s) ∂J/∂X̂ + (2/m) diag(∂J/∂σ²) Xc"}),
    # autodiff: gradients at a fork not added (X and Xc each feed two nodes).
    ([Fault(AD, "parent.grad = g if parent.grad is None else parent.grad + g", "parent.grad = g")],
     {"steps": "∂J/∂Xc = diag(s) ∂J/∂X̂ + (2/m) diag(∂J/∂σ²) Xc"}),
    # autodiff: the power rule without the factor k.
    ([Fault(AD, "lambda v: k * v ** (k - 1)", "lambda v: v ** (k - 1)")], {"steps": "∂J/∂σ² = −½ s³ ⊙ ∂J/∂s"}),
    # The page's derivation, each step made false in the generator.
    ([Fault(GEN, "-0.5 * s**3 * g[\"s\"]", "-0.5 * s**2 * g[\"s\"]")], {"steps": "∂J/∂σ² = −½ s³ ⊙ ∂J/∂s"}),
    ([Fault(GEN, "-0.5 * s**2 * gamma * dgamma_", "-0.5 * s * gamma * dgamma_")], {"steps": "∂J/∂σ² = −½ s² ⊙ γ ⊙ ∂J/∂γ"}),
    ([Fault(GEN, "g[\"Xc\"] + g[\"mu\"] / m, tol=EXACT", "g[\"Xc\"] + g[\"mu\"], tol=EXACT")],
     {"steps": "∂J/∂X = ∂J/∂Xc + (1/m)(∂J/∂μ)1ᵀ"}),
    ([Fault(GEN, "bracket = dY - dbeta @ ones.T / m -", "bracket = dY + dbeta @ ones.T / m -")], {"answer": "(BN3) as diag(γ ⊙ s)"}),
    ([Fault(GEN, '("∂J/∂β", (d, 1)), ("1ᵀ", (1, m))]', '("∂J/∂β", (d, 1)), ("1ᵀ", (m, 1))]')], {"answer": "∂J/∂β 1ᵀ"}),
    ([Fault(GEN, '[("1ᵀ", (1, m)), ("dY", (m, d))]', '[("1ᵀ", (1, m)), ("dY", (d, m))]')], {"rows": "rows: (∂J/∂β)ᵀ"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("batchnorm", faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('"per-example-gamma": dX.shape', '"per-example-gamma": dgamma.shape', "ex1"),
    ('mistakes={"transpose": dX.shape})', 'mistakes={"transpose": dXr.shape})', "ex1"),
    ('mistakes={"sum-vs-mean": float(dbeta[0, 0]) / m}', 'mistakes={"sum-vs-mean": float(dbeta[0, 0])}', "ex2"),
    ('mistakes={"x-not-xhat": float((EX2_DY * EX2_X).sum())}', 'mistakes={"x-not-xhat": float(dgamma[0, 0])}', "ex2"),
    ('mistakes={"constant-stats": EX2_GAMMA * s * EX2_DY}', 'mistakes={"constant-stats": dX}', "ex2"),
    ('mistakes={"constant-stats": naive}', 'mistakes={"constant-stats": row_sums}', "ex3"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught("batchnorm", [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
