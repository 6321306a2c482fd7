"""Layout shift on every page, at a desktop and a phone width, with a cold cache.

The site is built from a clean temporary copy and served as GitHub Pages serves it (gzip,
scripts/bench/ghpages.py); fonts are the site's own files. Each page is loaded in a fresh
headless Chromium page with the HTTP cache disabled, at 1280×900 and at 375×812, and the
cumulative layout shift (the sum of layout-shift entries without recent input, as the
Layout Instability API reports them; Lighthouse's CLS takes the largest 5-second session
window, never more than this sum) is read after the load event, the network going idle and
one more second. The worst shifts are attributed to their elements (selector and how far they
moved), which is what a fix starts from.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from common import PYTHON, SectionResult, build_env, chromium, log, make_copy, median
from ghpages import serve, site_prefix

CLS_TARGET = 0.05
VIEWPORTS = {"desktop": (1280, 900), "phone": (375, 812)}

INIT = r"""
(() => {
  const b = window.__cls = {sum: 0, entries: []};
  const name = (n) => {
    if (!n || !n.tagName) return String(n && n.nodeName);
    let s = n.tagName.toLowerCase();
    if (n.id) s += '#' + n.id;
    if (n.classList && n.classList.length) s += '.' + [...n.classList].slice(0, 2).join('.');
    return s;
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        b.sum += e.value;
        b.entries.push({t: Math.round(e.startTime), v: e.value, sources: (e.sources || []).slice(0, 3).map(s => ({
          node: name(s.node), parent: s.node && s.node.parentElement ? name(s.node.parentElement) : '',
          text: s.node ? (s.node.textContent || '').slice(0, 50) : '', y: Math.round(s.currentRect.y),
          dy: Math.round(s.currentRect.y - s.previousRect.y), dh: Math.round(s.currentRect.height - s.previousRect.height),
          dx: Math.round(s.currentRect.x - s.previousRect.x), dw: Math.round(s.currentRect.width - s.previousRect.width)}))});
      }
    }).observe({type: 'layout-shift', buffered: true});
  } catch (e) {}
  b.fonts = [];
  try { document.fonts.addEventListener('loadingdone', (ev) => {
    for (const f of ev.fontfaces) b.fonts.push(f.family + ' ' + f.weight + ' ' + f.style + ' @' + Math.round(performance.now()));
  }); } catch (e) {}
})();
"""


def page_paths(site: Path) -> list[str]:
    """Every page MkDocs wrote (directory URLs), as tests/site_fixtures.py lists them."""
    out = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search")):
            continue
        out.append("" if rel == "." else rel + "/")
    return out


def build_site(root: Path, site: Path) -> None:
    proc = subprocess.run([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=root,
                          capture_output=True, text=True, env=build_env(root), timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])


def site_or_build(site: Path | None, tmp: Path, section: str) -> Path:
    """`site` if one was given, else the book built (strict) from a clean copy in tmp: the site a page section loads."""
    if site is None:
        root = make_copy(tmp)
        site = tmp / "site"
        log(f"{section}: building the site")
        build_site(root, site)
    return site


def measure(context, url: str, viewport: tuple[int, int], settle_ms: int = 1000) -> dict:
    page = context.new_page()
    try:
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.add_init_script(INIT)
        page.goto(url, wait_until="load", timeout=180_000)
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:  # noqa: BLE001 - measure what there is
            pass
        page.wait_for_timeout(settle_ms)
        return page.evaluate("() => window.__cls")
    finally:
        page.close()


def cls_table(site: Path, reps: int, settle_ms: int = 1000) -> dict[tuple[str, str], list[dict]]:
    """{(path, viewport name): [one result per load]} for every page of a built site."""
    paths = page_paths(site)
    prefix = site_prefix(Path(__file__).resolve().parents[2] / "mkdocs.yml")
    out: dict[tuple[str, str], list[dict]] = {}
    with serve(site, prefix) as base, chromium() as context:
        for r in range(reps):
            for path in paths if r % 2 == 0 else list(reversed(paths)):
                for vp, size in VIEWPORTS.items():
                    out.setdefault((path, vp), []).append(measure(context, base + path, size, settle_ms))
    return out


def describe(entries: list[dict], n: int = 2) -> str:
    worst = sorted(entries, key=lambda e: -e["v"])[:n]
    parts = []
    for e in worst:
        srcs = "; ".join(f"{s['node']} in {s['parent']} dy {s['dy']} dh {s['dh']}" for s in e["sources"])
        parts.append(f"{e['v']:.3f} at {e['t']} ms ({srcs})")
    return " / ".join(parts)


def run(quick: bool = False, site: Path | None = None) -> SectionResult:
    res = SectionResult("layout", "Layout shift: every page, desktop and phone")
    reps = 1 if quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-layout-"))
    try:
        site = site_or_build(site, tmp, "layout")
        log("layout: loading every page")
        table = cls_table(site, reps)
        worst_all = 0.0
        for (path, vp), runs in sorted(table.items()):
            values = [r["sum"] for r in runs]
            value = median(values)
            worst_all = max(worst_all, max(values))
            entries = [e for r in runs for e in r["entries"]]
            res.add(f"/{path} {vp}", f"{value:.3f}", f"max {max(values):.3f}; " + (describe(entries) if entries else "no shift"),
                    f"≤ {CLS_TARGET}", max(values) <= CLS_TARGET)
        res.notes.append(
            f"Cumulative layout shift (sum of layout-shift entries without recent input) per page; {reps} cold loads each "
            f"at {' and '.join(f'{w}×{h}' for w, h in VIEWPORTS.values())}, served with gzip as GitHub Pages serves; "
            "value = median, pass = every load within the target. Worst shifts: value, time, the moved element, its parent, "
            "how far it moved (dy) and grew (dh) in CSS px."
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
