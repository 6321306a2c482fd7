"""Build-time artifacts: declare them, check them, cache them, write them.

A generator is a module `scripts/generators/<ns>.py`. Each function decorated with
`@artifact("name")` receives a `Context`, records checks on `ctx.check`, may publish
inline values with `ctx.value`, and returns Markdown. The result is written to
`generated/<ns>/<name>.md`, followed by a collapsible list of the checks it passed,
and a page includes it with `--8<-- "<ns>/<name>.md"` (pymdownx.snippets).

Generation is cached per generator module, keyed on everything the output depends
on: the module's source, the shared code it can import (scripts/backprop,
scripts/book, scripts/generators/_*.py), and the Python, NumPy and Matplotlib
versions. Every failure -- a check, an exception, a NaN -- is fatal and reported with
the artifact, the pages that use it (file:line) and the numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import math
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
GENERATORS = SCRIPTS / "generators"
GENERATED = REPO / "generated"
DOCS = REPO / "docs"
MANIFEST = GENERATED / "manifest.json"

# Bumped when the on-disk format of generated files changes.
FORMAT_VERSION = "1"

# Files whose change may change any artifact. Rendering-only code (hooks, KaTeX) is not here:
# editing it must not regenerate numbers.
SHARED_SOURCES = ("scripts/backprop/*.py", "scripts/book/*.py", "scripts/generators/_*.py", "scripts/book/*.mplstyle")
NOT_SHARED = {"scripts/book/hooks.py", "scripts/book/katex.py", "scripts/book/generate.py"}
LIBRARIES = ("numpy", "matplotlib")

# A snippet line in a page: `--8<-- "path"` (pymdownx.snippets' block form).
SNIPPET_LINE = re.compile(r'^(?P<indent>\s*)-{1,}8<-{1,}\s+"(?P<target>[^"]+)"\s*$')
# An inline value in a page: [[val:ns.name]].
VALUE_REF = re.compile(r"\[\[val:(?P<key>[A-Za-z0-9_]+\.[A-Za-z0-9_.]+)\]\]")


class CheckFailed(AssertionError):
    """A build-time check did not hold. The message carries the numbers."""


# ---------------------------------------------------------------------------
# Checks


@dataclasses.dataclass(frozen=True)
class CheckRecord:
    label: str
    detail: str


def _relative_error(a, b) -> float:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise CheckFailed(f"shapes differ: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def _show(x) -> str:
    import numpy as np

    return np.array2string(np.asarray(x, dtype=float), precision=6, suppress_small=False, max_line_width=100)


class Checks:
    """What an artifact asserts about its numbers. Each passing check is recorded for the page."""

    def __init__(self) -> None:
        self.records: list[CheckRecord] = []

    def _fail(self, label: str, message: str) -> None:
        raise CheckFailed(f"check '{label}' failed: {message}")

    def gradient(self, label: str, analytic, numeric, tol: float = 1e-7) -> float:
        """Analytic gradient against central finite differences, by the book's relative error."""
        from backprop.gradcheck import relative_error

        err = float(relative_error(analytic, numeric))
        if not err <= tol:  # also catches NaN
            self._fail(
                label,
                f"max relative error {err:.3e} exceeds tolerance {tol:.0e}\n"
                f"    analytic = {_show(analytic)}\n    numeric  = {_show(numeric)}",
            )
        from book.tables import bound

        self.records.append(CheckRecord(label, f"finite differences agree, relative error ≤ {bound(err)} (tolerance {tol:.0e})"))
        return err

    def close(self, label: str, actual, expected, tol: float = 1e-10, how: str = "two computations agree") -> float:
        """Two independent computations of the same quantity agree."""
        import numpy as np

        if np.shape(actual) != np.shape(expected):
            self._fail(label, f"shapes differ: {np.shape(actual)} vs {np.shape(expected)}\n"
                       f"    actual   = {_show(actual)}\n    expected = {_show(expected)}")
        err = _relative_error(actual, expected)
        if not err <= tol:
            self._fail(
                label,
                f"relative error {err:.3e} exceeds tolerance {tol:.0e}\n"
                f"    actual   = {_show(actual)}\n    expected = {_show(expected)}",
            )
        from book.tables import bound

        self.records.append(CheckRecord(label, f"{how}, relative error ≤ {bound(err)} (tolerance {tol:.0e})"))
        return err

    def differ(self, label: str, actual, other, min_rel: float = 1e-3, how: str = "the two results differ") -> float:
        """Two computations must NOT agree (a wrong formula shown as wrong)."""
        err = _relative_error(actual, other)
        if not err >= min_rel:
            self._fail(label, f"expected a difference of at least {min_rel:.0e}, got {err:.3e}\n"
                       f"    actual = {_show(actual)}\n    other  = {_show(other)}")
        self.records.append(CheckRecord(label, f"{how} (relative difference {err:.2f})"))
        return err

    def shape(self, label: str, array, expected: tuple[int, ...]) -> None:
        import numpy as np

        got = tuple(np.shape(array))
        if got != tuple(expected):
            self._fail(label, f"shape {got} but expected {tuple(expected)}")
        self.records.append(CheckRecord(label, f"shape {'×'.join(map(str, got))}"))

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
        self.records.append(CheckRecord(label, f"shapes chain: {text} → {result[0]}×{result[1]}"))
        return result

    def raises(self, label: str, fn: Callable[[], object], exc: type[BaseException] = ValueError) -> str:
        """`fn` must raise `exc` (for example a product whose shapes do not chain). Returns the message."""
        try:
            fn()
        except exc as e:  # noqa: PERF203
            message = str(e)
            self.records.append(CheckRecord(label, f"raises {exc.__name__} as it should"))
            return message
        self._fail(label, f"expected {exc.__name__}, nothing was raised")
        return ""

    def that(self, label: str, condition: bool, detail: str) -> None:
        if not condition:
            self._fail(label, detail)
        self.records.append(CheckRecord(label, detail))


