"""Reading the PDF edition back, for the tests. Each check returns a list of problems (empty: fine).

Text comes from PDFium (pypdfium2), structure (outline, links, fonts, images) from pypdf.
The expectations come from the sources and the built site (mkdocs.yml's nav, each built
page's <h1>/<h2>), never from scripts/pdf/, whose output is what is being checked.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import yaml
from pypdf import PdfReader
from pypdf.generic import IndirectObject

# TeX that survived into the text layer: math delimiters, or any control word (\frac, \begin, \partial ...).
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\[A-Za-z]{2,}")
FOOTER = re.compile(r"^\s*(\d+) / (\d+)\s*$")
TOC_ENTRY = re.compile(r"^(?P<title>.*\S)\s+(?P<page>\d+)$")


def flat(text: str) -> str:
    return " ".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


# --- what the book should contain --------------------------------------------------------------

@dataclass
class ExpectedChapter:
    src: str
    title: str            # the page's <h1>
    sections: list[str]   # its <h2>s


def _nav_sources(items) -> list[str]:
    out = []
    for item in items or []:
        target = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(target, list):
            out += _nav_sources(target)
        elif isinstance(target, str) and target.endswith(".md") and "://" not in target:
            out.append(target)
    return out


def expected_chapters(site: Path, mkdocs_yml: Path) -> list[ExpectedChapter]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    nav = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=Loader)["nav"]
    chapters = []
    for src in _nav_sources(nav):
        stem = src[:-3]
        built = site / ("index.html" if stem == "index" else f"{stem}/index.html")
        page = built.read_text(encoding="utf-8")
        article = page[page.index("<article"):page.index("</article>")]
        heads = [(level, flat(html.unescape(re.sub(r"<a class=\"headerlink\".*?</a>|<[^>]+>", "", inner))))
                 for level, inner in re.findall(r"<h([12])\b[^>]*>(.*?)</h\1>", article, re.S)]
        titles = [t for level, t in heads if level == "1"]
        assert len(titles) == 1, (src, heads)
        chapters.append(ExpectedChapter(src, titles[0], [t for level, t in heads if level == "2"]))
    return chapters


# --- checks ----------------------------------------------------------------------------------------

def line_pages(texts: list[str], wanted: str) -> list[int]:
    """Pages (1-based) where `wanted` is a line of its own (or 2-3 consecutive lines, if it wrapped)."""
    target = flat(wanted)
    found = []
    for number, text in enumerate(texts, start=1):
        lines = [flat(line) for line in text.splitlines() if line.strip()]
        if any(flat(" ".join(lines[i:i + n])) == target for n in (1, 2, 3) for i in range(len(lines))):
            found.append(number)
    return found


def missing_headings(texts: list[str], chapters: list[ExpectedChapter], title_of=lambda ch: ch.title) -> list[str]:
    problems = []
    for ch in chapters:
        for heading in [title_of(ch), *ch.sections]:
            if not line_pages(texts, heading):
                problems.append(f"{ch.src}: heading {heading!r} is not a line of the PDF's text")
    return problems


def raw_tex(texts: list[str]) -> list[str]:
    return [f"page {n}: raw TeX {text[max(0, m.start() - 30):m.end() + 30]!r}"
            for n, text in enumerate(texts, start=1) for m in RAW_TEX.finditer(text)]


def outline(pdf: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, flat(item.title), pdf.get_destination_page_number(item) + 1))

    walk(pdf.outline, 0)
    return out


def bookmark_problems(pdf: PdfReader, texts: list[str], chapters: list[ExpectedChapter], title_of=lambda ch: ch.title) -> list[str]:
    marks = outline(pdf)
    top = {title: page for depth, title, page in marks if depth == 0}
    nested = {title for depth, title, _ in marks if depth == 1}
    problems = []
    for ch in chapters:
        title = flat(title_of(ch))
        if title not in top:
            problems.append(f"{ch.src}: no top-level bookmark {title!r}")
        elif top[title] not in line_pages(texts, title):
            problems.append(f"{ch.src}: bookmark {title!r} points at page {top[title]}, which does not carry that heading")
        problems += [f"{ch.src}: no bookmark for section {s!r}" for s in ch.sections if flat(s) not in nested]
    return problems


def _dest_pages(pdf: PdfReader) -> dict[str, int]:
    return {name.lstrip("/"): pdf.get_destination_page_number(d) + 1 for name, d in pdf.named_destinations.items()}


def toc_problems(pdf: PdfReader, texts: list[str]) -> tuple[list[str], int]:
    """Every contents entry: its printed page number is where its link goes, and that page has the heading."""
    marks = [(title, page) for depth, title, page in outline(pdf) if depth == 0]
    starts = [i for i, (title, _) in enumerate(marks) if title == "Contents"]
    if not starts or starts[0] + 1 >= len(marks):
        return ["no 'Contents' bookmark followed by a chapter"], 0
    first, after = marks[starts[0]][1], marks[starts[0] + 1][1]
    dests = _dest_pages(pdf)
    problems, checked = [], 0
    for number in range(first, after):
        entries, pending = [], ""
        for line in texts[number - 1].splitlines():
            line = flat(line)
            if not line or FOOTER.match(line) or line in ("Contents",):
                continue
            m = TOC_ENTRY.match(flat(pending + " " + line))
            if m:
                entries.append((m["title"], int(m["page"])))
                pending = ""
            elif line.isupper():
                continue  # a part's name: not a link
            else:
                pending = flat(pending + " " + line)
        if pending:
            problems.append(f"page {number}: contents line without a page number: {pending[:80]!r}")
        annots = [a.get_object() for a in (pdf.pages[number - 1].get("/Annots") or [])]
        links = sorted((a for a in annots if a.get("/Subtype") == "/Link" and "/Dest" in a), key=lambda a: -float(a["/Rect"][3]))
        if len(links) != len(entries):
            problems.append(f"page {number}: {len(entries)} contents entries but {len(links)} internal links")
            continue
        for (title, printed), link in zip(entries, links, strict=True):
            dest = link["/Dest"]
            target = dests.get(str(dest).lstrip("/")) if not isinstance(dest, list) else None
            checked += 1
            if target != printed:
                problems.append(f"page {number}: {title!r} says page {printed}, its link goes to page {target}")
            elif target not in line_pages(texts, title):
                problems.append(f"page {number}: {title!r} links to page {target}, which does not carry that heading")
    return problems, checked


def footer_problems(texts: list[str]) -> list[str]:
    problems = []
    total = len(texts)
    if FOOTER.search(texts[0].splitlines()[0] if texts[0].strip() else ""):
        problems.append("the cover has a page number")
    for number, text in enumerate(texts[1:], start=2):
        if not any(FOOTER.match(line) and FOOTER.match(line).groups() == (str(number), str(total)) for line in text.splitlines()):
            problems.append(f"page {number}: no footer '{number} / {total}'")
    return problems


def links(pdf: PdfReader) -> tuple[list[str], list[str]]:
    """(internal destinations, external URIs) of every link annotation."""
    internal, external = [], []
    for page in pdf.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annot:
                internal.append(str(annot["/Dest"]))
            else:
                external.append(str((annot.get("/A") or {}).get("/URI", "")))
    return internal, external


def link_problems(pdf: PdfReader) -> list[str]:
    """A link must go somewhere a reader of the PDF can follow: a page of the PDF, or a public web address.
    A relative link left in the document would point at the printer's private origin (book.invalid)."""
    _, external = links(pdf)
    return [f"link to {uri!r}" for uri in external
            if not re.match(r"^(https?://|mailto:)", uri) or re.match(r"^https?://[^/]*\.invalid(/|$)", uri)]


