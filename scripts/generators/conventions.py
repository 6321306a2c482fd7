"""Artifacts for docs/conventions.md: one network computed in every major notation.

The network is 3-4-2 with the logistic sigmoid on both layers, squared error, and a
mini-batch of m = 5 examples. The loss averages over the batch:

    J = (1/m) Σ_i ½ ||a(2)_i − y_i||²

The book's reference code (backprop.network: columns, W(l) is d_l × d_(l−1), a(0) = x)
computes the canonical gradients. Every other convention has its own small
forward/backward below, written in that text's symbols and storage (the regions
between `--8<--` markers are shown on the page). `Convention.to_book` maps its
parameters and gradients back to the book's W(1), b(1), W(2), b(2); the artifacts
assert that every convention gives the book's numbers, and that each one agrees with
finite differences of its own forward pass, in its own storage.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backprop import Network, backward, chain_denominator, forward, loss_value, multiply, numerical_gradient
from backprop.activations import activation
from book.artifacts import artifact
from book.markup import display, figure, solution
from book.shapes import chain_svg
from book.tables import bound, md_table, num, shape, tex_matrix

SIGMOID = activation("sigmoid")
SIZES = (3, 4, 2)  # d_0, d_1, d_2: input, hidden, output
M = 5  # examples in the mini-batch; 5 differs from every layer width, so no shape is ambiguous


def sigmoid(z):
    """The logistic function (forward only); each convention writes its own derivative."""
    return SIGMOID(z)


# ---------------------------------------------------------------------------
# The problem, in the book's storage


def problem() -> dict[str, np.ndarray]:
    """W(l) is d_l × d_(l−1), b(l) is d_l × 1, examples are the columns of X and Y."""
    rng = np.random.default_rng(2239)
    d0, d1, d2 = SIZES
    return {
        "W1": np.round(rng.uniform(-1.5, 1.5, (d1, d0)), 1),
        "b1": np.round(rng.uniform(-0.5, 0.5, (d1, 1)), 1),
        "W2": np.round(rng.uniform(-1.5, 1.5, (d2, d1)), 1),
        "b2": np.round(rng.uniform(-0.5, 0.5, (d2, 1)), 1),
        "X": np.round(rng.uniform(-1.0, 1.0, (d0, M)), 1),
        "Y": np.round(rng.uniform(0.1, 0.9, (d2, M)), 1),
    }


def book():
    """The canonical computation: the reference forward/backward, loss averaged over the batch."""
    p = problem()
    net = Network(W=[None, p["W1"], p["W2"]], b=[None, p["b1"], p["b2"]],
                  activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    cache = forward(net, p["X"])  # (F1), (F2) for all m columns at once
    grads = backward(net, cache, p["Y"], reduction="mean")  # (B1)-(B4), Δ(l) = ∂J/∂Z(l) carries the 1/m
    G = {"W1": grads.dW[1], "b1": grads.db[1], "W2": grads.dW[2], "b2": grads.db[2]}
    return p, net, cache, grads, G


BOOK_PARAMS = ("W1", "b1", "W2", "b2")


def batch_mean(per_example: Callable, xs, ys) -> tuple[dict, list]:
    """Average a per-example gradient over the mini-batch; also collect each example's trace."""
    total, traces = None, []
    for x, y in zip(xs, ys, strict=True):
        grads, trace = per_example(x, y)
        total = grads if total is None else {k: total[k] + grads[k] for k in total}
        traces.append(trace)
    return {k: v / len(xs) for k, v in total.items()}, traces


def stack_columns(traces: list[dict]) -> dict:
    """Per-example columns (d × 1) side by side: the book's d × m layout."""
    return {k: np.hstack([t[k] for t in traces]) for k in traces[0]}


# ---------------------------------------------------------------------------
# CS229 / Andrew Ng: W[l] is n[l] × n[l−1], examples are columns, dW = (1/m) dZ Aᵀ

