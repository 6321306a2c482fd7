"""Generate and check every artifact: `python scripts/book/generate.py [--force] [NS ...]`.

MkDocs runs this in a subprocess before each build (see hooks.py), so edits to the
generators are picked up by `mkdocs serve` without a restart. Any MkDocs-compatible
engine can build the same pages after running it once by hand.
Exit status: 0 when everything is generated and checked, 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # __pycache__ under the watched scripts/ would retrigger `mkdocs serve`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from book.artifacts import GENERATED, generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("namespaces", nargs="*", help="only these generators (file stems)")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    summary = generate(force=args.force, only=args.namespaces or None)
    if summary.failures:
        print(f"\nThe build-time checks failed ({len(summary.failures)} problem(s)):\n", file=sys.stderr)
        for failure in summary.failures:
            print(failure.report() + "\n", file=sys.stderr)
        return 1
    if not args.quiet:
        rel = GENERATED.relative_to(Path.cwd()) if GENERATED.is_relative_to(Path.cwd()) else GENERATED
        print(f"artifacts: {len(summary.regenerated)} generator(s) run {sorted(summary.regenerated)}, "
              f"{len(summary.fresh)} up to date, {summary.written} file(s) written to {rel}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
