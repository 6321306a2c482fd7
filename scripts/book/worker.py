"""Run one generator module in this process and report what it made.

    python -m book.worker scripts/generators/net232.py RESULT.json PROGRESS.txt

The engine (book.engine) starts one worker per generator, in parallel, and kills a worker
that runs past its time limit; PROGRESS.txt says which artifact it was in. Tests call `run`
directly. RESULT.json holds {"outputs", "values", "checks", "failures"}.
"""

from __future__ import annotations

import importlib.util
import json
import linecache
import sys
import time
import traceback
from pathlib import Path

from . import artifacts
from .artifacts import CheckFailed, Checks, Context, render

sys.dont_write_bytecode = True  # no __pycache__ under the watched scripts/ (it would retrigger `serve`)


def load_generator(path: Path) -> dict:
    """Execute the module afresh and return its {artifact name: function}."""
    ns = path.stem
    artifacts._REGISTRY.pop(ns, None)
    spec = importlib.util.spec_from_file_location(f"generators.{ns}", path)
    module = importlib.util.module_from_spec(spec)
    artifacts._LOADING.append(ns)
    try:
        spec.loader.exec_module(module)
    finally:
        artifacts._LOADING.pop()
    return artifacts._REGISTRY.get(ns, {})


def culprit(tb) -> dict | None:
    """The innermost frame in the book's own code (reference code first): where to look."""
    frames = traceback.extract_tb(tb)
    scripts = str(artifacts.SCRIPTS)
    ours = [f for f in frames if (f.filename.startswith(scripts) or "/scripts/" in f.filename) and "/scripts/book/" not in f.filename]
    if not ours:
        return None
    shared = [f for f in ours if "/backprop/" in f.filename or "/generators/_" in f.filename]
    f = (shared or ours)[-1]
    rel = f.filename.split("/scripts/", 1)[-1]
    return {"file": f"scripts/{rel}", "line": f.lineno, "code": (f.line or linecache.getline(f.filename, f.lineno)).strip()}


def run(path: Path, progress=None) -> dict:
    ns = path.stem
    outputs: dict[str, str] = {}
    values: dict[str, dict] = {}
    data: dict[str, str] = {}
    checks: dict[str, list[str]] = {}
    failures: list[dict] = []

    def note(line: str) -> None:
        if progress is not None:
            progress.write(line + "\n")
            progress.flush()

    try:
        fns = load_generator(path)
    except Exception as e:
        return {"outputs": {}, "values": {}, "checks": {}, "failures": [
            {"name": None, "message": traceback.format_exc(limit=-3), "kind": type(e).__name__, "where": culprit(e.__traceback__)}]}
    if not fns:
        failures.append({"name": None, "message": "declares no @artifact functions", "kind": "empty", "where": None})
    for name, fn in fns.items():
        note(f"start {name} {time.monotonic():.3f}")
        ctx = Context(ns, name, Checks(), values, data)
        try:
            body = fn(ctx)
            if not isinstance(body, str):
                raise TypeError(f"{fn.__name__}() returned {type(body).__name__}, expected Markdown text ('' if it only publishes values)")
            outputs[f"{name}.md"] = render(ns, name, body, ctx.check)
            checks[name] = [[r.kind, r.err, r.tol] if r.err else [r.kind] for r in ctx.check.records]
        except CheckFailed as e:
            failures.append({"name": name, "message": str(e), "kind": "check", "where": culprit(e.__traceback__)})
        except Exception as e:
            failures.append({"name": name, "message": traceback.format_exc(limit=-4), "kind": type(e).__name__,
                             "where": culprit(e.__traceback__)})
        note(f"end {name}")
    for name, text in data.items():
        outputs[f"{name}.json"] = text
    return {"outputs": outputs, "values": values, "checks": checks, "failures": failures}


def main(argv: list[str]) -> int:
    path, result, progress = Path(argv[0]), Path(argv[1]), Path(argv[2])
    with progress.open("w", encoding="utf-8") as p:
        out = run(path, p)
    result.write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
