"""Where the math is in a Markdown page, and TeX that escaped it.

`math_spans` finds the math regions of a page's Markdown source the way pymdownx.arithmatex
will (display `$$ … $$`, `\\[ … \\]`, inline `\\( … \\)` and `$ … $`), skipping code, and reports
delimiters left open. `leaks` finds TeX-looking text in finished HTML outside rendered math
and code: what a reader would see as raw TeX.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser


@dataclasses.dataclass(frozen=True)
class Problem:
    line: int  # 1-based, in the text given
    message: str


FENCE = re.compile(r"^\s*(```+|~~~+)")
INLINE_CODE = re.compile(r"(`+)(?:.+?)\1", re.S)
# Inline delimiters; a backslash-escaped dollar (\$) is a dollar sign, not math.
INLINE_TOKEN = re.compile(r"\\\(|\\\)|(?<!\\)\$(?!\$)")


def prose_lines(lines: list[str]):
    """(line number, line) of the lines outside fenced code."""
    fence = None
    for i, line in enumerate(lines, start=1):
        if fence is None and (m := FENCE.match(line)):
            fence = m[1]
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        yield i, line


def _blank(m: re.Match) -> str:
    return re.sub(r"[^\n]", " ", m[0])


def math_spans(text: str) -> tuple[list[tuple[int, int]], list[Problem]]:
    """(start, end) character ranges of math in `text`, and problems (unclosed or stray delimiters)."""
    spans: list[tuple[int, int]] = []
    problems: list[Problem] = []
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    fence = None
    block = None  # ("$$" or "\\[", start offset, line number)
    para: list[int] = []  # indices of the lines of the current paragraph

    def close_paragraph() -> None:
        if not para:
            return
        start, end = offsets[para[0]], offsets[para[-1]] + len(lines[para[-1]])
        chunk = INLINE_CODE.sub(_blank, text[start:end])
        open_at = None  # (kind, index in chunk)
        for m in INLINE_TOKEN.finditer(chunk):
            tok = m[0]
            line_no = para[0] + chunk.count("\n", 0, m.start()) + 1
            if open_at is None:
                if tok == "\\)":
                    problems.append(Problem(line_no, r"'\)' closes math that was never opened with '\('"))
                elif tok == "$" and chunk[m.end():m.end() + 1].isspace():
                    problems.append(Problem(line_no, "a lone '$' (write \\$ for a dollar sign, or \\( … \\) for math)"))
                else:
                    open_at = (tok, m.start(), line_no)
            elif (open_at[0] == "\\(" and tok == "\\)") or (open_at[0] == "$" == tok):
                spans.append((start + open_at[1], start + m.end()))
                open_at = None
        if open_at is not None:
            what = r"'\(' is never closed with '\)'" if open_at[0] == "\\(" else "a '$' is never closed (write \\$ for a dollar sign)"
            problems.append(Problem(open_at[2], f"math left open: {what}"))
        para.clear()

    for i, line in enumerate(lines):
        stripped = line.strip()
        if fence is None and (m := FENCE.match(line)):
            close_paragraph()
            fence = m[1]
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if block is not None:
            if (block[0] == "$$" and stripped.endswith("$$")) or (block[0] == "\\[" and stripped.endswith("\\]")):
                spans.append((block[1], offsets[i] + len(line)))
                block = None
            continue
        if stripped.startswith("$$") or stripped.startswith("\\["):
            close_paragraph()
            opener, closer = ("$$", "$$") if stripped.startswith("$$") else ("\\[", "\\]")
            rest = stripped[2:]
            if rest.endswith(closer) and len(rest) >= 2:
                spans.append((offsets[i], offsets[i] + len(line)))
            else:
                block = (opener, offsets[i], i + 1)
            continue
        if not stripped:
            close_paragraph()
            continue
        para.append(i)
    close_paragraph()
    if block is not None:
        problems.append(Problem(block[2], f"display math opened with '{block[0]}' is never closed"))
    return sorted(spans), problems


# ---------------------------------------------------------------------------
# TeX in finished HTML, outside rendered math and code

TEX_LEAK = re.compile(r"\\[A-Za-z]{2,}|\\[()\[\]]|\$\$|(?<![\w\\])\$(?=\S)[^$<>]{1,80}?(?<=\S)\$|[_^]\{")
SKIP = {"code", "pre", "script", "style", "svg", "math", "kbd", "samp", "title", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # True where text is skipped
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        cls = dict(attrs).get("class") or ""
        skip = tag in SKIP or bool({"katex", "arithmatex"} & set(cls.split()))
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and (m := TEX_LEAK.search(data)):
            self.found.append((data[max(0, m.start() - 30):m.end() + 30].strip(), m[0]))


def leaks(html: str) -> list[tuple[str, str]]:
    """(text around it, the TeX itself) for each place where a reader would see raw TeX."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.found


