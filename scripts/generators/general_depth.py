"""docs/general-depth.md: backprop for L layers, checked on six seeded random networks (a(0) = x)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from backprop.gradcheck import loss_of_param, loss_of_z, numerical_gradient, relative_error
from backprop.losses import output_delta
from backprop.network import backward, forward, init_network
from book.artifacts import artifact
from book.markup import figure
from book.shapes import chain_svg, layers_svg
from book.tables import bound, md_table, num, shape, tex_bound

# Entries of a deep random network's gradient can be as small as 1e-6 while the finite-difference
# error is absolute (about 1e-11), so 1e-7 per entry would reject correct gradients.
TOL_FD = 1e-5
TOL_EXACT = 1e-12  # loops against matrix products: the same numbers
H = 1e-5  # central-difference step
LOSS = {"squared_error": "squared error", "binary_cross_entropy": "binary cross-entropy",
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

    @property
    def widths(self) -> str:
        return ", ".join(map(str, self.sizes))


ARCHS = {a.name: a for a in [
    Arch("A", (4, 5, 3, 2), ("tanh", "tanh", "identity"), "squared_error", 100),
    Arch("B", (4, 5, 3, 2), ("sigmoid", "relu", "sigmoid"), "binary_cross_entropy", 101),
    Arch("C", (3, 6, 4, 4, 3), ("relu", "tanh", "relu", "softmax"), "softmax_cross_entropy", 102),
    Arch("D", (4, 3, 5, 3), ("relu", "tanh", "softmax"), "squared_error", 103),
    Arch("E", (5, 4, 4, 4, 4, 2), ("sigmoid",) * 5, "squared_error", 104),
    Arch("F", (3, 7, 5, 6, 4, 2), ("tanh", "relu", "sigmoid", "tanh", "identity"), "squared_error", 105),
]}


def make(arch: Arch):
    # (net, x, y, cache, grads): N(0, 1/d) weights, small random biases, one input, a target that suits the loss.
    net = init_network(list(arch.sizes), list(arch.acts), arch.loss, seed=arch.seed)
    rng = np.random.default_rng(arch.seed + 1000)
    for l in range(1, net.L + 1):
        net.b[l] = 0.1 * rng.standard_normal(net.b[l].shape)
    x, d_L = rng.standard_normal((arch.sizes[0], 1)), arch.sizes[-1]
    if arch.loss == "softmax_cross_entropy" or arch.acts[-1] == "softmax":
        y = np.eye(d_L)[:, [int(rng.integers(d_L))]]  # one-hot class
    elif arch.loss == "binary_cross_entropy":
        y = (rng.uniform(size=(d_L, 1)) > 0.5).astype(float)  # 0/1 labels
    elif arch.acts[-1] == "sigmoid":
        y = rng.uniform(size=(d_L, 1))  # targets a sigmoid can reach
    else:
        y = rng.standard_normal((d_L, 1))
    cache = forward(net, x)
    return net, x, y, cache, backward(net, cache, y)


def backprop_by_entries(net, cache, y):
    # The per-entry equations with explicit sums: no matrix product, no transpose anywhere.
    L, W, g, z, a = net.L, net.W, net.g, cache.z, cache.a
    dz, dW = [None] * (L + 1), [None] * (L + 1)
    dz[L] = output_delta(net.loss, g[L], z[L], a[L], y)[:, 0]  # (B1)
    for l in range(L, 0, -1):
        d_l, d_prev = W[l].shape
        if l < L:
            g_prime = g[l].prime(z[l])[:, 0]
            # dJ/dz_i^(l) = sum_k dJ/dz_k^(l+1) W_ki^(l+1) g'(z_i^(l))
            dz[l] = np.array([sum(dz[l + 1][k] * W[l + 1][k, i] for k in range(W[l + 1].shape[0])) * g_prime[i]
                              for i in range(d_l)])
        # dJ/dW_ij^(l) = dJ/dz_i^(l) a_j^(l-1);  dJ/db_i^(l) = dJ/dz_i^(l)
        dW[l] = np.array([[dz[l][i] * a[l - 1][j, 0] for j in range(d_prev)] for i in range(d_l)])
    return [None] + [v[:, None] for v in dz[1:]], dW


def chained(*arrays) -> str:  # "(3×5)(5×1) → 3×1": the factors' shapes, then the result's
    return "".join(f"({shape(a)})" for a in arrays[:-1]) + " → " + shape(arrays[-1])


def shape_checks(ctx, arch: Arch):
    # Every shape of (B2) and (B3) in every layer, from a real forward and backward pass.
    net, x, y, cache, grads = make(arch)
    for l in range(1, arch.L + 1):
        ctx.check.shape(f"{arch.name}: δ({l}) is d_{l}×1", grads.delta[l], (net.sizes[l], 1))
        if l < arch.L:
            ctx.check.chain(f"{arch.name}: W({l + 1})ᵀ δ({l + 1})", [net.W[l + 1].T.shape, grads.delta[l + 1].shape],
                            (net.sizes[l], 1))
        ctx.check.chain(f"{arch.name}: δ({l}) a({l - 1})ᵀ", [grads.delta[l].shape, cache.a[l - 1].T.shape], net.W[l].shape)
        ctx.check.weight_gradient(f"{arch.name}: ∂J/∂W({l})", grads.dW[l], net.W[l], "denominator")
        ctx.check.shape(f"{arch.name}: ∂J/∂b({l}) has the shape of b({l})", grads.db[l], net.b[l].shape)
    return net, cache, grads


@artifact("shapes-backward")
def shapes_backward(ctx):
    arch = ARCHS["A"]
    shape_checks(ctx, arch)
    ctx.value("A_sizes", arch.widths)
    svg = layers_svg(list(arch.sizes), direction="backward", salt="general-depth-backward",
                     title="Backward pass, network A", desc="δ, W, ∂J/∂W per layer, output first")
    return figure(svg, f"d = {arch.widths}")


@artifact("architectures")
def architectures(ctx):
    rows = []
    for arch in ARCHS.values():
        net = make(arch)[0]
        ctx.check.that(f"{arch.name}: widths {arch.widths}", net.sizes == list(arch.sizes), f"L = {arch.L}")
        acts = f"{arch.acts[0]} (all)" if len(set(arch.acts)) == 1 else ", ".join(arch.acts)
        rows.append([f"{arch.name}: {arch.widths}", acts, LOSS[arch.loss]])
    ctx.value("n_archs", len(ARCHS))
    ctx.value("max_L", max(a.L for a in ARCHS.values()))
    return md_table(["network: $d_0, \\dots, d_L$", "$g^{(1)}, \\dots, g^{(L)}$", "$J$"], rows, align="lll")


@artifact("verify")
def verify(ctx):
    # Every gradient three ways: (B1)-(B4), explicit per-entry sums, central differences.
    rows, worst, smallest, largest_abs = [], 0.0, np.inf, 0.0
    for arch in ARCHS.values():
        net, x, y, cache, grads = make(arch)
        _, dW_loops = backprop_by_entries(net, cache, y)
        analytic, numeric = [], []
        for l in range(1, net.L + 1):
            num_W = numerical_gradient(loss_of_param(net, x, y, "W", l), net.W[l].copy(), H)
            num_b = numerical_gradient(loss_of_param(net, x, y, "b", l), net.b[l].copy(), H)
            errs = [relative_error(grads.dW[l], num_W), relative_error(grads.db[l], num_b),
                    relative_error(grads.dW[l], dW_loops[l])]
            ctx.check.close(f"{arch.name}, layer {l}: sums = (B3)", grads.dW[l], dW_loops[l], tol=TOL_EXACT)
            analytic += [grads.dW[l].ravel(), grads.db[l].ravel()]
            numeric += [num_W.ravel(), num_b.ravel()]
            nonzero = np.abs(grads.dW[l][grads.dW[l] != 0])
            smallest = min(smallest, float(nonzero.min())) if nonzero.size else smallest
            largest_abs = max(largest_abs, float(np.abs(analytic[-2] - numeric[-2]).max()),
                              float(np.abs(analytic[-1] - numeric[-1]).max()))
            worst = max(worst, *errs[:2])
            rows.append([f"{arch.name}, {l}", *(bound(e) for e in errs[:2])])
        ctx.check.gradient(f"{arch.name}: ∂J/∂W(l), ∂J/∂b(l) vs FD", np.concatenate(analytic),
                           np.concatenate(numeric), tol=TOL_FD)
    for name, v in (("worst", worst), ("smallest_entry", smallest), ("largest_abs", largest_abs), ("tol_fd", TOL_FD),
                    ("tol_exact", TOL_EXACT), ("h", H)):
        ctx.value(name, tex_bound(v))
    return md_table(["network, $l$", "$\\partial J/\\partial W^{(l)}$ vs FD", "$\\partial J/\\partial b^{(l)}$ vs FD"], rows,
                    align="lcc")


@artifact("entrywise")
def entrywise(ctx):
    # δ(l) of network A by the sum over k, against finite differences taken on z(l) itself.
    net, x, y, cache, grads = make(ARCHS["A"])
    dz_loops, _ = backprop_by_entries(net, cache, y)
    rows = []
    for l in range(net.L, 0, -1):
        numeric = numerical_gradient(loss_of_z(net, y, l), cache.z[l].copy(), H)
        err = ctx.check.gradient(f"δ({l}) by Σ_k vs FD on z({l})", dz_loops[l], numeric)
        ctx.check.close(f"δ({l}) by Σ_k = (B1)/(B2)", dz_loops[l], grads.delta[l], tol=TOL_EXACT)
        rows.append([f"$\\delta^{{({l})}}$", ", ".join(num(v) for v in dz_loops[l].ravel()), bound(err)])
    return md_table(["quantity", "entries", "vs FD"], rows, align="lrc")


def recursion(ctx, layout: str):
    # δ(2) of network F as a product of Jacobians, in one layout, against (B2) and finite differences.
    net, x, y, cache, grads = make(ARCHS["F"])
    numeric = numerical_gradient(loss_of_z(net, y, 2), cache.z[2].copy(), H)
    for l in range(1, net.L):  # every layer, not only the one on the page
        D = np.diag(net.g[l].prime(cache.z[l])[:, 0])  # diag(g'(z(l))): the Jacobian of an elementwise g
        if layout == "denominator":
            factors = [("diag(g′(z⁽²⁾))", D), ("W⁽³⁾ᵀ", net.W[l + 1].T), ("δ⁽³⁾", grads.delta[l + 1])]
        else:
            factors = [("∂J/∂z⁽³⁾", grads.delta[l + 1].T), ("W⁽³⁾", net.W[l + 1]), ("diag(g′(z⁽²⁾))", D)]
        product = factors[0][1] @ factors[1][1] @ factors[2][1]
        column = product if layout == "denominator" else product.T
        ctx.check.close(f"{layout}, layer {l}: product = (B2)", column, grads.delta[l], tol=TOL_EXACT)
        if l == 2:
            ctx.check.chain(f"{layout}-layout product for layer 2", [f[1].shape for f in factors], product.shape)
            ctx.check.gradient(f"{layout}-layout product = ∂J/∂z(2) vs FD", column, numeric)
            shown, result = factors, product
    for k, (_, arr) in enumerate(shown):
        ctx.value(f"rec_{layout}_{k}", arr.shape)
    ctx.value(f"rec_{layout}_result", result.shape)
    ctx.value("F_sizes", ARCHS["F"].widths)
    dims = " · ".join(shape(a) for _, a in shown) + f" → {shape(result)}"
    svg = chain_svg([(lab, arr.shape) for lab, arr in shown], ("∂J/∂z⁽²⁾", result.shape), salt=f"general-depth-rec-{layout}",
                    grid=True, title=f"(B2), {layout} layout", desc=dims)
    return figure(svg, dims)


for _layout in ("denominator", "numerator"):
    artifact(f"recursion-{_layout}")(lambda ctx, layout=_layout: recursion(ctx, layout))


@artifact("shape-table")
def shape_table(ctx):
    arch = ARCHS["F"]
    net, cache, grads = shape_checks(ctx, arch)
    rows = []
    for l in range(arch.L, 0, -1):
        b2 = f"(B1) → {shape(grads.delta[l])}" if l == arch.L else chained(net.W[l + 1].T, grads.delta[l + 1], grads.delta[l])
        rows.append([l, b2, chained(grads.delta[l], cache.a[l - 1].T, grads.dW[l])])
    n_params = sum(net.W[l].size + net.b[l].size for l in range(1, arch.L + 1))
    ctx.check.that("parameter count", n_params == sum(a * (b + 1) for a, b in zip(arch.sizes[1:], arch.sizes[:-1], strict=True)),
                   f"{n_params} = Σ d_l (d_(l−1) + 1)")
    ctx.value("F_params", n_params)
    return md_table(["$l$", "$\\delta^{(l)}$ by (B1), (B2)", "$\\partial J/\\partial W^{(l)}$ by (B3)"], rows, align="lcc")


@artifact("ex1")
def ex1(ctx):
    # ∂J/∂W(2)_23 of network A: one entry of δ(2) times one entry of a(1).
    net, x, y, cache, grads = make(ARCHS["A"])
    d2, a1 = grads.delta[2][:, 0], cache.a[1][:, 0]
    numeric = numerical_gradient(loss_of_param(net, x, y, "W", 2), net.W[2].copy(), H)
    ctx.check.gradient("∂J/∂W(2)₂₃ = δ(2)₂ a(1)₃", np.array([d2[1] * a1[2]]), numeric[1:2, 2])
    ctx.check.close("row 2 of ∂J/∂W(2) = δ(2)₂ a(1)ᵀ", d2[1] * a1, grads.dW[2][1], tol=TOL_EXACT)
    ctx.value("ex1_delta2", grads.delta[2])
    ctx.value("ex1_a1", cache.a[1])
    ctx.answer("ex1_entry", d2[1] * a1[2], mistakes={"sign": -d2[1] * a1[2], "transpose": d2[2] * a1[1],
                                                     "wrong-layer": d2[1] * x[2, 0]})
    ctx.answer("ex1_row", grads.dW[2][1], mistakes={"wrong-layer": d2[1] * x[:, 0], "transpose": grads.dW[2][:, 1]})
    return ""


@artifact("ex2")
def ex2(ctx):
    # δ(2)_1 of network A by the sum over k, down column 1 of W(3).
    net, x, y, cache, grads = make(ARCHS["A"])
    d3, W3, z21 = grads.delta[3][:, 0], net.W[3], cache.z[2][0, 0]
    total, g_prime = float(d3 @ W3[:, 0]), 1 - np.tanh(z21) ** 2  # Σ_k δ(3)_k W(3)_k1, tanh'(z(2)_1)
    ctx.check.close("Σ_k δ(3)_k W(3)_k1 tanh′(z(2)_1) = δ(2)_1", total * g_prime, grads.delta[2][0, 0], tol=TOL_EXACT)
    numeric = numerical_gradient(loss_of_z(net, y, 2), cache.z[2].copy(), H)
    ctx.check.gradient("δ(2)_1 = ∂J/∂z(2)_1", np.array([total * g_prime]), numeric[:1, 0])
    ctx.value("ex2_z21", z21)
    ctx.value("ex2_delta3", grads.delta[3])
    ctx.value("ex2_W3", W3)
    ctx.value("ex2_sum", total)
    ctx.value("ex2_gprime", g_prime)
    ctx.answer("ex2_delta21", total * g_prime, mistakes={"missing-gprime": total, "sign": -total * g_prime,
                                                         "gprime-of-z": total * (1 - z21**2)})
    return ""


@artifact("ex3")
def ex3(ctx):
    # Network E (sigmoid + squared error) started with δ(L) = a(L) − y: every layer inherits the error.
    net, x, y, cache, grads = make(ARCHS["E"])
    L, a = net.L, cache.a[net.L]
    ctx.check.close("δ(L) / (a(L) − y) = σ′(z(L)) = a(L)(1 − a(L))", grads.delta[L] / (a - y), a * (1 - a), tol=1e-10)
    delta = a - y  # the wrong start, carried down by (B2)
    for l in range(L - 1, 0, -1):
        delta = (net.W[l + 1].T @ delta) * net.g[l].prime(cache.z[l])
    numeric = numerical_gradient(loss_of_param(net, x, y, "W", 1), net.W[1].copy(), H)
    ctx.check.gradient("∂J/∂W(1) from the right δ(L)", grads.dW[1], numeric, tol=TOL_FD)
    err = ctx.check.differ("∂J/∂W(1) from δ(L) = a(L) − y", delta @ x.T, numeric, min_rel=0.5, how="every layer is wrong")
    ratio = (delta @ x.T) / grads.dW[1]
    ctx.value("ex3_a", a)
    ctx.value("ex3_y", y)
    ctx.value("ex3_gprime", a * (1 - a))
    ctx.value("ex3_factor", (a - y) / grads.delta[L], digits=2)
    ctx.value("ex3_ratio_min", ratio.min(), digits=2)
    ctx.value("ex3_ratio_max", ratio.max(), digits=2)
    ctx.value("ex3_err", err, digits=2)
    ctx.answer("ex3_deltaL", grads.delta[L], mistakes={"missing-gprime": a - y, "sign": -grads.delta[L]})
    return ""


@artifact("ex4")
def ex4(ctx):
    # Shapes of a 784-128-64-10 classifier, from a real forward and backward pass.
    arch = Arch("ex4", (784, 128, 64, 10), ("relu", "relu", "softmax"), "softmax_cross_entropy", 4)
    net, cache, grads = shape_checks(ctx, arch)
    total = sum(grads.dW[l].size + grads.db[l].size for l in range(1, arch.L + 1))
    ctx.check.that("one gradient entry per parameter", total == sum(net.W[l].size + net.b[l].size for l in range(1, arch.L + 1)),
                   f"{total} entries")
    ctx.value("ex4_sizes", arch.widths)
    ctx.value("ex4_total", total)
    for l in range(1, arch.L + 1):
        ctx.value(f"ex4_delta{l}", grads.delta[l].shape)
        if l > 1:
            ctx.value(f"ex4_dW{l}", grads.dW[l].shape)
    ctx.answer("ex4_WT2", net.W[3].T.shape, mistakes={"no-transpose": net.W[3].shape, "wrong-layer": net.W[2].T.shape})
    ctx.answer("ex4_dW1", grads.dW[1].shape, mistakes={"transpose": grads.dW[1].T.shape})
    return ""
