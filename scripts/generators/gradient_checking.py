"""Artifacts for docs/gradient-checking.md: how a finite-difference check works and what its numbers mean.

The running example is ∂L/∂W(2) of the 2-3-2 network (code W[1], see backprop/seed232.py),
estimated by central and forward differences in float64 and float32 over a sweep of steps h,
and always compared with the float64 backprop gradient by the book's relative error
(backprop.gradcheck.relative_error).

The last artifact, "own-checks", runs every other chapter's generator to count its checks.
Its cache key covers only this file and the shared code, so an edit to another chapter alone
does not refresh that table; a clean build (no generated/ folder, as in CI) always does.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from backprop import Network, forward, gradients, numerical_gradient, relative_error, seed_example
from backprop.activations import activation
from backprop.losses import loss
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure, solution
from book.tables import bound, md_table, num

mse = loss("squared_error")
sigma = activation("sigmoid")

# Steps from 1e-1 down to 1e-12, four per decade.
STEPS = 10.0 ** (-np.arange(4, 49) / 4)
DEFAULT_H = 1e-5  # backprop.gradcheck's default step
SCHEMES = ("central", "forward")
DTYPES = (np.float64, np.float32)

# CS231n's rule of thumb for float64 relative errors (cs231n.github.io/neural-networks-3/#gradcheck).
WRONG, UNEASY, KINKS_ONLY = 1e-2, 1e-4, 1e-7


def tex_sci(x: float, digits: int = 1) -> str:
    """1.8e-05 as TeX: 1.8\\times 10^{-5}."""
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"


def tex_bound(x: float) -> str:
    """The power of ten at or above |x| (tables.bound) as TeX: 10^{-10}."""
    b = bound(x)
    return "0" if b == "0" else rf"10^{{{int(b[2:])}}}"


def err_cell(err: float) -> str:
    """A relative error for a table: plain decimals when large, a power of ten when it is round-off."""
    if err >= 1e-2:
        return num(err, 2)
    if err >= 1e-7:
        return f"${tex_sci(err)}$"
    return f"$\\le {tex_bound(err)}$"


def verdict(err: float) -> str:
    """CS231n's reading of a float64 relative error."""
    if err > WRONG:
        return "probably wrong"
    if err > UNEASY:
        return "uncomfortable"
    if err > KINKS_ONLY:
        return "acceptable only with kinks"
    return "good"


# --- the example --------------------------------------------------------------


def seed_in(dtype):
    """The 2-3-2 network, input and target with every array in `dtype`."""
    net, x, y = seed_example()
    net.W = [None, *(W.astype(dtype) for W in net.W[1:])]
    net.b = [None, *(b.astype(dtype) for b in net.b[1:])]
    return net, x.astype(dtype), y.astype(dtype)


def loss_of(net: Network, x, y):
    """L as a function of a parameter that the caller perturbs in place (it reads net)."""

    def L(_):
        return mse.value(forward(net, x).a[net.L], y)

    return L


def analytic_dW2():
    """The float64 backprop gradient ∂L/∂W(2): (B1), (B2), (B3) in backprop.network."""
    net, x, y = seed_example()
    return gradients(net, x, y).dW[1]


def forward_difference(f, X, h: float):
    """(f(X + h e_i) - f(X)) / step, one entry at a time, X restored afterwards.

    Like backprop.numerical_gradient it divides by the step actually stored in X,
    which differs from h in float32 (and is 0 when h is below the spacing of the floats at X).
    """
    grad = np.zeros(X.shape)
    f0 = float(f(X))
    for i in np.ndindex(X.shape):
        old = X[i]
        X[i] = old + h
        step, f_plus = float(X[i]) - float(old), float(f(X))
        X[i] = old
        grad[i] = (f_plus - f0) / step
    return grad


def fd_dW2(scheme: str, dtype, h: float):
    """A finite-difference estimate of ∂L/∂W(2), computed entirely in `dtype`; None if the step vanishes."""
    net, x, y = seed_in(dtype)
    L = loss_of(net, x, y)
    try:
        if scheme == "central":
            return numerical_gradient(L, net.W[1], h)
        return forward_difference(L, net.W[1], h)
    except ZeroDivisionError:  # W + h rounds back to W: the step is below the float spacing
        return None


