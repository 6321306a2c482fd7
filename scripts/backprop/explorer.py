"""The shape explorer's reference model: every factor of the backward pass, as real arrays.

A configuration is a network with widths d_0, ..., d_L (1 to 8 weight layers, widths up to
999), a batch of m examples, a storage convention, a layout and a set of faults. For each
layer l the model writes four chains the way that convention and layout write them,

    δ⁽ˡ⁾          (B1)  1/m (a⁽ᴸ⁾ − y) ⊙ g′(z⁽ᴸ⁾)     or   (B2)  W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾ ⊙ g′(z⁽ˡ⁾)
    ∂J/∂W⁽ˡ⁾      (B3)  (δ⁽ˡ⁾) a⁽ˡ⁻¹⁾ᵀ
    ∂J/∂b⁽ˡ⁾      (B4)  (δ⁽ˡ⁾) 1
    ∂J/∂a⁽ˡ⁻¹⁾          W⁽ˡ⁾ᵀ (δ⁽ˡ⁾)

(shown here in the book's columns and denominator layout; "(δ⁽ˡ⁾)" is the δ chain in
parentheses), builds every factor as a real NumPy array, multiplies left to right (the
parenthesised group first) and records the shape of each product, or the first product
that cannot be formed. A chain that multiplies is compared with the reference gradient
of `network.backward`: right shape and numbers, right shape but wrong numbers, or a
result whose shape is not the variable's.

Each chain is built from correct inputs: δ⁽ˡ⁺¹⁾ inside the δ⁽ˡ⁾ chain is the reference
δ⁽ˡ⁺¹⁾, so a verdict names the formula that is wrong, not errors passed down from above.

The network: sigmoid on every layer, squared error, J the mean over the m examples (the
1/m sits in (B1), as in the reference code).

Storage conventions (symbols always name the arrays as that convention stores them):

    columns   examples are columns: a⁽ˡ⁾, δ⁽ˡ⁾, g′(z⁽ˡ⁾) are d_l × m; W⁽ˡ⁾ is d_l × d_{l-1}; b⁽ˡ⁾ is d_l × 1
    pytorch   nn.Linear: examples are rows (m × d_l); W⁽ˡ⁾ is d_l × d_{l-1}; b⁽ˡ⁾ is a row 1 × d_l
    cs231n    examples are rows (m × d_l); W⁽ˡ⁾ is d_{l-1} × d_l; b⁽ˡ⁾ is a row 1 × d_l

Layouts: denominator layout writes a derivative of J by a, z or b in the shape of the stored
variable, numerator layout transposes it; a derivative by W has the stored W's shape in
both (the book's choice, see the Layouts chapter).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .network import backward, forward, init_network

CONVENTIONS = ("columns", "pytorch", "cs231n")
LAYOUTS = ("denominator", "numerator")
# The question's own faults, then the common ones.
FAULTS = ("sigma-vector", "w-not-transposed", "twice", "wrong-layer", "dw-transposed", "bias-axis", "mean-twice")
CHAINS = ("delta", "W", "b", "a")
MAX_LAYERS = 8
MAX_WIDTH = 999
TOLERANCE = 1e-9  # relative; the correct chains agree with the reference to rounding (about 1e-15)

T = "ᵀ"
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def sup(k: int) -> str:
    """The layer superscript: sup(2) == "⁽²⁾"."""
    return f"({k})".translate(_SUP)


def check_config(config: dict) -> dict:
    """The configuration in canonical form (faults in FAULTS order); ValueError if it is not one."""
    widths = [int(d) for d in config["widths"]]
    m = int(config["m"])
    faults = set(config.get("faults", ()))
    if not 2 <= len(widths) <= MAX_LAYERS + 1 or not all(1 <= d <= MAX_WIDTH for d in widths):
        raise ValueError(f"widths must be 2 to {MAX_LAYERS + 1} numbers from 1 to {MAX_WIDTH}, got {widths}")
    if not 1 <= m <= MAX_WIDTH:
        raise ValueError(f"m must be from 1 to {MAX_WIDTH}, got {m}")
    if config["convention"] not in CONVENTIONS or config["layout"] not in LAYOUTS:
        raise ValueError(f"unknown convention or layout: {config['convention']!r}, {config['layout']!r}")
    if faults - set(FAULTS):
        raise ValueError(f"unknown faults {sorted(faults - set(FAULTS))}")
    return {"widths": widths, "m": m, "convention": config["convention"], "layout": config["layout"],
            "faults": [f for f in FAULTS if f in faults]}


# ---------------------------------------------------------------------------
# Factors and chains


@dataclass(frozen=True)
class Factor:
    symbol: str
    value: np.ndarray  # as written: a 2-D array, or a 0-D array for the scalar 1/m
    op: str = ""  # how it joins what stands before it: "" (first), "·" (matrix product) or "⊙"


@dataclass(frozen=True)
class Group:
    """Factors in parentheses, multiplied first; T: the group is transposed."""

    factors: list
    T: bool = False
    op: str = ""


@dataclass
class Chain:
    name: str  # one of CHAINS
    target: str  # what the chain computes, as written
    items: list  # Factor | Group
    expected: np.ndarray  # the reference value, as written


class Writer:
    """Writes the factors of one configuration: the book's arrays, oriented as the convention and layout want."""

    def __init__(self, config: dict, seed: int = 0):
        self.config = c = check_config(config)
        self.d, self.m, self.faults = c["widths"], c["m"], set(c["faults"])
        self.L = len(self.d) - 1
        self.rows = c["convention"] != "columns"  # a, z, δ are stored with one example per row
        self.u = c["convention"] == "cs231n"  # W is stored transposed
        self.p = self.rows != (c["layout"] == "numerator")  # δ as written is the book's δ transposed
        net = init_network(self.d, "sigmoid", "squared_error", seed=seed)
        rng = np.random.default_rng(seed)
        for l in range(1, self.L + 1):
            net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
        x = rng.standard_normal((self.d[0], self.m))
        y = rng.uniform(0.0, 1.0, (self.d[-1], self.m))
        cache = forward(net, x)
        self.net, self.x, self.y = net, x, y
        self.W, self.z, self.a = net.W, cache.z, cache.a
        self.g_prime = [None] + [g.prime(cache.z[l]) for l, g in enumerate(net.g) if g is not None]
        self.ref = backward(net, cache, y, reduction="mean")  # δ, ∂J/∂W, ∂J/∂b in the book's columns

    # -- single factors: the book's array, or its transpose ------------------------

    def act(self, name, book: np.ndarray, transposed: bool, op: str = "") -> Factor:
        """A per-example quantity (a, δ, g′(z), a − y): the symbol carries ᵀ when it differs from storage."""
        return Factor(name + (T if transposed != self.rows else ""), book.T if transposed else book, op)

    def weight(self, k: int, transposed: bool, op: str = "") -> Factor:
        """W⁽ᵏ⁾ of the book (d_k × d_{k-1}), or its transpose; CS231n stores the transpose."""
        return Factor(f"W{sup(k)}" + (T if transposed != self.u else ""), self.W[k].T if transposed else self.W[k], op)

    def ones(self, n: int, column: bool, op: str = "") -> Factor:
        return Factor("1" if column else "1" + T, np.ones((n, 1) if column else (1, n)), op)

    def one_over_m(self, op: str = "") -> Factor:
        return Factor("1/m", np.array(1.0 / self.m), op)

    # -- the chains -----------------------------------------------------------

    def delta_items(self, l: int, q: bool) -> list[Factor]:
        """δ⁽ˡ⁾ by (B1) or (B2), as the book's δ (q False) or its transpose (q True)."""
        f = self.faults
        if l == self.L:  # (B1): 1/m (a⁽ᴸ⁾ − y) ⊙ g′(z⁽ᴸ⁾)
            head = [self.one_over_m(), self.act(f"(a{sup(l)} − y)", self.a[l] - self.y, q, "·")]
        else:  # (B2): W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾ ⊙ g′(z⁽ˡ⁾), with δ⁽ˡ⁺¹⁾ from the reference
            k = l if "wrong-layer" in f else l + 1
            delta = self.act(f"δ{sup(l + 1)}", self.ref.delta[l + 1], q)
            # W not transposed: the weight factor of the other layout, on its side of δ (the question's δ W)
            if q != ("w-not-transposed" in f):
                head = [delta, self.weight(k, False, "·")]
            else:
                head = [self.weight(k, True), replace(delta, op="·")]
        slope = self.act(f"g′(z{sup(l)})", self.g_prime[l], q, "·" if "sigma-vector" in f else "⊙")
        return head + [slope] * (2 if "twice" in f else 1)

    def chains(self, l: int) -> list[Chain]:
        f, p, m, d = self.faults, self.p, self.m, self.d
        ref_delta = self.ref.delta[l]
        delta = self.delta_items(l, p)
        expected = {
            "delta": ref_delta.T if p else ref_delta,
            "W": self.ref.dW[l].T if self.u else self.ref.dW[l],
            "b": self.ref.db[l].T if p else self.ref.db[l],
            "a": (self.W[l].T @ ref_delta).T if p else self.W[l].T @ ref_delta,
        }
        # (B3) in the stored W's shape: δ aᵀ, or a δᵀ when W is stored transposed; dW = a δᵀ swaps them.
        if self.u == ("dw-transposed" in f):
            W_items = [Group(delta, T=p), self.act(f"a{sup(l - 1)}", self.a[l - 1], True, "·")]
        else:
            W_items = [self.act(f"a{sup(l - 1)}", self.a[l - 1], False), Group(delta, T=not p, op="·")]
        # (B4): the sum over the m examples, δ 1 or 1ᵀ δ; the wrong axis sums over the d_l units.
        n = d[l] if "bias-axis" in f else m
        if p == ("bias-axis" in f):
            b_items = [Group(delta), self.ones(n, True, "·")]
        else:
            b_items = [self.ones(n, False), Group(delta, op="·")]
        if "mean-twice" in f:
            W_items = [self.one_over_m(), *_joined(W_items)]
            b_items = [self.one_over_m(), *_joined(b_items)]
        # ∂J/∂a⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀ δ⁽ˡ⁾ (columns); with the wrong layer's W, W⁽ˡ⁻¹⁾ where there is one.
        k = l - 1 if "wrong-layer" in f and l > 1 else l
        if p != ("w-not-transposed" in f):
            a_items = [Group(delta), self.weight(k, False, "·")]
        else:
            a_items = [self.weight(k, True), Group(delta, op="·")]
        target_delta = self.act(f"δ{sup(l)}", ref_delta, p).symbol
        return [
            Chain("delta", target_delta, delta, expected["delta"]),
            Chain("W", f"∂J/∂W{sup(l)}", W_items, expected["W"]),
            Chain("b", f"∂J/∂b{sup(l)}", b_items, expected["b"]),
            Chain("a", f"∂J/∂a{sup(l - 1)}", a_items, expected["a"]),
        ]


