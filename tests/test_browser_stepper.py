"""Backprop step by step (docs/assets/widgets/stepper.js) in a real browser, over the built 2-3-2 chapter.

The steps, their order and the parts of the graph each one touches are written out here from the
equations, on their own (not read from the graph's data-steps or from stepper.js): (F1) at layer l
uses the units of layers l−1 and l and the edges between them, (B2) the units of l and l+1 and the
edges between them, and so on. The numbers a step shows must be the ones the graph carries for
the same quantities (both come from the build; this holds the page and the figure together).
Also: buttons, arrow keys, Home/End; the live region; no console error; axe in both schemes at
1280 and 375 px; nothing wider than a phone; at 1280 × 900 the bar, the graph and every step on one
screen, at 375 px the bar on screen under the graph; while stepping the graph and the bar (above
the steps) never move; cheap at load: before the script starts only the first step has a box, the
script reads no layout when it starts, and nothing moves when it does; and without JavaScript, on
paper, or when the script fails to load, every step is there, as a list. Planted faults (a step
naming an equation the graph lacks, a graph that forgot a label, a highlight of the wrong layer, a
stepper that lost its side-by-side layout, a bar below the steps, a missing rule of book.css or
stepper.css, a measurement at start) show the checks can fail. (The build itself stops at the
page's line when a step names what the graph does not mark: tests/test_book_graph.py.)
"""

from __future__ import annotations

import re
import time

import pytest

from site_fixtures import SCREENSHOTS
from test_browser import open_page, wcag_violations

pytestmark = pytest.mark.browser

PAGE = "net232/"
G = "net232-graph"  # the graph's salt: its element ids start with it
SIZES = (2, 3, 2)  # units per layer, arrays' numbering (input = 0); the page numbers layers from 1


def nodes(l: int) -> set[str]:
    return {f"{G}-n{l}-{i}" for i in range(1, SIZES[l] + 1)}


def edges(l: int) -> set[str]:  # W(l): from every unit of layer l−1 to every unit of layer l
    return {f"{G}-e{l}-{i}-{j}" for i in range(1, SIZES[l] + 1) for j in range(1, SIZES[l - 1] + 1)}


LOSS = {f"{G}-loss"} | {f"{G}-eloss-{j}" for j in range(1, SIZES[2] + 1)}

# (what the step is called on the page, the graph's parts it touches, the numbers it must show:
#  (ids, data attribute) pairs read from the graph). Arrays' numbering: the page's layer 2 is l = 1.
STEPS = [
    ("(F1), layer 2", nodes(0) | edges(1) | nodes(1), [(nodes(0), "a"), (edges(1), "w"), (nodes(1), "z")]),
    ("(F2), layer 2", nodes(1), [(nodes(1), "z"), (nodes(1), "a")]),
    ("(F1), layer 3", nodes(1) | edges(2) | nodes(2), [(nodes(1), "a"), (edges(2), "w"), (nodes(2), "z")]),
    ("(F2), layer 3", nodes(2), [(nodes(2), "z"), (nodes(2), "a")]),
    ("The loss", nodes(2) | LOSS, [(nodes(2), "a"), ({f"{G}-loss"}, "value")]),
    ("(B1), layer 3", nodes(2) | LOSS, [(nodes(2), "delta")]),
    ("(B3), layer 3", nodes(2) | edges(2) | nodes(1), [(nodes(2), "delta"), (nodes(1), "a"), (edges(2), "dw")]),
    ("(B4), layer 3", nodes(2), [(nodes(2), "delta")]),
    ("(B2), layer 2", nodes(2) | edges(2) | nodes(1), [(nodes(2), "delta"), (edges(2), "w"), (nodes(1), "delta")]),
    ("(B3), layer 2", nodes(1) | edges(1) | nodes(0), [(nodes(1), "delta"), (nodes(0), "a"), (edges(1), "dw")]),
    ("(B4), layer 2", nodes(1), [(nodes(1), "delta")]),
]
N = len(STEPS)