@functools.cache
def sweep():
    """{(dtype name, scheme): (steps, relative errors)} against the float64 backprop gradient."""
    exact = analytic_dW2()
    out = {}
    for dtype in DTYPES:
        for scheme in SCHEMES:
            hs, errs = [], []
            for h in STEPS:
                estimate = fd_dW2(scheme, dtype, h)
                if estimate is None:
                    break
                hs.append(h)
                errs.append(relative_error(exact, estimate))
            out[(np.dtype(dtype).name, scheme)] = (np.array(hs), np.array(errs))
    return out


def truncation_fit(hs, errs):
    """Slope of log(error) against log(h) on the truncation side: every step at least 3x the best one."""
    best = int(np.argmin(errs))
    window = hs >= 3 * hs[best]
    slope = float(np.polyfit(np.log10(hs[window]), np.log10(errs[window]), 1)[0])
    return best, window, slope


def rule_of_thumb(dtype, scheme: str) -> float:
    """The textbook step: eps^(1/3) for central, eps^(1/2) for forward differences."""
    eps = float(np.finfo(dtype).eps)
    return eps ** (1 / 3) if scheme == "central" else eps ** 0.5


EXPECTED_SLOPE = {"central": 2.0, "forward": 1.0}
SERIES_LABEL = {
    ("float64", "central"): "float64, central",
    ("float64", "forward"): "float64, forward",
    ("float32", "central"): "float32, central",
    ("float32", "forward"): "float32, forward",
}


@artifact("step-size")
def step_size(ctx):
    data = sweep()
    exact = analytic_dW2()
    ctx.check.shape("∂L/∂W(2) from backprop has the shape of W(2)", exact, (3, 2))
    rows, series = [], []
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        for scheme in SCHEMES:
            hs, errs = data[(name, scheme)]
            best, window, slope = truncation_fit(hs, errs)
            key = f"{name}_{scheme}"
            expected = EXPECTED_SLOPE[scheme]
            ctx.check.that(f"{name} {scheme}: truncation slope ≈ {expected:g}", abs(slope - expected) <= 0.25,
                           f"fitted slope {slope:.2f} over h from {hs[window].min():.1e} to {hs[window].max():.1e} "
                           f"({int(window.sum())} steps), expected {expected:g} ± 0.25")
            ctx.check.that(f"{name} {scheme}: round-off grows to the left of the best step",
                           errs[-1] >= 100 * errs[best],
                           f"error {errs[-1]:.1e} at h = {hs[-1]:.1e} is ≥ 100 × the best {errs[best]:.1e}")
            thumb = rule_of_thumb(dtype, scheme)
            ctx.check.that(f"{name} {scheme}: best step within a factor 100 of the rule of thumb",
                           abs(math.log10(hs[best] / thumb)) <= 2,
                           f"best h = {hs[best]:.1e}, rule of thumb {thumb:.1e}")
            ctx.value(f"best_h_{key}", tex_sci(hs[best]))
            ctx.value(f"best_err_{key}", tex_bound(errs[best]))
            ctx.value(f"slope_{key}", num(slope, 2))
            ctx.value(f"thumb_{key}", tex_sci(thumb))
            rows.append([name, scheme, f"${tex_sci(hs[best])}$", f"$\\le {tex_bound(errs[best])}$",
                         num(slope, 2), f"${tex_sci(thumb)}$"])
            series.append((SERIES_LABEL[(name, scheme)], hs, errs))
    # Who wins: central beats forward in each precision, float64 beats float32.
    best_err = {k: float(v[1].min()) for k, v in data.items()}
    for name in ("float64", "float32"):
        ctx.check.that(f"{name}: central differences reach a smaller error than forward",
                       best_err[(name, "central")] < best_err[(name, "forward")],
                       f"best central {best_err[(name, 'central')]:.1e} < best forward {best_err[(name, 'forward')]:.1e}")
    ctx.check.that("float64 central reaches below 1e-9", best_err[("float64", "central")] < 1e-9,
                   f"best error {best_err[('float64', 'central')]:.1e}")
    ctx.check.that("float32 never reaches 1e-4", best_err[("float32", "central")] > 1e-5,
                   f"best float32 error {best_err[('float32', 'central')]:.1e}: float64 thresholds do not apply")
    hs64, errs64 = data[("float64", "central")]
    ctx.check.that("the default h = 1e-5 is within a factor 3 of the best float64 central step",
                   abs(math.log10(hs64[np.argmin(errs64)] / DEFAULT_H)) <= math.log10(3),
                   f"best h = {hs64[np.argmin(errs64)]:.1e}")
    ctx.value("n_steps", str(len(STEPS)))
    ctx.value("eps_ratio", f"2^{{{int(round(math.log2(np.finfo(np.float32).eps / np.finfo(np.float64).eps)))}}}")
    f32_end = data[("float32", "central")][0][-1]
    ctx.value("f32_last_h", tex_sci(f32_end))
    svg = line_plot(
        series, salt="gradient_checking-step-size",
        title="Relative error of finite-difference estimates of dL/dW(2) against the step h",
        desc=("Log-log plot. On the right (large h) the error falls with slope 2 for central and slope 1 for "
              "forward differences; on the left round-off makes it rise again, much earlier in float32. "
              f"Best steps: float64 central {hs_text(data, 'float64', 'central')}, "
              f"float64 forward {hs_text(data, 'float64', 'forward')}, "
              f"float32 central {hs_text(data, 'float32', 'central')}, "
              f"float32 forward {hs_text(data, 'float32', 'forward')}."),
        xlabel="step h", ylabel="relative error vs backprop", logx=True, logy=True, figsize=(6.4, 4.0),
    )
    fig = figure(svg, "Relative error of the finite-difference estimate of ∂L/∂W⁽²⁾ (2-3-2 network) against the step h. "
                      "Right: truncation error, slope 2 (central) and 1 (forward). Left: round-off. "
                      "The float32 curves end where W + h rounds back to W.")
    table = md_table(["precision", "differences", "best $h$", "smallest error", "slope (right side)",
                      "rule of thumb $h$"], rows, align="llrrrr")
    return fig + "\n\n" + table


