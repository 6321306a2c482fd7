"""Artifacts for docs/chain-rule.md: the chain rule written with Jacobians."""

# Book numbering (a^(0) = x). Two networks: the 2-3-2 running example, whose numbers net232/running
# publishes (here: its Jacobians, diag(σ′) against ⊙, softmax, and the 3-tensor ∂z/∂W), and a 3-3-3
# network with square weights, where a wrong transpose keeps every shape right.

from __future__ import annotations

import numpy as np

from backprop import Network, backward, forward, numerical_gradient, worked_example
from backprop.activations import activation
from backprop.gradcheck import loss_of_param, loss_of_z, numerical_jacobian
from backprop.jacobians import contract_weight_gradient, da_dz, dJ_da, dz_da_prev, dz_dW
from backprop.losses import loss
from book.artifacts import artifact
from book.figures import matrix_heatmap
from book.markup import figure
from book.shapes import chain_svg, sub, tensor_svg
from book.tables import num, shape, tex_bound

sigma, softmax, tanh = activation("sigmoid"), activation("softmax"), activation("tanh")
SQUARE_SEED = 315  # the 3-3-3 example; any seed whose W(2) is far from symmetric would do
OFF_DIAGONAL_BOUND = 1e-12  # |∂a_i/∂z_j|, i ≠ j, by finite differences, for an entrywise g


