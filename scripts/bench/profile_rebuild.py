"""Profile one `mkdocs serve`-style rebuild after a prose edit, in-process, with cProfile.

Usage (from a copy of the book): python profile_rebuild.py ROOT PAGE.md [TOP]
Builds once (warming the KaTeX cache as `mkdocs serve` does), appends a sentence to PAGE.md,
and profiles the second build. Prints the top functions by cumulative and by own time.
Run by build.py when the save-to-reload target is missed; usable by hand as well.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    root, page = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    os.chdir(root)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = tempfile.mkdtemp(prefix="bench-profile-site-")

    def config():
        return load_config(config_file=str(root / "mkdocs.yml"), site_dir=site)

    first = config()
    first.plugins.on_startup(command="serve", dirty=False)
    build(first)
    with (root / page).open("a", encoding="utf-8") as f:
        f.write("\n\nA sentence added by the profiler.\n")
    cfg = config()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(build, cfg)
    wall = time.perf_counter() - t0
    cfg.plugins.on_shutdown()
    for key, n in (("cumulative", top), ("tottime", 15)):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(n)
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip() and "Ordered by" not in ln and "List reduced" not in ln]
        print(f"--- rebuild after a prose edit, {wall:.2f} s wall under cProfile; top by {key} ---")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