def hs_text(data, name, scheme):
    hs, errs = data[(name, scheme)]
    k = int(np.argmin(errs))
    return f"h = {hs[k]:.1e} with error {errs[k]:.1e}"


# --- the relative error, entry by entry ----------------------------------------------


@artifact("relative-error")
def relative_error_table(ctx):
    exact = analytic_dW2()
    numeric = fd_dW2("central", np.float64, DEFAULT_H)
    err = ctx.check.gradient("∂L/∂W(2): backprop vs central differences, h = 1e-5", exact, numeric)
    per_entry = np.abs(exact - numeric) / np.maximum(np.abs(exact), np.abs(numeric))
    ctx.check.close("relative_error = max over entries of |a − n| / max(|a|, |n|)", err, float(per_entry.max()),
                    tol=1e-12, how="library function equals the formula written out")
    # Scaling L by a power of two scales both gradients exactly: the relative error cannot change.
    scaled = 2.0**10
    net, x, y = seed_in(np.float64)
    big = numerical_gradient(lambda _: scaled * mse.value(forward(net, x).a[2], y), net.W[1], DEFAULT_H)
    ctx.check.close("relative error is unchanged when L is multiplied by 1024",
                    relative_error(scaled * exact, big), err, tol=1e-12, how="same relative error")
    ctx.check.that("absolute error is not: it grows with L",
                   np.max(np.abs(scaled * exact - big)) > 100 * np.max(np.abs(exact - numeric)),
                   f"max |a − n| goes from {np.max(np.abs(exact - numeric)):.1e} to {np.max(np.abs(scaled * exact - big)):.1e}")
    worst = np.unravel_index(np.argmax(per_entry), per_entry.shape)
    ctx.value("default_err", tex_bound(err))
    ctx.value("worst_entry", f"W^{{(2)}}_{{{worst[0] + 1}{worst[1] + 1}}}")
    rows = []
    for i, j in np.ndindex(exact.shape):
        # Round-off sized numbers differ in their last digits between machines: print their power of ten.
        rows.append([f"$({i + 1}, {j + 1})$", num(exact[i, j], 8), num(numeric[i, j], 8),
                     f"$\\le {tex_bound(abs(exact[i, j] - numeric[i, j]))}$", f"$\\le {tex_bound(per_entry[i, j])}$"])
    return md_table(["entry of $W^{(2)}$", "backprop $a$", "central difference $n$", "$\\lvert a-n\\rvert$",
                     "$\\lvert a-n\\rvert / \\max(\\lvert a\\rvert,\\lvert n\\rvert)$"], rows, align="lrrrr")