STATE = r"""
() => {
  const host = document.querySelector('[data-bp-widget=stepper]');
  const shown = [...host.querySelectorAll('ol > li')].filter(li => !li.hidden && li.offsetHeight > 0);
  return {
    status: host.querySelector('.bp-stepper-status').textContent,
    live: host.querySelector('.bp-stepper-status').getAttribute('aria-live'),
    shown: shown.map(li => li.querySelector('[data-step]').textContent),
    lit: [...host.querySelectorAll('svg .bp-on')].map(e => e.id).sort(),
    tex: shown.map(li => [...li.querySelectorAll('annotation')].map(a => a.textContent).join(' ')).join(' '),
    prevOff: host.querySelector('.bp-stepper-bar button:first-child').getAttribute('aria-disabled'),
    nextOff: host.querySelector('.bp-stepper-bar button:last-child').getAttribute('aria-disabled'),
  };
}
"""


def numbers_of(page, ids: set[str], attr: str) -> list[str]:
    return page.evaluate("([ids, attr]) => ids.map(id => document.getElementById(id).getAttribute('data-' + attr))",
                         [sorted(ids), attr])


def shown_in(number: str, tex: list[str]) -> bool:
    """The graph's number is in the equation, as printed there (the page may print fewer decimals: W, x)."""
    g = number.replace("−", "-")
    return any(t == g or (len(t) < len(g) and f"{float(g):.{len(t.split('.')[1])}f}" == t) for t in tex)


def problems_at(page, k: int) -> list[str]:
    """What is wrong with the stepper showing step k (0-based), judged against STEPS."""
    name, parts, numbers = STEPS[k]
    s = page.evaluate(STATE)
    out = []
    if s["status"] != f"Step {k + 1} of {N}: {name}":
        out.append(f"status says {s['status']!r}, expected 'Step {k + 1} of {N}: {name}'")
    if s["live"] != "polite":
        out.append(f"the status is not a polite live region ({s['live']})")
    if s["shown"] != [name]:
        out.append(f"shows {s['shown']}, expected only {name!r}")
    if set(s["lit"]) != parts:
        out.append(f"{name}: lit {sorted(set(s['lit']) - parts)} too many, {sorted(parts - set(s['lit']))} missing")
    tex = re.findall(r"-?\d+\.\d+", s["tex"])
    for ids, attr in numbers:
        missing = [n for n in numbers_of(page, ids, attr) if not shown_in(n, tex)]
        if missing:
            out.append(f"{name}: the graph's {attr} {missing} are not in the step's equation")
    if (s["prevOff"], s["nextOff"]) != (str(k == 0).lower(), str(k == N - 1).lower()):
        out.append(f"{name}: Previous/Next aria-disabled are {s['prevOff']}/{s['nextOff']}")
    return [f"step {k + 1}: {p}" for p in out]


def stepper(context, url, scheme="light", width=1280):
    page, events = open_page(context, url + PAGE, scheme, width)
    page.wait_for_selector("[data-bp-widget=stepper][data-bp-ready] .bp-stepper-bar", timeout=10000)
    return page, events


def test_next_and_previous_buttons_walk_every_step(browser_context, site_url):
    page, events = stepper(browser_context, site_url)
    next_, prev = page.get_by_role("button", name="Next"), page.get_by_role("button", name="Previous")
    problems = problems_at(page, 0)
    for k in range(1, N):
        next_.click()
        problems += problems_at(page, k)
    for k in range(N - 2, -1, -1):
        prev.click()
        problems += problems_at(page, k)
    assert not problems, "\n".join(problems)
    assert not events["console"] and not events["failed"] and not events["outside"], events
    page.close()


def test_arrow_keys_home_and_end(browser_context, site_url):
    page, events = stepper(browser_context, site_url)
    page.get_by_role("button", name="Next").focus()
    problems = []
    for k in range(1, N):
        page.keyboard.press("ArrowRight")
        problems += problems_at(page, k)
    page.keyboard.press("ArrowRight")  # past the end: stays
    problems += problems_at(page, N - 1)
    page.keyboard.press("ArrowLeft")
    problems += problems_at(page, N - 2)
    page.keyboard.press("Home")
    problems += problems_at(page, 0)
    page.keyboard.press("ArrowLeft")  # before the start: stays
    problems += problems_at(page, 0)
    page.keyboard.press("End")
    problems += problems_at(page, N - 1)
    page.keyboard.press("Shift+Tab")  # from Next (at the end, but still focusable) back to Previous
    focused = page.evaluate("document.activeElement.textContent")
    assert "Previous" in focused, focused
    page.keyboard.press("Enter")
    problems += problems_at(page, N - 2)
    assert not problems, "\n".join(problems)
    assert not events["console"], events
    page.close()


