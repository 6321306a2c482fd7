"""Artifacts for docs/general-depth.md: backpropagation for L layers, checked on random networks.

Layers are numbered as in the chapter: a^(0) = x, layers l = 1..L, which is also
the reference code's indexing (W[l] is W^(l)). Every network is seeded, so the
pages are byte-identical from build to build.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from backprop.activations import activation
from backprop.gradcheck import loss_of_z as J_of_z
from backprop.gradcheck import numerical_gradient, relative_error
from backprop.losses import loss, output_delta
from backprop.network import backward, forward, init_network, loss_value
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import chain_svg, layers_svg, sub, sup
from book.tables import bound, md_table, num, shape, tex_matrix

# Per-entry relative error allowed between backprop and central differences. Entries of a
# random deep network's gradient can be as small as 1e-6, and the finite-difference error
# is absolute (about 1e-11 here), so 1e-7 per entry would reject correct gradients.
TOL_FD = 1e-5
TOL_EXACT = 1e-12  # two exact computations of the same number (loops vs matrix products)
H = 1e-5  # central-difference step
LOSS_LABEL = {"squared_error": "squared error", "binary_cross_entropy": "binary cross-entropy",
              "softmax_cross_entropy": "cross-entropy"}


class Arch(NamedTuple):
    name: str
    sizes: tuple[int, ...]
    acts: tuple[str, ...]
    loss: str
    seed: int

    @property
    def L(self) -> int:
        return len(self.sizes) - 1


ARCHS = [
    Arch("A", (4, 5, 3, 2), ("tanh", "tanh", "identity"), "squared_error", 100),
    Arch("B", (4, 5, 3, 2), ("sigmoid", "relu", "sigmoid"), "binary_cross_entropy", 101),
    Arch("C", (3, 6, 4, 4, 3), ("relu", "tanh", "relu", "softmax"), "softmax_cross_entropy", 102),
    Arch("D", (4, 3, 5, 3), ("relu", "tanh", "softmax"), "squared_error", 103),
    Arch("E", (5, 4, 4, 4, 4, 2), ("sigmoid",) * 5, "squared_error", 104),
    Arch("F", (3, 7, 5, 6, 4, 2), ("tanh", "relu", "sigmoid", "tanh", "identity"), "squared_error", 105),
]
BY_NAME = {arch.name: arch for arch in ARCHS}


def make(arch: Arch):
    """(net, x, y) for an architecture: N(0, 1/d) weights, small random biases, one input column."""
    net = init_network(list(arch.sizes), list(arch.acts), arch.loss, seed=arch.seed)
    rng = np.random.default_rng(arch.seed + 1000)
    for l in range(1, net.L + 1):
        net.b[l] = 0.1 * rng.standard_normal(net.b[l].shape)
    x = rng.standard_normal((arch.sizes[0], 1))
    d_L = arch.sizes[-1]
    if arch.loss == "softmax_cross_entropy" or arch.acts[-1] == "softmax":
        y = np.eye(d_L)[:, [int(rng.integers(d_L))]]  # one-hot class
    elif arch.loss == "binary_cross_entropy":
        y = (rng.uniform(size=(d_L, 1)) > 0.5).astype(float)  # 0/1 labels
    elif arch.acts[-1] == "sigmoid":
        y = rng.uniform(size=(d_L, 1))  # targets a sigmoid can reach
    else:
        y = rng.standard_normal((d_L, 1))
    return net, x, y


def J_of_params(net, x, y):
    """J with the network's current parameters; numerical_gradient perturbs them in place."""
    return lambda _: loss_value(net, x, y)