# --- what the thresholds mean ---------------------------------------------------------


def dW2_by_hand(net, x, y, hidden_prime):
    """(B1)-(B3) for the 2-3-2 network, with the hidden layer's g' passed in (to plant bugs)."""
    cache = forward(net, x)
    z2, a2, a3 = cache.z[1], cache.a[1], cache.a[2]
    delta3 = (a3 - y) * a3 * (1 - a3)  # (B1), sigmoid output, squared error
    delta2 = (net.W[2].T @ delta3) * hidden_prime(z2, a2)  # (B2)
    return delta2 @ x.T  # (B3)


def relu_net(z_first: float):
    """The 2-3-2 weights with ReLU hidden units and a linear output; b(2) moved so z(2)_1 = z_first."""
    net, x, y = seed_example()
    b2 = net.b[1].copy()
    b2[0, 0] = z_first - (net.W[1] @ x)[0, 0]
    return Network(W=[None, net.W[1], net.W[2]], b=[None, b2, net.b[2]], activations=[None, "relu", "identity"],
                   loss="squared_error"), x, y


Z_NEAR_KINK = 3e-6
Z_FAR = 0.1


def relu_check(z_first: float, h: float):
    net, x, y = relu_net(z_first)
    exact = gradients(net, x, y).dW[1]
    numeric = numerical_gradient(loss_of(net, x, y), net.W[1], h)
    return net, x, y, exact, numeric


@artifact("thresholds")
def thresholds(ctx):
    net, x, y = seed_example()
    exact = analytic_dW2()
    ctx.check.close("(B1)-(B3) written out = the reference backward pass",
                    dW2_by_hand(net, x, y, lambda z, a: a * (1 - a)), exact, tol=1e-14)
    cases = []  # (what, in plain text, gradient right?, relative error, expected reading)
    cases.append(("backprop, float64, $h = 10^{-5}$", "float64, h = 1e-5", True,
                  relative_error(exact, fd_dW2("central", np.float64, DEFAULT_H)), "good"))
    hs32, errs32 = sweep()[("float32", "central")]
    h32 = hs32[np.argmin(errs32)]
    cases.append((f"backprop, float32 at its best step $h = {tex_sci(h32)}$", f"float32, h = {h32:.1e}", True,
                  float(errs32.min()), "acceptable only with kinks"))
    cases.append(("backprop, float32, $h = 10^{-5}$", "float32, h = 1e-5", True,
                  relative_error(exact, fd_dW2("central", np.float32, DEFAULT_H)), "probably wrong"))
    _, _, _, relu_exact, relu_numeric = relu_check(Z_NEAR_KINK, DEFAULT_H)
    cases.append((f"backprop, ReLU network with $z^{{(2)}}_1 = {tex_sci(Z_NEAR_KINK)}$, $h = 10^{{-5}}$",
                  "ReLU next to its kink, h = 1e-5", True, relative_error(relu_exact, relu_numeric), "probably wrong"))
    numeric = fd_dW2("central", np.float64, DEFAULT_H)
    bugs = [
        ("bug: $\\sigma'(z^{(2)})$ taken as $(1, 1, 1)$, as in the question", "bug: σ' = (1, 1, 1)",
         lambda z, a: np.ones_like(z)),
        ("bug: $\\sigma'$ evaluated at $a^{(2)}$ instead of $z^{(2)}$", "bug: σ'(a) for σ'(z)",
         lambda z, a: sigma.prime(a)),
    ]
    for what, plain, prime in bugs:
        cases.append((what, plain, False, relative_error(dW2_by_hand(net, x, y, prime), numeric), "probably wrong"))
    cases.append(("bug: gradient doubled (the ½ of $L$ forgotten)", "bug: gradient doubled", False,
                  relative_error(2 * exact, numeric), "probably wrong"))
    ctx.check.close("a doubled gradient scores exactly ½", cases[-1][3], 0.5, tol=1e-8,
                    how="|2n − n| / |2n| = ½ whatever h is")
    rows = []
    for what, plain, right, err, expected in cases:
        got = verdict(err)
        ctx.check.that(f"{plain}: {expected}", got == expected, f"relative error {err:.1e} reads as '{got}'")
        rows.append([what, "right" if right else "wrong", err_cell(err), got])
    ctx.value("f32_default_err", num(cases[2][3], 2))
    ctx.value("sigma_bug_err", num(cases[4][3], 2))
    return md_table(["what is checked", "gradient", "relative error", "CS231n's reading"], rows, align="llrl")


