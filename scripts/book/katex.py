"""Render the TeX that pymdownx.arithmatex leaves in a page to KaTeX HTML + MathML.

One long-lived `node` process (katex_render.cjs) renders every formula; answers are
cached in memory, so `mkdocs serve` re-renders only formulas it has not seen.
The KaTeX version is the one in node_modules, which also supplies the CSS and fonts
the site serves: renderer and stylesheet can never drift apart.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KATEX_DIST = REPO / "node_modules" / "katex" / "dist"

# arithmatex (generic mode) wraps inline math in \( \) and display math in \[ \].
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>(?P<punct>[.,;:!?)]*)', re.S)
MTD_WIDTH = re.compile(r'(<mtd\b[^>]*?) width="[^"]*"')
NEGATIVE_HEIGHT = re.compile(r"height:-[0-9.]+em;")
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)


class TexError(ValueError):
    """KaTeX refused a formula."""

    def __init__(self, tex: str, reason: str):
        super().__init__(reason)
        self.tex = tex
        self.reason = reason


class KatexRenderer:
    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._cache: dict[tuple[str, bool], str] = {}

    def _start(self) -> subprocess.Popen:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("`node` is not on PATH; install Node.js 20 and run `npm ci` (see README)")
        if not (KATEX_DIST / "katex.min.css").exists():
            raise RuntimeError(f"KaTeX is not installed at {KATEX_DIST}; run `npm ci` (see README)")
        return subprocess.Popen(
            [node, str(HERE / "katex_render.cjs"), str(HERE / "katex-macros.json")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO, text=True, encoding="utf-8",
        )

    def render(self, tex: str, display: bool) -> str:
        key = (tex, display)
        if key in self._cache:
            return self._cache[key]
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        self._proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the KaTeX process exited unexpectedly")
        answer = json.loads(line)
        if "error" in answer:
            raise TexError(tex, answer["error"])
        # KaTeX writes width="..." on <mtd> for aligned columns; HTML's MathML has no such
        # attribute (the Nu checker rejects it) and the visible HTML rendering does not use it.
        # KaTeX also writes negative heights on some vlist struts, which CSS ignores as invalid;
        # dropping them changes nothing on screen and keeps the HTML valid.
        self._cache[key] = NEGATIVE_HEIGHT.sub("", MTD_WIDTH.sub(r"\1", answer["html"]))
        return self._cache[key]

    def close(self) -> None:
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None

    def render_page(self, page_html: str) -> tuple[str, int]:
        """Replaces every arithmatex block in `page_html`. Returns (html, number of formulas)."""
        count = 0

        def inline(m: re.Match) -> str:
            nonlocal count
            count += 1
            math = '<span class="arithmatex">' + self.render(html.unescape(m["tex"]), False) + "</span>"
            # A word joiner keeps "x²." together: a line may otherwise break before the full stop.
            # (Not white-space: nowrap, which would also forbid KaTeX's own breaks at relations.)
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


def asset_files() -> list[tuple[Path, str]]:
    """(source file, site path) for the KaTeX stylesheet and the woff2 fonts it names."""
    out = [(KATEX_DIST / "katex.min.css", "assets/katex/katex.min.css")]
    for font in sorted((KATEX_DIST / "fonts").glob("*.woff2")):
        out.append((font, f"assets/katex/fonts/{font.name}"))
    return out
