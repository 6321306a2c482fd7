"""L2 regularisation in the gradient, and weight decay in the update.

The cost is the data part plus a penalty on the weights (never on the biases):

    J = J_data + c Σ_l ‖W^(l)‖²_F,   so   ∂J/∂W^(l) = Δ^(l) A^(l-1)^T + 2c W^(l),   ∂J/∂b^(l) = Δ^(l) 1.

J_data is the mean (or the sum) of the m examples' losses, as in ``network.loss_value``.
Texts differ in c and in where 1/m sits; ``CONVENTIONS`` names the common choices.

The update rules take one parameter array at a time. "L2 in the loss" adds the penalty's
gradient λW to the data gradient; "decoupled weight decay" (Loshchilov and Hutter) shrinks W
by a factor (1 - ω) and steps on the data gradient alone. For SGD the two coincide when
ω = ηλ; for Adam they do not, because Adam rescales the penalty's gradient too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .network import Grads, Network, gradients, loss_value

Array = np.ndarray


@dataclass(frozen=True)
class Convention:
    """J = J_data (mean or sum over the m examples) + coef(λ, m) Σ_l ‖W^(l)‖²_F."""

    reduction: str
    coef: Callable[[float, int], float]


CONVENTIONS: dict[str, Convention] = {
    "mean_half": Convention("mean", lambda lam, m: lam / 2),  # (1/m) Σ L_i + (λ/2) ‖W‖²: this book's
    "mean_half_m": Convention("mean", lambda lam, m: lam / (2 * m)),  # (1/m) Σ L_i + (λ/2m) ‖W‖²
    "mean_full": Convention("mean", lambda lam, m: lam),  # (1/m) Σ L_i + λ ‖W‖²
    "sum_half": Convention("sum", lambda lam, m: lam / 2),  # Σ L_i + (λ/2) ‖W‖²
}


def convention(name: str) -> Convention:
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ValueError(f"unknown convention {name!r}; valid: {', '.join(CONVENTIONS)}") from None


# --8<-- [start:penalty]
def l2_penalty(net: Network, coef: float) -> float:
    """coef · Σ_l ‖W^(l)‖²_F: every weight squared, no bias."""
    return coef * sum(float(np.sum(net.W[l] ** 2)) for l in range(1, net.L + 1))


def regularized_gradients(net, x, y, lam: float, name: str = "mean_half") -> Grads:
    """Gradients of J = J_data + coef(λ, m) Σ_l ‖W^(l)‖²_F."""
    conv = convention(name)
    grads = gradients(net, x, y, conv.reduction)  # (B1)-(B4), data part
    c = conv.coef(lam, x.shape[1])  # λ/2 in this book
    for l in range(1, net.L + 1):
        grads.dW[l] = grads.dW[l] + 2 * c * net.W[l]  # + λW when c = λ/2
        # grads.db[l] unchanged: the biases carry no penalty
    return grads
    # --8<-- [end:penalty]


def regularized_loss(net: Network, x: Array, y: Array, lam: float, name: str = "mean_half") -> float:
    """J = J_data + coef(λ, m) Σ_l ‖W^(l)‖²_F under the named convention."""
    conv = convention(name)
    return loss_value(net, x, y, conv.reduction) + l2_penalty(net, conv.coef(lam, np.shape(x)[1]))


# --- update rules, one parameter array at a time -----------------------------------

# --8<-- [start:sgd]
def sgd_l2(W, dW, eta: float, lam: float) -> Array:
    """L2 in the loss: the penalty's gradient λW joins dW."""
    return W - eta * (dW + lam * W)


def sgd_decoupled(W, dW, eta: float, omega: float) -> Array:
    """Decoupled decay: shrink W by (1 − ω), step on dW alone."""
    return (1 - omega) * W - eta * dW
    # --8<-- [end:sgd]


@dataclass
class AdamState:
    """Adam's running averages for one parameter array, and the step count t."""

    m: Array
    v: Array
    t: int = 0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    @classmethod
    def like(cls, P: Array, **hyper) -> AdamState:
        return cls(np.zeros_like(P, dtype=float), np.zeros_like(P, dtype=float), **hyper)


# --8<-- [start:adam]
def adam_direction(s: AdamState, g: Array) -> Array:
    """Adam's direction m̂ / (√v̂ + ε) for the gradient g."""
    s.t += 1
    s.m = s.beta1 * s.m + (1 - s.beta1) * g
    s.v = s.beta2 * s.v + (1 - s.beta2) * g**2
    m_hat, v_hat = s.m / (1 - s.beta1**s.t), s.v / (1 - s.beta2**s.t)
    return m_hat / (np.sqrt(v_hat) + s.eps)


def adam_l2(W, dW, s: AdamState, eta: float, lam: float) -> Array:
    """Adam with L2 in the loss: λW is averaged and rescaled."""
    return W - eta * adam_direction(s, dW + lam * W)


def adamw(W, dW, s: AdamState, eta: float, omega: float) -> Array:
    """AdamW: Adam on dW alone; W shrinks by (1 − ω) outside."""
    return (1 - omega) * W - eta * adam_direction(s, dW)
    # --8<-- [end:adam]


SGD_RULES = {"sgd_l2": sgd_l2, "sgd_decoupled": sgd_decoupled}
ADAM_RULES = {"adam_l2": adam_l2, "adamw": adamw}
RULES = (*SGD_RULES, *ADAM_RULES)


@dataclass
class Run:
    """The networks after 0, 1, ..., steps updates."""

    nets: list[Network] = field(default_factory=list)


def train(net: Network, x: Array, y: Array, rule: str, *, steps: int, eta: float, decay: float, **adam) -> Run:
    """`steps` full-batch updates by `rule` on the mean data loss.

    `decay` is λ for the L2 rules and ω for the decoupled ones; it acts on the weights only,
    the biases take the plain step. The network passed in is not changed.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; valid: {', '.join(RULES)}")
    net = copy.deepcopy(net)
    states: dict[tuple[str, int], AdamState] = {}
    run = Run([copy.deepcopy(net)])
    for _ in range(steps):
        g = gradients(net, x, y, "mean")
        for l in range(1, net.L + 1):
            for which, P, dP, k in (("W", net.W, g.dW, decay), ("b", net.b, g.db, 0.0)):
                if rule in SGD_RULES:
                    P[l] = SGD_RULES[rule](P[l], dP[l], eta, k)
                else:
                    state = states.setdefault((which, l), AdamState.like(P[l], **adam))
                    P[l] = ADAM_RULES[rule](P[l], dP[l], state, eta, k)
        run.nets.append(copy.deepcopy(net))
    return run


def weight_norm(net: Network) -> float:
    """‖(W^(1), ..., W^(L))‖: the Frobenius norm of all weights together."""
    return float(np.sqrt(sum(np.sum(net.W[l] ** 2) for l in range(1, net.L + 1))))
