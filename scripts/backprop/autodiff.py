"""A small reverse-mode automatic differentiation for matrices, in the book's columns.

Every value is a matrix: a scalar is 1×1, a column d×1, a batch d×m. A `Var` holds its
`value`, after `backward(J)` its `grad` = ∂J/∂value (the shape of the value: the book's rule),
and one edge per parent with the two local linear maps of that edge:

    jvp(tangent)   pushes a small change of the parent forward   (Jacobian-vector product)
    vjp(G)         pulls the upstream gradient G back to the parent  (vector-Jacobian product:
                   upstream gradient times local Jacobian, the Jacobian never formed)

`backward(J)` visits the graph once, from J back to the leaves, in reverse topological order;
a value used twice receives the sum of what flows back along its edges. `jvp(out, tangents)`
is forward mode on the same graph. Both accept a leading batch axis (k, rows, cols): k seeds
in one sweep, one pass each. Every product in this module is counted (`counting`), so the
cost of the two modes is measured by the code, not asserted.
"""

from __future__ import annotations

from contextlib import contextmanager
from itertools import count

import numpy as np

from .activations import activation
from .losses import loss as _loss

_multiplications = [0]  # scalar multiplications made so far by the products below
_created = count()  # numbers the nodes in the order they are made


# --8<-- [start:count]
def _mm(A, B):
    """A @ B, counted: each entry of the result is a sum of A.shape[-1] products."""
    C = A @ B
    _multiplications[0] += C.size * A.shape[-1]
    return C


def _mul(A, B):
    """A ⊙ B (broadcasting), counted: one multiplication per entry of the result."""
    C = A * B
    _multiplications[0] += C.size
    return C


@contextmanager
def counting():
    """`with counting() as made: ...; made()` is the number of multiplications made inside."""
    start = _multiplications[0]
    yield lambda: _multiplications[0] - start
    # --8<-- [end:count]


# --8<-- [start:var]
class Var:
    """A node of the graph: a matrix value, its parents (with the edges' jvp and vjp) and, after backward, ∂J/∂value."""

    def __init__(self, value, parents=(), op="input", name=""):
        self.value = np.asarray(value, dtype=float)
        if self.value.ndim != 2:
            raise ValueError(f"every value is a matrix (a column is (d, 1), a scalar (1, 1)), got shape {self.value.shape}")
        self.parents = tuple(parents)  # ((parent, jvp, vjp), ...)
        self.op, self.name = op, name
        self.index = next(_created)  # a node is always made after its parents
        self.grad = None  # ∂J/∂value, set by backward(J)
        self.tangent = None  # the directional derivative, set by jvp()

    @property
    def shape(self):
        return self.value.shape

    def __matmul__(self, other):
        return matmul(self, other)

    def __add__(self, other):
        return add(self, other)

    def __sub__(self, other):
        return sub(self, other)

    def __mul__(self, other):
        return mul(self, other)

    __radd__, __rmul__ = __add__, __mul__

    def __repr__(self):
        return f"Var({self.name or self.op}, shape={self.shape})"
    # --8<-- [end:var]


def const(x) -> Var:
    """A value the graph does not differentiate by (data, targets, ε); a number becomes 1×1."""
    return x if isinstance(x, Var) else Var(np.asarray(x, dtype=float).reshape(np.shape(x) or (1, 1)), op="const")


def unbroadcast(G, shape):
    """Sum G over the axes that broadcasting stretched, so a gradient has its value's shape."""
    for axis in (-2, -1):
        if shape[axis] == 1 and G.shape[axis] != 1:
            G = G.sum(axis=axis, keepdims=True)
    return G


# --8<-- [start:ops]
def matmul(A, B) -> Var:
    """C = A B. Upstream G = ∂J/∂C: ∂J/∂A = G Bᵀ and ∂J/∂B = Aᵀ G (the rules behind (B2) and (B3))."""
    A, B = const(A), const(B)
    return Var(_mm(A.value, B.value), [(A, lambda dA: _mm(dA, B.value), lambda G: _mm(G, B.value.T)),
                                       (B, lambda dB: _mm(A.value, dB), lambda G: _mm(A.value.T, G))], "matmul")


def add(A, B) -> Var:
    """A + B, broadcasting a (d, 1) column across the m columns (b 1ᵀ); its gradient sums them back ((B4))."""
    A, B = const(A), const(B)
    out = A.value + B.value

    def edge(P):
        return P, lambda dP: np.broadcast_to(dP, dP.shape[:-2] + out.shape), lambda G: unbroadcast(G, P.shape)

    return Var(out, [edge(A), edge(B)], "add")


def mul(A, B) -> Var:
    """A ⊙ B, entry by entry (broadcasting): the local Jacobian of each factor is diag(the other)."""
    A, B = const(A), const(B)
    return Var(_mul(A.value, B.value), [(A, lambda dA: _mul(dA, B.value), lambda G: unbroadcast(_mul(G, B.value), A.shape)),
                                        (B, lambda dB: _mul(A.value, dB), lambda G: unbroadcast(_mul(G, A.value), B.shape))],
               "mul")


def elementwise(A, f, f_prime, op: str) -> Var:
    """f(A) entry by entry, with its derivative f′: the local Jacobian is diag(f′(A))."""
    A = const(A)
    local = f_prime(A.value)
    return Var(f(A.value), [(A, lambda dA: _mul(local, dA), lambda G: _mul(G, local))], op)


