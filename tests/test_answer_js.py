"""The answer field's JavaScript in Node (no browser): its reading and judging, and the same verdicts as book.answers.

tests/js/answer.test.cjs holds cases worked out by hand; here it runs on the real answer.js, on
copies with one fault planted (each must fail the test that guards against it), and on a few
thousand seeded cases judged by the Python rule the build uses, which the JavaScript must judge
the same way (a drift between the two is a field that says something the build did not check).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from book import answers, values

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "tests" / "js" / "answer.test.cjs"
ANSWER_JS = REPO / "docs" / "assets" / "widgets" / "answer.js"


def run_suite(tmp_path: Path, js: Path = ANSWER_JS, cases: list | None = None) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "Node.js is needed (make setup installs the book's Node tools)"
    env = {**os.environ, "ANSWER_JS": str(js)}
    if cases is not None:
        path = tmp_path / "cases.json"
        path.write_text(json.dumps(cases), encoding="utf-8")
        env["ANSWER_CASES"] = str(path)
    return subprocess.run([node, "--test", str(SUITE)], env=env, capture_output=True, text=True, timeout=120)


def planted(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of answer.js with each (old, new) replaced; old must occur exactly once."""
    text = ANSWER_JS.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"answer.js no longer contains {old!r} exactly once; update this test"
        text = text.replace(old, new)
    path = tmp_path / "answer.js"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Seeded cases, judged by the Python rule


def _typed_like(rec: dict, rng: random.Random) -> list[dict]:
    """Ways a reader might type something near a record: as printed, a unit or two off, fewer or more decimals."""
    if rec["kind"] == "shape":
        dims = list(rec["shape"]) + ([1] if len(rec["shape"]) == 1 else [])
        return [{"shape": dims}, {"shape": dims[::-1]}, {"shape": [d + 1 for d in dims]}]
    cells = [[rec["text"]]] if rec["kind"] == "number" else rec["cells"]
    out = []
    for _ in range(6):
        shift, fewer = rng.choice([0, 0, 1, -1, 2, -3]), rng.choice([0, 0, 1, 2, -1])
        rows = []
        for row in cells:
            typed_row = []
            for text in row:
                d = answers.decimals(text)
                x = float(text) + shift * 10.0 ** -d
                td = max(d - fewer, 0)
                typed_row.append([float(f"{x:.{td}f}"), td])
            rows.append(typed_row)
        out.append({"rows": rows})
    flat = [c for row in out[0]["rows"] for c in row]
    out.append({"rows": [flat]})  # as a row
    out.append({"rows": [[c] for c in flat]})  # as a column
    out.append({"rows": [flat[:-1]]} if len(flat) > 1 else {"rows": [[flat[0], flat[0]]]})  # the wrong size
    out.append({"rows": [[[0.0, 0]]]})
    return out


def seeded_cases(n: int = 250, seed: int = 2024) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        kind = rng.choice(["number", "number", "vector", "matrix", "shape"])
        digits = rng.choice([1, 2, 3, 4, 4, 6])
        if kind == "shape":
            dims = (rng.randint(1, 5), rng.randint(1, 5))
            expect = values.record(dims)
            mistakes = {"transpose": values.record(dims[::-1])}
        else:
            shape = {"number": (), "vector": (rng.randint(2, 4), 1), "matrix": (2, 3)}[kind]
            x = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-digits + 1, 1) * (np.ones(shape) if shape else 1.0)
            if shape:
                x = x * np.array([rng.uniform(0.5, 1.5) for _ in range(int(np.prod(shape)))]).reshape(shape)
            if kind == "number" and rng.random() < 0.1:
                x = rng.randint(-9, 9)  # a whole number: exact
            expect = values.record(x, digits)
            mistakes = {"sign": values.record(-x, digits),
                        "mean-vs-sum": values.record(x * rng.choice([2, 3, 0.5]), digits),
                        "missing-gprime": values.record(x * (1 + rng.choice([1, -1]) * 10.0 ** -rng.randint(1, digits + 1)), digits)}
            if kind == "matrix":
                mistakes["transpose"] = values.record(np.asarray(x).T, digits)
        spec = {"expect": expect, "mistakes": [{"kind": k, "value": v} for k, v in sorted(mistakes.items())]}
        for rec in [expect, *mistakes.values()]:
            typed = _typed_like(rec, rng)
            for t in typed:
                readings = [t] if rng.random() < 0.8 else [t, rng.choice(typed)]  # a second reading, as a decimal comma gives
                cases.append({"spec": spec, "typed": readings, "verdict": answers.judge(spec, readings)})
    return cases


