"""What the PDF needs from mkdocs.yml: the book's titles, URLs and licence, and its chapters in order.

mkdocs.yml is the one configuration that MkDocs, ProperDocs and Zensical all read, so the
PDF takes the navigation from there and the pages from the built site: no engine internals.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True)
class Chapter:
    src: str            # docs-relative Markdown file, e.g. "net232.md"
    nav_title: str      # its title in the navigation, e.g. "The 2-3-2 network"
    part: str | None    # the navigation section it sits in, e.g. "The question, worked"
    url: str            # site-relative URL of the built page, e.g. "net232/" ("" for the home page)
    file: str           # site-relative path of the built HTML, e.g. "net232/index.html"
    slug: str           # the chapter's id in the whole-book document, e.g. "net232"


@dataclass(frozen=True)
class BookConfig:
    site_name: str
    site_description: str
    site_url: str
    repo_url: str
    copyright: str
    chapters: list[Chapter] = field(default_factory=list)


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml without running its tags (!ENV, !!python/name): they are not needed here."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def page_location(src: str, use_directory_urls: bool = True) -> tuple[str, str]:
    """(url, file) of the page built from docs/<src>, as MkDocs-compatible engines lay them out."""
    stem, _ = posixpath.splitext(src)
    parent, name = posixpath.split(stem)
    if name in ("index", "README"):
        url = parent + "/" if parent else ""
        return url, url + "index.html"
    if use_directory_urls:
        url = stem + "/"
        return url, url + "index.html"
    return stem + ".html", stem + ".html"


def _walk(items, part, out, use_directory_urls):
    for item in items or []:
        if isinstance(item, str):
            title, target = None, item
        elif isinstance(item, dict) and len(item) == 1:
            (title, target), = item.items()
        else:
            raise ValueError(f"mkdocs.yml: a nav entry this script does not understand: {item!r}")
        if isinstance(target, list):  # a section: its pages belong to the part named by the section
            _walk(target, title, out, use_directory_urls)
            continue
        if urlsplit(target).scheme or not target.endswith(".md"):
            continue  # an external link in the navigation is not a chapter
        url, file = page_location(target, use_directory_urls)
        slug = posixpath.splitext(target)[0].replace("/", "-") or "index"
        out.append(Chapter(src=target, nav_title=title or slug, part=part, url=url, file=file, slug=slug))


def load(mkdocs_yml: Path) -> BookConfig:
    data = yaml.load(Path(mkdocs_yml).read_text(encoding="utf-8"), Loader=_Loader) or {}
    if not data.get("nav"):
        raise ValueError(f"{mkdocs_yml}: no nav; the PDF takes its chapter order from it")
    chapters: list[Chapter] = []
    _walk(data["nav"], None, chapters, data.get("use_directory_urls", True) is not False)
    slugs = [c.slug for c in chapters]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"mkdocs.yml: a page appears twice in the nav: {slugs}")
    site_url = data.get("site_url") or ""
    return BookConfig(
        site_name=data.get("site_name", ""),
        site_description=" ".join((data.get("site_description") or "").split()),
        site_url=site_url if site_url.endswith("/") or not site_url else site_url + "/",
        repo_url=data.get("repo_url") or "",
        copyright=data.get("copyright") or "",
        chapters=chapters,
    )
