"""The explorer's JavaScript model against the Python reference, in Node (no browser).

tests/js/explorer.test.cjs replays the test vectors of scripts/generators/shape_explorer.py;
a drifted vector must make it fail.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "tests" / "js" / "explorer.test.cjs"


def reference_vectors() -> list[dict]:
    """The Python reference's answers, as the build wrote them (generated/shape_explorer/vectors.json)."""
    from book.engine import generate

    summary = generate(only=["shape_explorer"])  # cached: runs only if the vectors are stale
    assert not summary.failures, [f.report() for f in summary.failures]
    return json.loads((REPO / "generated" / "shape_explorer" / "vectors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vectors():
    return reference_vectors()


def run_suite(tmp_path, vectors) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "Node.js is needed (make setup installs the book's Node tools)"
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps(vectors), encoding="utf-8")
    return subprocess.run([node, "--test", str(SUITE)], env={**os.environ, "BPX_VECTORS": str(path)},
                          capture_output=True, text=True, timeout=120)


def test_the_javascript_model_matches_every_vector(tmp_path, vectors):
    proc = run_suite(tmp_path, vectors)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# pass 6" in proc.stdout and "# skipped 0" in proc.stdout, proc.stdout


def test_a_drifted_vector_fails_the_suite(tmp_path, vectors):
    drifted = copy.deepcopy(vectors)
    drifted[17]["layers"][0]["chains"][1]["expected"][0] += 1  # the reference now wants another shape
    proc = run_suite(tmp_path, drifted)
    assert proc.returncode != 0
    assert "vector 17" in proc.stdout and "layers.0.chains.1.expected.0" in proc.stdout, proc.stdout
