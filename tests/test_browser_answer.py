"""The answer block is the first thing a reader sees: on the home page and at the top of the 2-3-2
chapter it lies inside the first screen on a desktop (1280×900) and inside the first two screens
on a phone (375×812), in both colour schemes. A spacer pushed in front of it must make the check fail.
"""

from __future__ import annotations

import pytest

from site_fixtures import SCREENSHOTS

pytestmark = pytest.mark.browser

PAGES = {"home": "", "net232": "net232/"}
SCREENS = {"desktop": (1280, 900, 1), "phone": (375, 812, 2)}  # width, height, screens the block must fit in
SCHEMES = ("light", "dark")

FACTS = """() => {
  const block = document.querySelector('.bp-the-answer');
  if (!block) return null;
  const r = block.getBoundingClientRect();
  const link = block.querySelector('a[href*="diagnosis/#fault-by-fault"]');
  return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left, right: r.right,
          height: r.height, formulas: block.querySelectorAll('.katex-display').length,
          figure: !!block.querySelector('figure.bp-figure svg[role="img"]'), link: !!link,
          scheme: document.body.getAttribute('data-md-color-scheme'), scrollY: window.scrollY};
}"""


def open_page(context, url: str, scheme: str, width: int, height: int):
    page = context.new_page()
    page.add_init_script("try { localStorage.clear() } catch (e) {}")  # start from the media query's scheme
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(100)
    return page


def answer_problems(facts: dict | None, width: int, height: int, screens: int) -> list[str]:
    """What keeps the answer block from being read without scrolling (or within `screens` screens)."""
    if facts is None:
        return ["no answer block (.bp-the-answer) on the page"]
    problems = []
    if facts["scrollY"] != 0:
        problems.append(f"the page opened scrolled to {facts['scrollY']} px")
    if facts["top"] < 0 or facts["bottom"] > screens * height:
        problems.append(f"the block spans {facts['top']:.0f}–{facts['bottom']:.0f} px, beyond {screens} × {height} px")
    if facts["left"] < 0 or facts["right"] > width:
        problems.append(f"the block spans {facts['left']:.0f}–{facts['right']:.0f} px across a {width} px screen")
    if facts["formulas"] < 2 or not facts["figure"] or not facts["link"]:
        problems.append(f"the block lacks a chain, its figure or the link to the fault table: {facts}")
    return problems


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", list(PAGES))
def test_answer_block_is_in_the_first_screens(browser_context, site_url, name, screen, scheme):
    width, height, screens = SCREENS[screen]
    page = open_page(browser_context, site_url + PAGES[name], scheme, width, height)
    facts = page.evaluate(FACTS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"answer-{name}-{scheme}-{screen}.png"))
    page.close()
    assert facts and facts["scheme"] == ("slate" if scheme == "dark" else "default"), facts
    assert not answer_problems(facts, width, height, screens), answer_problems(facts, width, height, screens)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_check_fails_when_the_block_is_moved_down(browser_context, site_url, screen):
    """A block pushed below the first screen(s) by whatever comes before it is reported."""
    width, height, screens = SCREENS[screen]
    page = open_page(browser_context, site_url, "light", width, height)
    assert not answer_problems(page.evaluate(FACTS), width, height, screens)
    free = screens * height - page.evaluate(FACTS)["bottom"]
    # The smallest push that should fail: one pixel more than the room left below the block.
    page.evaluate(f"""() => {{ const spacer = document.createElement('p'); spacer.style.height = '{free + 1}px';
                             spacer.style.margin = '0'; document.querySelector('.bp-the-answer').before(spacer); }}""")
    moved = answer_problems(page.evaluate(FACTS), width, height, screens)
    page.close()
    assert moved and "beyond" in moved[0], moved
