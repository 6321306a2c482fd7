"""The PDF edition's parts without a browser: the nav, rewriting a chapter, assembling, metadata.

Each test states the expected output by hand for a small input written here, so a wrong
rewrite (an id not prefixed, a link left pointing at the web page, a tab hidden, a check box
opened) fails by name. The printed book itself is tested in test_pdf.py.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from pdf import metadata
from pdf.assemble import check_links
from pdf.config import Chapter, load, page_location
from pdf.rewrite import ChapterRewriter, rewrite_chapter

SITE = "https://example.org/book/"
CHAPTERS = [
    Chapter("index.md", "Home", None, "", "index.html", "index"),
    Chapter("layouts.md", "Layouts", "Foundations", "layouts/", "layouts/index.html", "layouts"),
    Chapter("net232.md", "The 2-3-2 network", "Worked", "net232/", "net232/index.html", "net232"),
]


def page(article: str) -> str:
    return f'<html><head><title>t</title></head><body><article class="md-content__inner md-typeset">{article}</article></body></html>'


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def rewrite(article: str, chapter: Chapter = CHAPTERS[2]):
    return rewrite_chapter(page(article), chapter, CHAPTERS, SITE)


def test_nav_order_parts_and_page_locations(tmp_path):
    yml = tmp_path / "mkdocs.yml"
    yml.write_text(textwrap.dedent("""\
        site_name: B
        site_url: https://example.org/book
        extra: !ENV [X, 1]
        nav:
          - Home: index.md
          - Part one:
              - One: one.md
              - sub/two.md
              - Elsewhere: https://example.com/
          - Part two:
              - Three: sub/index.md
        """), encoding="utf-8")
    config = load(yml)
    assert config.site_url == "https://example.org/book/"
    assert [(c.nav_title, c.part, c.url, c.file, c.slug) for c in config.chapters] == [
        ("Home", None, "", "index.html", "index"),
        ("One", "Part one", "one/", "one/index.html", "one"),
        ("sub-two", "Part one", "sub/two/", "sub/two/index.html", "sub-two"),
        ("Three", "Part two", "sub/", "sub/index.html", "sub-index"),
    ]
    assert page_location("one.md", use_directory_urls=False) == ("one.html", "one.html")


def test_ids_get_the_chapter_prefix_and_every_reference_follows():
    out = rewrite(
        '<h1 id="the-network">The network</h1>'
        '<p>See <a href="#fn:1">note</a>.</p>'
        '<svg aria-labelledby="t1 d1" role="img"><title id="t1">T</title><desc id="d1">D</desc>'
        '<clipPath id="c1"><rect/></clipPath><g clip-path="url(#c1)"></g><use xlink:href="#c1"/></svg>'
        '<style>g { clip-path: url(#c1) }</style>'
        '<div class="footnote"><ol><li id="fn:1">n</li></ol></div>'
    )
    html = out.html
    assert 'id="net232--the-network"' in html and 'id="net232--fn:1"' in html
    assert 'href="#net232--fn:1"' in html
    assert 'aria-labelledby="net232--t1 net232--d1"' in html
    assert 'clip-path="url(#net232--c1)"' in html and 'xlink:href="#net232--c1"' in html
    assert "url(#net232--c1)" in html.split("<style>")[1]
    assert out.title == "The network"
    assert out.ids == {"net232--the-network", "net232--t1", "net232--d1", "net232--c1", "net232--fn:1"}


def test_links_to_chapters_become_internal_and_the_rest_absolute():
    html = rewrite(
        '<h1 id="t">T</h1>'
        '<a href="../layouts/#numerator-layout">a</a> <a href="../layouts/">b</a> <a href="../">c</a>'
        '<a href="../layouts/index.html#x">d</a> <a href="https://example.com/x#y">e</a>'
        '<a href="../backprop.pdf">f</a> <a href="mailto:a@b.c">g</a> <a href="#t">h</a>'
        f'<a href="{SITE}net232/#t">i</a> <img src="../assets/p.png" alt="p">'
    ).html
    assert 'href="#layouts--numerator-layout"' in html
    assert 'href="#layouts"' in html and 'href="#index"' in html and 'href="#layouts--x"' in html
    assert 'href="https://example.com/x#y"' in html
    assert f'href="{SITE}backprop.pdf"' in html  # a file of the site, not a chapter: the published copy
    assert 'href="mailto:a@b.c"' in html and html.count('href="#net232--t"') == 2
    assert 'src="../assets/p.png"' in html  # the document sits at print/, one level down like a chapter


def test_every_tab_prints_under_its_label():
    html = rewrite(
        '<h1 id="t">T</h1><div class="tabbed-set tabbed-alternate" data-tabs="1:2">'
        '<input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio" />'
        '<input id="__tabbed_1_2" name="__tabbed_1" type="radio" />'
        '<div class="tabbed-labels"><label for="__tabbed_1_1">Denominator</label><label for="__tabbed_1_2">Numerator</label></div>'
        '<div class="tabbed-content">'
        '<div class="tabbed-block"><p>one</p><div class="x"><p>nested</p></div></div>'
        '<div class="tabbed-block"><p>two</p></div>'
        "</div></div><p>after</p>"
    ).html
    assert "<input" not in html and "tabbed" not in html
    assert words(html) == "T Denominator one nested Numerator two after"
    assert html.index("Denominator") < html.index("one") < html.index("Numerator") < html.index("two")
    assert html.count('<p class="bp-tab-label">') == 2
    assert html.count("<div") == html.count("</div>")


def test_solutions_open_and_check_boxes_stay_one_line():
    html = rewrite(
        '<h1 id="t">T</h1>'
        '<details class="tip"><summary>Solution</summary><p>s</p></details>'
        '<details class="note"><summary>More</summary><p>m</p></details>'
        '<details class="bp-checks" data-search-exclude open><summary>3 checks passed</summary><ul><li>c</li></ul></details>'
    ).html
    assert '<details class="tip" open>' in html and '<details class="note" open>' in html
    assert '<details class="bp-checks" data-search-exclude>' in html


def test_permalinks_edit_button_and_web_only_parts_are_dropped():
    html = rewrite(
        '<a href="https://github.com/x/edit" title="Edit" class="md-content__button md-icon"><svg><path d="M1"/></svg></a>'
        '<h1 id="t">T<a class="headerlink" href="#t" title="Permanent link">&para;</a></h1>'
        '<p class="bp-web-only">The <a href="../x.pdf">PDF</a> <span><span>x</span></span></p><p>kept</p>'
    ).html
    assert "md-content__button" not in html and "headerlink" not in html and "PDF" not in html
    assert words(html) == "T kept"


def test_tokenizer_keeps_attribute_values_with_angle_brackets_comments_and_raw_text():
    body = '<h1 id="t">T</h1><p title="a > b" id="p">x</p><!-- <a href="#nope"> --><script>if (a<b) {}</script>'
    html = rewrite(body).html
    assert '<p title="a > b" id="net232--p">' in html
    assert '<!-- <a href="#nope"> -->' in html and "<script>if (a<b) {}</script>" in html


def test_rewriter_resolves_relative_links_from_the_page_location():
    r = ChapterRewriter(CHAPTERS[0], CHAPTERS, SITE)
    assert r.link("layouts/#a") == "#layouts--a"
    assert r.link("net232/") == "#net232"
    assert r.link("assets/x.css") == SITE + "assets/x.css"


def test_a_page_without_one_h1_is_refused():
    with pytest.raises(ValueError, match="one <h1>"):
        rewrite("<p>no heading</p>")
    with pytest.raises(ValueError, match="no <article>"):
        rewrite_chapter("<html><body><p>x</p></body></html>", CHAPTERS[1], CHAPTERS, SITE)


def test_link_check_finds_missing_anchors_and_duplicate_ids():
    assert check_links('<p id="a"></p><a href="#a">x</a>') == []
    assert check_links('<p id="a"></p><a href="#b">x</a>') == ["link to a missing anchor: #b"]
    assert check_links('<p id="a"></p><p id="a"></p>') == ["id used twice: 'a'"]


# --- metadata ------------------------------------------------------------------------------------

def fake_pdf(date: str, trailer_id: str = "", producer: str = "Skia/PDF m156") -> bytes:
    """A minimal valid PDF whose Info dictionary is written the way Chromium's Skia writes it."""
    objects = [
        "<</Type /Catalog /Pages 2 0 R>>",
        "<</Type /Pages /Kids [3 0 R] /Count 1>>",
        "<</Type /Page /Parent 2 0 R /MediaBox [0 0 100 100]>>",
        f"<</Producer ({producer})\n/CreationDate ({date})\n/ModDate ({date})>>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<</Size {len(objects) + 1}\n/Root 1 0 R\n/Info 4 0 R{trailer_id}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_dates_are_rewritten_in_place_in_the_same_notation():
    epoch = 1700000000  # 2023-11-14 22:13:20 UTC
    assert metadata.pdf_date(epoch) == b"D:20231114221320+00'00'"
    assert metadata.pdf_date(epoch, b"D:20261130191125Z") == b"D:20231114221320Z"
    assert metadata.pdf_date(epoch, b"D:20261130201125-05'00'") == b"D:20231114221320+00'00'"
    a = fake_pdf("D:20261130191125+00'00'")
    b = fake_pdf("D:20261130191207+00'00'")
    assert a != b
    na, nb = metadata.normalise(a, epoch), metadata.normalise(b, epoch)
    assert na == nb and len(na) == len(a)
    assert metadata.info(na)["/CreationDate"] == "D:20231114221320+00'00'"  # and the file still parses


def test_a_document_id_becomes_a_hash_of_the_file():
    epoch = 1700000000
    one = fake_pdf("D:20261130191125+00'00'", "\n/ID [<0123456789ABCDEF0123456789ABCDEF> <00112233445566778899AABBCCDDEEFF>]")
    two = fake_pdf("D:20261130191125+00'00'", "\n/ID [<FEDCBA9876543210FEDCBA9876543210> <FFEEDDCCBBAA99887766554433221100>]")
    ids = [metadata.TRAILER_ID.search(x)[0] for x in (one, two)]
    assert metadata.normalise(one, epoch) == metadata.normalise(two, epoch)
    assert ids[0] not in metadata.normalise(one, epoch)


def test_differences_are_named():
    epoch = 1700000000
    a = metadata.normalise(fake_pdf("D:20261130191125+00'00'"), epoch)
    assert metadata.describe_differences(a, a) == []
    later = metadata.normalise(fake_pdf("D:20261130191207+00'00'"), epoch + 42)
    notes = metadata.describe_differences(a, later)
    assert any(n.startswith("document info /CreationDate") for n in notes), notes
    assert any(n.startswith("document info /ModDate") for n in notes), notes
    assert not any(n.startswith("content") for n in notes), notes  # nothing but the two stamps
    other = metadata.normalise(fake_pdf("D:20261130191125+00'00'", producer="Skia/PDF m157"), epoch)
    notes = metadata.describe_differences(a, other)
    assert any(n.startswith("document info /Producer") for n in notes), notes
    assert any(n.startswith("content") and "m157" in n for n in notes), notes


# --- assembling -----------------------------------------------------------------------------------

def built_page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (f'<!doctype html><html lang="en"><head><link rel="stylesheet" href="{up}assets/main.css">'
            f'<link rel="stylesheet" href="{up}assets/book.css"></head>'
            f'<body dir="ltr" data-md-color-scheme="default"><article class="md-content__inner md-typeset">'
            f'<h1 id="top">{title}</h1>{body}</article></body></html>')


@pytest.fixture
def small_site(tmp_path):
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: Small Book
        site_description: A book to test the assembler.
        site_url: https://example.org/small/
        copyright: Text CC BY 4.0
        nav:
          - Home: index.md
          - Part A:
              - One: one.md
              - Two: two.md
        """), encoding="utf-8")
    site = tmp_path / "site"
    (site / "one").mkdir(parents=True)
    (site / "two").mkdir()
    (site / "index.html").write_text(built_page("Small Book", '<p>See <a href="one/#s1">one</a>.</p>', 0), encoding="utf-8")
    (site / "one" / "index.html").write_text(built_page("One", '<h2 id="s1">First</h2><h2 id="s2">Second</h2>', 1), encoding="utf-8")
    (site / "two" / "index.html").write_text(built_page("Two", '<p><a href="../one/#s2">back</a></p>', 1), encoding="utf-8")
    return tmp_path


def test_the_document_has_cover_contents_and_chapters_in_nav_order(small_site):
    from pdf.assemble import assemble

    doc = assemble(small_site / "site", load(small_site / "mkdocs.yml"), commit="abc123", epoch=1700000000)
    html = doc.html
    assert "<title>Small Book</title>" in html and '<html lang="en">' in html and 'data-md-color-scheme="default"' in html
    # the site's stylesheets, in order, relative to print/ (one level down, like a chapter page)
    assert html.index('href="../assets/main.css"') < html.index('href="../assets/book.css"') < html.index("<style>")
    assert "commit <code>abc123</code>" in html and "dated 14 November 2023" in html and "Text CC BY 4.0" in html
    assert [c.chapter.slug for c in doc.chapters] == ["index", "one", "two"]
    assert doc.chapters[0].title == "Introduction"  # the home page's h1 is the book's name, which the cover carries
    assert doc.toc_targets == ["index", "one", "one--s1", "one--s2", "two"]
    assert html.index('<p class="bp-toc-part-title">Part A</p>') < html.index('href="#one"')
    assert 'href="#one--s1"' in html and 'href="#one--s2"' in html and '<p class="bp-part">Part A</p>' in html
    sections = re.findall(r'<section class="bp-chapter" id="([^"]+)">', html)
    assert sections == ["index", "one", "two"]


def test_a_link_to_a_missing_anchor_stops_the_assembly(small_site):
    from pdf.assemble import assemble

    page = small_site / "site" / "two" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("../one/#s2", "../one/#nowhere"), encoding="utf-8")
    with pytest.raises(ValueError, match="missing anchor: #one--nowhere"):
        assemble(small_site / "site", load(small_site / "mkdocs.yml"))


def test_a_missing_page_stops_the_assembly(small_site):
    from pdf.assemble import assemble

    (small_site / "site" / "two" / "index.html").unlink()
    with pytest.raises(FileNotFoundError, match="two.md is missing"):
        assemble(small_site / "site", load(small_site / "mkdocs.yml"))
