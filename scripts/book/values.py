"""Published values: what a generator hands to the prose, and how a page cites it.

A generator publishes with `ctx.value(name, x)`; the value is formatted once, in the
generator (so the text is fixed by the build), and stored as a small JSON record:

    number   {"kind": "number", "text": "0.1234"}          floats (fixed digits), ints
    array    {"kind": "array", "shape": [2, 1], "cells": [["0.1"], ["-0.2"]]}
    shape    {"kind": "shape", "shape": [3, 2]}             a tuple of ints
    tex      {"kind": "tex", "text": "\\tfrac{1}{m}"}      any other string (TeX or plain)

A page cites a value with

    [[val:ns.name]]        the value: a number, TeX, or a bmatrix for an array
    [[val:ns.name[i]]]     entry i of a vector, [[val:ns.name[i,j]]] entry (i, j): counted from 1, as on the page
    [[val:ns.name.T]]      an array transposed (a column shown as a row)
    [[shape:ns.name]]      the shape of an array (or a published shape): 3×2
    [[answer:ns.name]]     a self-checking answer field (published with ctx.answer; see book.answers),
                           labelled from the admonition it sits in ("Your answer to Exercise 2")
    [[answer:ns.name "the shape of dJ/dW"]]   the same with the label written out (plain text)

In prose an array or a shape is wrapped in inline math; inside math it is written bare.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .tables import NonFiniteError, num

REF = re.compile(
    r"\[\[(?P<what>val|shape|answer):(?P<key>[A-Za-z0-9_]+\.[A-Za-z0-9_]+)"
    r"(?:\[(?P<index>\d+(?:\s*,\s*\d+)?)\]|(?P<T>\.T))?"
    r'(?:\s+"(?P<label>[^"\]]*)")?\]\]'
)
NON_FINITE_TEXT = re.compile(r"(?<![A-Za-z_\\])(nan|[+-]?inf(inity)?)(?![A-Za-z_])", re.I)


class ValueProblem(ValueError):
    """A reference that cannot be resolved, or a value that may not be published."""


def record(x, digits: int = 4) -> dict:
    """The JSON record of a value as a generator publishes it."""
    if isinstance(x, str):
        if m := NON_FINITE_TEXT.search(x):
            raise NonFiniteError(f"the published text contains the non-finite value {m[0]!r}: {x[:80]!r}")
        return {"kind": "tex", "text": x}
    if isinstance(x, tuple) and all(isinstance(d, int) for d in x):
        return {"kind": "shape", "shape": list(x)}
    if isinstance(x, (bool, np.bool_)):
        raise ValueProblem("publish a boolean as text, not as a number")
    if isinstance(x, (int, np.integer)):
        return {"kind": "number", "text": str(int(x))}
    if isinstance(x, (float, np.floating)):
        return {"kind": "number", "text": num(x, digits)}
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]  # vectors are columns
    if arr.ndim != 2:
        raise ValueProblem(f"only scalars, vectors and matrices can be published, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"the published array contains non-finite entries:\n{arr}")
    return {"kind": "array", "shape": list(arr.shape), "cells": [[num(v, digits) for v in row] for row in arr]}


def bmatrix(cells: list[list[str]]) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in cells) + r"\end{bmatrix}"


def shape_text(shape: list[int], in_math: bool) -> str:
    if len(shape) == 1:
        shape = [shape[0], 1]
    return r" \times ".join(map(str, shape)) if in_math else "×".join(map(str, shape))


def resolve(m: re.Match, values: dict[str, dict], in_math: bool) -> str:
    """The text that replaces one reference. Raises ValueProblem for a bad index or kind."""
    key, rec = m["key"], values[m["key"]]
    if m["what"] == "answer":
        raise ValueProblem(f"[[answer:{key}]] is a field, not a value: the Markdown extension renders it")
    if m["label"] is not None:
        raise ValueProblem(f"'{key}': only an answer field takes a label ([[answer:{key} \"…\"]])")
    if rec["kind"] == "answer":
        rec = rec["expect"]  # [[val:…]] of an answer cites the answer
    kind = rec["kind"]
    if m["what"] == "shape":
        if kind not in ("array", "shape") or m["index"] or m["T"]:
            raise ValueProblem(f"[[shape:{key}]] needs an array or a shape; '{key}' is a {kind}")
        return shape_text(rec["shape"], in_math)
    if m["index"] or m["T"]:
        if kind != "array":
            raise ValueProblem(f"'{key}' is a {kind}: only arrays can be indexed or transposed")
        cells = rec["cells"]
        if m["T"]:
            text = bmatrix([list(col) for col in zip(*cells, strict=True)])
            return text if in_math else rf"\({text}\)"
        idx = [int(i) for i in m["index"].split(",")]
        rows, cols = rec["shape"]
        if len(idx) == 1:
            if cols != 1 and rows != 1:
                raise ValueProblem(f"'{key}' is a {rows}×{cols} matrix: cite an entry as [[val:{key}[i,j]]]")
            i = idx[0]
            n = rows if cols == 1 else cols
            if not 1 <= i <= n:
                raise ValueProblem(f"index {i} is outside '{key}', which has {n} entries (counted from 1)")
            return cells[i - 1][0] if cols == 1 else cells[0][i - 1]
        i, j = idx
        if not (1 <= i <= rows and 1 <= j <= cols):
            raise ValueProblem(f"entry ({i}, {j}) is outside '{key}', which is {rows}×{cols} (counted from 1)")
        return cells[i - 1][j - 1]
    if kind == "array":
        text = bmatrix(rec["cells"])
        return text if in_math else rf"\({text}\)"
    if kind == "shape":
        return shape_text(rec["shape"], in_math)
    return rec["text"]


def is_finite_record(rec: dict) -> bool:
    texts = [c for row in rec.get("cells", []) for c in row] + [rec.get("text", "")]
    return not any(NON_FINITE_TEXT.search(t) for t in texts) and all(
        math.isfinite(float(c)) for row in rec.get("cells", []) for c in row)
