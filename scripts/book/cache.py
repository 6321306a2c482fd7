"""The artifact cache: generated/manifest.json and the files it vouches for.

One entry per generator module:

    key      hash of everything the output may depend on: the module's source, the shared code
             it can import (scripts/backprop, scripts/book, scripts/generators/_*.py), the files
             it declares in DEPENDS_ON, and the Python, NumPy and Matplotlib versions
    outputs  {file name: sha256} for every file written to generated/<ns>/
    values   the published values (book.values records)
    checks   {artifact: [check kinds]} for the census, counted as the engine runs
    seal     hash of key + outputs + values + checks

An entry is served only if its key matches the sources, every output file has its recorded
hash and the seal matches the entry: a hand edit anywhere (a page's table, a value in this
file) makes the generator run again instead of reaching a reader.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

from .artifacts import GENERATED, GENERATORS, REPO

MANIFEST = GENERATED / "manifest.json"
FORMAT_VERSION = "2"  # bump when the on-disk format of generated files changes

# Files whose change may change any artifact. Rendering-only code (the Markdown extension,
# KaTeX, the command line) is not here: editing it must not regenerate numbers.
SHARED_SOURCES = ("scripts/backprop/*.py", "scripts/book/*.py", "scripts/generators/_*.py", "scripts/book/*.mplstyle")
NOT_SHARED = {"scripts/book/mdext.py", "scripts/book/katex.py", "scripts/book/generate.py", "scripts/book/pages.py",
              "scripts/book/hooks.py", "scripts/book/build.py", "scripts/book/texscan.py"}
LIBRARIES = ("numpy", "matplotlib")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generator_files() -> list[Path]:
    return sorted(p for p in GENERATORS.glob("*.py") if not p.name.startswith("_"))


def shared_digest() -> str:
    files = set()
    for pattern in SHARED_SOURCES:
        files.update(REPO.glob(pattern))
    h = hashlib.sha256()
    for f in sorted(f for f in files if f.relative_to(REPO).as_posix() not in NOT_SHARED):
        h.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


_ENV_KEY: str | None = None


def environment_key() -> str:
    global _ENV_KEY
    if _ENV_KEY is None:
        versions = [f"python={sys.version_info[0]}.{sys.version_info[1]}", f"format={FORMAT_VERSION}"]
        _ENV_KEY = ";".join(versions + [f"{lib}={metadata.version(lib)}" for lib in LIBRARIES])
    return _ENV_KEY


@functools.cache
def _depends_on(source: bytes, name: str) -> tuple[str, ...]:
    """The globs of a module-level `DEPENDS_ON = [...]` in a generator's source, parsed once per source text.

    Parsing is most of what checking the cache costs (0.7 of 0.86 s with 144 generators), and most
    generators declare nothing: those are not parsed at all, and `serve` parses an edited one once."""
    if b"DEPENDS_ON" not in source:
        return ()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEPENDS_ON" for t in node.targets):
            patterns = ast.literal_eval(node.value)
            if not (isinstance(patterns, list) and all(isinstance(p, str) for p in patterns)):
                raise ValueError(f"{name}: DEPENDS_ON must be a list of glob strings")
            return tuple(patterns)
    return ()


def declared_dependencies(generator: Path) -> list[Path]:
    """Files named by a module-level `DEPENDS_ON = ["glob", ...]` (repo-relative), read without importing."""
    patterns = _depends_on(generator.read_bytes(), generator.name)
    return sorted({f for pattern in patterns for f in REPO.glob(pattern) if f.is_file() and f != generator})


def cache_key(generator: Path, shared: str) -> str:
    parts = [generator.read_bytes(), shared.encode(), environment_key().encode()]
    for dep in declared_dependencies(generator):
        parts += [dep.relative_to(REPO).as_posix().encode(), dep.read_bytes()]
    return sha(b"\0".join(parts))


def seal(entry: dict) -> str:
    body = {k: entry.get(k) for k in ("key", "outputs", "values", "checks")}
    return sha(json.dumps(body, sort_keys=True).encode())


def load(path: Path | None = None) -> dict:
    """The manifest, parsed afresh (the caller may change it)."""
    try:
        data = json.loads((path or MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def file_stamp(path: Path) -> tuple | None:
    """What changes whenever the file's content does: a write in place changes its times (the change time
    even when the modification time is set back, as `touch -r` does), a write by rename its inode."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size


