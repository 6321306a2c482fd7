"""One built page's <article> made into a chapter of the whole-book document.

In one pass over the tags (the text between them is copied as it is):
  * every id gets the chapter's prefix (net232--the-network), and every reference to an id
    follows: href="#...", url(#...) in SVG, aria-labelledby, for, ...;
  * a link to another chapter, or to an anchor in it, becomes a link inside the document;
    a link to another file of the site becomes an absolute link to the published site;
    external links stay as they are;
  * tab sets (pymdownx.tabbed, alternate style) become every tab in turn, each under its label;
  * <details> blocks (solutions) are opened, except the build's check badges (details.bp-checks),
    which stay closed so that only their one-line summary prints;
  * permalink marks, the "edit this page" button and anything marked .bp-web-only are dropped.

The built HTML is well-formed (MkDocs, Python-Markdown, KaTeX), so a tokenizer that knows
quoted attributes, comments and raw-text elements is enough; no HTML library is needed.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from .config import Chapter

TOKEN = re.compile(
    r"""<!--.*?-->
      | <(?P<raw>script|style|textarea)\b(?:"[^"]*"|'[^']*'|[^'">])*>.*?</(?P=raw)\s*>
      | </(?P<end>[A-Za-z][\w:.-]*)\s*>
      | <(?P<start>[A-Za-z][\w:.-]*)(?P<attrs>(?:"[^"]*"|'[^']*'|[^'">])*)>""",
    re.S | re.X | re.I,
)
ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
ARTICLE = re.compile(r"<article\b[^>]*>(?P<body>.*)</article>", re.S | re.I)
HEADING = re.compile(r'<h(?P<level>[1-6])\b[^>]*?\bid="(?P<id>[^"]*)"[^>]*>(?P<inner>.*?)</h(?P=level)\s*>', re.S | re.I)
TAGS = re.compile(r"<[^>]*>")
LABELS = re.compile(r"(?P<inner>.*?)</div\s*>", re.S | re.I)
LABEL = re.compile(r"<label\b[^>]*>(?P<inner>.*?)</label\s*>", re.S | re.I)
URL_REF = re.compile(r"url\(\s*(['\"]?)#([^)'\"\s]+)\1\s*\)")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ID_LIST_ATTRS = {"aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "aria-details",
                 "aria-flowto", "aria-activedescendant", "for", "headers", "list", "form"}
LINK_ATTRS = {"href", "xlink:href"}
SRC_ATTRS = {"src", "data", "poster"}
CHECKS_CLASS = "bp-checks"   # the build's "N checks passed" badges (scripts/book)
DROP_CLASSES = {"headerlink", "md-content__button", "bp-web-only"}


def text_of(fragment: str) -> str:
    """Plain text of an HTML fragment (tags removed, entities decoded, spaces collapsed)."""
    return " ".join(htmllib.unescape(TAGS.sub("", fragment)).split())


def article_of(page_html: str, where: str = "page") -> str:
    m = ARTICLE.search(page_html)
    if not m:
        raise ValueError(f"{where}: no <article> element (is this a page built with the Material theme?)")
    return m["body"]


@dataclass
class Heading:
    level: int
    id: str      # the id in the whole-book document (already prefixed)
    text: str    # plain text


@dataclass
class ChapterHTML:
    chapter: Chapter
    html: str
    title: str
    headings: list[Heading]
    ids: set[str]
    links: list[str] = field(default_factory=list)   # internal targets (#...) the chapter links to


class Tag:
    """A start tag whose attributes can be changed; written back only if they were."""

    def __init__(self, name: str, attrs: str, raw: str):
        self.name, self.raw, self.changed = name.lower(), raw, False
        self.self_closing = attrs.rstrip().endswith("/")
        self.attrs: list[list[str]] = []
        for m in ATTR.finditer(attrs.rstrip().rstrip("/")):
            value = next((v for v in m.groups()[1:] if v is not None), None)
            self.attrs.append([m[1], value])

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.attrs if k.lower() == name), None)

    def has(self, name: str) -> bool:
        return any(k.lower() == name for k, _ in self.attrs)

    def classes(self) -> set[str]:
        return set((self.get("class") or "").split())

    def set(self, name: str, value: str | None) -> None:
        for pair in self.attrs:
            if pair[0].lower() == name:
                if pair[1] != value:
                    pair[1], self.changed = value, True
                return
        self.attrs.append([name, value])
        self.changed = True

    def remove(self, name: str) -> None:
        kept = [p for p in self.attrs if p[0].lower() != name]
        self.changed |= len(kept) != len(self.attrs)
        self.attrs = kept

    def __str__(self) -> str:
        if not self.changed:
            return self.raw
        parts = [self.name]
        for k, v in self.attrs:
            if v is None:
                parts.append(k)
            else:
                q = "'" if '"' in v else '"'
                parts.append(f"{k}={q}{v}{q}")
        return "<" + " ".join(parts) + (" />" if self.self_closing else ">")


class _TabSet:
    def __init__(self):
        self.labels: list[str] = []
        self.next = 0


class ChapterRewriter:
    def __init__(self, chapter: Chapter, chapters: list[Chapter], site_url: str, asset_prefix: str = "../"):
        self.chapter = chapter
        self.site_url = site_url
        self.asset_prefix = asset_prefix
        self.by_path: dict[str, str] = {}
        for c in chapters:
            for path in {c.url, c.file, c.url.rstrip("/")}:
                self.by_path[path] = c.slug
        self.ids: set[str] = set()
        self.links: list[str] = []

    # --- ids and links ---------------------------------------------------------------------
    def anchor(self, slug: str, fragment: str) -> str:
        return f"{slug}--{fragment}" if fragment else slug

    def local(self, ident: str) -> str:
        return self.anchor(self.chapter.slug, ident) if ident in self.ids else ident

    def link(self, value: str) -> str:
        if value.startswith("#"):
            target = self.anchor(self.chapter.slug, unquote(value[1:]))
            self.links.append(target)
            return "#" + target
        parts = urlsplit(htmllib.unescape(value))
        if parts.scheme in ("mailto", "tel", "data", "javascript"):
            return value
        if parts.scheme or parts.netloc:
            if not (self.site_url and value.startswith(self.site_url)):
                return value  # external: stays a web link
            path = urlsplit(value[len(self.site_url):]).path
        else:
            path = urlsplit(urljoin("https://site.invalid/" + self.chapter.url, parts.path or "")).path.lstrip("/")
            if not parts.path:
                path = self.chapter.url
        path = unquote(path)
        if path in self.by_path:
            target = self.anchor(self.by_path[path], unquote(parts.fragment))
            self.links.append(target)
            return "#" + target
        # Another file of the site (the PDF itself, an asset, a page outside the nav): the published copy.
        return (self.site_url or "") + path + (f"#{parts.fragment}" if parts.fragment else "")

    def source(self, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith("#"):
            return value
        path = urlsplit(urljoin("https://site.invalid/" + self.chapter.url, value)).path.lstrip("/")
        return self.asset_prefix + path

    def fix_refs(self, tag: Tag) -> None:
        for pair in tag.attrs:
            key, value = pair[0].lower(), pair[1]
            if value is None:
                continue
            new = value
            if key == "id":
                new = self.anchor(self.chapter.slug, value)
            elif key in LINK_ATTRS:
                new = self.link(value)
            elif key in SRC_ATTRS:
                new = self.source(value)
            elif key in ID_LIST_ATTRS:
                new = " ".join(self.local(i) for i in value.split())
            if "url(" in new:
                new = URL_REF.sub(lambda m: f"url({m[1]}#{self.local(m[2])}{m[1]})", new)
            if new != value:
                pair[1], tag.changed = new, True

    # --- the pass ----------------------------------------------------------------------------
    def rewrite(self, body: str) -> str:
        for m in TOKEN.finditer(body):
            if m["start"]:
                ident = Tag(m["start"], m["attrs"], m[0]).get("id")
                if ident is not None:
                    self.ids.add(ident)
        out: list[str] = []
        stack: list[object] = []          # one entry per open <div>: a _TabSet, ("panels", set) or None
        skip_name, skip_depth = None, 0   # an element being dropped with everything inside it
        pos = 0
        while True:
            m = TOKEN.search(body, pos)
            if m is None:
                if skip_name is None:
                    out.append(body[pos:])
                break
            if skip_name is None:
                out.append(body[pos:m.start()])
            pos = m.end()
            if skip_name is not None:
                if m["start"] and m["start"].lower() == skip_name and not m["attrs"].rstrip().endswith("/"):
                    skip_depth += 1
                elif m["end"] and m["end"].lower() == skip_name:
                    skip_depth -= 1
                    if skip_depth == 0:
                        skip_name = None
                continue
            if m["raw"]:
                out.append(URL_REF.sub(lambda r: f"url({r[1]}#{self.local(r[2])}{r[1]})", m[0]))
                continue
            if m["end"]:
                if m["end"].lower() == "div" and stack:
                    stack.pop()
                out.append(m[0])
                continue
            if not m["start"]:
                out.append(m[0])  # a comment
                continue
            tag = Tag(m["start"], m["attrs"], m[0])
            classes = tag.classes()
            if classes & DROP_CLASSES:
                if tag.name not in VOID and not tag.self_closing:
                    skip_name, skip_depth = tag.name, 1
                continue
            top = stack[-1] if stack else None
            if tag.name == "input" and isinstance(top, _TabSet):
                continue  # the radio buttons that switch tabs
            if tag.name == "div":
                if "tabbed-set" in classes:
                    tabs = _TabSet()
                    stack.append(tabs)
                    out.append('<div class="bp-tabs">')
                    continue
                if "tabbed-labels" in classes and isinstance(top, _TabSet):
                    labels = LABELS.match(body, pos)
                    top.labels = [lab["inner"].strip() for lab in LABEL.finditer(labels["inner"])]
                    pos = labels.end()
                    continue
                if "tabbed-content" in classes and isinstance(top, _TabSet):
                    stack.append(("panels", top))
                    out.append('<div class="bp-tab-panels">')
                    continue
                if "tabbed-block" in classes and isinstance(top, tuple):
                    tabs = top[1]
                    label = tabs.labels[tabs.next] if tabs.next < len(tabs.labels) else f"Tab {tabs.next + 1}"
                    tabs.next += 1
                    stack.append(None)
                    out.append(f'<div class="bp-tab"><p class="bp-tab-label">{label}</p>')
                    continue
                stack.append(None)
            if tag.name == "details":
                if CHECKS_CLASS in classes:
                    tag.remove("open")
                else:
                    tag.set("open", None)
            self.fix_refs(tag)
            out.append(str(tag))
        return "".join(out)


def rewrite_chapter(page_html: str, chapter: Chapter, chapters: list[Chapter], site_url: str,
                    asset_prefix: str = "../") -> ChapterHTML:
    rewriter = ChapterRewriter(chapter, chapters, site_url, asset_prefix)
    body = rewriter.rewrite(article_of(page_html, chapter.file))
    headings = [Heading(int(h["level"]), h["id"], text_of(h["inner"])) for h in HEADING.finditer(body)]
    h1 = [h for h in headings if h.level == 1]
    if len(h1) != 1:
        raise ValueError(f"{chapter.file}: expected one <h1> with an id, found {len(h1)}")
    ids = {rewriter.anchor(chapter.slug, i) for i in rewriter.ids}
    return ChapterHTML(chapter, body, h1[0].text, headings, ids, rewriter.links)