def backprop_by_entries(net, cache, y):
    """The per-entry equations with explicit sums: no matrix product, no transpose anywhere."""
    L, W, g = net.L, net.W, net.g
    z, a = cache.z, cache.a
    dz, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    dz[L] = output_delta(net.loss, g[L], z[L], a[L], y)[:, 0]  # (B1)
    for l in range(L, 0, -1):
        d_l, d_prev = W[l].shape
        if l < L:
            g_prime = g[l].prime(z[l])[:, 0]
            d_next = W[l + 1].shape[0]
            # dJ/dz_i^(l) = sum_k dJ/dz_k^(l+1) W_ki^(l+1) g'(z_i^(l))
            dz[l] = np.array([sum(dz[l + 1][k] * W[l + 1][k, i] for k in range(d_next)) * g_prime[i] for i in range(d_l)])
        # dJ/dW_ij^(l) = dJ/dz_i^(l) a_j^(l-1);  dJ/db_i^(l) = dJ/dz_i^(l)
        dW[l] = np.array([[dz[l][i] * a[l - 1][j, 0] for j in range(d_prev)] for i in range(d_l)])
        db[l] = dz[l].copy()
    return [None] + [v[:, None] for v in dz[1:]], dW, [None] + [v[:, None] for v in db[1:]]


def widths(arch: Arch) -> str:
    return "[" + ", ".join(map(str, arch.sizes)) + "]"


def tex_pow(x: float) -> str:
    """A bound such as 1e-07 as TeX, 10^{-7}, for prose."""
    text = bound(x)
    if text == "0":
        return "0"
    return "10^{" + str(int(text[2:])) + "}"


def uni_pow(x: float) -> str:
    """A bound such as 1e-07 as Unicode text, 10⁻⁷, which never breaks across lines."""
    text = bound(x)
    return text if text == "0" else "10" + sup(str(int(text[2:])))


def tex_col(v, digits: int = 4) -> str:
    """A column written as a transposed row, so it fits in a line of prose."""
    return tex_matrix(np.reshape(v, (1, -1)), digits) + r"^\top"


def vec(v, digits: int = 4) -> str:
    return "(" + ", ".join(num(t, digits) for t in np.ravel(v)) + ")"


# ---------------------------------------------------------------------------
# The networks and the verification table


@artifact("architectures")
def architectures(ctx):
    rows = []
    for arch in ARCHS:
        net, x, y = make(arch)
        ctx.check.that(f"network {arch.name} has widths {widths(arch)}", net.sizes == list(arch.sizes),
                       f"d₀…d_L = {widths(arch)}, L = {arch.L}")
        acts = f"{arch.acts[0]} (all {arch.L})" if len(set(arch.acts)) == 1 else ", ".join(arch.acts)
        rows.append([arch.name, f"{arch.L}", widths(arch), acts, LOSS_LABEL[arch.loss], str(arch.seed)])
    ctx.value("n_archs", str(len(ARCHS)))
    ctx.value("max_L", str(max(a.L for a in ARCHS)))
    return md_table(["network", "$L$", "widths $d_0, \\dots, d_L$", "$g^{(1)}, \\dots, g^{(L)}$", "loss $J$", "seed"],
                    rows, align="lllllr")


