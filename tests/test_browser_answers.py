"""The answer fields in a real browser (headless Chromium over the built site).

Every field on every page of the built book is found (so this test grows as chapters add fields)
and driven as a reader would: the answer typed as the build printed it (and in another written
form) says right; each declared mistake's value shows exactly that mistake's sentence from
includes/hints.md; fewer decimals say close; an unrelated value says wrong. Also: keyboard only,
the live region and the accessible names, axe with fields answered right and wrong in both colour
schemes, no horizontal overflow at 375 px, no console error and no request leaving the site,
nothing without JavaScript, and no layout shift when a field appears. Screenshots of a field of
each form in each state, light and dark, 1280 and 375 px, go to artifacts-ci/screenshots/.

Expected sentences come from includes/hints.md itself and expected values from each field's data
(the build's printed numbers), never from answer.js; planted faults show the checks can fail.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from book import answers
from site_fixtures import REPO, SCREENSHOTS, page_paths
from test_browser import AXE, open_page

pytestmark = pytest.mark.browser

FIELD = re.compile(r'<span class="bp-answer[^"]*"[^>]*?data-answer="(?P<spec>[^"]*)"[^>]*>\s*'
                   r'<label for="(?P<id>[^"]+)">(?P<label>.*?)</label>')
READY = "() => [...document.querySelectorAll('.bp-answer')].every(e => e.hasAttribute('data-bp-ready') && !e.hidden)"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sentences() -> dict[str, str]:
    """includes/hints.md read here, on its own: section name -> the sentence, whitespace joined."""
    text = (REPO / "includes" / "hints.md").read_text(encoding="utf-8")
    parts = re.split(r"(?m)^## +(\S+)[ \t]*$", text)
    return {parts[i]: " ".join(parts[i + 1].split()) for i in range(1, len(parts), 2)}


H = sentences()


def fields_in(site) -> list[dict]:
    out = []
    for path in page_paths(site):
        html = (site / path / "index.html").read_text(encoding="utf-8")
        for m in FIELD.finditer(html):
            out.append({"page": path, "id": m["id"], "spec": json.loads(unescape(m["spec"])),
                        "label": unescape(re.sub(r"<[^>]+>", "", m["label"]))})
    return out


@pytest.fixture(scope="module")
def fields(built_site) -> list[dict]:
    found = fields_in(built_site)
    assert found, "no answer field in the built book"
    return found


def by_page(fields) -> dict[str, list[dict]]:
    pages: dict[str, list[dict]] = {}
    for f in fields:
        pages.setdefault(f["page"], []).append(f)
    return pages


# ---------------------------------------------------------------------------
# What a reader types, made from a field's data


def form(rec: dict) -> str:
    if rec["kind"] == "array":
        return "vector" if 1 in rec["shape"] else "matrix"
    return rec["kind"]


def cells(rec: dict) -> list[list[str]]:
    return [[rec["text"]]] if rec["kind"] == "number" else rec["cells"]


def dims(rec: dict) -> list[int]:
    return rec["shape"] + [1] if len(rec["shape"]) == 1 else rec["shape"]


def written(rec: dict, rows: list[list[str]] | None = None) -> str:
    """The value as the page prints it: 0.0610, [a, b, c], [[a, b], [c, d]], 3×2."""
    if rec["kind"] == "shape":
        return "×".join(map(str, dims(rec)))
    rows = rows or cells(rec)
    if rec["kind"] == "number":
        return rows[0][0]
    if form(rec) == "vector":
        return "[" + ", ".join(c for row in rows for c in row) + "]"
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"


def written_otherwise(rec: dict) -> str:
    """The same value in another accepted form: Unicode minus, trailing zeros left out, a column, MATLAB rows, 3x2."""
    if rec["kind"] == "shape":
        return " x ".join(map(str, dims(rec)))

    def short(c: str) -> str:
        c = c.rstrip("0").rstrip(".") if "." in c else c
        return c.replace("-", "\u2212")

    rows = [[short(c) for c in row] for row in cells(rec)]
    if rec["kind"] == "number":
        return rows[0][0]
    if form(rec) == "vector":
        return "[" + "; ".join(c for row in rows for c in row) + "]"
    return "[" + "; ".join(", ".join(row) for row in rows) + "]"


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def reading(rec_or_text_rows) -> list[dict]:
    return [{"rows": [[[float(c), decimals(c)] for c in row] for row in rec_or_text_rows]}]


def unrelated(spec: dict) -> str:
    rec = spec["expect"]
    if rec["kind"] == "shape":
        return "×".join(str(d + 7) for d in dims(rec))
    rows = [[f"{float(c) + 1000:.{decimals(c)}f}" for c in row] for row in cells(rec)]
    assert answers.judge(spec, reading(rows))["state"] == "wrong"
    return written(rec, rows)


def coarse(spec: dict) -> tuple[str, str] | None:
    """The answer with fewer decimals than printed, and the 'close' sentence it should get (None if no such value)."""
    rec = spec["expect"]
    if rec["kind"] == "shape":
        return None
    d = max(decimals(c) for row in cells(rec) for c in row)
    for fewer in range(d - 1, 0, -1):
        rows = [[f"{float(c):.{fewer}f}" for c in row] for row in cells(rec)]
        if answers.judge(spec, reading(rows))["state"] == "close":
            return written(rec, rows), H["close"].replace("{decimals}", f"{d} decimal place{'s' if d != 1 else ''}")
    return None


# ---------------------------------------------------------------------------
# Driving a field


def answer(page, uid: str, text: str) -> dict:
    """Type `text` into the field and press Enter; what the field then shows."""
    box = page.locator(f"#{uid}")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function("id => document.getElementById(id + '-said').textContent !== ''", arg=uid, timeout=5000)
    return page.evaluate("""id => {
        const input = document.getElementById(id), host = input.closest('.bp-answer');
        return {state: host.dataset.state, mistake: host.dataset.mistake || null,
                said: document.getElementById(id + '-said').textContent, invalid: input.getAttribute('aria-invalid')};
      }""", uid)


def problems_of(page, field: dict) -> list[str]:
    """Everything the field should say, typed in turn; the differences."""
    spec, uid, out = field["spec"], field["id"], []

    def expect(text, state, said, mistake=None):
        got = answer(page, uid, text)
        want = {"state": state, "mistake": mistake, "said": said, "invalid": None if state in ("right", "close") else "true"}
        if got != want:
            out.append(f"/{field['page']}#{uid}: typing {text!r} gave {got}, expected {want}")

    expect(written(spec["expect"]), "right", H["right"])
    expect(written_otherwise(spec["expect"]), "right", H["right"])
    for m in spec["mistakes"]:
        expect(written(m["value"]), "hint", H[m["kind"]], m["kind"])
    expect(unrelated(spec), "wrong", H["wrong"])
    if near := coarse(spec):
        expect(near[0], "close", near[1])
    return out


def names_of(page, field: dict) -> list[str]:
    """The field's input is named by its label (which names the exercise), its button says what it checks,
    and its verdict is a polite live region that also describes the input."""
    uid, label, out = field["id"], field["label"], []
    if page.get_by_role("textbox", name=label, exact=True).count() != 1:
        out.append(f"/{field['page']}#{uid}: no text box named {label!r}")
    name = f"Check {label[0].lower()}{label[1:]}"
    if page.get_by_role("button", name=name, exact=True).count() != 1:
        out.append(f"/{field['page']}#{uid}: no button named {name!r}")
    live = page.evaluate("""id => { const out = document.getElementById(id + '-said'), input = document.getElementById(id);
        return [out.getAttribute('role'), out.getAttribute('aria-live'), input.getAttribute('aria-describedby'),
                input.closest('.bp-answer').contains(out)]; }""", uid)
    if live != ["status", "polite", f"{uid}-said", True]:
        out.append(f"/{field['page']}#{uid}: live region {live}")
    return out


def open_fields(context, url, scheme="light", width=1280):
    page, events = open_page(context, url, scheme, width)
    page.wait_for_function(READY, timeout=10000)
    return page, events


# ---------------------------------------------------------------------------


def test_every_field_says_what_the_build_checked(browser_context, site_url, fields):
    problems, tried = [], set()
    for path, here in by_page(fields).items():
        page, events = open_fields(browser_context, site_url + path)
        assert page.locator(".bp-answer").count() == len(here)
        for f in here:
            problems += names_of(page, f)
            problems += problems_of(page, f)
            tried |= {m["kind"] for m in f["spec"]["mistakes"]}
        problems += [f"/{path}: console {m}" for m in events["console"]]
        problems += [f"/{path}: request failed {u}" for u in events["failed"]]
        problems += [f"/{path}: request left the site {u}" for u in events["outside"]]
        page.close()
    assert not problems, "\n".join(problems)
    assert tried, "no field declares a mistake"


def test_a_planted_wrong_hint_mapping_is_caught(browser_context, site_url, fields):
    field = next(f for f in fields if f["spec"]["mistakes"])
    kinds = [m["kind"] for m in field["spec"]["mistakes"]]

    def planted(edit):
        """The field's page with its data-answer edited in the served HTML, before the script reads it."""
        page = browser_context.new_page()

        def rewrite(route):
            html = route.fetch().text()
            m = next(m for m in FIELD.finditer(html) if m["id"] == field["id"])
            spec = json.loads(unescape(m["spec"]))
            edit(spec)
            data = json.dumps(spec, sort_keys=True).replace("&", "&amp;").replace('"', "&quot;")
            route.fulfill(body=html[:m.start("spec")] + data + html[m.end("spec"):], content_type="text/html")

        page.route(re.compile(re.escape(site_url + field["page"]) + r"$"), rewrite)
        page.goto(site_url + field["page"])
        page.wait_for_function(READY, timeout=10000)
        found = problems_of(page, field)
        page.close()
        return found

    def generic(spec):  # the first mistake shows the plain 'wrong' sentence
        spec["mistakes"][0]["hint"] = spec["wrong"]

    def relabelled(spec):  # the first mistake's value is filed under another kind
        spec["mistakes"][0]["kind"] = "transpose" if kinds[0] != "transpose" else "sign"

    found = planted(generic)
    assert any(f"typing {written(field['spec']['mistakes'][0]['value'])!r}" in p for p in found), found
    assert planted(relabelled)
    if len(kinds) > 1:  # two hints swapped
        def swapped(spec):
            spec["mistakes"][0]["hint"], spec["mistakes"][1]["hint"] = spec["mistakes"][1]["hint"], spec["mistakes"][0]["hint"]
        assert len(planted(swapped)) >= 2


