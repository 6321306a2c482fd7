# Artifacts for docs/gradient-checking.md: ∂J/∂W(1) of the 2-3-2 network (book numbering) by central and forward
# differences, in float64 and float32, against the float64 backprop gradient by the book's relative error.

from __future__ import annotations

import functools
import math

import numpy as np

from backprop import Network, gradients, init_network, multiply, numerical_gradient, relative_error, worked_example
from backprop.activations import activation
from backprop.gradcheck import loss_of_param
from backprop.jacobians import chain_denominator
from backprop.network import forward
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure
from book.tables import md_table, num, tex_bound, tex_sci

STEPS = 10.0 ** (-np.arange(4, 49) / 4)  # from 1e-1 down to 1e-12, four per decade
DEFAULT_H = 1e-5  # backprop.gradcheck's default step
SCHEMES, DTYPES = ("central", "forward"), ("float64", "float32")
EXPECTED_SLOPE = {"central": 2.0, "forward": 1.0}
WRONG, UNEASY, KINKS_ONLY = 1e-2, 1e-4, 1e-7  # CS231n's bands (cs231n.github.io/neural-networks-3/#gradcheck)
READINGS = ("happy", "okay with kinks", "uncomfortable", "probably wrong")
SIGMA = activation("sigmoid")
Z_NEAR_KINK, Z_FAR = 3e-6, 0.1  # the ReLU example's z(1)_1: next to the kink, and away from it
DEPTHS = (1, 2, 4, 6, 8, 10)  # weight layers of the sigmoid networks in "depth"


def reading(err: float) -> str:  # CS231n's reading of a relative error: the band it falls in
    return READINGS[sum(err > bound for bound in (KINKS_ONLY, UNEASY, WRONG))]


def rel_error_sum(a, n) -> float:  # the CS231n assignments' helper: |a − n| / max(1e-8, |a| + |n|), worst entry
    return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))


def example_in(dtype: str):  # the 2-3-2 network, input and target with every array in `dtype`
    net, x, y, _, _ = worked_example()
    net.W, net.b = ([None, *(A.astype(dtype) for A in P[1:])] for P in (net.W, net.b))
    return net, x.astype(dtype), y.astype(dtype)


def le(x: float) -> str:  # a round-off sized number for a table: its power-of-ten bound
    return f"$\\le {tex_bound(x)}$"


def backprop_dW1():
    return worked_example()[4].dW[1]  # (B3), float64

def forward_difference(f, X, h: float):  # (f(X + h e_i) − f(X)) / step, dividing by the step actually stored in X
    grad, f0 = np.zeros(X.shape), float(f(X))
    for i in np.ndindex(X.shape):
        old = X[i]
        X[i] = old + h
        step, f_plus = float(X[i]) - float(old), float(f(X))
        X[i] = old
        grad[i] = (f_plus - f0) / step
    return grad


def estimate(scheme: str, dtype: str, h: float):  # ∂J/∂W(1) by finite differences in `dtype`; None once W + h = W
    net, x, y = example_in(dtype)
    J, W = loss_of_param(net, x, y, "W", 1), net.W[1].copy()
    try:
        return numerical_gradient(J, W, h) if scheme == "central" else forward_difference(J, W, h)
    except ZeroDivisionError:
        return None


@functools.cache
def sweep():  # {(dtype, scheme): (steps, relative errors against the float64 backprop gradient)}
    exact, out = backprop_dW1(), {}
    for dtype in DTYPES:
        for scheme in SCHEMES:
            estimates = [(h, g) for h in STEPS if (g := estimate(scheme, dtype, h)) is not None]  # stops where W + h = W
            out[(dtype, scheme)] = (np.array([h for h, _ in estimates]), np.array([relative_error(exact, g) for _, g in estimates]))
    return out


