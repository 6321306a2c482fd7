"""Artifacts for docs/shape-explorer.md: the static side of the shape explorer, and its test vectors.

The explorer (docs/assets/widgets/explorer.js) must answer as the reference model
(scripts/backprop/explorer.py) does on real arrays: `vectors()` records the model's answers
for seeded configurations, and the browser and Node tests replay them through the JavaScript.
"""

from __future__ import annotations

import itertools
import random

import numpy as np

from backprop.explorer import CONVENTIONS, FAULTS, LAYOUTS, Writer, build, explore, flatten, multiply
from backprop.gradcheck import loss_of_param, numerical_gradient
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg
from book.tables import md_table

VECTOR_SEED = 10_2026
DEFAULT = {"widths": [2, 3, 2], "m": 1, "convention": "columns", "layout": "denominator", "faults": []}
QUESTION = {**DEFAULT, "faults": ["sigma-vector", "w-not-transposed"]}
SQUARE = {**DEFAULT, "widths": [3, 3, 3], "m": 3}
# The explorers embedded in chapters, by the page that embeds them; the page's data-* attributes
# must give the same configuration (a test compares them with the published data).
EMBEDS = {
    "layouts": QUESTION,
    "minibatches": {**DEFAULT, "widths": [3, 5, 2], "m": 4, "convention": "pytorch"},
}
FAULT_NAMES = {
    "sigma-vector": "σ′ as a vector",
    "w-not-transposed": "W not transposed",
    "twice": "a factor written twice",
    "wrong-layer": "the wrong layer's W",
    "dw-transposed": "dW = a δᵀ",
    "bias-axis": "the bias summed over the wrong axis",
    "mean-twice": "1/m applied twice",
}
SHORT = {"delta": "δ", "W": "∂W", "b": "∂b", "a": "∂a"}
VERDICTS = {"correct": "correct", "mismatch": "no product", "shape": "wrong shape", "values": "right shape, wrong values"}


# ---------------------------------------------------------------------------
# Test vectors


def _random_config(rng: random.Random, faults: list[str]) -> dict:
    """Widths and m, biased towards the cases that matter: square layers, widths and batches of 1, big sizes."""
    L = rng.choice([1, 1, 2, 2, 2, 3, 4, 5, 8])
    kind = rng.random()
    if kind < 0.3:  # square: every width equal to m, where shape checks cannot catch a wrong formula
        n = rng.choice([1, 2, 3, 4, 7])
        widths, m = [n] * (L + 1), n
    elif kind < 0.5:  # ones everywhere it hurts
        widths, m = [rng.choice([1, 1, 2]) for _ in range(L + 1)], rng.choice([1, 1, 2])
    elif kind < 0.6:  # one big dimension (the explorer clamps what it draws)
        widths, m = [rng.randint(1, 9) for _ in range(L + 1)], rng.randint(1, 9)
        if rng.random() < 0.5:
            widths[rng.randrange(L + 1)] = rng.choice([128, 999])
        else:
            m = rng.choice([64, 999])
    else:
        widths, m = [rng.randint(1, 8) for _ in range(L + 1)], rng.randint(1, 8)
    return {"widths": widths, "m": m, "convention": rng.choice(CONVENTIONS), "layout": rng.choice(LAYOUTS), "faults": faults}


def vector_configs(n: int = 240, seed: int = VECTOR_SEED) -> list[dict]:
    """Every convention × layout with no fault and with each fault alone, then random mixtures."""
    rng = random.Random(seed)
    configs = [DEFAULT, QUESTION, SQUARE, {**SQUARE, "faults": ["w-not-transposed"]}]
    for convention, layout, fault in itertools.product(CONVENTIONS, LAYOUTS, [None, *FAULTS]):
        config = _random_config(rng, [] if fault is None else [fault])
        configs.append({**config, "convention": convention, "layout": layout})
    while len(configs) < n:
        configs.append(_random_config(rng, [f for f in FAULTS if rng.random() < 0.3]))
    return configs


def vectors(n: int = 240, seed: int = VECTOR_SEED) -> list[dict]:
    """The reference model's full answer for n seeded configurations (plain JSON data)."""
    return [explore(config) for config in vector_configs(n, seed)]


