"""The gradient-checking chapter's checks catch wrong formulas, and its census counts other chapters honestly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import backprop
import backprop.activations as activations
import backprop.gradcheck as gradcheck
import book.artifacts as artifacts
from book.artifacts import GENERATORS, CheckFailed, Checks, Context, load_generator
from chapter_tools import run_chapter

NS = "gradient_checking"


def run_only(names, ns=NS):
    """Run some artifacts of a chapter (fresh module, fresh Contexts); return the names that failed."""
    fns = load_generator(GENERATORS / f"{ns}.py")
    bad = set()
    for name in names:
        try:
            fns[name](Context(ns, name, Checks(), {}))
        except Exception:  # noqa: BLE001 - a CheckFailed or an error both count as caught
            bad.add(name)
    return bad


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert {"step-size", "relative-error", "thresholds", "kink", "own-checks", "ex1", "ex2", "ex3", "ex4"} <= outputs.keys()
    assert "<svg" in outputs["step-size"] and "Checked during the build" in outputs["step-size"]
    # Slopes published for the page, near 2 (central) and 1 (forward).
    assert abs(float(values[f"{NS}.slope_float64_central"]) - 2) < 0.1
    assert abs(float(values[f"{NS}.slope_float64_forward"]) - 1) < 0.1
    # The census sees net232 and does not count itself.
    assert "[net232](net232.md)" in outputs["own-checks"]
    assert "gradient_checking" not in outputs["own-checks"].split("??? success")[0]


def test_wrong_backprop_is_caught(monkeypatch):
    # sigma'(z) = sigma(z): every shape stays right, every number is off.
    sig = activations.ACTIVATIONS["sigmoid"]
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", dataclasses.replace(sig, g_prime=sig.g))
    assert {"step-size", "relative-error", "thresholds"} <= run_only(["step-size", "relative-error", "thresholds"])


def test_forward_differences_posing_as_central_are_caught(monkeypatch):
    # If numerical_gradient were a forward difference, the fitted slope would be 1, not 2.
    def forward_only(f, x, h=1e-5):
        grad, f0 = np.zeros(x.shape), float(f(x))
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            step, fp = float(x[i]) - float(old), float(f(x))
            x[i] = old
            grad[i] = (fp - f0) / step
        return grad

    monkeypatch.setattr(backprop, "numerical_gradient", forward_only)
    assert "step-size" in run_only(["step-size"])


def test_absolute_error_posing_as_relative_is_caught(monkeypatch):
    def absolute(a, n):
        return float(np.max(np.abs(np.asarray(a, float) - np.asarray(n, float))))

    monkeypatch.setattr(backprop, "relative_error", absolute)
    monkeypatch.setattr(gradcheck, "relative_error", absolute)
    bad = run_only(["relative-error", "ex2"])
    assert bad == {"relative-error", "ex2"}


def test_wrong_relu_derivative_is_caught(monkeypatch):
    # A ReLU whose derivative switches on late (at 1e-5): wrong right next to the kink.
    relu = activations.ACTIVATIONS["relu"]
    monkeypatch.setitem(activations.ACTIVATIONS, "relu",
                        dataclasses.replace(relu, g_prime=lambda z: (z > 1e-5).astype(float)))
    assert "kink" in run_only(["kink"])


@pytest.fixture
def fake_generators(tmp_path, monkeypatch):
    """A generators folder with one good and one failing chapter, plus a summariser that must be skipped."""
    (tmp_path / "good.py").write_text(
        "import numpy as np\n"
        "from book.artifacts import artifact\n"
        "@artifact('a')\n"
        "def a(ctx):\n"
        "    ctx.check.gradient('g', np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))\n"
        "    ctx.check.that('t', True, 'fine')\n"
        "    return 'ok'\n",
        encoding="utf-8",
    )
    (tmp_path / "summary.py").write_text(
        "from book.artifacts import artifact, run_generator\n"
        "@artifact('s')\n"
        "def s(ctx):\n"
        "    raise AssertionError('a summariser must not be run by the census')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(artifacts, "GENERATORS", tmp_path)
    return tmp_path


def run_census():
    fns = load_generator(GENERATORS / f"{NS}.py")  # imports GENERATORS from the patched module
    ctx = Context(NS, "own-checks", Checks(), {})
    return fns["own-checks"](ctx), ctx


def test_census_counts_checks_and_skips_summarisers(fake_generators):
    table, ctx = run_census()
    good = next(line for line in table.splitlines() if line.startswith("| good"))
    assert good.split("|")[2:5] == [" 1 ", " 2 ", " 1 "]  # artifacts, checks, finite-difference checks
    assert "10^{-9}" in good  # 1e-9 / 2 = 5e-10, printed as the power of ten above it
    assert "summary" not in table
    assert ctx.values[f"{NS}.census_checks"] == "2"


def test_census_fails_when_another_chapter_fails(fake_generators):
    (fake_generators / "bad.py").write_text(
        "import numpy as np\n"
        "from book.artifacts import artifact\n"
        "@artifact('b')\n"
        "def b(ctx):\n"
        "    ctx.check.gradient('wrong', np.array([1.0]), np.array([2.0]))\n"
        "    return 'never'\n",
        encoding="utf-8",
    )
    with pytest.raises(CheckFailed, match="bad: every artifact ran"):
        run_census()