# --8<-- [start:cs229]
def ng_forward(parameters, X):
    """Ng (CS229, deeplearning.ai): X is n[0] × m, one example per column."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1  # Z[1] = W[1] X + b[1], W[1] is n[1] × n[0]
    A1 = sigmoid(Z1)  # A[1] = g[1](Z[1])
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def ng_cost(A2, Y):
    m = Y.shape[1]
    # J = (1/m) Σ_i L(ŷ(i), y(i)), with L = ½ ||ŷ − y||²
    return float(np.sum(0.5 * (A2 - Y) ** 2) / m)


def ng_backward(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) * A2 * (1 - A2)  # dZ[2]: per example, no 1/m yet
    dW2 = (1 / m) * dZ2 @ A1.T  # dW[2] = (1/m) dZ[2] A[1]ᵀ
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    # dZ[1] = W[2]ᵀ dZ[2] * g[1]'(Z[1])
    dZ1 = (parameters["W2"].T @ dZ2) * A1 * (1 - A1)
    dW1 = (1 / m) * dZ1 @ X.T  # dW[1] = (1/m) dZ[1] Xᵀ
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2,
            "dZ1": dZ1, "dZ2": dZ2}
# --8<-- [end:cs229]


def ng_setup(p):
    return {k: p[k].copy() for k in BOOK_PARAMS}, (p["X"], p["Y"])


def ng_run(P, D):
    X, Y = D
    cache = ng_forward(P, X)
    g = ng_backward(P, cache, X, Y)
    return {k: g["d" + k] for k in BOOK_PARAMS}, {"pre": cache["Z1"], "act": cache["A1"], "err": g["dZ1"]}


# ---------------------------------------------------------------------------
# Nielsen, "Neural Networks and Deep Learning", ch. 2: w^l_jk, BP1-BP4, one example at a time

# --8<-- [start:nielsen]
def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nielsen_backprop(w, b, x, y):
    """One example x (a column). Layers count from 1, the input.
    w[l][j, k] is w^l_jk: from neuron k in layer l−1 to neuron j in layer l."""
    L = 3
    a, z = {1: x}, {}
    for l in (2, 3):
        z[l] = w[l] @ a[l - 1] + b[l]  # z^l = w^l a^(l−1) + b^l
        a[l] = sigmoid(z[l])  # a^l = σ(z^l)
    # (BP1) δ^L = ∇_a C ⊙ σ'(z^L)
    delta = {L: (a[L] - y) * sigmoid_prime(z[L])}
    # (BP2) δ^l = ((w^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l)
    delta[2] = (w[3].T @ delta[3]) * sigmoid_prime(z[2])
    # (BP3) ∂C/∂b^l_j = δ^l_j
    nabla_b = {l: delta[l] for l in (2, 3)}
    # (BP4) ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, one entry at a time
    nabla_w = {l: np.zeros_like(w[l]) for l in (2, 3)}
    for l in (2, 3):
        for j in range(w[l].shape[0]):
            for k in range(w[l].shape[1]):
                nabla_w[l][j, k] = a[l - 1][k, 0] * delta[l][j, 0]
    return nabla_w, nabla_b, z, a, delta


def nielsen_gradient(w, b, mini_batch):
    """The mini-batch average, as in Nielsen's update
    w → w − (η/m) Σ_x ∂C_x/∂w."""
    m = len(mini_batch)
    nabla_w = {l: np.zeros_like(w[l]) for l in (2, 3)}
    nabla_b = {l: np.zeros_like(b[l]) for l in (2, 3)}
    for x, y in mini_batch:
        delta_nabla_w, delta_nabla_b, *_ = nielsen_backprop(w, b, x, y)
        for l in (2, 3):
            nabla_w[l] += delta_nabla_w[l]
            nabla_b[l] += delta_nabla_b[l]
    return ({l: nabla_w[l] / m for l in (2, 3)},
            {l: nabla_b[l] / m for l in (2, 3)})
# --8<-- [end:nielsen]


def nielsen_setup(p):
    P = {"w2": p["W1"].copy(), "b2": p["b1"].copy(), "w3": p["W2"].copy(), "b3": p["b2"].copy()}
    mini_batch = [(p["X"][:, [i]], p["Y"][:, [i]]) for i in range(M)]
    return P, mini_batch


def _nielsen_layers(P):
    return {2: P["w2"], 3: P["w3"]}, {2: P["b2"], 3: P["b3"]}


def nielsen_cost(P, mini_batch):
    """C = (1/2n) Σ_x ||y(x) − a^L(x)||², n examples."""
    w, b = _nielsen_layers(P)
    total = 0.0
    for x, y in mini_batch:
        *_, a, _ = nielsen_backprop(w, b, x, y)
        total += float(np.sum((y - a[3]) ** 2))
    return total / (2 * len(mini_batch))


def nielsen_run(P, mini_batch):
    w, b = _nielsen_layers(P)
    nabla_w, nabla_b = nielsen_gradient(w, b, mini_batch)
    traces = []
    for x, y in mini_batch:
        _, _, z, a, delta = nielsen_backprop(w, b, x, y)
        traces.append({"pre": z[2], "act": a[2], "err": delta[2]})
    G = {"w2": nabla_w[2], "b2": nabla_b[2], "w3": nabla_w[3], "b3": nabla_b[3]}
    return G, stack_columns(traces)


# ---------------------------------------------------------------------------
# UFLDL: W^(l)_ij joins unit j in layer l to unit i in layer l+1 (the superscript names the SOURCE)

# --8<-- [start:ufldl]
def ufldl_gradient(W, b, x_all, y_all):
    """UFLDL: the input is layer 1, the output is layer n_l = 3.
    W[l][i, j] is W^(l)_ij, between unit j in layer l and unit i in
    layer l+1: the superscript names the layer the weights LEAVE."""
    n_l = 3
    m = x_all.shape[1]
    DeltaW = {l: np.zeros_like(W[l]) for l in (1, 2)}
    Deltab = {l: np.zeros_like(b[l]) for l in (1, 2)}
    for i in range(m):
        a, z = {1: x_all[:, [i]]}, {}
        for l in (1, 2):
            z[l + 1] = W[l] @ a[l] + b[l]  # z^(l+1) = W^(l) a^(l) + b^(l)
            a[l + 1] = sigmoid(z[l + 1])  # a^(l+1) = f(z^(l+1))
        y = y_all[:, [i]]
        # δ^(n_l) = −(y − a^(n_l)) • f'(z^(n_l)), with f' = a(1 − a)
        delta = {n_l: -(y - a[n_l]) * a[n_l] * (1 - a[n_l])}
        # δ^(l) = ((W^(l))ᵀ δ^(l+1)) • f'(z^(l))
        delta[2] = (W[2].T @ delta[3]) * a[2] * (1 - a[2])
        for l in (1, 2):
            # ∇_W^(l) J(W,b;x,y) = δ^(l+1) (a^(l))ᵀ, accumulated in ΔW^(l)
            DeltaW[l] += delta[l + 1] @ a[l].T
            Deltab[l] += delta[l + 1]  # ∇_b^(l) J(W,b;x,y) = δ^(l+1)
    return ({l: DeltaW[l] / m for l in (1, 2)},
            {l: Deltab[l] / m for l in (1, 2)})
# --8<-- [end:ufldl]


def ufldl_setup(p):
    return {k: p[k].copy() for k in BOOK_PARAMS}, (p["X"], p["Y"])


def _ufldl_forward(P, x):
    a, z = {1: x}, {}
    for l in (1, 2):
        z[l + 1] = P[f"W{l}"] @ a[l] + P[f"b{l}"]
        a[l + 1] = sigmoid(z[l + 1])
    return z, a


def ufldl_cost(P, D):
    """J(W,b) = (1/m) Σ_i ½ ||h_W,b(x(i)) − y(i)||² (no weight decay here)."""
    X, Y = D
    _, a = _ufldl_forward(P, X)
    return float(np.sum(0.5 * (a[3] - Y) ** 2) / X.shape[1])


def ufldl_run(P, D):
    X, Y = D
    dW, db = ufldl_gradient({1: P["W1"], 2: P["W2"]}, {1: P["b1"], 2: P["b2"]}, X, Y)
    z, a = _ufldl_forward(P, X)
    err = (P["W2"].T @ ((a[3] - Y) * a[3] * (1 - a[3]))) * a[2] * (1 - a[2])  # δ^(2), every example
    return {"W1": dW[1], "b1": db[1], "W2": dW[2], "b2": db[2]}, {"pre": z[2], "act": a[2], "err": err}


# ---------------------------------------------------------------------------
# Goodfellow, Bengio & Courville, Deep Learning, §6.5.4, Algorithms 6.3 and 6.4

# --8<-- [start:goodfellow]
def f_prime(a):
    return sigmoid(a) * (1 - sigmoid(a))  # f' at the PRE-activation a


def gbc_backprop(W, b, x, y):
    """Algorithms 6.3 and 6.4 for one example. a^(k) is the
    pre-activation and h^(k) = f(a^(k)) the activation; h^(0) = x."""
    l = 2
    h, a = {0: x}, {}
    for k in range(1, l + 1):
        a[k] = b[k] + W[k] @ h[k - 1]  # a^(k) = b^(k) + W^(k) h^(k−1)
        h[k] = sigmoid(a[k])  # h^(k) = f(a^(k))
    y_hat = h[l]
    g = y_hat - y  # g ← ∇_ŷ J, for J = L(ŷ, y) = ½ ||ŷ − y||²
    grad_W, grad_b, g_at = {}, {}, {}
    for k in range(l, 0, -1):
        g = g * f_prime(a[k])  # g ← ∇_a^(k) J = g ⊙ f'(a^(k))
        g_at[k] = g
        grad_b[k] = g  # ∇_b^(k) J = g
        grad_W[k] = g @ h[k - 1].T  # ∇_W^(k) J = g h^(k−1)ᵀ
        g = W[k].T @ g  # g ← ∇_h^(k−1) J = W^(k)ᵀ g
    return grad_W, grad_b, a, h, g_at
# --8<-- [end:goodfellow]


def gbc_setup(p):
    return {k: p[k].copy() for k in BOOK_PARAMS}, (p["X"], p["Y"])


def _gbc_layers(P):
    return {1: P["W1"], 2: P["W2"]}, {1: P["b1"], 2: P["b2"]}


def gbc_cost(P, D):
    X, Y = D
    W, b = _gbc_layers(P)
    return float(np.mean([0.5 * np.sum((_gbc_h(W, b, X[:, [i]]) - Y[:, [i]]) ** 2) for i in range(M)]))


def _gbc_h(W, b, x):
    h = x
    for k in (1, 2):
        h = sigmoid(b[k] + W[k] @ h)
    return h


def gbc_run(P, D):
    X, Y = D
    W, b = _gbc_layers(P)

    def one(x, y):
        grad_W, grad_b, a, h, g_at = gbc_backprop(W, b, x, y)
        grads = {"W1": grad_W[1], "b1": grad_b[1], "W2": grad_W[2], "b2": grad_b[2]}
        return grads, {"pre": a[1], "act": h[1], "err": g_at[1]}

    G, traces = batch_mean(one, [X[:, [i]] for i in range(M)], [Y[:, [i]] for i in range(M)])
    return G, stack_columns(traces)


# ---------------------------------------------------------------------------
# d2l, §5.3 (math, one example, columns): z = W(1) x, h = φ(z), o = W(2) h

# --8<-- [start:d2l_math]
def d2l_backprop(W1, b1, W2, b2, x, y):
    """d2l §5.3 in columns (W(1) is h × d), with biases added and the
    output sigmoid inside the loss: l(o, y) = ½ ||σ(o) − y||²."""
    z = W1 @ x + b1  # z = W(1) x (+ b(1))
    h = sigmoid(z)  # h = φ(z)
    o = W2 @ h + b2  # o = W(2) h (+ b(2))
    y_hat = sigmoid(o)
    dJ_do = (y_hat - y) * y_hat * (1 - y_hat)  # ∂J/∂o = ∂L/∂o
    dJ_dW2 = dJ_do @ h.T  # ∂J/∂W(2) = (∂J/∂o) hᵀ
    dJ_dh = W2.T @ dJ_do  # ∂J/∂h = W(2)ᵀ ∂J/∂o
    dJ_dz = dJ_dh * h * (1 - h)  # ∂J/∂z = ∂J/∂h ⊙ φ'(z)
    dJ_dW1 = dJ_dz @ x.T  # ∂J/∂W(1) = (∂J/∂z) xᵀ
    grads = {"W1": dJ_dW1, "b1": dJ_dz, "W2": dJ_dW2, "b2": dJ_do}
    return grads, {"pre": z, "act": h, "err": dJ_dz}
# --8<-- [end:d2l_math]


def d2l_math_setup(p):
    return {k: p[k].copy() for k in BOOK_PARAMS}, (p["X"], p["Y"])


def d2l_math_cost(P, D):
    X, Y = D
    H = sigmoid(P["W1"] @ X + P["b1"])
    return float(np.sum(0.5 * (sigmoid(P["W2"] @ H + P["b2"]) - Y) ** 2) / X.shape[1])


def d2l_math_run(P, D):
    X, Y = D
    G, traces = batch_mean(lambda x, y: d2l_backprop(P["W1"], P["b1"], P["W2"], P["b2"], x, y),
                           [X[:, [i]] for i in range(M)], [Y[:, [i]] for i in range(M)])
    return G, stack_columns(traces)


# ---------------------------------------------------------------------------
# d2l, §5.1-5.2 (code, rows): H = σ(X W(1) + b(1)), W1 of shape (num_inputs, num_hiddens)

# --8<-- [start:d2l_code]
def d2l_forward(X, W1, b1, W2, b2):
    """The from-scratch MLP of d2l §5.2: X is (batch, num_inputs),
    W1 is (num_inputs, num_hiddens)."""
    H = sigmoid(X @ W1 + b1)  # H = σ(X W(1) + b(1)), one example per row
    return sigmoid(H @ W2 + b2), H  # O = σ(H W(2) + b(2))


def d2l_grads(X, Y, W1, b1, W2, b2):
    """What autograd leaves in W1.grad, b1.grad, ... for the loss
    ½ Σ (O − Y)² / batch."""
    O, H = d2l_forward(X, W1, b1, W2, b2)
    # gradient of H W(2) + b(2): batch × num_outputs
    dO_pre = (O - Y) / X.shape[0] * O * (1 - O)
    # gradient of X W(1) + b(1): batch × num_hiddens
    dH_pre = (dO_pre @ W2.T) * H * (1 - H)
    grads = {"W1": X.T @ dH_pre, "b1": dH_pre.sum(axis=0),
             "W2": H.T @ dO_pre, "b2": dO_pre.sum(axis=0)}
    return grads, dH_pre
# --8<-- [end:d2l_code]


def rows_setup(p):
    """Row storage with W stored in × out (d2l code, CS231n): transpose W, flatten b, examples as rows."""
    P = {"W1": p["W1"].T.copy(), "b1": p["b1"][:, 0].copy(), "W2": p["W2"].T.copy(), "b2": p["b2"][:, 0].copy()}
    return P, (p["X"].T.copy(), p["Y"].T.copy())


def d2l_code_cost(P, D):
    X, Y = D
    O, _ = d2l_forward(X, P["W1"], P["b1"], P["W2"], P["b2"])
    return float(0.5 * np.sum((O - Y) ** 2) / X.shape[0])


def d2l_code_run(P, D):
    X, Y = D
    G, dH_pre = d2l_grads(X, Y, P["W1"], P["b1"], P["W2"], P["b2"])
    _, H = d2l_forward(X, P["W1"], P["b1"], P["W2"], P["b2"])
    return G, {"pre": X @ P["W1"] + P["b1"], "act": H, "err": dH_pre}


# ---------------------------------------------------------------------------
# PyTorch nn.Linear: y = x Aᵀ + b, weight A stored (out_features, in_features), batch in rows

# --8<-- [start:pytorch]
def linear(x, weight, bias):
    """nn.Linear: y = x Aᵀ + b, A = weight, (out_features, in_features)."""
    return x @ weight.T + bias


def linear_backward(grad_y, x, weight):
    """What autograd computes for nn.Linear:
    x.grad = dY A, weight.grad = dYᵀ X, bias.grad = dY summed over rows."""
    return grad_y @ weight, grad_y.T @ x, grad_y.sum(axis=0)


def pytorch_grads(state, X, T):
    """fc1, sigmoid, fc2, sigmoid; loss = 0.5 * ((out − T)**2).sum() / m,
    then loss.backward()."""
    m = X.shape[0]
    Y1 = linear(X, state["fc1.weight"], state["fc1.bias"])  # m × 4
    H = sigmoid(Y1)
    Y2 = linear(H, state["fc2.weight"], state["fc2.bias"])  # m × 2
    out = sigmoid(Y2)
    grad_Y2 = (out - T) / m * out * (1 - out)  # Y2.grad
    grad_H, W2_grad, b2_grad = linear_backward(grad_Y2, H, state["fc2.weight"])
    grad_Y1 = grad_H * H * (1 - H)  # Y1.grad
    _, W1_grad, b1_grad = linear_backward(grad_Y1, X, state["fc1.weight"])
    grads = {"fc1.weight": W1_grad, "fc1.bias": b1_grad,
             "fc2.weight": W2_grad, "fc2.bias": b2_grad}
    return grads, {"Y1": Y1, "H": H, "Y1.grad": grad_Y1, "Y2.grad": grad_Y2}
# --8<-- [end:pytorch]


def pytorch_setup(p):
    P = {"fc1.weight": p["W1"].copy(), "fc1.bias": p["b1"][:, 0].copy(),
         "fc2.weight": p["W2"].copy(), "fc2.bias": p["b2"][:, 0].copy()}
    return P, (p["X"].T.copy(), p["Y"].T.copy())


def pytorch_cost(P, D):
    X, T = D
    out = sigmoid(linear(sigmoid(linear(X, P["fc1.weight"], P["fc1.bias"])), P["fc2.weight"], P["fc2.bias"]))
    return float(0.5 * ((out - T) ** 2).sum() / X.shape[0])


def pytorch_run(P, D):
    X, T = D
    G, t = pytorch_grads(P, X, T)
    return G, {"pre": t["Y1"], "act": t["H"], "err": t["Y1.grad"]}


# ---------------------------------------------------------------------------
# CS231n: Y = X W + b, W stored (D, M) = in × out, dW = Xᵀ dY

# --8<-- [start:cs231n]
def affine_forward(x, w, b):
    """x: (N, D), w: (D, M), b: (M,). out = x w + b."""
    out = x @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    dx = dout @ w.T  # (N, D)
    dw = x.T @ dout  # dW = Xᵀ dY, shape (D, M) like w
    db = dout.sum(axis=0)
    return dx, dw, db


def cs231n_loss(params, X, y):
    """Two affine layers with sigmoids; loss = ½ Σ (s − y)² / N."""
    N = X.shape[0]
    a1, cache1 = affine_forward(X, params["W1"], params["b1"])  # N × H
    h1 = sigmoid(a1)
    a2, cache2 = affine_forward(h1, params["W2"], params["b2"])  # N × C
    s = sigmoid(a2)
    loss = 0.5 * np.sum((s - y) ** 2) / N
    da2 = (s - y) / N * s * (1 - s)  # the 1/N of the loss is in here
    dh1, dW2, db2 = affine_backward(da2, cache2)
    da1 = dh1 * h1 * (1 - h1)
    _, dW1, db1 = affine_backward(da1, cache1)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return loss, grads, {"pre": a1, "act": h1, "err": da1}
# --8<-- [end:cs231n]


def cs231n_cost(P, D):
    return float(cs231n_loss(P, *D)[0])


def cs231n_run(P, D):
    _, G, trace = cs231n_loss(P, *D)
    return G, trace


# ---------------------------------------------------------------------------
# CS224n (Clark, "Computing Neural Network Gradients"): δ is a row, ∂J/∂W = δᵀ xᵀ

# --8<-- [start:cs224n]
def clark_gradients(W, b1, U, b2, x, y):
    """One example, column x. With Jacobians, δ is a ROW vector; the
    shape convention transposes back, so ∂J/∂W has the shape of W."""
    z = W @ x + b1  # z = W x + b1
    h = sigmoid(z)
    theta = U @ h + b2  # θ = U h + b2
    y_hat = sigmoid(theta)
    # δ1 = ∂J/∂θ, a row: 1 × N_c
    delta_1 = ((y_hat - y) * y_hat * (1 - y_hat)).T
    # δ2 = ∂J/∂z = δ1 U ∘ σ'(z), a row: 1 × D_h
    delta_2 = (delta_1 @ U) * (h * (1 - h)).T
    return {
        "U": delta_1.T @ h.T,  # ∂J/∂U = δ1ᵀ hᵀ
        "b2": delta_1.T,  # ∂J/∂b2 = δ1ᵀ
        "W": delta_2.T @ x.T,  # ∂J/∂W = δ2ᵀ xᵀ
        "b1": delta_2.T,  # ∂J/∂b1 = δ2ᵀ
    }, {"pre": z, "act": h, "err": delta_2}
# --8<-- [end:cs224n]


def clark_setup(p):
    return {"W": p["W1"].copy(), "b1": p["b1"].copy(), "U": p["W2"].copy(), "b2": p["b2"].copy()}, (p["X"], p["Y"])


def clark_cost(P, D):
    X, Y = D
    y_hat = sigmoid(P["U"] @ sigmoid(P["W"] @ X + P["b1"]) + P["b2"])
    return float(np.sum(0.5 * (y_hat - Y) ** 2) / X.shape[1])


def clark_run(P, D):
    X, Y = D
    G, traces = batch_mean(lambda x, y: clark_gradients(P["W"], P["b1"], P["U"], P["b2"], x, y),
                           [X[:, [i]] for i in range(M)], [Y[:, [i]] for i in range(M)])
    rows = {k: np.vstack([t[k].T if k != "err" else t[k] for t in traces]) for k in traces[0]}
    return G, rows  # one example per row: z and h transposed, δ2 already a row


# ---------------------------------------------------------------------------
# The question: a(1) = x, layers 2 and 3; w_ij sits in row j, column i; denominator layout

# --8<-- [start:question]
def question_gradients(W, b, x, y):
    """The question's notation, one example; layers 1 (input), 2, 3.
    Entry w_ij of W^(l) sits in row j, column i: the weight from unit i
    (layer l−1) to unit j (layer l). Derivatives are in denominator
    layout, so the chain grows to the LEFT."""
    a, z = {1: x}, {}
    for l in (2, 3):
        z[l] = W[l] @ a[l - 1] + b[l]  # z^(l) = W^(l) a^(l−1) + b^(l)
        a[l] = sigmoid(z[l])
    # ∂a^(l)/∂z^(l): diagonal, the same in both layouts
    da_dz = {l: np.diag((a[l] * (1 - a[l]))[:, 0]) for l in (2, 3)}
    dz3_da2 = W[3].T  # ∂z^(3)/∂a^(2) in denominator layout: 4 × 2
    dL_da3 = a[3] - y  # for L = ½ Σ (y_hat − y_true)²
    dL_dz = {3: da_dz[3] @ dL_da3}  # 2×2 · 2×1
    dL_dz[2] = da_dz[2] @ dz3_da2 @ dL_dz[3]  # 4×4 · 4×2 · 2×1
    grads = {}
    for l in (2, 3):
        G = np.zeros_like(W[l])
        for i in range(W[l].shape[1]):  # i: the unit the weight leaves
            for j in range(W[l].shape[0]):  # j: the unit it enters
                # ∂L/∂w_ij = δ_j a_i, stored in row j, column i
                G[j, i] = dL_dz[l][j, 0] * a[l - 1][i, 0]
        grads[f"W{l}"] = G
        grads[f"b{l}"] = dL_dz[l]
    return grads, {"pre": z[2], "act": a[2], "err": dL_dz[2]}
# --8<-- [end:question]


def question_setup(p):
    return {"W2": p["W1"].copy(), "b2": p["b1"].copy(), "W3": p["W2"].copy(), "b3": p["b2"].copy()}, (p["X"], p["Y"])


def question_cost(P, D):
    X, Y = D
    a3 = sigmoid(P["W3"] @ sigmoid(P["W2"] @ X + P["b2"]) + P["b3"])
    return float(np.sum(0.5 * (a3 - Y) ** 2) / X.shape[1])


def question_run(P, D):
    X, Y = D
    W, b = {2: P["W2"], 3: P["W3"]}, {2: P["b2"], 3: P["b3"]}
    G, traces = batch_mean(lambda x, y: question_gradients(W, b, x, y),
                           [X[:, [i]] for i in range(M)], [Y[:, [i]] for i in range(M)])
    return G, stack_columns(traces)


# ---------------------------------------------------------------------------
# The book itself, as a row of the tables


def book_setup(p):
    return {k: p[k].copy() for k in BOOK_PARAMS}, (p["X"], p["Y"])


def book_cost(P, D):
    X, Y = D
    net = Network(W=[None, P["W1"], P["W2"]], b=[None, P["b1"], P["b2"]],
                  activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    return loss_value(net, X, Y, reduction="mean")


def book_run(P, D):
    X, Y = D
    net = Network(W=[None, P["W1"], P["W2"]], b=[None, P["b1"], P["b2"]],
                  activations=[None, "sigmoid", "sigmoid"], loss="squared_error")
    cache = forward(net, X)
    g = backward(net, cache, Y, reduction="mean")
    G = {"W1": g.dW[1], "b1": g.db[1], "W2": g.dW[2], "b2": g.db[2]}
    return G, {"pre": cache.z[1], "act": cache.a[1], "err": g.delta[1]}


# ---------------------------------------------------------------------------
# The registry: how each text stores things, and how to translate back


SAME, TRANSPOSE, COLUMN = "same", "transpose", "column"


def convert(arr, how: str):
    if how == SAME:
        return arr
    if how == TRANSPOSE:
        return arr.T
    if how == COLUMN:  # a 1-D bias (rows storage) becomes the book's d × 1 column
        return np.asarray(arr).reshape(-1, 1)
    raise ValueError(how)


@dataclass(frozen=True)
class Convention:
    key: str
    name: str  # row label (Markdown, with its footnote)
    setup: Callable  # book arrays -> (parameters, data) in this text's storage
    cost: Callable  # (parameters, data) -> J
    run: Callable  # (parameters, data) -> (gradients keyed like the parameters, hidden-layer trace)
    to_book: dict  # own parameter name -> (book name, how)
    weight: str  # own name of the 3 → 4 weight
    storage: str  # "out × in" or "in × out"
    rows: bool  # examples (and the hidden trace) are rows
    per_example: bool  # the text's δ is written for one example
    forward_tex: str
    grad_tex: str
    translation: str
    symbols: tuple  # hidden pre-activation, hidden activation (and the input), error signal, loss

    @property
    def error_scale(self) -> int:
        """m where the error signal belongs to one example's loss (and Ng's dZ), 1 where it carries the 1/m."""
        return M if self.per_example or self.key == "cs229" else 1


def eq(lhs: str, rhs: str) -> str:
    """An equation for a table cell: two unbreakable pieces, so a narrow cell wraps at '=' only."""
    return f"${{{lhs}}}$ ${{= {rhs}}}$"


def nb(tex: str) -> str:
    """Inline TeX that KaTeX will not break across lines."""
    return f"${{{tex}}}$"


COLUMNS_SAME = {"W1": ("W1", SAME), "b1": ("b1", SAME), "W2": ("W2", SAME), "b2": ("b2", SAME)}
ROWS_IN_OUT = {"W1": ("W1", TRANSPOSE), "b1": ("b1", COLUMN), "W2": ("W2", TRANSPOSE), "b2": ("b2", COLUMN)}

CONVENTIONS = [
    Convention(
        "book", "This book", book_setup, book_cost, book_run, COLUMNS_SAME, "W1", "out × in", False, False,
        eq("z^{(l)}", "W^{(l)} a^{(l-1)} + b^{(l)}"),
        eq(r"\partial J/\partial W^{(l)}", r"\Delta^{(l)} A^{(l-1)\top}"),
        "(reference)",
        (nb("z^{(1)}"), nb("a^{(1)}") + ", input " + nb("a^{(0)} = x"), eq(r"\Delta^{(1)}", r"\partial J/\partial Z^{(1)}"),
         eq("J", r"\tfrac{1}{m}\sum_i \tfrac12 \lVert a^{(2)}_i - y_i \rVert^2")),
    ),
    Convention(
        "cs229", "CS229 / Ng[^cs229]", ng_setup, lambda P, D: ng_cost(ng_forward(P, D[0])["A2"], D[1]), ng_run,
        COLUMNS_SAME, "W1", "out × in", False, False,
        eq("Z^{[l]}", "W^{[l]} A^{[l-1]} + b^{[l]}"),
        eq("dW^{[l]}", r"\tfrac{1}{m}\, dZ^{[l]} A^{[l-1]\top}"),
        eq("W^{(l)}", "W^{[l]}"),
        (nb("Z^{[1]}"), nb("A^{[1]}") + ", input " + nb("A^{[0]} = X"), nb("dZ^{[1]}"),
         eq("J", r"\tfrac{1}{m}\sum_{i} \mathcal{L}(\hat y^{(i)}, y^{(i)})")),
    ),
    Convention(
        "nielsen", "Nielsen, ch. 2[^nielsen]", nielsen_setup, nielsen_cost, nielsen_run,
        {"w2": ("W1", SAME), "b2": ("b1", SAME), "w3": ("W2", SAME), "b3": ("b2", SAME)}, "w2", "out × in", False, True,
        eq("z^l", "w^l a^{l-1} + b^l"),
        eq(r"\partial C/\partial w^l_{jk}", r"a^{l-1}_k \delta^l_j"),
        eq("W^{(l)}", "w^{l+1}"),
        (nb("z^2"), nb("a^2") + ", input " + nb("a^1 = x"), nb(r"\delta^2"),
         eq("C", r"\tfrac{1}{2n}\sum_x \lVert y(x) - a^L(x)\rVert^2")),
    ),
    Convention(
        "ufldl", "UFLDL[^ufldl]", ufldl_setup, ufldl_cost, ufldl_run, COLUMNS_SAME, "W1", "out × in", False, True,
        eq("z^{(l+1)}", "W^{(l)} a^{(l)} + b^{(l)}"),
        eq(r"\nabla_{W^{(l)}} J", r"\delta^{(l+1)} (a^{(l)})^\top"),
        eq("W^{(l)}", "W^{(l)}") + " (same label)",
        (nb("z^{(2)}"), nb("a^{(2)}") + ", input " + nb("a^{(1)} = x"), nb(r"\delta^{(2)}"),
         eq("J(W,b)", r"\tfrac{1}{m}\sum_{i} J(W,b;x^{(i)},y^{(i)})")),
    ),
    Convention(
        "goodfellow", "Goodfellow et al.[^gbc]", gbc_setup, gbc_cost, gbc_run, COLUMNS_SAME, "W1", "out × in",
        False, True,
        eq("a^{(k)}", "b^{(k)} + W^{(k)} h^{(k-1)}"),
        eq(r"\nabla_{W^{(k)}} J", r"g\, h^{(k-1)\top}"),
        eq("W^{(l)}", "W^{(k)}") + " with " + nb("k = l"),
        (nb("a^{(1)}"), nb("h^{(1)}") + ", input " + nb("h^{(0)} = x"), nb("g") + " at " + nb("k = 1"),
         eq("J", r"L(\hat y, y)") + " per example"),
    ),
    Convention(
        "d2l_math", "d2l §5.3 (math)[^d2l-math]", d2l_math_setup, d2l_math_cost, d2l_math_run, COLUMNS_SAME, "W1",
        "out × in", False, True,
        eq(r"\mathbf{z}", r"\mathbf{W}^{(1)} \mathbf{x}"),
        eq(r"\partial J/\partial \mathbf{W}^{(1)}", r"(\partial J/\partial \mathbf{z})\, \mathbf{x}^\top"),
        eq("W^{(l)}", r"\mathbf{W}^{(l)}"),
        (nb(r"\mathbf{z}"), nb(r"\mathbf{h}") + ", input " + nb(r"\mathbf{x}"), nb(r"\partial J/\partial \mathbf{z}"),
         eq("J", "L + s") + ", " + nb("s = 0") + " here"),
    ),
    Convention(
        "d2l_code", "d2l §5.1–5.2 (code)[^d2l-code]", rows_setup, d2l_code_cost, d2l_code_run, ROWS_IN_OUT, "W1",
        "in × out", True, False,
        eq(r"\mathbf{H}", r"\sigma(\mathbf{X} \mathbf{W}^{(1)} + \mathbf{b}^{(1)})"),
        "`W1.grad` " + nb(r"= \mathbf{X}^\top\, \overline{\mathbf{Z}}"),
        eq("W^{(l)}", r"\mathbf{W}^{(l)\top}"),
        ("`X @ W1 + b1`", "`H`, input `X`", "its gradient " + nb(r"\overline{\mathbf{Z}}"), "`loss`, a batch mean"),
    ),
    Convention(
        "pytorch", "PyTorch `nn.Linear`[^pytorch]", pytorch_setup, pytorch_cost, pytorch_run,
        {"fc1.weight": ("W1", SAME), "fc1.bias": ("b1", COLUMN), "fc2.weight": ("W2", SAME), "fc2.bias": ("b2", COLUMN)},
        "fc1.weight", "out × in", True, False,
        eq("y", r"x A^\top + b"),
        "`weight.grad` " + nb(r"= dY^\top X"),
        eq("W^{(l)}", "A"),
        ("`Y1 = fc1(X)`", "`H`, input `X`", "`Y1.grad`", "`loss`, a batch mean"),
    ),
    Convention(
        "cs231n", "CS231n[^cs231n]", rows_setup, cs231n_cost, cs231n_run, ROWS_IN_OUT, "W1", "in × out", True, False,
        eq("Y", "X W + b"),
        eq("dW", r"X^\top dY"),
        eq("W^{(l)}", r"W_l^\top"),
        ("`a1`", "`h1`, input `X`", "`da1`", "`loss`, with `/ N`"),
    ),
    Convention(
        "cs224n", "CS224n (Clark)[^cs224n]", clark_setup, clark_cost, clark_run,
        {"W": ("W1", SAME), "b1": ("b1", SAME), "U": ("W2", SAME), "b2": ("b2", SAME)}, "W", "out × in", True, True,
        eq("z", "W x + b_1"),
        eq(r"\partial J/\partial W", r"\delta^\top x^\top"),
        eq("W^{(1)}", "W") + ", " + eq("W^{(2)}", "U"),
        (nb("z"), nb("h") + ", input " + nb("x"), eq(r"\delta_2", r"\partial J/\partial z") + " (a row)",
         nb("J") + " per example"),
    ),
    Convention(
        "question", "The question[^question]", question_setup, question_cost, question_run,
        {"W2": ("W1", SAME), "b2": ("b1", SAME), "W3": ("W2", SAME), "b3": ("b2", SAME)}, "W2", "out × in", False, True,
        eq("z^{(l)}", "W^{(l)} a^{(l-1)} + b^{(l)}"),
        eq(r"\partial L/\partial w_{ij}", r"\delta_j a_i"),
        eq("W^{(l)}", "W^{(l+1)}") + "; its " + nb("w_{ij}") + " is our " + nb("W_{ji}"),
        (nb("z^{(2)}"), nb("a^{(2)}") + ", input " + nb("a^{(1)} = x"), nb(r"\partial L/\partial z^{(2)}"),
         eq("L", r"\tfrac12\sum (y_{hat} - y_{true})^2")),
    ),
]
BY_KEY = {c.key: c for c in CONVENTIONS}


def compute(conv: Convention):
    """Run one convention on the shared problem; return its arrays and the translations."""
    p = problem()
    P, D = conv.setup(p)
    G, trace = conv.run(P, D)
    to_book = {own: convert(arr, how) for own, (_, how) in conv.to_book.items() for arr in [G[own]]}
    G_book = {conv.to_book[own][0]: arr for own, arr in to_book.items()}
    P_book = {conv.to_book[own][0]: convert(P[own], how) for own, (_, how) in conv.to_book.items()}
    hidden = {k: (v.T if conv.rows else v) for k, v in trace.items()}  # the book's d × m layout
    return P, D, G, G_book, P_book, hidden


def flat(d: dict, keys) -> np.ndarray:
    return np.concatenate([np.ravel(d[k]) for k in keys])


def own_numeric_gradient(conv: Convention, P, D) -> dict:
    """Central differences of the convention's own cost, each parameter in its own storage."""
    return {name: numerical_gradient(lambda _: conv.cost(P, D), P[name]) for name in conv.to_book}


