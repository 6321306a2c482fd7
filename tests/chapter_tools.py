"""Run one chapter's generator in-process, for tests that inject a wrong formula.

    from chapter_tools import run_chapter
    outputs, values, failures = run_chapter("net232")

Patch the reference implementation first (pytest's monkeypatch) and assert that
`failures` names the artifact whose check caught it. Nothing is written to disk.
"""

from __future__ import annotations

from book.artifacts import GENERATORS, Failure, run_generator


def run_chapter(ns: str) -> tuple[dict[str, str], dict[str, str], list[Failure]]:
    path = GENERATORS / f"{ns}.py"
    if not path.exists():
        raise FileNotFoundError(path)
    return run_generator(path)


def failed(failures: list[Failure]) -> set[str]:
    """Names of the artifacts that failed (None for a module-level failure)."""
    return {f.name for f in failures}