@artifact("verify")
def verify(ctx):
    rows = []
    worst, smallest, largest_abs = 0.0, np.inf, 0.0
    for arch in ARCHS:
        net, x, y = make(arch)
        cache = forward(net, x)
        grads = backward(net, cache, y)
        _, dW_loops, db_loops = backprop_by_entries(net, cache, y)
        J = J_of_params(net, x, y)
        errs_W, errs_b, errs_loop, nums_W, nums_b = [], [], [], [], []
        for l in range(1, net.L + 1):
            num_W = numerical_gradient(J, net.W[l], H)
            num_b = numerical_gradient(J, net.b[l], H)
            nums_W.append(num_W.ravel())
            nums_b.append(num_b.ravel())
            errs_W.append(relative_error(grads.dW[l], num_W))
            errs_b.append(relative_error(grads.db[l], num_b))
            errs_loop.append(max(relative_error(grads.dW[l], dW_loops[l]), relative_error(grads.db[l], db_loops[l])))
            nonzero = np.abs(grads.dW[l][grads.dW[l] != 0])
            if nonzero.size:
                smallest = min(smallest, float(nonzero.min()))
            largest_abs = max(largest_abs, float(np.abs(grads.dW[l] - num_W).max()), float(np.abs(grads.db[l] - num_b).max()))
            rows.append([arch.name if l == 1 else "", f"{l}", shape(net.W[l]), bound(errs_W[-1]), bound(errs_b[-1]),
                         bound(errs_loop[-1])])
        all_W = np.concatenate([grads.dW[l].ravel() for l in range(1, net.L + 1)])
        ctx.check.gradient(f"network {arch.name}: ∂J/∂W(l) = δ(l) a(l−1)ᵀ for l = 1…{arch.L}", all_W, np.concatenate(nums_W),
                           tol=TOL_FD)
        all_b = np.concatenate([grads.db[l].ravel() for l in range(1, net.L + 1)])
        ctx.check.gradient(f"network {arch.name}: ∂J/∂b(l) = δ(l) for l = 1…{arch.L}", all_b, np.concatenate(nums_b), tol=TOL_FD)
        ctx.check.that(f"network {arch.name}: per-entry sums equal the matrix form", max(errs_loop) <= TOL_EXACT,
                       f"largest relative difference ≤ {bound(max(errs_loop))} (tolerance {TOL_EXACT:.0e})")
        worst = max(worst, *errs_W, *errs_b)
    ctx.value("worst", tex_pow(worst))
    ctx.value("smallest_entry", tex_pow(smallest))
    ctx.value("largest_abs", tex_pow(largest_abs))
    ctx.value("tol_fd", tex_pow(TOL_FD))
    ctx.value("tol_exact", tex_pow(TOL_EXACT))
    ctx.value("h", tex_pow(H))
    ctx.value("n_rows", str(len(rows)))
    headers = ["network", "layer $l$", "$W^{(l)}$", "$\\partial J/\\partial W^{(l)}$ vs FD",
               "$\\partial J/\\partial b^{(l)}$ vs FD", "per-entry sums vs matrix form"]
    return md_table(headers, rows, align="lccccc")


# ---------------------------------------------------------------------------
# The recursion, per entry, on network A


@artifact("entrywise")
def entrywise(ctx):
    arch = BY_NAME["A"]
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    dz_loops, _, _ = backprop_by_entries(net, cache, y)
    rows = []
    for l in range(arch.L, 0, -1):
        numeric = numerical_gradient(J_of_z(net, y, l), cache.z[l].copy(), H)
        ctx.check.gradient(f"∂J/∂z({l}) by the sum over k, against finite differences on z({l})", dz_loops[l], numeric)
        ctx.check.close(f"δ({l}) from the sum over k = δ({l}) from (B1)/(B2)", dz_loops[l], grads.delta[l], tol=TOL_EXACT,
                        how="explicit sums equal the matrix product")
        how = "(B1): the output layer" if l == arch.L else f"sum over k = 1…{net.sizes[l + 1]}"
        rows.append([f"$\\delta^{{({l})}}$", shape(grads.delta[l]), how, vec(dz_loops[l]),
                     bound(relative_error(dz_loops[l], numeric))])
    ctx.value("A_sizes", widths(arch))
    return md_table(["", "shape", "computed by", "entries (top to bottom)", "vs FD on $z^{(l)}$"], rows, align="lclrc")


# ---------------------------------------------------------------------------
# The recursion in both layouts (network F, layer 2)


