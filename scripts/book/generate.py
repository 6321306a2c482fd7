"""Generate and check every artifact: `python -m book.generate [--force] [--jobs N] [--timeout S] [NS ...]`.

The book's Markdown extension runs this (in a subprocess) before a page needs an artifact
that is missing or stale, whatever engine builds the site; `make generate` runs it by hand.
Exit status: 0 when everything is generated and checked, 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.dont_write_bytecode = True  # __pycache__ under the watched scripts/ would retrigger `serve`

from book import katex  # noqa: E402
from book.artifacts import DOCS  # noqa: E402
from book.engine import generate, report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("namespaces", nargs="*", help="only these generators (file stems)")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per generator (default: $BOOK_GENERATOR_TIMEOUT or 60)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        katex.copy_assets(DOCS)
    except katex.TexError as e:
        print(e.reason, file=sys.stderr)
        return 1
    summary = generate(force=args.force, only=args.namespaces or None, jobs=args.jobs, timeout=args.timeout)
    if summary.failures:
        n = len(summary.failures)
        print(f"\nThe build-time checks failed ({n} problem{'s' if n != 1 else ''}):\n", file=sys.stderr)
        print(report(summary.failures), file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"artifacts: {len(summary.regenerated)} generator(s) run {sorted(summary.regenerated)}, "
              f"{len(summary.fresh)} up to date, {summary.written} file(s) written to generated/ in {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
