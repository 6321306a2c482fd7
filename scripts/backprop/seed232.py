"""The book's running example: a 2-3-2 sigmoid network with squared error.

Index shift.  The seed question numbers the *input* as layer 1:

    question:  a^(1) = x  --W^(2), b^(2)-->  a^(2)  --W^(3), b^(3)-->  a^(3)
    code:      a[0]  = x  --W[1],  b[1]  -->  a[1]   --W[2],  b[2]  -->  a[2]

so the question's superscript is always the code's index plus one:
W[1] here is the question's W^(2) (3 x 2) and W[2] is W^(3) (2 x 3).
``QUESTION_LAYER`` and the two helpers below translate.

The numbers are hand-picked short decimals (no randomness) so every step
can be redone with pencil and paper.
"""

from __future__ import annotations

import re

import numpy as np

from .network import Cache, Grads, Network, backward, forward

QUESTION_OFFSET = 1  # question superscript = code index + QUESTION_OFFSET
QUESTION_LAYER = {0: 1, 1: 2, 2: 3}  # code index l -> question's layer number


def question_layer(l: int) -> int:
    """Question's layer number for code index l (e.g. W[1] -> W^(2))."""
    return l + QUESTION_OFFSET


def code_layer(q: int) -> int:
    """Code index for the question's layer number q (e.g. W^(3) -> W[2])."""
    return q - QUESTION_OFFSET


def in_question_numbering(text: str) -> str:
    """Layer numbers in TeX (``z^{(1)}``) and in the code's names (``dz[2]/da[1]``) in the question's numbering.

    ``z^{(1)}`` becomes ``z^{(2)}`` and ``dz[2]/da[1]`` becomes ``dz(3)/da(2)``: one rule for the labels and
    formulas the question chapters generate from the reference code.
    """
    text = re.sub(r"\^\{\((\d+)\)", lambda m: f"^{{({question_layer(int(m[1]))})", text)
    return re.sub(r"\[(\d+)\]", lambda m: f"({question_layer(int(m[1]))})", text)


def seed_network() -> Network:
    """Sizes [2, 3, 2], sigmoid on both layers, squared error. Fresh arrays on every call."""
    W2 = np.array(
        [
            [0.1, 0.3],  # question's W^(2), code W[1]: 3 x 2
            [-0.2, 0.4],
            [0.5, -0.6],
        ]
    )
    b2 = np.array([[0.1], [0.2], [-0.1]])
    W3 = np.array(
        [
            [0.3, -0.5, 0.2],  # question's W^(3), code W[2]: 2 x 3
            [0.6, 0.1, -0.4],
        ]
    )
    b3 = np.array([[0.2], [-0.3]])
    return Network(
        W=[None, W2, W3],
        b=[None, b2, b3],
        activations=[None, "sigmoid", "sigmoid"],
        loss="squared_error",
    )


def seed_input() -> np.ndarray:
    """x = a^(1) in the question (a[0] in code), a 2 x 1 column."""
    return np.array([[1.0], [0.5]])


def seed_target() -> np.ndarray:
    """y, a 2 x 1 column."""
    return np.array([[1.0], [0.0]])


def seed_example() -> tuple[Network, np.ndarray, np.ndarray]:
    """(net, x, y) for the running example."""
    return seed_network(), seed_input(), seed_target()


def worked_example() -> tuple[Network, np.ndarray, np.ndarray, Cache, Grads]:
    """(net, x, y, cache, grads): the running example with its forward pass and (B1)-(B4) done.

    Fresh arrays on every call, so a caller may change them. The computation happens at call
    time, through the reference functions, so a fault injected into the reference code
    reaches every chapter that uses this example.
    """
    net, x, y = seed_example()
    cache = forward(net, x)
    return net, x, y, cache, backward(net, cache, y)