def recursion_artifact(ctx, layout: str):
    arch, l = BY_NAME["F"], 2
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    D = np.diag(net.g[l].prime(cache.z[l])[:, 0])  # diag(g'(z^(l))), d_l × d_l
    d_l, d_next = net.sizes[l], net.sizes[l + 1]
    numeric = numerical_gradient(J_of_z(net, y, l), cache.z[l].copy(), H)
    if layout == "denominator":
        factors = [("diag(g′(z⁽²⁾))", D), ("W⁽³⁾ᵀ", net.W[l + 1].T), ("δ⁽³⁾", grads.delta[l + 1])]
        tex = [r"\diag\bigl(g'(z^{(2)})\bigr)", r"W^{(3)\top}", r"\delta^{(3)}"]
        lhs, result_label, expected = r"\delta^{(2)}", "δ⁽²⁾", (d_l, 1)
    else:
        factors = [("∂J/∂z⁽³⁾", grads.delta[l + 1].T), ("W⁽³⁾", net.W[l + 1]), ("diag(g′(z⁽²⁾))", D)]
        tex = [r"\frac{\partial J}{\partial z^{(3)}}", r"W^{(3)}", r"\diag\bigl(g'(z^{(2)})\bigr)"]
        lhs, result_label, expected = r"\frac{\partial J}{\partial z^{(2)}}", "∂J/∂z⁽²⁾ (row)", (1, d_l)
    product = factors[0][1] @ factors[1][1] @ factors[2][1]
    ctx.check.chain(f"{layout}-layout product for layer {l}", [f[1].shape for f in factors], expected)
    column = product if layout == "denominator" else product.T
    ctx.check.close(f"{layout}-layout product = δ({l}) from (B2)", column, grads.delta[l], tol=TOL_EXACT,
                    how="the diagonal-matrix product equals the Hadamard form")
    ctx.check.gradient(f"{layout}-layout product = ∂J/∂z({l})", column, numeric)
    # Every layer, not only this one: the layout product agrees with (B2) throughout network F.
    for m in range(1, arch.L):
        Dm = np.diag(net.g[m].prime(cache.z[m])[:, 0])
        if layout == "denominator":
            other = Dm @ net.W[m + 1].T @ grads.delta[m + 1]
        else:
            other = (grads.delta[m + 1].T @ net.W[m + 1] @ Dm).T
        ctx.check.close(f"{layout}-layout product for layer {m} = δ({m})", other, grads.delta[m], tol=TOL_EXACT,
                        how="agrees with (B2)")
    shapes_tex = " ".join(rf"\underbrace{{{t}}}_{{{arr.shape[0]}\times {arr.shape[1]}}}"
                          for t, (_, arr) in zip(tex, factors, strict=True))
    lhs_tex = rf"\underbrace{{{lhs}}}_{{{expected[0]}\times {expected[1]}}}"
    svg = chain_svg([(lab, arr.shape) for lab, arr in factors], (result_label, product.shape), salt=f"general-depth-rec-{layout}",
                    grid=True, title=f"Shapes of the recursion for layer 2 of network F, {layout} layout",
                    desc=" · ".join(f"{lab} {shape(arr)}" for lab, arr in factors) + f" gives {shape(product)}.")
    caption = " · ".join(shape(arr) for _, arr in factors) + f" → {shape(product)}"
    return (display(f"{lhs_tex} = {shapes_tex}") + "\n\n"
            + figure(svg, f"{layout.capitalize()} layout, network F, layer 2 (d₂ = {d_l}, d₃ = {d_next}): {caption}."))


@artifact("recursion-denominator")
def recursion_denominator(ctx):
    return recursion_artifact(ctx, "denominator")


@artifact("recursion-numerator")
def recursion_numerator(ctx):
    return recursion_artifact(ctx, "numerator")


# ---------------------------------------------------------------------------
# Shapes: a figure for network A, a table for the deep network F


