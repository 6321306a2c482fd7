"""What an interactive piece costs the reader: the shape explorer, the exercises' answer fields and
the 2-3-2 chapter's backprop stepper.

The site is built from a clean temporary copy. For each page, two variants are loaded side by
side in headless Chromium with a cold cache: the page as built, and "without the piece".
Per load: first contentful paint, cumulative layout shift (until the piece has drawn itself and
one more second has passed), and the bytes of JavaScript and CSS the piece adds (gzip -6 of each
body, as a compressing host would send it).

Shape explorer: its own page, and the Mini-batches chapter with the explorer embedded as the
report of the explorer's branch proposes (the snippet is inserted before "Columns and rows").
Without it: the widget loader's <script> removed and the widget element left as plain HTML (its
static fallback).

Answer fields: the chapter with the most fields, opened at the top and at the heading of its
first field's section (the field in view as the page loads, where a shift would count), on a
desktop and a 375 px phone. Without them: every field taken out of the HTML and the loader
removed. A field's layout rules sit in assets/book.css (so its place is kept before the script
runs); their gzip share of book.css is counted with the fields' bytes, although every page loads
book.css anyway.

Backprop stepper: the 2-3-2 chapter opened at the top and at the stepper's graph (the steps in
view as the page loads, where hiding all but one would shift what follows), on a desktop and a
375 px phone. Without it: the stepper's element made inert (its list of steps
stays, as without JavaScript); the loader stays, because the chapter's answer fields use it. Only
stepper.js and stepper.css are counted.
"""

from __future__ import annotations

import dataclasses
import gzip
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import PYTHON, SectionResult, build_env, chromium, log, make_copy, median, ms, paired_ratios, spread, static_server

ADDED_TARGET = 20 * 1000  # bytes, gzip: JavaScript and CSS a piece adds to a page
CLS_TARGET = 0.05
SHIFTS = """
window.__cls = 0;
new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
  .observe({type: 'layout-shift', buffered: true});
"""
EXPLORER_DRAWN = "!document.querySelector('[data-bp-widget]') || (window.bpExplorer && window.bpExplorer.ready === true)"
ANSWERS_DRAWN = "[...document.querySelectorAll('.bp-answer')].every(e => e.hasAttribute('data-bp-ready') && !e.hidden)"
LOADER = re.compile(r'<script src="[^"]*assets/widgets/loader\.js"></script>\s*')
EMBED = ('<div class="bp-widget" data-bp-widget="explorer" data-widths="3-5-2" data-m="4" data-convention="pytorch">\n'
         '<p>The shape explorer needs JavaScript; its <a href="../shape-explorer/">own page</a> shows a static version.</p>\n'
         '</div>\n')
FIELD = re.compile(r'<p><span class="bp-answer[^"]*".*?</output></span></p>\n?', re.S)
STEPPER_DRAWN = ("!document.querySelector('[data-bp-widget=stepper]') || "
                 "!!document.querySelector('[data-bp-widget=stepper] .bp-stepper-bar')")
STEPPER = 'data-bp-widget="stepper"'
ANSWER_RULES = re.compile(r"/\* Self-checking answer fields.*?\.bp-vh \{[^}]*\}\n", re.S)


@dataclasses.dataclass
class Variant:
    title: str
    page: Path  # the built index.html the variants are written next to
    with_html: str
    without_html: str
    drawn: str
    files: str  # what the piece's bytes are made of, for the report
    anchor: str = ""  # "#id": open the page there
    width: int = 1280
    static_bytes: int = 0  # gzip bytes every load carries in a shared file (book.css rules), added to the measured ones
    counted: str = "/assets/widgets/"  # the requests whose bytes are the piece's (URL contains this)


def without_piece(page_html: str) -> str:
    """The same page with no widget: the loader gone, the widget element inert (its fallback stays)."""
    out, n = LOADER.subn("", page_html)
    if n != 1:
        raise RuntimeError(f"expected one loader script, found {n}")
    return out.replace("data-bp-widget=", "data-bench-inert=")


def without_fields(page_html: str) -> str:
    """The same page with no answer field at all (and no loader: the page has no other piece)."""
    out, n = FIELD.subn("", page_html)
    if n == 0 or "data-bp-widget" in out:
        raise RuntimeError(f"expected answer fields and no other widget, found {n} fields")
    return without_piece(out)


