"""Run one chapter's generator in-process, for tests, optionally with a fault injected.

    from chapter_tools import Fault, failed, run_chapter
    outputs, values, failures = run_chapter("net232")
    _, _, failures = run_chapter("net232", Fault("backprop/network.py", "W[l + 1].T @", "W[l + 1] @"))
    assert "dw2" in failed(failures)

The assert_* helpers below are the checks many chapter tests make in the same words (which artifact
fails, at which check; the report names the page line; the page uses every artifact and value); the
faults and the expected labels stay in each chapter's test.

The one seam for fault injection is the source: a Fault replaces a piece of text (it must
occur exactly once) in a file under scripts/ (the reference code, the build machinery or the
generator itself), in a private copy of scripts/backprop, scripts/book and scripts/generators;
those packages are then imported afresh from the copy, so the fault reaches every import
style and every shared helper, exactly as a contributor's broken edit would. Nothing is
written to the repository.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from book.artifacts import GENERATORS, SCRIPTS
from book.engine import Failure

PACKAGES = ("backprop", "book", "generators")


@dataclasses.dataclass(frozen=True)
class Fault:
    file: str  # relative to scripts/, e.g. "backprop/network.py" or "generators/net232.py"
    old: str
    new: str


@contextmanager
def isolated(faults: tuple[Fault, ...]):
    """A copy of the book's packages with the faults applied, imported in place of the real ones."""
    tmp = Path(tempfile.mkdtemp(prefix="faulty-scripts-"))
    for pkg in PACKAGES:
        shutil.copytree(SCRIPTS / pkg, tmp / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for f in faults:
        path = tmp / f.file
        text = path.read_text(encoding="utf-8")
        assert text.count(f.old) == 1, f"scripts/{f.file} no longer contains {f.old!r} exactly once; update the test"
        path.write_text(text.replace(f.old, f.new), encoding="utf-8")
    saved = {k: m for k, m in sys.modules.items() if k.split(".")[0] in PACKAGES}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, str(tmp))
    try:
        yield tmp
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] in PACKAGES]:
            del sys.modules[k]
        sys.modules.update(saved)
        sys.path.remove(str(tmp))
        shutil.rmtree(tmp, ignore_errors=True)


def run_chapter(ns: str, *faults: Fault) -> tuple[dict[str, str], dict[str, dict], list[Failure]]:
    """({artifact name: file text}, {ns.value: record}, failures) of one generator, with `faults` applied."""
    if not (GENERATORS / f"{ns}.py").exists():
        raise FileNotFoundError(GENERATORS / f"{ns}.py")
    if faults:
        with isolated(faults) as tmp:
            result = importlib.import_module("book.worker").run(tmp / "generators" / f"{ns}.py")
    else:  # the real modules (a test may still monkeypatch them; prefer a Fault)
        result = importlib.import_module("book.worker").run(GENERATORS / f"{ns}.py")
    outputs = {name.removesuffix(".md"): text for name, text in result["outputs"].items()}
    failures = [Failure(ns, f["name"], f["message"], f.get("kind", "error"), f.get("where")) for f in result["failures"]]
    return outputs, result["values"], failures


def failed(failures: list[Failure]) -> set[str | None]:
    """Names of the artifacts that failed (None for a module-level failure)."""
    return {f.name for f in failures}


def text(values: dict[str, dict], key: str) -> str:
    """The published text of a number or TeX value."""
    return values[key]["text"]


def run_generator(path: Path) -> tuple[dict[str, str], dict[str, dict], list[Failure]]:
    """Run a generator file as it is (for tests that edit a copy of one). Prefer run_chapter with a Fault."""
    result = importlib.import_module("book.worker").run(Path(path))
    outputs = {name.removesuffix(".md"): text for name, text in result["outputs"].items()}
    failures = [Failure(Path(path).stem, f["name"], f["message"], f.get("kind", "error"), f.get("where")) for f in result["failures"]]
    return outputs, result["values"], failures


def run_edited(ns: str, tmp_path, old: str, new: str) -> tuple[dict[str, str], dict[str, dict], list[Failure]]:
    """The generator with one piece of its own source replaced (same as a Fault in generators/<ns>.py)."""
    return run_chapter(ns, Fault(f"generators/{ns}.py", old, new))


def message(failures: list[Failure], name: str) -> str:
    """The message of the first failure of the artifact `name`."""
    return next(f.message for f in failures if f.name == name)


# The label of the check that no listed usual mistake gives the exercise's answer.
MISTAKE_IS_ANSWER = "each usual mistake gives another answer"


def assert_caught(ns: str, faults, expected: dict[str, str]) -> dict[str | None, str]:
    """Run the chapter with the faults; each artifact in `expected` fails, at the check whose label contains the text.

    Returns {artifact: message} of every failure."""
    _, _, failures = run_chapter(ns, *faults)
    messages = {f.name: f.message for f in failures}
    for name, label in expected.items():
        assert name in messages, f"{name} did not fail; failed: {sorted(messages)}"
        assert label in messages[name], f"{name} failed elsewhere:\n{messages[name][:600]}"
    return messages


def assert_check_fails(ns: str, faults, artifact: str, label: str) -> None:
    """Run the chapter with the faults; `artifact` fails, and one of its failures is the check whose label starts with `label`."""
    _, _, failures = run_chapter(ns, *faults)
    messages = [f.message for f in failures if f.name == artifact]
    assert messages, f"{artifact} did not fail; failed: {sorted({f.name for f in failures})}"
    assert any(f"check '{label}" in m for m in messages), messages


def assert_report_names_page_line(failures: list[Failure], ns: str, artifact: str, page: str) -> None:
    """The report of `artifact`'s failure names the artifact and a line of its page docs/`page`."""
    report = next(f for f in failures if f.name == artifact).report()
    assert f"artifact {ns}/{artifact} failed" in report and f"docs/{page}:" in report, report


def assert_page_uses_all_of_it(ns: str, page_text: str, artifacts: set[str], values: dict[str, dict], answers: int = 3) -> None:
    """The page includes exactly the chapter's artifacts (one include a line), every value it cites is one the
    generator made, and it asks at least `answers` questions."""
    includes = re.findall(rf'^\s*--8<-- "{ns}/([a-z0-9_-]+)\.md"\s*$', page_text, flags=re.M)
    assert set(includes) == artifacts
    for key in re.findall(rf"\[\[(?:val|shape|answer):({ns}\.[A-Za-z0-9_]+)", page_text):
        assert key in values, key
    assert len(re.findall(r"\[\[answer:", page_text)) >= answers
