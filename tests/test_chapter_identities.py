"""The identities appendix catches wrong identities: a flipped sign, swapped layouts, a wrong derivative."""

from __future__ import annotations

import dataclasses

import backprop
import backprop.activations as activations
from book.artifacts import GENERATORS, Checks, Context
from book.worker import load_generator
from chapter_tools import failed, run_chapter

NS = "identities"
TABLES = ["vectors", "matrices", "factorisation", "backprop"]


def run_with(patch_case=None, names=TABLES):
    """Load the generator, optionally replace its Case class (to plant a wrong formula), run some artifacts."""
    fns = load_generator(GENERATORS / f"{NS}.py")
    module_globals = next(iter(fns.values())).__globals__
    if patch_case is not None:
        original = module_globals["Case"]

        class Wrong(original):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                patch_case(self)

        module_globals["Case"] = Wrong
    bad = set()
    for name in names:
        try:
            fns[name](Context(NS, name, Checks(), {}))
        except Exception:  # noqa: BLE001 - a failing check or a shape error both count as caught
            bad.add(name)
    return bad


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert set(TABLES) | {"misprint", "ex1", "ex2", "ex3"} <= outputs.keys()
    assert values[f"{NS}.printed_err"]["text"] == "2.00"
    assert "as printed" in outputs["misprint"] and "<svg" in outputs["misprint"]


def test_the_unpatched_tables_pass():
    assert run_with() == set()


def test_a_flipped_sign_is_caught():
    # d2l's misprint, planted in the table: +2Uᵀ(X − UV) for ∂/∂V.
    def flip(case):
        if case.label == "∂‖X − UV‖²/∂V":
            case.den = -case.den

    assert run_with(flip) == {"factorisation"}


def test_swapped_layouts_are_caught():
    # Writing the numerator-layout result in the denominator column (and back). Square cases such as
    # log det (X^{-1} vs X^{-T}) are caught by their values, the others by their shapes.
    def swap(case):
        case.den, case.num = case.num, case.den

    assert run_with(swap) == set(TABLES)


def test_missing_transpose_in_log_det_is_caught():
    def no_transpose(case):
        if case.label == "∂ log det X/∂X":
            case.den = case.den.T  # X^{-1} instead of X^{-T}: same shape, other numbers

    assert run_with(no_transpose) == {"matrices"}


def test_wrong_activation_derivative_is_caught(monkeypatch):
    tanh = activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", dataclasses.replace(tanh, g_prime=lambda z: 1 - z**2))
    assert run_with(names=["backprop"]) == {"backprop"}


def test_finite_differences_with_the_wrong_sign_break_the_misprint_demo(monkeypatch):
    # If the numerical gradient were negated, the printed formula would "pass" and the correct one fail:
    # the misprint artifact must refuse to build rather than show it the wrong way round.
    original = backprop.numerical_gradient
    monkeypatch.setattr(backprop, "numerical_gradient", lambda f, x, h=1e-5: -original(f, x, h))
    _, _, failures = run_chapter(NS)
    assert "misprint" in failed(failures)