def apply(A, g) -> Var:
    """(F2) a = g(z) for the book's activations; softmax (per column) has p ⊙ (G − pᵀG) as its vjp."""
    g = activation(g)
    if g.elementwise:
        return elementwise(A, g.g, g.prime, g.name)
    A = const(A)
    p = g(A.value)

    def vjp(G):  # (diag(p) − p pᵀ) G, column by column; the Jacobian is symmetric, so it is also the jvp
        return _mul(p, G - _mul(p, G).sum(axis=-2, keepdims=True))

    return Var(p, [(A, vjp, vjp)], g.name)


def loss(a, y, name: str) -> Var:
    """The book's loss J(a, y) (summed over the columns), a 1×1 value; its local gradient is ∂J/∂a."""
    a, L = const(a), _loss(name)
    grad = L.grad(a.value, np.asarray(y, dtype=float))
    return Var([[L.value(a.value, y)]], [(a, lambda da: _mul(grad, da).sum(axis=(-2, -1), keepdims=True),
                                          lambda G: _mul(G, grad))], name)
    # --8<-- [end:ops]


def sub(A, B) -> Var:
    """A − B, broadcasting as add does."""
    A, B = const(A), const(B)
    out = A.value - B.value
    return Var(out, [(A, lambda dA: np.broadcast_to(dA, dA.shape[:-2] + out.shape), lambda G: unbroadcast(G, A.shape)),
                     (B, lambda dB: -np.broadcast_to(dB, dB.shape[:-2] + out.shape), lambda G: -unbroadcast(G, B.shape))],
               "sub")


def power(A, k: float) -> Var:
    """A^k entry by entry (k a constant), with derivative k A^(k−1)."""
    return elementwise(A, lambda v: v**k, lambda v: k * v ** (k - 1), f"power {k:g}")


def total(A, axis=None) -> Var:
    """The sum over one axis (0: down the columns, 1: along the rows, over the batch) or all, kept as a matrix."""
    A = const(A)
    axes = {None: (-2, -1), 0: -2, 1: -1}[axis]
    return Var(A.value.sum(axis=axes, keepdims=True), [
        (A, lambda dA: dA.sum(axis=axes, keepdims=True), lambda G: np.broadcast_to(G, G.shape[:-2] + A.shape))], "sum")


def mean(A, axis=None) -> Var:
    """The mean over one axis or all: the sum divided by the n entries averaged, so each gets G / n back."""
    A = const(A)
    axes = {None: (-2, -1), 0: -2, 1: -1}[axis]
    n = A.value.size if axis is None else A.shape[axis]
    return Var(A.value.mean(axis=axes, keepdims=True), [
        (A, lambda dA: dA.mean(axis=axes, keepdims=True), lambda G: np.broadcast_to(G / n, G.shape[:-2] + A.shape))], "mean")


# --8<-- [start:backward]
def topological_order(root: Var) -> list[Var]:
    """Every node that root depends on, each after all of its parents: the order in which they were made."""
    found, stack = {id(root): root}, [root]
    while stack:
        for parent, _, _ in stack.pop().parents:
            if id(parent) not in found:
                found[id(parent)] = parent
                stack.append(parent)
    return sorted(found.values(), key=lambda v: v.index)


def backward(root: Var, seed=None) -> list[Var]:
    """Reverse mode: v.grad = ∂root/∂v for every node v (seed: the upstream gradient of root, 1 by default)."""
    order = topological_order(root)
    for v in order:
        v.grad = None
    root.grad = np.ones_like(root.value) if seed is None else np.asarray(seed, dtype=float)
    for v in reversed(order):  # a node comes after every node that uses it
        if v.grad is None:
            continue
        for parent, _, vjp in v.parents:
            if parent.op == "const":
                continue  # data, targets and constants need no gradient
            g = vjp(v.grad)  # upstream gradient times local Jacobian
            parent.grad = g if parent.grad is None else parent.grad + g  # gradients add where a value forks
    return order
    # --8<-- [end:backward]


# --8<-- [start:jvp]
def jvp(root: Var, tangents: dict) -> np.ndarray:
    """Forward mode: push tangents {leaf: its change} through the graph; returns root's change."""
    for v in topological_order(root):  # a node comes after its parents
        pushed = [push(p.tangent) for p, push, _ in v.parents if p.tangent is not None]
        v.tangent = tangents.get(v) if not v.parents else (sum(pushed[1:], pushed[0]) if pushed else None)
    return root.tangent
    # --8<-- [end:jvp]


def forward_mode_gradient(J: Var, params: list[Var]) -> list[np.ndarray]:
    """∂J/∂p for every p in params by forward mode: one pass per entry (n passes, run as one batch of n)."""
    sizes = [p.value.size for p in params]
    seeds = np.eye(sum(sizes))  # pass i moves entry i of the parameters and nothing else
    columns = np.split(seeds, np.cumsum(sizes)[:-1], axis=1)
    dJ = jvp(J, {p: cols.reshape(-1, *p.shape) for p, cols in zip(params, columns, strict=True)})
    return [g.reshape(p.shape) for p, g in zip(params, np.split(dJ.ravel(), np.cumsum(sizes)[:-1]), strict=True)]


# --8<-- [start:network]
def network_graph(net, X, Y, reduction: str = "sum"):
    """The network as a graph: returns J and the leaves W[l], b[l] (lists indexed from 1, as in network.py)."""
    a, W, b = const(X), [None], [None]  # a⁽⁰⁾ = x
    for l in range(1, net.L + 1):
        W.append(Var(net.W[l], name=f"W{l}"))
        b.append(Var(net.b[l], name=f"b{l}"))
        a = apply(W[l] @ a + b[l], net.g[l])  # (F1), (F2)
    J = loss(a, Y, net.loss)
    return (J * (1.0 / X.shape[1]) if reduction == "mean" else J), W, b
    # --8<-- [end:network]
