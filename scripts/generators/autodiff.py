"""docs/autodiff.md."""  # the gate view, layers with a cache, forward and reverse mode, a small autodiff

from __future__ import annotations

import functools

import numpy as np

from backprop import autodiff as ad
from backprop import layers
from backprop.gradcheck import check_network_gradients, loss_of_param, numerical_gradient, numerical_jacobian
from backprop.jacobians import dz_dW
from backprop.network import backward, flatten_params, forward, gradients, init_network, loss_value
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure
from book.shapes import sup
from book.tables import md_table, num, tex_bound
from generators._tape import reading_order, tape_svg

SIZES, ACTS, LOSS, SEED, M = [3, 4, 2], ["tanh", "sigmoid"], "squared_error", 1104, 5
EXACT = 1e-12  # two computations of the same numbers in another order
FD_TOL = 1e-6  # central differences: an entry near 1e-4 carries a relative FD error near 1e-7
RANDOM_FD_TOL = 1e-5  # random networks have entries near 1e-5, with relative FD errors near 1e-6
PAIRS = [(["tanh", "sigmoid"], "squared_error"), (["relu", "softmax"], "softmax_cross_entropy"),
         (["sigmoid", "sigmoid"], "binary_cross_entropy"), (["tanh", "identity"], "squared_error")]
WIDTHS = [2, 4, 8, 16, 32]  # the op-count networks: w-w-w-2, a batch of 4
SHOWN = {"sigmoid": "σ"}  # how the figure writes an activation


def example(sizes=SIZES, acts=ACTS, loss=LOSS, m=1, seed=SEED):
    # A seeded network with non-zero biases, inputs X (d_0 × m) and targets Y (d_L × m) its loss accepts.
    rng = np.random.default_rng(seed)
    net = init_network(sizes, acts, loss, seed=seed)
    for l in range(1, net.L + 1):
        net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
    X = rng.standard_normal((sizes[0], m))
    Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)] if loss == "softmax_cross_entropy" else rng.uniform(0.1, 0.9, (sizes[-1], m))
    return net, X, Y


def fd_grads(net, X, Y, reduction):
    # Central differences of J by every W(l) and b(l): {"W[1]": numeric, ...}.
    return {k: v[1] for k, v in check_network_gradients(net, X, Y, reduction=reduction).items()}


def s(l):
    return sup(f"({l})")


def grouped(n, sep="\u202f"):  # 12 345 in a table; sep=r"\," for TeX
    return f"{int(n):,}".replace(",", sep)


