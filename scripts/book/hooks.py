"""MkDocs-only conveniences. The build-time work itself is in the Markdown extension
(book.mdext), which every engine runs; nothing a reader sees depends on this file.

- SOURCE_DATE_EPOCH from the last commit, so two builds of one commit are byte-identical
  (MkDocs dates the sitemap with it).
- Under `serve`, a failed build shows its error in the browser (every page becomes a page
  naming the file, line and reason, and reloads when the source is fixed) instead of leaving
  every request waiting for a build that never succeeds.
- Material's search parses each page with a Python HTML parser; rendered math is most of a
  page's markup and search skips it anyway (data-search-exclude). So the math is taken out of
  the copy search reads and put back before the page is written: same index, a fraction of the
  parsing (it was 39% of a rebuild).
- Under `serve --dirty` (what `make serve` runs), a save rebuilds only the pages it affects:
  the page edited, and the pages that include an artifact, cite a value or include a file of
  includes/ that changed. So a save costs about the same in a book of 12 chapters or of 96.
  (MkDocs' own dirty mode looks only at each page's source file.) The search index then holds
  just the rebuilt pages until the next full build, and the 404 page and the sitemap (which render the
  whole navigation) are written by the first build and after a failure only: serve-time compromises, never
  deploy ones.
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
from pathlib import Path

from mkdocs.plugins import event_priority

from book import cache, mdext
from book.artifacts import DOCS, SNIPPET_LINE
from book.values import REF

REPO = Path(__file__).resolve().parents[2]
INCLUDES = REPO / "includes"
_serve = {"dirty": False, "seen": None, "includes": {}, "full": True}  # full: rebuild every page this time


def _source_date_epoch() -> str:
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=True)
        return out.stdout.strip() or "0"
    except (OSError, subprocess.CalledProcessError):
        return "0"


def on_config(config):
    os.environ.setdefault("SOURCE_DATE_EPOCH", _source_date_epoch())
    if _serve["dirty"] and not _serve["full"] and _serve["seen"] is not None:
        # A save under `serve --dirty`: the 404 page and the sitemap render the whole navigation (a third of a
        # generator save with 152 chapters) and do not change with a page's content; the first build wrote them.
        config.theme.static_templates.difference_update({"404.html", "sitemap.xml"})
    return config


BP_K = re.compile(r"<bp-k data-search-exclude>.*?</bp-k>", re.S)  # one rendered formula (book.katex)


def on_page_content(html, page, config, files):
    """Search reads page.content next (on_page_context): give it the page without the rendered math."""
    if os.environ.get("BOOK_SEARCH_FAST", "1") == "0":
        return html
    page.bp_content = html
    return BP_K.sub("", html)


@event_priority(-100)  # after Material's search plugin has indexed the page
def on_page_context(context, page, config, nav):
    if hasattr(page, "bp_content"):
        page.content = page.bp_content
        del page.bp_content
    return context


def on_startup(command, dirty):
    _serve["dirty"] = command == "serve" and dirty


def on_pre_build(config):
    if _serve["dirty"]:  # artifacts first: which pages to rebuild depends on what regenerated
        try:
            mdext.ensure_generated()
        except mdext.BookError:
            _serve["full"] = True  # every page shows the problem (and is rebuilt once it is fixed: mdext.ERRORED)
            if not mdext.SERVE:
                raise


@functools.lru_cache(maxsize=4096)
def _own_dependencies(path: Path, stamp: tuple | None) -> tuple[frozenset[str], frozenset[str]]:
    """(namespaces, files of includes/) that one file names itself, as of its version `stamp` (book.cache.file_stamp)."""
    text = path.read_text(encoding="utf-8")
    spaces, includes = {m["key"].split(".")[0] for m in REF.finditer(text)}, set()
    for line in text.splitlines():
        if m := SNIPPET_LINE.match(line):
            target = m["target"].split(":")[0]
            if target.startswith("includes/"):
                includes.add(target)
            elif "/" in target and not target.startswith(("scripts/", "tests/")):
                spaces.add(target.split("/")[0])
    if "[[answer:" in text:
        includes.add("includes/hints.md")
    return frozenset(spaces), frozenset(includes)


def _dependencies(path: Path) -> tuple[set[str], set[str]]:
    """(namespaces whose artifacts or values a page uses, files of includes/ it includes).

    Each file is read once per version: a save under `serve` rereads the file saved, not every page."""
    spaces, includes = _own_dependencies(path, cache.file_stamp(path))
    spaces = set(spaces)
    for target in includes:
        inc = REPO / target
        if (stamp := cache.file_stamp(inc)) is not None and inc.is_file():
            spaces |= _own_dependencies(inc, stamp)[0]
    return spaces, set(includes)


def on_files(files, config):
    """In a dirty serve, mark as modified the pages whose artifacts, values or includes changed."""
    if not _serve["dirty"]:
        return files
    seals = {ns: entry.get("seal") for ns, entry in cache.read().items()}
    stamps = {p.relative_to(REPO).as_posix(): p.stat().st_mtime_ns for p in INCLUDES.glob("*.md")}
    previous, everything = _serve["seen"], _serve["full"] or _serve["seen"] is None
    changed = set() if everything else {ns for ns in seals.keys() | previous.keys() if seals.get(ns) != previous.get(ns)}
    touched = {f for f in stamps.keys() | _serve["includes"].keys() if stamps.get(f) != _serve["includes"].get(f)}
    errored = set(mdext.ERRORED)
    mdext.ERRORED.clear()
    for f in files.documentation_pages():
        spaces, includes = _dependencies(DOCS / f.src_uri)
        if everything or spaces & changed or includes & touched or f.src_uri in errored:
            f.is_modified = lambda: True  # read by MkDocs' dirty build
    _serve.update(seen=seals, includes=stamps, full=False)
    return files


ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}}
pre{{white-space:pre-wrap;background:#fbeaea;border-left:4px solid #c62828;padding:1rem;overflow-x:auto}}
@media (prefers-color-scheme:dark){{body{{color:#eee;background:#1e1e24}}pre{{background:#3a1f1f}}}}</style></head>
<body><h1>The book did not build</h1>
<p>Fix the place named below and save: this page reloads by itself when the build succeeds.</p>
<pre>{message}</pre></body></html>
"""


def error_page(message: str) -> str:
    return ERROR_PAGE.format(message=html.escape(message))


def on_serve(server, config, builder):
    """Wrap the rebuild: on failure, write the error page in place of every page and report success,
    so the live-reload server shows it (MkDocs itself would keep requests waiting)."""
    site = Path(config.site_dir)

    def build_or_show_error():
        try:
            builder()
        except (Exception, SystemExit) as e:  # noqa: BLE001 - whatever stopped the build is what the writer must see
            _serve["full"] = True  # the next build rebuilds every page: they all show this error now
            page = error_page(str(e) or type(e).__name__)
            site.mkdir(parents=True, exist_ok=True)
            targets = list(site.rglob("index.html")) or [site / "index.html"]
            for target in targets:
                target.write_text(page, encoding="utf-8")
            print(f"\nThe build failed; the browser shows why:\n{e}\n", flush=True)  # noqa: T201

    server.builder = build_or_show_error
    return server
