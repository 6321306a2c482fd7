"""The whole book as one HTML document: cover, table of contents, then every chapter in nav order.

The document is laid out as if it lived at site/print/index.html: its stylesheets are the
site's own (Material, KaTeX with its fonts, the book's CSS, in the order a built page links
them) plus print.css from this folder. The printer serves it from memory and everything
else from the built site, so the same document could also be published there unchanged.
"""

from __future__ import annotations

import html as htmllib
import re
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .config import BookConfig
from .rewrite import TOKEN, ChapterHTML, Tag, rewrite_chapter

PRINT_CSS = Path(__file__).with_name("print.css")
PRINT_DIR = "print/"   # where the document sits in the site's URL space
HEAD = re.compile(r"<head\b[^>]*>(?P<head>.*?)</head\s*>", re.S | re.I)
BODY = re.compile(r"<body\b(?P<attrs>[^>]*)>", re.I)
HTML_TAG = re.compile(r"<html\b(?P<attrs>[^>]*)>", re.I)
STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"?stylesheet\"?[^>]*>", re.I)
STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)
H1_INNER = re.compile(r"(<h1\b[^>]*>)(.*?)(</h1\s*>)", re.S | re.I)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass
class Document:
    html: str
    chapters: list[ChapterHTML]
    toc_targets: list[str]     # ids the table of contents links to, in order; the printer numbers them


def _esc(text: str) -> str:
    return htmllib.escape(text, quote=True)


def long_date(epoch: int) -> str:
    t = time.gmtime(epoch)
    return f"{t.tm_mday} {MONTHS[t.tm_mon - 1]} {t.tm_year}"


def _head_assets(page_html: str, page_url: str) -> tuple[list[str], str, str, str]:
    """The site's stylesheets (rebased for print/), inline head styles, and the <body>/<html> attributes."""
    head = HEAD.search(page_html)
    if not head:
        raise ValueError("a built page without <head>")
    links = []
    for raw in STYLESHEET.findall(head["head"]):
        href = Tag("link", raw[len("<link"):-1], raw).get("href") or ""
        if not urlsplit(href).scheme and not href.startswith("/"):
            href = "../" + urlsplit(urljoin("https://site.invalid/" + page_url, href)).path.lstrip("/")
        links.append(href)
    styles = "\n".join(STYLE.findall(head["head"]))
    body = BODY.search(page_html)
    html_tag = HTML_TAG.search(page_html)
    return links, styles, (body["attrs"] if body else ""), (html_tag["attrs"] if html_tag else "")


def _toc(chapters: list[ChapterHTML], levels: int) -> tuple[str, list[str]]:
    """Parts (the nav's sections), their chapters and each chapter's sections, every entry a link."""
    targets: list[str] = []

    def entry(target: str, text: str, cls: str) -> str:
        targets.append(target)
        return (f'<a class="{cls}" href="#{_esc(target)}"><span class="bp-toc-text">{_esc(text)}</span>'
                f'<span class="bp-toc-dots"></span><span class="bp-toc-page" data-target="{_esc(target)}"></span></a>')

    def chapter(ch: ChapterHTML) -> str:
        head = entry(ch.chapter.slug, ch.title, "bp-toc-chapter-link")
        sections = [h for h in ch.headings if 1 < h.level <= levels]
        inner = "".join(f'<li class="bp-toc-section">{entry(h.id, h.text, "bp-toc-section-link")}</li>' for h in sections)
        return f'<li class="bp-toc-chapter">{head}' + (f"<ol>{inner}</ol>" if inner else "") + "</li>"

    out = ['<ol class="bp-toc-list">']
    for part, group in groupby(chapters, key=lambda ch: ch.chapter.part):
        items = "\n".join(chapter(ch) for ch in group)
        if part is None:
            out.append(items)
        else:
            out.append(f'<li class="bp-toc-part"><p class="bp-toc-part-title">{_esc(part)}</p>\n<ol>\n{items}\n</ol></li>')
    out.append("</ol>")
    return "\n".join(out), targets