def same_shapes(a: dict, b: dict, keys) -> tuple[bool, str]:
    """Whether a[k] and b[k] have one shape for every k, and a line saying so."""
    bad = [f"{k} {shape(a[k])} vs {shape(b[k])}" for k in keys if np.shape(a[k]) != np.shape(b[k])]
    if bad:
        return False, "shapes differ: " + "; ".join(bad)
    return True, ", ".join(f"{k} {shape(a[k])}" for k in keys)


def err_tex(err: float) -> str:
    """A relative difference at rounding level, printed as a bound that does not depend on the BLAS build."""
    if err < 1e-12:
        return r"$< 10^{-12}$"
    return rf"$\le 10^{{{int(bound(err).split('e')[1])}}}$"


def pow_tex(err: float) -> str:
    return rf"10^{{{int(bound(err).split('e')[1])}}}" if err > 0 else "0"


# ---------------------------------------------------------------------------
# Artifacts


@artifact("parameters")
def parameters(ctx):
    p = problem()
    for name, expected in [("W1", (4, 3)), ("b1", (4, 1)), ("W2", (2, 4)), ("b2", (2, 1)), ("X", (3, M)), ("Y", (2, M))]:
        ctx.check.shape(f"{name} in the book's storage", p[name], expected)
    _, net, cache, _, _ = book()
    J = loss_value(net, p["X"], p["Y"], reduction="mean")
    by_hand = sum(0.5 * np.sum((cache.a[2][:, i] - p["Y"][:, i]) ** 2) for i in range(M)) / M
    ctx.check.close("J = (1/m) Σ_i ½ ||a(2)_i − y_i||²", J, by_hand, tol=1e-14,
                    how="the reference loss equals the per-example sum written out")
    ctx.check.that("every parameter is non-zero", bool(np.all(flat(p, BOOK_PARAMS) != 0)),
                   "no weight or bias is 0, so every index in the exercises names a visible entry")
    ctx.value("J", J, digits=6)
    ctx.value("m", str(M))
    ctx.value("sizes", f"{SIZES[0]}-{SIZES[1]}-{SIZES[2]}")
    return display(
        r"\underbrace{W^{(1)}}_{4\times 3} = " + tex_matrix(p["W1"], 1)
        + r",\qquad \underbrace{b^{(1)}}_{4\times 1} = " + tex_matrix(p["b1"], 1)
    ) + "\n\n" + display(
        r"\underbrace{W^{(2)}}_{2\times 4} = " + tex_matrix(p["W2"], 1)
        + r",\qquad \underbrace{b^{(2)}}_{2\times 1} = " + tex_matrix(p["b2"], 1)
    ) + "\n\n" + display(
        rf"\underbrace{{X = A^{{(0)}}}}_{{3\times {M}}} = " + tex_matrix(p["X"], 1)
    ) + "\n\n" + display(
        rf"\underbrace{{Y}}_{{2\times {M}}} = " + tex_matrix(p["Y"], 1)
    )