@artifact("step-size")
def step_size(ctx):
    data, series = sweep(), []
    ctx.check.shape("∂J/∂W(1) like W(1)", backprop_dW1(), (3, 2))
    for (dtype, scheme), (hs, errs) in data.items():
        best = int(np.argmin(errs))
        window = hs >= 3 * hs[best]  # the truncation side
        slope = float(np.polyfit(np.log10(hs[window]), np.log10(errs[window]), 1)[0])
        eps = float(np.finfo(dtype).eps)
        thumb = eps ** (1 / 3) if scheme == "central" else eps**0.5
        label = f"{dtype} {scheme}"
        ctx.check.that(f"{label}: slope ≈ {EXPECTED_SLOPE[scheme]:g}", abs(slope - EXPECTED_SLOPE[scheme]) <= 0.25, f"{slope:.2f}")
        ctx.check.that(f"{label}: round-off grows", errs[-1] >= 100 * errs[best], f"{errs[-1]:.0e}")
        ctx.check.that(f"{label}: best h ≈ rule", abs(math.log10(hs[best] / thumb)) <= 2, f"{hs[best]:.0e}")
        for name, v in (("best_h", tex_sci(hs[best])), ("best_err", tex_bound(errs[best])), ("slope", num(slope, 2)),
                        ("thumb", tex_sci(thumb))):
            ctx.value(f"{name}_{dtype}_{scheme}", v)
        series.append((f"{dtype}, {scheme}", hs, errs))
    best = {k: float(v[1].min()) for k, v in data.items()}
    for dtype in DTYPES:
        ctx.check.that(f"{dtype}: central beats forward", best[(dtype, "central")] < best[(dtype, "forward")],
                       f"{best[(dtype, 'central')]:.0e}")
    ctx.check.that("float64 central: below 1e-9", best[("float64", "central")] < 1e-9, f"{best[('float64', 'central')]:.0e}")
    ctx.check.that("float32: never below 1e-5", best[("float32", "central")] > 1e-5, f"{best[('float32', 'central')]:.0e}")
    h64 = data[("float64", "central")][0][np.argmin(data[("float64", "central")][1])]
    ctx.check.that("h = 1e-5 ≈ best", abs(math.log10(h64 / DEFAULT_H)) <= 0.5, f"{h64:.1e}")
    ctx.value("n_steps", len(STEPS))
    bits = round(math.log2(np.finfo(np.float32).eps / np.finfo(np.float64).eps))
    ctx.value("eps_ratio", rf"2^{{{bits}}}")
    ctx.value("f32_last_h", tex_sci(data[("float32", "central")][0][-1]))
    svg = line_plot(series, salt="gradient_checking-step-size", title="Relative error against the step h",
                    desc="; ".join(f"{lab}: best error {e.min():.0e}" for lab, _, e in series),
                    xlabel="step h", ylabel="relative error vs backprop", logx=True, logy=True, figsize=(6.4, 4.0))
    return figure(svg, "∂J/∂W⁽¹⁾, 2-3-2 network")


@artifact("relative-error")
def relative_error_table(ctx):
    exact, numeric = backprop_dW1(), estimate("central", "float64", DEFAULT_H)
    err = ctx.check.gradient("∂J/∂W(1), h = 1e-5", exact, numeric)
    per_entry = np.abs(exact - numeric) / np.maximum(np.abs(exact), np.abs(numeric))
    ctx.check.close("max |a − n| / max(|a|, |n|)", err, float(per_entry.max()), tol=1e-12)
    summed = rel_error_sum(exact, numeric)
    ctx.check.that("sum form: ½ to 1 × max form", err / 2 <= summed <= err, f"{summed:.0e}")
    net, x, y = example_in("float64")
    big = numerical_gradient(lambda W: 1024 * loss_of_param(net, x, y, "W", 1)(W), net.W[1].copy())
    ctx.check.close("1024 J: same error", relative_error(1024 * exact, big), err, tol=1e-12)
    ctx.check.that("1024 J: absolute error grows", np.max(np.abs(1024 * exact - big)) > 100 * np.max(np.abs(exact - numeric)), "≥ 100×")
    worst = np.unravel_index(np.argmax(per_entry), per_entry.shape)
    ctx.value("default_err", tex_bound(err))
    ctx.value("worst_entry", f"W^{{(1)}}_{{{worst[0] + 1}{worst[1] + 1}}}")
    rows = [[f"$({i + 1}, {j + 1})$", num(exact[i, j], 8), num(numeric[i, j], 8), le(exact[i, j] - numeric[i, j]),
             le(per_entry[i, j])] for i, j in np.ndindex(exact.shape)]
    return md_table(["entry", "$a$", "$n$", "$\\lvert a-n\\rvert$", "relative"], rows, align="lrrrr")