def shape_checks(ctx, arch: Arch):
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    for l in range(1, arch.L + 1):
        d_l, d_prev = net.sizes[l], net.sizes[l - 1]
        ctx.check.shape(f"network {arch.name}: δ({l}) is d{sub(str(l))}×1", grads.delta[l], (d_l, 1))
        if l < arch.L:
            ctx.check.chain(f"network {arch.name}: W({l + 1})ᵀ δ({l + 1}) (B2)", [net.W[l + 1].T.shape, grads.delta[l + 1].shape],
                            (d_l, 1))
        ctx.check.chain(f"network {arch.name}: δ({l}) a({l - 1})ᵀ (B3)", [grads.delta[l].shape, cache.a[l - 1].T.shape],
                        net.W[l].shape)
        ctx.check.shape(f"network {arch.name}: ∂J/∂W({l}) has the shape of W({l})", grads.dW[l], (d_l, d_prev))
        ctx.check.shape(f"network {arch.name}: ∂J/∂b({l}) has the shape of b({l})", grads.db[l], (d_l, 1))
    return net, cache, grads


@artifact("shapes-forward")
def shapes_forward(ctx):
    arch = BY_NAME["A"]
    shape_checks(ctx, arch)
    sizes = list(arch.sizes)
    svg = layers_svg(sizes, direction="forward", salt="general-depth-forward",
                     title=f"Shapes in the forward pass of network A, widths {widths(arch)}",
                     desc="For each layer l, W(l) is d_l by d_(l-1), b(l) and a(l) are d_l by 1: "
                          + "; ".join(f"layer {l}: W {sizes[l]}×{sizes[l - 1]}" for l in range(1, arch.L + 1)) + ".")
    return figure(svg, f"Forward pass through network A, widths {widths(arch)}: layer l turns a d{sub('l-1')}×1 column "
                       f"into a d{sub('l')}×1 column.")


@artifact("shapes-backward")
def shapes_backward(ctx):
    arch = BY_NAME["A"]
    shape_checks(ctx, arch)
    sizes = list(arch.sizes)
    svg = layers_svg(sizes, direction="backward", salt="general-depth-backward",
                     title=f"Shapes in the backward pass of network A, widths {widths(arch)}",
                     desc="Rows from the output layer down to layer 1; each shows delta(l) (d_l by 1), W(l) and dJ/dW(l) "
                          "(both d_l by d_(l-1)), and the arrow between rows carries the recursion (B2) with its shapes.")
    return figure(svg, "Backward pass through network A: δ⁽ˡ⁾ always has the shape of z⁽ˡ⁾, and ∂J/∂W⁽ˡ⁾ = δ⁽ˡ⁾a⁽ˡ⁻¹⁾ᵀ "
                       "has the shape of W⁽ˡ⁾.")


@artifact("shape-table")
def shape_table(ctx):
    arch = BY_NAME["F"]
    net, cache, grads = shape_checks(ctx, arch)
    rows = []
    for l in range(arch.L, 0, -1):
        if l == arch.L:
            source = "(B1) from the loss"
        else:
            source = f"({shape(net.W[l + 1].T)})({shape(grads.delta[l + 1])}) ⊙ ({shape(cache.z[l])})"
        rows.append([f"{l}", arch.acts[l - 1], shape(net.W[l]), shape(grads.db[l]), source,
                     f"({shape(grads.delta[l])})({shape(cache.a[l - 1].T)}) = {shape(grads.dW[l])}"])
    n_params = sum(net.W[l].size + net.b[l].size for l in range(1, arch.L + 1))
    ctx.check.that("parameter count", n_params == sum(a * b + a for a, b in zip(arch.sizes[1:], arch.sizes[:-1], strict=True)),
                   f"{n_params} parameters = Σ d_l (d_(l−1) + 1)")
    ctx.value("F_sizes", widths(arch))
    ctx.value("F_params", str(n_params))
    return md_table(["$l$", "$g^{(l)}$", "$W^{(l)}$", "$z^{(l)}, \\delta^{(l)}, \\partial J/\\partial b^{(l)}$",
                     "$\\delta^{(l)}$ by (B1) or (B2)", "$\\partial J/\\partial W^{(l)}$ by (B3)"], rows, align="llcccc")


