"""The causes of layout shift that were found and fixed, checked without timing anything.

The benchmark measures layout shift (`make bench`, section layout); these tests pin the causes:

- KaTeX's fonts use font-display: block, and inline formulas change width when KaTeX_Main and
  KaTeX_Math arrive, which moves the words after them (up to 0.09 on a phone). Every page with
  math preloads those two faces from the site itself (overrides/main.html), CORS-mode as fonts
  are fetched, so the preload is used and not fetched twice.
- Figures are inline SVG: each has a viewBox (its aspect ratio) and a width, so its box is known
  before any style or script runs and nothing below it moves when it is drawn.
- content-visibility (book.css, for long pages on phones) applies on screens only, never in print
  or the PDF, and a keyboard user gets every block laid out.

Each check is a function; each has a test that feeds it the fault it guards against.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from site_fixtures import REPO

BOOK_CSS = REPO / "docs" / "assets" / "book.css"
PRELOADED = ("KaTeX_Main-Regular", "KaTeX_Math-Italic")
PRELOAD = re.compile(r"<link\b[^>]*\brel=\"preload\"[^>]*>")
SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def preload_problems(page_html: str, page_dir: Path) -> list[str]:
    """A page with KaTeX math must preload the two workhorse faces, as fonts, CORS-mode, from files that exist."""
    problems = []
    links = PRELOAD.findall(page_html)
    has_math = 'class="katex"' in page_html
    for face in PRELOADED:
        found = [link for link in links if f"/{face}.woff2" in link]
        if has_math and not found:
            problems.append(f"no preload for {face}")
        if not has_math and found:
            problems.append(f"a page without math preloads {face}")
        for link in found:
            if 'as="font"' not in link or 'type="font/woff2"' not in link:
                problems.append(f"{face}: preload is not as=font type=font/woff2: {link}")
            if not re.search(r"\bcrossorigin\b", link):
                problems.append(f"{face}: preload without crossorigin is fetched a second time for the @font-face: {link}")
            href = re.search(r'href="([^"]+)"', link)[1]
            if not (page_dir / href).resolve().is_file():
                problems.append(f"{face}: preloaded file {href} does not exist")
    return problems


def svg_size_problems(page_html: str) -> list[str]:
    """Every figure's <svg> says its size (a width and a viewBox: the height follows), so nothing moves when it is laid out."""
    problems = []
    for m in re.finditer(r'<figure class="[^"]*\bbp-figure\b[^"]*"[^>]*>\s*(?:<[^s][^>]*>\s*)*(<svg\b[^>]*>)', page_html):
        tag = m[1]
        missing = [a for a in ("width", "viewBox") if not re.search(rf'\s{a}="[^"]+"', tag)]
        if missing:
            problems.append(f"figure <svg> without {', '.join(missing)}: {tag[:120]}")
    return problems


def css_blocks(css: str) -> list[tuple[str, str]]:
    """(enclosing at-rule or '', rule text) for every rule of a flat stylesheet (one level of @media)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, i, stack = [], 0, []
    start = 0
    while i < len(css):
        c = css[i]
        if c == "{":
            head = css[start:i].strip()
            stack.append(head)
            start = i + 1
        elif c == "}":
            head = stack.pop() if stack else ""
            body = css[start:i]
            if not head.startswith("@"):
                out.append((stack[-1] if stack else "", head + " {" + body + "}"))
            start = i + 1
        elif c == ";" and stack and stack[-1].startswith("@"):
            start = i + 1
        i += 1
    return out


def content_visibility_problems(css: str) -> list[str]:
    """content-visibility: auto only inside @media screen; and a rule that lays everything out for keyboard users."""
    problems = []
    rules = css_blocks(css)
    for media, rule in rules:
        if re.search(r"content-visibility\s*:\s*auto", rule) and not re.fullmatch(r"@media\s+screen", media):
            problems.append(f"content-visibility: auto outside @media screen (print and the PDF must lay out everything): "
                            f"{rule[:100]}")
    if not any("bp-full-layout" in rule and re.search(r"content-visibility\s*:\s*visible", rule) for _, rule in rules):
        problems.append("no html.bp-full-layout rule setting content-visibility: visible (scroll-focus.js relies on it)")
    return problems


# ---------------------------------------------------------------------------
# The site as built


@pytest.mark.slow
def test_every_page_with_math_preloads_the_two_katex_faces(built_site):
    pages = sorted(built_site.rglob("index.html"))
    problems, with_math = [], 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        with_math += 'class="katex"' in html
        problems += [f"{page.relative_to(built_site)}: {p}" for p in preload_problems(html, page.parent)]
    assert with_math >= 5, "expected chapters with math"
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_every_figure_svg_has_its_size(built_site):
    problems, figures = [], 0
    for page in sorted(built_site.rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        figures += len(re.findall(r'class="[^"]*\bbp-figure\b', html))
        problems += [f"{page.relative_to(built_site)}: {p}" for p in svg_size_problems(html)]
    assert figures >= 5
    assert not problems, "\n".join(problems)


def test_content_visibility_is_for_screens_only():
    assert not content_visibility_problems(BOOK_CSS.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Each check catches the fault it guards against


def test_a_missing_or_wrong_preload_is_caught(tmp_path):
    fonts = tmp_path / "assets" / "katex" / "fonts"
    fonts.mkdir(parents=True)
    for face in PRELOADED:
        (fonts / f"{face}.woff2").write_bytes(b"wOF2")
    page = tmp_path / "chapter"
    page.mkdir()
    good = "".join(f'<link rel="preload" href="../assets/katex/fonts/{f}.woff2" as="font" type="font/woff2" crossorigin>'
                   for f in PRELOADED) + '<span class="katex"></span>'
    assert preload_problems(good, page) == []
    assert any("no preload for KaTeX_Main-Regular" in p
               for p in preload_problems('<span class="katex"></span>', page))  # template block lost
    assert any("crossorigin" in p for p in preload_problems(good.replace(" crossorigin", ""), page))
    assert any("does not exist" in p for p in preload_problems(good.replace("../assets", "../../assets"), page))
    assert any("as=font" in p for p in preload_problems(good.replace('as="font"', 'as="style"'), page))
    assert any("without math" in p for p in preload_problems(good.replace('<span class="katex"></span>', ""), page))


def test_a_figure_without_its_size_is_caught():
    good = '<figure class="bp-figure"><svg width="300" height="120" viewBox="0 0 300 120"></svg></figure>'
    assert svg_size_problems(good) == []
    assert svg_size_problems(good.replace(' width="300"', ""))
    assert svg_size_problems(good.replace(' viewBox="0 0 300 120"', ""))


def test_content_visibility_outside_screen_media_is_caught():
    good = ("@media screen { .a > p { content-visibility: auto; } }\n"
            "html.bp-full-layout .a > * { content-visibility: visible; }")
    assert content_visibility_problems(good) == []
    assert content_visibility_problems(".a > p { content-visibility: auto; }\n" + good)
    assert content_visibility_problems("@media print { .a { content-visibility: auto } }\n" + good)
    assert content_visibility_problems("@media screen { .a > p { content-visibility: auto; } }")
