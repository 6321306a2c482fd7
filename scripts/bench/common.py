"""Shared pieces of the benchmark: timing, result rows, machine facts, clean copies, servers, Chromium.

Nothing here is imported by the site build; timings never reach a page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import http.server
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# What a clean copy of the book needs (node_modules is symlinked, never copied).
COPIED = ["docs", "includes", "scripts", "overrides", "mkdocs.yml", "package.json"]


# ---------------------------------------------------------------------------
# Results


@dataclasses.dataclass
class Row:
    """One figure: what was measured, its value (already formatted), and the target if there is one."""

    figure: str
    value: str
    detail: str = ""
    target: str = ""
    ok: bool | None = None  # None: no target

    @property
    def status(self) -> str:
        return "" if self.ok is None else ("pass" if self.ok else "**MISS**")


@dataclasses.dataclass
class SectionResult:
    name: str
    title: str
    rows: list[Row] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    profiles: list[str] = dataclasses.field(default_factory=list)  # preformatted text blocks

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def markdown(self) -> str:
        out = [f"## {self.title}", "", "| figure | value | detail | target | result |", "| --- | --- | --- | --- | --- |"]
        for r in self.rows:
            cells = [r.figure, r.value, r.detail, r.target, r.status]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        if self.notes:
            out.append("")
            out += [f"- {n}" for n in self.notes]
        for block in self.profiles:
            out += ["", "```text", block.rstrip(), "```"]
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Timing


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def spread(xs: Sequence[float]) -> str:
    """min–max of a sample, for the detail column."""
    return f"{min(xs):.3g}–{max(xs):.3g}" if xs else ""


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def interleaved(variants: dict[str, Callable[[], object]], reps: int, warmup: int = 1) -> dict[str, list[float]]:
    """Times every variant `reps` times, side by side: A B C, then C B A, then A B C ...

    Alternating the order cancels a drift (thermal, a neighbour's job) that would
    otherwise always favour whichever variant runs first in a round.
    """
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        for name in names if rep % 2 == 0 else reversed(names):
            t0 = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] for runs made in the same round."""
    return [x / y for x, y in zip(a, b, strict=True) if y > 0]


# ---------------------------------------------------------------------------
# Machine


def _run_text(cmd: list[str], **kw) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> str:
    """BLAS library, core type and thread count (threadpoolctl when installed, else OpenBLAS via ctypes)."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            i = infos[0]
            return f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}), {i.get('num_threads')} thread(s) [threadpoolctl]"
    except ImportError:
        pass
    import ctypes

    np.ones((2, 2)) @ np.ones((2, 2))  # make sure the library is loaded
    libs = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split()[-1]
            if "openblas" in path.lower() and ".so" in path:
                libs.add(path)
    for lib in sorted(libs):
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        threads = config = core = None
        for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
            try:
                get_threads = getattr(handle, f"{prefix}get_num_threads{suffix}")
                get_config = getattr(handle, f"{prefix}get_config{suffix}")
                get_core = getattr(handle, f"{prefix}get_corename{suffix}")
            except AttributeError:
                continue
            get_config.restype = get_core.restype = ctypes.c_char_p
            threads, config, core = get_threads(), get_config().decode(), get_core().decode()
            break
        if threads is not None:
            env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ}
            return f"{config.split(' DYNAMIC')[0]} (core {core}), {threads} thread(s) [ctypes; env {env or 'unset'}]"
    return "unknown BLAS"


def openblas_threads():
    """(get, set) for OpenBLAS's thread count through ctypes, or None. Changes no environment variable."""
    import ctypes

    import numpy as np

    np.ones((2, 2)) @ np.ones((2, 2))
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split()[-1]
            if "openblas" not in path.lower() or ".so" not in path:
                continue
            try:
                handle = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
                get = getattr(handle, f"{prefix}get_num_threads{suffix}", None)
                put = getattr(handle, f"{prefix}set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


def machine() -> dict[str, str]:
    import numpy as np

    def version(dist: str) -> str:
        from importlib import metadata

        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = _run_text(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    dirty = _run_text(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO)
    chromium = re.sub(r"\s+", " ", _run_text([CHROMIUM, "--version"])) if Path(CHROMIUM).exists() else "not found"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical core(s), {affinity} usable",
        "memory": _meminfo(),
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python": platform.python_version(),
        "NumPy": f"{np.__version__}; BLAS: {blas_info()}",
        "MkDocs": f"{version('mkdocs')}, Material {version('mkdocs-material')}, pymdown-extensions {version('pymdown-extensions')}",
        "Node.js": _run_text(["node", "--version"]) or "not found",
        "KaTeX": _node_package_version("katex"),
        "MathJax (baseline)": _node_package_version("mathjax"),
        "Chromium": chromium,
        "Lighthouse": _node_package_version("lighthouse"),
        "commit": f"{commit or 'unknown'}{' + uncommitted changes' if dirty else ''}",
    }


def _meminfo() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _node_package_version(name: str) -> str:
    import json

    try:
        return json.loads((REPO / "node_modules" / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


# ---------------------------------------------------------------------------
# A clean copy of the book, processes, servers


def make_copy(parent: Path, name: str = "book", items: Sequence[str] = COPIED) -> Path:
    """A copy of the book's sources in `parent/name` (no generated/, no site/, no caches), node_modules symlinked.

    `items`: what to copy from the repository (the tests' copies take generated/ as well)."""
    root = parent / name
    root.mkdir(parents=True)
    for item in items:
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, root / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, root / item)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def build_env(root: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of `make build` in the copy at `root`: as the caller's, but Python writes bytecode as it does
    on a writer's machine, and imports the copy's own `book` and `backprop` (scripts/ on PYTHONPATH): the editable
    install would otherwise import the working tree's, which then generates and reads the working tree's files."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if root is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "scripts"), env.get("PYTHONPATH")]))
    return {**env, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0", **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real host would

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serves `directory` on 127.0.0.1 (no compression, like python -m http.server). Yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with serving(server) as url:
        yield url


@contextlib.contextmanager
def serving(server: http.server.HTTPServer, prefix: str = "/") -> Iterator[str]:
    """Runs `server` (bound to 127.0.0.1) in a daemon thread; yields its base URL, ending in `prefix`; then shuts it down."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(viewport=(1280, 900)) -> Iterator[object]:
    """A headless Debian Chromium with a fresh profile (Playwright's own browsers are never installed)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()


def log(msg: str) -> None:
    """Progress goes to stderr so stdout carries only the figures."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