def embedded(page_html: str, before_id: str) -> str:
    """A chapter with the explorer embedded before the heading `before_id`."""
    heading = re.search(rf'<h2 id="{re.escape(before_id)}"', page_html)
    if heading is None:
        raise RuntimeError(f"no heading #{before_id}")
    return page_html[:heading.start()] + EMBED + page_html[heading.start():]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def answer_variants(site: Path) -> list[Variant]:
    """The chapter with the most answer fields: at the top and at its first field, desktop and phone."""
    counts = {p: len(FIELD.findall(p.read_text(encoding="utf-8"))) for p in site.rglob("index.html")}
    page = max(sorted(counts), key=lambda p: counts[p])
    html = page.read_text(encoding="utf-8")
    first = FIELD.search(html)
    section = [m[1] for m in re.finditer(r'<h[23] id="([^"]+)"', html[:first.start()])][-1]
    css = (site / "assets" / "book.css").read_bytes()
    rules = gz(css) - gz(ANSWER_RULES.sub("", css.decode("utf-8"), count=1).encode("utf-8"))
    name = f"{page.parent.name} ({counts[page]} field{'s' if counts[page] != 1 else ''})"
    files = "answer.js, answer.css, loader.js (on every page already), the fields' rules in book.css"
    common = dict(page=page, with_html=html, without_html=without_fields(html), drawn=ANSWERS_DRAWN, files=files, static_bytes=rules)
    return [Variant(f"Answer fields, {name}, top", **common),
            Variant(f"Answer fields, {name}, at #{section}", anchor=f"#{section}", **common),
            Variant(f"Answer fields, {name}, at #{section}, 375 px", anchor=f"#{section}", width=375, **common)]


def explorer_variants(site: Path) -> list[Variant]:
    own = site / "shape-explorer" / "index.html"
    chapter = site / "minibatches" / "index.html"
    own_html = own.read_text(encoding="utf-8")
    chapter_html = embedded(chapter.read_text(encoding="utf-8"), "columns-and-rows")
    files = "loader.js, explorer.js, explorer.css"
    return [Variant("Shape explorer page", own, own_html, without_piece(own_html), EXPLORER_DRAWN, files),
            Variant("Mini-batches, explorer embedded", chapter, chapter_html, without_piece(chapter_html), EXPLORER_DRAWN, files)]


def stepper_variants(site: Path) -> list[Variant]:
    """The 2-3-2 chapter with and without its stepper: at the top, and at the stepper's section (desktop, phone)."""
    page = site / "net232" / "index.html"
    html = page.read_text(encoding="utf-8")
    if html.count(STEPPER) != 1:
        raise RuntimeError(f"expected one stepper in {page}, found {html.count(STEPPER)}")
    graph = re.search(r'<svg [^>]*id="([^"]+)"', html[html.index(STEPPER):])  # open at the stepper's own graph
    if graph is None:
        raise RuntimeError("the stepper holds no figure")
    at = graph[1]
    common = dict(page=page, with_html=html, without_html=html.replace(STEPPER, 'data-bench-inert="stepper"'),
                  drawn=STEPPER_DRAWN, files="stepper.js, stepper.css", counted="/assets/widgets/stepper.")
    return [Variant("Backprop stepper, net232, top", **common),
            Variant(f"Backprop stepper, net232, at #{at}", anchor=f"#{at}", **common),
            Variant(f"Backprop stepper, net232, at #{at}, 375 px", anchor=f"#{at}", width=375, **common)]