@artifact("table")
def translator_table(ctx):
    p, _, _, _, G_ref = book()
    rows, worst_fd = [], 0.0
    for conv in CONVENTIONS:
        P, D, G, G_book, P_book, _ = compute(conv)
        w = P[conv.weight]
        expected = (4, 3) if conv.storage == "out × in" else (3, 4)
        ctx.check.shape(f"{conv.key}: the 3 → 4 weight is stored {conv.storage}", w, expected)
        ok, detail = same_shapes(G, P, conv.to_book)
        ctx.check.that(f"{conv.key}: every gradient has the shape of its parameter, as stored", ok, detail)
        ok, detail = same_shapes(G_book, p, BOOK_PARAMS)
        ctx.check.that(f"{conv.key}: translated, the gradients have the book's shapes", ok, detail)
        ctx.check.close(f"{conv.key}: its parameters translate back to the book's", flat(P_book, BOOK_PARAMS),
                        flat(p, BOOK_PARAMS), tol=0.0, how="the translation of the stored parameters is exact")
        numeric = own_numeric_gradient(conv, P, D)
        fd = ctx.check.gradient(f"{conv.key}: its own gradients vs finite differences in its own storage",
                                flat(G, conv.to_book), flat(numeric, conv.to_book))
        worst_fd = max(worst_fd, fd)
        err = ctx.check.close(f"{conv.key}: translated gradients = the book's", flat(G_book, BOOK_PARAMS),
                              flat(G_ref, BOOK_PARAMS), tol=1e-12,
                              how="after the translation, all of ∂J/∂W(1), ∂J/∂b(1), ∂J/∂W(2), ∂J/∂b(2) agree")
        rows.append([conv.name, conv.forward_tex, shape(w), conv.grad_tex, conv.translation,
                     err_tex(err) if conv.key != "book" else "0"])
    ctx.value("fd_worst", pow_tex(worst_fd))
    ctx.value("n_conventions", str(len(CONVENTIONS) - 1))
    return md_table(["convention", "forward pass", "3 → 4 weight", "weight gradient", "the book's W",
                     "difference"], rows, align="llclll")