def dW1_by_hand(net, x, y, hidden_prime):  # (B1)-(B3) with the hidden layer's g' passed in (to plant bugs)
    cache = forward(net, x)
    delta2 = (cache.a[2] - y) * cache.a[2] * (1 - cache.a[2])  # (B1), sigmoid output, squared error
    return ((net.W[2].T @ delta2) * hidden_prime(cache.z[1], cache.a[1])) @ x.T  # (B2), (B3)


def relu_net(z_first: float):  # the 2-3-2 weights, ReLU hidden units, linear output; b(1) set so that z(1)_1 = z_first
    net, x, y, _, _ = worked_example()
    b1 = net.b[1].copy()
    b1[0, 0] = z_first - (net.W[1] @ x)[0, 0]
    return Network(W=net.W, b=[None, b1, net.b[2]], activations=[None, "relu", "identity"], loss="squared_error"), x, y


def relu_check(z_first: float, h: float):
    net, x, y = relu_net(z_first)
    return net, x, y, gradients(net, x, y).dW[1], numerical_gradient(loss_of_param(net, x, y, "W", 1), net.W[1].copy(), h)


@artifact("thresholds")
def thresholds(ctx):
    net, x, y = example_in("float64")
    exact, numeric = backprop_dW1(), estimate("central", "float64", DEFAULT_H)
    ctx.check.close("(B1)-(B3) by hand", dW1_by_hand(net, x, y, lambda z, a: a * (1 - a)), exact, tol=1e-14)
    hs32, errs32 = sweep()[("float32", "central")]
    cases = {  # name: (relative error, gradient right?, the reading expected)
        "f64": (relative_error(exact, numeric), True, "happy"),
        "f32_best": (float(errs32.min()), True, "okay with kinks"),
        "f32_default": (relative_error(exact, estimate("central", "float32", DEFAULT_H)), True, "probably wrong"),
        "relu_kink": (relative_error(*relu_check(Z_NEAR_KINK, DEFAULT_H)[3:]), True, "probably wrong"),
        "bug_ones": (relative_error(dW1_by_hand(net, x, y, lambda z, a: np.ones_like(z)), numeric), False, "probably wrong"),
        "bug_at_a": (relative_error(dW1_by_hand(net, x, y, lambda z, a: SIGMA.prime(a)), numeric), False, "probably wrong"),
        "doubled": (relative_error(2 * exact, numeric), False, "probably wrong"),
    }
    ctx.check.close("a doubled gradient scores ½", cases["doubled"][0], 0.5, tol=1e-8)
    for name, (err, right, expected) in cases.items():
        ctx.check.that(f"{name} ({('wrong', 'right')[right]}): {expected}", reading(err) == expected, f"{err:.1e}")
        ctx.value(f"err_{name}", num(err, 2) if err >= WRONG else tex_sci(err) if err >= KINKS_ONLY else rf"\le {tex_bound(err)}")
        ctx.value(f"read_{name}", reading(err))
    return ""


@artifact("depth")
def depth(ctx):
    rows, errs, sizes = [], [], []
    for L in DEPTHS:
        net = init_network([4] * (L + 1), "sigmoid", "squared_error", seed=3)
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(4, 1)), rng.uniform(size=(4, 1))
        dW1 = gradients(net, x, y).dW[1]
        by_jacobians = multiply(chain_denominator(net, forward(net, x), y, 1)) @ x.T  # δ(1) from real Jacobians, (B3)
        ctx.check.close(f"L = {L}: backprop = Jacobian product", dW1, by_jacobians, tol=1e-10)
        errs.append(err := relative_error(dW1, numerical_gradient(loss_of_param(net, x, y, "W", 1), net.W[1].copy())))
        sizes.append(float(np.max(np.abs(dW1))))
        rows.append([str(L), f"${tex_sci(sizes[-1])}$", le(err), reading(err)])
    ctx.check.that("the error grows with depth", bool(np.all(np.diff(errs) > 0)), " < ".join(f"{e:.0e}" for e in errs))
    ctx.check.that("the gradient shrinks with depth", bool(np.all(np.diff(sizes) < 0)), " > ".join(f"{s:.0e}" for s in sizes))
    ctx.check.that("deepest: 'uncomfortable'", reading(errs[-1]) == "uncomfortable", f"{errs[-1]:.1e}")
    ctx.value("depth_max", DEPTHS[-1])
    return md_table(["$L$", "largest gradient entry", "relative error", "reading"], rows, align="rrrl")