def tex_sparse(M) -> str:  # a bmatrix whose exact zeros print as 0: the pattern stands out
    rows = [" & ".join("0" if v == 0 else num(v) for v in row) for row in np.atleast_2d(M)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def off_diagonal(M):
    return M[~np.eye(M.shape[0], dtype=bool)]


def square_example():  # 3-3-3 sigmoid network with one-decimal weights: Wᵀ has W's shape
    rng = np.random.default_rng(SQUARE_SEED)
    W1, W2 = (np.round(rng.normal(0.0, 1.0, (3, 3)), 1) for _ in range(2))
    b1, b2 = (np.round(rng.normal(0.0, 0.3, (3, 1)), 1) for _ in range(2))
    x, y = np.round(rng.normal(0.0, 1.0, (3, 1)), 1), np.array([[1.0], [0.0], [1.0]])
    net = Network(W=[None, W1, W2], b=[None, b1, b2], activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    cache = forward(net, x)
    return net, x, y, cache, backward(net, cache, y)


# ---------------------------------------------------------------------------
# One Jacobian per step, and the elementwise activation (2-3-2)


@artifact("steps")
def steps(ctx):
    net, x, y, cache, grads = worked_example()
    W, b, z, a = net.W, net.b, cache.z, cache.a
    J = loss(net.loss)
    jacobians = [  # (step, its numerator-layout Jacobian, the step as a function, where)
        ("∂z(1)/∂x = W(1)", dz_da_prev(W[1]), lambda v: W[1] @ v + b[1], x),  # (F1)
        ("∂a(1)/∂z(1)", da_dz("sigmoid", z[1]), sigma, z[1]),  # (F2)
        ("∂z(2)/∂a(1) = W(2)", dz_da_prev(W[2]), lambda v: W[2] @ v + b[2], a[1]),  # (F1)
        ("∂a(2)/∂z(2)", da_dz("sigmoid", z[2]), sigma, z[2]),  # (F2)
        ("∂J/∂a(2)", dJ_da(net.loss, a[2], y), lambda v: np.array([[J.value(v, y)]]), a[2]),
    ]
    for name, jac, f, at in jacobians:
        ctx.check.gradient(name, jac, numerical_jacobian(f, at))
    ctx.value("D1", tex_sparse(jacobians[1][1]))
    ctx.value("D2", tex_sparse(jacobians[3][1]))
    ctx.value("D1s", jacobians[1][1].shape)
    ctx.value("D2s", jacobians[3][1].shape)
    ctx.value("dJda", jacobians[4][1])
    return ""


@artifact("diag")
def diag(ctx):
    net, x, y, cache, grads = worked_example()
    z1, s = cache.z[1], net.g[1].prime(cache.z[1])
    D, fd = np.diag(s[:, 0]), numerical_jacobian(sigma, z1)
    ctx.check.close("da_dz(sigmoid) = diag(σ′(z(1)))", da_dz("sigmoid", z1), D, tol=1e-15)
    biggest = float(np.max(np.abs(off_diagonal(fd))))
    ctx.check.that("σ's Jacobian is diagonal", biggest <= OFF_DIAGONAL_BOUND,
                   f"{biggest:.1e} ≤ {OFF_DIAGONAL_BOUND:.0e}")
    ctx.check.gradient("its diagonal = σ′(z(1))", s[:, 0], np.diag(fd))
    ctx.value("offdiag_max", tex_bound(biggest))
    ctx.value("offdiag_bound", tex_bound(OFF_DIAGONAL_BOUND))
    heat = matrix_heatmap(D, salt="chain_rule-diag", fmt="{:.4f}", row_labels=[f"a{sub(i)}" for i in "123"],
                          col_labels=[f"z{sub(j)}" for j in "123"], title="diag(σ′(z⁽¹⁾))",
                          desc="diagonal: " + ", ".join(num(t) for t in s[:, 0]))
    return figure(heat, f"∂a⁽¹⁾/∂z⁽¹⁾ = diag(σ′(z⁽¹⁾)): {shape(D)}")


@artifact("hadamard")
def hadamard(ctx):
    net, x, y, cache, grads = worked_example()
    s, v = net.g[1].prime(cache.z[1]), net.W[2].T @ grads.delta[2]  # σ′(z(1)) and W(2)ᵀ δ(2), both 3×1
    D = np.diag(s[:, 0])
    ctx.check.chain("diag(σ′(z(1))) v", [D.shape, v.shape], (3, 1))
    ctx.check.close("diag(σ′(z)) v = σ′(z) ⊙ v", D @ v, s * v, tol=1e-15)
    ctx.check.close("= backward pass", s * v, grads.delta[1], tol=1e-14)
    ctx.check.gradient("δ(1) = ∂J/∂z(1)", s * v, numerical_gradient(loss_of_z(net, y, 1), cache.z[1].copy()))
    ctx.value("v", v)
    ctx.value("sp1", s)
    return ""


@artifact("softmax")
def softmax_jacobian(ctx):
    net, x, y, cache, grads = worked_example()
    z1, v = cache.z[1], net.W[2].T @ grads.delta[2]
    p, J = softmax(z1), softmax.jacobian(z1)  # diag(p) − p pᵀ
    ctx.check.gradient("diag(p) − p pᵀ", J, numerical_jacobian(softmax, z1))
    ctx.check.differ("Jᵀv ≠ p ⊙ (1 − p) ⊙ v", p * (1 - p) * v, J.T @ v, min_rel=0.1)
    smallest = float(np.min(np.abs(off_diagonal(J))))
    ctx.check.that("not diagonal", smallest > 1e-2, f"smallest |off-diagonal| {num(smallest)}")
    ctx.value("p", p)
    heat = matrix_heatmap(J, salt="chain_rule-softmax", fmt="{:.4f}", row_labels=[f"p{sub(i)}" for i in "123"],
                          col_labels=[f"z{sub(j)}" for j in "123"], title="∂p/∂z⁽¹⁾, softmax",
                          desc="; ".join(", ".join(num(t) for t in r) for r in J))
    return figure(heat, f"∂p/∂z⁽¹⁾: {shape(J)}")


# ---------------------------------------------------------------------------
# ∂z/∂W is a 3-tensor (2-3-2 output layer)


def fd_tensor(W, b, a_prev):  # slice k: the gradient of z_k = (W a_prev + b)_k by W, by central differences
    return np.stack([numerical_gradient(lambda M, k=k: float((M @ a_prev + b)[k, 0]), W.copy()) for k in range(W.shape[0])])


def output_layer():
    net, x, y, cache, grads = worked_example()
    W2, a1 = net.W[2], cache.a[1]
    return net, x, y, grads, W2, a1, grads.delta[2], dz_dW(W2, a1)  # T[k, i, j] = ∂z(2)_k/∂W(2)_ij


@artifact("tensor")
def tensor(ctx):
    net, x, y, grads, W2, a1, d2, T = output_layer()
    d_l, d_prev = W2.shape
    ctx.check.shape("d_l × d_l × d_(l−1)", T, (d_l, d_l, d_prev))
    ctx.check.gradient("every entry", T, fd_tensor(W2, net.b[2], a1))
    rule = np.einsum("ki,j->kij", np.eye(d_l), a1[:, 0])
    ctx.check.close("T[k, i, j] = [k = i] a(1)_j", T, rule, tol=0.0)
    nonzero = int(np.count_nonzero(T))
    ctx.check.that("d_l · d_(l−1) non-zero", nonzero == d_l * d_prev, f"{nonzero} of {T.size}")
    ctx.value("T_nonzero", nonzero)
    ctx.value("T_size", T.size)
    for k in range(d_l):
        ctx.value(f"T{k + 1}", tex_sparse(T[k]))
    svg = tensor_svg(d_l, d_prev, salt="chain_rule-tensor", z="z", w="W", unit=34, note="slice k: row k is a⁽¹⁾ᵀ",
                     title="∂z⁽²⁾/∂W⁽²⁾", desc=f"{d_l} slices of {d_l}×{d_prev}")
    return figure(svg, f"∂z⁽²⁾/∂W⁽²⁾: {d_l}×{d_l}×{d_prev}")


@artifact("vjp")
def vjp(ctx):
    net, x, y, grads, W2, a1, d2, T = output_layer()
    contracted = contract_weight_gradient(d2, T)  # Σ_k δ_k T[k, :, :]
    for layout in ("denominator", "numerator"):
        ctx.check.weight_gradient(f"{layout} layout", contracted, W2, layout)
    by_sum = np.einsum("k,kij->ij", d2[:, 0], T)
    ctx.check.close("= Σ_k written out", contracted, by_sum, tol=1e-15)
    ctx.check.close("Σ_k δ_k ∂z_k/∂W = δ(2) a(1)ᵀ", contracted, d2 @ a1.T, tol=1e-15)
    ctx.check.close("= backward pass", contracted, grads.dW[2], tol=1e-15)
    ctx.check.gradient("∂J/∂W(2)", contracted, numerical_gradient(loss_of_param(net, x, y, "W", 2), W2.copy()))
    strict = a1 @ d2.T  # the aside: strict numerator layout's arrangement
    ctx.check.close("aside: a(1) δ(2)ᵀ = (δ(2) a(1)ᵀ)ᵀ", strict, contracted.T, tol=1e-15)
    ctx.value("strict", strict.shape)
    ctx.value("vjp_terms", " + ".join(f"({num(d2[k, 0])})" + tex_sparse(T[k]) for k in range(T.shape[0])))
    return ""


# ---------------------------------------------------------------------------
# Matching shapes is not a derivation (3-3-3)


@artifact("square-net")
def square_net(ctx):
    net, x, y, cache, grads = square_example()
    asym = float(np.max(np.abs(net.W[2] - net.W[2].T)))
    ctx.check.that("W(2) far from symmetric", asym >= 0.5, f"max |W − Wᵀ| = {num(asym, 1)}")
    for l in (1, 2):
        ctx.value(f"sq_W{l}", net.W[l], digits=1)
        ctx.value(f"sq_b{l}", net.b[l], digits=1)
    ctx.value("sq_x", x, digits=1)
    ctx.value("sq_y", y, digits=1)
    return ""


def delta1_both(net, cache, grads):  # (B2) with W(2)ᵀ, from the reference code, and without the transpose
    return grads.delta[1], (net.W[2] @ grads.delta[2]) * sigma.prime(cache.z[1])


@artifact("wrong-transpose")
def wrong_transpose(ctx):
    net, x, y, cache, grads = square_example()
    W2, d2 = net.W[2], grads.delta[2]
    right, wrong = delta1_both(net, cache, grads)
    fd = numerical_gradient(loss_of_z(net, y, 1), cache.z[1].copy())
    ctx.check.chain("wrong: W(2) δ(2) chains", [W2.shape, d2.shape], (3, 1))
    ctx.check.gradient("right: (W(2)ᵀ δ(2)) ⊙ σ′(z(1))", right, fd)
    err = ctx.check.differ("wrong: (W(2) δ(2)) ⊙ σ′(z(1))", wrong, fd, min_rel=0.1)
    flips = [i + 1 for i in range(3) if np.sign(wrong[i, 0]) != np.sign(fd[i, 0])]
    ctx.check.that("the wrong one flips a sign", bool(flips), f"entries {flips}")
    ctx.value("wrong_err", err, digits=2)
    ctx.value("tr_right", right)
    ctx.value("tr_wrong", wrong)
    ctx.value("tr_fd", fd)
    svg = chain_svg([("W⁽²⁾ᵀ or W⁽²⁾", W2.shape), ("δ⁽²⁾", d2.shape)], ("product", (3, 1)), grid=True,
                    salt="chain_rule-right-wrong", title="W⁽²⁾ᵀ δ⁽²⁾ and W⁽²⁾ δ⁽²⁾", desc="3×3 · 3×1 → 3×1")
    return figure(svg, f"right and wrong: {shape(W2)} · {shape(d2)} → {shape(right)}")


@artifact("outer-orientation")
def outer_orientation(ctx):
    net, x, y, cache, grads = square_example()
    d2, a1, W2 = grads.delta[2], cache.a[1], net.W[2]
    right, wrong, inner = grads.dW[2], a1 @ d2.T, a1.T @ d2  # (B3); turned round; an inner product
    fd = numerical_gradient(loss_of_param(net, x, y, "W", 2), W2.copy())
    ctx.check.close("backward pass: δ(2) a(1)ᵀ", right, d2 @ a1.T, tol=1e-15)
    ctx.check.chain("wrong: a(1) δ(2)ᵀ chains", [a1.shape, d2.T.shape], W2.shape)
    ctx.check.that("a(1)ᵀ δ(2) is 1×1", inner.shape == (1, 1) != W2.shape, shape(inner))
    ctx.check.gradient("right: δ(2) a(1)ᵀ", right, fd)
    ctx.check.differ("wrong: a(1) δ(2)ᵀ", wrong, fd, min_rel=0.1)
    ctx.check.close("equal on the diagonal", np.diag(wrong), np.diag(right), tol=1e-15)
    off = [abs(w - r) / max(abs(w), abs(r)) for w, r in zip(off_diagonal(wrong), off_diagonal(right), strict=True)]
    ctx.check.that("off the diagonal: all differ", min(off) >= 0.1, f"{num(min(off), 2)}")
    ctx.value("inner", inner[0, 0])
    ctx.value("sq_dW2", right)
    ctx.value("sq_dW2_wrong", wrong)
    return ""


# ---------------------------------------------------------------------------
# Exercises: the page poses them and writes the solutions; these compute and check the answers


@artifact("ex1")
def ex1(ctx):
    net, x, y, grads, W2, a1, d2, T = output_layer()
    fd = fd_tensor(W2, net.b[2], a1)
    on, off = T[1, 1, 2], T[0, 1, 2]  # ∂z_2/∂W_23 and ∂z_1/∂W_23
    ctx.check.gradient("∂z(2)_2/∂W(2)_23 = a(1)_3", on, fd[1, 1, 2])
    ctx.check.that("∂z(2)_1/∂W(2)_23 = 0", off == 0.0 == fd[0, 1, 2], f"{off}, {fd[0, 1, 2]}")
    dJ = d2[1, 0] * on
    ctx.check.gradient("∂J/∂W(2)_23 = δ(2)_2 a(1)_3", dJ, numerical_gradient(loss_of_param(net, x, y, "W", 2), W2.copy())[1, 2])
    ctx.answer("ex1_on", on, mistakes={"input-index": a1[1, 0]})
    ctx.answer("ex1_off", off, mistakes={"off-slice": on})
    ctx.answer("ex1_dj", dJ, mistakes={"sign": -dJ, "input-index": d2[1, 0] * a1[1, 0]})
    return ""


@artifact("ex2")
def ex2(ctx):
    *_, T = output_layer()
    rng = np.random.default_rng(2)
    big = dz_dW(rng.standard_normal((100, 50)), rng.uniform(0.1, 1.0, (50, 1)))  # a(l−1) with no zeros
    for name, t in (("ex2_small", T), ("ex2_big", big)):
        d_l, d_prev = t.shape[1:]
        n = int(np.count_nonzero(t))
        ctx.check.that(f"{d_l}×{d_prev}: d_l d_(l−1) non-zero", n == d_l * d_prev and t.size == d_l ** 2 * d_prev,
                       f"{n} of {t.size}")
        ctx.value(f"{name}_size", t.size)
        ctx.answer(name, n, mistakes={"dense-tensor": t.size})
    return ""


@artifact("ex3")
def ex3(ctx):
    net, x, y, cache, grads = worked_example()
    z1, v = cache.z[1], net.W[2].T @ grads.delta[2]
    J, tp = da_dz("tanh", z1), 1 - np.tanh(z1) ** 2
    fd = numerical_jacobian(tanh, z1)
    ctx.check.close("da_dz(tanh) = diag(1 − tanh²(z))", J, np.diag(tp[:, 0]), tol=1e-15)
    ctx.check.that("diagonal", float(np.max(np.abs(off_diagonal(fd)))) <= OFF_DIAGONAL_BOUND, "off-diagonal ≤ bound")
    ctx.check.gradient("against finite differences", J, fd)
    ctx.check.close("diag(tanh′(z)) v = tanh′(z) ⊙ v", J @ v, tp * v, tol=1e-15)
    ctx.value("ex3_J", tex_sparse(J))
    ctx.value("ex3_tp", tp)
    ctx.answer("ex3_ans", tp * v, mistakes={"missing-gprime": v, "wrong-activation": sigma.prime(z1) * v})
    return ""


@artifact("ex4")
def ex4(ctx):
    net, x, y, cache, grads = square_example()
    right, wrong = delta1_both(net, cache, grads)
    dW_wrong, dW_right = wrong @ cache.a[0].T, grads.dW[1]  # (B3) with the wrong δ(1), and the right one
    fd = numerical_gradient(loss_of_param(net, x, y, "W", 1), net.W[1].copy())
    ctx.check.chain("wrong ∂J/∂W(1) is 3×3", [wrong.shape, cache.a[0].T.shape], net.W[1].shape)
    ctx.check.gradient("right ∂J/∂W(1)", dW_right, fd)
    err = ctx.check.differ("wrong ∂J/∂W(1)", dW_wrong, fd, min_rel=1e-2)
    err11 = abs(dW_wrong[0, 0] - fd[0, 0]) / max(abs(dW_wrong[0, 0]), abs(fd[0, 0]))
    ctx.check.that("entry (1, 1) is wrong", err11 > 1e-2, num(err11, 2))
    ctx.value("ex4_wrong", dW_wrong[0, 0])
    ctx.value("ex4_fd", fd[0, 0])
    ctx.value("ex4_err11", err11, digits=2)
    ctx.value("ex4_err", err, digits=2)
    ctx.answer("ex4_right", dW_right[0, 0], mistakes={"no-transpose": dW_wrong[0, 0]})
    return ""
