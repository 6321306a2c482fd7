# docs/vanishing-gradients.md: δ⁽ˡ⁾ as a product of diag(g′) Wᵀ factors; its size layer by layer in deep
# sigmoid, tanh and ReLU networks under naive N(0, 1), Glorot and He weights; the variance arguments, checked.
#
# N seeded networks run side by side (backprop.initialization.stacked_backprop): L weight layers of width D,
# hidden layers g, a linear output, zero biases, inputs and output errors δ⁽ᴸ⁾ with independent N(0, 1) entries.
# Each measured mean square is a mean over the N independent networks; its jackknife standard error sets the
# tolerance of every variance check (TOL_SE standard errors).

from __future__ import annotations

import functools
import math

import numpy as np

from backprop import backward, forward
from backprop.activations import activation
from backprop.initialization import VARIANCES, init_network, init_weights, jackknife, per_network_mean_square, stacked_backprop
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure
from book.shapes import chain_shapes_ok, chain_svg
from book.tables import md_table, num, tex_sci

N, D, L, M, SEED = 128, 32, 12, 8, 4242  # networks, width, weight layers, examples per network, seed
ACTS, SCHEMES = ("sigmoid", "tanh", "relu"), ("naive", "glorot", "he")
NAMES = {"naive": "naive N(0, 1)", "glorot": "Glorot", "he": "He"}
SHORT = {"naive": "naive", "glorot": "Glorot", "he": "He"}  # in a table row's label, next to the activation
LABEL = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
TOL_SE = 4.0  # a variance check passes within this many standard errors
SMALL_STD = 0.01  # CS231n's "small random numbers", for an exercise
EXACT = 1e-12


@functools.cache
def draws():  # inputs and output errors shared by every run: common random numbers
    rng = np.random.default_rng(SEED)
    return rng.standard_normal((N, D, M)), rng.standard_normal((N, D, M))


@functools.cache
def weights(scheme: str, std: float | None = None):  # [None, W⁽¹⁾, ..., W⁽ᴸ⁾], each (N, D, D); one seed for every scheme
    rng = np.random.default_rng(SEED + 1)
    W = init_weights(scheme, (L, N, D, D), rng) if std is None else std * rng.standard_normal((L, N, D, D))
    return [None, *W]


def variance(scheme: str) -> float:
    return VARIANCES[scheme](D, D)


@functools.cache
def run(act: str, scheme: str, std: float | None = None):
    # Mean squares per network and layer: z⁽ˡ⁾, a⁽ˡ⁾ (a⁽⁰⁾ = x), δ⁽ˡ⁾, g′(z⁽ˡ⁾)².
    X, C = draws()
    z, a, delta = stacked_backprop(weights(scheme, std), act, X, C)
    gp = [None] + [activation(act).prime(z[l]) for l in range(1, L)] + [None]
    q = {"z": per_network_mean_square(z), "a": per_network_mean_square(a), "d": per_network_mean_square(delta),
         "g": per_network_mean_square(gp)}
    return q, z, delta


def s2(scheme: str, std: float | None = None) -> float:  # Var(W) of the run
    return variance(scheme) if std is None else std**2


def rms_ratio(q) -> np.ndarray:  # RMS of δ⁽ˡ⁾ over RMS of δ⁽ᴸ⁾, l = 1..L
    return np.sqrt(np.array([q["d"][l].mean() for l in range(1, L + 1)]) / q["d"][L].mean())


def within(ctx, label: str, stat, *cols, expected: float) -> float:
    # A measured statistic of per-network means against its prediction, within TOL_SE jackknife standard errors.
    est, se = jackknife(stat, *cols)
    z = (est - expected) / se
    ctx.check.that(label, abs(z) <= TOL_SE, f"measured {est:.4g}, predicted {expected:.4g}, {z:+.1f} SE")
    return abs(z)


def factor(act: str, scheme: str, std=None) -> float:  # the measured per-layer factor of E[δ²], geometric mean
    q = run(act, scheme, std)[0]
    return float((q["d"][1].mean() / q["d"][L].mean()) ** (1 / (L - 1)))