def test_arrow_keys_elsewhere_are_left_alone(browser_context, site_url):
    """Arrow keys outside the bar (reading the page, a focused link) do not step."""
    page, _ = stepper(browser_context, site_url)
    page.locator("body").press("ArrowRight")
    assert problems_at(page, 0) == []
    page.close()


# ---------------------------------------------------------------------------
# Planted faults: the checks above can fail


def faulty(context, url, old: str, new: str, count: int = 1):
    """The chapter with `old` replaced by `new` in its HTML (served through a route)."""
    page = context.new_page()
    page.add_init_script("try { localStorage.clear() } catch (e) {}")
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def serve(route):
        html = route.fetch().text()
        assert html.count(old) >= count, f"{old!r} is not in the page"
        route.fulfill(body=html.replace(old, new, count), content_type="text/html; charset=utf-8")

    page.route(url + PAGE, serve)
    page.goto(url + PAGE, wait_until="load")
    page.wait_for_selector("[data-bp-widget=stepper][data-bp-ready] .bp-stepper-bar", timeout=10000)
    page.wait_for_timeout(200)  # console events arrive asynchronously
    return page, errors


def test_a_step_naming_an_equation_the_graph_lacks_is_an_error(browser_context, site_url):
    page, errors = faulty(browser_context, site_url, 'data-layer="2" data-step="B2"', 'data-layer="2" data-step="B5"')
    assert any("B5" in e and "touches nothing" in e for e in errors), errors
    page.close()


def test_a_graph_that_forgot_a_label_is_caught(browser_context, site_url):
    # The edges into the output layer no longer say they take part in (B3).
    page, errors = faulty(browser_context, site_url, 'data-steps="F1@3 B3@3 B2@2"', 'data-steps="F1@3 B2@2"', count=6)
    for _ in range(6):
        page.get_by_role("button", name="Next").click()
    found = problems_at(page, 6)
    assert any("missing" in p and "-e2-" in p for p in found), found
    page.close()


FILES = {"html": (PAGE, "text/html; charset=utf-8"), "css": ("**/assets/widgets/stepper.css", "text/css"),
         "js": ("**/assets/widgets/stepper.js", "text/javascript"), "book_css": ("**/assets/book.css", "text/css"),
         "loader": ("**/assets/widgets/loader.js", "text/javascript")}


def routed(context, url, width: int = 1280, ready: bool = True, script=None, init: str = "",
           **edits: tuple[str, str]):
    """The chapter at `width` px with text replaced in its html, stepper.css, stepper.js, book.css or
    the widget loader: edits as html=(old, new), css=..., js=..., book_css=..., loader=...; `script`
    a route handler for stepper.js instead (held back, failed); `init` run before the page's own
    scripts. Waits for the stepper's bar unless ready=False."""
    page = context.new_page()
    if init:
        page.add_init_script(init)
    page.set_viewport_size({"width": width, "height": 900 if width >= 1280 else 812})
    files = {kind: (url + where if kind == "html" else where, mime) for kind, (where, mime) in FILES.items()}

    def server(kind: str, old: str, new: str):
        def serve(route):
            body = route.fetch().text()
            assert old in body, f"{old!r} is not in the {kind}"
            route.fulfill(body=body.replace(old, new), content_type=files[kind][1])
        return serve

    for kind, (old, new) in edits.items():
        page.route(files[kind][0], server(kind, old, new))
    if script:
        page.route(files["js"][0], script)
    page.goto(url + PAGE, wait_until="load")
    if ready:
        page.wait_for_selector("[data-bp-widget=stepper][data-bp-ready] .bp-stepper-bar", timeout=10000)
    return page


def test_a_stepper_that_lost_its_side_by_side_layout_is_caught(browser_context, site_url):
    # The graph above the step again (the script never switches): the tallest step falls below a 1280 × 900 screen.
    page = routed(browser_context, site_url, js=('host.classList.add("bp-stepper-wide")', ""))
    problems = []
    for k in range(N):
        if k:
            page.get_by_role("button", name="Next").click()
        problems += off_screen(page)
    assert any("step 9" in p for p in problems), problems
    page.close()


def test_a_step_at_the_wrong_layer_is_caught(browser_context, site_url):
    # (F2) of layer 2 written as layer 3: it would light the output units.
    page, _ = faulty(browser_context, site_url, 'data-layer="2" data-step="F2"', 'data-layer="3" data-step="F2"')
    page.get_by_role("button", name="Next").click()
    found = problems_at(page, 1)
    assert any("too many" in p for p in found), found
    page.close()