# ---------------------------------------------------------------------------
# Declaring artifacts


@dataclasses.dataclass
class Context:
    ns: str
    name: str
    check: Checks
    values: dict[str, str]

    def value(self, name: str, x, digits: int = 4) -> str:
        """Publish a number (or a TeX string) for prose: pages write [[val:ns.name]]."""
        from book.tables import num

        text = x if isinstance(x, str) else num(x, digits)
        key = f"{self.ns}.{name}"
        if key in self.values and self.values[key] != text:
            raise ValueError(f"value {key} published twice with different text")
        self.values[key] = text
        return text


ArtifactFn = Callable[[Context], str]
_REGISTRY: dict[str, dict[str, ArtifactFn]] = {}
_LOADING: list[str] = []


def artifact(name: str) -> Callable[[ArtifactFn], ArtifactFn]:
    """Register `fn` as the artifact `<module>/<name>`."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"artifact name {name!r}: use lower case letters, digits, '-' and '_'")

    def register(fn: ArtifactFn) -> ArtifactFn:
        ns = _LOADING[-1] if _LOADING else fn.__module__.rsplit(".", 1)[-1]
        table = _REGISTRY.setdefault(ns, {})
        if name in table:
            raise ValueError(f"artifact {ns}/{name} is declared twice")
        table[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------
# Cache keys and references


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shared_files() -> list[Path]:
    files = set()
    for pattern in SHARED_SOURCES:
        files.update(REPO.glob(pattern))
    return sorted(f for f in files if f.relative_to(REPO).as_posix() not in NOT_SHARED)


def generator_files() -> list[Path]:
    return sorted(p for p in GENERATORS.glob("*.py") if not p.name.startswith("_"))


def environment_key() -> str:
    versions = [f"python={sys.version_info[0]}.{sys.version_info[1]}", f"format={FORMAT_VERSION}"]
    versions += [f"{lib}={metadata.version(lib)}" for lib in LIBRARIES]
    return ";".join(versions)


def declared_dependencies(generator: Path) -> list[Path]:
    """Files named by a module-level `DEPENDS_ON = ["glob", ...]` (repo-relative), read without importing."""
    import ast

    for node in ast.parse(generator.read_bytes()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEPENDS_ON" for t in node.targets):
            patterns = ast.literal_eval(node.value)
            if not (isinstance(patterns, list) and all(isinstance(p, str) for p in patterns)):
                raise ValueError(f"{generator.name}: DEPENDS_ON must be a list of glob strings")
            return sorted({f for pattern in patterns for f in REPO.glob(pattern) if f.is_file() and f != generator})
    return []


def cache_key(generator: Path, shared_digest: str) -> str:
    """Everything the generator's output may depend on: its source, what it declares, shared code, versions."""
    parts = [generator.read_bytes(), shared_digest.encode(), environment_key().encode()]
    for dep in declared_dependencies(generator):
        parts += [dep.relative_to(REPO).as_posix().encode(), dep.read_bytes()]
    return _sha(b"\0".join(parts))


