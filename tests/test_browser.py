"""The built book in a real browser: headless Chromium over 127.0.0.1.

Every page, in both colour schemes, at desktop and phone width: no console errors,
no failed request, nothing fetched from outside, no raw TeX, every image loaded,
no horizontal overflow, and zero axe-core violations. Screenshots of each state
are written to artifacts-ci/screenshots/ (CI keeps that folder).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from site_fixtures import REPO, SCREENSHOTS, page_paths

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 375}
SCHEMES = ("light", "dark")


def pages(site):
    return page_paths(site)


@pytest.fixture(scope="module")
def all_pages(built_site):
    found = pages(built_site)
    assert len(found) >= 5, found
    return found


def open_page(context, url, scheme, width, forget_palette=True):
    page = context.new_page()
    if forget_palette:  # Material remembers the last scheme in localStorage; each check starts from the media query
        page.add_init_script("try { localStorage.clear() } catch (e) {}")
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    events = {"console": [], "failed": [], "outside": []}
    page.on("console", lambda m: m.type in ("error", "warning") and events["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: events["console"].append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: events["failed"].append(f"{r.url} ({r.failure})"))

    def on_request(request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            events["outside"].append(request.url)

    page.on("request", on_request)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(150)
    return page, events


# JavaScript run in the page: facts a reader would notice.
PAGE_FACTS = r"""
() => {
  const raw = [...document.querySelectorAll('.arithmatex')].filter(e => /^\s*(\\\(|\\\[|\$)/.test(e.textContent))
    .map(e => e.textContent.slice(0, 60));
  // TeX anywhere in the text a reader sees: outside rendered math, code and figures (a delimiter left open).
  const skip = 'code, pre, .katex, svg, math, template, script, style, kbd';
  const walker = document.createTreeWalker(document.querySelector('article') || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(skip)) continue;
    const m = n.textContent.match(/\\[A-Za-z]{2,}|\\[()[\]]|\$\$|[_^]\{/);
    if (m) raw.push(n.textContent.slice(Math.max(0, m.index - 30), m.index + 30));
  }
  const errors = document.querySelectorAll('.katex-error').length;
  const imgs = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const svgs = [...document.querySelectorAll('figure.bp-figure svg')].map(s => {
    const ids = (s.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const text = ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    return {role: s.getAttribute('role'), text};
  });
  const doc = document.documentElement;
  return {
    raw, katexErrors: errors, brokenImages: imgs, svgs,
    overflow: doc.scrollWidth - window.innerWidth,
    mathml: document.querySelectorAll('.katex math').length,
    katex: document.querySelectorAll('.katex').length,
    scheme: document.body.getAttribute('data-md-color-scheme'),
  };
}
"""


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", list(WIDTHS))
def test_every_page_renders_cleanly(browser_context, site_url, all_pages, scheme, size):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in all_pages:
        page, events = open_page(browser_context, site_url + path, scheme, WIDTHS[size])
        facts = page.evaluate(PAGE_FACTS)
        name = path.strip("/").replace("/", "_") or "index"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}-{size}.png"), full_page=True)
        where = f"/{path} [{scheme}, {size}]"
        if facts["scheme"] != ("slate" if scheme == "dark" else "default"):
            problems.append(f"{where}: colour scheme is {facts['scheme']}")
        problems += [f"{where}: console {m}" for m in events["console"]]
        problems += [f"{where}: request failed {u}" for u in events["failed"]]
        problems += [f"{where}: request left the site {u}" for u in events["outside"]]
        problems += [f"{where}: raw TeX {t!r}" for t in facts["raw"]]
        if facts["katexErrors"]:
            problems.append(f"{where}: {facts['katexErrors']} KaTeX error(s)")
        problems += [f"{where}: image did not load {u}" for u in facts["brokenImages"]]
        for svg in facts["svgs"]:
            if svg["role"] != "img" or len(svg["text"]) < 15:
                problems.append(f"{where}: figure without meaningful text alternative: {svg}")
        if facts["katex"] and facts["mathml"] != facts["katex"]:
            problems.append(f"{where}: {facts['katex'] - facts['mathml']} formula(s) without MathML")
        if facts["overflow"] > 1:
            problems.append(f"{where}: page is {facts['overflow']} px wider than the viewport")
        page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_violations(browser_context, site_url, all_pages, scheme):
    """axe-core, WCAG 2.x A and AA rules, on every page in both schemes."""
    script = AXE.read_text(encoding="utf-8")
    report = []
    for path in all_pages:
        page, _ = open_page(browser_context, site_url + path, scheme, 1280)
        page.add_script_tag(content=script)
        result = page.evaluate(
            """async () => {
                 const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
                 return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                               nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
               }"""
        )
        report += [f"/{path} [{scheme}] {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in result]
        page.close()
    assert not report, "\n".join(report)


def test_search_finds_a_chapter_by_a_term_from_it(browser_context, site_url):
    page, events = open_page(browser_context, site_url, "light", 1280)
    page.click("input.md-search__input")
    page.keyboard.type("denominator")
    page.wait_for_selector(".md-search-result__item", timeout=10000)
    links = page.eval_on_selector_all(".md-search-result__item a", "as => as.map(a => a.getAttribute('href'))")
    assert any(re.search(r"(net232|layouts)/", href or "") for href in links), links
    assert not events["outside"]
    page.close()


def test_colour_scheme_toggle_switches_and_persists(browser_context, site_url):
    page, _ = open_page(browser_context, site_url + "net232/", "light", 1280, forget_palette=False)
    page.evaluate("localStorage.clear()")
    page.reload()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    page.click("form[data-md-component=palette] label:visible")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'", timeout=5000)
    page.goto(site_url + "layouts/")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    # Figures follow the scheme: their ink is the page's text colour.
    colour = page.evaluate("getComputedStyle(document.querySelector('figure.bp-figure svg') || document.body).color")
    assert colour != "rgb(0, 0, 0)"
    page.click("form[data-md-component=palette] label:visible")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'", timeout=5000)
    page.close()


@pytest.mark.parametrize("leak", ["an open \\\\( delimiter", "a stray \\\\frac{a}{b}", "raw $$x$$ here", "x^{2} typed"])
def test_the_page_check_sees_raw_tex_outside_math(browser_context, site_url, leak):
    """Fault injection for the raw-TeX check: text that escaped the math renderer is reported."""
    page, _ = open_page(browser_context, site_url + "net232/", "light", 1280)
    assert not page.evaluate(PAGE_FACTS)["raw"]
    page.evaluate(f"document.querySelector('article p').append({leak!r})")
    assert page.evaluate(PAGE_FACTS)["raw"], leak
    page.close()
