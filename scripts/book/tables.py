"""Format numbers, Markdown tables and TeX matrices with a fixed precision.

Every number that reaches a page goes through `num`, which refuses NaN and inf:
a non-finite value is a bug upstream and must stop the build, not be printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class NonFiniteError(ValueError):
    """A number that is NaN or infinite was about to be printed."""


def num(x: float, digits: int = 4) -> str:
    """Fixed-point text for one number; `-0.0000` becomes `0.0000` so output is stable."""
    x = float(x)
    if not math.isfinite(x):
        raise NonFiniteError(f"refusing to print a non-finite number: {x!r}")
    text = f"{x:.{digits}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return text


def sci(x: float, digits: int = 1) -> str:
    """Scientific notation for small quantities such as relative errors."""
    x = float(x)
    if not math.isfinite(x):
        raise NonFiniteError(f"refusing to print a non-finite number: {x!r}")
    return f"{x:.{digits}e}"


def bound(x: float) -> str:
    """The next power of ten at or above |x|, as text ("1e-09").

    Relative errors of ~1e-11 differ in their last digits between BLAS builds; their
    order of magnitude does not, so pages print the bound to stay byte-identical.
    """
    x = abs(float(x))
    if not math.isfinite(x):
        raise NonFiniteError(f"refusing to print a non-finite number: {x!r}")
    if x == 0.0:
        return "0"
    return f"1e{math.ceil(math.log10(x)):+03d}".replace("+", "")


def shape(a) -> str:
    """A shape as the book writes it: `3×2`; vectors are columns."""
    s = np.shape(a)
    if len(s) == 1:
        s = (s[0], 1)
    return "×".join(str(d) for d in s)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """A Markdown pipe table. `align` is one letter per column: l, c or r (default: l then r).

    Every header needs text: an empty header cell is a `th` without a name for screen readers
    (axe: empty-table-header), so it is refused.
    """
    empty = [i + 1 for i, h in enumerate(headers) if not str(h).strip()]
    if empty:
        raise ValueError(f"md_table: header {', '.join(map(str, empty))} of {list(headers)!r} is empty; "
                         "name every column (e.g. 'layer', 'quantity', or the matrix's name for a corner)")
    if align is None:
        align = "l" + "r" * (len(headers) - 1)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} has {len(align)} columns, headers have {len(headers)}")
    rule = {"l": ":--", "c": ":-:", "r": "--:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule[c] for c in align) + " |"]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {row!r} has {len(row)} cells, expected {len(headers)}")
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


def _cell(c: object) -> str:
    if isinstance(c, (float, np.floating)):
        return num(c)
    return str(c).replace("|", r"\|")


def tex_matrix(M, digits: int = 4, env: str = "bmatrix") -> str:
    """A matrix or column vector as a TeX `bmatrix` (for use inside $...$)."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    if M.ndim != 2:
        raise ValueError(f"tex_matrix needs a vector or a matrix, got shape {M.shape}")
    rows = [" & ".join(num(x, digits) for x in row) for row in M]
    return rf"\begin{{{env}}}" + r" \\ ".join(rows) + rf"\end{{{env}}}"


def matrix_table(M, row_labels: Sequence[str], col_labels: Sequence[str], corner: str, digits: int = 4) -> str:
    """A small matrix as a Markdown table with labelled rows and columns; `corner` names it (a header needs text)."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    if M.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"matrix of shape {M.shape} does not fit labels {len(row_labels)}×{len(col_labels)}")
    rows = [[lab, *(num(x, digits) for x in row)] for lab, row in zip(row_labels, M, strict=True)]
    return md_table([corner, *col_labels], rows)


def tex_bound(x: float) -> str:
    """The power of ten at or above |x| (see `bound`) as TeX: 10^{-10}; "0" for zero."""
    b = bound(x)
    return "0" if b == "0" else rf"10^{{{int(b[2:])}}}"


def tex_sci(x: float, digits: int = 1) -> str:
    """Scientific notation as TeX: 1.8\\times 10^{-5}."""
    mantissa, exponent = sci(x, digits).split("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"


def tex_shape(s) -> str:
    """A shape as TeX: 3 \\times 2 (vectors are columns)."""
    s = tuple(s)
    if len(s) == 1:
        s = (s[0], 1)
    return r" \times ".join(map(str, s))
