"""What an interactive widget costs the reader: the shape explorer, on its own page and embedded in a chapter.

The site is built from a clean temporary copy. For each page, two variants are loaded side by
side in headless Chromium with a cold cache: the page as built, and "without the piece", the same
HTML with the widget loader's <script> removed and the widget element left as plain HTML (its
static fallback). Per load: first contentful paint, cumulative layout shift (until the widget has
drawn itself and one more second has passed), and the bytes of JavaScript and CSS the widget adds
(gzip -6 of each body, as a compressing host would send it).

Pages: the explorer's own page, and the Mini-batches chapter with the explorer embedded as the
report of the explorer's branch proposes (the snippet is inserted before "Columns and rows"), so
the figures hold before the lead places it.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import PYTHON, SectionResult, build_env, chromium, log, make_copy, median, ms, paired_ratios, spread, static_server

ADDED_TARGET = 20 * 1000  # bytes, gzip: JavaScript and CSS a widget adds to a page
CLS_TARGET = 0.05
SHIFTS = """
window.__cls = 0;
new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
  .observe({type: 'layout-shift', buffered: true});
"""
DRAWN = "!document.querySelector('[data-bp-widget]') || (window.bpExplorer && window.bpExplorer.ready === true)"
LOADER = re.compile(r'<script src="[^"]*assets/widgets/loader\.js"></script>\s*')
EMBED = ('<div class="bp-widget" data-bp-widget="explorer" data-widths="3-5-2" data-m="4" data-convention="pytorch">\n'
         '<p>The shape explorer needs JavaScript; its <a href="../shape-explorer/">own page</a> shows a static version.</p>\n'
         '</div>\n')


def without_piece(page_html: str) -> str:
    """The same page with no widget: the loader gone, the widget element inert (its fallback stays)."""
    out, n = LOADER.subn("", page_html)
    if n != 1:
        raise RuntimeError(f"expected one loader script, found {n}")
    return out.replace("data-bp-widget=", "data-bench-inert=")


def embedded(page_html: str, before_id: str) -> str:
    """A chapter with the explorer embedded before the heading `before_id`."""
    heading = re.search(rf'<h2 id="{re.escape(before_id)}"', page_html)
    if heading is None:
        raise RuntimeError(f"no heading #{before_id}")
    return page_html[:heading.start()] + EMBED + page_html[heading.start():]


def run(quick: bool = False) -> SectionResult:
    res = SectionResult("widgets", "Widgets: what the shape explorer costs a page")
    reps = 2 if quick else 5
    settle = 1000
    tmp = Path(tempfile.mkdtemp(prefix="bench-widgets-"))
    try:
        root = make_copy(tmp)
        site = tmp / "site"
        log("widgets: building the site")
        proc = subprocess.run([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=root,
                              capture_output=True, text=True, env=build_env(), timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        own = site / "shape-explorer" / "index.html"
        chapter = site / "minibatches" / "index.html"
        pages = {
            "Shape explorer page": (own, own.read_text(encoding="utf-8")),
            "Mini-batches, explorer embedded": (chapter, embedded(chapter.read_text(encoding="utf-8"), "columns-and-rows")),
        }
        for path, html in pages.values():
            (path.parent / "bench-with.html").write_text(html, encoding="utf-8")
            (path.parent / "bench-without.html").write_text(without_piece(html), encoding="utf-8")
        runs: dict[tuple[str, str], list[dict]] = {}
        with static_server(site) as base, chromium() as context:
            for title, (path, _) in pages.items():
                rel = path.parent.relative_to(site).as_posix()
                urls = {v: f"{base}{rel}/bench-{v}.html" for v in ("with", "without")}
                for v, url in urls.items():
                    log(f"widgets: warm-up {title}, {v}")
                    load(context, url, settle)
                for r in range(reps):
                    for v in ("with", "without") if r % 2 == 0 else ("without", "with"):
                        log(f"widgets: load {r + 1}/{reps} {title}, {v}")
                        runs.setdefault((title, v), []).append(load(context, url=urls[v], settle=settle))
        for title in pages:
            report(res, title, runs[(title, "with")], runs[(title, "without")])
        res.notes.append(f"Viewport 1280×900, cold cache, {reps} interleaved loads per variant after one warm-up each; "
                         "served by http.server on 127.0.0.1 (no gzip); CLS counted until one second after the widget drew.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def load(context, url: str, settle: int) -> dict:
    """One cold load: first contentful paint, layout shift until `settle` ms after the widget drew, widget bytes (gzip)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.add_init_script(SHIFTS)
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function(DRAWN, timeout=30_000)
        page.wait_for_load_state("networkidle", timeout=15_000)
        page.wait_for_timeout(settle)
        facts = page.evaluate("() => ({fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime, cls: window.__cls})")
        facts["widgets"] = sum(len(gzip.compress(r.response().body(), 6)) for r in finished
                               if "/assets/widgets/" in r.url and r.response() is not None)
        return facts
    finally:
        page.close()


def report(res: SectionResult, title: str, with_: list[dict], without: list[dict]) -> None:
    added = median([r["widgets"] for r in with_])
    res.add(f"{title}: JS and CSS the widget adds", f"{added / 1000:.1f} kB gzip", "loader.js, explorer.js, explorer.css",
            f"≤ {ADDED_TARGET / 1000:.0f} kB", added <= ADDED_TARGET)
    fcp_w, fcp_o = median([r["fcp"] for r in with_]), median([r["fcp"] for r in without])
    ratios = paired_ratios([r["fcp"] for r in with_], [r["fcp"] for r in without])
    res.add(f"{title}: first contentful paint", ms(fcp_w / 1000), f"without the piece {ms(fcp_o / 1000)}; "
            f"with/without {median(ratios):.2f} (range {spread(ratios)})", "no worse (ratio ≤ 1.1)", median(ratios) <= 1.1)
    # The page's own shift (KaTeX fonts arriving, say) is not the widget's: the target is on what the piece adds.
    cls_w, cls_o = median([r["cls"] for r in with_]), median([r["cls"] for r in without])
    res.add(f"{title}: cumulative layout shift", f"{cls_w:.3f}",
            f"max {max(r['cls'] for r in with_):.3f}; without the piece {cls_o:.3f}, so the piece adds {max(cls_w - cls_o, 0):.3f}",
            f"≤ {CLS_TARGET} added, no worse than without", cls_w <= cls_o + 0.001)
