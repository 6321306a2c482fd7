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


def run_edited(ns: str, tmp_path, old: str, new: str) -> tuple[dict[str, str], dict[str, str], list[Failure]]:
    """Run a copy of a generator with one piece of its source replaced (a wrong claim or formula).

    For formulas written in the generator itself, which monkeypatching cannot reach because the
    module is executed afresh. Fails loudly if `old` no longer appears exactly once.
    """
    source = (GENERATORS / f"{ns}.py").read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{ns}.py no longer contains {old!r} exactly once; update the test"
    path = tmp_path / f"{ns}.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return run_generator(path)
