"""Render the TeX that pymdownx.arithmatex leaves in a page to KaTeX HTML + MathML.

One long-lived `node` process (katex_render.cjs) renders every formula; answers are cached
in memory, so `serve` re-renders only formulas it has not seen. The process is restarted
(and the cache dropped) when katex-macros.json changes, and a formula that takes longer
than `TIMEOUT` seconds stops the build instead of hanging it. The KaTeX version is the one in
node_modules, which also supplies the CSS and fonts the site serves.

For search: each rendered formula sits in a `<bp-k data-search-exclude>` element (laid out
with `display: contents`), followed by its TeX in a `<template>`, which browsers neither
show nor put in the document tree. A search index (Material's) then holds each formula once,
as TeX. (Material's exclusion ends at the first nested element with the excluded element's
tag, so the wrapper's tag must not occur inside KaTeX's output: a custom element's.)
"""

from __future__ import annotations

import html
import json
import os
import re
import select
import shutil
import subprocess
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KATEX_DIST = REPO / "node_modules" / "katex" / "dist"
MACROS = HERE / "katex-macros.json"
TIMEOUT = float(os.environ.get("BOOK_KATEX_TIMEOUT", "30"))

# arithmatex (generic mode) wraps inline math in \( \) and display math in \[ \].
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>(?P<punct>[.,;:!?)]*)', re.S)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)
MTD_WIDTH = re.compile(r'(<mtd\b[^>]*?) width="[^"]*"')
NEGATIVE_HEIGHT = re.compile(r"height:-[0-9.]+em;")


class TexError(ValueError):
    """KaTeX refused a formula (or the renderer failed): carries the formula."""

    def __init__(self, tex: str, reason: str):
        super().__init__(reason)
        self.tex = tex
        self.reason = reason


class KatexRenderer:
    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._cache: dict[tuple[str, bool], str] = {}
        self._macros_mtime: int | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        node = shutil.which("node")
        if node is None:
            raise TexError("", "`node` is not on PATH; install Node.js 20 and run `npm ci` (see README)")
        if not (KATEX_DIST / "katex.min.css").exists():
            raise TexError("", f"KaTeX is not installed at {KATEX_DIST}; run `npm ci` (see README)")
        return subprocess.Popen([node, str(HERE / "katex_render.cjs"), str(MACROS)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO, text=True, encoding="utf-8")

    def _fresh_process(self) -> subprocess.Popen:
        mtime = MACROS.stat().st_mtime_ns
        if mtime != self._macros_mtime:  # edited macros: new process, nothing cached under the old ones
            self.close()
            self._cache.clear()
            self._macros_mtime = mtime
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        return self._proc

    def render(self, tex: str, display: bool) -> str:
        with self._lock:
            proc = self._fresh_process()
            key = (tex, display)
            if key in self._cache:
                return self._cache[key]
            try:
                proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
                line = proc.stdout.readline() if ready else None
            except (BrokenPipeError, OSError):
                line = ""
            if line is None:
                self.close(kill=True)
                raise TexError(tex, f"KaTeX did not answer within {TIMEOUT:g} s (BOOK_KATEX_TIMEOUT)")
            if not line:
                code = proc.poll()
                self.close(kill=True)
                raise TexError(tex, f"the KaTeX process (node) exited unexpectedly with status {code}")
            answer = json.loads(line)
            if "error" in answer:
                raise TexError(tex, answer["error"])
            self._cache[key] = tidy(answer["html"], tex)
            return self._cache[key]

    def close(self, kill: bool = False) -> None:
        if self._proc is not None:
            try:
                if kill:
                    self._proc.kill()
                else:
                    self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
            self._proc = None

    def render_page(self, page_html: str) -> tuple[str, int]:
        """Replaces every arithmatex block in `page_html`. Returns (html, number of formulas)."""
        count = 0

        def inline(m: re.Match) -> str:
            nonlocal count
            count += 1
            math = '<span class="arithmatex">' + self.render(html.unescape(m["tex"]), False) + "</span>"
            # A word joiner keeps "x²." together: a line may otherwise break before the full stop.
            return math + ("\u2060" + m["punct"] if m["punct"] else "")

        def display(m: re.Match) -> str:
            nonlocal count
            count += 1
            # The extra span keeps Material's `div.arithmatex > *` rule off KaTeX's own box,
            # which would otherwise make \tag numbers overlap wide equations.
            return '<div class="arithmatex"><span class="bp-math">' + self.render(html.unescape(m["tex"]).strip(), True) + "</span></div>"

        page_html = DISPLAY.sub(display, page_html)
        page_html = INLINE.sub(inline, page_html)
        return page_html, count


def tidy(out: str, tex: str) -> str:
    """Valid HTML, and one copy of the formula for search.

    KaTeX writes width="..." on <mtd> (not an HTML MathML attribute) and negative heights that
    CSS ignores; both go.
    """
    out = NEGATIVE_HEIGHT.sub("", MTD_WIDTH.sub(r"\1", out))
    return f"<bp-k data-search-exclude>{out}</bp-k><template>{html.escape(tex.strip(), quote=False)}</template>"


_RENDERER: KatexRenderer | None = None


def renderer() -> KatexRenderer:
    """The process-wide renderer (one node process per build process)."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = KatexRenderer()
    return _RENDERER


def copy_assets(docs: Path) -> list[str]:
    """Copy KaTeX's stylesheet and fonts into docs/assets/katex (not committed), so every engine
    serves them as ordinary files. Returns the files written (only those that changed)."""
    written = []
    for src, dest in asset_files():
        if not src.exists():
            raise TexError("", f"{src} is missing: run `npm ci` to install KaTeX (see README)")
        target = docs / dest
        data = src.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(dest)
    return written


def asset_files() -> list[tuple[Path, str]]:
    """(source file, site path) for the KaTeX stylesheet and the woff2 fonts it names."""
    out = [(KATEX_DIST / "katex.min.css", "assets/katex/katex.min.css")]
    for font in sorted((KATEX_DIST / "fonts").glob("*.woff2")):
        out.append((font, f"assets/katex/fonts/{font.name}"))
    return out
