"""The shape explorer in a real browser (headless Chromium over the built site).

Its model must give, for every test vector of the Python reference, exactly the reference's
answer; its controls must lead there too, by mouse and by keyboard; its state lives in the URL;
it passes axe in both colour schemes, fits a 375 px phone, and the page reads without JavaScript.
"""

from __future__ import annotations

import copy

import pytest

from site_fixtures import SCREENSHOTS
from test_browser import open_page, wcag_violations
from test_explorer_js import reference_vectors

pytestmark = pytest.mark.browser

PAGE = "shape-explorer/"
QUESTION = {"widths": [2, 3, 2], "m": 1, "convention": "columns", "layout": "denominator",
            "faults": ["sigma-vector", "w-not-transposed"]}


@pytest.fixture(scope="module")
def vectors():
    return reference_vectors()


def explorer(context, url, scheme="light", width=1280):
    page, events = open_page(context, url, scheme, width)
    page.wait_for_function("window.bpExplorer && window.bpExplorer.ready === true", timeout=10000)
    return page, events


def query(config, layer=1):
    return (f"?widths={'-'.join(map(str, config['widths']))}&m={config['m']}&storage={config['convention']}"
            f"&layout={config['layout']}&faults={','.join(config['faults'])}&layer={layer}")


def drift(vectors, answers) -> list[int]:
    """Indexes of the vectors whose answer differs from the reference's."""
    assert len(vectors) == len(answers)
    return [i for i, (v, a) in enumerate(zip(vectors, answers, strict=True)) if v != a]


# What the page shows for the chosen layer, read from the DOM the reader sees.
SHOWN = r"""
() => [...document.querySelectorAll('.bpx-chain')].map(ch => ({
  name: ch.dataset.chain, verdict: ch.dataset.verdict, result: ch.dataset.result,
  shapes: [...ch.querySelectorAll('svg [data-i]')].map(e => e.dataset.shape),
  bad: [...ch.querySelectorAll('svg [data-i].bpx-bad')].map(e => Number(e.dataset.i)),
  steps: [...ch.querySelectorAll('.bpx-steps li')].map(li => li.className === 'bpx-badstep' ? 'bad' : 'ok'),
}))
"""


def dims(shape) -> str:
    return "×".join(map(str, shape)) if shape else "scalar"


def expected_view(vector, layer):
    out = []
    for c in vector["layers"][layer - 1]["chains"]:
        last = c["steps"][-1]
        bad = sorted({*range(last["left"][0], last["left"][1] + 1), *range(last["right"][0], last["right"][1] + 1)}) \
            if c["verdict"] == "mismatch" else []
        out.append({"name": c["name"], "verdict": c["verdict"], "result": dims(c["result"]) if c["result"] else "",
                    "shapes": [dims(f["shape"]) for f in c["factors"]], "bad": bad,
                    "steps": ["ok" if s["result"] else "bad" for s in c["steps"]]})
    return out


def set_controls(page, config, layer):
    """Drive the form as a reader would (mouse and typing)."""
    page.fill(".bpx-form input[type=text]", "-".join(map(str, config["widths"])))
    page.fill(".bpx-form input[type=number]", str(config["m"]))
    page.check(f".bpx-form input[type=radio][value={config['convention']}]")
    page.check(f".bpx-form input[type=radio][value={config['layout']}]")
    for box in page.query_selector_all(".bpx-form input[type=checkbox]"):
        box.set_checked(box.get_attribute("value") in config["faults"])
    page.select_option(".bpx-form select", str(layer))


def sample(vectors, n=8):
    """A few vectors with every verdict among them, small enough to draw quickly."""
    picked, seen = [], set()
    for v in vectors:
        verdicts = {c["verdict"] for layer in v["layers"] for c in layer["chains"]}
        if verdicts - seen and len(v["layers"]) <= 4:
            picked.append(v)
            seen |= verdicts
    return (picked + [v for v in vectors[::37] if v not in picked])[:n]


# ---------------------------------------------------------------------------
# The drift test: every vector through the explorer's model, in the browser


def test_every_vector_gives_the_reference_answer(browser_context, site_url, vectors):
    page, events = explorer(browser_context, site_url + PAGE)
    answers = page.evaluate("configs => configs.map(c => window.bpExplorer.compute(c))", [v["config"] for v in vectors])
    assert drift(vectors, answers) == []
    assert len(vectors) >= 200
    # The comparison can fail: a vector with a wrong expected shape, or a wrong failing product, is reported.
    planted = copy.deepcopy(vectors)
    planted[5]["layers"][0]["chains"][1]["expected"][1] += 1
    planted[9]["layers"][-1]["chains"][0]["steps"][0]["result"] = None
    assert drift(planted, answers) == [5, 9]
    assert not events["console"] and not events["failed"] and not events["outside"]
    page.close()