def shared_digest() -> str:
    h = hashlib.sha256()
    for f in shared_files():
        h.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class Reference:
    page: str  # docs-relative path
    line: int
    target: str


def find_references(docs: Path = DOCS) -> list[Reference]:
    """Every snippet include and inline value in the Markdown sources, with file and line."""
    refs = []
    for md in sorted(docs.rglob("*.md")):
        rel = md.relative_to(docs).as_posix()
        for i, line in enumerate(md.read_text(encoding="utf-8").splitlines(), start=1):
            if m := SNIPPET_LINE.match(line):
                refs.append(Reference(rel, i, m["target"]))
            for v in VALUE_REF.finditer(line):
                refs.append(Reference(rel, i, "val:" + v["key"]))
    return refs


def used_by(ns: str, name: str | None = None) -> list[str]:
    """Pages (docs/file.md:line) that include an artifact, or any artifact of `ns`."""
    out = []
    for ref in find_references():
        target = ref.target
        hit = target.startswith(f"{ns}/") if name is None else target == f"{ns}/{name}.md"
        if hit or (target.startswith(f"val:{ns}.") and name is None):
            out.append(f"docs/{ref.page}:{ref.line}")
    return out


# ---------------------------------------------------------------------------
# Running generators


@dataclasses.dataclass
class Failure:
    ns: str
    name: str | None
    message: str

    def report(self) -> str:
        where = f"{self.ns}/{self.name}" if self.name else self.ns
        pages = used_by(self.ns, self.name) or ["(no page includes it yet)"]
        lines = [
            f"artifact {where} failed",
            f"  generator: scripts/generators/{self.ns}.py",
            f"  used by:   {', '.join(pages)}",
        ]
        lines += ["  " + ln for ln in self.message.rstrip().splitlines()]
        return "\n".join(lines)


NON_FINITE = re.compile(r"(?<![A-Za-z_\\])(nan|inf|-inf|NaN|Infinity)(?![A-Za-z_])")


def render(ns: str, name: str, body: str, checks: Checks) -> str:
    """The file a page includes: the artifact, then what it was checked against."""
    if m := NON_FINITE.search(body):
        raise CheckFailed(f"the output contains the non-finite value '{m[1]}' near: {body[max(0, m.start() - 60):m.end() + 20]!r}")
    out = [body.rstrip(), ""]
    if checks.records:
        n = len(checks.records)
        out.append(f'??? success "Checked during the build: {n} check{"s" if n != 1 else ""} passed"')
        out.append("")
        for rec in checks.records:
            out.append(f"    - **{rec.label}**: {rec.detail}")
        out.append("")
        out.append(f"    Source: `scripts/generators/{ns}.py`, function for artifact `{ns}/{name}`.")
    else:
        out.append(f"<!-- artifact {ns}/{name}: no checks recorded -->")
    return "\n".join(out) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Writes only when the content differs, so watchers and mtimes stay quiet."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def load_generator(path: Path) -> dict[str, ArtifactFn]:
    ns = path.stem
    _REGISTRY.pop(ns, None)
    spec = importlib.util.spec_from_file_location(f"generators.{ns}", path)
    module = importlib.util.module_from_spec(spec)
    _LOADING.append(ns)
    try:
        spec.loader.exec_module(module)
    finally:
        _LOADING.pop()
    return _REGISTRY.get(ns, {})