def hidden_relation(conv: Convention) -> str:
    """How this text's hidden error signal relates to the book's Δ(1), as the page says it."""
    scale = "m\\," if conv.error_scale == M else ""
    if conv.key == "book":
        return "itself"
    if conv.per_example and conv.rows:
        return rf"${{({scale}\Delta^{{(1)}}_{{:,i}})^\top}}$ for example $i$"
    if conv.per_example:
        return rf"${{{scale}\Delta^{{(1)}}_{{:,i}}}}$ for example $i$"
    if conv.rows:
        return rf"${{{scale}\Delta^{{(1)\top}}}}$"
    return rf"${{{scale}\Delta^{{(1)}}}}$"


@artifact("symbols")
def symbols(ctx):
    p, _, cache, grads, _ = book()
    Z1, A1, Delta = cache.z[1], cache.a[1], grads.delta[1]
    J_ref = book_cost(*book_setup(p))
    rows = []
    for conv in CONVENTIONS:
        P, D, _, _, _, hidden = compute(conv)
        ctx.check.close(f"{conv.key}: its loss = the book's J", conv.cost(P, D), J_ref, tol=1e-13,
                        how="its own forward pass and loss give the same number")
        ctx.check.close(f"{conv.key}: its hidden pre-activation = the book's z(1)", hidden["pre"], Z1, tol=1e-13,
                        how="same numbers, in the book's layout")
        ctx.check.close(f"{conv.key}: its hidden activation = the book's a(1)", hidden["act"], A1, tol=1e-13,
                        how="same numbers, in the book's layout")
        relation = hidden_relation(conv)
        c = float(np.sum(hidden["err"] * Delta) / np.sum(Delta * Delta))  # the factor the numbers show
        expected = "m" if conv.error_scale == M else "1"
        ctx.check.that(f"{conv.key}: its error signal is {expected} × Δ(1), as the table says",
                       abs(c - conv.error_scale) < 1e-9, f"factor {c:.6g}, expected {conv.error_scale} (m = {M})")
        plain = relation.replace("$", "").replace("{", "").replace("}", "").replace(r"m\,", "m ")
        plain = plain.replace(r"\Delta^(1)_:,i", "Δ(1)[:, i]").replace(r"\Delta^(1)\top", "Δ(1)ᵀ")
        plain = plain.replace(r"\Delta^(1)", "Δ(1)").replace(r"^\top", "ᵀ")
        ctx.check.close(f"{conv.key}: its error signal = {expected} · Δ(1), entry by entry", hidden["err"],
                        conv.error_scale * Delta, tol=1e-12, how=plain)
        pre, act, error, loss_tex = conv.symbols
        rows.append([conv.name, pre, act, error, relation, loss_tex])
    # The trap in Goodfellow et al.: their a is the book's z, not the book's a.
    P, D, _, _, _, hidden = compute(BY_KEY["goodfellow"])
    ctx.check.differ("Goodfellow's a(1) is not the book's a(1)", hidden["pre"], A1,
                     how="their a(1) differs from the book's activation a(1)")
    return md_table(["convention", "pre-activation", "activation", "error signal", "in the book's terms", "loss"],
                    rows, align="llllll")