# --- kinks ------------------------------------------------------------------------


def crossings(net: Network, x, l: int, h: float):
    """For each entry of W[l]: does the sign pattern of the ReLU inputs z differ between W + h e_i and W - h e_i?"""
    W = net.W[l]
    out = np.zeros(W.shape, dtype=bool)
    for i in np.ndindex(W.shape):
        old = W[i]
        W[i] = old + h
        plus = forward(net, x).z[l] > 0
        W[i] = old - h
        minus = forward(net, x).z[l] > 0
        W[i] = old
        out[i] = bool(np.any(plus != minus))
    return out


def safe_step(z, a_prev) -> float:
    """A power of ten well below min |z| / max |a_prev|: no W step of that size can flip a sign of z."""
    return 10.0 ** (math.floor(math.log10(np.min(np.abs(z)) / np.max(np.abs(a_prev)))) - 1)


@artifact("kink")
def kink(ctx):
    net, x, y, exact, rough = relu_check(Z_NEAR_KINK, DEFAULT_H)
    z2 = forward(net, x).z[1]
    ctx.check.close("z(2)_1 sits just above the kink", z2[0, 0], Z_NEAR_KINK, tol=1e-6)
    crossed = crossings(net, x, 1, DEFAULT_H)
    h_safe = safe_step(z2, x)
    fine = numerical_gradient(loss_of(net, x, y), net.W[1], h_safe)
    ctx.check.gradient(f"∂L/∂W(2) at the kink point, h = {h_safe:.0e} (steps stay on one side)", exact, fine)
    ctx.check.that("h = 1e-5 reports a large error for a right gradient", relative_error(exact, rough) > WRONG,
                   f"relative error {relative_error(exact, rough):.2f} > 1e-2")
    per_entry = np.abs(exact - rough) / np.maximum(np.abs(exact), np.abs(rough))
    ctx.check.that("the bad entries are exactly the ones whose steps cross the kink",
                   np.array_equal(per_entry > 1e-6, crossed),
                   f"{int(crossed.sum())} entries cross the kink (row 1 of W(2)); only they have error > 1e-6")
    # Along W(2)_1j the loss is smooth on the active side and flat in z(2)_1 on the other; the central
    # difference averages the slope over [z - h x_j, z + h x_j], so it misses the part below 0.
    for j in range(2):
        off = (DEFAULT_H * x[j, 0] - z2[0, 0]) / (2 * DEFAULT_H * x[j, 0])
        ctx.check.close(f"entry (1, {j + 1}): error = share of the step interval beyond the kink", per_entry[0, j], off,
                        tol=1e-4, how=f"(h x_{j + 1} − z) / (2 h x_{j + 1}) = {off:.4f} predicts it")
    ctx.check.that("no step of size h_safe crosses it", not crossings(net, x, 1, h_safe).any(),
                   f"h = {h_safe:.0e} < |z(2)_1| / max|x| = {abs(z2[0, 0]) / np.max(np.abs(x)):.1e}")
    _, _, _, far_exact, far_numeric = relu_check(Z_FAR, DEFAULT_H)
    ctx.check.gradient(f"away from the kink (z(2)_1 = {Z_FAR}), h = 1e-5 is fine", far_exact, far_numeric)
    ctx.value("kink_z_far", num(Z_FAR, 1))
    ctx.value("kink_z", tex_sci(Z_NEAR_KINK))
    ctx.value("kink_h_safe", tex_bound(h_safe))
    ctx.value("kink_err", num(relative_error(exact, rough), 2))
    ctx.value("kink_err_safe", tex_bound(relative_error(exact, fine)))
    ctx.value("kink_err_far", tex_bound(relative_error(far_exact, far_numeric)))
    rows = []
    for i, j in np.ndindex(exact.shape):
        rows.append([f"$({i + 1}, {j + 1})$", num(exact[i, j], 6), num(rough[i, j], 6), "yes" if crossed[i, j] else "no",
                     num(per_entry[i, j], 4) if crossed[i, j] else f"$\\le {tex_bound(per_entry[i, j])}$",
                     f"$\\le {tex_bound(relative_error(exact[i, j], fine[i, j]))}$"])
    return md_table(["entry of $W^{(2)}$", "backprop", "central diff., $h = 10^{-5}$", "step crosses the kink?",
                     "relative error", f"relative error, $h = {tex_bound(h_safe)}$"], rows, align="lrrcrr")