@pytest.fixture(scope="module")
def cases():
    return seeded_cases()


# ---------------------------------------------------------------------------


def test_the_hand_worked_cases_pass(tmp_path):
    proc = run_suite(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert "# pass 9" in proc.stdout and "# fail 0" in proc.stdout, proc.stdout[-2000:]


def test_javascript_and_python_judge_every_case_alike(tmp_path, cases):
    states = {c["verdict"]["state"] for c in cases}
    assert states >= {"right", "hint", "close", "size", "wrong"}, states  # the cases reach every verdict
    assert len({c["verdict"].get("kind") for c in cases}) >= 4
    proc = run_suite(tmp_path, cases=cases)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "# pass 10" in proc.stdout, proc.stdout[-2000:]


def test_a_drift_between_javascript_and_python_is_caught(tmp_path, cases):
    # the JavaScript no longer recognises a mistake typed with fewer decimals
    js = planted(tmp_path, ('for (i = 0; i < others.length; i++) if (others[i].states.indexOf("close") >= 0)', "if (false)"))
    proc = run_suite(tmp_path, js=js, cases=cases)
    assert proc.returncode != 0
    assert "Python says" in proc.stdout, proc.stdout[-3000:]


RIGHT = 'if (first.indexOf("right") >= 0) return {state: "right"};'
CLOSE = 'if (first.indexOf("close") >= 0) return {state: "close"};'


@pytest.mark.parametrize("edits, caught_by", [
    # half a unit instead of one: a result from the rounded tables is no longer right
    ([("unit * (1 + SLACK) + SLACK", "0.5 * unit * (1 + SLACK) + SLACK")], "one unit of the last printed digit is right"),
    # a trailing zero must be typed
    ([("(typed >= d || x === p)", "(typed >= d)")], "one unit of the last printed digit is right"),
    # no decimal commas
    ([("if (comma && (nested || !/\\d,\\d/.test(t))) return;", "if (comma) return;")], "vectors and matrices in every written form"),
    # the Unicode minus sign is not read
    ([("\\u2212", "")], "numbers: minus signs"),
    # vectors only as columns
    ([("(rows.length > 1 && rows.some(function (r) { return r.length !== 1; }))", "(rows.length !== wanted.length)")],
     "a vector: a row or a column"),
    # 'close' dropped: fewer digits are plainly wrong
    ([(CLOSE, "")], "a number: right, each mistake"),
    # the mistakes tried before the right answer
    ([(RIGHT, ""), (CLOSE, RIGHT + CLOSE)], "the order of the verdicts"),
    # the wrong mistake's sentence
    ([("return m.kind === v.kind;", "return m.kind !== v.kind;")], "a number: right, each mistake"),
    # a shape read without 'by'
    ([("|\\bby\\b)", ")")], "shapes in every written form"),
    # the transpose of a matrix typed with ᵀ not undone
    ([("parsed = transpose(parsed);", "")], "a matrix: rows and columns must fit"),
])
def test_each_planted_fault_fails_the_suite(tmp_path, edits, caught_by):
    proc = run_suite(tmp_path, js=planted(tmp_path, *edits))
    assert proc.returncode != 0, f"the fault {edits} was not caught"
    failed = [line for line in proc.stdout.splitlines() if line.startswith("not ok")]
    assert any(caught_by in line for line in failed), failed