@artifact("dw-figure")
def dw_figure(ctx):
    """The same ∂J/∂W(1) as a column product, a row product with W in × out, and with W out × in."""
    p, _, cache, grads, G = book()
    Delta, A0 = grads.delta[1], cache.a[0]  # Δ(1) is 4 × m, A(0) = X is 3 × m
    X_rows, dY = A0.T, Delta.T  # rows: X is m × 3, dY = ∂J/∂(X W + b) is m × 4
    col = Delta @ A0.T  # (B3), batch form
    cs231n = X_rows.T @ dY  # dW = Xᵀ dY, stored in × out
    torch_grad = dY.T @ X_rows  # weight.grad = dYᵀ X, stored out × in
    ctx.check.chain("Δ(1) A(0)ᵀ", [Delta.shape, A0.T.shape], (4, 3))
    ctx.check.chain("Xᵀ dY (CS231n)", [X_rows.T.shape, dY.shape], (3, 4))
    ctx.check.chain("dYᵀ X (PyTorch)", [dY.T.shape, X_rows.shape], (4, 3))
    ctx.check.close("columns: Δ(1) A(0)ᵀ = ∂J/∂W(1)", col, G["W1"], tol=1e-14, how="(B3) in batch form")
    ctx.check.close("CS231n: (Xᵀ dY)ᵀ = ∂J/∂W(1)", cs231n.T, G["W1"], tol=1e-14, how="one transpose translates")
    ctx.check.close("PyTorch: dYᵀ X = ∂J/∂W(1)", torch_grad, G["W1"], tol=1e-14, how="no translation needed")
    ctx.check.that("the row form with W in × out is not W(1)'s shape", cs231n.shape != G["W1"].shape,
                   "3×4 vs 4×3: using CS231n's dW1 as the book's ∂J/∂W(1) without a transpose fails loudly")
    m = M
    specs = [
        ("columns", [("Δ⁽¹⁾", Delta.shape), ("A⁽⁰⁾ᵀ", A0.T.shape)], ("∂J/∂W⁽¹⁾", col.shape),
         f"Columns (this book, CS229): Δ(1) A(0)ᵀ, 4×{m} · {m}×3 → 4×3, the shape of W(1)."),
        ("cs231n", [("Xᵀ", X_rows.T.shape), ("dY", dY.shape)], ("dW1", cs231n.shape),
         f"Rows, W stored in × out (CS231n, d2l code): Xᵀ dY, 3×{m} · {m}×4 → 3×4, the shape of their W1."),
        ("pytorch", [("dYᵀ", dY.T.shape), ("X", X_rows.shape)], ("weight.grad", torch_grad.shape),
         f"Rows, W stored out × in (PyTorch): dYᵀ X, 4×{m} · {m}×3 → 4×3, the shape of fc1.weight."),
    ]
    parts = []
    for name, factors, result, caption in specs:
        svg = chain_svg(factors, result, salt=f"conventions-dw-{name}", grid=True,
                        title=f"Shapes of the weight gradient, {name} form", desc=caption,
                        layout_note=f"the inner {m} is the batch: the product sums over the examples")
        parts.append(figure(svg, caption))
    ctx.value("shape_Delta1", rf"4\times {m}")
    ctx.value("shape_X_rows", rf"{m}\times 3")
    ctx.value("shape_dY", rf"{m}\times 4")
    return "\n\n".join(parts)


