"""What an artifact asserts about its numbers: `ctx.check.<kind>(label, ...)`.

Every check either passes and leaves a record (shown in the artifact's badge and counted in
the census) or raises CheckFailed with the numbers. Relative errors are the book's own
(`backprop.gradcheck.relative_error`), so a page and its badge can never disagree about it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import numpy as np

from backprop.gradcheck import relative_error

from .tables import bound


class CheckFailed(AssertionError):
    """A build-time check did not hold. The message carries the numbers."""


@dataclasses.dataclass(frozen=True)
class CheckRecord:
    label: str
    detail: str
    kind: str = "that"
    err: str | None = None  # finite-difference checks: the error's power-of-ten bound, and the tolerance
    tol: float | None = None


def show(x) -> str:
    """An array as the failure message prints it (six decimals, rows on their own lines)."""
    return np.array2string(np.asarray(x, dtype=float), precision=6, suppress_small=False, max_line_width=100)


LAYOUTS = ("denominator", "numerator")


class Checks:
    """The checks of one artifact, in the order they ran."""

    def __init__(self) -> None:
        self.records: list[CheckRecord] = []

    def _fail(self, label: str, message: str) -> None:
        raise CheckFailed(f"check '{label}' failed: {message}")

    def _pass(self, kind: str, label: str, detail: str, err: str | None = None, tol: float | None = None) -> None:
        self.records.append(CheckRecord(label, detail, kind, err, tol))

    def _error(self, label: str, a, b, names: tuple[str, str]) -> float:
        if np.shape(a) != np.shape(b):
            self._fail(label, f"shapes differ: {np.shape(a)} vs {np.shape(b)}\n"
                       f"    {names[0]} = {show(a)}\n    {names[1]} = {show(b)}")
        return relative_error(a, b)  # NaN anywhere gives NaN, which fails every comparison below

    def gradient(self, label: str, analytic, numeric, tol: float = 1e-7) -> float:
        """Analytic gradient against central finite differences."""
        err = self._error(label, analytic, numeric, ("analytic", "numeric "))
        if not err <= tol:
            self._fail(label, f"max relative error {err:.3e} exceeds tolerance {tol:.0e}\n"
                       f"    analytic = {show(analytic)}\n    numeric  = {show(numeric)}")
        self._pass("gradient", label, f"finite differences agree, relative error ≤ {bound(err)} (tolerance {tol:.0e})", bound(err), tol)
        return err

    def close(self, label: str, actual, expected, tol: float = 1e-10, how: str = "two computations agree") -> float:
        """Two independent computations of the same quantity agree."""
        err = self._error(label, actual, expected, ("actual  ", "expected"))
        if not err <= tol:
            self._fail(label, f"relative error {err:.3e} exceeds tolerance {tol:.0e}\n"
                       f"    actual   = {show(actual)}\n    expected = {show(expected)}")
        self._pass("close", label, f"{how}, relative error ≤ {bound(err)} (tolerance {tol:.0e})")
        return err

    def differ(self, label: str, actual, other, min_rel: float = 1e-3, how: str = "the two results differ") -> float:
        """Two computations must NOT agree (a wrong formula shown to be wrong)."""
        err = self._error(label, actual, other, ("actual", "other "))
        if not err >= min_rel:
            self._fail(label, f"expected a difference of at least {min_rel:.0e}, got {err:.3e}\n"
                       f"    actual = {show(actual)}\n    other  = {show(other)}")
        self._pass("differ", label, f"{how} (relative difference {err:.2f})")
        return err

    def shape(self, label: str, array, expected: tuple[int, ...]) -> None:
        got = tuple(np.shape(array))
        if got != tuple(expected):
            self._fail(label, f"shape {got} but expected {tuple(expected)}")
        self._pass("shape", label, f"shape {'×'.join(map(str, got))}")

    def weight_gradient(self, label: str, dW, W, layout: str) -> None:
        """∂L/∂W in either layout has the shape of W: the book's one rule for derivatives by a matrix."""
        if layout not in LAYOUTS:
            self._fail(label, f"layout must be one of {LAYOUTS}, got {layout!r}")
        got, want = tuple(np.shape(dW)), tuple(np.shape(W))
        if got != want:
            self._fail(label, f"∂L/∂W in {layout} layout is {got} but W is {want}: the book writes ∂L/∂W with W's shape "
                       f"in every layout (the transposed numerator form belongs in a labelled aside)")
        self._pass("shape", label, f"{layout} layout, shape {'×'.join(map(str, got))} = the shape of W")

    def chain(self, label: str, shapes: Iterable[tuple[int, int]], expected: tuple[int, int] | None = None) -> tuple[int, int]:
        """Shape algebra of a matrix product: every inner dimension matches; the result is `expected`."""
        shapes = [tuple(s) for s in shapes]
        text = " · ".join(f"{r}×{c}" for r, c in shapes)
        for k in range(len(shapes) - 1):
            if shapes[k][1] != shapes[k + 1][0]:
                self._fail(label, f"{text}: factor {k + 1} has {shapes[k][1]} columns, factor {k + 2} has {shapes[k + 1][0]} rows")
        result = (shapes[0][0], shapes[-1][1])
        if expected is not None and result != tuple(expected):
            self._fail(label, f"{text} gives {result[0]}×{result[1]}, expected {expected[0]}×{expected[1]}")
        self._pass("chain", label, f"shapes chain: {text} → {result[0]}×{result[1]}")
        return result

    def raises(self, label: str, fn: Callable[[], object], exc: type[BaseException] = ValueError) -> str:
        """`fn` must raise `exc` (for example a product whose shapes do not chain). Returns the message."""
        try:
            fn()
        except exc as e:
            self._pass("raises", label, f"raises {exc.__name__} as it should")
            return str(e)
        self._fail(label, f"expected {exc.__name__}, nothing was raised")
        return ""

    def that(self, label: str, condition: bool, detail: str) -> None:
        if not condition:
            self._fail(label, detail)
        self._pass("that", label, detail)