def _joined(items: list) -> list:
    """Items that now follow a scalar: the first one is joined to it by a product."""
    return [replace(items[0], op="·"), *items[1:]]


# ---------------------------------------------------------------------------
# Multiplying, left to right, parentheses first


def flatten(items: list) -> tuple[list[Factor], dict | None]:
    """The factors in reading order and the position of the group: {"first", "last", "T"} or None."""
    factors, group = [], None
    for item in items:
        if isinstance(item, Group):
            group = {"first": len(factors), "last": len(factors) + len(item.factors) - 1, "T": item.T}
            factors += [replace(item.factors[0], op=item.op), *item.factors[1:]]
        else:
            factors.append(item)
    return factors, group


def product(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray | None:
    """One step on real arrays; None when the shapes do not allow it."""
    if op == "⊙":  # entry by entry: the shapes must be equal (no broadcasting)
        return left * right if left.shape == right.shape else None
    if left.ndim == 0 or right.ndim == 0:  # the scalar 1/m
        return left * right
    try:
        return left @ right  # NumPy raises on a mismatched inner dimension
    except ValueError:
        return None


def multiply(factors: list[Factor], group: dict | None) -> tuple[np.ndarray | None, list[dict]]:
    """The chain's value (None if a product cannot be formed) and every product, in the order taken."""
    steps = []

    def run(operands):  # operands: (first, last, value, op), multiplied left to right
        first, last, value, _ = operands[0]
        for i, j, right, op in operands[1:]:
            result = product(op, value, right)
            steps.append({"op": op, "left": [first, last], "right": [i, j], "shapes": [list(value.shape), list(right.shape)],
                          "result": None if result is None else list(result.shape)})
            if result is None:
                return None
            value, last = result, j
        return value

    single = [(i, i, f.value, f.op) for i, f in enumerate(factors)]
    if group is None:
        return run(single), steps
    g0, g1 = group["first"], group["last"]
    inner = run(single[g0:g1 + 1])
    if inner is None:
        return None, steps
    grouped = (g0, g1, inner.T if group["T"] else inner, factors[g0].op)
    return run(single[:g0] + [grouped] + single[g1 + 1:]), steps


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual - expected)) / max(float(np.max(np.abs(expected))), 1e-300))


