"""The pages as sources: which file is being converted, and the book-wide rules about them.

An engine hands a Markdown extension only the text of a page, so `identify` finds the file
by its content. The other functions check what no single page can: links to other pages and
their headings, the navigation in mkdocs.yml, and that an equation label (\\tag{B1}) names one
formula across the whole book. Everything is cached on file modification times.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from pathlib import Path

from .artifacts import DOCS, REPO
from .texscan import math_spans, prose_lines

FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n(---|\.\.\.)\s*\n", re.S)
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
ATTR_ID = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}\s*$")
HTML_ID = re.compile(r"""\bid=["']([^"']+)["']""")
LINK = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
REF_DEF = re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s+(?P<target>\S+)")
TAG = re.compile(r"\\tag\{(?P<label>[^}]*)\}")


@dataclasses.dataclass(frozen=True)
class Page:
    rel: str  # docs-relative path, e.g. "net232.md"
    offset: int  # lines of front matter the engine removed before handing over the text

    @property
    def src(self) -> str:
        return f"docs/{self.rel}"


INCLUDES = REPO / "includes"


def _docs_state() -> tuple:
    return tuple(sorted((p.relative_to(DOCS).as_posix(), p.stat().st_mtime_ns) for p in DOCS.rglob("*.md")))


def _label_sources() -> tuple:
    """Pages and the shared includes (includes/equations.md states each label once)."""
    files = [*DOCS.rglob("*.md"), *INCLUDES.glob("*.md")]
    return tuple(sorted((p.relative_to(REPO).as_posix(), p.stat().st_mtime_ns) for p in files))


@functools.lru_cache(maxsize=4)
def _index(state: tuple) -> dict[str, Page]:
    out = {}
    for rel, _ in state:
        text = (DOCS / rel).read_text(encoding="utf-8")
        body, offset = text, 0
        if m := FRONT_MATTER.match(text):
            body, offset = text[m.end():], text[:m.end()].count("\n")
        for key in (body, body.strip()):
            out.setdefault(key, Page(rel, offset))
    return out


def identify(text: str) -> Page | None:
    """The docs page whose (front-matter-free) source is `text`, or None."""
    index = _index(_docs_state())
    return index.get(text) or index.get(text.strip())


def source_lines(rel: str) -> list[str]:
    return (DOCS / rel).read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------------------
# Anchors and links


def slugify(text: str) -> str:
    """Python-Markdown's toc slug (its default `slugify`, unicode=False), on the heading's plain text."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"[*_]{1,3}([^*_]+)[*_]{1,3}", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@functools.lru_cache(maxsize=256)
def _anchors(rel: str, mtime: int) -> frozenset[str]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    for _, line in prose_lines(source_lines(rel)):
        if m := HEADING.match(line):
            if a := ATTR_ID.search(m[2]):
                ids.append(a[1])
                continue
            slug = slugify(m[2])
            if slug in seen:  # toc numbers repeated headings: x, x_1, x_2
                seen[slug] += 1
                slug = f"{slug}_{seen[slug]}"
            else:
                seen[slug] = 0
            ids.append(slug)
        ids += HTML_ID.findall(line)
        if a := ATTR_ID.search(line):
            ids.append(a[1])
    return frozenset(ids)


def anchors(rel: str) -> frozenset[str]:
    return _anchors(rel, (DOCS / rel).stat().st_mtime_ns)


def link_problems(page: Page, lines: list[str]) -> list[str]:
    """Relative links to a page that does not exist, or to a heading it does not have."""
    problems = []
    base = (DOCS / page.rel).parent
    for i, line in prose_lines(lines):
        targets = [m["target"] for m in LINK.finditer(re.sub(r"`[^`]*`", "", line))]
        if m := REF_DEF.match(line):
            targets.append(m["target"])
        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
                continue  # external, mailto:, or site-absolute
            path, _, anchor = target.partition("#")
            if path and not path.endswith(".md"):
                if not (base / path).exists():
                    problems.append(f"{page.src}:{i + page.offset}: the link '{target}' names a file that is not in docs/")
                continue
            rel = (base / path).resolve().relative_to(DOCS.resolve()).as_posix() if path else page.rel
            if not (DOCS / rel).exists():
                problems.append(f"{page.src}:{i + page.offset}: the link '{target}' names docs/{rel}, which does not exist")
            elif anchor and anchor not in anchors(rel):
                problems.append(f"{page.src}:{i + page.offset}: the link '{target}' names '#{anchor}', which is not a heading "
                                f"or id in docs/{rel}")
    return problems


# ---------------------------------------------------------------------------
# The navigation


def nav_problems(config: Path = REPO / "mkdocs.yml") -> list[str]:
    """Entries of `nav:` that name a page which does not exist, with their line in mkdocs.yml."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return []
    return _nav_problems(text, _docs_state())


@functools.lru_cache(maxsize=4)
def _nav_problems(text: str, state: tuple) -> list[str]:
    problems, in_nav = [], False
    pages = {rel for rel, _ in state}
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^nav:\s*$", line):
            in_nav = True
            continue
        if in_nav and line and not line.startswith((" ", "#")):
            in_nav = False
        if in_nav and (m := re.search(r"(?:^\s*-\s+(?:[^:]+:\s+)?)([\w./-]+\.md)\s*$", line)):
            if m[1] not in pages:
                problems.append(f"mkdocs.yml:{i}: the nav entry names docs/{m[1]}, which does not exist")
    return problems


# ---------------------------------------------------------------------------
# Equation labels


def _normal(tex: str) -> str:
    tex = re.sub(r"\\[,;:!]|\\quad|\\qquad|~", "", tex)
    return re.sub(r"\s+", "", tex).rstrip(".,;")


@functools.cache
def _file_labels(path: Path, stamp: int) -> tuple[tuple[str, int, str], ...]:
    """(label, line, normalised formula) for every \\tag in one file, as of its modification time `stamp`.
    Kept per file, so a save under `serve` rescans the file saved, not the whole book."""
    out = []
    text = path.read_text(encoding="utf-8")
    spans, _ = math_spans(text)
    for start, end in spans:
        for part in re.split(r"\\\\(?![\[\d])", text[start:end]):  # one line of an aligned block at a time
            for m in TAG.finditer(part):
                formula = _normal(re.sub(r"\$\$|\\\[|\\\]|&", "", TAG.sub("", part)))
                line = text.count("\n", 0, start + text[start:end].find(m[0])) + 1
                out.append((m["label"].strip(), line, formula))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _labels(state: tuple) -> dict[str, list[tuple[str, int, str]]]:
    """{label: [(repo-relative file, line, normalised formula)]}, the shared includes first."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    for rel, stamp in sorted(state, key=lambda s: not s[0].startswith("includes/")):
        for label, line, formula in _file_labels(REPO / rel, stamp):
            out.setdefault(label, []).append((rel, line, formula))
    return out


def label_problems(page: Page) -> list[str]:
    """Each \\tag{…} label names one formula in the whole book; report this page's disagreements."""
    problems = []
    for label, uses in _labels(_label_sources()).items():
        formulas = {f for _, _, f in uses}
        if len(formulas) < 2:
            continue
        first = uses[0]
        for rel, line, formula in uses:
            if rel == page.src and formula != first[2]:
                problems.append(f"{page.src}:{line}: the label ({label}) names a different formula here than at "
                                f"{first[0]}:{first[1]}; one label, one formula: give the variant a label of its own")
    return problems
