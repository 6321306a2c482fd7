"""Small pieces of page markup that generators share: figures and display math."""

from __future__ import annotations

from xml.sax.saxutils import escape


def figure(svg: str, caption: str) -> str:
    """An inline SVG with a caption, as one raw HTML block (no blank lines inside)."""
    if "\n\n" in svg:
        raise ValueError("an inline SVG must not contain blank lines (Markdown would split it)")
    return f'<figure class="bp-figure">\n{svg.strip()}\n<figcaption>{escape(caption)}</figcaption>\n</figure>'


def display(tex: str) -> str:
    """A display formula in the form pymdownx.arithmatex reads."""
    return "$$\n" + tex.strip() + "\n$$"


def indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else "" for line in text.splitlines())


def solution(body: str, title: str = "Solution") -> str:
    """A collapsed solution block (pymdownx.details) for an exercise."""
    return f'??? tip "{title}"\n\n' + indent(body)