def _resources(pdf: PdfReader):
    """Every resource dictionary: each page's, and those of the forms it draws (recursively)."""
    seen: set[int] = set()
    stack = [page.get("/Resources") for page in pdf.pages]
    while stack:
        res = stack.pop()
        if isinstance(res, IndirectObject):
            if res.idnum in seen:
                continue
            seen.add(res.idnum)
        res = res.get_object() if res is not None else None
        if not res:
            continue
        yield res
        for xobject in (res.get("/XObject") or {}).values():
            obj = xobject.get_object()
            if obj.get("/Subtype") == "/Form" and "/Resources" in obj:
                stack.append(obj["/Resources"])
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3" and "/Resources" in font:
                stack.append(font["/Resources"])


def fonts(pdf: PdfReader) -> dict[str, dict]:
    out = {}
    for res in _resources(pdf):
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            out[f"{font.get('/BaseFont', '(Type3)')}#{id(font)}"] = font
    return out


def font_problems(pdf: PdfReader) -> list[str]:
    problems = []
    for name, font in fonts(pdf).items():
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            continue  # its glyphs are drawings inside the file
        target = font["/DescendantFonts"][0].get_object() if subtype == "/Type0" else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"font {name.split('#')[0]} ({subtype}) is not embedded")
    return problems


def images(pdf: PdfReader) -> list[str]:
    found = []
    for res in _resources(pdf):
        for name, xobject in (res.get("/XObject") or {}).items():
            obj = xobject.get_object()
            if obj.get("/Subtype") == "/Image":
                found.append(f"{name} {obj.get('/Width')}x{obj.get('/Height')}")
    return found