@artifact("graph")
def graph(ctx):
    # The answer's figure: the network's graph from backprop.autodiff, each node with ∂J/∂node.
    net, x, y = example()
    J, W, b = ad.network_graph(net, x, y)
    order = reading_order(ad.backward(J))
    g = gradients(net, x, y)
    a, names, grads = J.parents[0][0], {id(J): "J = ½‖a⁽²⁾ − y‖²"}, {id(J): "∂J/∂J = 1"}
    cache, upstream = forward(net, x), {}
    for l in range(net.L, 0, -1):  # walk the graph back from J: a = g(z), z = W a_prev + b
        upstream[l] = a.grad  # ∂J/∂a(l), as the graph computed it
        act = net.activations[l]
        names[id(a)] = f"a{s(l)} = {SHOWN.get(act, act)}(z{s(l)})"
        grads[id(a)] = f"a{s(l)} − y" if l == net.L else f"W{s(l + 1)}ᵀδ{s(l + 1)}"
        z = a.parents[0][0]
        Wa, bias = (p for p, _, _ in z.parents)
        W_, a = (p for p, _, _ in Wa.parents)
        ctx.check.that(f"layer {l} is (F1), (F2) in the graph", W_ is W[l] and bias is b[l] and z.op == "add" and Wa.op == "matmul",
                       "a = g(W a_prev + b)")
        names.update({id(z): f"z{s(l)} = W{s(l)}a{s(l - 1)} + b{s(l)}", id(Wa): f"W{s(l)}a{s(l - 1)}", id(W_): f"W{s(l)}",
                      id(bias): f"b{s(l)}"})
        grads.update({id(z): f"δ{s(l)}", id(Wa): f"δ{s(l)}", id(W_): f"δ{s(l)}a{s(l - 1)}ᵀ", id(bias): f"δ{s(l)}"})
        ctx.check.close(f"graph ∂J/∂z({l}) = δ({l})", z.grad, g.delta[l], tol=EXACT)
        ctx.check.close(f"graph ∂J/∂W({l}) = δ({l}) a({l - 1})ᵀ", W[l].grad, g.dW[l], tol=EXACT)
        ctx.check.gradient(f"graph ∂J/∂W({l}) vs FD", W[l].grad, numerical_gradient(loss_of_param(net, x, y, "W", l), net.W[l]))
        ctx.check.gradient(f"graph ∂J/∂b({l}) vs FD", b[l].grad, numerical_gradient(loss_of_param(net, x, y, "b", l), net.b[l]))
    names[id(a)], grads[id(a)] = "a⁽⁰⁾ = x", "not needed"
    dJ_da2, Wt_delta2 = cache.a[2] - y, net.W[2].T @ g.delta[2]  # the upstream gradients of (B1) and (B2)
    ctx.check.close("graph ∂J/∂a(2) = a(2) − y", upstream[2], dJ_da2, tol=EXACT)
    ctx.check.close("graph ∂J/∂a(1) = W(2)ᵀ δ(2)", upstream[1], Wt_delta2, tol=EXACT)
    for name, v in (("dJ_da2", dJ_da2), ("Wt_delta2", Wt_delta2), ("gprime2", net.g[2].prime(cache.z[2])),
                    ("gprime1", net.g[1].prime(cache.z[1])), ("y", y)):
        ctx.value(name, v)
    ctx.check.that("every node of the graph is named", len(names) == len(order), f"{len(order)} nodes")
    bad = [names[id(v)] for v in order if v.grad is not None and v.grad.shape != v.shape]
    ctx.check.that("each ∂J/∂node has the node's shape", not bad, str(bad or len(order)))
    rows = [(names[id(v)], "×".join(map(str, v.shape)), grads[id(v)] + ("" if v.grad is None else "  " + "×".join(map(str, v.grad.shape))))
            for v in order]
    edges = {(order.index(p), order.index(v)) for v in order for p, _, _ in v.parents}
    leaves = {i for i, v in enumerate(order) if not v.parents}
    ctx.value("sizes", "-".join(map(str, SIZES)))
    for l in (1, 2):
        for name, arr in ((f"W{l}", net.W[l]), (f"b{l}", net.b[l]), (f"delta{l}", g.delta[l]), (f"a{l}", cache.a[l])):
            ctx.value(name, arr)
    ctx.value("x", x)
    svg = tape_svg(rows, edges, leaves=leaves,
                   salt="autodiff-graph", title="The 3-4-2 network as a computational graph",
                   desc="One node per row, arcs from inputs to uses; each gradient has its node's shape.")
    return figure(svg, f"{len(order)} nodes")


def named(pair):
    return ", ".join(pair[0]) + "; " + pair[1].replace("_", " ")


@artifact("layers")
def layers_table(ctx):
    # The layers composed (backprop.layers) against (B1)-(B4) (network.backward) and central differences.
    rows = []
    for pair in PAIRS:
        net, X, Y = example(SIZES, *pair, m=M)
        J, cache = layers.network_forward(net, X, Y, "mean")
        got, want, fd = layers.network_backward(net, cache), backward(net, forward(net, X), Y, "mean"), fd_grads(net, X, Y, "mean")
        ctx.check.close(f"{named(pair)}: J, layers = loss_value", J, loss_value(net, X, Y, "mean"), tol=EXACT)
        e_b, e_fd = 0.0, 0.0
        for l in range(1, net.L + 1):
            for part in ("delta", "dW", "db"):
                e_b = max(e_b, ctx.check.close(f"{named(pair)}: {part}({l}), layers = (B1)-(B4)",
                                               getattr(got, part)[l], getattr(want, part)[l], tol=EXACT))
            for p in ("W", "b"):
                e_fd = max(e_fd, ctx.check.gradient(f"{named(pair)}: d{p}({l}), layers vs FD", getattr(got, "d" + p)[l],
                                                    fd[f"{p}[{l}]"], tol=FD_TOL))
            ctx.check.weight_gradient(f"{named(pair)}: dW({l}) has W's shape", got.dW[l], net.W[l], "denominator")
        rows.append([named(pair), f"${tex_bound(e_b)}$", f"${tex_bound(e_fd)}$"])
    ctx.value("m", M)
    return md_table(["network (activations; loss)", "vs (B1)–(B4)", "vs FD"], rows, align="lrr")


def jacobian_entries(d_l, d_prev, m):
    return d_l * m * d_l * d_prev  # ∂Z/∂W: one row per entry of Z (d_l × m), one column per entry of W