# ---------------------------------------------------------------------------
# Helpers


def shapes_text(chain: dict) -> str:
    """`W⁽²⁾ᵀ 3×2 · δ⁽²⁾ 2×1 ⊙ g′(z⁽¹⁾) 3×1`, with the group's parentheses."""
    g, parts = chain["group"], []
    for i, f in enumerate(chain["factors"]):
        shape = "×".join(map(str, f["shape"])) or "scalar"
        opens, closes = g and i == g["first"], g and i == g["last"]
        text = ("(" if opens else "") + f"{f['symbol']} ({shape})" + (")" + ("ᵀ" if g["T"] else "") if closes else "")
        parts.append((f"{f['op']} " if f["op"] else "") + text)
    return " ".join(parts)


def verdict_cell(chains: list[dict]) -> str:
    """Which chains of one layer end how: 'no product: δ, ∂W; correct: ∂b'."""
    by = {v: [SHORT[c["name"]] for c in chains if c["verdict"] == v] for v in ("mismatch", "shape", "values", "correct")}
    return "; ".join(f"{VERDICTS[v]}: {', '.join(names)}" for v, names in by.items() if names)


def record_reference(ctx, config: dict) -> None:
    """Every chain of `config` that the model calls correct equals network.backward (real arrays)."""
    for row in build(config):
        for chain, value in row:
            ctx.check.close(f"{chain.target} ({chain.name} chain) = network.backward", value, chain.expected, tol=1e-12,
                            how="the chain, multiplied out, equals the reference gradient")


# ---------------------------------------------------------------------------
# Artifacts


@artifact("fallback")
def fallback(ctx):
    """What a reader without JavaScript sees in place of the explorer: its starting configuration."""
    model = explore(DEFAULT)
    record_reference(ctx, DEFAULT)
    writer = Writer(DEFAULT)  # the same seeded network: its chains against central differences of J
    for l in range(1, writer.L + 1):
        for chain in writer.chains(l):
            if chain.name in ("W", "b"):
                value, _ = multiply(*flatten(chain.items))
                J = loss_of_param(writer.net, writer.x, writer.y, chain.name, l, reduction="mean")
                ctx.check.gradient(f"{chain.target} by its chain", value, numerical_gradient(J, getattr(writer.net, chain.name)[l].copy()))
    rows = []
    for layer in model["layers"]:
        for c in layer["chains"]:
            ctx.check.that(f"{c['target']}: the default chain is correct", c["verdict"] == "correct", "shapes and values match")
            rows.append([c["target"], shapes_text(c), "×".join(map(str, c["result"]))])
    question = explore(QUESTION)["layers"][0]["chains"][1]  # ∂J/∂W⁽¹⁾ with the question's two shape faults
    factors, _ = flatten(build(QUESTION)[0][1][0].items)
    arrays = [f.value for f in factors]
    ctx.check.that("with the question's faults, ∂J/∂W⁽¹⁾ is the question's chain",
                   [list(a.shape) for a in arrays] == [[2, 1], [2, 3], [3, 1], [1, 2]], "2×1 · 2×3 · 3×1 · 1×2")
    ctx.check.raises("the question's chain cannot be multiplied", lambda: np.linalg.multi_dot(arrays), ValueError)
    failed = question["steps"][-1]
    ctx.check.that("the model marks the first product", (failed["left"], failed["right"], failed["result"]) == ([0, 0], [1, 1], None),
                   "the product of factors 1 and 2 is the one that fails")
    svg = chain_svg([(f["symbol"], tuple(f["shape"])) for f in question["factors"]], None, salt="bpx-fallback-question",
                    title="The question's chain for the hidden weights",
                    desc=", ".join(f"{f['symbol']} {'×'.join(map(str, f['shape']))}" for f in question["factors"])
                    + ": the first product does not conform.")
    table = md_table(["chain", "factors and their shapes", "result"], rows, align="llc")
    return table + "\n\n" + figure(svg, "The question's chain for ∂J/∂W⁽¹⁾")