def test_keyboard_only_and_the_live_region(browser_context, site_url, fields):
    """One field, from the top of its page, by keyboard alone (every field has the same markup; names_of checks each)."""
    for path, here in list(by_page(fields).items())[:1]:
        field = here[0]
        page, events = open_fields(browser_context, site_url + path)
        for _ in range(600):  # Tab from the top of the page to the field
            page.keyboard.press("Tab")
            if page.evaluate("id => document.activeElement.id === id", field["id"]):
                break
        else:
            pytest.fail(f"/{path}: the field #{field['id']} cannot be reached with Tab")
        assert names_of(page, field) == []
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"  # focus shows
        page.keyboard.type(written(field["spec"]["expect"]))
        page.keyboard.press("Enter")
        status = page.locator(f"#{field['id']}-said")
        assert status.text_content() == H["right"]
        # what a screen reader is given: a status with the verdict, and the input described by it
        assert status.aria_snapshot() in (f"- status: \"{H['right']}\"", f"- status: {H['right']}")
        box = page.locator(f"#{field['id']}")
        assert page.get_by_role("textbox", name=field["label"], exact=True).get_attribute("aria-describedby") == f"{field['id']}-said"
        # Tab to the button; a wrong answer checked with Space, then again with Enter: read out again
        page.keyboard.press("Control+A")
        page.keyboard.type(unrelated(field["spec"]))
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.evaluate("""id => {
                           const out = document.getElementById(id + '-said'), all = {childList: true, characterData: true, subtree: true};
                           window.__heard = [];
                           new MutationObserver(() => window.__heard.push(out.textContent)).observe(out, all);
                         }""", field["id"])
        page.keyboard.press("Space")
        page.wait_for_function("id => document.getElementById(id + '-said').textContent !== ''", arg=field["id"])
        page.keyboard.press("Enter")  # the same words again: the region empties, then says them again
        page.wait_for_function("w => window.__heard.length >= 3 && window.__heard[window.__heard.length - 1] === w", arg=H["wrong"])
        assert page.evaluate("window.__heard") == [H["wrong"], "", H["wrong"]]
        assert box.get_attribute("aria-invalid") == "true"
        # back to the input: typing clears the old verdict
        page.keyboard.press("Shift+Tab")
        page.keyboard.type("1")
        assert status.text_content() == "" and box.get_attribute("aria-invalid") is None
        assert not events["console"], events["console"]
        page.close()


