"""Where one `mkdocs serve`-style rebuild after a prose edit spends its time.

Usage (from anywhere): python profile_rebuild.py ROOT PAGE.md [TOP]

Builds once in-process (warming the KaTeX cache as `mkdocs serve` does), appends a sentence
to PAGE.md, and rebuilds with a fresh config, as the server does. Prints
1. wall time per plugin/hook event handler and per MkDocs build stage (no profiler overhead), and
2. cProfile of a second such rebuild, top functions by cumulative time.
Run by build.py when the save-to-reload target is missed; usable by hand as well.
"""

from __future__ import annotations

import collections
import cProfile
import functools
import io
import os
import pstats
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


def _label(method) -> str:
    owner = getattr(method, "__self__", None)
    if owner is not None:
        return f"{type(owner).__module__}.{type(owner).__name__}.{method.__name__}"
    return f"{getattr(method, '__module__', '?')}.{getattr(method, '__qualname__', repr(method))}"


def main() -> int:
    root, page = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    os.chdir(root)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands import build as build_module
    from mkdocs.config import load_config

    with tempfile.TemporaryDirectory(prefix="bench-profile-site-") as site:
        return profile(root, page, top, build_module, load_config, site)


def profile(root: Path, page: Path, top: int, build_module, load_config, site: str) -> int:
    spent: dict[str, float] = collections.defaultdict(float)
    calls: dict[str, int] = collections.defaultdict(int)

    def timed(fn, label):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
                calls[label] += 1
        return wrapper

    for stage in ("_populate_page", "_build_page", "_build_theme_template", "_build_extra_template"):
        if hasattr(build_module, stage):
            setattr(build_module, stage, timed(getattr(build_module, stage), f"mkdocs build stage {stage}"))

    def config(instrument: bool):
        cfg = load_config(config_file=str(root / "mkdocs.yml"), site_dir=site)
        if instrument:
            for event, methods in cfg.plugins.events.items():
                cfg.plugins.events[event] = [timed(m, f"{_label(m)}") for m in methods]
        return cfg

    first = config(False)
    first.plugins.on_startup(command="serve", dirty=False)
    build_module.build(first)

    original = (root / page).read_text(encoding="utf-8")  # put back at the end: the root may be a working tree

    def edit(n: int) -> None:
        with (root / page).open("a", encoding="utf-8") as f:
            f.write(f"\n\nA sentence added by the profiler ({n}).\n")

    try:
        return _profile_edits(root, page, top, build_module, config, edit, spent, calls)
    finally:
        (root / page).write_text(original, encoding="utf-8")


def _profile_edits(root, page, top, build_module, config, edit, spent, calls) -> int:
    """Two rebuilds after prose edits: per-handler wall times, then cProfile."""
    edit(1)
    spent.clear()
    calls.clear()
    cfg = config(True)
    t0 = time.perf_counter()
    build_module.build(cfg)
    wall = time.perf_counter() - t0
    print(f"--- rebuild after a prose edit: {wall:.2f} s wall; time inside each handler and stage (nested times overlap) ---")
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        if s >= 0.01:
            print(f"  {s:6.2f} s  {calls[label]:4d} call(s)  {label}")

    edit(2)
    cfg = config(False)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(build_module.build, cfg)
    wall = time.perf_counter() - t0
    cfg.plugins.on_shutdown()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    prefixes = sorted({sysconfig.get_paths()["purelib"] + "/", str(Path(os.__file__).parent) + "/", str(root) + "/",
                       str(Path(__file__).parent) + "/"}, key=len, reverse=True)
    lines = [functools.reduce(lambda text, pre: text.replace(pre, ""), prefixes, ln)
             for ln in out.getvalue().splitlines() if ln.strip() and "Ordered by" not in ln and "List reduced" not in ln]
    print(f"--- the same rebuild under cProfile ({wall:.2f} s wall with the profiler), top {top} by cumulative time ---")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
