"""The PDF edition, read back: every chapter and section, no raw TeX, a working contents and outline,
page numbers, embedded fonts, vector figures, tabs and check boxes as designed, and the same bytes
from two builds. Each check also meets a PDF with the fault it guards against (a chapter missing,
raw TeX, wrong contents numbers, a raster image, no outline, an unembedded font) and must catch it.

The PDF is printed once per session from the session's built site (fixture built_book, the same
command as `make pdf`); a second print checks determinism, and a small faulty book is printed
from a few pages of the same site.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

import pdf_checks as checks
from site_fixtures import CHROMIUM, PDF_NAME, REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Measured: 136 pages for the 15 pages of the nav (2026-11-30), 192 for 21 (2026-12-01): about 9 a
# chapter. The range allows about 40 % either way before this test asks whether the layout broke.
PAGES_PER_CHAPTER = (5.4, 12.6)
SITE_NAME = "Backprop in Matrix Notation"


def in_thread(fn, *args, **kwargs):
    """Playwright's sync API in a thread of its own: the session's browser (browser_context) owns this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def print_title(ch: checks.ExpectedChapter) -> str:
    """The home page's <h1> is the book's name, which the cover carries; in the PDF it is the Introduction."""
    return "Introduction" if ch.title == SITE_NAME else ch.title


@pytest.fixture(scope="module")
def book(built_book):
    data = (built_book / PDF_NAME).read_bytes()
    return {"bytes": data, "reader": checks.reader(data), "texts": checks.page_texts(data),
            "chapters": checks.expected_chapters(built_book, REPO / "mkdocs.yml"), "site": built_book}


def test_every_chapter_and_section_heading_is_in_the_text(book):
    assert len(book["chapters"]) >= 10
    assert checks.missing_headings(book["texts"], book["chapters"], print_title) == []
    assert checks.line_pages(book["texts"], SITE_NAME)[0] == 1  # the cover


def test_no_raw_tex_in_the_text(book):
    assert checks.raw_tex(book["texts"]) == []
    # ... and the math is there as text: KaTeX's glyphs, e.g. the B2 recursion's δ and ⊙.
    whole = "".join(book["texts"])
    assert whole.count("δ") > 200 and whole.count("⊙") > 20


def test_page_count_is_in_the_expected_range(book):
    low, high = (round(n * len(book["chapters"])) for n in PAGES_PER_CHAPTER)
    assert low <= len(book["texts"]) <= high, f"{len(book['texts'])} pages for {len(book['chapters'])} chapters; expected {low}-{high}"


def test_every_chapter_is_a_bookmark_with_its_sections(book):
    assert checks.bookmark_problems(book["reader"], book["texts"], book["chapters"], print_title) == []
    top = [title for depth, title, _ in checks.outline(book["reader"]) if depth == 0]
    assert top == ["Contents", *[print_title(ch) for ch in book["chapters"]]]  # in nav order


def test_contents_entries_link_to_the_pages_they_name(book):
    problems, checked = checks.toc_problems(book["reader"], book["texts"])
    assert problems == []
    assert checked == sum(1 + len(ch.sections) for ch in book["chapters"])


def test_links_go_to_pages_of_the_pdf_or_to_the_web(book):
    internal, external = checks.links(book["reader"])
    assert checks.link_problems(book["reader"]) == []
    toc_entries = sum(1 + len(ch.sections) for ch in book["chapters"])
    assert len(internal) > toc_entries + 50  # besides the contents: cross references and footnotes
    assert any(uri.startswith("https://") for uri in external)


def test_page_numbers_in_the_footer_but_not_on_the_cover(book):
    assert checks.footer_problems(book["texts"]) == []


def test_fonts_are_embedded_and_math_is_katex_text(book):
    assert checks.font_problems(book["reader"]) == []
    names = " ".join(checks.fonts(book["reader"]))
    assert "KaTeX_Main" in names and "KaTeX_Math" in names