# --- exercises ----------------------------------------------------------------------


@artifact("ex1")
def ex1(ctx):
    exact = analytic_dW2()
    h = 1e-3
    central = relative_error(exact, fd_dW2("central", np.float64, h))
    fwd = relative_error(exact, fd_dW2("forward", np.float64, h))
    # Both are truncation-dominated at h = 1e-3; halving h should cut them by 4 and by 2.
    central_half = relative_error(exact, fd_dW2("central", np.float64, h / 2))
    fwd_half = relative_error(exact, fd_dW2("forward", np.float64, h / 2))
    ctx.check.that("central is far more accurate than forward at h = 1e-3", central < fwd / 100,
                   f"central {central:.1e}, forward {fwd:.1e}")
    ctx.check.close("halving h divides the central error by 4", central / central_half, 4.0, tol=0.02)
    ctx.check.close("halving h divides the forward error by 2", fwd / fwd_half, 2.0, tol=0.02)
    return solution(
        f"At \\(h = 10^{{-3}}\\) the central difference has relative error \\({tex_sci(central)}\\) and the "
        f"forward difference \\({tex_sci(fwd)}\\), about {round(fwd / central, -1):.0f} times larger. "
        f"Halving the step to \\(h = 5\\times 10^{{-4}}\\) gives \\({tex_sci(central_half)}\\) and "
        f"\\({tex_sci(fwd_half)}\\): the central error shrinks by a factor {num(central / central_half, 2)} "
        f"(\\(2^2\\), truncation \\(O(h^2)\\)), the forward error by {num(fwd / fwd_half, 2)} "
        f"(\\(2^1\\), truncation \\(O(h)\\))."
    )


@artifact("ex2")
def ex2(ctx):
    exact = analytic_dW2()
    ctx.check.close("doubled gradient: relative error ½", relative_error(2 * exact, exact), 0.5, tol=1e-12)
    ctx.check.close("halved gradient: relative error ½", relative_error(exact / 2, exact), 0.5, tol=1e-12)
    ctx.check.close("sign flipped: relative error 2", relative_error(-exact, exact), 2.0, tol=1e-12)
    return solution(
        "Each entry scores \\(\\lvert 2n - n\\rvert / \\max(\\lvert 2n\\rvert, \\lvert n\\rvert) = n/2n = \\tfrac12\\), "
        "whatever the step and the network: the build gets exactly "
        f"\\({num(relative_error(2 * exact, exact), 4)}\\) on \\(\\partial L/\\partial W^{{(2)}}\\). A gradient that is "
        f"half the true one also scores \\({num(relative_error(exact / 2, exact), 4)}\\), and one with the wrong sign "
        f"scores \\({num(relative_error(-exact, exact), 4)}\\), the largest value this error can take. All three are far "
        "above \\(10^{-2}\\): a constant-factor bug cannot hide from the check."
    )


