"""python -m pdf [SITE_DIR] [--out FILE]: the PDF edition from a built site (see __init__.py).

Run with scripts/ on the path, after any engine has built the site: `make pdf` does both.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from . import PDF_NAME
from .assemble import assemble
from .config import load
from .metadata import normalise
from .printer import print_pdf

REPO = Path(__file__).resolve().parents[2]


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH if set, else the last commit's time (as the build hook does), else None."""
    value = os.environ.get("SOURCE_DATE_EPOCH") or _git("log", "-1", "--format=%ct")
    return int(value) if value else None


def commit_label() -> str | None:
    commit = _git("rev-parse", "--short=12", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    return commit


def build(site: Path, out: Path, config_file: Path, chromium: str, html_out: Path | None = None,
          toc_page_numbers: bool = True, quiet: bool = False) -> dict:
    start = time.perf_counter()
    config = load(config_file)
    epoch = source_date_epoch()
    document = assemble(site, config, commit=commit_label(), epoch=epoch)
    assembled = time.perf_counter() - start
    if html_out:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(document.html, encoding="utf-8")
    pdf, report = print_pdf(document, site, chromium=chromium, toc_page_numbers=toc_page_numbers)
    pdf = normalise(pdf, epoch or 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    summary = {
        "pdf": str(out), "pages": pages, "bytes": len(pdf), "seconds": round(time.perf_counter() - start, 2),
        "assemble_seconds": round(assembled, 2), "print_seconds": {k: round(v, 2) for k, v in report.seconds.items()},
        "passes": report.passes, "scaled": report.scaled, "overflow": report.overflow,
    }
    if not quiet:
        print(f"PDF: {out} ({pages} pages, {len(pdf) / 1e6:.2f} MB) in {summary['seconds']} s "
              f"(assemble {assembled:.1f} s, Chromium {report.seconds.get('total', 0):.1f} s over {report.passes} pass(es)); "
              f"{len(report.scaled)} wide block(s) scaled to fit", file=sys.stderr)
        for item in report.overflow:
            print(f"PDF warning: still wider than the column in {item['chapter']}: {item['what']} {item['text']!r}", file=sys.stderr)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(REPO / "site"), help="the built site (default: site/)")
    parser.add_argument("--out", help=f"the PDF (default: SITE/{PDF_NAME})")
    parser.add_argument("--config", default=str(REPO / "mkdocs.yml"), help="mkdocs.yml with the nav")
    parser.add_argument("--html", help="also write the whole-book HTML here (it expects to sit at SITE/print/index.html)")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--no-toc-page-numbers", action="store_true", help="one print instead of two")
    args = parser.parse_args(argv)
    site = Path(args.site)
    try:
        build(site, Path(args.out) if args.out else site / PDF_NAME, Path(args.config), args.chromium,
              html_out=Path(args.html) if args.html else None, toc_page_numbers=not args.no_toc_page_numbers)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f"PDF build failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