STATES = ("right", "hint", "wrong", "close")


def typed_for(spec: dict, state: str) -> str:
    if state == "right":
        return written(spec["expect"])
    if state == "hint" and spec["mistakes"]:
        return written(spec["mistakes"][0]["value"])
    if state == "close" and (near := coarse(spec)):
        return near[0]
    return unrelated(spec)


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_axe_finds_no_violation_in_answered_fields(browser_context, site_url, fields, scheme):
    """Every page with its fields in all states at once (each field sits on its own background: a question, a
    tip, the page); the first page also with every field in each state in turn, and at 375 px."""
    script = AXE.read_text(encoding="utf-8")
    report = []
    for n, (path, here) in enumerate(by_page(fields).items()):
        for width in (1280, 375) if n == 0 else (1280,):
            turns = len(STATES) if n == 0 and width == 1280 else 1
            rounds = [[STATES[(i + k + n) % len(STATES)] for i in range(len(here))] for k in range(turns)]
            page, events = open_fields(browser_context, site_url + path, scheme, width)
            page.add_script_tag(content=script)
            for states in rounds:
                for f, state in zip(here, states, strict=True):
                    answer(page, f["id"], typed_for(f["spec"], state))
                result = page.evaluate(
                    """async tags => {
                         const r = await axe.run({include: [['.bp-answer']]}, {runOnly: {type: 'tag', values: tags}});
                         return r.violations.map(v =>
                           `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' '))}`);
                       }""", WCAG)
                report += [f"/{path} [{scheme}, {width}px, {'/'.join(states)}] {v}" for v in result]
            report += [f"/{path}: console {m}" for m in events["console"]]
            page.close()
    assert not report, "\n".join(report)


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("width", (1280, 375))
def test_fits_the_screen_and_is_photographed(browser_context, site_url, fields, scheme, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    pages = by_page(fields) if width < 1000 else {}
    for path, here in pages.items():  # on a phone, the longest sentence each field can say, on every page
        page, events = open_fields(browser_context, site_url + path, scheme, width)
        for f in here:
            spec = f["spec"]
            said = [(H["right"], written(spec["expect"])), (H["wrong"], unrelated(spec))]
            said += [(H[m["kind"]], written(m["value"])) for m in spec["mistakes"]]
            answer(page, f["id"], max(said, key=lambda p: len(p[0]))[1])
            right_edge = page.evaluate("id => document.getElementById(id).closest('.bp-answer').getBoundingClientRect().right", f["id"])
            if right_edge > width:
                problems.append(f"/{path}#{f['id']} [{scheme}, {width}px]: the field reaches {right_edge:.0f} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"/{path} [{scheme}, {width}px]: {overflow} px wider than the screen")
        problems += [f"/{path}: console {m}" for m in events["console"]]
        page.close()
    # a field of each form, in each state
    firsts = {}
    for f in fields:
        firsts.setdefault(form(f["spec"]["expect"]), f)
    for kind, f in firsts.items():
        page, _ = open_fields(browser_context, site_url + f["page"], scheme, width)
        host = page.locator(f"#{f['id']}").locator("xpath=ancestor::*[contains(@class, 'admonition') or self::details][1]")
        if host.count() == 0:
            host = page.locator(f"#{f['id']}").locator("xpath=ancestor::span[contains(@class, 'bp-answer')]")
        spec = f["spec"]
        states = ["empty", "right", "wrong"] + ["hint"] * bool(spec["mistakes"]) + ["close"] * bool(coarse(spec))
        for state in states:
            if state != "empty":
                answer(page, f["id"], typed_for(spec, state))
            host.screenshot(path=str(SCREENSHOTS / f"answer-{kind}-{state}-{scheme}-{width}.png"))
        page.close()
    assert not problems, "\n".join(problems)


def test_without_javascript_the_fields_take_no_room(browser_context, site_url, fields):
    for path in by_page(fields):
        page = browser_context.new_page()
        cdp = browser_context.new_cdp_session(page)
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        page.goto(site_url + path)
        boxes = page.eval_on_selector_all(".bp-answer", "es => es.map(e => [getComputedStyle(e).display, e.offsetHeight])")
        assert boxes and all(b == ["none", 0] for b in boxes), boxes
        assert page.locator("article details").count() >= 1  # the worked solutions are there
        page.close()


# Before the widget runs (at DOMContentLoaded the loader has not yet fetched answer.js) and after:
# each field's height and the distance from its top to the next block. Equal: showing it shifts nothing.
GEOMETRY = """
window.__geometry = () => [...document.querySelectorAll('.bp-answer')].map(host => {
  const block = host.closest('p') || host, next = block.nextElementSibling, top = host.getBoundingClientRect().top;
  return {hidden: host.hidden, height: host.getBoundingClientRect().height, next: next ? next.getBoundingClientRect().top - top : null};
});
document.addEventListener('DOMContentLoaded', () => { window.__before = window.__geometry(); });
"""


def shifts(page, url) -> list[str]:
    page.add_init_script(GEOMETRY)
    page.goto(url)
    page.wait_for_function(READY, timeout=10000)
    before, after = page.evaluate("window.__before"), page.evaluate("window.__geometry()")
    assert before and all(b["hidden"] for b in before) and not any(a["hidden"] for a in after)
    return [f"field {i + 1}: {b} -> {a}" for i, (b, a) in enumerate(zip(before, after, strict=True))
            if abs(b["height"] - a["height"]) > 0.5 or (b["next"] is not None and abs(b["next"] - a["next"]) > 0.5)]


@pytest.mark.parametrize("width", (1280, 375))
def test_showing_a_field_shifts_nothing(browser_context, site_url, fields, width):
    for path in by_page(fields):
        page = browser_context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        assert shifts(page, site_url + path) == [], path
        page.close()
    # The check can fail: with the field taking no room while hidden (display: none), it is caught.
    path = next(iter(by_page(fields)))
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})

    def no_reserve(route):
        css = route.fetch().text()
        assert ".md-typeset .bp-answer[hidden] {\n  visibility: hidden;" in css
        route.fulfill(body=css.replace(".md-typeset .bp-answer[hidden] {\n  visibility: hidden;",
                                       ".md-typeset .bp-answer[hidden] {\n  display: none;"), content_type="text/css")

    page.route(re.compile(r".*/assets/book\.css$"), no_reserve)
    assert shifts(page, site_url + path)
    page.close()


def test_answer_files_load_only_where_there_is_a_field(browser_context, site_url, built_site, fields):
    with_fields = set(by_page(fields))
    without = next(p for p in page_paths(built_site) if p not in with_fields)
    for path, expected in ((without, 0), (next(iter(with_fields)), 1)):
        page, events = open_page(browser_context, site_url + path, "light", 1280)
        loaded = page.evaluate("performance.getEntriesByType('resource').map(r => r.name).filter(n => /widgets\\/answer\\./.test(n))")
        assert sorted(u.rsplit(".", 1)[1] for u in loaded) == ["css", "js"] * expected, (path, loaded)
        assert not events["console"] and not events["failed"]
        page.close()