def _cover(config: BookConfig, commit: str | None, epoch: int | None) -> str:
    built = []
    if commit:
        sha, _, note = commit.partition(" ")
        built.append(f"commit <code>{_esc(sha)}</code>" + (f" ({_esc(note)})" if note else ""))
    if epoch is not None:
        built.append(f"dated {long_date(epoch)}")
    lines = [f'<p class="bp-cover-title">{_esc(config.site_name)}</p>']
    if config.site_description:
        lines.append(f'<p class="bp-cover-subtitle">{_esc(config.site_description)}</p>')
    meta = []
    if config.site_url:
        meta.append(f'<p>The PDF edition of <a href="{_esc(config.site_url)}">{_esc(config.site_url)}</a></p>')
    if built:
        meta.append(f"<p>Built from {' '.join(built)}</p>")
    if config.copyright:
        meta.append(f"<p>{_esc(config.copyright)}</p>")
    if config.repo_url:
        meta.append(f'<p>Sources: <a href="{_esc(config.repo_url)}">{_esc(config.repo_url)}</a></p>')
    return ('<section class="bp-cover">\n' + "\n".join(lines) +
            '\n<div class="bp-cover-meta">\n' + "\n".join(meta) + "\n</div>\n</section>")


def document_ids_and_links(html: str) -> tuple[list[str], list[str]]:
    ids, links = [], []
    for m in TOKEN.finditer(html):
        if m["start"]:
            tag = Tag(m["start"], m["attrs"], m[0])
            if (ident := tag.get("id")) is not None:
                ids.append(ident)
            for key in ("href", "xlink:href"):
                href = tag.get(key)
                if href and href.startswith("#"):
                    links.append(htmllib.unescape(href[1:]))
    return ids, links


def check_links(html: str) -> list[str]:
    """Every internal link has a target, and no id is used twice."""
    ids, links = document_ids_and_links(html)
    problems = []
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            problems.append(f"id used twice: {ident!r}")
        seen.add(ident)
    problems += [f"link to a missing anchor: #{t}" for t in sorted(set(links) - seen)]
    return problems


def assemble(site: Path, config: BookConfig, commit: str | None = None, epoch: int | None = None,
             toc_levels: int = 2) -> Document:
    site = Path(site)
    chapters: list[ChapterHTML] = []
    first_page = None
    for ch in config.chapters:
        path = site / ch.file
        if not path.is_file():
            raise FileNotFoundError(f"{path}: the page for {ch.src} is missing; build the site first")
        page = path.read_text(encoding="utf-8")
        if first_page is None:
            first_page = (page, ch)
        done = rewrite_chapter(page, ch, config.chapters, config.site_url, asset_prefix="../")
        if done.title == config.site_name:  # the home page: the cover already carries the book's name
            done.title = "Introduction"
            done.html = H1_INNER.sub(lambda m: m[1] + "Introduction" + m[3], done.html, count=1)
        chapters.append(done)
    if first_page is None:
        raise ValueError("the nav lists no chapters")
    links, styles, body_attrs, html_attrs = _head_assets(first_page[0], first_page[1].url)
    toc, targets = _toc(chapters, toc_levels)
    body = [_cover(config, commit, epoch),
            '<nav class="bp-toc" aria-labelledby="bp-toc-title">\n<h1 id="bp-toc-title">Contents</h1>\n' + toc + "\n</nav>"]
    for ch in chapters:
        part = f'<p class="bp-part">{_esc(ch.chapter.part)}</p>\n' if ch.chapter.part else ""
        body.append(f'<section class="bp-chapter" id="{_esc(ch.chapter.slug)}">\n{part}{ch.html}\n</section>')
    head = [
        '<meta charset="utf-8">',
        f"<title>{_esc(config.site_name)}</title>",
        *(f'<link rel="stylesheet" href="{_esc(href)}">' for href in links),
        styles,
        "<style>\n" + PRINT_CSS.read_text(encoding="utf-8") + "</style>",
    ]
    document = (f"<!doctype html>\n<html{html_attrs}>\n<head>\n" + "\n".join(h for h in head if h) + "\n</head>\n"
                f"<body{body_attrs}>\n<main class=\"md-typeset bp-book\">\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n")
    problems = check_links(document)
    if problems:
        raise ValueError("the whole-book document has broken internal links:\n  " + "\n  ".join(problems[:40]))
    return Document(document, chapters, targets)