def test_the_controls_lead_to_the_reference_answer(browser_context, site_url, vectors):
    page, events = explorer(browser_context, site_url + PAGE)
    checked = set()
    for v in sample(vectors):
        layer = len(v["layers"])
        set_controls(page, v["config"], layer)
        assert page.evaluate(SHOWN) == expected_view(v, layer), v["config"]
        checked |= {c["verdict"] for c in v["layers"][layer - 1]["chains"]}
    assert checked == {"correct", "mismatch", "shape", "values"}
    # the live region says what happened
    assert "Layer" in page.inner_text(".bpx-status")
    # a width out of range is refused, and the last good drawing stays
    before = page.evaluate(SHOWN)
    page.fill(".bpx-form input[type=text]", "3-1000")
    assert page.get_attribute(".bpx-form input[type=text]", "aria-invalid") == "true"
    assert page.evaluate(SHOWN) == before
    assert "Layer widths need" in page.inner_text(".bpx-status")
    assert not events["console"]
    page.close()


def test_keyboard_only(browser_context, site_url, vectors):
    page, events = explorer(browser_context, site_url + PAGE)
    for _ in range(80):  # Tab from the top of the page until the widths field has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.bpx-form input[type=text]')"):
            break
    else:
        pytest.fail("the widths field cannot be reached with Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("3-3-3")
    page.keyboard.press("Tab")  # batch size
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")  # layer
    page.keyboard.press("Tab")  # storage: columns is checked
    page.keyboard.press("ArrowDown")  # PyTorch rows
    page.keyboard.press("Tab")  # layout: denominator
    page.keyboard.press("Tab")  # first fault: σ′ as a vector
    page.keyboard.press("Tab")  # W not transposed
    page.keyboard.press("Space")
    config = {"widths": [3, 3, 3], "m": 3, "convention": "pytorch", "layout": "denominator", "faults": ["w-not-transposed"]}
    reference = next((v for v in vectors if v["config"] == config), None)
    answer = page.evaluate("c => window.bpExplorer.compute(c)", config)
    if reference is not None:
        assert answer == reference
    assert page.evaluate(SHOWN) == expected_view(answer, 1)
    assert [c["verdict"] for c in answer["layers"][0]["chains"]] == ["values"] * 4  # square: fits, wrong values
    assert "wrong values" in page.inner_text(".bpx-status")
    # the overview's layer buttons work from the keyboard too
    page.focus(".bpx-overview button >> nth=1")
    page.keyboard.press("Enter")
    assert page.get_attribute(".bpx-overview button >> nth=1", "aria-pressed") == "true"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Show layer 2"  # the focus stays
    assert page.evaluate(SHOWN) == expected_view(answer, 2)
    assert not events["console"]
    page.close()


def test_the_url_keeps_the_configuration(browser_context, site_url, vectors):
    page, events = explorer(browser_context, site_url + PAGE)
    v = next(v for v in vectors if len(v["layers"]) == 3 and v["config"]["faults"] and v["config"]["m"] < 20)
    set_controls(page, v["config"], 2)
    url, shown = page.url, page.evaluate(SHOWN)
    assert url.endswith(query(v["config"], 2))
    assert page.get_attribute(".bpx-link", "href") == query(v["config"], 2)
    page.close()
    again, events2 = explorer(browser_context, url)
    assert again.evaluate(SHOWN) == shown == expected_view(v, 2)
    assert again.input_value(".bpx-form input[type=text]") == "-".join(map(str, v["config"]["widths"]))
    checked = again.eval_on_selector_all(".bpx-form input:checked", "xs => xs.map(x => x.value)")
    assert checked == [v["config"]["convention"], v["config"]["layout"], *v["config"]["faults"]]
    # junk in the URL falls back to the defaults instead of breaking the page
    junk, events3 = explorer(browser_context, site_url + PAGE + "?widths=0-0&m=x&storage=rows&faults=nope")
    assert junk.input_value(".bpx-form input[type=text]") == "2-3-2"
    assert not events["console"] + events2["console"] + events3["console"]
    again.close()
    junk.close()


EMBEDS = {"layouts/": QUESTION, "minibatches/": {**QUESTION, "widths": [3, 5, 2], "m": 4, "convention": "pytorch", "faults": []}}


def shown_config(page):
    return {"widths": page.input_value(".bpx-form input[type=text]"), "m": page.input_value(".bpx-form input[type=number]"),
            "checked": page.eval_on_selector_all(".bpx-form input:checked", "xs => xs.map(x => x.value)")}


def as_shown(config):
    return {"widths": "-".join(map(str, config["widths"])), "m": str(config["m"]),
            "checked": [config["convention"], config["layout"], *config["faults"]]}


def toggle_and_read(page):
    """Switch off the first checked fault (or switch one on), and read the address bar and the link."""
    box = page.query_selector(".bpx-form input[type=checkbox]:checked") or page.query_selector(".bpx-form input[type=checkbox]")
    box.set_checked(not box.is_checked())
    return page.url, page.get_attribute(".bpx-link", "href")


@pytest.mark.parametrize("path", sorted(EMBEDS))
def test_an_embedded_explorer_starts_where_its_page_says_and_leaves_the_url_alone(browser_context, site_url, path):
    config = EMBEDS[path]
    page, events = explorer(browser_context, site_url + path)
    assert shown_config(page) == as_shown(config)
    url, link = toggle_and_read(page)
    assert url.split("#")[0] == site_url + path  # no query written to the chapter's address
    assert link.startswith(site_url + PAGE + "?widths=")  # the link opens the standalone explorer
    assert page.evaluate("window.bpExplorer.instances.length") == 1
    page.close()
    # a query in the chapter's address (say, a shared explorer link pasted onto it) is ignored
    other, events2 = explorer(browser_context, site_url + path + query({**config, "widths": [4, 4], "m": 7}))
    assert shown_config(other) == as_shown(config)
    other.close()
    # the test can fail: an embed that keeps its state in the URL is caught by the same reading
    page = browser_context.new_page()
    page.add_init_script("""document.addEventListener('DOMContentLoaded', () =>
        document.querySelector('[data-bp-widget=explorer]').setAttribute('data-url', 'state'))""")
    page.goto(site_url + path)
    page.wait_for_function("window.bpExplorer && window.bpExplorer.ready === true", timeout=10000)
    url, link = toggle_and_read(page)
    assert "?widths=" in url and link.startswith("?widths=")
    page.close()
    assert not events["console"] + events2["console"]


def test_widgets_load_only_where_they_are_used(browser_context, site_url):
    for path, expected in (("", 0), ("notation/", 0), ("layouts/", 1), (PAGE, 1)):
        page, events = open_page(browser_context, site_url + path, "light", 1280)
        loaded = page.evaluate("performance.getEntriesByType('resource').map(r => r.name).filter(n => /widgets\\/explorer/.test(n))")
        assert len([u for u in loaded if u.endswith(".js")]) == expected, (path, loaded)
        assert len([u for u in loaded if u.endswith(".css")]) == expected, (path, loaded)
        assert not events["console"] and not events["failed"]
        page.close()


def test_without_javascript_the_page_reads_in_full(browser_context, site_url):
    page = browser_context.new_page()
    cdp = browser_context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.goto(site_url + PAGE)
    text = page.inner_text("article")
    assert "needs JavaScript" in text and "2×1" in text
    assert page.query_selector(".bpx") is None
    assert page.query_selector("[data-bp-widget=explorer] figure.bp-figure svg[role=img]")
    for path in EMBEDS:  # an embed shows its own configuration's chains, worked out during the build
        page.goto(site_url + path)
        assert "does not conform" in page.inner_text("[data-bp-widget=explorer] table") or path != "layouts/"
        assert page.query_selector("[data-bp-widget=explorer] a.bpx-home") and page.query_selector(".bpx") is None
    page.close()


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_axe_finds_no_violation(browser_context, site_url, scheme):
    report = []
    for q in ("", query(QUESTION), query({**QUESTION, "widths": [784, 128, 10], "m": 32, "faults": ["bias-axis", "dw-transposed"]})):
        for width in (1280, 375):
            page, events = explorer(browser_context, site_url + PAGE + q, scheme, width)
            report += [f"{q or 'default'} [{scheme}, {width}px] {v}" for v in wcag_violations(page)]
            page.close()
    assert not report, "\n".join(report)


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("width", (1280, 375))
def test_fits_the_screen_and_is_photographed(browser_context, site_url, scheme, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    deep = {"widths": [999, 8, 999, 1, 7, 7, 3, 2, 999], "m": 999, "convention": "cs231n", "layout": "numerator",
            "faults": ["twice", "wrong-layer"]}
    for name, q in (("question", query(QUESTION)), ("deep", query(deep, 3))):
        page, events = explorer(browser_context, site_url + PAGE + q, scheme, width)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"{name} [{scheme}, {width}px]: {overflow} px wider than the screen")
        problems += [f"{name} [{scheme}, {width}px]: {m}" for m in events["console"]]
        page.locator(".bpx").screenshot(path=str(SCREENSHOTS / f"shape-explorer-{name}-{scheme}-{width}.png"))
        page.close()
    assert not problems, "\n".join(problems)