def run(quick: bool = False, pieces: tuple[str, ...] = ("explorer", "answers", "stepper"), reps: int | None = None) -> SectionResult:
    """`pieces` and `reps` let one piece be measured alone, with more loads on a busy machine."""
    res = SectionResult("widgets", "Widgets: what the shape explorer, the answer fields and the stepper cost a page")
    reps = reps or (2 if quick else 5)
    settle = 1000
    tmp = Path(tempfile.mkdtemp(prefix="bench-widgets-"))
    try:
        root = make_copy(tmp)
        site = tmp / "site"
        log("widgets: building the site")  # with the copy's own book package, so it generates into the copy
        proc = subprocess.run([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=root,
                              capture_output=True, text=True, env=build_env(root), timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        makers: dict[str, Callable[[Path], list[Variant]]] = {"explorer": explorer_variants, "answers": answer_variants,
                                                              "stepper": stepper_variants}
        variants = [v for piece in pieces for v in makers[piece](site)]
        for i, v in enumerate(variants):
            (v.page.parent / f"bench-{i}-with.html").write_text(v.with_html, encoding="utf-8")
            (v.page.parent / f"bench-{i}-without.html").write_text(v.without_html, encoding="utf-8")
        runs: dict[tuple[int, str], list[dict]] = {}
        with static_server(site) as base, chromium() as context:
            for i, v in enumerate(variants):
                rel = v.page.parent.relative_to(site).as_posix()
                urls = {k: f"{base}{rel}/bench-{i}-{k}.html{v.anchor}" for k in ("with", "without")}
                for k, url in urls.items():
                    log(f"widgets: warm-up {v.title}, {k}")
                    load(context, url, settle, v)
                for r in range(reps):
                    for k in ("with", "without") if r % 2 == 0 else ("without", "with"):
                        log(f"widgets: load {r + 1}/{reps} {v.title}, {k}")
                        runs.setdefault((i, k), []).append(load(context, urls[k], settle, v))
        for i, v in enumerate(variants):
            report(res, v, runs[(i, "with")], runs[(i, "without")])
        res.notes.append(f"Cold cache, {reps} interleaved loads per variant after one warm-up each; viewport 1280×900 unless "
                         "375 px is named; served by http.server on 127.0.0.1 (no gzip); CLS counted until one second after "
                         "the piece drew. A page opened at a heading shifts by itself as its fonts arrive, with or without "
                         "the piece; the target is on what the piece adds.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def load(context, url: str, settle: int, v: Variant) -> dict:
    """One cold load: first contentful paint, layout shift until `settle` ms after the piece drew, its bytes (gzip)."""
    page = context.new_page()
    page.set_viewport_size({"width": v.width, "height": 900})
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.add_init_script(SHIFTS)
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function(v.drawn, timeout=30_000)
        page.wait_for_load_state("networkidle", timeout=15_000)
        page.wait_for_timeout(settle)
        facts = page.evaluate("() => ({fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime, cls: window.__cls})")
        facts["widgets"] = sum(gz(r.response().body()) for r in finished
                               if v.counted in r.url and r.response() is not None)
        return facts
    finally:
        page.close()


def report(res: SectionResult, v: Variant, with_: list[dict], without: list[dict]) -> None:
    added = median([r["widgets"] for r in with_]) + v.static_bytes
    detail = v.files + (f" ({v.static_bytes / 1000:.2f} kB of it in book.css)" if v.static_bytes else "")
    res.add(f"{v.title}: JS and CSS the piece adds", f"{added / 1000:.1f} kB gzip", detail,
            f"≤ {ADDED_TARGET / 1000:.0f} kB", added <= ADDED_TARGET)
    fcp_w, fcp_o = median([r["fcp"] for r in with_]), median([r["fcp"] for r in without])
    ratios = paired_ratios([r["fcp"] for r in with_], [r["fcp"] for r in without])
    res.add(f"{v.title}: first contentful paint", ms(fcp_w / 1000), f"without the piece {ms(fcp_o / 1000)}; "
            f"with/without {median(ratios):.2f} (range {spread(ratios)})", "no worse (ratio ≤ 1.1)", median(ratios) <= 1.1)
    # The page's own shift (KaTeX fonts arriving, say) is not the piece's: the target is on what the piece adds.
    cls_w, cls_o = median([r["cls"] for r in with_]), median([r["cls"] for r in without])
    res.add(f"{v.title}: cumulative layout shift", f"{cls_w:.3f}",
            f"max {max(r['cls'] for r in with_):.3f}; without the piece {cls_o:.3f}, so the piece adds {max(cls_w - cls_o, 0):.3f}",
            f"≤ {CLS_TARGET} added, no worse than without", cls_w <= cls_o + 0.001)