def run_generator(path: Path) -> tuple[dict[str, str], dict[str, str], list[Failure]]:
    """Runs every artifact of one generator. Returns ({name: file text}, values, failures)."""
    ns = path.stem
    outputs: dict[str, str] = {}
    values: dict[str, str] = {}
    failures: list[Failure] = []
    try:
        artifacts = load_generator(path)
    except Exception:  # a syntax error or failing import: name the file, keep the traceback
        return outputs, values, [Failure(ns, None, traceback.format_exc(limit=-3))]
    if not artifacts:
        failures.append(Failure(ns, None, "declares no @artifact functions"))
    for name, fn in artifacts.items():
        ctx = Context(ns, name, Checks(), values)
        try:
            body = fn(ctx)
            if not isinstance(body, str):
                raise TypeError(f"{fn.__name__}() returned {type(body).__name__}, expected Markdown text")
            outputs[name] = render(ns, name, body, ctx.check)
        except CheckFailed as e:
            failures.append(Failure(ns, name, str(e)))
        except Exception:
            failures.append(Failure(ns, name, traceback.format_exc(limit=-4)))
    return outputs, values, failures


def load_manifest() -> dict:
    try:
        data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _outputs_intact(entry: dict, ns: str) -> bool:
    for name, digest in entry.get("outputs", {}).items():
        f = GENERATED / ns / f"{name}.md"
        if not f.exists() or _sha(f.read_bytes()) != digest:
            return False
    return True


@dataclasses.dataclass
class Summary:
    regenerated: list[str]
    fresh: list[str]
    failures: list[Failure]
    written: int


def is_fresh(path: Path, manifest: dict, shared: str) -> bool:
    """The generator's recorded key matches its inputs and its outputs are on disk unchanged."""
    entry = manifest.get(path.stem)
    return bool(entry) and entry.get("key") == cache_key(path, shared) and _outputs_intact(entry, path.stem)


def all_fresh() -> bool:
    """True when generating would run nothing (cheap: hashes files, imports no generator)."""
    manifest, shared = load_manifest(), shared_digest()
    files = generator_files()
    return set(manifest) == {p.stem for p in files} and all(is_fresh(p, manifest, shared) for p in files)


def generate(force: bool = False, only: Iterable[str] | None = None) -> Summary:
    """Brings generated/ up to date. Never raises for a generator's own errors: returns them."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    manifest = load_manifest()
    shared = shared_digest()
    only = set(only) if only else None
    regenerated, fresh, failures, written = [], [], [], 0
    wanted = {p.stem for p in generator_files()}
    for path in generator_files():
        ns = path.stem
        if only is not None and ns not in only:
            continue
        if not force and is_fresh(path, manifest, shared):
            fresh.append(ns)
            continue
        key = cache_key(path, shared)
        outputs, values, errs = run_generator(path)
        if errs:
            failures.extend(errs)
            manifest.pop(ns, None)  # never keep a key for a module that failed
            continue
        for name, text in outputs.items():
            written += write_if_changed(GENERATED / ns / f"{name}.md", text)
        for stale in (GENERATED / ns).glob("*.md"):
            if stale.stem not in outputs:
                stale.unlink()
        manifest[ns] = {
            "key": key,
            "outputs": {n: _sha(t.encode("utf-8")) for n, t in sorted(outputs.items())},
            "values": dict(sorted(values.items())),
        }
        regenerated.append(ns)
    for ns in list(manifest):
        if ns not in wanted:  # a generator was deleted or renamed
            manifest.pop(ns)
    write_if_changed(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return Summary(regenerated, fresh, failures, written)


def known_artifacts() -> set[str]:
    """`ns/name.md` for every artifact in the manifest."""
    return {f"{ns}/{name}.md" for ns, entry in load_manifest().items() for name in entry.get("outputs", {})}


def known_values() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in load_manifest().values():
        out.update(entry.get("values", {}))
    return out