def crossings(net: Network, x, h: float):  # for each entry of W(1): do the units that are on differ at W ± h e_i?
    def on(i, step):
        W = net.W[1].copy()
        W[i] += step
        return Network(W=[None, W, net.W[2]], b=net.b, activations=net.activations, loss=net.loss), x

    return np.array([np.any((forward(*on(i, h)).z[1] > 0) != (forward(*on(i, -h)).z[1] > 0)) for i in np.ndindex(net.W[1].shape)]
                    ).reshape(net.W[1].shape)


@artifact("kink")
def kink(ctx):
    net, x, y, exact, rough = relu_check(Z_NEAR_KINK, DEFAULT_H)
    z1 = forward(net, x).z[1]
    ctx.check.close("z(1)_1 just above the kink", z1[0, 0], Z_NEAR_KINK, tol=1e-6)
    crossed = crossings(net, x, DEFAULT_H)
    h_safe = 10.0 ** (math.floor(math.log10(np.min(np.abs(z1)) / np.max(np.abs(x)))) - 1)  # no step this size flips a sign
    fine = numerical_gradient(loss_of_param(net, x, y, "W", 1), net.W[1].copy(), h_safe)
    ctx.check.gradient(f"at the kink point, h = {h_safe:.0e}", exact, fine)
    ctx.check.that("h = 1e-5 reads wrong", relative_error(exact, rough) > WRONG, f"{relative_error(exact, rough):.2f}")
    per_entry = np.abs(exact - rough) / np.maximum(np.abs(exact), np.abs(rough))
    ctx.check.that("bad entries = crossing entries", np.array_equal(per_entry > 1e-6, crossed), f"{int(crossed.sum())} cross")
    for j in range(2):  # the central difference averages the slope over [z − h x_j, z + h x_j] and misses the part below 0
        share = (DEFAULT_H * x[j, 0] - z1[0, 0]) / (2 * DEFAULT_H * x[j, 0])
        ctx.check.close(f"(1, {j + 1}): error = share past the kink", per_entry[0, j], share, tol=1e-4)
    ctx.check.that("no step of h_safe crosses", not crossings(net, x, h_safe).any(), f"h = {h_safe:.0e}")
    *_, far_exact, far_numeric = relu_check(Z_FAR, DEFAULT_H)
    ctx.check.gradient(f"z(1)_1 = {Z_FAR}, h = 1e-5", far_exact, far_numeric)
    for name, v in (("kink_z_far", num(Z_FAR, 1)), ("kink_z", tex_sci(Z_NEAR_KINK)), ("kink_h_safe", tex_bound(h_safe)),
                    ("kink_err", num(relative_error(exact, rough), 2)), ("kink_err_safe", tex_bound(relative_error(exact, fine))),
                    ("kink_err_far", tex_bound(relative_error(far_exact, far_numeric)))):
        ctx.value(name, v)
    rows = [[f"$({i + 1}, {j + 1})$", num(exact[i, j], 6), num(rough[i, j], 6), "yes" if crossed[i, j] else "no",
             num(per_entry[i, j], 4) if crossed[i, j] else le(per_entry[i, j]),
             le(relative_error(exact[i, j], fine[i, j]))] for i, j in np.ndindex(exact.shape)]
    return md_table(["entry", "backprop", "central", "crosses?", "relative", f"at $h = {tex_bound(h_safe)}$"], rows, align="lrrcrr")


# --- exercises: values and answers; the page writes the solutions