def tex_jacobian(f) -> str:
    """A diagonal Jacobian as diag(...); any other matrix in full."""
    if f.shape[0] == f.shape[1] and np.count_nonzero(f - np.diag(np.diag(f))) == 0:
        return r"\diag\!\left(" + ", ".join(num(v, 3) for v in np.diag(f)) + r"\right)"
    return tex_matrix(f, 3)


def layout_example():
    """Example 1 alone (its own loss ½||a − y||², no 1/m): the question's and CS224n's hidden error."""
    p = problem()
    x, y = p["X"][:, [0]], p["Y"][:, [0]]
    W, b = {2: p["W1"], 3: p["W2"]}, {2: p["b1"], 3: p["b2"]}
    return p, x, y, W, b


@artifact("layout-denominator")
def layout_denominator(ctx):
    p, x, y, W, b = layout_example()
    _, trace = question_gradients(W, b, x, y)
    a2 = sigmoid(W[2] @ x + b[2])
    a3 = sigmoid(W[3] @ a2 + b[3])
    factors = [np.diag((a2 * (1 - a2))[:, 0]), W[3].T, np.diag((a3 * (1 - a3))[:, 0]), a3 - y]
    ctx.check.chain("∂a(2)/∂z(2) · ∂z(3)/∂a(2) · ∂a(3)/∂z(3) · ∂L/∂a(3)", [f.shape for f in factors], (4, 1))
    product = factors[0] @ factors[1] @ factors[2] @ factors[3]
    ctx.check.close("the product = the question code's ∂L/∂z(2)", product, trace["err"], tol=1e-14)
    net = Network(W=[None, p["W1"], p["W2"]], b=[None, p["b1"], p["b2"]], activations=[None, "sigmoid", "sigmoid"],
                  loss="squared_error")
    reference = multiply(chain_denominator(net, forward(net, x), y, 1))
    ctx.check.close("= the reference denominator-layout chain (backprop.jacobians)", product, reference, tol=1e-14)
    _, _, _, grads, _ = book()
    ctx.check.close("= m × column 1 of the book's Δ(1)", product, M * grads.delta[1][:, [0]], tol=1e-12,
                    how="one example's error is m times its column of Δ(1), which carries the 1/m of the mean")
    names = [r"\frac{\partial a^{(2)}}{\partial z^{(2)}}", r"\frac{\partial z^{(3)}}{\partial a^{(2)}}",
             r"\frac{\partial a^{(3)}}{\partial z^{(3)}}", r"\frac{\partial L}{\partial a^{(3)}}"]
    shapes_tex = " ".join(rf"\underbrace{{{n}}}_{{{f.shape[0]}\times {f.shape[1]}}}" for n, f in zip(names, factors, strict=True))
    show = tex_jacobian
    return display(
        r"\begin{aligned}"
        rf"\underbrace{{\frac{{\partial L}}{{\partial z^{{(2)}}}}}}_{{4\times 1}} &= {shapes_tex} \\[6pt]"
        rf"&= {show(factors[0])}\, {show(factors[1])} \\[4pt]"
        rf"&\qquad \cdot {show(factors[2])}\, {show(factors[3])} \\[4pt]"
        rf"&= {tex_matrix(product)}"
        r"\end{aligned}"
    )


@artifact("layout-numerator")
def layout_numerator(ctx):
    p, x, y, _, _ = layout_example()
    _, trace = clark_gradients(p["W1"], p["b1"], p["W2"], p["b2"], x, y)
    h = sigmoid(p["W1"] @ x + p["b1"])
    y_hat = sigmoid(p["W2"] @ h + p["b2"])
    delta_1 = ((y_hat - y) * y_hat * (1 - y_hat)).T
    ctx.check.chain("δ1 U", [delta_1.shape, p["W2"].shape], (1, 4))
    delta_2 = (delta_1 @ p["W2"]) * (h * (1 - h)).T
    ctx.check.close("δ2 = δ1 U ∘ σ'(z)ᵀ = the CS224n code's row", delta_2, trace["err"], tol=1e-14)
    _, qtrace = question_gradients({2: p["W1"], 3: p["W2"]}, {2: p["b1"], 3: p["b2"]}, x, y)
    ctx.check.close("the row is the transpose of the denominator-layout column", delta_2, qtrace["err"].T, tol=1e-14,
                    how="(AB)ᵀ = BᵀAᵀ turns one product into the other")
    ctx.check.raises("δ1 Uᵀ does not chain", lambda: delta_1 @ p["W2"].T)
    return display(
        r"\begin{aligned}"
        r"\underbrace{\delta_2}_{1\times 4} &= \underbrace{\delta_1}_{1\times 2}\,\underbrace{U}_{2\times 4}"
        r" \circ \underbrace{\sigma'(z)^\top}_{1\times 4} \\[6pt]"
        rf"&= {tex_matrix(delta_1, 3)} {tex_matrix(p['W2'], 1)} \\[4pt]"
        rf"&\qquad \circ {tex_matrix((h * (1 - h)).T, 3)} \\[4pt]"
        rf"&= {tex_matrix(delta_2)}"
        r"\end{aligned}"
    )


# ---------------------------------------------------------------------------
# Exercises


