"""The built book in a real browser: headless Chromium over 127.0.0.1.

Every page, in both colour schemes, at desktop and phone width: no console errors,
no failed request, nothing fetched from outside, no raw TeX, every image loaded,
no horizontal overflow, and zero axe-core violations. Screenshots of each state
are written to artifacts-ci/screenshots/ (CI keeps that folder).

The checks run over the MkDocs build and the Zensical build of the same sources (the
`reader_site` fixture, one parameter per engine; BOOK_TEST_ENGINES chooses). The Zensical
screenshots go to artifacts-ci/screenshots/zensical/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_fixtures import REPO, SCREENSHOTS, page_paths

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 375}
SCHEMES = ("light", "dark")


def pages(site):
    return page_paths(site)


@pytest.fixture(scope="session")
def all_pages(reader_site):
    found = pages(reader_site[1])
    assert len(found) >= 5, found
    return found


def screenshot_dir(engine: str) -> Path:
    return SCREENSHOTS if engine == "mkdocs" else SCREENSHOTS / engine


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
def test_every_page_renders_cleanly(browser_context, reader_site, reader_url, all_pages, scheme, size):
    engine = reader_site[0]
    shots = screenshot_dir(engine)
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in all_pages:
        page, events = open_page(browser_context, reader_url + path, scheme, WIDTHS[size])
        facts = page.evaluate(PAGE_FACTS)
        name = path.strip("/").replace("/", "_") or "index"
        page.screenshot(path=str(shots / f"{name}-{scheme}-{size}.png"), full_page=True)
        where = f"{engine}: /{path} [{scheme}, {size}]"
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


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def wcag_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A and AA violations on the page, as a keyboard user meets it.

    Boxes that scroll get their tab stop when the browser draws them or, all of them, at the first Tab
    (scroll-focus.js); axe asks about every box at once, also those far below that nobody has reached,
    so Tab is pressed first, as a keyboard user does before reaching any of them."""
    page.keyboard.press("Tab")
    page.wait_for_selector("html[data-bp-scroll-marked]", state="attached", timeout=10000)
    # The Tab lands on the skip link, which fades in (opacity over 250 ms): measure its colours once shown.
    page.wait_for_function("!document.activeElement || getComputedStyle(document.activeElement).opacity === '1'",
                           timeout=5000)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
             return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' '))}`);
           }""", WCAG_TAGS)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_violations(browser_context, reader_site, reader_url, all_pages, scheme):
    """axe-core, WCAG 2.x A and AA rules, on every page in both schemes."""
    report = []
    for path in all_pages:
        page, _ = open_page(browser_context, reader_url + path, scheme, 1280)
        report += [f"{reader_site[0]}: /{path} [{scheme}] {v}" for v in wcag_violations(page)]
        page.close()
    assert not report, "\n".join(report)


# How each theme opens its search and lists the results. Zensical's search dialog lives in a shadow
# root, which Playwright's CSS selectors enter.
SEARCH_UI = {
    "mkdocs": ("input.md-search__input", ".md-search-result__item a"),
    "zensical": ("button.md-search__button", "a[role=option]"),
}


def search(context, url, engine, query):
    """The results a reader gets for a query: [{href, text}], and the page's events."""
    opener, result = SEARCH_UI[engine]
    page, events = open_page(context, url, "light", 1280)
    page.click(opener)
    page.keyboard.type(query)
    page.wait_for_selector(result, timeout=10000)
    page.wait_for_timeout(300)
    found = page.eval_on_selector_all(result, "as => as.map(a => ({href: a.getAttribute('href'), text: a.innerText}))")
    page.close()
    return found, events


def test_search_finds_a_chapter_by_a_term_from_it(browser_context, reader_site, reader_url):
    results, events = search(browser_context, reader_url, reader_site[0], "denominator")
    links = [r["href"] for r in results]
    assert any(re.search(r"(net232|layouts)/", href or "") for href in links), links
    assert not events["outside"]


def test_colour_scheme_toggle_switches_and_persists(browser_context, reader_url):
    page, _ = open_page(browser_context, reader_url + "net232/", "light", 1280, forget_palette=False)
    page.evaluate("localStorage.clear()")
    page.reload()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    page.click("form[data-bp-palette] label:visible")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'", timeout=5000)
    page.goto(reader_url + "layouts/")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    # Figures follow the scheme: their ink is the page's text colour.
    colour = page.evaluate("getComputedStyle(document.querySelector('figure.bp-figure svg') || document.body).color")
    assert colour != "rgb(0, 0, 0)"
    assert page.evaluate("document.querySelector('meta[name=color-scheme]').content") == "dark"
    page.click("form[data-bp-palette] label:visible")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'", timeout=5000)
    assert page.evaluate("document.querySelector('meta[name=color-scheme]').content") == "light"
    # The keyboard: Enter on the focused toggle switches, and the focus stays on the toggle.
    page.focus("form[data-bp-palette] input:checked")
    page.keyboard.press("Enter")
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'", timeout=5000)
    assert page.evaluate("document.activeElement.matches('form[data-bp-palette] input:checked')")
    page.close()


# The body's colour scheme when the article starts (DOMContentLoaded), and every change to the body's
# colour attributes made once the article is in the document (each restyles the whole page).
WATCH_PALETTE = """
window.__changes = [];
new MutationObserver(ms => ms.forEach(m => {
  if (m.target === document.body && document.querySelector('article')) window.__changes.push(m.attributeName);
})).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-md-color-scheme',
  'data-md-color-primary', 'data-md-color-accent', 'data-md-color-media', 'data-md-color-switching']});
addEventListener('DOMContentLoaded', () => { window.__scheme = document.body.getAttribute('data-md-color-scheme'); });
"""


def palette_at_load(context, url, scheme, rewrite=None):
    """(scheme when the article starts, body attribute changes after that, palette stored?) for a first
    visit with the system set to `scheme`."""
    page = context.new_page()
    page.add_init_script("try { localStorage.clear() } catch (e) {}")
    page.add_init_script(WATCH_PALETTE)
    page.emulate_media(color_scheme=scheme)
    if rewrite:
        page.route(url, lambda route: route.fulfill(body=rewrite(route.fetch().text()), content_type="text/html"))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(500)
    found = page.evaluate("[window.__scheme, window.__changes, localStorage.length > 0]")
    page.close()
    return found


@pytest.mark.parametrize("scheme,expected", [("light", "default"), ("dark", "slate")])
def test_the_first_scheme_is_set_before_the_article_and_never_restyled(browser_context, reader_url, scheme, expected):
    """A first visit gets the system's scheme before the article is parsed, and nothing touches the body's
    colour attributes afterwards (each change restyles the whole page: overrides/partials/palette.html);
    nothing is stored until the reader chooses."""
    assert palette_at_load(browser_context, reader_url + "notation/", scheme) == [expected, [], False]


def test_the_theme_palette_component_mounted_again_is_caught(browser_context, site_url):
    """The fault the check above guards against: Material's palette component mounted (the form marked
    data-md-component="palette" again) rewrites the body's attributes after the article has loaded."""
    def material_palette(html):
        assert "data-bp-palette" in html
        return html.replace("data-bp-palette", 'data-md-component="palette"')
    first, changes, stored = palette_at_load(browser_context, site_url + "notation/", "light", material_palette)
    assert "data-md-color-switching" in changes and stored, (first, changes, stored)


@pytest.mark.parametrize("leak", ["an open \\\\( delimiter", "a stray \\\\frac{a}{b}", "raw $$x$$ here", "x^{2} typed"])
def test_the_page_check_sees_raw_tex_outside_math(browser_context, site_url, leak):
    """Fault injection for the raw-TeX check: text that escaped the math renderer is reported."""
    page, _ = open_page(browser_context, site_url + "net232/", "light", 1280)
    assert not page.evaluate(PAGE_FACTS)["raw"]
    page.evaluate(f"document.querySelector('article p').append({leak!r})")
    assert page.evaluate(PAGE_FACTS)["raw"], leak
    page.close()


# Every box that scrolls sideways and is drawn (not in a closed solution or a hidden tab, which the reader
# cannot reach anyway) without a tab stop (scroll-focus.js).
UNREACHABLE = r"""
() => [...document.querySelectorAll('.md-typeset div.arithmatex, .md-typeset figure.bp-figure, .md-typeset .md-typeset__scrollwrap')]
  .filter(el => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1 && el.getAttribute('tabindex') !== '0')
  .map(el => (el.className || el.tagName) + ': ' + el.textContent.trim().slice(0, 40))
"""


SKIPPED_BLOCKS = ("() => [...document.querySelectorAll('.md-content__inner > *')].filter(el => "
                  "el.firstElementChild && !el.firstElementChild.checkVisibility({contentVisibilityAuto: true})).length")


def test_long_page_skips_blocks_far_from_the_screen_and_measures_them_when_drawn(browser_context, site_url):
    """At phone width a long chapter loads with the blocks past the first screen skipped (content-visibility),
    they stay skipped after the page has loaded (no forced layout of the whole page), and a box that scrolls
    gets its tab stop when the reader scrolls to it, without any key press."""
    page = browser_context.new_page()
    page.add_init_script("addEventListener('load', () => { window.__skippedAtLoad = (" + SKIPPED_BLOCKS + ")(); })")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(site_url + "chain-rule/", wait_until="load")
    assert page.evaluate("window.__skippedAtLoad") > 0, "content-visibility: auto skips no block of a long chapter on a phone"
    page.wait_for_timeout(1500)  # idle time after load: nothing lays the page out
    assert page.evaluate(SKIPPED_BLOCKS) > 0, "the whole page was laid out after load"
    # Scroll through the page a screen at a time, as a reader does: every box drawn is measured.
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 812, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(40)
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.querySelectorAll('[data-bp-scroll]').length") > 0, "expected wide formulas at 375 px"
    assert page.evaluate(UNREACHABLE) == []
    # Open every solution, as a reader does: the wide formulas in them get their tab stops too.
    opened = page.evaluate("() => { const ds = [...document.querySelectorAll('article details:not([open])')];"
                           " ds.forEach(d => { d.open = true; }); return ds.length; }")
    assert opened > 0
    page.wait_for_timeout(300)
    assert page.evaluate(UNREACHABLE) == []
    page.close()


def test_without_the_draw_event_boxes_scrolled_to_stay_unreachable(browser_context, site_url):
    """The fault the check above guards against: scroll-focus.js not listening for blocks being drawn
    leaves the boxes below the first screen without a tab stop after the reader scrolls to them."""
    page = browser_context.new_page()

    def broken(route):
        body = route.fetch().text()
        assert '"contentvisibilityautostatechange"' in body
        route.fulfill(body=body.replace('"contentvisibilityautostatechange"', '"bp-never-fired"'),
                      content_type="text/javascript")

    page.route("**/scroll-focus.js", broken)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(site_url + "chain-rule/", wait_until="load")
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 812, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(40)
    page.wait_for_timeout(300)
    assert page.evaluate(UNREACHABLE) != []
    page.close()


# The code blocks past the first ten blocks of a page, and whether each is skipped now.
CODE_BLOCKS = """() => [...document.querySelectorAll('.md-content__inner > *')].slice(10)
  .filter(el => el.matches('.highlight'))
  .map(el => !el.firstElementChild.checkVisibility({contentVisibilityAuto: true}))"""


def on_phone(context, url, script, extra_css="", rewrite=None, init=None):
    """What `script` returns on a page loaded at phone width (375 px): `init` run before the page's own
    scripts, the page's HTML passed through `rewrite` (a fault), `extra_css` added once it has loaded."""
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    if init:
        page.add_init_script(init)
    if rewrite:
        page.route(url, lambda route: route.fulfill(body=rewrite(route.fetch().text()), content_type="text/html"))
    page.goto(url, wait_until="load")
    if extra_css:
        page.add_style_tag(content=extra_css)
        page.wait_for_timeout(300)
    found = page.evaluate(script)
    page.close()
    return found


def test_code_blocks_far_down_are_skipped(browser_context, site_url):
    """Code blocks are skipped like prose (the autodiff chapter has eight past the first screen)."""
    found = on_phone(browser_context, site_url + "autodiff/", CODE_BLOCKS)
    assert len(found) >= 8 and all(found), found


def test_code_blocks_laid_out_at_load_are_caught(browser_context, site_url):
    """The fault the check above guards against: the old rule, which kept every code block laid out."""
    old_rule = ".md-content__inner > .highlight { content-visibility: visible !important; }"
    found = on_phone(browser_context, site_url + "autodiff/", CODE_BLOCKS, old_rule)
    assert found and not any(found), found


CODE_BLOCK_GAPS = """() => [...document.querySelectorAll('.md-content__inner > .highlight')].map(el => {
  el.scrollIntoView(); const pre = el.querySelector('pre'), prev = el.previousElementSibling;
  const px = v => parseFloat(v), cs = getComputedStyle(el), ps = getComputedStyle(prev);
  return {inset: Math.round(pre.getBoundingClientRect().top - el.getBoundingClientRect().top),
          gap: Math.round(el.getBoundingClientRect().top - prev.getBoundingClientRect().bottom),
          margin: Math.round(Math.max(px(cs.marginTop), px(ps.marginBottom)))}; })"""


def test_a_code_block_keeps_its_spacing_when_it_can_be_skipped(browser_context, site_url):
    """A code block is laid out on its own when it can be skipped (containment), so its <pre>'s margin
    would stay inside it and double the space above the code. Drawn, each code block's code starts at its
    top edge, and the space above it is the larger of the two margins that meet there (they collapse)."""
    gaps = on_phone(browser_context, site_url + "autodiff/", CODE_BLOCK_GAPS)
    assert len(gaps) >= 8
    assert all(g["inset"] == 0 and g["gap"] == g["margin"] > 0 for g in gaps), gaps


def test_a_code_block_with_its_pre_margin_back_is_caught(browser_context, site_url):
    """The fault the check above guards against: the <pre> margin back (Material's 1em)."""
    gaps = on_phone(browser_context, site_url + "autodiff/", CODE_BLOCK_GAPS,
                    ".md-content__inner > .highlight > pre { margin: 1em 0 !important; }")
    assert any(g["inset"] > 0 for g in gaps), gaps


def contrast_violations_as_loaded(context, url, extra_css=""):
    """axe's colour-contrast verdicts at phone width on the page as Lighthouse checks it: loaded, no key
    pressed, the blocks far from the screen still skipped (content-visibility)."""
    phone = context.browser.new_context(viewport={"width": 412, "height": 823}, device_scale_factor=1.75,
                                        is_mobile=True, has_touch=True)  # Lighthouse's mobile preset
    page = phone.new_page()
    page.goto(url, wait_until="load")
    if extra_css:
        page.add_style_tag(content=extra_css)
    page.wait_for_timeout(300)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: ['color-contrast']});
        return r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)); }""")
    phone.close()
    return found


def test_colours_are_judged_right_while_blocks_are_skipped(browser_context, site_url, all_pages):
    """A skipped block's contents, when a checker asks where they are, are placed as if they overflowed the
    block; book.css puts the footer above the article's blocks so they are not taken for its background."""
    report = []
    for path in all_pages:
        report += [f"/{path}: {v}" for v in contrast_violations_as_loaded(browser_context, site_url + path)]
    assert not report, "\n".join(report)


def test_without_the_footer_rule_colours_are_misjudged(browser_context, site_url):
    """The fault the rule guards against: the footer back in the article's layer, axe takes the code in the
    autodiff chapter's footnotes for the background of the footer's light text (Lighthouse scored it 96)."""
    back_in_the_article_layer = ".md-footer { position: static !important; z-index: auto !important; }"
    assert contrast_violations_as_loaded(browser_context, site_url + "autodiff/", back_in_the_article_layer)


def test_boxes_that_scroll_get_a_tab_stop_on_the_first_tab(browser_context, site_url):
    """A Tab pressed while the page is still loading measures every box before the focus moves."""
    page = browser_context.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(site_url + "chain-rule/", wait_until="domcontentloaded")
    page.keyboard.press("Tab")
    page.wait_for_selector("html[data-bp-scroll-marked]", state="attached", timeout=30000)
    assert page.evaluate(UNREACHABLE) == []
    page.close()


def test_without_scroll_focus_boxes_that_scroll_are_unreachable(browser_context, site_url):
    """The fault the check above guards against: without scroll-focus.js, it finds unreachable boxes."""
    page = browser_context.new_page()
    page.route("**/scroll-focus.js", lambda route: route.abort())
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(site_url + "chain-rule/", wait_until="load")
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    page.evaluate("() => document.documentElement.classList.add('bp-full-layout')")  # lay everything out, as the script would
    assert page.evaluate(UNREACHABLE) != []
    page.close()


def test_print_lays_out_every_block(browser_context, site_url):
    """content-visibility is for screens: printed (and the PDF), no block of a chapter is skipped."""
    page, _ = open_page(browser_context, site_url + "chain-rule/", "light", 375)
    page.emulate_media(media="print")
    values = page.evaluate("() => [...new Set([...document.querySelectorAll('.md-content__inner > *')]"
                           ".map(el => getComputedStyle(el).contentVisibility))]")
    assert values == ["visible"], values
    page.close()


# Tables: wrapped at build time (book/mdext.py, TableWrapper), so the theme's script never moves one.
# The parser only adds nodes: a table taken out of the document (to be put back elsewhere) is a move.
WATCH_TABLES = """
window.__moved = [];
new MutationObserver(ms => ms.forEach(m => [...m.removedNodes].forEach(n => {
  if (n.nodeType === 1 && (n.matches('table') || n.querySelector('table'))) window.__moved.push(n.tagName);
}))).observe(document, {childList: true, subtree: true});
"""
TABLE_BOXES = """() => [...document.querySelectorAll('article table')].map(t =>
  [t.className, t.parentElement.className, t.parentElement.parentElement.className,
   t.closest('.md-typeset__table') === t.parentElement && !t.parentElement.parentElement.closest('.md-typeset__table')])"""


def tables_at_load(context, url, rewrite=None):
    """(tables moved in the document once it was parsed, [class, box, outer box, one box only] per table)."""
    return on_phone(context, url, f"[window.__moved, ({TABLE_BOXES})()]", rewrite=rewrite, init=WATCH_TABLES)


def test_tables_are_in_their_box_before_the_theme_starts(browser_context, reader_url):
    """Every table of the notation chapter arrives in the theme's two scrolling boxes, once, and the
    theme's script moves none of them at start-up (each move restyles the table)."""
    moved, tables = tables_at_load(browser_context, reader_url + "notation/")
    assert len(tables) >= 3 and moved == [], (moved, tables)
    assert all(t == ["bp-table", "md-typeset__table", "md-typeset__scrollwrap", True] for t in tables), tables


def test_a_table_left_for_the_theme_to_wrap_is_caught(browser_context, site_url):
    """The fault the check above guards against: tables without the class, which the theme moves into
    boxes of its own (inside the build's)."""
    moved, tables = tables_at_load(browser_context, site_url + "notation/",
                                   lambda html: html.replace('<table class="bp-table">', "<table>"))
    assert moved and not any(t[3] for t in tables), (moved, tables)


# The first table of a page and a copy of it without the class, side by side in the same boxes: every
# computed style property of the table, its first row, header cell, cell and link, and their sizes.
TABLE_LOOK = """() => {
  const box = document.querySelector('.md-content__inner .md-typeset__scrollwrap');
  box.scrollIntoView();
  const copy = box.cloneNode(true);
  copy.querySelector('table').removeAttribute('class');
  box.after(copy);
  const parts = t => [t, t.querySelector('tbody tr'), t.querySelector('th'), t.querySelector('td'), t.querySelector('td a')];
  const [mine, theirs] = [box, copy].map(b => parts(b.querySelector('table')));
  const diff = [];
  mine.forEach((el, i) => {
    if (!el) return;
    const a = getComputedStyle(el), b = getComputedStyle(theirs[i]);
    for (const p of a) {
      const [va, vb] = [a.getPropertyValue(p), b.getPropertyValue(p)];
      if (va !== vb) diff.push(`${el.tagName} ${p}: ${va} vs ${vb}`);
    }
    const [ra, rb] = [el, theirs[i]].map(e => e.getBoundingClientRect());
    if (ra.width !== rb.width || ra.height !== rb.height)
      diff.push(`${el.tagName} size ${ra.width}x${ra.height} vs ${rb.width}x${rb.height}`);
  });
  return [mine.filter(Boolean).length, diff];
}"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_book_table_looks_as_the_theme_draws_its_tables(browser_context, reader_url, scheme):
    """book.css gives table.bp-table the theme's look for tables without a class (Material 9 and
    Zensical): no computed property and no size differs, at phone width, in both schemes."""
    page, _ = open_page(browser_context, reader_url + "notation/", scheme, WIDTHS["phone"])
    parts, diff = page.evaluate(TABLE_LOOK)
    page.close()
    assert parts >= 4 and diff == [], diff[:20]


def test_a_table_styled_apart_from_the_theme_is_caught(browser_context, site_url):
    """The fault the check above guards against: a declaration of book.css's table rules changed."""
    parts, diff = on_phone(browser_context, site_url + "notation/", TABLE_LOOK,
                           ".md-typeset table.bp-table td { padding: 0.5em 1em; }")
    assert any("TD padding-top" in d for d in diff), diff