def plot(act: str) -> str:
    series = [(NAMES[s], np.arange(1, L + 1), rms_ratio(run(act, s)[0])) for s in SCHEMES]
    svg = line_plot(series, salt=f"vanishing-gradients-{act}", title=f"Size of δ(l), {act} network",
                    desc="; ".join(f"{lab}: δ(1)/δ(L) = {ys[0]:.1e}" for lab, _, ys in series),
                    xlabel="layer l", ylabel="RMS of δ⁽ˡ⁾ / RMS of δ⁽ᴸ⁾", logy=True, figsize=(5.6, 3.8))
    return figure(svg, f"{LABEL[act]}, {L} layers of width {D}, mean over {N} networks")


def relu_checks(ctx, scheme: str) -> None:
    # He's argument for ReLU, exact in expectation: E[a²] = ½ E[z²], so each layer multiplies E[z²] and E[δ²] by ½ d Var(W).
    q = run("relu", scheme)[0]
    k = D * variance(scheme) / 2
    for l in (1, L // 2, L - 1):
        within(ctx, f"ReLU, {scheme}: E[a({l})²] = ½ E[z({l})²]", lambda a, z: a / z, q["a"][l], q["z"][l], expected=0.5)
    within(ctx, f"ReLU, {scheme}: E[z({L})²] / E[z(1)²] = (½ d Var W)^{L - 1}", lambda a, b: (a / b) ** (1 / (L - 1)),
           q["z"][L], q["z"][1], expected=k)
    within(ctx, f"ReLU, {scheme}: E[δ(1)²] / E[δ({L})²] = (½ d Var W)^{L - 1}", lambda a, b: (a / b) ** (1 / (L - 1)),
           q["d"][1], q["d"][L], expected=k)
    ctx.value(f"relu_{scheme}_k", k, digits=1 if k >= 1 else 2)
    ctx.value(f"relu_{scheme}_end", tex_sci(rms_ratio(q)[0]))


@artifact("relu")
def relu(ctx):
    # The answer's figure: ReLU under the three schemes, with He's exact per-layer factor ½ d Var(W) checked.
    for scheme in SCHEMES:
        relu_checks(ctx, scheme)
    ctx.check.close("He: ½ d Var(W) = ½ · d · 2/d = 1", D * variance("he") / 2, 1.0, tol=EXACT)
    ctx.check.close("Glorot, equal widths: d Var(W) = d · 2/(d + d) = 1", D * variance("glorot"), 1.0, tol=EXACT)
    ctx.check.that("He: E[δ²] neither vanishes nor explodes", 0.5 < rms_ratio(run("relu", "he")[0])[0] < 2,
                   f"{rms_ratio(run('relu', 'he')[0])[0]:.2f}")
    for key, v in (("N", N), ("D", D), ("L", L), ("M", M), ("Lm1", L - 1), ("samples", N * D * M), ("tol_se", int(TOL_SE))):
        ctx.value(key, v)
    return plot("relu")


@artifact("product")
def product(ctx):
    # δ⁽¹⁾ as an explicit product of diag(g′) Wᵀ matrices equals backward()'s (B2) applied L − 1 times.
    sizes = [3, 5, 4, 6, 2]
    rng = np.random.default_rng(SEED + 2)
    x, y = rng.standard_normal((sizes[0], 2)), rng.standard_normal((sizes[-1], 2))
    for act in ACTS:
        net = init_network(sizes, [act] * 3 + ["identity"], "glorot", seed=SEED + 3)
        cache = forward(net, x)
        g = backward(net, cache, y)
        for l in (1, 2, 3):
            cols = []
            for i in range(x.shape[1]):
                P = np.eye(sizes[l])
                for k in range(l, len(sizes) - 1):  # diag(g′(z⁽ᵏ⁾)) W⁽ᵏ⁺¹⁾ᵀ, left to right
                    P = P @ np.diag(net.g[k].prime(cache.z[k][:, i])) @ net.W[k + 1].T
                cols.append(P @ g.delta[-1][:, i])
            ctx.check.close(f"{act}: product form = (B2) repeated, δ({l})", np.column_stack(cols), g.delta[l], tol=EXACT)
    shapes = [(5, 5), (5, 4), (4, 4), (4, 6), (6, 6), (6, 2), (2, 1)]
    ctx.check.chain("diag · W(2)ᵀ · diag · W(3)ᵀ · diag · W(4)ᵀ · δ(4)", shapes, (5, 1))
    untransposed = [(5, 5), (4, 5), (4, 4), (6, 4), (6, 6), (2, 6), (2, 1)]  # W instead of Wᵀ
    ctx.check.that("with W in place of Wᵀ the shapes do not chain", not chain_shapes_ok(untransposed)[0], "5×5 · 4×5 breaks")
    labels = ["diag g′(z⁽¹⁾)", "W⁽²⁾ᵀ", "diag g′(z⁽²⁾)", "W⁽³⁾ᵀ", "diag g′(z⁽³⁾)", "W⁽⁴⁾ᵀ", "δ⁽⁴⁾"]
    svg = chain_svg(list(zip(labels, shapes, strict=True)), ("δ⁽¹⁾", (5, 1)), salt="vanishing-gradients-product",
                    title="Shapes of the product for δ(1)", desc=" · ".join(f"{r}×{c}" for r, c in shapes) + " gives 5×1.")
    ctx.value("product_sizes", "-".join(map(str, sizes)))
    return figure(svg, " · ".join(f"{r}×{c}" for r, c in shapes) + " → 5×1")


@artifact("check-stacked")
def check_stacked(ctx):
    # The N-network code against the book's forward() and an explicit product, for network 0; every activation
    # and every scheme once (the code path is the same, only the scale of W differs).
    X, C = draws()
    for act, scheme in zip(ACTS, SCHEMES, strict=True):
        W = weights(scheme)
        net = init_network([D] * (L + 1), [act] * (L - 1) + ["identity"], scheme)
        net.W = [None] + [W[l][0] for l in range(1, L + 1)]
        _, z, delta = run(act, scheme)
        cache = forward(net, X[0])
        ctx.check.close(f"{act}, {scheme}: z({L}) of network 0 = forward()", z[L][0], cache.z[L], tol=EXACT)
        P = np.stack([np.eye(D)] * M)  # one product per example column
        for k in range(1, L):
            P = P @ (net.g[k].prime(cache.z[k]).T[:, :, None] * net.W[k + 1].T[None])  # diag(g′(z⁽ᵏ⁾)) W⁽ᵏ⁺¹⁾ᵀ
        ctx.check.close(f"{act}, {scheme}: δ(1) of network 0 = the product form", delta[1][0],
                        (P @ C[0].T[:, :, None])[:, :, 0].T, tol=1e-10)
    return ""


@artifact("tanh-sigmoid")
def tanh_sigmoid(ctx):
    # tanh′ ≤ 1 and σ′ ≤ ¼ bound the per-layer factor by d Var(W) max g′²; the measured factors, side by side.
    return '<div class="grid bp-grid">\n' + side("tanh", ctx, slope=1.0) + "\n" + side("sigmoid", ctx, slope=0.25) + "\n</div>"


def side(act: str, ctx, slope: float) -> str:
    for scheme in SCHEMES:
        bound = D * variance(scheme) * slope**2
        f = factor(act, scheme)
        ctx.check.that(f"{act}, {scheme}: factor ≤ d Var(W) · max g′² = {bound:g}", f <= bound, f"{f:.4g}")
        ctx.value(f"{act}_{scheme}_k", f, digits=3 if f < 1 else 2)
        ctx.value(f"{act}_{scheme}_end", tex_sci(rms_ratio(run(act, scheme)[0])[0]))
    ctx.value(f"{act}_slope2", slope**2, digits=4 if slope < 1 else 0)
    return plot(act)


@artifact("variances")
def variances(ctx):
    # Glorot's one-step forward and backward relations, for every activation and scheme, layer by layer:
    #   E[z⁽ˡ⁾²] = d Var(W) E[a⁽ˡ⁻¹⁾²]   (exact in expectation)
    #   E[δ⁽ˡ⁾²] = d Var(W) E[g′(z⁽ˡ⁾)²] E[δ⁽ˡ⁺¹⁾²]   (W⁽ˡ⁺¹⁾ taken independent of δ⁽ˡ⁺¹⁾)
    rows, worst = [], 0.0
    for act in ACTS:
        for scheme in SCHEMES:
            q, v = run(act, scheme)[0], D * variance(scheme)
            zs = [within(ctx, f"{act}, {scheme}: E[z({l})²] = d Var(W) E[a({l - 1})²]", lambda z, a, v=v: z / (v * a),
                         q["z"][l], q["a"][l - 1], expected=1.0) for l in range(1, L + 1)]
            zs += [within(ctx, f"{act}, {scheme}: E[δ({l})²] = d Var(W) E[g′²] E[δ({l + 1})²]",
                          lambda d, g, d1, v=v: d / (v * g * d1), q["d"][l], q["g"][l], q["d"][l + 1], expected=1.0)
                   for l in range(1, L)]
            worst = max(worst, *zs)
            predicted = float(np.exp(np.mean([np.log(v * q["g"][l].mean()) for l in range(1, L)])))
            rows.append([run_label(act, scheme), num(predicted, 3), num(factor(act, scheme), 3)])
    # The independence the backward relation assumes fails when δ⁽ᴸ⁾ is built from the same weights: J = ½‖a⁽ᴸ⁾‖².
    q, z, _ = run("relu", "he")
    _, a_out, delta = stacked_backprop(weights("he"), "relu", draws()[0], z[L])  # δ⁽ᴸ⁾ = a⁽ᴸ⁾ = z⁽ᴸ⁾ (linear output)
    qd, v = per_network_mean_square(delta), D * variance("he")
    est, se = jackknife(lambda d, g, d1: d / (v * g * d1), qd[L - 1], q["g"][L - 1], qd[L])
    ctx.check.that("δ(L) = a(L): the relation fails at layer L − 1", (est - 1) / se > TOL_SE, f"{est:.3f}, {(est - 1) / se:+.0f} SE")
    ctx.value("own_ratio", est, digits=2)
    ctx.value("own_se", (est - 1) / se, digits=0)
    ctx.value("worst_se", worst, digits=1)
    ctx.value("n_checks", 9 * (2 * L - 1))
    ctx.value("chance", int(1 / math.erfc(TOL_SE / math.sqrt(2)) // 1000 * 1000))  # two-sided normal tail beyond TOL_SE
    ctx.value("tanh_naive_g2", float(np.mean([run("tanh", "naive")[0]["g"][l].mean() for l in range(1, L)])), digits=2)
    return md_table(["$g$, weights", "predicted", "measured"], rows, align="lrr")


def run_label(act: str, scheme: str) -> str:
    return f"{LABEL[act]}, {SHORT[scheme]}"


@artifact("ends")
def ends(ctx):
    # The nine runs' end result, RMS δ⁽¹⁾ / RMS δ⁽ᴸ⁾, next to the d Var(W) that sets the scale of every factor.
    by_hand = {"naive": D, "glorot": 1, "he": 2}  # d · 1, d · 2/(d + d), d · 2/d on equal widths
    for scheme in SCHEMES:
        ctx.check.close(f"{scheme}: d Var(W) = {by_hand[scheme]} (by hand)", D * variance(scheme), by_hand[scheme], tol=EXACT)
    rows = [[run_label(act, scheme), f"{D * variance(scheme):g}", f"${tex_sci(rms_ratio(run(act, scheme)[0])[0])}$"]
            for act in ACTS for scheme in SCHEMES]
    return md_table(["$g$, weights", "$d\\,\\mathrm{Var}(W)$", "RMS $\\delta^{(1)}$ / $\\delta^{(L)}$"], rows, align="lrr")


# Exercises


@artifact("ex1")
def ex1(ctx):
    # Shapes in δ⁽¹⁾ = diag(g′(z⁽¹⁾)) W⁽²⁾ᵀ diag(g′(z⁽²⁾)) W⁽³⁾ᵀ diag(g′(z⁽³⁾)) W⁽⁴⁾ᵀ δ⁽⁴⁾ for 784-256-128-64-10.
    d = [784, 256, 128, 64, 10]
    W3 = (d[3], d[2])  # W⁽³⁾ is d₃ × d₂
    factor_shape = ctx.check.chain("diag(g′(z(2))) W(3)ᵀ", [(d[2], d[2]), W3[::-1]])
    full = ctx.check.chain("the whole product", [(d[1], d[1]), (d[1], d[2]), (d[2], d[2]), (d[2], d[3]), (d[3], d[3]),
                                                 (d[3], d[4]), (d[4], 1)], (d[1], 1))
    ctx.value("ex1_sizes", "-".join(map(str, d)))
    ctx.value("ex1_L", len(d) - 1)  # weight layers: one fewer than the widths
    ctx.answer("ex1_factor", factor_shape, mistakes={"transpose": factor_shape[::-1]})
    ctx.answer("ex1_delta", full, mistakes={"transpose": full[::-1]})
    return ""


EX2 = (784, 256)  # fan-in, fan-out


@artifact("ex2")
def ex2(ctx):
    fan_in, fan_out = EX2
    var = VARIANCES["glorot"](fan_in, fan_out)
    W = init_weights("glorot", (fan_out, fan_in), np.random.default_rng(SEED + 4))
    ctx.check.close("Glorot: 2 / (784 + 256)", var, 2 / 1040, tol=EXACT)
    se = var * np.sqrt(2 / W.size)  # standard error of a normal sample variance
    ctx.check.that("a drawn 256 × 784 Glorot matrix has that variance", abs(W.var() - var) < TOL_SE * se,
                   f"{W.var():.6f} vs {var:.6f}")
    ctx.value("ex2_in", fan_in)
    ctx.value("ex2_out", fan_out)
    ctx.value("ex2_var", var, digits=6)
    ctx.answer("ex2_std", np.sqrt(var), digits=4, mistakes={"he-instead": np.sqrt(2 / fan_in), "variance-not-std": var,
                                                          "uniform-bound": np.sqrt(3 * var)})
    return ""


EX3_FAN_IN = 512


@artifact("ex3")
def ex3(ctx):
    var = VARIANCES["he"](EX3_FAN_IN, 100)
    W = init_weights("he", (100, EX3_FAN_IN), np.random.default_rng(SEED + 5), "uniform")
    bound = float(np.sqrt(3 * var))
    ctx.check.that("every drawn He-uniform weight lies within ±a, and some near it", bool(bound * 0.99 < np.abs(W).max() <= bound),
                   f"max |W| = {np.abs(W).max():.4f}, a = {bound:.4f}")
    ctx.value("ex3_in", EX3_FAN_IN)
    ctx.answer("ex3_bound", bound, digits=4, mistakes={"std-not-bound": np.sqrt(var), "glorot-instead": np.sqrt(6 / (EX3_FAN_IN + 100))})
    ctx.value("ex3_out", 100)
    return ""


@artifact("ex4")
def ex4(ctx):
    # ReLU with W = 0.01 · randn: each layer multiplies E[δ²] by ½ d (0.01)²; measured on the N networks.
    q = run("relu", "naive", SMALL_STD)[0]
    k = D * SMALL_STD**2 / 2
    within(ctx, f"ReLU, std {SMALL_STD}: per-layer factor", lambda a, b: (a / b) ** (1 / (L - 1)), q["d"][1], q["d"][L], expected=k)
    ctx.value("ex4_std", SMALL_STD, digits=2)
    ctx.value("ex4_end", tex_sci(np.sqrt(k) ** (L - 1)))
    ctx.answer("ex4_k", k, digits=4, mistakes={"missing-half": 2 * k, "std-vs-variance": D * SMALL_STD / 2})
    return ""


@artifact("ex5")
def ex5(ctx):
    # Sigmoid with Glorot on equal widths: d Var(W) = 1, σ′ ≤ ¼, so the factor is at most 1/16.
    bound = D * variance("glorot") * 0.25**2
    f = factor("sigmoid", "glorot")
    ctx.check.that("the measured factor is below the bound", f <= bound, f"{f:.4f} ≤ {bound:.4f}")
    ctx.answer("ex5_bound", bound, digits=4, mistakes={"slope-not-squared": 0.25})
    return ""