@artifact("ex1")
def ex1(ctx):
    """Nielsen's w^2_13: where it lives in every other storage, and its gradient."""
    p, _, _, _, G = book()
    j, k = 1, 3  # Nielsen's indices (1-based): to neuron j of layer 2 from neuron k of layer 1
    names = {}
    for key in ("nielsen", "cs231n", "pytorch", "question", "ufldl"):
        P, _, Gc, _, _, _ = compute(BY_KEY[key])
        names[key] = (P, Gc)
    value = names["nielsen"][0]["w2"][j - 1, k - 1]
    lookups = [
        ("book W(1), row 1, column 3", p["W1"][j - 1, k - 1]),
        ("UFLDL W(1)_13", names["ufldl"][0]["W1"][j - 1, k - 1]),
        ("CS231n W1[2, 0]", names["cs231n"][0]["W1"][k - 1, j - 1]),
        ("PyTorch fc1.weight[0, 2]", names["pytorch"][0]["fc1.weight"][j - 1, k - 1]),
        ("question w(2)_31 (row 1, column 3)", names["question"][0]["W2"][j - 1, k - 1]),
    ]
    for label, v in lookups:
        ctx.check.close(f"Nielsen's w^2_13 = {label}", v, value, tol=0.0, how="the same stored number")
    grad = names["nielsen"][1]["w2"][j - 1, k - 1]
    ctx.check.close("∂C/∂w^2_13 = ∂J/∂W(1)_13", grad, G["W1"][j - 1, k - 1], tol=1e-12)
    ctx.check.close("= CS231n dW1[2, 0]", names["cs231n"][1]["W1"][k - 1, j - 1], grad, tol=1e-12)
    ctx.check.differ("the book's W(1)_31 is a different weight", p["W1"][k - 1, j - 1], value,
                     how="reading the indices the other way round picks another number")
    ctx.value("ex1_w", num(value, 1))
    here, swapped = f"({j}, {k})", f"({k}, {j})"
    body = md_table(
        ["where", "name", "index (row, column), from 1", "value"],
        [
            ["Nielsen", r"$w^2_{13}$", here, num(value, 1)],
            ["this book", r"$W^{(1)}_{13}$", here, num(p["W1"][j - 1, k - 1], 1)],
            ["UFLDL", r"$W^{(1)}_{13}$", here, num(names["ufldl"][0]["W1"][j - 1, k - 1], 1)],
            ["the question", r"$w^{(2)}_{31}$", here, num(names["question"][0]["W2"][j - 1, k - 1], 1)],
            ["PyTorch", f"`fc1.weight[{j - 1}, {k - 1}]`", here, num(names["pytorch"][0]["fc1.weight"][j - 1, k - 1], 1)],
            ["CS231n", f"`W1[{k - 1}, {j - 1}]`", swapped, num(names["cs231n"][0]["W1"][k - 1, j - 1], 1)],
        ],
        align="lllr",
    )
    text = (
        "Nielsen's $w^2_{13}$ runs from neuron 3 of layer 1 (the input) to neuron 1 of layer 2 (the hidden layer). "
        "Row = destination, column = source, so it is the book's $W^{(1)}_{13}$. The question names the source first, "
        "so the same weight is its $w^{(2)}_{31}$, still stored in row 1, column 3. Only CS231n (stored in × out) "
        "puts it at row 3, column 1.\n\n" + body + "\n\n"
        + f"Its gradient, from Nielsen's BP4 averaged over the batch: $\\partial C/\\partial w^2_{{13}} = {num(grad, 6)}$, "
        "the same number as the book's $\\partial J/\\partial W^{(1)}_{13}$ and CS231n's `dW1[2, 0]`."
    )
    return solution(text)


@artifact("ex2")
def ex2(ctx):
    """Convert a CS231n dW to PyTorch's weight.grad."""
    _, _, G231, _, _, _ = compute(BY_KEY["cs231n"])
    _, _, Gpt, _, _, _ = compute(BY_KEY["pytorch"])
    given = G231["W2"]  # 4 × 2, in × out
    answer = given.T
    ctx.check.shape("CS231n dW2 is in × out", given, (4, 2))
    ctx.check.close("dW2ᵀ = PyTorch fc2.weight.grad", answer, Gpt["fc2.weight"], tol=1e-12,
                    how="computed independently by the PyTorch-storage code")
    ctx.value("ex2_given", tex_matrix(given))
    return solution(
        "CS231n stores the 4 → 2 layer's weight in × out (4×2); `nn.Linear` stores it out × in (2×4). "
        "Both gradients have the shape of their own weight, so one transpose converts:\n\n"
        + display(r"\texttt{fc2.weight.grad} = dW_2^\top = " + tex_matrix(answer))
        + "\n\nThe build computed the right-hand side a second time, with the `nn.Linear`-storage code "
        "(`dYᵀ X`), and the two agree."
    )


@artifact("ex3")
def ex3(ctx):
    """Mixing Goodfellow's a with the book's a: f' evaluated at the activation."""
    p = problem()
    W, b = {1: p["W1"], 2: p["W2"]}, {1: p["b1"], 2: p["b2"]}
    right, wrong = np.zeros_like(p["W2"]), np.zeros_like(p["W2"])
    for i in range(M):
        x, y = p["X"][:, [i]], p["Y"][:, [i]]
        grad_W, _, a, h, _ = gbc_backprop(W, b, x, y)
        right += grad_W[2] / M
        g = (h[2] - y) * f_prime(h[2])  # the slip: f' at the activation h(2), the book's a(2)
        wrong += g @ h[1].T / M
    _, _, _, _, G = book()
    ctx.check.close("Algorithm 6.4 as written = the book's ∂J/∂W(2)", right, G["W2"], tol=1e-12)
    rel = ctx.check.differ("f'(h(2)) instead of f'(a(2)) gives another matrix", wrong, right, min_rel=1e-2,
                           how="the slip changes every entry")
    ctx.check.that("every shape is still right", wrong.shape == right.shape == p["W2"].shape,
                   "2×4 either way: the shape check cannot catch this slip")
    return solution(
        "Algorithm 6.4 multiplies by $f'(a^{(k)})$, where $a^{(k)}$ is the *pre-activation* (the book's $z^{(k)}$). "
        "Evaluating $f'$ at the activation $h^{(2)}$ (the book's $a^{(2)}$) gives\n\n"
        + display(r"\text{wrong} = " + tex_matrix(wrong) + r",\qquad \text{right} = \frac{\partial J}{\partial W^{(2)}} = "
                  + tex_matrix(right))
        + f"\n\nThe largest entry-wise relative difference is {num(rel, 2)}, and both matrices are 2×4, so no shape "
        "check notices. For the sigmoid the right factor can be written with the activation, "
        "$\\sigma'(z) = a(1 - a)$; what goes wrong is feeding the activation into $\\sigma'$ itself."
    )


@artifact("ex4")
def ex4(ctx):
    """Where the 1/m lives: Ng's dZ[2] (per example) vs PyTorch's Y2.grad (includes 1/m)."""
    p = problem()
    dZ2 = ng_backward(p, ng_forward(p, p["X"]), p["X"], p["Y"])["dZ2"]
    P, D = pytorch_setup(p)
    _, trace = pytorch_grads(P, *D)
    given = dZ2[:, [0]]
    answer = given.T / M
    ctx.check.close("Y2.grad row 1 = (dZ[2] column 1)ᵀ / m", trace["Y2.grad"][[0], :], answer, tol=1e-14,
                    how="computed independently by the nn.Linear-storage code")
    ctx.check.differ("without the 1/m it is wrong by a factor m", given.T, answer, how=f"off by a factor of {M}")
    ctx.value("ex4_given", tex_matrix(given))
    return solution(
        "Ng's $dZ^{[2]}$ is the gradient of one example's loss: the $\\frac{1}{m}$ is applied later, in "
        "$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]\\top}$. PyTorch's `Y2.grad` is the gradient of the averaged `loss`, "
        "so the $\\frac{1}{m}$ is already inside; and it is a row, because examples are rows:\n\n"
        + display(rf"\texttt{{Y2.grad}}[0] = \tfrac{{1}}{{{M}}}\,\bigl(dZ^{{[2]}}_{{:,1}}\bigr)^\top = " + tex_matrix(answer))
    )