@functools.lru_cache(maxsize=65536)
def _file_sha(path: Path, stamp: tuple) -> str:
    return sha(path.read_bytes())


def file_sha(path: Path) -> str | None:
    """sha256 of a file's bytes, hashed once per version of the file (see file_stamp); None if it cannot be read.

    Under `serve` the cache is checked at every save: the outputs of 144 generators were hashed again each
    time (and once more to serve their values)."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    try:
        return _file_sha(path, stamp)
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def _read(path: Path, stamp: tuple | None) -> dict:
    return load(path)


def read() -> dict:
    """The manifest for reading only, parsed once per version of the file (it is written by rename: a new
    version has a new inode and time). With 144 generators it is 1.7 MB, and a save under `serve` read it four times."""
    return _read(MANIFEST, file_stamp(MANIFEST))


def save(manifest: dict) -> None:
    """One generator's entry a line, keys sorted: the same JSON data as an indented dump, written in a
    fraction of the time (the indented form goes through json's pure-Python encoder)."""
    lines = [f"{json.dumps(ns)}: {json.dumps(manifest[ns], sort_keys=True)}" for ns in sorted(manifest)]
    write_if_changed(MANIFEST, "{\n" + ",\n".join(lines) + "\n}\n")


def intact(ns: str, entry: dict) -> bool:
    """The entry is sealed and every file it lists is on disk with its recorded hash."""
    if not isinstance(entry, dict) or entry.get("seal") != seal(entry):
        return False
    return all(file_sha(GENERATED / ns / name) == digest for name, digest in entry.get("outputs", {}).items())


def is_fresh(path: Path, manifest: dict, shared: str) -> bool:
    entry = manifest.get(path.stem)
    return bool(entry) and entry.get("key") == cache_key(path, shared) and intact(path.stem, entry)


def stale_generators() -> list[Path]:
    """Generators whose outputs are missing, outdated or tampered with (cheap: hashes files, imports nothing)."""
    return freshness()[1]


def freshness() -> tuple[bool, list[Path]]:
    """(everything is fresh, the stale generators). Not fresh with no stale generator: the census entry
    is damaged or a generator was deleted; the engine sorts that out when it checks them all."""
    manifest, shared, files = read(), shared_digest(), generator_files()
    stale = [p for p in files if not is_fresh(p, manifest, shared)]
    fresh = set(manifest) - {"book"} == {p.stem for p in files} and not stale and intact("book", manifest.get("book", {}))
    return fresh, stale


def all_fresh() -> bool:
    return freshness()[0]


def served_state() -> tuple:
    """A cheap fingerprint of what the cache serves: the manifest's and each output folder's stamps.

    The engine writes every file by rename, which also touches its folder, so a regeneration
    changes this; a hand edit in place is caught when a build starts (all_fresh hashes every file).
    """
    stamps = [(p.name, p.stat().st_mtime_ns) for p in GENERATED.iterdir()] if GENERATED.is_dir() else []
    try:
        manifest = MANIFEST.stat()
        stamps.append(("manifest", manifest.st_mtime_ns, manifest.st_size))
    except OSError:
        pass
    return tuple(sorted(stamps))


@functools.lru_cache(maxsize=2)
def _served(state: tuple) -> tuple[dict[str, dict], frozenset[str]]:
    """Every published value and `ns/name.md` artifact of the entries that pass their seal."""
    values: dict[str, dict] = {}
    artifacts: set[str] = set()
    for ns, entry in read().items():
        if intact(ns, entry):
            values.update(entry.get("values", {}))
            artifacts.update(f"{ns}/{name}" for name in entry.get("outputs", {}) if name.endswith(".md"))
    return values, frozenset(artifacts)


def served_values() -> dict[str, dict]:
    return _served(served_state())[0]


def served_artifacts() -> frozenset[str]:
    return _served(served_state())[1]


def write_if_changed(path: Path, text: str) -> bool:
    """Writes only when the content differs (atomically), so watchers and mtimes stay quiet."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True