# ---------------------------------------------------------------------------
# The output-layer convention: when is δ^(L) = a^(L) − y, when z^(L) − y?

PAIRS = [
    # (output activation, loss, a − y holds?, z − y holds?)
    ("identity", "squared_error", True, True),
    ("softmax", "softmax_cross_entropy", True, False),
    ("sigmoid", "binary_cross_entropy", True, False),
    ("sigmoid", "squared_error", False, False),
    ("tanh", "squared_error", False, False),
    ("softmax", "squared_error", False, False),
]


def convention_point():
    """One z^(L) and one one-hot y used for every pair, so the rows compare like with like."""
    rng = np.random.default_rng(14)
    z = rng.standard_normal((3, 1))
    y = np.array([[0.0], [1.0], [0.0]])
    return z, y


@artifact("output-convention")
def output_convention(ctx):
    z, y = convention_point()
    rows = []
    for g_name, loss_name, a_holds, z_holds in PAIRS:
        g = activation(g_name)
        a = g(z)
        true = numerical_gradient(lambda v, g=g, loss_name=loss_name: loss(loss_name).value(g(v), y), z.copy(), H)
        ref = output_delta(loss_name, g, z, a, y)
        pair = f"{g_name} + {LOSS_LABEL[loss_name]}"
        ctx.check.gradient(f"{pair}: (B1) in the reference code = ∂J/∂z(L)", ref, true)
        cells = []
        for guess, holds, label in ((a - y, a_holds, "a(L) − y"), (z - y, z_holds, "z(L) − y")):
            err = relative_error(guess, true)
            if holds:
                ctx.check.gradient(f"{pair}: δ(L) = {label}, as claimed", guess, true)
                cells.append(f"**yes** (≤ {uni_pow(err)})")
            else:
                ctx.check.differ(f"{pair}: δ(L) ≠ {label}, as claimed", guess, true, min_rel=1e-2,
                                 how=f"{label} is not the gradient")
                cells.append(f"no ({num(err, 2)})")
        rows.append([f"{g_name} + {LOSS_LABEL[loss_name]}", vec(true), vec(a - y), cells[0], cells[1]])
    ctx.value("conv_z", tex_col(z))
    ctx.value("conv_y", tex_col(y, digits=0))
    ctx.value("conv_z_minus_y", tex_col(z - y))
    return md_table(["$g^{(L)}$ + loss", "true $\\delta^{(L)}$ (FD)", "$a^{(L)} - y$", "$\\delta^{(L)} = a^{(L)} - y$?",
                     "$\\delta^{(L)} = z^{(L)} - y$?"], rows, align="lrrcc")


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    """∂J/∂W^(2)_23 for network A from one δ entry and one activation."""
    arch = BY_NAME["A"]
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    i, j = 1, 2  # 0-based: row 2, column 3
    d, a_j = grads.delta[2][i, 0], cache.a[1][j, 0]
    answer = d * a_j
    ctx.value("ex1_delta2", tex_col(grads.delta[2]))
    ctx.value("ex1_a1", tex_col(cache.a[1]))
    numeric = numerical_gradient(J_of_params(net, x, y), net.W[2], H)[i, j]
    ctx.check.gradient("∂J/∂W(2)₂₃ = δ(2)₂ a(1)₃", np.array([answer]), np.array([numeric]))
    ctx.check.close("the same entry of δ(2) a(1)ᵀ", answer, grads.dW[2][i, j], tol=TOL_EXACT, how="matches (B3)")
    row = grads.dW[2][i]
    return solution(
        "Only \\(z^{(2)}_2\\) contains \\(W^{(2)}_{23}\\), with coefficient \\(a^{(1)}_3\\), so\n\n"
        + display(rf"\frac{{\partial J}}{{\partial W^{{(2)}}_{{23}}}} = \delta^{{(2)}}_2\, a^{{(1)}}_3"
                  rf" = {num(d)} \times {num(a_j)} = {num(answer)}.")
        + "\n\nThe whole second row of \\(\\partial J/\\partial W^{(2)}\\) is \\(\\delta^{(2)}_2\\) times the row "
        + f"\\(a^{{(1)\\top}}\\): {vec(row)}."
    )