# ---------------------------------------------------------------------------
# Numbers typed by hand into a page (they must come from the build)

DECIMAL = re.compile(r"(?<![\w.\\])(\d*\.\d+)(?![\w.])")  # 0.5, .5 (not 1.2.3, not \dots)
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?![\w.])")  # 1e-7, 2.5E+3
DECIMAL_COMMA = re.compile(r"(?<![\w.,{])(0,\d+|\d+,\d{3,})(?![\w,}])")  # 0,25 or 3,1416 (not (1,2), not W_{1,2})
PROSE_DECIMAL = re.compile(r"(?<![\w.§:/-])\d+\.\d{2,}(?![\w.])")  # results in prose have digits; "section 4.2" does not
CITATION = re.compile(r"(section|version|page|algorithm|chapter|equation|eq\.|§|arxiv:?|issue)\s*$", re.I)
CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.S | re.I)
REFERENCE = re.compile(r"\[\[[^\]]*\]\]|`[^`]*`|<[^>]+>|\]\([^)]*\)|https?://\S+")


def typed_numbers(text: str) -> list[Problem]:
    """Numbers typed into formulas, tables (Markdown or HTML) or prose instead of coming from the build.

    In math and tables: any decimal (0.5, .5), scientific notation (1e-7) or decimal comma (0,5).
    In prose, where sections and versions are cited (section 4.2, version 1.6.1), scientific
    notation, and a decimal with two or more digits after the point that is not such a citation
    (write a software version in code: `3.11`).
    """
    problems: list[Problem] = []
    spans, _ = math_spans(text)
    blanked = REFERENCE.sub(_blank, text)

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def scan(chunk: str, base: int, where: str) -> None:
        for rx in (DECIMAL, SCIENTIFIC, DECIMAL_COMMA):
            for m in rx.finditer(chunk):
                problems.append(Problem(line_of(base + m.start()), f"the number {m[0]} is typed into {where}: "
                                        "cite a value from the build ([[val:ns.name]]) instead"))

    in_math = [False] * (len(text) + 1)
    for a, b in spans:
        scan(blanked[a:b], a, "a formula")
        in_math[a:b] = [True] * (b - a)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for i, line in prose_lines(lines):
        start, pos = starts[i - 1], starts[i]
        for m in CELL.finditer(line):
            scan(REFERENCE.sub(_blank, m[1]), start + m.start(1), "an HTML table")
        if line.lstrip().startswith("|"):
            plain = "".join(" " if in_math[start + i] else c for i, c in enumerate(blanked[start:pos]))
            scan(plain, start, "a table")
            continue
        prose = [m for rx in (PROSE_DECIMAL, SCIENTIFIC) for m in rx.finditer(blanked[start:pos])]
        for m in prose:
            if in_math[start + m.start()] or CITATION.search(blanked[start:start + m.start()][-14:]):
                continue
            problems.append(Problem(line_of(start + m.start()), f"the number {m[0]} is typed into the prose: "
                                    "cite a value from the build ([[val:ns.name]]) instead"))
    return sorted(set(problems), key=lambda p: p.line)
