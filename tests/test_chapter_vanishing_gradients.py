"""The vanishing-gradients chapter's checks catch wrong formulas: the product form, the stacked backward pass, the
initialisation variances and the variance arguments. Each test injects one fault (chapter_tools.Fault) and names
the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

NS = "vanishing_gradients"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "vanishing-gradients.md"
ALL = {"relu", "product", "check-stacked", "tanh-sigmoid", "variances", "ends", "ex1", "ex2", "ex3", "ex4", "ex5"}
INIT, ACT, NET, GEN = "backprop/initialization.py", "backprop/activations.py", "backprop/network.py", "generators/vanishing_gradients.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert outputs["relu"].count("<svg") == 1 and outputs["tanh-sigmoid"].count("<svg") == 2
    assert all("checks passed" in text for text in outputs.values())
    # Material gives every column at least 5rem: a fourth column scrolls sideways on a 375 px phone.
    assert max(row.count("|") - 1 for text in outputs.values() for row in text.splitlines()
               if re.fullmatch(r"\|(?: :?--:? \|)+", row)) <= 3
    # ReLU's per-layer factor ½ d Var(W) on width 32, by hand: naive 16, Glorot ½, He 1.
    assert [values[f"{NS}.relu_{s}_k"]["text"] for s in ("naive", "glorot", "he")] == ["16.0", "0.50", "1.0"]
    assert values[f"{NS}.ex1_L"]["text"] == "4"  # 784-256-128-64-10: four weight matrices
    assert values[f"{NS}.ex2_std"]["expect"]["text"] == "0.0439"  # √(2 / 1040)
    assert values[f"{NS}.ex3_bound"]["expect"]["text"] == "0.1083"  # √(6 / 512)
    assert float(values[f"{NS}.worst_se"]["text"]) <= 4


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "vanishing_gradients/([a-z0-9-]+)\.md"', text)) == ALL
    assert '--8<-- "includes/equations.md:B2"' in text
    for section in ("variances", "draw", "stacked"):
        assert f'--8<-- "scripts/backprop/initialization.py:{section}"' in text
    assert text.index('!!! abstract "The answer"') < text.index("## ")
    for cite in ("[^glorot]:", "[^he]:", "[^d2l]:", "[^cs231n]:"):
        assert cite in text


FAULTS = [
    # He without its factor 2: the Glorot variance on equal widths.
    ([Fault(INIT, "return 2 / fan_in  #", "return 1 / fan_in  #")], {"relu": "He: ½ d Var(W)"}),
    # Glorot from the fan-in alone: equal on the square layers, not on 784 → 256.
    ([Fault(INIT, "return 2 / (fan_in + fan_out)  #", "return 1 / fan_in  #")], {"ex2": "Glorot: 2 / (784 + 256)"}),
    # The uniform bound without the √3.
    ([Fault(INIT, "a = np.sqrt(3 * variance)", "a = np.sqrt(variance)")], {"ex3": "within ±a"}),
    # (B2) in the stacked code without the transpose: on square layers every shape still fits.
    ([Fault(INIT, "(W[l + 1].swapaxes(-1, -2) @ delta[l + 1])", "(W[l + 1] @ delta[l + 1])")],
     {"check-stacked": "product form"}),
    # (B2) without g′.
    ([Fault(INIT, "@ delta[l + 1]) * g.prime(z[l])  # (B2)", "@ delta[l + 1])  # (B2)")],
     {"check-stacked": "product form", "variances": "E[δ(1)²] = d Var(W) E[g′²]"}),
    # (F1) with the wrong layer's weights.
    ([Fault(INIT, "z.append(W[l] @ a[l - 1])", "z.append(W[max(l - 1, 1)] @ a[l - 1])")], {"check-stacked": "forward()"}),
    # The book's own (B2) with g in place of g′: the explicit product disagrees.
    ([Fault(NET, "delta[l] = (W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "delta[l] = (W[l + 1].T @ delta[l + 1]) * g[l](z[l])")],
     {"product": "product form = (B2) repeated"}),
    # tanh′ = 1 − tanh: every code path agrees with itself, but the factor exceeds the bound d Var(W) max tanh′².
    ([Fault(ACT, "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)")], {"tanh-sigmoid": "tanh, naive: factor ≤"}),
    # The jackknife's standard error 1/N times too small: the measurements no longer fit their predictions.
    ([Fault(INIT, "np.sqrt((N - 1) / N * np.sum(", "np.sqrt((N - 1) / N**3 * np.sum(")], {"variances": "= d Var(W) E["}),
    # The generator's claims, each made false.
    ([Fault(GEN, "TOL_SE = 4.0", "TOL_SE = 0.05")], {"variances": "SE"}),
    ([Fault(GEN, '"ReLU, {scheme}: E[a({l})²] = ½ E[z({l})²]", lambda a, z: a / z, q["a"][l], q["z"][l], expected=0.5',
            '"ReLU, {scheme}: E[a({l})²] = ½ E[z({l})²]", lambda a, z: a / z, q["a"][l], q["z"][l], expected=1.0')],
     {"relu": "E[a(1)²] = ½ E[z(1)²]"}),
    ([Fault(GEN, "k = D * variance(scheme) / 2\n    for l", "k = D * variance(scheme)\n    for l")], {"relu": "= (½ d Var W)^11"}),
    ([Fault(GEN, "0.5 < rms_ratio(run(\"relu\", \"he\")[0])[0] < 2", "2 < rms_ratio(run(\"relu\", \"he\")[0])[0] < 4")],
     {"relu": "neither vanishes nor explodes"}),
    ([Fault(GEN, "shapes = [(5, 5), (5, 4), (4, 4), (4, 6), (6, 6), (6, 2), (2, 1)]",
            "shapes = [(5, 5), (4, 5), (4, 4), (4, 6), (6, 6), (6, 2), (2, 1)]")], {"product": "diag · W(2)ᵀ"}),
    ([Fault(GEN, "untransposed = [(5, 5), (4, 5),", "untransposed = [(5, 5), (5, 4),"),
      Fault(GEN, "(2, 6), (2, 1)]  # W instead of Wᵀ", "(6, 2), (2, 1)]  # W instead of Wᵀ"),
      Fault(GEN, "(4, 4), (6, 4), (6, 6)", "(4, 4), (4, 6), (6, 6)")], {"product": "with W in place of Wᵀ"}),
    # The independent output error replaced by δ(L) = a(L) everywhere: the (VB) checks fail, as the page says.
    ([Fault(GEN, "z, a, delta = stacked_backprop(weights(scheme, std), act, X, C)",
            "z, a, delta = stacked_backprop(weights(scheme, std), act, X, stacked_backprop(weights(scheme, std), act, X, C)[0][L])")],
     {"variances": "E[δ(11)²] = d Var(W) E[g′²] E[δ(12)²]"}),
    ([Fault(GEN, "draws()[0], z[L])  # δ⁽ᴸ⁾ = a⁽ᴸ⁾", "draws()[0], draws()[1])  # δ⁽ᴸ⁾ = a⁽ᴸ⁾")],
     {"variances": "the relation fails at layer L − 1"}),
    ([Fault(GEN, 'side("sigmoid", ctx, slope=0.25)', 'side("sigmoid", ctx, slope=0.2)')], {"tanh-sigmoid": "sigmoid, glorot: factor ≤"}),
    ([Fault(GEN, "k = D * SMALL_STD**2 / 2", "k = D * SMALL_STD**2")], {"ex4": "per-layer factor"}),
    ([Fault(GEN, "bound = D * variance(\"glorot\") * 0.25**2", "bound = D * variance(\"glorot\") * 0.25**3")],
     {"ex5": "below the bound"}),
    ([Fault(GEN, 'ctx.check.chain("the whole product", [(d[1], d[1]), (d[1], d[2])',
            'ctx.check.chain("the whole product", [(d[1], d[1]), (d[2], d[1])')], {"ex1": "the whole product"}),
    ([Fault(GEN, "W = init_weights(\"glorot\", (fan_out, fan_in), np.random.default_rng(SEED + 4))",
            "W = 1.1 * init_weights(\"glorot\", (fan_out, fan_in), np.random.default_rng(SEED + 4))")], {"ex2": "has that variance"}),
    ([Fault(GEN, 'ctx.check.close("He: ½ d Var(W) = ½ · d · 2/d = 1", D * variance("he") / 2,',
            'ctx.check.close("He: ½ d Var(W) = ½ · d · 2/d = 1", D * variance("he"),')], {"relu": "He: ½ d Var(W)"}),
    # The end-result table's d Var(W): He's variance from the Glorot formula.
    ([Fault(INIT, "return 2 / fan_in  #", "return 2 / (fan_in + fan_out)  #")], {"ends": "he: d Var(W) = 2 (by hand)"}),
    ([Fault(GEN, 'ctx.check.close("Glorot, equal widths: d Var(W) = d · 2/(d + d) = 1", D * variance("glorot"),',
            'ctx.check.close("Glorot, equal widths: d Var(W) = d · 2/(d + d) = 1", D * variance("he"),')],
     {"relu": "Glorot, equal widths"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught(NS, faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('mistakes={"transpose": factor_shape[::-1]}', 'mistakes={"transpose": factor_shape}', "ex1"),
    ('"he-instead": np.sqrt(2 / fan_in)', '"he-instead": np.sqrt(var)', "ex2"),
    ('"std-not-bound": np.sqrt(var)', '"std-not-bound": bound', "ex3"),
    ('"missing-half": 2 * k', '"missing-half": k', "ex4"),
    ('mistakes={"slope-not-squared": 0.25}', 'mistakes={"slope-not-squared": bound}', "ex5"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught(NS, [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
