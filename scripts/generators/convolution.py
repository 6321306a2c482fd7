"""docs/convolution.md: a convolution layer as a matrix product; its gradients by sliding, by matrix, by FD."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from backprop.activations import activation
from backprop.conv import (
    col2im,
    conv_backward,
    conv_direct,
    conv_forward,
    corr1d,
    corr1d_backward,
    corr2d,
    corr2d_backward,
    flip,
    full1d,
    full2d,
    im2col,
    tied_gradient,
    toeplitz1d,
    toeplitz2d,
    toeplitz_channels,
    weight_pattern,
)
from backprop.gradcheck import numerical_gradient
from backprop.losses import loss
from book.artifacts import artifact
from book.figures import SERIES, book_style, svg_from_figure
from book.markup import figure
from book.shapes import chain_svg, sub
from book.tables import md_table, tex_bound, tex_matrix, tex_shape

EXACT = 1e-12  # two exact computations of the same numbers
X1, W1, D1 = np.array([2.0, 1, -1, 3, 0, -2]), np.array([1.0, -2, 3]), np.array([1.0, -2, 1, 3])  # x, w, δ
X2 = np.array([[1.0, 0, 2, -1], [3, 1, 0, 2], [-2, 1, 1, 0], [0, 2, -1, 1]])  # a 4×4 image
K2, D2 = np.array([[1.0, 2], [-1, 3]]), np.array([[1.0, 0, -1], [2, 1, 0], [0, -1, 1]])  # kernel 2×2, δ 3×3
SEED = 1109


def J_linear(delta, forward):
    # J = Σ δ ⊙ z with δ held fixed: its gradient by z is δ, so FD of J tests the backward formulas.
    return lambda v: float(np.sum(delta * forward(v)))


def diagram(factors, result, salt):
    # A product of named shapes as a figure; the caption is the data label "3×4 · 4×1 → 3×1".
    dims = " · ".join("×".join(map(str, s)) for _, s in factors) + " → " + "×".join(map(str, result[1]))
    return figure(chain_svg(factors, result, salt=salt, grid=True, title=f"Shapes: {result[0]}", desc=dims), dims)


def grid(*figures: str) -> str:
    return '<div class="grid bp-grid">\n' + "\n".join(figures) + "\n</div>"


def cells(pattern, text, rows, cols, salt, title):
    # A matrix drawn cell by cell: coloured by the shared weight each entry holds (pattern j ≥ 1), text in every cell.
    n, m = pattern.shape
    colours, size = list(SERIES), 0.42 if m > 8 else 0.5
    with book_style(salt):
        fig = Figure(figsize=(size * m + 0.9, size * n + 0.7))
        ax = fig.add_subplot()
        for (i, c), j in np.ndenumerate(pattern):
            if j:
                ax.add_patch(Rectangle((c, i), 1, 1, facecolor=colours[(j - 1) % len(colours)], alpha=0.5, linewidth=0))
            ax.text(c + 0.5, i + 0.5, text[i][c], ha="center", va="center", fontsize=9 if m > 8 else 11, alpha=1.0 if j else 0.4)
        ax.set_xlim(0, m)
        ax.set_ylim(n, 0)
        ax.set_aspect("equal")
        ax.xaxis.tick_top()
        ax.set_xticks(np.arange(m) + 0.5, cols, fontsize=8 if m > 8 else 10)
        ax.set_yticks(np.arange(n) + 0.5, rows, fontsize=8 if m > 8 else 10)
        ax.tick_params(length=0)
        ax.hlines(np.arange(n + 1), 0, m, linewidth=0.4, alpha=0.35)
        ax.vlines(np.arange(m + 1), 0, n, linewidth=0.4, alpha=0.35)
        for side in ax.spines.values():
            side.set_visible(True)
        return svg_from_figure(fig, salt=salt, title=title,
                               desc=f"{title}, {n}×{m}, cell by cell: cells of one colour belong to one shared weight")


def names(letter, count):
    return [letter + sub(str(i + 1)) for i in range(count)]


def names2(letter, shape):
    return [letter + sub(f"{i + 1}{j + 1}") for i in range(shape[0]) for j in range(shape[1])]


def as_int(v):
    return f"{v + 0.0:.0f}".replace("-", "−")  # + 0.0: no "−0"


@artifact("structure")
def structure(ctx):
    # The answer's figure: T(w) for n = 6, k = 3, each shared weight in its own colour.
    x, w = X1, W1
    n, k = x.size, w.size
    T, pattern = toeplitz1d(w, n), weight_pattern(w.shape, x.shape)
    ctx.check.shape("T(w) is (n − k + 1) × n", T, (n - k + 1, n))
    ctx.check.close("T(w) = Σ_j w_j E_j", T, sum(w[j - 1] * (pattern == j) for j in range(1, k + 1)), tol=EXACT)
    ctx.check.that("row i of T(w) = row i − 1 moved right", all(np.array_equal(np.roll(T[i - 1], 1), T[i])
                   for i in range(1, n - k + 1)), f"{n - k} shifts")
    ctx.check.that("each weight once per row", all((pattern == j).sum(axis=1).tolist() == [1] * (n - k + 1)
                   for j in range(1, k + 1)), f"{k} weights × {n - k + 1} rows")
    svg = cells(pattern, [[f"w{sub(str(j))}" if j else "0" for j in row] for row in pattern], names("z", n - k + 1),
                names("x", n), "conv-structure", "T(w)")
    ctx.value("n", n)
    ctx.value("k", k)
    ctx.value("positions", n - k + 1)
    return figure(svg, f"T(w): {n - k + 1}×{n}")


@artifact("forward")
def forward(ctx):
    # (C1) three ways: the sliding window, T(w) x, the windows as columns Pᵀ w; and NumPy's own correlate.
    x, w = X1, W1
    T, P = toeplitz1d(w, x.size), im2col(x[None, None, :], (1, w.size))
    z = corr1d(x, w)
    ctx.check.close("sliding window = T(w) x", z, T @ x, tol=EXACT)
    ctx.check.close("sliding = numpy.correlate", z, np.correlate(x, w, "valid"), tol=EXACT)
    ctx.check.close("sliding window = P(x)ᵀ w", z, P.T @ w, tol=EXACT)
    ctx.check.differ("true convolution ≠ correlation", np.convolve(x, w, "valid"), z, min_rel=0.1)
    ctx.check.close("true convolution = flipped correlation", np.convolve(x, w, "valid"), corr1d(x, flip(w)), tol=EXACT)
    ctx.check.chain("T(w) x", [T.shape, (x.size, 1)], (z.size, 1))
    ctx.check.chain("P(x)ᵀ w", [P.T.shape, (w.size, 1)], (z.size, 1))
    for name, arr in (("x", x), ("w", w), ("T", T), ("z", z), ("P", P), ("zconv", np.convolve(x, w, "valid")), ("wflip", flip(w))):
        ctx.value(name, arr, digits=0)
    return grid(diagram([("T(w)", T.shape), ("x", (x.size, 1))], ("z", (z.size, 1)), "conv-fwd-T"),
                diagram([("P(x)ᵀ", P.T.shape), ("w", (w.size, 1))], ("z", (z.size, 1)), "conv-fwd-P"))


@artifact("shared")
def shared(ctx):
    # (C2): (B3) gives δ xᵀ for the whole of T; each weight collects the entries where it sits.
    x, w, delta = X1, W1, D1
    n, k = x.size, w.size
    G, pattern, P = np.outer(delta, x), weight_pattern(w.shape, x.shape), im2col(x[None, None, :], (1, k))
    dw, _ = corr1d_backward(x, w, delta)
    numeric = numerical_gradient(J_linear(delta, lambda v: corr1d(x, v)), w.copy())
    ctx.check.gradient("(C2) vs FD of J = δᵀ z", dw, numeric)
    ctx.check.close("(C2) = tied sum of δ xᵀ", dw, tied_gradient(G, pattern), tol=EXACT)
    ctx.check.close("(C2) = P(x) δ", dw, P @ delta, tol=EXACT)
    ctx.check.close("(C2) = numpy.correlate(x, δ)", dw, np.correlate(x, delta, "valid"), tol=EXACT)
    ctx.check.gradient("(B3): ∂J/∂T = δ xᵀ vs FD", G, numerical_gradient(J_linear(delta, lambda M: M @ x), toeplitz1d(w, n)))
    ctx.check.weight_gradient("∂J/∂w has w's shape", dw, w, "denominator")
    ctx.check.differ("δ slid the wrong way: reversed", flip(dw), dw, min_rel=0.1)
    ctx.check.chain("P(x) δ", [P.shape, (delta.size, 1)], (k, 1))
    rows = []
    for j in range(1, k + 1):
        terms = G[pattern == j]
        ctx.check.close(f"w{sub(str(j))}: the sum of its entries of δ xᵀ = (C2)", terms.sum(), dw[j - 1], tol=EXACT)
        # No-break space before each +: a narrow cell wraps only between terms, each line ending in +.
        rows.append([f"$w_{j}$", "\u00a0+ ".join(f"({as_int(t)})" for t in terms), as_int(dw[j - 1])])
    svg = cells(pattern, [[as_int(v) for v in row] for row in G], [f"δ{sub(str(i + 1))} = {as_int(d)}" for i, d in enumerate(delta)],
                [f"x{sub(str(c + 1))} = {as_int(v)}" for c, v in enumerate(x)], "conv-shared", "δ xᵀ")
    for name, arr in (("delta", delta), ("G", G), ("dw", dw)):
        ctx.value(name, arr, digits=0)
    ctx.value("dw_reversed", flip(dw), digits=0)
    table = md_table(["weight", "entries of $\\delta x^\\top$ where it sits", "sum = (C2)"], rows, align="llr")
    return figure(svg, f"δ xᵀ: {G.shape[0]}×{G.shape[1]}") + "\n\n" + table + "\n\n" + \
        diagram([("P(x)", P.shape), ("δ", (delta.size, 1))], ("∂J/∂w", (k, 1)), "conv-dw-P")


@artifact("input-grad")
def input_grad(ctx):
    # (C3): T(w)ᵀ δ = δ padded and correlated with the flipped kernel = NumPy's true (full) convolution; two wrong recipes.
    x, w, delta = X1, W1, D1
    T = toeplitz1d(w, x.size)
    _, dx = corr1d_backward(x, w, delta)
    numeric = numerical_gradient(J_linear(delta, lambda v: corr1d(v, w)), x.copy())
    e_fd = ctx.check.gradient("(C3) vs FD of J = δᵀ z", dx, numeric)
    ctx.check.close("(C3) = T(w)ᵀ δ", dx, T.T @ delta, tol=EXACT)
    ctx.check.close("(C3) = numpy.convolve(δ, w)", dx, np.convolve(delta, w, "full"), tol=EXACT)
    ctx.check.shape("∂J/∂x has x's shape", dx, x.shape)
    no_flip, valid = full1d(delta, w), corr1d(delta, flip(w))
    e_flip = ctx.check.differ("kernel not flipped: wrong", no_flip, numeric, min_rel=0.1)
    ctx.check.that("valid, not full: too short", valid.size != x.size, f"{valid.size} entries for {x.size} inputs")
    ctx.check.chain("T(w)ᵀ δ", [T.T.shape, (delta.size, 1)], (x.size, 1))
    for name, arr in (("dx", dx), ("dx_noflip", no_flip), ("dx_valid", valid), ("delta_pad", np.pad(delta, w.size - 1))):
        ctx.value(name, arr, digits=0)
    ctx.value("dx_fd", tex_bound(e_fd))  # relative error of (C3) against FD
    ctx.value("dx_noflip_fd", e_flip, digits=2)  # relative difference of the unflipped kernel from FD
    ctx.value("dx_valid_len", valid.size)
    rows = [["(C3): $\\delta$ padded, flipped kernel", f"${tex_matrix(dx[None], 0)}$"],
            ["kernel not flipped", f"${tex_matrix(no_flip[None], 0)}$"],
            ["no padding (valid)", f"${tex_matrix(valid[None], 0)}$"]]
    return md_table(["recipe", "result"], rows, align="ll") + "\n\n" + \
        diagram([("T(w)ᵀ", T.T.shape), ("δ", (delta.size, 1))], ("∂J/∂x", (x.size, 1)), "conv-dx-T")


@artifact("two-d")
def two_d(ctx):
    # 2-D: T(K) is doubly block Toeplitz; (C1)-(C3) with the kernel turned by 180°.
    x, K, delta = X2, K2, D2
    T, pattern, z = toeplitz2d(K, x.shape), weight_pattern(K.shape, x.shape), corr2d(x, K)
    dK, dx = corr2d_backward(x, K, delta)
    o2, n2 = z.shape[1], x.shape[1]
    ctx.check.close("sliding window = T(K) vec(x)", z.reshape(-1), T @ x.reshape(-1), tol=EXACT)
    ctx.check.close("sliding window = P(x)ᵀ vec(K)", z.reshape(-1), im2col(x[None], K.shape).T @ K.reshape(-1), tol=EXACT)
    blocks = [[T[i * o2:(i + 1) * o2, c * n2:(c + 1) * n2] for c in range(x.shape[0])] for i in range(z.shape[0])]
    ctx.check.that("T(K): block (i, c) depends on c − i only", all(
        np.array_equal(blocks[i][c], blocks[i - 1][c - 1]) for i in range(1, z.shape[0]) for c in range(1, x.shape[0])),
        f"{z.shape[0]}×{x.shape[0]} blocks of {o2}×{n2}")
    ctx.check.that("each block is Toeplitz", all(np.array_equal(np.roll(B[r - 1], 1)[1:], B[r][1:]) for row in blocks for B in row
                   for r in range(1, o2)), "rows shift by one column")
    fd_K = numerical_gradient(J_linear(delta, lambda v: corr2d(x, v)), K.copy())
    fd_x = numerical_gradient(J_linear(delta, lambda v: corr2d(v, K)), x.copy())
    ctx.check.gradient("(C2) in 2-D vs FD", dK, fd_K)
    ctx.check.close("2-D (C2) = tied sum of vec(δ) vec(x)ᵀ", dK.reshape(-1),
                    tied_gradient(np.outer(delta.reshape(-1), x.reshape(-1)), pattern), tol=EXACT)
    ctx.check.weight_gradient("∂J/∂K has K's shape", dK, K, "denominator")
    ctx.check.gradient("(C3) in 2-D vs FD", dx, fd_x)
    ctx.check.close("2-D (C3) = T(K)ᵀ vec(δ)", dx.reshape(-1), T.T @ delta.reshape(-1), tol=EXACT)
    ctx.check.differ("2-D kernel not turned: wrong", full2d(delta, K), fd_x, min_rel=0.1)
    ctx.check.differ("2-D kernel flipped on one axis: wrong", full2d(delta, K[::-1]), fd_x, min_rel=0.1)
    ctx.check.chain("T(K) vec(x)", [T.shape, (x.size, 1)], (z.size, 1))
    for name, arr in (("x2", x), ("K", K), ("z2", z), ("delta2", delta), ("dK", dK), ("dx2", dx), ("Kflip", flip(K)),
                      ("delta2_pad", np.pad(delta, 1))):
        ctx.value(name, arr, digits=0)
    ctx.value("T2", T.shape)
    kname = names2("k", K.shape)
    svg = cells(pattern, [[kname[j - 1] if j else "" for j in row] for row in pattern],
                names2("z", z.shape), names2("x", x.shape), "conv-two-d", "T(K)")
    # 16 columns: on a phone the figure scrolls sideways rather than shrink its labels below reading size.
    return figure(svg, f"T(K): {T.shape[0]}×{T.shape[1]}", min_width="24rem")


@artifact("beyond")
def beyond(ctx):
    # Padding p and stride s in 1-D: the input gradient is still T(w)ᵀ δ; the flipped-kernel recipe crops or spreads δ.
    rng, (n, k, p, s) = np.random.default_rng(SEED + 4), (9, 3, 1, 2)
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    delta = rng.standard_normal(n + 2 * p - k + 1)
    numeric = numerical_gradient(J_linear(delta, lambda v: corr1d(np.pad(v, p), w)), x.copy())
    ctx.check.gradient(f"padding {p}: ∂J/∂x = (C3), {p} cut off at each end", full1d(delta, flip(w))[p:-p], numeric)
    T_s, kept = toeplitz1d(w, n)[::s], np.zeros(n - k + 1)
    ctx.check.close(f"stride {s}: T_s = rows 1, 1 + {s}, … of T", T_s @ x, corr1d(x, w)[::s], tol=EXACT)
    d_s = rng.standard_normal(T_s.shape[0])
    numeric = numerical_gradient(J_linear(d_s, lambda v: corr1d(v, w)[::s]), x.copy())
    ctx.check.gradient(f"stride {s}: ∂J/∂x = T_sᵀ δ", T_s.T @ d_s, numeric)
    kept[::s] = d_s  # δ spread out: s − 1 zeros between its entries
    ctx.check.close(f"stride {s}: T_sᵀ δ = (C3) on δ spread out", T_s.T @ d_s, full1d(kept, flip(w)), tol=EXACT)
    short = full1d(d_s, flip(w))
    ctx.check.that(f"stride {s}: (C3) on δ as it is: wrong length", short.size != n, f"{short.size} entries for {n} inputs")
    return ""


def channel_layer(seed=SEED, c_in=2, c_out=3, xshape=(4, 4), kshape=(2, 2)):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((c_in, *xshape)), rng.standard_normal((c_out, c_in, *kshape)),
            rng.standard_normal((c_out, 1)))


@artifact("channels")
def channels(ctx):
    # im2col: Z = W P + b 1ᵀ is (F1, batch) with positions as columns; (C4) and the col2im sum, checked.
    x, W4, b = channel_layer()
    Z, cache = conv_forward(x, W4, b)
    P, W = cache[2], W4.reshape(W4.shape[0], -1)
    Delta = np.random.default_rng(SEED + 1).standard_normal(Z.shape)
    dx, dW4, db = conv_backward(Delta, cache)
    T = toeplitz_channels(W4, x.shape[1:])
    ctx.check.close("W P + b 1ᵀ = channel by channel", Z, conv_direct(x, W4, b), tol=EXACT)
    ctx.check.close("W P = T vec(x), a block per channel pair", (Z - b).reshape(-1), T @ x.reshape(-1), tol=EXACT)
    J = J_linear(Delta, lambda _: conv_forward(x, W4, b)[0])
    ctx.check.gradient("(C4) ∂J/∂W = Δ Pᵀ vs FD", dW4, numerical_gradient(J, W4))
    ctx.check.gradient("∂J/∂b = Δ 1 vs FD", db, numerical_gradient(J, b))
    ctx.check.gradient("∂J/∂x = col2im(Wᵀ Δ) vs FD", dx, numerical_gradient(J, x))
    ctx.check.close("∂J/∂x = Tᵀ vec(Δ)", dx.reshape(-1), T.T @ Delta.reshape(-1), tol=EXACT)
    out = [d - k + 1 for d, k in zip(x.shape[1:], W4.shape[2:], strict=True)]
    ctx.check.close("(C2) per filter and channel", dW4,
                    np.array([[corr2d(xc, Delta[o].reshape(out)) for xc in x] for o in range(W4.shape[0])]), tol=EXACT)
    dP = W.T @ Delta
    ctx.check.close("⟨P(x), dP⟩ = ⟨x, col2im(dP)⟩", np.sum(P * dP),
                    np.sum(x * col2im(dP, W4.shape[2:], x.shape)), tol=EXACT)
    ctx.check.weight_gradient("∂J/∂W has W's shape", Delta @ P.T, W, "denominator")
    x2, D2 = channel_layer(SEED + 5)[0], np.random.default_rng(SEED + 6).standard_normal(Z.shape)  # a second image
    _, c2 = conv_forward(x2, W4, b)
    ctx.check.close("two images: (C4) on both images' columns = sum of each image's", (np.hstack([Delta, D2]) @ np.hstack(
        [P, c2[2]]).T).reshape(W4.shape), dW4 + conv_backward(D2, c2)[1], tol=EXACT)
    ctx.check.chain("W P", [W.shape, P.shape], Z.shape)
    ctx.check.chain("Δ Pᵀ", [Delta.shape, P.T.shape], W.shape)
    ctx.check.chain("Wᵀ Δ", [W.T.shape, Delta.shape], P.shape)
    for name, arr in (("x3", x), ("W4", W4), ("W3", W), ("P3", P), ("Z3", Z), ("T3", T)):
        ctx.value(name, tuple(arr.shape))
    ctx.value("c_in", x.shape[0])
    ctx.value("k3", tuple(W4.shape[2:]))
    ctx.value("c_out", W4.shape[0])
    # One per row, not a grid: matrices of 8 and 9 cells a side, side by side, shrink their labels below reading size.
    return "\n".join((diagram([("W", W.shape), ("P", P.shape)], ("Z − b1ᵀ", Z.shape), "conv-ch-fwd"),
                      diagram([("Δ", Delta.shape), ("Pᵀ", P.T.shape)], ("∂J/∂W", W.shape), "conv-ch-dw"),
                      diagram([("Wᵀ", W.T.shape), ("Δ", Delta.shape)], ("∂J/∂P", P.shape), "conv-ch-dp")))


CASES = [  # (input shape, kernel shape, channels in → out or None): 1-D, 2-D and channels, square and not
    ((6,), (3,), None), ((9,), (4,), None), ((5,), (5,), None),
    ((4, 4), (2, 2), None), ((5, 6), (3, 2), None),
    ((4, 4), (2, 2), (2, 3)), ((5, 4), (3, 2), (3, 2)),
]


def case_gradients(xshape, kshape, ch, rng):
    # One layer z → tanh → squared error against a target: analytic (kernel, input) gradients, FD, and the matrix route.
    g, L = activation("tanh"), loss("squared_error")
    if ch is None:
        x, K = rng.standard_normal(xshape), rng.standard_normal(kshape)
        fwd = corr1d if len(xshape) == 1 else corr2d
        y = rng.uniform(-1, 1, fwd(x, K).shape)
        J = lambda: L.value(g(fwd(x, K)), y)  # noqa: E731  (reads x and K, which FD perturbs in place)
        z = fwd(x, K)
        delta = L.grad(g(z), y) * g.prime(z)  # (B1)
        dK, dx = (corr1d_backward if len(xshape) == 1 else corr2d_backward)(x, K, delta)
        T = toeplitz1d(K, xshape[0]) if len(xshape) == 1 else toeplitz2d(K, xshape)
    else:
        x, K, b = channel_layer(int(rng.integers(1 << 30)), ch[0], ch[1], xshape, kshape)
        y = rng.uniform(-1, 1, conv_forward(x, K, b)[0].shape)
        J = lambda: L.value(g(conv_forward(x, K, b)[0]), y)  # noqa: E731
        z, cache = conv_forward(x, K, b)
        delta = L.grad(g(z), y) * g.prime(z)
        dx, dK, _ = conv_backward(delta, cache)
        T = toeplitz_channels(K, xshape)
    fd_K, fd_x = numerical_gradient(lambda _: J(), K), numerical_gradient(lambda _: J(), x)
    return x, K, dK, dx, fd_K, fd_x, T, delta.reshape(-1)


@functools.cache
def fd_cases():
    # The CASES with one generator of random numbers, in order: shared by the FD table and the matrix table.
    rng = np.random.default_rng(SEED + 2)
    return [case_gradients(xshape, kshape, ch, rng) for xshape, kshape, ch in CASES]


def case_label(x, K):
    return "×".join(map(str, x.shape)) + " ⋆ " + "×".join(map(str, K.shape))


def case_cell(x, K):  # input and kernel shape; a narrow cell wraps after the comma
    return f"${tex_shape(x.shape)}$, ${tex_shape(K.shape)}$"


@artifact("fd-table")
def fd_table(ctx):
    # Every shape of the chapter, and some others, on a nonlinear loss: (C2) and (C3) against FD.
    rows = []
    for x, K, dK, dx, fd_K, fd_x, _, _ in fd_cases():
        label = case_label(x, K)
        # tanh bends: the central difference's O(h²) error shows in entries near 10⁻⁴, so 10⁻⁶ here.
        e_K = ctx.check.gradient(f"{label}: kernel gradient vs FD", dK, fd_K, tol=1e-6)
        e_x = ctx.check.gradient(f"{label}: input gradient vs FD", dx, fd_x, tol=1e-6)
        ctx.check.weight_gradient(f"{label}: kernel gradient's shape", dK, K, "denominator")
        rows.append([case_cell(x, K), f"${tex_bound(e_K)}$", f"${tex_bound(e_x)}$"])
    return md_table(["input $x$, kernel", "kernel gradient vs FD", "$\\partial J/\\partial x$ vs FD"], rows, align="lrr")


@artifact("fd-matrix")
def fd_matrix(ctx):
    # The same cases: (C3) against Tᵀ δ with the explicit matrix T of each layer (positions × inputs).
    rows = []
    for x, K, _, dx, _, _, T, delta in fd_cases():
        label = case_label(x, K)
        ctx.check.chain(f"{label}: Tᵀ δ", [T.T.shape, (delta.size, 1)], (x.size, 1))
        e_T = ctx.check.close(f"{label}: input gradient = Tᵀ δ", dx.reshape(-1), T.T @ delta, tol=1e-12)
        rows.append([case_cell(x, K), f"${tex_shape(T.shape)}$", f"${tex_bound(e_T)}$"])
    return md_table(["input $x$, kernel", "$T$", "(C3) vs $T^\\top\\delta$"], rows, align="llr")


@artifact("ex1")
def ex1(ctx):
    # Shapes for a 28×28 image and a 5×5 kernel: z, T(K), ∂J/∂K.
    x, K = np.zeros((28, 28)), np.ones((5, 5))
    z, T = corr2d(x, K), toeplitz2d(K, x.shape)
    ctx.check.shape("T(K) is (positions) × (pixels)", T, (z.size, x.size))
    ctx.check.that("each row of T(K) holds every weight", bool(np.all((T != 0).sum(axis=1) == K.size)), f"{K.size} per row")
    ctx.answer("ex1_z", z.shape, mistakes={"off-by-one": (z.shape[0] - 1, z.shape[1] - 1), "same-size": x.shape})
    ctx.answer("ex1_T", T.shape, mistakes={"transpose": T.T.shape})
    ctx.answer("ex1_dK", K.shape, mistakes={"untied-gradient": T.shape})
    ctx.value("ex1_nonzero", int(K.size * z.size))
    ctx.value("ex1_x", x.shape)
    ctx.value("ex1_K", K.shape)
    ctx.value("ex1_weights", K.size)
    ctx.value("ex1_fits", f"{x.shape[0]} - {K.shape[0]} + 1")
    ctx.value("ex1_entries", int(T.size))
    return ""


EX2_X, EX2_W, EX2_D = np.array([2.0, -1, 3, 0, 1]), np.array([1.0, 2, -1]), np.array([1.0, -1, 2])


@artifact("ex2")
def ex2(ctx):
    # 1-D by hand: ∂J/∂w, ∂J/∂x and a shared scalar bias.
    x, w, delta = EX2_X, EX2_W, EX2_D
    dw, dx = corr1d_backward(x, w, delta)
    ctx.check.gradient("∂J/∂w vs FD", dw, numerical_gradient(J_linear(delta, lambda v: corr1d(x, v)), w.copy()))
    ctx.check.gradient("∂J/∂x vs FD", dx, numerical_gradient(J_linear(delta, lambda v: corr1d(v, w)), x.copy()))
    ctx.check.close("∂J/∂x = T(w)ᵀ δ", dx, toeplitz1d(w, x.size).T @ delta, tol=EXACT)
    b = np.array([0.5])
    db = numerical_gradient(lambda c: float(np.sum(delta * (corr1d(x, w) + c[0]))), b)
    ctx.check.close("shared bias: ∂J/∂b = Σ δ_i (FD)", delta.sum(), db[0], tol=1e-9)
    for name, arr in (("ex2_x", x), ("ex2_w", w), ("ex2_delta", delta), ("ex2_delta_pad", np.pad(delta, w.size - 1)),
                      ("ex2_wflip", flip(w))):
        ctx.value(name, arr, digits=0)
    ctx.answer("ex2_dw", dw, digits=0, mistakes={"reversed-correlation": flip(dw)})
    ctx.answer("ex2_dx", dx, digits=0, mistakes={"kernel-not-flipped": full1d(delta, w), "valid-not-full": corr1d(delta, flip(w))})
    ctx.answer("ex2_db", float(delta.sum()), digits=0, mistakes={"shared-mean": float(delta.mean())})
    return ""


EX3_X, EX3_K, EX3_D = np.array([[1.0, 2, 0], [0, 1, 3], [2, -1, 1]]), np.array([[2.0, -1], [1, 1]]), np.array([[-1.0, 2], [1, -2]])


@artifact("ex3")
def ex3(ctx):
    # 2-D by hand: ∂J/∂K = x correlated with δ; ∂J/∂x through the turned kernel.
    x, K, delta = EX3_X, EX3_K, EX3_D
    dK, dx = corr2d_backward(x, K, delta)
    ctx.check.gradient("∂J/∂K vs FD", dK, numerical_gradient(J_linear(delta, lambda v: corr2d(x, v)), K.copy()))
    ctx.check.gradient("∂J/∂x vs FD", dx, numerical_gradient(J_linear(delta, lambda v: corr2d(v, K)), x.copy()))
    for name, arr in (("ex3_x", x), ("ex3_K", K), ("ex3_delta", delta), ("ex3_Kflip", flip(K)), ("ex3_delta_pad", np.pad(delta, 1))):
        ctx.value(name, arr, digits=0)
    ctx.answer("ex3_dK", dK, digits=0, mistakes={"reversed-correlation": flip(dK), "transpose": dK.T})
    ctx.answer("ex3_dx", dx, digits=0, mistakes={"kernel-not-flipped": full2d(delta, K)})
    return ""


@artifact("ex4")
def ex4(ctx):
    # Shapes with channels: a 3-channel 32×32 input and 16 filters of 5×5.
    x, W4, b = channel_layer(SEED + 3, 3, 16, (32, 32), (5, 5))
    P = im2col(x, W4.shape[2:])
    W = W4.reshape(W4.shape[0], -1)
    ctx.check.chain("W P", [W.shape, P.shape], (W4.shape[0], P.shape[1]))
    Z = W @ P + b
    for i, j in ((0, 0), (13, 27), (27, 5)):  # a few positions, each against its window directly
        ctx.check.close(f"W P + b 1ᵀ at position ({i + 1}, {j + 1})", Z[:, i * 28 + j],
                        np.einsum("ocab,cab->o", W4, x[:, i:i + 5, j:j + 5]) + b[:, 0], tol=1e-12)
    ctx.value("ex4_W4", tuple(W4.shape))
    ctx.value("ex4_x", tuple(x.shape))
    ctx.value("ex4_rows", " \\cdot ".join(map(str, (x.shape[0], *W4.shape[2:]))))
    ctx.value("ex4_cols", " \\cdot ".join(str(n - k + 1) for n, k in zip(x.shape[1:], W4.shape[2:], strict=True)))
    ctx.answer("ex4_P", P.shape, mistakes={"transpose": P.T.shape, "channels-missing": (P.shape[0] // x.shape[0], P.shape[1])})
    ctx.answer("ex4_W", W.shape, mistakes={"transpose": W.T.shape})
    return ""
