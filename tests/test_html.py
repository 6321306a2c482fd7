"""The built HTML is valid (Nu HTML Checker) and every internal link and anchor resolves."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from site_fixtures import REPO, site_prefix

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Errors that come from the theme or a plugin, not from the book's content or templates.
# Each is matched on its exact message and the place it occurs; anything else fails.
KNOWN_UPSTREAM = [
    # Material for MkDocs 9.8 writes tabindex="" on navigation section labels (partials/nav-item.html).
    ("Bad value “” for attribute “tabindex” on element “label”", "md-nav__link"),
    # Material's layout: autocomplete="off" on its checkbox toggles (base.html), so browsers do not restore them.
    ("Attribute “autocomplete” is only allowed when the input type is", "md-toggle"),
]


def upstream(message: dict) -> bool:
    text, extract = message.get("message", ""), message.get("extract", "")
    return any(text.startswith(m) and where in extract for m, where in KNOWN_UPSTREAM)


@pytest.mark.slow
def test_nu_html_checker_finds_no_errors_of_ours(built_site):
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: `make browser` installs default-jre-headless")
    proc = subprocess.run([java, "-jar", str(VNU), "--skip-non-html", "--errors-only", "--format", "json", str(built_site)],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    ours = [m for m in messages if not upstream(m)]
    report = [f"{Path(urlparse(m.get('url', '')).path).relative_to(built_site)}:{m.get('lastLine')}: {m['message']}\n"
              f"    {m.get('extract', '').strip()[:160]}" for m in ours]
    assert not report, "\n".join(report)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if key in attrs and attrs[key] is not None and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.links.append((attrs[key], self.getpos()[0]))


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
@pytest.mark.browser  # the site as deployed includes the PDF, which Chromium prints
def test_every_internal_link_and_anchor_resolves(built_book):
    site = built_book
    pages = {p: parse(p) for p in site.rglob("*.html")}
    prefix = site_prefix()
    problems = []
    for page, parsed in pages.items():
        for link, line in parsed.links:
            url = urlparse(link)
            if url.scheme in ("http", "https"):
                if url.hostname and "github.io" in url.hostname and url.path.startswith(prefix):
                    target_path = url.path[len(prefix):]  # an absolute link into the book itself (canonical)
                    target = site / unquote(target_path)
                else:
                    continue  # external: checked by `make linkcheck`, not in CI
            elif url.scheme in ("mailto", "data", "javascript"):
                continue
            elif not url.path:
                target = page
            elif url.path.startswith("/"):  # root-relative (404.html): must live under the hosted prefix
                if not url.path.startswith(prefix):
                    problems.append(f"{page.relative_to(site)}:{line}: {link} is outside the site prefix {prefix}")
                    continue
                target = site / unquote(url.path[len(prefix):])
            else:
                target = (page.parent / unquote(url.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}:{line}"
            if not target.exists():
                problems.append(f"{where}: {link} -> missing {target}")
                continue
            if url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(url.fragment) not in ids:
                    problems.append(f"{where}: {link} -> no anchor #{url.fragment} in {target.relative_to(site)}")
    assert not problems, "\n".join(problems[:50])