def result_cell(chain: dict) -> str:
    """How one chain ends: its result's shape, or where and why it fails."""
    dims = "×".join(map(str, chain["result"] or [])) or "scalar"
    if chain["verdict"] == "mismatch":
        step = chain["steps"][-1]
        return f"product {len(chain['steps'])} does not conform: " + " · ".join("×".join(map(str, s)) or "scalar" for s in step["shapes"])
    if chain["verdict"] == "shape":
        return f"wrong shape: {dims}, needs " + "×".join(map(str, chain["expected"]))
    if chain["verdict"] == "values":
        return f"{dims}, wrong values"
    return dims


def embed_fallback(ctx, page: str):
    """The static view of the explorer embedded in docs/<page>.md: every chain of every layer."""
    config = EMBEDS[page]
    ctx.publish_data(f"embed-{page}", config)  # tests/test_chapter_shape_explorer.py holds the page's data-* to it
    model = explore(config)
    arrays = build(config)  # every chain on real arrays, against network.backward
    writer = Writer(config)  # the same seeded network as build's
    rows = []
    for layer, row in zip(model["layers"], arrays, strict=True):
        for c, (chain, value) in zip(layer["chains"], row, strict=True):
            label = f"{c['target']} (layer {layer['l']})"
            if c["verdict"] == "mismatch":
                ctx.check.that(f"{label}: no product", value is None, result_cell(c))
            elif c["verdict"] == "shape":
                ctx.check.that(f"{label}: wrong shape", value.shape != chain.expected.shape, result_cell(c))
            elif c["verdict"] == "values":
                ctx.check.differ(f"{label} differs from the reference", value, chain.expected)
            else:
                ctx.check.close(f"{label} = network.backward", value, chain.expected, tol=1e-12,
                                how="the chain, multiplied out, equals the reference gradient")
                if chain.name in ("W", "b"):  # and against central differences of J, which share no code with it
                    param = getattr(writer.net, chain.name)[layer["l"]]
                    J = loss_of_param(writer.net, writer.x, writer.y, chain.name, layer["l"], reduction="mean")
                    ctx.check.gradient(f"{label} by its chain", value.reshape(param.shape) if chain.name == "b" else value,
                                       numerical_gradient(J, param.copy()))
            rows.append([c["target"], shapes_text(c), result_cell(c)])
    return md_table(["chain", "factors and their shapes", "result"], rows, align="lll")


@artifact("embed-layouts")
def embed_layouts(ctx):
    """docs/layouts.md: the question's network and its two shape faults."""
    return embed_fallback(ctx, "layouts")


@artifact("embed-minibatches")
def embed_minibatches(ctx):
    """docs/minibatches.md: a batch of four in PyTorch rows."""
    return embed_fallback(ctx, "minibatches")


@artifact("faults")
def faults_table(ctx):
    """Each fault alone, on the question's network and on a square one."""
    cases = [("2-3-2, m = 1", DEFAULT), ("3-3-3, m = 3", SQUARE)]
    rows = []
    for fault in FAULTS:
        layers = [explore({**base, "faults": [fault]})["layers"][0]["chains"] for _, base in cases]
        ctx.check.that(f"{fault} changes some chain of layer 1", any(c["verdict"] != "correct" for chains in layers for c in chains),
                       " | ".join(verdict_cell(chains) for chains in layers))
        rows.append([FAULT_NAMES[fault], *(verdict_cell(chains) for chains in layers)])
    # The point of the square column: no fault there breaks a shape, yet no fault is harmless.
    square = [explore({**SQUARE, "faults": [f]})["layers"][0]["chains"] for f in FAULTS if f not in ("bias-axis",)]
    ctx.check.that("in 3-3-3 with m = 3 every fault but the bias axis keeps every shape",
                   all(c["verdict"] in ("correct", "values") for chains in square for c in chains), "no chain breaks a shape")
    return md_table(["fault", *(name for name, _ in cases)], rows, align="lll")