@artifact("ex2")
def ex2(ctx):
    """δ^(2)_1 for network A by the sum over k."""
    arch = BY_NAME["A"]
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    i = 0
    d3, W3, z2 = grads.delta[3], net.W[3], cache.z[2]
    terms = [d3[k, 0] * W3[k, i] for k in range(d3.shape[0])]
    g_prime = 1 - np.tanh(z2[i, 0]) ** 2
    answer = sum(terms) * g_prime
    ctx.value("ex2_delta3", tex_col(d3))
    ctx.value("ex2_W3", tex_matrix(W3))
    ctx.value("ex2_z2", num(z2[i, 0]))
    ctx.check.close("Σ_k δ(3)_k W(3)_k1 tanh′(z(2)_1) = δ(2)_1", answer, grads.delta[2][i, 0], tol=TOL_EXACT, how="matches (B2)")
    numeric = numerical_gradient(J_of_z(net, y, 2), z2.copy(), H)[i, 0]
    ctx.check.gradient("δ(2)_1 = ∂J/∂z(2)_1", np.array([answer]), np.array([numeric]))
    sum_tex = " + ".join(f"({num(d3[k, 0])})({num(W3[k, i])})" for k in range(len(terms)))
    return solution(
        "Column 1 of \\(W^{(3)}\\) holds the weights that leave unit 1 of layer 2, and \\(\\tanh' = 1 - \\tanh^2\\):\n\n"
        + display(r"\begin{aligned}"
                  rf"\delta^{{(2)}}_1 &= \Bigl(\sum_k \delta^{{(3)}}_k W^{{(3)}}_{{k1}}\Bigr) \tanh'(z^{{(2)}}_1) \\"
                  rf" &= \bigl({sum_tex}\bigr) \times {num(g_prime)} \\"
                  rf" &= {num(sum(terms))} \times {num(g_prime)} = {num(answer)}."
                  r"\end{aligned}")
        + "\n\nThis is the first entry of \\((W^{(3)\\top}\\delta^{(3)}) \\odot g'(z^{(2)})\\): the sum over \\(k\\) is row 1 of "
        "\\(W^{(3)\\top}\\) times \\(\\delta^{(3)}\\), which is why the transpose appears."
    )