@artifact("ex1")
def ex1(ctx):  # σ'(1) from σ(1/2), σ(1), σ(3/2): central and forward differences, and what halving h does
    z = np.array(1.0)
    exact = float(SIGMA.prime(z))

    def both(h):
        plus, here, minus = (float(SIGMA(z + s)) for s in (h, 0.0, -h))
        return (plus - minus) / (2 * h), (plus - here) / h, (plus, here, minus)

    central, fwd, (plus, here, minus) = both(0.5)
    c_half, f_half, _ = both(0.25)
    ctx.check.close("σ'(1) = σ(1)(1 − σ(1))", exact, here * (1 - here), tol=1e-14)
    ctx.check.that("central beats forward", abs(central - exact) < abs(fwd - exact) / 10, f"{fwd - exact:.0e}")
    ctx.check.close("h / 2: central error / 4", (central - exact) / (c_half - exact), 4.0, tol=0.05)
    ctx.check.close("h / 2: forward error / 2", (fwd - exact) / (f_half - exact), 2.0, tol=0.05)
    for name, v in (("s_plus", plus), ("s_here", here), ("s_minus", minus), ("exact", exact), ("forward", fwd),
                    ("err_central", central - exact), ("err_forward", fwd - exact), ("err_central_half", c_half - exact),
                    ("err_forward_half", f_half - exact)):
        ctx.value(f"ex1_{name}", v, digits=6)
    ctx.answer("ex1_central", central, digits=6, mistakes={"forward-difference": fwd, "half-step": 2 * central})
    return ""


@artifact("ex2")
def ex2(ctx):
    exact = backprop_dW1()
    for name, wrong, expected in (("doubled", 2 * exact, 0.5), ("flipped", -exact, 2.0)):
        ctx.check.close(f"{name}: {expected}", err := relative_error(wrong, exact), expected, tol=1e-12)
        ctx.answer(f"ex2_{name}", err, mistakes={"rel-error-sum": rel_error_sum(wrong, exact)})
    ctx.check.close("halved: 0.5", relative_error(exact / 2, exact), 0.5, tol=1e-12)
    return ""


@artifact("ex3")
def ex3(ctx):
    net, x, y = example_in("float32")
    J = np.float32(loss_of_param(net, x, y, "W", 1)(net.W[1]))
    spacing, g_min = float(np.spacing(J)), float(np.min(np.abs(backprop_dW1())))
    predicted = spacing / (2 * g_min)  # J(W + h) − J(W − h) ≈ 2 g h drops below the float32 spacing at J
    hs, errs = sweep()[("float32", "central")]
    ctx.check.that("float32 reaches error 1", bool(np.any(errs == 1.0)), "exactly 1")
    first_one = float(hs[np.argmax(errs == 1.0)])
    ctx.check.that("predicted within 10×", abs(math.log10(predicted / first_one)) <= 1, f"{predicted:.0e}, {first_one:.0e}")
    for name, v in (("J32", num(float(J), 6)), ("spacing", tex_sci(spacing)), ("g_min", num(g_min, 6)),
                    ("predicted", tex_sci(predicted)), ("first_one", tex_sci(first_one))):
        ctx.value(f"ex3_{name}", v)
    return ""


@artifact("ex4")
def ex4(ctx):
    net, x, _ = relu_net(Z_NEAR_KINK)
    limits = abs(forward(net, x).z[1][0, 0]) / np.abs(x[:, 0])  # a step h on W(1)_1j moves z(1)_1 by h x_j
    for j in range(2):
        ctx.check.that(f"W(1)_1{j + 1}: 0.9 × limit stays", not crossings(net, x, 0.9 * limits[j])[0, j], f"{limits[j]:.1e}")
        ctx.check.that(f"W(1)_1{j + 1}: 1.1 × limit crosses", bool(crossings(net, x, 1.1 * limits[j])[0, j]), f"{limits[j]:.1e}")
    ctx.value("ex4_limit_1", tex_sci(limits[0]))
    ctx.answer("ex4_limit_2", limits[1], digits=9, mistakes={"wrong-input": limits[0]})
    return ""
