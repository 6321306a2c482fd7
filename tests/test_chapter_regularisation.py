"""The regularisation chapter's checks catch wrong formulas: each test injects one fault (a source edit in a private
copy, chapter_tools.Fault) and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

NS = "regularisation"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "regularisation.md"
ALL = {"training", "gradient", "conventions", "sgd", "adam", "ex1", "ex2", "ex3", "ex4", "ex5"}
REG, GEN = "backprop/regularization.py", "generators/regularisation.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert "<svg" in outputs["training"]
    assert all("checks passed" in text for text in outputs.values())
    # The factor in front of W for each convention, by hand: λ, λ/m, 2λ, λ with λ = 0.1, m = 5.
    assert [values[f"{NS}.k_{n}"]["text"] for n in ("mean_half", "mean_half_m", "mean_full", "sum_half")] == \
        ["0.10", "0.02", "0.20", "0.10"]
    assert values[f"{NS}.ex3_omega"]["expect"]["text"] == "0.0010"  # ηλ = 0.1 · 0.01
    assert values[f"{NS}.ex4_l2"]["expect"]["text"] == "1.900" and values[f"{NS}.ex4_adamw"]["expect"]["text"] == "1.800"
    assert len([v for k, v in values.items() if k.startswith(NS) and v["kind"] == "answer"]) >= 3


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "regularisation/([a-z0-9-]+)\.md"', text)) == ALL
    for label in ("B3-batch", "B4-batch"):
        assert f'--8<-- "includes/equations.md:{label}"' in text
    for section in ("penalty", "sgd", "adam"):
        assert f'--8<-- "scripts/backprop/regularization.py:{section}"' in text
    assert text.index('!!! abstract "The answer"') < text.index("## ")
    assert '!!! success "Shape check"' in text


FAULTS = [
    # The penalty's gradient 2λW (the ½ forgotten in the gradient only).
    ([Fault(REG, "grads.dW[l] + 2 * c * net.W[l]", "grads.dW[l] + 4 * c * net.W[l]")],
     {"gradient": "∂J/∂W(1) vs FD", "conventions": "mean_half: k = 0.1"}),
    # The sign of the penalty's gradient.
    ([Fault(REG, "grads.dW[l] + 2 * c * net.W[l]", "grads.dW[l] - 2 * c * net.W[l]")], {"gradient": "∂J/∂W(1) vs FD"}),
    # The biases penalised in the gradient only: finite differences see it.
    ([Fault(REG, "# grads.db[l] unchanged: the biases carry no penalty", "grads.db[l] = grads.db[l] + 2 * c * net.b[l]")],
     {"gradient": "∂J/∂b(1) vs FD"}),
    # The biases penalised in the loss and the gradient alike: finite differences agree, the convention check does not.
    ([Fault(REG, "# grads.db[l] unchanged: the biases carry no penalty", "grads.db[l] = grads.db[l] + 2 * c * net.b[l]"),
      Fault(REG, "return coef * sum(float(np.sum(net.W[l] ** 2)) for l in range(1, net.L + 1))",
            "return coef * sum(float(np.sum(net.W[l] ** 2) + np.sum(net.b[l] ** 2)) for l in range(1, net.L + 1))")],
     {"gradient": "no penalty on b"}),
    # This book's convention with λ/2m, consistently in the loss and the gradient.
    ([Fault(REG, '"mean_half": Convention("mean", lambda lam, m: lam / 2)',
            '"mean_half": Convention("mean", lambda lam, m: lam / (2 * m))')],
     {"gradient": "= λ W(1)", "conventions": "mean_half: k = 0.1"}),
    # λ/m in place of λ/2m, consistently: only the factor in front of W tells.
    ([Fault(REG, "lambda lam, m: lam / (2 * m)", "lambda lam, m: lam / m")], {"conventions": "mean_half_m: k = 0.02"}),
    # The data part of the gradient always a sum.
    ([Fault(REG, "grads = gradients(net, x, y, conv.reduction)", 'grads = gradients(net, x, y, "sum")')],
     {"gradient": "∂J/∂W(1) vs FD"}),
    # Decoupled decay scaled by η again: no longer the L2 run.
    ([Fault(REG, "return (1 - omega) * W - eta * dW", "return (1 - eta * omega) * W - eta * dW")],
     {"training": "SGD: L2 (λ) = decoupled", "sgd": "every W and b at every step", "ex3": "5 steps"}),
    # L2 in the loss forgotten in the SGD step.
    ([Fault(REG, "return W - eta * (dW + lam * W)", "return W - eta * dW")], {"sgd": "every W and b at every step"}),
    # AdamW written as Adam with L2 (the decay inside the averages): it no longer differs from Adam + L2.
    ([Fault(REG, "return (1 - omega) * W - eta * adam_direction(s, dW)", "return W - eta * adam_direction(s, dW + omega / eta * W)")],
     {"adam": "no λ on the grid", "ex4": "AdamW: (1 − ω) w", "training": "Adam: L2 (λ) ≠ AdamW"}),
    # AdamW decaying 1/η times too hard (λ passed as ω): its norm no longer grows, as the page says it does.
    ([Fault(REG, "return (1 - omega) * W - eta * adam_direction(s, dW)", "return (1 - omega / eta) * W - eta * adam_direction(s, dW)")],
     {"training": "AdamW (ω = ηλ): ‖W‖ grows"}),
    # Adam without its bias correction.
    ([Fault(REG, "m_hat, v_hat = s.m / (1 - s.beta1**s.t), s.v / (1 - s.beta2**s.t)", "m_hat, v_hat = s.m, s.v")],
     {"adam": "|ΔW| = η |u|/(|u| + ε)", "ex4": "Adam + L2: w − η u"}),
    # Adam's second moment of |g| instead of g².
    ([Fault(REG, "s.v = s.beta2 * s.v + (1 - s.beta2) * g**2", "s.v = s.beta2 * s.v + (1 - s.beta2) * np.abs(g)")],
     {"adam": "|ΔW| = η |u|/(|u| + ε)"}),
    # The training loop decays the biases too.
    ([Fault(REG, '("b", net.b, g.db, 0.0)', '("b", net.b, g.db, decay)')], {"sgd": "no decay on the biases"}),
    # A penalty gradient that is not a multiple of W.
    ([Fault(REG, "grads.dW[l] + 2 * c * net.W[l]", "grads.dW[l] + 2 * c * net.W[l] ** 3")],
     {"conventions": "mean_half: the penalty adds k W", "gradient": "∂J/∂W(1) vs FD"}),
    # The gradient transposed: its shape is no longer W's.
    ([Fault(REG, "grads.dW[l] = grads.dW[l] + 2 * c * net.W[l]", "grads.dW[l] = (grads.dW[l] + 2 * c * net.W[l]).T")],
     {"gradient": "shapes differ"}),
    # The generator's own claims, each made false.
    ([Fault(GEN, "net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)", "net.b[l] = 0 * rng.standard_normal(net.b[l].shape)")],
     {"gradient": "λ b(1) is not 0"}),
    ([Fault(GEN, 'ETA = {"sgd": 0.5, "adam": 0.05}', 'ETA = {"sgd": 1.0, "adam": 0.05}')],
     {"sgd": "decoupled with ω = λ (not rescaled)"}),
    ([Fault(GEN, 'ETA = {"sgd": 0.5, "adam": 0.05}', 'ETA = {"sgd": 1.5, "adam": 0.05}')], {"sgd": "forgetting η decays harder"}),
    ([Fault(GEN, 'EX4 = {"w": 2.0, "g": 0.5, "eta": 0.1, "lam": 0.5}', 'EX4 = {"w": 2.0, "g": 0.5, "eta": 0.1, "lam": 0.0}')],
     {"ex4": "the two new weights"}),
    ([Fault(GEN, '"mean_half_m": lambda lam, m: lam / m,', '"mean_half_m": lambda lam, m: lam / (2 * m),')],
     {"conventions": "mean_half_m: k ="}),
    ([Fault(GEN, '("mean_half_m", M * LAM)', '("mean_half_m", LAM)')], {"conventions": "(λ/2m) with mλ"}),
    ([Fault(GEN, "dW = EX_G + EX_LAM * EX_W", "dW = EX_G + 2 * EX_LAM * EX_W")], {"ex1": "G + λW vs FD"}),
    ([Fault(GEN, "db = EX_DELTA @ np.ones((4, 1))", "db = EX_DELTA @ np.ones((4, 1)) + EX_LAM * EX_B")], {"ex2": "Δ 1 vs FD"}),
    ([Fault(GEN, "omega = EX3_ETA * EX3_LAM", "omega = EX3_LAM")], {"ex3": "5 steps"}),
    ([Fault(GEN, "ours = regularized_gradients(net, X100, Y100, EX5_LAM / EX5_M,",
            "ours = regularized_gradients(net, X100, Y100, EX5_LAM,")],
     {"ex5": "(λ/2m) with λ = (λ/2) with λ/m"}),
    ([Fault(GEN, "spread = np.abs(target) / eta", "spread = np.abs(target) / eta * 0 + 1")],
     {"adam": "varies between entries"}),
    ([Fault(GEN, "stacked(r[\"adamw\"])[-1], stacked(r[\"adam_l2\"])[-1], min_rel=0.1)\n    ctx.value(\"adam_min\"",
            "stacked(r[\"adam_l2\"])[-1], stacked(r[\"adam_l2\"])[-1], min_rel=0.1)\n    ctx.value(\"adam_min\"")],
     {"adam": "after 30 steps"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught(NS, faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('"penalty-no-half": EX_G + 2 * EX_LAM * EX_W', '"penalty-no-half": EX_G + EX_LAM * EX_W', "ex1"),
    ('"bias-penalized": db + EX_LAM * EX_B', '"bias-penalized": db', "ex2"),
    ('"decay-not-rescaled": EX3_LAM,', '"decay-not-rescaled": omega,', "ex3"),
    ('"coupled-vs-decoupled": decoupled}', '"coupled-vs-decoupled": coupled}', "ex4"),
    ('"lambda-unconverted": EX5_LAM}', '"lambda-unconverted": EX5_LAM / EX5_M}', "ex5"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught(NS, [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
