"""One two-layer sigmoid network in the notation of ten texts on backpropagation.

The loss is squared error averaged over a batch of m examples,

    J = (1/m) Σ_i ½ ||a(2)_i − y_i||²,

and every text below computes the same gradients with its own symbols, its own storage
(examples as columns or rows, W stored out × in or in × out) and its own place for the 1/m.
Each text gets a forward/backward pair written as that text writes it; shapes are given for
the book's translator network (3 inputs, 4 hidden units, 2 outputs, a batch of m). Texts whose
backward pass is written for one example are averaged over the batch by `mean_over_examples`,
as their update rules do. Where a text's layer is the row-form layer of `backprop.rows`
(PyTorch's nn.Linear, CS231n's affine layer), it is used from there.

`CONVENTIONS` says how each text stores the book's W(1), b(1), W(2), b(2) and how to translate
back; tests/test_backprop_conventions.py checks every pair against finite differences of its
own forward pass, in its own storage, and, translated, against `backprop.network.backward`.
Each text writes its own sigmoid derivative; `sigmoid` here is the forward function only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import activation
from .gradcheck import numerical_gradient
from .rows import affine_backward, affine_forward, linear_backward, linear_forward

Array = np.ndarray
sigmoid = activation("sigmoid").g  # the logistic function, forward only


# --8<-- [start:cs229]
def ng_forward(parameters, X):
    """Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l]), with A[0] = X.

    Inputs:
    - parameters: W1 (n1, n0), b1 (n1, 1), W2 (n2, n1), b2 (n2, 1)
    - X: (n0, m), one example per column
    Returns the cache: Z1, A1 of shape (n1, m); Z2, A2 of shape (n2, m).
    """
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def ng_backward(parameters, cache, X, Y):
    """dW[l] = (1/m) dZ[l] A[l-1]ᵀ: dZ[l] has one column per example and no 1/m.

    Inputs: the cache of ng_forward; X: (n0, m); Y: (n2, m).
    Returns dW1 (n1, n0), db1 (n1, 1), dW2 (n2, n1), db2 (n2, 1), dZ1 (n1, m), dZ2 (n2, m).
    """
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) * A2 * (1 - A2)  # per example: no 1/m yet
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (parameters["W2"].T @ dZ2) * A1 * (1 - A1)  # W[2]ᵀ dZ[2] * g[1]'(Z[1])
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dZ1": dZ1, "dZ2": dZ2}
# --8<-- [end:cs229]


# --8<-- [start:nielsen]
def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nielsen_feedforward(w, b, a):
    """a^l = σ(w^l a^(l−1) + b^l) for l = 2, 3; the input a is layer 1.

    w[l][j, k] is w^l_jk, from neuron k in layer l−1 to neuron j in layer l:
    w[2] (4, 3), w[3] (2, 4); b[l] (d_l, 1); a (3, n), one example per column.
    """
    for l in (2, 3):
        a = sigmoid(w[l] @ a + b[l])
    return a


def nielsen_backprop(w, b, x, y):
    """BP1–BP4 for one example x (3, 1), y (2, 1).

    Returns nabla_w[l] (the shape of w[l]), nabla_b[l] (the shape of b[l]) and,
    for the hidden layer, (z^2, a^2, δ^2), each (4, 1).
    """
    a, z = {1: x}, {}
    for l in (2, 3):
        z[l] = w[l] @ a[l - 1] + b[l]
        a[l] = sigmoid(z[l])
    delta = {3: (a[3] - y) * sigmoid_prime(z[3])}  # (BP1) δ^L = ∇_a C ⊙ σ'(z^L)
    delta[2] = (w[3].T @ delta[3]) * sigmoid_prime(z[2])  # (BP2)
    nabla_b = {l: delta[l] for l in (2, 3)}  # (BP3)
    nabla_w = {l: np.zeros_like(w[l]) for l in (2, 3)}
    for l in (2, 3):  # (BP4) ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, one entry at a time
        for j, k in np.ndindex(w[l].shape):
            nabla_w[l][j, k] = a[l - 1][k, 0] * delta[l][j, 0]
    return nabla_w, nabla_b, (z[2], a[2], delta[2])
# --8<-- [end:nielsen]


# --8<-- [start:ufldl]
def ufldl_forward(W, b, x):
    """z^(l+1) = W^(l) a^(l) + b^(l), a^(l+1) = f(z^(l+1)); layer 1 is the input x (3, n).

    W[l][i, j] is W^(l)_ij, between unit j in layer l and unit i in layer l+1:
    the superscript names the layer the weights LEAVE. W[1] (4, 3), W[2] (2, 4).
    Returns z, a by layer (z[2], a[2] hidden; z[3], a[3] output).
    """
    a, z = {1: x}, {}
    for l in (1, 2):
        z[l + 1] = W[l] @ a[l] + b[l]
        a[l + 1] = sigmoid(z[l + 1])
    return z, a


def ufldl_backward(W, z, a, y):
    """One example: δ^(3) = −(y − a^(3)) • f'(z^(3)), δ^(2) = ((W^(2))ᵀ δ^(3)) • f'(z^(2)).

    Returns ∇_W^(l) J = δ^(l+1) (a^(l))ᵀ (the shape of W[l]), ∇_b^(l) J = δ^(l+1), and δ^(2) (4, 1).
    """
    delta = {3: -(y - a[3]) * a[3] * (1 - a[3])}  # f'(z) = a(1 − a) for the sigmoid
    delta[2] = (W[2].T @ delta[3]) * a[2] * (1 - a[2])
    grad_W = {l: delta[l + 1] @ a[l].T for l in (1, 2)}
    grad_b = {l: delta[l + 1] for l in (1, 2)}
    return grad_W, grad_b, delta[2]
# --8<-- [end:ufldl]


# --8<-- [start:goodfellow]
def f_prime(a):
    return sigmoid(a) * (1 - sigmoid(a))  # f' at the PRE-activation a


def gbc_forward(W, b, x):
    """Algorithm 6.3: a^(k) = b^(k) + W^(k) h^(k−1), h^(k) = f(a^(k)), h^(0) = x (3, n).

    a^(k) is the pre-activation (the book's z), h^(k) the activation.
    """
    h, a = {0: x}, {}
    for k in (1, 2):
        a[k] = b[k] + W[k] @ h[k - 1]
        h[k] = sigmoid(a[k])
    return a, h


def gbc_backward(W, a, h, y):
    """Algorithm 6.4 for one example, J = L(ŷ, y) = ½ ||ŷ − y||² with ŷ = h^(2).

    Returns ∇_W^(k) J (the shape of W[k]), ∇_b^(k) J and, for k = 1, g = ∇_a^(1) J (4, 1).
    """
    g = h[2] - y  # g ← ∇_ŷ J
    grad_W, grad_b, g_a = {}, {}, {}
    for k in (2, 1):
        g = g * f_prime(a[k])  # g ← ∇_a^(k) J = g ⊙ f'(a^(k))
        g_a[k] = g
        grad_b[k] = g  # ∇_b^(k) J = g
        grad_W[k] = g @ h[k - 1].T  # ∇_W^(k) J = g h^(k−1)ᵀ
        g = W[k].T @ g  # g ← ∇_h^(k−1) J = W^(k)ᵀ g
    return grad_W, grad_b, g_a[1]
# --8<-- [end:goodfellow]


# --8<-- [start:d2l_math]
def d2l_forward(W1, b1, W2, b2, x):
    """d2l §5.3 in columns, biases added: z = W(1) x + b(1), h = φ(z), o = W(2) h + b(2).

    W1 (h, d) = (4, 3), W2 (q, h) = (2, 4); x (3, n). The output sigmoid is part of the loss
    l(o, y) = ½ ||σ(o) − y||². Returns z, h, o.
    """
    z = W1 @ x + b1
    h = sigmoid(z)
    o = W2 @ h + b2
    return z, h, o


def d2l_backward(W2, x, z, h, o, y):
    """One example: ∂J/∂W(2) = (∂J/∂o) hᵀ, ∂J/∂h = W(2)ᵀ ∂J/∂o, ∂J/∂z = ∂J/∂h ⊙ φ'(z), ∂J/∂W(1) = (∂J/∂z) xᵀ.

    Returns the gradients by W1, b1, W2, b2 (their shapes) and ∂J/∂z (4, 1).
    """
    y_hat = sigmoid(o)
    dJ_do = (y_hat - y) * y_hat * (1 - y_hat)
    dJ_dW2 = dJ_do @ h.T
    dJ_dh = W2.T @ dJ_do
    dJ_dz = dJ_dh * h * (1 - h)
    dJ_dW1 = dJ_dz @ x.T
    return {"W1": dJ_dW1, "b1": dJ_dz, "W2": dJ_dW2, "b2": dJ_do}, dJ_dz
# --8<-- [end:d2l_math]


# --8<-- [start:d2l_code]
def d2l_net(X, W1, b1, W2, b2):
    """d2l §5.2's from-scratch MLP with sigmoids: H = σ(X W1 + b1), O = σ(H W2 + b2).

    X (batch, num_inputs) = (m, 3); W1 (num_inputs, num_hiddens) = (3, 4), b1 (4,);
    W2 (4, 2), b2 (2,). Returns O (m, 2) and H (m, 4).
    """
    H = sigmoid(X @ W1 + b1)
    return sigmoid(H @ W2 + b2), H


def d2l_grads(X, Y, W1, b1, W2, b2):
    """What autograd leaves in W1.grad, b1.grad, ... for loss = ½ Σ (O − Y)² / batch.

    Each X @ W + b is the affine layer of backprop.rows. Returns the gradients (the shapes
    of W1, b1, W2, b2) and the gradient of X W1 + b1, (m, 4).
    """
    O, H = d2l_net(X, W1, b1, W2, b2)
    dO_pre = (O - Y) / X.shape[0] * O * (1 - O)  # gradient of H W2 + b2: (m, 2)
    dH, dW2, db2 = affine_backward(dO_pre, (H, W2))
    dH_pre = dH * H * (1 - H)  # gradient of X W1 + b1: (m, 4)
    _, dW1, db1 = affine_backward(dH_pre, (X, W1))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, dH_pre
# --8<-- [end:d2l_code]


# --8<-- [start:pytorch]
def torch_forward(state, X):
    """fc1, sigmoid, fc2, sigmoid; nn.Linear is y = x Aᵀ + b (backprop.rows.linear_forward).

    state: fc1.weight (out_features, in_features) = (4, 3), fc1.bias (4,),
    fc2.weight (2, 4), fc2.bias (2,); X (m, 3), one example per row.
    Returns out (m, 2) and what backward needs: Y1, H, out and the two layer caches.
    """
    Y1, cache1 = linear_forward(X, state["fc1.weight"], state["fc1.bias"])  # (m, 4)
    H = sigmoid(Y1)
    Y2, cache2 = linear_forward(H, state["fc2.weight"], state["fc2.bias"])  # (m, 2)
    out = sigmoid(Y2)
    return out, (Y1, H, out, cache1, cache2)


def torch_backward(T, saved):
    """What loss.backward() leaves in .grad for loss = 0.5 * ((out − T)**2).sum() / m.

    Returns weight.grad (the shape of weight), bias.grad, and Y1.grad (m, 4), Y2.grad (m, 2).
    """
    Y1, H, out, cache1, cache2 = saved
    grad_Y2 = (out - T) / T.shape[0] * out * (1 - out)  # Y2.grad
    grad_H, W2_grad, b2_grad = linear_backward(grad_Y2, cache2)  # weight.grad = dYᵀ X
    grad_Y1 = grad_H * H * (1 - H)  # Y1.grad
    _, W1_grad, b1_grad = linear_backward(grad_Y1, cache1)
    grads = {"fc1.weight": W1_grad, "fc1.bias": b1_grad, "fc2.weight": W2_grad, "fc2.bias": b2_grad}
    return grads, grad_Y1, grad_Y2
# --8<-- [end:pytorch]


# --8<-- [start:cs231n]
def two_layer_loss(params, X, y):
    """Two affine layers (backprop.rows.affine_forward: out = x w + b) with sigmoids.

    Inputs:
    - params: W1 (D, H) = (3, 4), b1 (H,), W2 (H, C) = (4, 2), b2 (C,)
    - X: (N, D), one example per row; y: (N, C)
    Returns loss = ½ Σ (s − y)² / N, grads (the shape of each parameter), and
    (a1, h1, da1), each (N, H).
    """
    N = X.shape[0]
    a1, cache1 = affine_forward(X, params["W1"], params["b1"])
    h1 = sigmoid(a1)
    a2, cache2 = affine_forward(h1, params["W2"], params["b2"])
    s = sigmoid(a2)
    loss = 0.5 * np.sum((s - y) ** 2) / N
    da2 = (s - y) / N * s * (1 - s)  # the 1/N of the loss is in here
    dh1, dW2, db2 = affine_backward(da2, cache2)  # dW = Xᵀ dout: (D, M) like w
    da1 = dh1 * h1 * (1 - h1)
    _, dW1, db1 = affine_backward(da1, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, (a1, h1, da1)
# --8<-- [end:cs231n]


# --8<-- [start:cs224n]
def clark_forward(W, b1, U, b2, x):
    """z = W x + b1, h = σ(z), θ = U h + b2, ŷ = σ(θ); x (3, n), W (D_h, 3) = (4, 3), U (2, 4)."""
    z = W @ x + b1
    h = sigmoid(z)
    theta = U @ h + b2
    return z, h, sigmoid(theta)


def clark_backward(U, x, z, h, y_hat, y):
    """One example. With Jacobians δ is a ROW; the shape convention transposes back.

    δ1 = ∂J/∂θ (1, 2), δ2 = ∂J/∂z = δ1 U ∘ σ'(z)ᵀ (1, 4).
    Returns ∂J/∂W = δ2ᵀ xᵀ, ∂J/∂b1, ∂J/∂U = δ1ᵀ hᵀ, ∂J/∂b2 (each the shape of its parameter) and δ2.
    """
    delta_1 = ((y_hat - y) * y_hat * (1 - y_hat)).T
    delta_2 = (delta_1 @ U) * (h * (1 - h)).T
    return {"W": delta_2.T @ x.T, "b1": delta_2.T, "U": delta_1.T @ h.T, "b2": delta_1.T}, delta_2
# --8<-- [end:cs224n]


# --8<-- [start:question]
def question_forward(W, b, x):
    """The question's numbering: layer 1 is the input, a^(1) = x (3, n); layers 2 and 3.

    Entry w_ij of W^(l) sits in row j, column i: the weight from unit i (layer l−1)
    to unit j (layer l). W[2] (4, 3), W[3] (2, 4). Returns z, a by layer.
    """
    a, z = {1: x}, {}
    for l in (2, 3):
        z[l] = W[l] @ a[l - 1] + b[l]
        a[l] = sigmoid(z[l])
    return z, a


def question_backward(W, a, y):
    """One example, L = ½ Σ (y_hat − y_true)², in denominator layout: the chain grows to the LEFT.

    Returns ∂L/∂W^(l) (∂L/∂w_ij = δ_j a_i, stored in row j, column i), ∂L/∂b^(l) and ∂L/∂z^(2) (4, 1).
    """
    da_dz = {l: np.diag((a[l] * (1 - a[l]))[:, 0]) for l in (2, 3)}  # diagonal in both layouts
    dz3_da2 = W[3].T  # ∂z^(3)/∂a^(2), denominator layout: 4 × 2
    dL_dz = {3: da_dz[3] @ (a[3] - y)}  # 2×2 · 2×1
    dL_dz[2] = da_dz[2] @ dz3_da2 @ dL_dz[3]  # 4×4 · 4×2 · 2×1
    grads = {}
    for l in (2, 3):
        G = np.zeros_like(W[l])
        for i, j in np.ndindex(W[l].shape[1], W[l].shape[0]):  # i: the unit it leaves, j: the unit it enters
            G[j, i] = dL_dz[l][j, 0] * a[l - 1][i, 0]
        grads[f"W{l}"], grads[f"b{l}"] = G, dL_dz[l]
    return grads, dL_dz[2]
# --8<-- [end:question]


# ---------------------------------------------------------------------------
# The registry: how each text stores the book's parameters, and its passes in that storage


def mean_over_examples(one, X, Y):
    """Average a one-example backward pass over the columns of X, Y (as the texts' update rules do).

    `one(x, y)` returns (gradients, hidden) with hidden a tuple of columns; the result stacks
    each hidden column side by side (d × m).
    """
    results = [one(X[:, [i]], Y[:, [i]]) for i in range(X.shape[1])]
    grads = {k: sum(r[0][k] for r in results) / len(results) for k in results[0][0]}
    hidden = tuple(np.hstack([r[1][j] for r in results]) for j in range(len(results[0][1])))
    return grads, hidden


def _by_layer(P, names, layers):
    return {l: P[n] for n, l in zip(names, layers, strict=True)}


def _nielsen(P, x, y):
    w, b = _by_layer(P, ("w2", "w3"), (2, 3)), _by_layer(P, ("b2", "b3"), (2, 3))
    nabla_w, nabla_b, hidden = nielsen_backprop(w, b, x, y)
    return {"w2": nabla_w[2], "b2": nabla_b[2], "w3": nabla_w[3], "b3": nabla_b[3]}, hidden


def _ufldl(P, x, y):
    W, b = _by_layer(P, ("W1", "W2"), (1, 2)), _by_layer(P, ("b1", "b2"), (1, 2))
    z, a = ufldl_forward(W, b, x)
    grad_W, grad_b, delta2 = ufldl_backward(W, z, a, y)
    return {"W1": grad_W[1], "b1": grad_b[1], "W2": grad_W[2], "b2": grad_b[2]}, (z[2], a[2], delta2)


def _gbc(P, x, y):
    W, b = _by_layer(P, ("W1", "W2"), (1, 2)), _by_layer(P, ("b1", "b2"), (1, 2))
    a, h = gbc_forward(W, b, x)
    grad_W, grad_b, g1 = gbc_backward(W, a, h, y)
    return {"W1": grad_W[1], "b1": grad_b[1], "W2": grad_W[2], "b2": grad_b[2]}, (a[1], h[1], g1)


def _d2l_math(P, x, y):
    z, h, o = d2l_forward(P["W1"], P["b1"], P["W2"], P["b2"], x)
    grads, dJ_dz = d2l_backward(P["W2"], x, z, h, o, y)
    return grads, (z, h, dJ_dz)


def _clark(P, x, y):
    z, h, y_hat = clark_forward(P["W"], P["b1"], P["U"], P["b2"], x)
    grads, delta_2 = clark_backward(P["U"], x, z, h, y_hat, y)
    return grads, (z, h, delta_2.T)  # δ2 is a row: stacked as a column like the others


def _question(P, x, y):
    W, b = _by_layer(P, ("W2", "W3"), (2, 3)), _by_layer(P, ("b2", "b3"), (2, 3))
    z, a = question_forward(W, b, x)
    grads, dL_dz2 = question_backward(W, a, y)
    return grads, (z[2], a[2], dL_dz2)


def _ng(P, X, Y):
    cache = ng_forward(P, X)
    g = ng_backward(P, cache, X, Y)
    return {k: g["d" + k] for k in ("W1", "b1", "W2", "b2")}, (cache["Z1"], cache["A1"], g["dZ1"])


def _d2l_code(P, X, Y):
    grads, dH_pre = d2l_grads(X, Y, P["W1"], P["b1"], P["W2"], P["b2"])
    return grads, ((X @ P["W1"] + P["b1"]).T, d2l_net(X, P["W1"], P["b1"], P["W2"], P["b2"])[1].T, dH_pre.T)


def _torch(P, X, T):
    _, saved = torch_forward(P, X)
    grads, grad_Y1, _ = torch_backward(T, saved)
    return grads, (saved[0].T, saved[1].T, grad_Y1.T)


def _cs231n(P, X, y):
    _, grads, (a1, h1, da1) = two_layer_loss(P, X, y)
    return grads, (a1.T, h1.T, da1.T)


def _per_example(one):
    return lambda P, X, Y: mean_over_examples(lambda x, y: one(P, x, y), X, Y)


BOOK = ("W1", "b1", "W2", "b2")  # the book's W(1), b(1), W(2), b(2)
SAME, TRANSPOSE, FLAT = "same", "transpose", "flat"  # how a stored array relates to the book's


@dataclass(frozen=True)
class Convention:
    """One text: its names for the book's parameters, its storage, and its passes.

    `store` maps the text's name to (the book's name, how it is stored); `forward(P, X)` is the
    text's output for the whole batch, `backward(P, X, Y)` its gradients by its own names and
    the hidden layer's (pre-activation, activation, error signal), each stacked d × m like the
    book's. `error_scale` is "m" where the error signal belongs to one example's loss (no 1/m)
    and "1" where it carries the 1/m of the mean, as the book's Δ does.
    """

    key: str
    store: dict
    rows: bool  # examples are the rows of X
    error_scale: str
    forward: Callable
    backward: Callable


def _names(*names, how=(SAME, SAME, SAME, SAME)):
    return {n: (book, h) for n, book, h in zip(names, BOOK, how, strict=True)}


ROWS_IN_OUT = (TRANSPOSE, FLAT, TRANSPOSE, FLAT)  # W stored in × out, biases flat (CS231n, d2l code)
ROWS_OUT_IN = (SAME, FLAT, SAME, FLAT)  # nn.Linear: W stored out × in, biases flat
COLUMNS = _names(*BOOK)


def _cs231n_scores(P, X):
    return sigmoid(affine_forward(sigmoid(affine_forward(X, P["W1"], P["b1"])[0]), P["W2"], P["b2"])[0])


CONVENTIONS = [
    Convention("cs229", COLUMNS, False, "m", lambda P, X: ng_forward(P, X)["A2"], _ng),
    Convention("nielsen", _names("w2", "b2", "w3", "b3"), False, "m",
               lambda P, X: nielsen_feedforward({2: P["w2"], 3: P["w3"]}, {2: P["b2"], 3: P["b3"]}, X),
               _per_example(_nielsen)),
    Convention("ufldl", COLUMNS, False, "m", lambda P, X: ufldl_forward({1: P["W1"], 2: P["W2"]},
               {1: P["b1"], 2: P["b2"]}, X)[1][3], _per_example(_ufldl)),
    Convention("goodfellow", COLUMNS, False, "m", lambda P, X: gbc_forward({1: P["W1"], 2: P["W2"]},
               {1: P["b1"], 2: P["b2"]}, X)[1][2], _per_example(_gbc)),
    Convention("d2l_math", COLUMNS, False, "m",
               lambda P, X: sigmoid(d2l_forward(P["W1"], P["b1"], P["W2"], P["b2"], X)[2]), _per_example(_d2l_math)),
    Convention("d2l_code", _names(*BOOK, how=ROWS_IN_OUT), True, "1",
               lambda P, X: d2l_net(X, P["W1"], P["b1"], P["W2"], P["b2"])[0], _d2l_code),
    Convention("pytorch", _names("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", how=ROWS_OUT_IN), True, "1",
               lambda P, X: torch_forward(P, X)[0], _torch),
    Convention("cs231n", _names(*BOOK, how=ROWS_IN_OUT), True, "1", _cs231n_scores, _cs231n),
    Convention("cs224n", _names("W", "b1", "U", "b2"), False, "m",
               lambda P, X: clark_forward(P["W"], P["b1"], P["U"], P["b2"], X)[2], _per_example(_clark)),
    Convention("question", _names("W2", "b2", "W3", "b3"), False, "m",
               lambda P, X: question_forward({2: P["W2"], 3: P["W3"]}, {2: P["b2"], 3: P["b3"]}, X)[1][3],
               _per_example(_question)),
]
BY_KEY = {c.key: c for c in CONVENTIONS}


def _stored(arr, how: str, *, back: bool = False):
    if how == TRANSPOSE:
        return arr.T
    if how == FLAT:  # the book's d × 1 column <-> a flat (d,) vector
        return np.asarray(arr).reshape(-1, 1) if back else np.asarray(arr)[:, 0]
    return arr


def to_own(conv: Convention, book: dict, X: Array, Y: Array) -> tuple[dict, Array, Array]:
    """The book's parameters (W1, b1, W2, b2 as W(l), b(l)) and batch (columns) in the text's storage."""
    P = {own: _stored(book[name], how).copy() for own, (name, how) in conv.store.items()}
    return (P, X.T.copy(), Y.T.copy()) if conv.rows else (P, X.copy(), Y.copy())


def to_book(conv: Convention, arrays: dict) -> dict:
    """Parameters or gradients by the text's names, translated to the book's names and shapes."""
    return {name: _stored(arrays[own], how, back=True) for own, (name, how) in conv.store.items()}


def loss(conv: Convention, P: dict, X: Array, Y: Array) -> float:
    """J = (1/m) Σ_i ½ ||output_i − y_i||², from the text's own forward pass and storage."""
    m = X.shape[0] if conv.rows else X.shape[1]
    return 0.5 * float(np.sum((conv.forward(P, X) - Y) ** 2)) / m


def numerical_gradients(conv: Convention, P: dict, X: Array, Y: Array) -> dict:
    """Central differences of `loss` by each of the text's parameters, in its own storage."""
    return {own: numerical_gradient(lambda _, own=own: loss(conv, P, X, Y), P[own]) for own in conv.store}