@artifact("jacobian-size")
def jacobian_size(ctx):
    # The local Jacobian ∂z/∂W is a 3-tensor; its VJP δ aᵀ never forms it. Sizes for a real layer.
    net, x, y = example()
    a0, W1 = ad.const(x), ad.Var(net.W[1])
    z1 = W1 @ a0 + ad.const(net.b[1])
    d1, d0 = net.W[1].shape
    ad.backward(z1, seed=np.eye(d1).reshape(d1, d1, 1))  # seed k is e_k: row k of the Jacobian
    T = W1.grad  # (d_1, d_1, d_0): T[k] = ∂z_k/∂W
    ctx.check.close("autodiff ∂z/∂W = jacobians.dz_dW", T, dz_dW(net.W[1], x), tol=0.0)
    fd = numerical_jacobian(lambda w: (w.reshape(d1, d0) @ x + net.b[1]), net.W[1].reshape(-1, 1))
    ctx.check.close("∂z/∂W vs FD (flattened)", T.reshape(d1, -1), fd, tol=1e-8)
    delta = gradients(net, x, y).delta[1]
    ctx.check.close("Σ_k δ_k ∂z_k/∂W = δ aᵀ (B3)", np.einsum("k,kij->ij", delta[:, 0], T), delta @ x.T, tol=EXACT)
    Wb = ad.Var(net.W[1])  # the same layer on a batch of M: ∂Z/∂W by M·d_1 reverse passes
    Z = Wb @ ad.const(example(m=M)[1]) + ad.const(net.b[1])
    ad.backward(Z, seed=np.eye(Z.value.size).reshape(-1, *Z.shape))
    ctx.check.that("∂Z/∂W has jacobian_entries() entries", Wb.grad.size == jacobian_entries(d1, d0, M), f"{Wb.grad.size}")
    big, m = (128, 784), 64  # a 784-128 layer, a batch of 64
    rng = np.random.default_rng(SEED)
    Delta, A = rng.standard_normal((big[0], m)), rng.standard_normal((big[1], m))
    with ad.counting() as made:
        ad.const(Delta) @ ad.const(A.T)  # (B3, batch): Δ Aᵀ
    entries = jacobian_entries(*big, m)
    ctx.check.that("Δ Aᵀ: d_l m d_(l-1) multiplications", made() == big[0] * m * big[1], f"{made()} counted")
    ctx.value("jac_layer", f"{big[1]}-to-{big[0]}")
    ctx.value("jac_m", m)
    ctx.value("jac_entries", grouped(entries, r"\,"))
    ctx.value("jac_gb", entries * 8 / 1e9, digits=1)
    ctx.value("vjp_mults", grouped(made(), r"\,"))
    ctx.value("jac_over_vjp", entries // made())
    ctx.value("T_shape", T.shape[:1] + (T.shape[1] * T.shape[2],))
    return ""


@functools.cache  # the counts table and the ratio table read the same runs
def counts(width, seed):
    # Multiplications of the forward pass, of reverse mode's backward pass and of forward mode's n passes.
    net, X, Y = example([width, width, width, 2], ["tanh", "tanh", "sigmoid"], LOSS, m=4, seed=seed)
    with ad.counting() as made:
        J, W, b = ad.network_graph(net, X, Y, "mean")
    F = made()
    with ad.counting() as made:
        ad.backward(J)
    B = made()
    params = [p for l in range(1, net.L + 1) for p in (W[l], b[l])]
    with ad.counting() as made:
        fwd = ad.forward_mode_gradient(J, params)
    T = made()
    seeds = [np.zeros((1, *p.shape)) for p in params]
    seeds[0].flat[0] = 1.0  # one pass alone: it moves the first entry of W(1)
    with ad.counting() as made:
        ad.jvp(J, dict(zip(params, seeds, strict=True)))
    return net, X, Y, params, fwd, F, B, T, made()


@artifact("modes")
def modes(ctx):
    # Reverse against forward mode, counted on w-w-w-2 networks: the table, the plot, the ratio.
    rows, ns, F, B, T = [], [], [], [], []
    for width in WIDTHS:
        net, X, Y, params, fwd, f, b, t, one = counts(width, SEED + width)
        n = flatten_params(net).size
        g = gradients(net, X, Y, "mean")
        want = [d for l in range(1, net.L + 1) for d in (g.dW[l], g.db[l])]
        for p, by_fwd, w in zip(params, fwd, want, strict=True):
            ctx.check.close(f"w = {width}: {p.name}, forward = reverse mode", by_fwd, p.grad, tol=EXACT)
            ctx.check.close(f"w = {width}: {p.name}, reverse mode = backward()", p.grad, w, tol=EXACT)
        ctx.check.that(f"w = {width}: forward mode is n = {n} passes", t == n * one, f"{t} = {n} · {one}")
        ctx.check.that(f"w = {width}: backward = 1 to 3 forward passes", f <= b <= 3 * f, f"{b} / {f}")
        hand = X.shape[1] * sum(W.size for W in net.W[1:]) + 1  # m Σ d_l d_(l-1) in the products, 1 for the mean's 1/m
        ctx.check.that(f"w = {width}: forward pass counted = by hand", f == hand, f"{f} = {hand}")
        ns.append(n), F.append(f), B.append(b), T.append(t)
        rows.append([grouped(n), grouped(f + b), grouped(f + t)])
    reverse, forward_ = np.add(F, B), np.add(F, T)
    ratios = forward_ / reverse
    slopes = [np.polyfit(np.log(ns), np.log(v), 1)[0] for v in (reverse, forward_)]  # on the log-log plot
    ctx.check.that("reverse mode grows like n, forward mode like n²", abs(slopes[0] - 1) < 0.2 and abs(slopes[1] - 2) < 0.2,
                   f"slopes {slopes[0]:.2f} and {slopes[1]:.2f}")
    ctx.value("slope_rev", slopes[0], digits=2)
    ctx.value("slope_fwd", slopes[1], digits=2)
    for name, v in (("n", ns), ("w", WIDTHS)):
        ctx.value(f"{name}_first", v[0])
        ctx.value(f"{name}_last", v[-1])
    ctx.value("rev_last", grouped(reverse[-1], r"\,"))
    ctx.value("fwd_last", grouped(forward_[-1], r"\,"))
    ctx.value("ratio_first", ratios[0], digits=1)
    ctx.value("ratio_last", ratios[-1], digits=0)
    ctx.value("bf_min", min(np.divide(B, F)), digits=2)
    ctx.value("bf_max", max(np.divide(B, F)), digits=2)
    svg = line_plot([("forward pass", ns, F), ("reverse mode", ns, reverse), ("forward mode", ns, forward_)],
                    salt="autodiff-modes", logx=True, logy=True, title="Multiplications: reverse and forward mode",
                    desc=f"w-w-w-2, w = {WIDTHS}; log-log.",
                    xlabel="parameters n", ylabel="multiplications", figsize=(6.0, 3.6))
    table = md_table(["$n$", "reverse mode", "forward mode"], rows, align="rrr")
    return figure(svg, f"w-w-w-2, w = {', '.join(map(str, WIDTHS))}") + "\n\n" + table


@artifact("modes-ratio")
def modes_ratio(ctx):
    # Per network: width w, parameters n, and forward mode's multiplications over reverse mode's (the runs of "modes").
    rows, ratios = [], []
    for width in WIDTHS:
        net, _, _, _, _, f, b, t, _ = counts(width, SEED + width)
        n = flatten_params(net).size
        ctx.check.that(f"w = {width}: n = 2(w + 1)² parameters", n == 2 * (width + 1) ** 2, f"{n}")  # w-w-w-2, by hand
        ratio = (f + t) / (f + b)
        ctx.check.that(f"w = {width}: forward mode costs between n/4 and n times reverse mode", n / 4 < ratio < n,
                       f"{ratio:.1f} for n = {n}")
        ratios.append(ratio)
        rows.append([str(width), grouped(n), num(ratio, 0)])
    ctx.check.that("the ratio grows with n", all(np.diff(ratios) > 0), " < ".join(num(r, 0) for r in ratios))
    return md_table(["$w$", "$n$", "ratio"], rows, align="rrr")


def output_graph(net, x):
    # The network's output a(L) as a graph of x alone: W and b are constants here.
    a = x
    for l in range(1, net.L + 1):
        a = ad.apply(ad.const(net.W[l]) @ a + ad.const(net.b[l]), net.g[l])  # (F1), (F2)
    return a


@artifact("jacobians")
def jacobians(ctx):
    # The Jacobian of a network's output by its input: forward mode needs d_0 passes, reverse mode d_L.
    rows = []
    for sizes in ([2, 8, 8, 16], [16, 8, 8, 2]):
        net, X, _ = example(sizes, ["tanh", "tanh", "identity"], LOSS)
        x = ad.Var(X, name="x")
        out = output_graph(net, x)
        d_in, d_out = sizes[0], sizes[-1]
        with ad.counting() as made:
            cols = ad.jvp(out, {x: np.eye(d_in).reshape(d_in, d_in, 1)})  # pass j pushes e_j: column j
        fwd_mults = made()
        with ad.counting() as made:
            ad.backward(out, seed=np.eye(d_out).reshape(d_out, d_out, 1))  # pass i pulls e_i: row i
        rev_mults = made()
        forward_J, reverse_J = cols[:, :, 0].T, x.grad[:, :, 0]
        label = "-".join(map(str, sizes))
        ctx.check.close(f"{label}: forward mode = reverse mode", forward_J, reverse_J, tol=EXACT)
        fd = numerical_jacobian(lambda v, net=net: forward(net, v).a[net.L], X)
        ctx.check.close(f"{label}: Jacobian vs FD", reverse_J, fd, tol=1e-8)
        cheaper = fwd_mults < rev_mults
        ctx.check.that(f"{label}: fewer passes, fewer multiplications", cheaper == (d_in < d_out),
                       f"forward {fwd_mults}, reverse {rev_mults}")
        rows.append([label, f"{d_in} · {fwd_mults // d_in} = {fwd_mults}", f"{d_out} · {rev_mults // d_out} = {rev_mults}"])
    return md_table(["network", "forward mode", "reverse mode"], rows, align="lrr")


@artifact("random")
def random_networks(ctx):
    # backprop.autodiff and backprop.layers on seeded random networks, against (B1)-(B4) and FD.
    rng = np.random.default_rng(SEED + 1)
    worst_b, worst_fd, count = 0.0, 0.0, 24
    for i in range(count):
        L = int(rng.integers(1, 4))
        sizes = [int(d) for d in rng.integers(1, 6, L + 1)]
        pair = PAIRS[int(rng.integers(len(PAIRS)))]
        acts = [str(rng.choice(["tanh", "sigmoid", "relu", "leaky_relu", "identity"])) for _ in range(L - 1)] + [pair[0][-1]]
        sizes[-1] = max(sizes[-1], 2) if pair[1] == "softmax_cross_entropy" else sizes[-1]
        red = ["sum", "mean"][i % 2]
        net, X, Y = example(sizes, acts, pair[1], m=int(rng.integers(1, 5)), seed=SEED + 10 + i)
        J, W, b = ad.network_graph(net, X, Y, red)
        ad.backward(J)
        want, fd = backward(net, forward(net, X), Y, red), fd_grads(net, X, Y, red)
        lay = layers.network_backward(net, layers.network_forward(net, X, Y, red)[1])
        for l in range(1, L + 1):
            tag = f"net {i + 1}, layer {l}"
            worst_b = max(worst_b, ctx.check.close(f"{tag}: autodiff dW = backward()", W[l].grad, want.dW[l], tol=EXACT),
                          ctx.check.close(f"{tag}: autodiff db = backward()", b[l].grad, want.db[l], tol=EXACT),
                          ctx.check.close(f"{tag}: layers dW = backward()", lay.dW[l], want.dW[l], tol=EXACT))
            worst_fd = max(worst_fd, ctx.check.gradient(f"{tag}: autodiff dW vs FD", W[l].grad, fd[f"W[{l}]"], tol=RANDOM_FD_TOL),
                           ctx.check.gradient(f"{tag}: autodiff db vs FD", b[l].grad, fd[f"b[{l}]"], tol=RANDOM_FD_TOL))
    ctx.value("random_count", count)
    ctx.value("random_worst_b", tex_bound(worst_b))
    ctx.value("random_worst_fd", tex_bound(worst_fd))
    return ""


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    # Shapes of a linear gate's three gradients, from real arrays: d_(l-1) = 5, d_l = 3, m = 8.
    rng = np.random.default_rng(SEED + 2)
    a_prev, W, b = rng.standard_normal((5, 8)), rng.standard_normal((3, 5)), rng.standard_normal((3, 1))
    z, cache = layers.linear_forward(a_prev, W, b)
    da_prev, dW, db = layers.linear_backward(np.ones_like(z), cache)
    ctx.check.weight_gradient("∂J/∂W has W's shape", dW, W, "denominator")
    ctx.check.shape("∂J/∂a_prev has a_prev's shape", da_prev, a_prev.shape)
    ctx.check.shape("∂J/∂b has b's shape", db, b.shape)
    ctx.value("ex1_din", W.shape[1])
    ctx.value("ex1_dout", W.shape[0])
    ctx.value("ex1_m", z.shape[1])
    ctx.answer("ex1_dW", dW.shape, mistakes={"transpose": dW.T.shape})
    ctx.answer("ex1_da", da_prev.shape, mistakes={"transpose": da_prev.T.shape, "upstream-shape": z.shape})
    ctx.answer("ex1_db", db.shape, mistakes={"bias-not-summed": z.shape})
    return ""


EX2_W, EX2_A, EX2_DELTA = np.array([[2.0, -1.0], [1.0, 3.0]]), np.array([[1.0], [2.0]]), np.array([[1.0], [-2.0]])


@artifact("ex2")
def ex2(ctx):
    # A matmul gate z = W a with an upstream gradient δ: both downstream gradients, by autodiff and by FD.
    W, a = ad.Var(EX2_W, name="W"), ad.Var(EX2_A, name="a")
    z = W @ a
    ad.backward(z, seed=EX2_DELTA)
    J = lambda: float((EX2_DELTA.T @ EX2_W @ EX2_A)[0, 0])  # noqa: E731  J = δᵀ z has ∂J/∂z = δ
    ctx.check.gradient("∂J/∂a = Wᵀ δ vs FD", a.grad, numerical_gradient(lambda _: J(), EX2_A))
    ctx.check.gradient("∂J/∂W = δ aᵀ vs FD", W.grad, numerical_gradient(lambda _: J(), EX2_W))
    ctx.check.close("autodiff's ∂J/∂a is Wᵀ δ", a.grad, EX2_W.T @ EX2_DELTA, tol=0.0)
    for name, v in (("ex2_W", EX2_W), ("ex2_a", EX2_A), ("ex2_delta", EX2_DELTA)):
        ctx.value(name, v, digits=0)
    ctx.answer("ex2_da", a.grad, digits=0, mistakes={"no-transpose": EX2_W @ EX2_DELTA})
    ctx.answer("ex2_dW", W.grad, digits=0, mistakes={"transpose": W.grad.T})
    return ""


EX3_W, EX3_X = np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[1.0], [1.0]])