@artifact("ex3")
def ex3(ctx):
    net, x, y = seed_in(np.float32)
    L = np.float32(loss_of(net, x, y)(None))
    spacing = float(np.spacing(L))
    g = analytic_dW2()
    g_min = float(np.min(np.abs(g)))
    predicted = spacing / (2 * g_min)  # L(W + h) - L(W - h) ≈ 2 g h drops below the float32 spacing at L
    hs, errs = sweep()[("float32", "central")]
    first_one = float(hs[np.argmax(errs == 1.0)])
    ctx.check.that("the float32 sweep reaches relative error exactly 1", bool(np.any(errs == 1.0)),
                   f"first at h = {first_one:.1e}")
    ctx.check.that("the prediction is within a factor 10 of the observation",
                   abs(math.log10(predicted / first_one)) <= 1, f"predicted {predicted:.1e}, observed {first_one:.1e}")
    return solution(
        f"In float32 the loss is \\(L = {num(float(L), 6)}\\), and the float32 numbers near it are "
        f"\\({tex_sci(spacing)}\\) apart. The smallest entry of the gradient is \\({num(g_min, 6)}\\), so "
        f"\\(L(W + h e_i) - L(W - h e_i) \\approx 2 \\cdot {num(g_min, 6)}\\, h\\) falls below that spacing once "
        f"\\(h \\lesssim {tex_sci(predicted)}\\). Then both losses round to the same float32 number, the difference "
        "quotient is exactly 0, and \\(\\lvert a - 0\\rvert / \\lvert a\\rvert = 1\\). The sweep first shows "
        f"error exactly 1 at \\(h = {tex_sci(first_one)}\\), within a factor of a few of the estimate. "
        "(Below about the spacing of float32 numbers near \\(W\\) itself, \\(W + h\\) rounds back to \\(W\\) and "
        "the step is zero: that is where the float32 curves in the figure stop.)"
    )


@artifact("ex4")
def ex4(ctx):
    net, x, y = relu_net(Z_NEAR_KINK)
    z1 = forward(net, x).z[1][0, 0]
    limits = np.abs(z1) / np.abs(x[:, 0])  # |z(2)_1| / |x_j|: steps on W(2)_1j larger than this flip the sign of z(2)_1
    for j in range(2):
        below, above = limits[j] * 0.9, limits[j] * 1.1
        crossed_below = crossings(net, x, 1, below)[0, j]
        crossed_above = crossings(net, x, 1, above)[0, j]
        ctx.check.that(f"W(2)_1{j + 1}: a step 10% below |z|/|x_{j + 1}| stays on one side", not crossed_below,
                       f"h = {below:.2e}")
        ctx.check.that(f"W(2)_1{j + 1}: a step 10% above crosses", bool(crossed_above), f"h = {above:.2e}")
    return solution(
        f"Changing \\(W^{{(2)}}_{{1j}}\\) by \\(h\\) changes \\(z^{{(2)}}_1\\) by \\(h\\,x_j\\). With "
        f"\\(z^{{(2)}}_1 = {tex_sci(z1)}\\) and \\(x = ({num(x[0, 0], 1)}, {num(x[1, 0], 1)})\\), the step stays on "
        f"one side of the kink when \\(h < \\lvert z^{{(2)}}_1\\rvert / \\lvert x_j\\rvert\\): "
        f"\\(h < {tex_sci(limits[0])}\\) for \\(W^{{(2)}}_{{11}}\\) and \\(h < {tex_sci(limits[1])}\\) for "
        f"\\(W^{{(2)}}_{{12}}\\) (the smaller input lets the larger step through). The build tried steps 10% on "
        "either side of each limit and saw the sign of \\(z^{(2)}_1\\) flip only above it. For the bias "
        "\\(b^{(2)}_1\\), whose coefficient is 1, the limit is \\(\\lvert z^{(2)}_1\\rvert\\) itself."
    )