def test_figures_are_vectors(book):
    assert checks.images(book["reader"]) == []  # no raster image anywhere: figures are drawn, not pictures


def test_every_tab_is_printed_under_its_label(book):
    site = book["site"]
    labels = []
    for page in sorted(site.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r'<div class="tabbed-labels">(.*?)</div>', text, re.S):
            labels += [checks.flat(x) for x in re.findall(r"<label[^>]*>(.*?)</label>", block, re.S)]
    assert len(labels) > 10
    printed = [checks.flat(m) for text in book["texts"] for m in re.findall(r"^▸ (.+)$", text, re.M)]
    assert sorted(printed) == sorted(labels)


def test_check_badges_print_their_summary_only_and_solutions_open(book):
    site, whole = book["site"], checks.flat(" ".join(book["texts"]))
    badges, first_items, solutions = [], [], []
    for page in sorted(site.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        # A badge holds no other <details>; a solution may hold badges, so each kind is found by its own opening tag.
        for summary, body in re.findall(r"<details[^>]*\bbp-checks\b[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", text, re.S):
            badges.append(checks.flat(html.unescape(re.sub(r"<[^>]+>", "", summary))))
            first_items.append(checks.flat(html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<li>(.*?)</li>", body, re.S)[1]))))
        for summary, body in re.findall(r"<details(?![^>]*\bbp-checks\b)[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", text, re.S):
            if summary == "Solution":  # its opening words, up to the first formula, table or figure
                lead = re.split(r'<span class="arithmatex"|<div|<table|<figure|<p><span class="bp-answer"', body)[0]
                solutions.append(checks.flat(html.unescape(re.sub(r"<[^>]+>", "", lead)))[:30])
    assert len(badges) > 50 and len(solutions) > 10
    printed = re.findall(r"(?<![\"“])✓ \d+ checks? passed", whole)  # a quoted one is prose about badges
    assert sorted(printed) == sorted(badges), "every badge prints its one line, once"
    printed_lists = [item for item in first_items if item[:60] in whole]
    assert printed_lists == [], "the list inside a check badge was printed"
    readable = [lead for lead in solutions if len(lead) >= 20]
    assert len(readable) >= 5 and [lead for lead in readable if lead not in whole] == [], "a solution is not printed open"


def test_two_builds_give_the_same_bytes(book, tmp_path):
    """A second print of the same site; the raw Chromium output differs only in its two time stamps."""
    from pdf import metadata
    from pdf.__main__ import commit_label, source_date_epoch
    from pdf.assemble import assemble
    from pdf.config import load
    from pdf.printer import print_pdf

    time.sleep(1.1)  # the raw stamps are to the second: make sure they differ
    document = assemble(book["site"], load(REPO / "mkdocs.yml"), commit=commit_label(), epoch=source_date_epoch())
    raw, _ = in_thread(print_pdf, document, book["site"], chromium=CHROMIUM)
    second = metadata.normalise(raw, source_date_epoch() or 0)
    assert second == book["bytes"], "two builds differ:\n" + "\n".join(metadata.describe_differences(book["bytes"], second))
    # What normalising fixes, and only that: Chromium stamps the wall-clock time as the creation and modification dates.
    differences = metadata.describe_differences(book["bytes"], raw)
    assert [d.split(":")[0] for d in differences] == ["document info /CreationDate", "document info /ModDate"], differences


# --- the checks catch what they guard against ------------------------------------------------------------

@pytest.fixture(scope="module")
def faulty_book(built_book, tmp_path_factory):
    """A small book printed from two pages of the site, with faults put in on purpose: a formula left as raw
    TeX and a PNG picture in one page, and contents page numbers that are wrong (printed without the pass that
    fills them in, after writing wrong ones). Checked against the full nav, it also misses chapters."""
    from pdf.assemble import assemble
    from pdf.config import load
    from pdf.printer import print_pdf

    site = tmp_path_factory.mktemp("faulty-site")
    os.symlink(built_book / "assets", site / "assets")
    shutil.copy(built_book / "index.html", site / "index.html")
    (site / "errata").mkdir()
    page = (built_book / "errata" / "index.html").read_text(encoding="utf-8")
    fault = r'<p>Left as TeX: \(\frac{\partial J}{\partial W}\) and a picture <img src="../assets/images/favicon.png" alt="icon"></p>'
    page = re.sub(r"(</h1>)", r"\1" + fault.replace("\\", "\\\\"), page, count=1)
    (site / "errata" / "index.html").write_text(page, encoding="utf-8")
    yml = site / "mkdocs.yml"
    yml.write_text((REPO / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:")[0]
                   + "\nnav:\n  - Home: index.md\n  - Reference:\n      - Errata: errata.md\n", encoding="utf-8")
    document = assemble(site, load(yml))
    document.html = re.sub(r'(<span class="bp-toc-page" data-target="[^"]*">)(</span>)', r"\g<1>99\2", document.html)
    document.html = document.html.replace("</main>", '<p><a href="../errata/">a link the rewrite never saw</a></p></main>')
    data, _ = in_thread(print_pdf, document, site, chromium=CHROMIUM, toc_page_numbers=False)
    return {"bytes": data, "reader": checks.reader(data), "texts": checks.page_texts(data),
            "chapters": book_chapters(built_book)}


def book_chapters(site):
    return checks.expected_chapters(site, REPO / "mkdocs.yml")


def test_missing_chapters_are_caught(faulty_book):
    problems = checks.missing_headings(faulty_book["texts"], faulty_book["chapters"], print_title)
    missing = {p.split(":")[0] for p in problems}
    assert "layouts.md" in missing and "net232.md" in missing  # "Layouts" is in the text, but not as a heading
    assert "errata.md" not in missing and "index.md" not in missing
    marks = checks.bookmark_problems(faulty_book["reader"], faulty_book["texts"], faulty_book["chapters"], print_title)
    assert any(p.startswith("layouts.md: no top-level bookmark") for p in marks)


def test_raw_tex_is_caught(faulty_book):
    found = checks.raw_tex(faulty_book["texts"])
    assert found and all("frac" in f or "partial" in f or "\\(" in f or "\\)" in f for f in found), found


def test_wrong_contents_numbers_are_caught(faulty_book):
    problems, _ = checks.toc_problems(faulty_book["reader"], faulty_book["texts"])
    assert problems and all("says page 99" in p for p in problems), problems


def test_a_link_left_relative_is_caught(faulty_book):
    assert checks.link_problems(faulty_book["reader"]) == ["link to 'http://book.invalid/errata/'"]


def test_a_raster_image_is_caught(faulty_book):
    assert checks.images(faulty_book["reader"]), "the PNG in the faulty page was not found"


def test_a_pdf_without_outline_is_caught(faulty_book):
    writer = PdfWriter(clone_from=checks.reader(faulty_book["bytes"]))
    del writer._root_object[NameObject("/Outlines")]
    out = io.BytesIO()
    writer.write(out)
    stripped = checks.reader(out.getvalue())
    assert checks.outline(stripped) == []
    home = [ch for ch in faulty_book["chapters"] if ch.src == "index.md"]
    assert checks.bookmark_problems(stripped, faulty_book["texts"], home, print_title)


def test_an_unembedded_font_is_caught():
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    helvetica = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                  NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(helvetica)})})
    out = io.BytesIO()
    writer.write(out)
    assert checks.font_problems(checks.reader(out.getvalue())) == ["font /Helvetica (/Type1) is not embedded"]


def test_a_wrong_footer_is_caught():
    texts = ["Title", "2 / 3\nContents", "3 / 4\ntext"]
    assert checks.footer_problems(texts) == ["page 3: no footer '3 / 3'"]
    assert checks.footer_problems(["1 / 2\nTitle", "2 / 2\nx"]) == ["the cover has a page number"]
