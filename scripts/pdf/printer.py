"""Print the whole-book document to PDF with headless Chromium (Python Playwright).

The document is served from memory at http://book.invalid/print/ and every other URL under
that origin from the built site, through Playwright's request routing: no server, no
network. A request for anything else, or for a file the site lacks, fails the build.

Before printing, formulas, tables and figures wider than the column are scaled to fit (on
paper nothing can scroll). The table of contents gets its page numbers in two passes: the
first print tells on which page each heading landed (Chromium writes a named destination
for every link target), the numbers are filled in, and the book is printed again; the
numbers take no more room than the empty slots, so no page moves, and the second print
is checked to agree with the first.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader

from .assemble import PRINT_DIR, Document

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ORIGIN = "http://book.invalid/"
# Page geometry, in one place: A4 with these margins (top, right, bottom, left), in millimetres.
PAGE_MM = (210.0, 297.0)
MARGIN_MM = (18.0, 20.0, 20.0, 20.0)
# A table, code block, admonition or tab no taller than this part of a page moves to the next page
# whole rather than break; a taller one breaks where it must (moving it would leave a gap that large).
KEEP_FRACTION = 0.5
PX_PER_MM = 96 / 25.4

FIT_JS = Path(__file__).with_name("fit.js")


def geometry_css() -> str:
    top, right, bottom, left = MARGIN_MM
    width, height = PAGE_MM
    return (f"@page {{ size: {width}mm {height}mm; margin: {top}mm {right}mm {bottom}mm {left}mm; }}\n"
            f":root {{ --bp-page-content-height: {height - top - bottom}mm; }}")


def content_width_px() -> int:
    return int((PAGE_MM[0] - MARGIN_MM[1] - MARGIN_MM[3]) * PX_PER_MM)


def content_height_px() -> float:
    return (PAGE_MM[1] - MARGIN_MM[0] - MARGIN_MM[2]) * PX_PER_MM


@dataclass
class PrintReport:
    seconds: dict[str, float] = field(default_factory=dict)
    scaled: list[dict] = field(default_factory=list)      # what fit.js shrank, and by how much
    overflow: list[dict] = field(default_factory=list)    # what is still wider than the column
    kept: int = 0                                         # blocks short enough to move whole
    passes: int = 0


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Named destination -> page number (1-based) in a PDF that Chromium wrote."""
    reader = PdfReader(io.BytesIO(pdf))
    out = {}
    for name, dest in reader.named_destinations.items():
        page = reader.get_destination_page_number(dest)
        if page is not None and page >= 0:
            out[name.lstrip("/")] = page + 1
    return out


def _log(msg: str) -> None:
    print(f"[pdf] {msg}", file=sys.stderr, flush=True)


def print_pdf(document: Document, site: Path, chromium: str = "/usr/bin/chromium", toc_page_numbers: bool = True,
              log=_log) -> tuple[bytes, PrintReport]:
    from playwright.sync_api import sync_playwright

    site = Path(site).resolve()
    report = PrintReport()
    problems: list[str] = []

    def route(r):
        url = r.request.url
        if url == ORIGIN + PRINT_DIR:
            r.fulfill(status=200, body=document.html, content_type="text/html; charset=utf-8")
            return
        if not url.startswith(ORIGIN):
            problems.append(f"a request outside the book: {url}")
            r.abort()
            return
        rel = unquote(urlsplit(url).path).lstrip("/")
        path = site / rel
        if ".." not in Path(rel).parts and path.is_file():
            r.fulfill(path=str(path))
        else:
            problems.append(f"not in the built site: {rel}")
            r.fulfill(status=404, body="")

    options = dict(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
    t0 = time.perf_counter()
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bp-pdf-profile-") as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": content_width_px(), "height": 1000}, color_scheme="light",
        )
        try:
            page = context.new_page()
            page.emulate_media(media="print", color_scheme="light")
            page.route("**/*", route)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(ORIGIN + PRINT_DIR, wait_until="load", timeout=180_000)
            page.add_style_tag(content=geometry_css())
            page.evaluate("() => document.fonts.ready.then(() => document.body.offsetHeight)")
            report.seconds["load"] = time.perf_counter() - t0
            fitted = page.evaluate(FIT_JS.read_text(encoding="utf-8"),
                                   {"pageHeight": content_height_px(), "keepFraction": KEEP_FRACTION})
            report.scaled, report.overflow, report.kept = fitted["scaled"], fitted["overflow"], fitted["kept"]
            page.evaluate("() => document.fonts.ready.then(() => document.body.offsetHeight)")
            if problems or errors:
                raise RuntimeError("printing the book: " + "; ".join(problems + errors))

            t = time.perf_counter()
            pdf = page.pdf(**options)
            report.passes = 1
            report.seconds["print 1"] = time.perf_counter() - t
            targets = document.toc_targets
            for _ in range(3 if toc_page_numbers else 0):
                pages = destination_pages(pdf)
                missing = [target for target in targets if target not in pages]
                if missing:
                    raise RuntimeError(f"no page found for contents entries {missing[:10]}")
                page.evaluate(
                    """(pages) => { for (const el of document.querySelectorAll('.bp-toc-page'))
                                      el.textContent = String(pages[el.dataset.target]); }""",
                    {target: pages[target] for target in targets},
                )
                t = time.perf_counter()
                pdf = page.pdf(**options)
                report.passes += 1
                report.seconds[f"print {report.passes}"] = time.perf_counter() - t
                again = destination_pages(pdf)
                if all(again.get(target) == pages[target] for target in targets):
                    break
                log(f"contents page numbers moved after pass {report.passes}; printing again")
            else:
                if toc_page_numbers:
                    raise RuntimeError("the contents' page numbers do not settle")
            if problems or errors:
                raise RuntimeError("printing the book: " + "; ".join(problems + errors))
        finally:
            context.close()
    report.seconds["total"] = time.perf_counter() - t0
    return pdf, report