def verdict(value: np.ndarray | None, expected: np.ndarray) -> str:
    if value is None:
        return "mismatch"  # a product could not be formed
    if value.shape != expected.shape:
        return "shape"  # it multiplies, but the result cannot stand for the variable
    return "correct" if relative_error(value, expected) <= TOLERANCE else "values"


# ---------------------------------------------------------------------------
# The explorer's answer


def build(config: dict, seed: int = 0) -> list[list[tuple[Chain, np.ndarray | None]]]:
    """For l = 1..L, each chain with its value (None when it does not multiply). Arrays, for tests and figures."""
    writer = Writer(config, seed)
    out = []
    for l in range(1, writer.L + 1):
        row = []
        for chain in writer.chains(l):
            value, _ = multiply(*flatten(chain.items))
            row.append((chain, value))
        out.append(row)
    return out


def describe(chain: Chain) -> dict:
    """What the explorer shows for one chain, as plain data (shapes as lists; a scalar has shape [])."""
    factors, group = flatten(chain.items)
    value, steps = multiply(factors, group)
    return {
        "name": chain.name,
        "target": chain.target,
        "factors": [{"symbol": f.symbol, "shape": list(f.value.shape), "op": f.op} for f in factors],
        "group": group,
        "steps": steps,
        "result": None if value is None else list(value.shape),
        "expected": list(chain.expected.shape),
        "verdict": verdict(value, chain.expected),
    }


def explore(config: dict, seed: int = 0) -> dict:
    """The whole answer for one configuration: the canonical config and, per layer, its four chains."""
    writer = Writer(config, seed)
    return {
        "config": writer.config,
        "layers": [{"l": l, "chains": [describe(c) for c in writer.chains(l)]} for l in range(1, writer.L + 1)],
    }