@artifact("ex3")
def ex3(ctx):
    """Starting a sigmoid + squared-error network with δ = a − y: how wrong, and where."""
    arch = BY_NAME["E"]
    net, x, y = make(arch)
    cache = forward(net, x)
    grads = backward(net, cache, y)
    a, L = cache.a[arch.L], arch.L
    wrong_top = a - y
    factor = grads.delta[L] / wrong_top
    ctx.check.close("δ(L) / (a(L) − y) = σ′(z(L)) = a(L)(1 − a(L))", factor, a * (1 - a), tol=1e-10, how="entry by entry")
    # Run (B2)-(B3) from the wrong start and compare the first layer's weight gradient with finite differences.
    delta = wrong_top
    for l in range(L - 1, 0, -1):
        delta = (net.W[l + 1].T @ delta) * net.g[l].prime(cache.z[l])  # (B2) from the wrong start
    wrong_dW1 = delta @ cache.a[0].T  # (B3)
    numeric = numerical_gradient(J_of_params(net, x, y), net.W[1], H)
    ctx.check.gradient("∂J/∂W(1) from the right δ(L)", grads.dW[1], numeric, tol=TOL_FD)
    err = ctx.check.differ("∂J/∂W(1) from δ(L) = a(L) − y", wrong_dW1, numeric, min_rel=0.5, how="every layer inherits the error")
    ratio = wrong_dW1 / grads.dW[1]
    ctx.value("ex3_a", tex_col(a))
    ctx.value("ex3_y", tex_col(y))
    return solution(
        "(B1) for a sigmoid output with squared error is "
        "\\(\\delta^{(L)} = (a^{(L)} - y) \\odot a^{(L)} \\odot (1 - a^{(L)})\\), "
        "so each entry of \\(a^{(L)} - y\\) is too large by the factor \\(1 / \\bigl(a^{(L)}_i (1 - a^{(L)}_i)\\bigr)\\):\n\n"
        + display(rf"a^{{(L)}} \odot (1 - a^{{(L)}}) = {tex_matrix(a * (1 - a))}, \qquad"
                  rf" \frac{{a^{{(L)}} - y}}{{\delta^{{(L)}}}} = {tex_matrix(1 / factor, 2)}.")
        + "\n\nSince \\(\\sigma' \\le 1/4\\), the wrong start is always at least four times too large. Every earlier "
        "\\(\\delta^{(l)}\\) is computed from \\(\\delta^{(L)}\\) by (B2), so every layer's gradient is wrong: for layer 1 "
        f"of network E the entries of the wrong \\(\\partial J/\\partial W^{{(1)}}\\) are between {num(ratio.min(), 2)} and "
        f"{num(ratio.max(), 2)} times the true ones (relative error {num(err, 2)} against finite differences). "
        "The two output units are off by different factors, so no single learning-rate change repairs it."
    )


@artifact("ex4")
def ex4(ctx):
    """Shapes for a wide network, from a real forward and backward pass."""
    sizes = [784, 128, 64, 10]
    net = init_network(sizes, ["relu", "relu", "softmax"], "softmax_cross_entropy", seed=4)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((sizes[0], 1))
    y = np.eye(sizes[-1])[:, [3]]
    cache = forward(net, x)
    grads = backward(net, cache, y)
    rows = []
    for l in range(len(sizes) - 1, 0, -1):
        d_l, d_prev = sizes[l], sizes[l - 1]
        ctx.check.shape(f"δ({l})", grads.delta[l], (d_l, 1))
        ctx.check.chain(f"δ({l}) a({l - 1})ᵀ", [grads.delta[l].shape, cache.a[l - 1].T.shape], (d_l, d_prev))
        ctx.check.shape(f"∂J/∂W({l}) = shape of W({l})", grads.dW[l], net.W[l].shape)
        if l + 1 < len(sizes):
            ctx.check.chain(f"W({l + 1})ᵀ δ({l + 1}) in (B2)", [net.W[l + 1].T.shape, grads.delta[l + 1].shape], (d_l, 1))
            wt = shape(net.W[l + 1].T)
        else:
            wt = "— (B1)"
        rows.append([f"{l}", shape(grads.delta[l]), wt, shape(grads.dW[l]), f"{grads.dW[l].size + grads.db[l].size}"])
    total = sum(net.W[l].size + net.b[l].size for l in range(1, len(sizes)))
    ctx.check.that("parameter count", total == sum(a * b + a for a, b in zip(sizes[1:], sizes[:-1], strict=True)),
                   f"{total} = Σ d_l (d_(l−1) + 1)")
    ctx.value("ex4_sizes", "[" + ", ".join(map(str, sizes)) + "]")
    table = md_table(["$l$", "$\\delta^{(l)}$", "$W^{(l+1)\\top}$ in (B2)", "$\\partial J/\\partial W^{(l)}$",
                      "entries of $\\partial J/\\partial W^{(l)}$ and $\\partial J/\\partial b^{(l)}$"], rows, align="lcccr")
    return solution(
        table + f"\n\nIn total the backward pass produces {total} gradient entries, one per parameter. The build ran a real "
        "forward and backward pass through this network to get these shapes."
    )