@artifact("ex3")
def ex3(ctx):
    # A fork: x feeds W x and the skip connection, r = W x + x, J = ½ rᵀr; the two paths add.
    x = ad.Var(EX3_X, name="x")
    r = ad.const(EX3_W) @ x + x
    J = ad.mul(ad.total(r * r), 0.5)
    ad.backward(J)
    r_ = r.value
    ctx.check.gradient("∂J/∂x vs FD", x.grad, numerical_gradient(lambda v: 0.5 * float(np.sum((EX3_W @ v + v) ** 2)), EX3_X.copy()))
    ctx.check.close("∂J/∂x = Wᵀ r + r", x.grad, EX3_W.T @ r_ + r_, tol=0.0)
    ctx.check.that("x feeds two nodes", sum(p is x for v in ad.topological_order(J) for p, _, _ in v.parents) == 2,
                   "the matmul and the add")
    ctx.value("ex3_W", EX3_W, digits=0)
    ctx.value("ex3_x", EX3_X, digits=0)
    ctx.value("ex3_r", r_, digits=0)
    ctx.value("ex3_Wtr", EX3_W.T @ r_, digits=0)
    ctx.answer("ex3_dx", x.grad, digits=0, mistakes={"one-path": EX3_W.T @ r_})
    return ""


@artifact("ex4")
def ex4(ctx):
    # Passes for the gradient of a 784-128-10 network: forward mode one per parameter, reverse mode one.
    sizes = [784, 128, 10]
    n = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in (1, 2))
    net = init_network(sizes, ["sigmoid", "softmax"], "softmax_cross_entropy", seed=SEED)
    ctx.check.that("n: every parameter", n == flatten_params(net).size, f"n = {n}")
    weights = sum(sizes[l] * sizes[l - 1] for l in (1, 2))
    ctx.answer("ex4_forward", n, digits=0, mistakes={"modes-swapped": 1, "weights-only": weights})
    ctx.answer("ex4_reverse", 1, digits=0, mistakes={"modes-swapped": n})
    ctx.value("ex4_weights", weights)
    ctx.value("ex4_sizes", "-".join(map(str, sizes)))
    ctx.value("ex4_biases", n - weights)
    return ""
