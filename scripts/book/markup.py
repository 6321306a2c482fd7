"""Small pieces of page markup that generators share: figures and display math."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_STYLE = re.compile(r'\bstyle="([^"]*)"')
_LENGTH = re.compile(r"(?:\d+(?:\.\d+)?)(?:rem|em|px)")


def figure(svg: str, caption: str, *, min_width: str | None = None) -> str:
    """An inline SVG with a caption, as one raw HTML block (no blank lines inside).

    min_width (a CSS length such as "24rem") keeps the SVG from shrinking below it: on a narrow
    screen the figure then scrolls sideways instead of shrinking its labels below reading size."""
    if "\n\n" in svg:
        raise ValueError("an inline SVG must not contain blank lines (Markdown would split it)")
    svg = svg.strip()
    if min_width is not None:
        svg = _with_min_width(svg, min_width)
    return f'<figure class="bp-figure">\n{svg}\n<figcaption>{escape(caption)}</figcaption>\n</figure>'


def _with_min_width(svg: str, min_width: str) -> str:
    # The root <svg> tag's style gets min-width: the figure (the scrolling box) stays as wide as the column.
    if not _LENGTH.fullmatch(min_width):
        raise ValueError(f"min_width must be a CSS length in rem, em or px, such as '24rem', not {min_width!r}")
    tag = _SVG_TAG.search(svg)
    if tag is None or svg[:tag.start()].strip():
        raise ValueError("min_width needs the figure to be one inline <svg> element")
    head = tag.group(0)
    style = _STYLE.search(head)
    if style is None:
        new = head[:-1].rstrip("/ ") + f' style="min-width: {min_width}"' + ("/>" if head.endswith("/>") else ">")
    elif re.search(r"(?:^|;)\s*min-width\s*:", style.group(1)):
        raise ValueError("the SVG already sets a min-width")
    else:
        rules = style.group(1).strip().rstrip(";")
        new = head[:style.start(1)] + (f"{rules}; " if rules else "") + f"min-width: {min_width}" + head[style.end(1):]
    return svg[:tag.start()] + new + svg[tag.end():]


def display(tex: str) -> str:
    """A display formula in the form pymdownx.arithmatex reads."""
    return "$$\n" + tex.strip() + "\n$$"


def indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else "" for line in text.splitlines())


def solution(body: str, title: str = "Solution") -> str:
    """A collapsed solution block (pymdownx.details) for an exercise."""
    return f'??? tip "{title}"\n\n' + indent(body)