# ---------------------------------------------------------------------------
# Accessibility, phones, colour schemes, no JavaScript


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_axe_finds_no_violation(browser_context, site_url, scheme):
    report = []
    for width in (1280, 375):
        page, events = stepper(browser_context, site_url, scheme, width)
        for _ in range(8):  # (B2): both layers and the edges between them lit
            page.get_by_role("button", name="Next").click()
        report += [f"[{scheme}, {width}px] {v}" for v in wcag_violations(page)] + events["console"]
        page.close()
    assert not report, "\n".join(report)


HEADER = "document.querySelector('.md-header').getBoundingClientRect().bottom"


def to_stepper(page) -> None:
    """Scroll the stepper's top to just under the page's header."""
    page.evaluate(f"scrollTo(0, document.querySelector('.bp-stepper').getBoundingClientRect().top + scrollY - {HEADER} - 8)")


def off_screen(page) -> list[str]:
    """What the reader, scrolled to the stepper, does not see at once: at 1280 px the graph, the step
    shown and the bar must all be inside the screen under the header; at 375 px (the graph above
    the step) the graph's top and the bar."""
    to_stepper(page)
    s = page.evaluate(f"""() => {{
        const box = e => e.getBoundingClientRect().toJSON();
        const host = document.querySelector('.bp-stepper');
        return {{graph: box(host.querySelector('figure svg[role=img]')), bar: box(host.querySelector('.bp-stepper-bar')),
                 step: box([...host.querySelectorAll('ol > li')].find(li => !li.hidden)), top: {HEADER},
                 height: innerHeight, width: innerWidth, status: host.querySelector('.bp-stepper-status').textContent}}; }}""")
    inside = lambda r: r["top"] >= s["top"] - 1 and r["bottom"] <= s["height"] + 1  # noqa: E731
    parts = ("graph", "step", "bar") if s["width"] >= 1280 else ("bar",)
    out = [f"{s['status']}: the {p} ({s[p]['top']:.0f}–{s[p]['bottom']:.0f}) is not inside the screen "
           f"({s['top']:.0f}–{s['height']})" for p in parts if not inside(s[p])]
    if s["graph"]["top"] < s["top"] - 1:
        out.append(f"{s['status']}: the graph's top is under the header")
    return [f"step {s['status'].split()[1]}: {p}" for p in out]


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("width", (1280, 375))
def test_every_step_fits_the_screen_and_is_photographed(browser_context, site_url, scheme, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, events = stepper(browser_context, site_url, scheme, width)
    problems = []
    for k in range(N):
        if k:
            page.get_by_role("button", name="Next").click()
        over = page.evaluate("""() => ({page: document.documentElement.scrollWidth - window.innerWidth,
            math: Math.max(0, ...[...document.querySelectorAll('.bp-stepper li:not([hidden]) .arithmatex')]
                                 .map(e => e.scrollWidth - e.clientWidth))})""")
        if over["page"] > 1 or over["math"] > 1:
            problems.append(f"step {k + 1} [{scheme}, {width}px]: {over}")
        problems += off_screen(page)
        if k == 8:
            page.locator(".bp-stepper").screenshot(path=str(SCREENSHOTS / f"net232-stepper-B2-{scheme}-{width}.png"))
    assert not problems and not events["console"], "\n".join(problems + events["console"])
    page.close()


def moves(page) -> list[str]:
    """What moves as the reader steps from the first step to the last: the graph, the bar, Next, and
    where the list starts (its height follows the step shown: nothing the reader points at is below it)."""
    to_stepper(page)
    where = """() => ['figure svg[role=img]', '.bp-stepper-bar', '.bp-stepper-bar button:last-child', 'ol']
        .map(s => { const r = document.querySelector('.bp-stepper ' + s).getBoundingClientRect();
                    const height = s === 'ol' ? '' : Math.round(r.height);
                    return [s, Math.round(r.left), Math.round(r.top), Math.round(r.width), height].join(' '); })"""
    first, moved = page.evaluate(where), []
    for k in range(1, N):
        page.get_by_role("button", name="Next").click()
        moved += [f"step {k + 1}: {now} (was {was})" for now, was in zip(page.evaluate(where), first, strict=True) if now != was]
    return moved


@pytest.mark.parametrize("width", (1280, 375))
def test_nothing_moves_while_stepping(browser_context, site_url, width):
    page, _ = stepper(browser_context, site_url, "light", width)
    moved = moves(page)
    assert not moved, "\n".join(moved)
    page.close()


def test_a_bar_below_the_steps_is_caught(browser_context, site_url):
    # The bar under the list, on a phone (the graph above the step): a step of another height moves it.
    # (At 1280 px a bar under the graph and the step would happen to stay: the graph is taller than any step.)
    page = routed(browser_context, site_url, 375, js=("insertBefore(bar, list);", "insertBefore(bar, list.nextSibling);"))
    moved = moves(page)
    assert any(".bp-stepper-bar " in m for m in moved), moved
    page.close()


def side_by_side_when_out_of_view(page) -> list[str]:
    """Opened at the graph, the stepper stays as drawn (the graph above the steps) while in view, and
    goes side by side once it is below the screen (here after a jump to the top of the page)."""
    wide = "document.querySelector('.bp-stepper').classList.contains('bp-stepper-wide')"
    out = ["side by side while in view (the graph and the steps moved under the reader)"] if page.evaluate(wide) else []
    page.evaluate("scrollTo(0, 0)")
    page.wait_for_timeout(300)
    return out + ([] if page.evaluate(wide) else ["still stacked when below the screen"])


def test_opened_at_the_graph_nothing_moves_until_it_is_out_of_view(browser_context, site_url):
    page = routed(browser_context, site_url, html=("</head>", "<script>location.hash = '#net232-graph'</script></head>"))
    assert page.evaluate("document.querySelector('#net232-graph').getBoundingClientRect().top") < 900
    assert side_by_side_when_out_of_view(page) == []
    page.close()


def test_switching_in_view_is_caught(browser_context, site_url):
    page = routed(browser_context, site_url, html=("</head>", "<script>location.hash = '#net232-graph'</script></head>"),
                  js=("if (!watch || last.boundingClientRect.top < window.innerHeight) return;", "if (!watch) return;"))
    assert side_by_side_when_out_of_view(page) == ["side by side while in view (the graph and the steps moved under the reader)"]
    page.close()


# ---------------------------------------------------------------------------
# Cheap at load: before the script starts only the first step has a box (book.css), the script
# reads no layout when it starts, and nothing moves when it does. And every step is there without
# JavaScript, on paper, and when the script fails to load.

SHOWN = """() => [...document.querySelectorAll('[data-bp-widget=stepper] ol > li')]
    .filter(li => li.getClientRects().length > 0).map(li => li.querySelector('[data-step]').textContent)"""
BOXES = """() => [...document.querySelectorAll('[data-bp-widget=stepper] ol *')].filter(e => e.getClientRects().length).length"""
EVERY_STEP = [name for name, _, _ in STEPS]
HIDE_RULE = ("> ol > li ~ li {\n    display: none;", "> ol > li ~ li {\n    display: list-item;")


def never(route):  # stepper.js that never starts: the page as it is before the script has run
    route.fulfill(body="", content_type="text/javascript")


def before_the_script(context, url, width, **edits):
    page = routed(context, url, width, ready=False, script=never, **edits)
    page.wait_for_timeout(200)
    return page


@pytest.mark.parametrize("width", (1280, 375))
def test_before_the_script_starts_only_the_first_step_has_a_box(browser_context, site_url, width):
    page = before_the_script(browser_context, site_url, width)
    assert page.evaluate(SHOWN) == EVERY_STEP[:1]
    assert page.evaluate("document.querySelectorAll('[data-bp-widget=stepper] ol > li').length") == N
    assert page.evaluate(BOXES) < 1000  # of the list's 5,000 elements (nearly all KaTeX): the first step's
    page.close()


def test_a_stepper_laid_out_whole_before_its_script_is_caught(browser_context, site_url):
    page = before_the_script(browser_context, site_url, 375, book_css=HIDE_RULE)
    assert page.evaluate(SHOWN) == EVERY_STEP and page.evaluate(BOXES) > 4000
    page.close()


# Records every read of layout (a box, a size, a computed style) made from stepper.js.
LAYOUT_READS = """
window.bpLayoutReads = [];
const spy = (owner, name, getter) => {
  const d = Object.getOwnPropertyDescriptor(owner, name);
  const wrap = function (...args) {
    if ((new Error().stack || "").includes("stepper.js")) window.bpLayoutReads.push(name);
    return getter ? d.get.call(this) : d.value.apply(this, args);
  };
  Object.defineProperty(owner, name, getter ? {...d, get: wrap} : {...d, value: wrap});
};
["getBoundingClientRect", "getClientRects", "checkVisibility"].forEach(n => spy(Element.prototype, n, false));
["clientHeight", "clientWidth", "scrollHeight", "scrollWidth", "scrollTop"].forEach(n => spy(Element.prototype, n, true));
["offsetHeight", "offsetWidth", "offsetTop", "offsetLeft"].forEach(n => spy(HTMLElement.prototype, n, true));
spy(window, "getComputedStyle", false);
"""


def layout_reads(context, url, width, **edits) -> list[str]:
    page = routed(context, url, width, init=LAYOUT_READS, **edits)
    page.wait_for_timeout(300)  # the first reports of the stepper's IntersectionObservers
    reads = page.evaluate("window.bpLayoutReads")
    page.close()
    return reads


@pytest.mark.parametrize("width", (1280, 375))
def test_the_script_measures_nothing_when_it_starts(browser_context, site_url, width):
    assert layout_reads(browser_context, site_url, width) == []


def test_a_measurement_at_start_is_caught(browser_context, site_url):
    # As the stepper once did: every step shown in turn to find the tallest.
    tallest = ("steps.forEach(function (s) { s.li.hidden = false; list.getBoundingClientRect(); });\n    show(0);")
    assert "getBoundingClientRect" in layout_reads(browser_context, site_url, 375, js=("    show(0);", tallest))


SKIPPED = "!document.querySelector('[data-bp-widget=stepper] ol').checkVisibility({contentVisibilityAuto: true})"


def test_far_from_the_screen_the_stepper_is_skipped(browser_context, site_url):
    # On a phone the stepper starts far below the first screen: content-visibility skips it (book.css),
    # and once the reader is there it works as ever.
    page = routed(browser_context, site_url, 375)
    assert page.evaluate(SKIPPED)
    to_stepper(page)
    page.wait_for_timeout(200)
    assert not page.evaluate(SKIPPED)
    page.get_by_role("button", name="Next").click()
    assert problems_at(page, 1) == []
    page.close()


def test_a_stepper_never_skipped_is_caught(browser_context, site_url):
    page = routed(browser_context, site_url, 375,
                  book_css=('[data-bp-widget]:not([data-bp-widget="stepper"]), :has', "[data-bp-widget], :has"))
    assert not page.evaluate(SKIPPED)
    page.close()


RULE_OUTSIDE = """() => { const host = document.querySelector('.bp-stepper'), ol = host.querySelector('ol');
    return host.getBoundingClientRect().left - (ol.getBoundingClientRect().left + parseFloat(getComputedStyle(ol, '::before').left)); }"""


@pytest.mark.parametrize("width", (1280, 375))
def test_the_rule_beside_the_step_is_inside_the_stepper(browser_context, site_url, width):
    # What is drawn outside a block that content-visibility may skip is clipped: the rule would vanish.
    page = routed(browser_context, site_url, width)
    assert page.evaluate(RULE_OUTSIDE) <= 0
    page.close()


def test_a_rule_outside_the_stepper_is_caught(browser_context, site_url):
    page = routed(browser_context, site_url, 375, css=("  left: -0.6em;", "  left: -0.9em;"))
    assert page.evaluate(RULE_OUTSIDE) > 0
    page.close()


# Layout shifts as the page loads, with whether any of what moved is in the stepper.
SHIFTS = """
window.bpShifts = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.bpShifts.push({
  value: e.value, input: e.hadRecentInput,
  stepper: e.sources.some(s => s.node && (s.node.nodeType === 1 ? s.node : s.node.parentElement)
    ?.closest('[data-bp-widget=stepper]'))}))).observe({type: "layout-shift", buffered: true});
"""
AT_THE_GRAPH = ("</head>", "<script>location.hash = '#net232-graph'</script></head>")


def shifts_at_start(context, url, width, **edits) -> dict:
    """Opened at the stepper's graph, with stepper.js held back a moment (so the page is drawn before
    the script starts, as on a slow phone): the layout shifts until the stepper has started."""
    def slow(route):
        time.sleep(0.7)  # the browser goes on drawing the page meanwhile
        route.continue_()

    page = routed(context, url, width, ready=False, script=slow, init=SHIFTS, html=AT_THE_GRAPH, **edits)
    page.wait_for_selector("[data-bp-widget=stepper][data-bp-ready] .bp-stepper-bar", timeout=10000)
    page.wait_for_timeout(300)
    out = page.evaluate("""() => ({cls: bpShifts.filter(s => !s.input).reduce((a, s) => a + s.value, 0),
        stepper: bpShifts.filter(s => s.stepper).map(s => s.value),
        inView: document.querySelector('.bp-stepper-bar').getBoundingClientRect().top < innerHeight})""")
    page.close()
    return out


@pytest.mark.parametrize("width", (1280, 375))
def test_nothing_moves_when_the_script_starts(browser_context, site_url, width):
    s = shifts_at_start(browser_context, site_url, width)
    # A KaTeX face arriving late may nudge a centred formula by a few pixels (about 0.0002); the bar
    # pushing the list down is 0.01 at 1280 px, 0.03 at 375 px.
    assert s["inView"] and sum(s["stepper"]) < 0.002 and s["cls"] <= 0.05, s


def test_a_bar_that_pushes_the_step_down_is_caught(browser_context, site_url):
    s = shifts_at_start(browser_context, site_url, 375,
                        book_css=("margin-top: calc(var(--bp-stepper-bar-height) + 2em);", ""))
    assert sum(s["stepper"]) > 0.01, s


def test_a_script_that_fails_to_load_leaves_every_step(browser_context, site_url):
    page = routed(browser_context, site_url, 375, ready=False, script=lambda route: route.abort())
    page.wait_for_selector("[data-bp-widget=stepper][data-bp-failed]", timeout=10000)
    assert page.evaluate(SHOWN) == EVERY_STEP
    page.close()


def test_a_failed_load_left_unmarked_is_caught(browser_context, site_url):
    page = routed(browser_context, site_url, 375, ready=False, script=lambda route: route.abort(),
                  loader=("js.onerror = function", "js.onstalled = function"))
    page.wait_for_timeout(500)
    assert page.evaluate(SHOWN) == EVERY_STEP[:1]
    page.close()


PRINT_RULE = ("> ol > li[hidden] {\n    display: list-item;", "> ol > li[hidden] {\n    display: none;")


def printed(page) -> list[str]:
    page.emulate_media(media="print")
    shown = page.evaluate(SHOWN)
    assert page.evaluate("[...document.querySelectorAll('.bp-stepper-bar')].every(b => !b.getClientRects().length)")
    return shown


def test_on_paper_every_step_shows(browser_context, site_url):
    # Printed from the browser after stepping (the stepper running), and as the PDF edition prints
    # the page (print media, the stepper not started).
    page = routed(browser_context, site_url)
    page.get_by_role("button", name="Next").click()
    assert printed(page) == EVERY_STEP
    page.close()
    page = before_the_script(browser_context, site_url, 1280)
    assert printed(page) == EVERY_STEP
    page.close()


def test_a_printout_of_one_step_is_caught(browser_context, site_url):
    page = routed(browser_context, site_url, css=PRINT_RULE)
    assert printed(page) == EVERY_STEP[:1]
    page.close()


def without_javascript(context, url, **edits):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    def server(old: str, new: str, mime: str):
        return lambda route: route.fulfill(body=route.fetch().text().replace(old, new), content_type=mime)

    for kind, (old, new) in edits.items():
        page.route(FILES[kind][0], server(old, new, FILES[kind][1]))
    page.goto(url + PAGE)
    return page


def test_without_javascript_every_step_is_a_list(browser_context, site_url):
    page = without_javascript(browser_context, site_url)
    assert page.evaluate(SHOWN) == EVERY_STEP
    assert page.query_selector(".bp-stepper-bar") is None and page.query_selector("svg .bp-on") is None
    assert page.query_selector("[data-bp-widget=stepper] figure.bp-figure svg[role=img]")
    assert page.evaluate("getComputedStyle(document.querySelector('[data-bp-widget=stepper] ol')).paddingTop") == "0px"
    page.close()


def test_steps_hidden_without_javascript_are_caught(browser_context, site_url):
    # The rule that waits for the script, applied whether or not scripts run.
    page = without_javascript(browser_context, site_url, book_css=("@media screen and (scripting: enabled)", "@media screen"))
    assert page.evaluate(SHOWN) == EVERY_STEP[:1]
    page.close()