@artifact("vectors")
def vectors_summary(ctx):
    """The test vectors: what they cover and what the reference said."""
    data = vectors()
    ctx.publish_data("vectors", data)  # generated/shape_explorer/vectors.json: the explorer's drift tests replay it
    configs = [v["config"] for v in data]
    covered = {(c["convention"], c["layout"], f) for c in configs for f in c["faults"] or [None]}
    wanted = set(itertools.product(CONVENTIONS, LAYOUTS, [None, *FAULTS]))
    ctx.check.that("every convention × layout × fault (and none) appears", wanted <= covered, f"{len(wanted)} combinations")
    ctx.check.that("at least 200 configurations", len(data) >= 200, f"{len(data)} configurations")
    clean = [v for v in data if not v["config"]["faults"]]
    ctx.check.that("without faults every chain is correct",
                   all(c["verdict"] == "correct" for v in clean for layer in v["layers"] for c in layer["chains"]),
                   f"{len(clean)} fault-free configurations reproduce network.backward")
    counts = {k: 0 for k in VERDICTS}
    for v in data:
        for layer in v["layers"]:
            for c in layer["chains"]:
                counts[c["verdict"]] += 1
    ctx.check.that("every verdict occurs", all(counts.values()), str(counts))
    ctx.value("n_vectors", str(len(data)))
    ctx.value("n_chains", str(sum(counts.values())))
    rows = [[VERDICTS[k], str(n)] for k, n in counts.items()]
    return md_table(["the reference's verdict", "chains"], rows, align="lr")


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    config = {"widths": [784, 128, 10], "m": 32, "convention": "pytorch", "layout": "denominator", "faults": []}
    layer = explore(config)["layers"][0]["chains"]
    record_reference(ctx, config)
    wrong = explore({**config, "faults": ["bias-axis"]})["layers"][0]["chains"][2]
    ctx.check.that("the wrong-axis bias conforms but has the wrong shape", wrong["verdict"] == "shape",
                   f"{wrong['result']} instead of {wrong['expected']}")
    rows = [[c["target"], shapes_text(c), "×".join(map(str, c["result"]))] for c in layer]
    rows.append([f"{wrong['target']}, wrong axis", shapes_text(wrong), "×".join(map(str, wrong["result"]))])
    ctx.value("ex1_wrong", tuple(wrong["result"]))  # the page's solution cites both shapes
    ctx.value("ex1_bias", tuple(wrong["expected"]))
    return md_table(["chain", "factors", "result"], rows, align="llc")


@artifact("ex2")
def ex2(ctx):
    fits, sizes = [], range(1, 5)
    for d1, d2, m in itertools.product(sizes, sizes, sizes):
        chains = explore({**DEFAULT, "widths": [2, d1, d2], "m": m, "faults": ["w-not-transposed"]})["layers"][0]["chains"]
        if chains[0]["verdict"] != "mismatch":
            fits.append((d1, d2, m, chains[0]["verdict"]))
    ctx.check.that("δ⁽¹⁾ with W not transposed conforms exactly when d₁ = d₂ = m",
                   {(d1, d2, m) for d1, d2, m, _ in fits} == {(n, n, n) for n in sizes}, f"{len(fits)} of {len(sizes) ** 3} cases")
    ctx.check.that("and then its values are wrong unless everything is 1×1",
                   all((v == "correct") == (d1 == 1) for d1, _, _, v in fits), "checked on real arrays")
    ctx.value("ex2_fits", len(fits))
    ctx.value("ex2_cases", len(sizes) ** 3)
    ctx.value("ex2_max", max(sizes))
    return ""


@artifact("ex3")
def ex3(ctx):
    verdicts = {}
    for m in (1, 4):
        config = {**DEFAULT, "widths": [3, 5, 2], "m": m, "faults": ["mean-twice"]}
        chain, value = build(config)[1][1]  # layer 2, the ∂J/∂W chain
        ctx.check.close(f"m = {m}: the doubled 1/m makes ∂J/∂W⁽²⁾ m times too small", m * value, chain.expected, tol=1e-12)
        verdicts[m] = explore(config)["layers"][1]["chains"][1]["verdict"]
    ctx.check.that("the explorer: correct for m = 1, wrong values for m = 4",
                   verdicts == {1: "correct", 4: "values"}, str(verdicts))
    return ""
