"""What a reader's browser does with the heaviest chapter, against two client-side baselines.

The site is built from a clean temporary copy and served from 127.0.0.1 by Python's
http.server (no compression, no caching). The chapter with the most formulas is picked
automatically. Next to it, in the same folder (so every relative link still works), two
variants of the same page are written:

* katex-client: every rendered formula put back to its TeX (from KaTeX's own
  <annotation encoding="application/x-tex">), wrapped in \\( \\) or \\[ \\] as arithmatex
  writes it, plus KaTeX's auto-render from node_modules (the same KaTeX version and macros);
* mathjax: the same TeX, the KaTeX stylesheet removed, MathJax 3 tex-chtml from
  node_modules with Material's documented configuration (arithmatex elements only);
* ours+preload (a proposal, measured): our page with <link rel="preload" as="font"> for the
  KaTeX font files the page was seen to use, so they are fetched alongside the stylesheet;
* tex-only: the same TeX with no renderer and no KaTeX stylesheet: the floor, i.e. what
  the page costs without any math machinery (for bytes, and FCP of the bare page).

Each variant is loaded several times in headless Chromium, interleaved, with a cold cache.
Per load: first contentful paint, DOMContentLoaded and load, when the math is rendered
(ours: when the HTML is parsed; baselines: when the renderer reports it has finished) and
when its fonts are ready after that, cumulative layout shift, requests, and bytes (raw as
served, and gzip -6 of each body as a compressing host would send it).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import (
    PYTHON,
    REPO,
    SectionResult,
    build_env,
    chromium,
    log,
    make_copy,
    median,
    ms,
    paired_ratios,
    spread,
    static_server,
)

CLS_TARGET = 0.05
BYTES_TARGET = 1 / 3
KATEX_DIST = REPO / "node_modules" / "katex" / "dist"
MATHJAX_ES5 = REPO / "node_modules" / "mathjax" / "es5"
MACROS = REPO / "scripts" / "book" / "katex-macros.json"
VARIANTS = ("ours", "ours+preload", "katex-client", "mathjax", "tex-only")
PARSED_IS_RENDERED = ("ours", "ours+preload", "tex-only")

TAG = re.compile(r"<(?P<open>span|div)\b[^>]*>|</(?P<close>span|div)>")
MATH_START = re.compile(r'<(?P<tag>span|div) class="arithmatex">')
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(?P<tex>.*?)</annotation>', re.S)


# ---------------------------------------------------------------------------
# Variants of the page


def matching_close(page_html: str, tag: str, start: int) -> int | None:
    """End offset of the close tag that balances an open <tag> ending at `start`, or None."""
    depth = 1
    for t in TAG.finditer(page_html, start):
        if t["open"] == tag:
            depth += 1
        elif t["close"] == tag:
            depth -= 1
            if depth == 0:
                return t.end()
    return None


def unrender(page_html: str) -> tuple[str, int]:
    """Every KaTeX-rendered arithmatex element back to the TeX arithmatex wrote. Returns (html, count)."""
    out, pos, count = [], 0, 0
    for m in MATH_START.finditer(page_html):
        if m.start() < pos:
            continue  # nested inside one already replaced
        tag = m["tag"]
        end = matching_close(page_html, tag, m.end())
        if end is None:
            raise ValueError(f"unbalanced <{tag}> after offset {m.start()}")
        inner = page_html[m.end():end]
        ann = ANNOTATION.search(inner)
        if ann is None:
            continue  # not rendered: leave it
        tex = ann["tex"]  # still HTML-escaped, exactly as arithmatex would have written it
        if tag == "div":
            replacement = f'<div class="arithmatex">\\[\n{tex}\n\\]</div>'
        else:
            replacement = f'<span class="arithmatex">\\({tex}\\)</span>'
        out += [page_html[pos:m.start()], replacement]
        pos = end
        count += 1
    out.append(page_html[pos:])
    return "".join(out), count


def _macros() -> dict[str, str]:
    return json.loads(MACROS.read_text(encoding="utf-8"))


def katex_client_page(raw: str, rel: str) -> str:
    options = {
        "delimiters": [{"left": "\\[", "right": "\\]", "display": True}, {"left": "\\(", "right": "\\)", "display": False}],
        "macros": _macros(),
        "throwOnError": False,
        "output": "htmlAndMathml",
    }
    inject = (
        f'<script defer src="{rel}assets/bench/katex/katex.min.js"></script>\n'
        f'<script defer src="{rel}assets/bench/katex/auto-render.min.js" onload="__benchRender()"></script>\n'
        "<script>function __benchRender() { renderMathInElement(document.body, "
        + json.dumps(options)
        + "); if (window.__benchMathDone) window.__benchMathDone(); }</script>\n"
    )
    return raw.replace("</head>", inject + "</head>", 1)


def preload_page(page: str, font_files: list[str], rel: str) -> str:
    links = "".join(f'<link rel="preload" href="{rel}assets/katex/fonts/{name}" as="font" type="font/woff2" crossorigin>'
                    for name in font_files)
    return re.sub(r'(<link rel="stylesheet" href="[^"]*katex\.min\.css">)', lambda m: links + m[1], page, count=1)


def _mathjax_macros() -> dict[str, object]:
    out: dict[str, object] = {}
    for name, body in _macros().items():
        args = max((int(n) for n in re.findall(r"#(\d)", body)), default=0)
        out[name.lstrip("\\")] = [body, args] if args else body
    return out


def _without_katex_css(page: str) -> str:
    return re.sub(r'<link rel="stylesheet" href="[^"]*katex\.min\.css">\s*', "", page, count=1)


def tex_only_page(raw: str) -> str:
    return _without_katex_css(raw)


def mathjax_page(raw: str, rel: str) -> str:
    config = {
        "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True,
                "processEnvironments": True, "macros": _mathjax_macros()},
        "options": {"ignoreHtmlClass": ".*|", "processHtmlClass": "arithmatex"},
    }
    inject = (
        "<script>window.MathJax = " + json.dumps(config)[:-1]
        + ', "startup": {"pageReady": function () { return MathJax.startup.defaultPageReady()'
        ".then(function () { if (window.__benchMathDone) window.__benchMathDone(); }); }}};</script>\n"
        f'<script defer id="MathJax-script" src="{rel}assets/bench/mathjax/tex-chtml.js"></script>\n'
    )
    return _without_katex_css(raw).replace("</head>", inject + "</head>", 1)


# ---------------------------------------------------------------------------
# Measuring one load

INIT_SCRIPT = r"""
(() => {
  const b = window.__bench = {cls: 0, shifts: 0, rendered: null, frame: null, fontsReady: null};
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) { b.cls += e.value; b.shifts += 1; }
    }).observe({type: 'layout-shift', buffered: true});
  } catch (e) {}
  // Called when every formula is in the DOM: by the baselines' renderers when they finish,
  // for our page when the parser has finished (readyState 'interactive' = domInteractive).
  window.__benchMathDone = () => {
    if (b.rendered !== null) return;
    b.rendered = performance.now();
    requestAnimationFrame(() => setTimeout(() => { b.frame = performance.now(); }, 0));  // the frame that lays it out
    document.fonts.ready.then(() => { b.fontsReady = performance.now(); });
  };
  if (PARSED_IS_RENDERED) document.addEventListener('readystatechange', () => {
    if (document.readyState !== 'loading') window.__benchMathDone();
  });
})();
"""

COLLECT = r"""
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const fonts = performance.getEntriesByType('resource').filter(r => /\.(woff2?|ttf|otf)(\?|$)/.test(r.name));
  const raw = [...document.querySelectorAll('.arithmatex')].filter(e => /\\\(|\\\[/.test(e.textContent)).length;
  return {
    fcp: fcp ? fcp.startTime : null,
    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    rendered: window.__bench.rendered, frame: window.__bench.frame, fontsReady: window.__bench.fontsReady,
    cls: window.__bench.cls, shifts: window.__bench.shifts,
    fontsEnd: fonts.length ? Math.max(...fonts.map(f => f.responseEnd)) : 0, fonts: fonts.length,
    fontFiles: fonts.map(f => f.name.split('/').pop()),
    katex: document.querySelectorAll('.katex').length, katexErrors: document.querySelectorAll('.katex-error').length,
    mathjax: document.querySelectorAll('mjx-container').length, mathjaxErrors: document.querySelectorAll('mjx-merror').length,
    raw,
  };
}
"""


def load_once(context, url: str, parsed_is_rendered: bool, settle_ms: int) -> dict:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.add_init_script(INIT_SCRIPT.replace("PARSED_IS_RENDERED", "true" if parsed_is_rendered else "false"))
    finished = []
    failed = []
    page.on("requestfinished", lambda r: finished.append(r))
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.__bench && window.__bench.frame !== null", timeout=120_000, polling=50)
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:  # a long-lived request never goes idle: measure what there is
            pass
        page.wait_for_timeout(settle_ms)  # late layout shifts count too
        facts = page.evaluate(COLLECT)
        raw_bytes = gz_bytes = 0
        kinds: dict[str, int] = {}
        for req in finished:
            resp = req.response()
            if resp is None:
                continue
            try:
                body = resp.body()
            except Exception:
                body = b""
            sizes = req.sizes()
            n = sizes.get("responseBodySize") or len(body)
            raw_bytes += n
            gz_bytes += len(gzip.compress(body, 6)) if body else n
            kind = re.sub(r"^.*\.", "", req.url.split("?")[0].rsplit("/", 1)[-1]) if "." in req.url.rsplit("/", 1)[-1] else "html"
            kinds[kind] = kinds.get(kind, 0) + n
        facts.update(requests=len(finished), failed=len(failed), raw=facts["raw"], bytes=raw_bytes, gzip=gz_bytes, kinds=kinds)
        return facts
    finally:
        page.close()


# ---------------------------------------------------------------------------


def _balanced_total(page_html: str, opener: str, tag: str = "span") -> int:
    """Characters inside every element that starts with `opener` (to its matching close tag)."""
    total = 0
    for m in re.finditer(re.escape(opener), page_html):
        end = matching_close(page_html, tag, m.end())
        if end is not None:
            total += end - m.start()
    return total


def composition(page_html: str) -> str:
    data = page_html.encode("utf-8")
    mathml = _balanced_total(page_html, '<span class="katex-mathml">')
    khtml = _balanced_total(page_html, '<span class="katex-html"')
    svg = sum(len(x) for x in re.findall(r"<svg\b.*?</svg>", page_html, re.S))
    return (f"{kb(len(data))}: KaTeX HTML {kb(khtml)}, MathML {kb(mathml)}, inline SVG figures {kb(svg)}, "
            f"everything else {kb(len(page_html) - khtml - mathml - svg)} (characters)")


def heaviest_page(site: Path) -> tuple[Path, int]:
    best, most = None, -1
    for f in sorted(site.rglob("index.html")):
        rel = f.parent.relative_to(site).as_posix()
        if rel.startswith(("search", "assets", "404")):
            continue
        n = f.read_text(encoding="utf-8").count('class="katex"')
        if n > most:
            best, most = f, n
    if best is None:
        raise RuntimeError(f"no pages in {site}")
    return best, most


def kb(n: float) -> str:
    return f"{n / 1024:.0f} KiB"


def run(quick: bool = False) -> SectionResult:
    res = SectionResult("reader", "Reader: the heaviest chapter in headless Chromium")
    reps = 2 if quick else 5
    settle = 500 if quick else 1000
    tmp = Path(tempfile.mkdtemp(prefix="bench-reader-"))
    try:
        root = make_copy(tmp)
        site = tmp / "site"
        log("reader: building the site")
        proc = subprocess.run([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=root,
                              capture_output=True, text=True, env=build_env(), timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        page, n_math = heaviest_page(site)
        rel_dir = page.parent.relative_to(site).as_posix()
        rel = "../" * len(page.parent.relative_to(site).parts)
        ours_html = page.read_text(encoding="utf-8")
        raw_html, n_unrendered = unrender(ours_html)
        if n_unrendered == 0:
            raise RuntimeError(f"{rel_dir}: found no rendered math to put back to TeX")
        (site / "assets" / "bench" / "katex").mkdir(parents=True)
        for f in ("katex.min.js", "contrib/auto-render.min.js"):
            shutil.copy2(KATEX_DIST / f, site / "assets" / "bench" / "katex" / Path(f).name)
        have_mathjax = (MATHJAX_ES5 / "tex-chtml.js").exists()
        if have_mathjax:
            (site / "assets" / "bench" / "mathjax").symlink_to(MATHJAX_ES5, target_is_directory=True)
        (page.parent / "bench-katex-client.html").write_text(katex_client_page(raw_html, rel), encoding="utf-8")
        (page.parent / "bench-mathjax.html").write_text(mathjax_page(raw_html, rel), encoding="utf-8")
        (page.parent / "bench-tex-only.html").write_text(tex_only_page(raw_html), encoding="utf-8")
        variants = [v for v in VARIANTS if v != "mathjax" or have_mathjax]
        res.add("ours: page HTML", composition(ours_html))
        res.notes.append(
            f"Page: /{rel_dir}/ ({n_math} `.katex` elements, {n_unrendered} formulas; HTML {kb(len(ours_html.encode()))} "
            f"rendered, {kb(len(raw_html.encode()))} with TeX only). Viewport 1280×900, cold cache, "
            f"{reps} interleaved loads per variant after one warm-up each; served by http.server on 127.0.0.1 (no gzip)."
        )
        if not have_mathjax:
            res.notes.append("MathJax baseline skipped: node_modules/mathjax is missing (it is a devDependency; run npm ci).")
        runs: dict[str, list[dict]] = {v: [] for v in variants}
        with static_server(site) as base, chromium() as context:
            urls = {
                "ours": f"{base}{rel_dir}/",
                "katex-client": f"{base}{rel_dir}/bench-katex-client.html",
                "mathjax": f"{base}{rel_dir}/bench-mathjax.html",
                "tex-only": f"{base}{rel_dir}/bench-tex-only.html",
            }
            urls["ours+preload"] = f"{base}{rel_dir}/bench-ours-preload.html"
            for v in variants:
                log(f"reader: warm-up {v}")
                seen = load_once(context, urls[v], v in PARSED_IS_RENDERED, settle)
                if v == "ours":  # preload exactly the font files our page asked for
                    fonts = sorted(f for f in seen["fontFiles"] if f.startswith("KaTeX_"))
                    (page.parent / "bench-ours-preload.html").write_text(preload_page(ours_html, fonts, rel), encoding="utf-8")
                    res.notes.append(f"ours+preload preloads {len(fonts)} font file(s): {', '.join(fonts)}.")
            for r in range(reps):
                order = variants if r % 2 == 0 else list(reversed(variants))
                for v in order:
                    log(f"reader: load {r + 1}/{reps} {v}")
                    runs[v].append(load_once(context, urls[v], v in PARSED_IS_RENDERED, settle))
        _report(res, runs, variants)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def _med(runs: list[dict], key: str) -> float:
    return median([r[key] for r in runs if r.get(key) is not None])


def _laid_out(r: dict) -> float:
    """Every formula in the DOM and laid out (the next frame), and every font file it asked for loaded."""
    return max(r["frame"], r["fontsEnd"])


def _first_screen(r: dict, v: str) -> float:
    """When the formulas in the first viewport can be seen: painted, rendered, and their fonts loaded."""
    if v in PARSED_IS_RENDERED:
        return max(r["fcp"] or 0.0, r["fontsEnd"])
    return max(r["frame"], r["fontsEnd"])


def _report(res: SectionResult, runs: dict[str, list[dict]], variants: list[str]) -> None:
    for v in variants:
        rs = runs[v]
        first = rs[0]
        res.add(f"{v}: first contentful paint", ms(_med(rs, "fcp") / 1e3),
                f"range {spread([r['fcp'] for r in rs])} ms; last font file loaded at {ms(_med(rs, 'fontsEnd') / 1e3)} "
                f"({first['fonts']} font file(s))")
        if v == "tex-only":
            res.add(f"{v}: load event", ms(_med(rs, "load") / 1e3), f"range {spread([r['load'] for r in rs])} ms")
        else:
            laid = [_laid_out(r) for r in rs]
            when = "HTML parsed (domInteractive)" if v in PARSED_IS_RENDERED else "renderer finished"
            res.add(f"{v}: all math laid out", ms(median(laid) / 1e3),
                    f"= max(next frame {ms(_med(rs, 'frame') / 1e3)} after {when} at {ms(_med(rs, 'rendered') / 1e3)}; "
                    f"last font file {ms(_med(rs, 'fontsEnd') / 1e3)}); range {spread(laid)} ms; "
                    f"load event {ms(_med(rs, 'load') / 1e3)}")
            first_screen = [_first_screen(r, v) for r in rs]
            res.add(f"{v}: math in the first screen visible", ms(median(first_screen) / 1e3),
                    "= max(FCP, last font file)" if v in PARSED_IS_RENDERED else "= max(frame after rendering, last font file)")
            res.add(f"{v}: cumulative layout shift", f"{median([r['cls'] for r in rs]):.3f}",
                    f"max {max(r['cls'] for r in rs):.3f}; {median([r['shifts'] for r in rs]):.0f} shift(s)",
                    f"≤ {CLS_TARGET}" if v == "ours" else "",
                    median([r["cls"] for r in rs]) <= CLS_TARGET if v == "ours" else None)
        kinds = ", ".join(f"{k} {kb(n)}" for k, n in sorted(first["kinds"].items(), key=lambda kv: -kv[1]))
        res.add(f"{v}: requests / bytes", f"{median([r['requests'] for r in rs]):.0f} / {kb(_med(rs, 'bytes'))}",
                f"gzip -6: {kb(_med(rs, 'gzip'))}; {kinds}; failed requests {max(r['failed'] for r in rs)}")
        if v != "tex-only":
            rendered = first["katex"] if v != "mathjax" else first["mathjax"]
            errors = first["katexErrors"] if v != "mathjax" else first["mathjaxErrors"]
            res.add(f"{v}: formulas rendered / errors / raw TeX left", f"{rendered} / {errors} / {first['raw']}")

    ours = runs["ours"]
    # Math visible at first contentful paint: in the HTML already, and its fonts there before the paint
    # (KaTeX's stylesheet uses font-display: block, so glyphs whose font is missing are not drawn).
    for v in ("ours", "ours+preload"):
        if v not in runs:
            continue
        rs = runs[v]
        in_html = all(r["raw"] == 0 and r["katex"] > 0 for r in rs)
        fonts_first = [r["fontsEnd"] <= r["fcp"] for r in rs if r["fcp"] is not None]
        visible = in_html and all(fonts_first)
        res.add(f"{v}: math visible at first contentful paint", "yes" if visible else "no",
                f"math in the HTML: {'yes' if in_html else 'no'}; KaTeX fonts loaded before FCP in {sum(fonts_first)}/{len(fonts_first)} "
                f"loads (median: last font {ms(_med(rs, 'fontsEnd') / 1e3)}, FCP {ms(_med(rs, 'fcp') / 1e3)}); "
                "font-display: block hides math glyphs until their font arrives",
                "yes" if v == "ours" else "", visible if v == "ours" else None)
    if "katex-client" in runs:
        k = runs["katex-client"]
        brief = paired_ratios([r["load"] for r in ours], [r["rendered"] for r in k])
        res.add("math laid out: ours (load event) / client KaTeX (renderer finished)", f"{median(brief):.2f}",
                f"median of side-by-side ratios, range {spread(brief)}; "
                f"{ms(_med(ours, 'load') / 1e3)} vs {ms(_med(k, 'rendered') / 1e3)}", "≤ 1", median(brief) <= 1.0)
        like = paired_ratios([_laid_out(r) for r in ours], [_laid_out(r) for r in k])
        res.add("math laid out, like for like: ours / client KaTeX (all math, its frame and its fonts)", f"{median(like):.2f}",
                f"median of side-by-side ratios, range {spread(like)}", "≤ 1", median(like) <= 1.0)
    if "mathjax" in runs:
        mj = runs["mathjax"]
        raw = median(paired_ratios([r["bytes"] for r in ours], [r["bytes"] for r in mj]))
        gz = median(paired_ratios([r["gzip"] for r in ours], [r["gzip"] for r in mj]))
        res.add("bytes: ours / MathJax, raw as served", f"{raw:.2f}", f"{kb(_med(ours, 'bytes'))} vs {kb(_med(mj, 'bytes'))}",
                "≤ 0.33", raw <= BYTES_TARGET)
        res.add("bytes: ours / MathJax, gzip -6", f"{gz:.2f}", f"{kb(_med(ours, 'gzip'))} vs {kb(_med(mj, 'gzip'))}",
                "≤ 0.33", gz <= BYTES_TARGET)
        if "tex-only" in runs:
            floor = runs["tex-only"]
            for key, label in (("bytes", "raw"), ("gzip", "gzip -6")):
                f0 = _med(floor, key)
                o, m = _med(ours, key) - f0, _med(mj, key) - f0
                res.add(f"bytes for the math alone (variant − tex-only), {label}: ours / MathJax",
                        f"{o / m:.2f}" if m > 0 else "n/a",
                        f"{kb(o)} vs {kb(m)}; tex-only floor {kb(f0)} = {_med(floor, key) / _med(mj, key):.2f} of MathJax's total")
