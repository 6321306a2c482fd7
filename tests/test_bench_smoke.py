"""The benchmark itself still runs: `scripts/bench/run.py --quick --only reference` prints its figure rows.

Timings are never asserted (the machine is shared and noisy); only that every figure is there
and is a number, and that nothing was written to bench-results.md by a quick run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def test_quick_reference_benchmark_prints_its_figures():
    results = REPO / "bench-results.md"
    before = results.read_bytes() if results.exists() else None
    proc = subprocess.run([sys.executable, "scripts/bench/run.py", "--quick", "--only", "reference"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "## Machine" in out and "## Reference code" in out, out[:2000]
    for fact in ("CPU", "Python", "NumPy"):
        assert re.search(rf"^\| {fact} \| .+ \|$", out, re.M), f"machine fact {fact!r} missing"
    for dtype in ("float32", "float64"):
        rows = {
            "batched step (forward + backward)": rf"{NUMBER} ms",
            "GEMM lower bound": rf"{NUMBER} ms",
            "per-example loop (512 columns)": rf"{NUMBER} ms",
            "step / GEMM ratio": NUMBER,
            "loop / batched ratio": NUMBER,
            "dtype preserved through forward/backward": r"(yes|no: .+)",
        }
        for label, value in rows.items():
            assert re.search(rf"^\| {re.escape(f'{dtype}: {label}')} \| {value} \|", out, re.M), f"row '{dtype}: {label}' missing:\n{out}"
    assert "## Build" not in out and "## Reader" not in out  # --only reference
    after = results.read_bytes() if results.exists() else None
    assert after == before, "a --quick run must not rewrite bench-results.md"
