"""The book's Python-Markdown extension: `markdown_extensions: [book.mdext]` in mkdocs.yml.

It does the build-time work every engine must do (MkDocs, ProperDocs and Zensical all run
Python-Markdown extensions; Zensical runs no MkDocs hooks or plugins):

before pymdownx.snippets (preprocessor)
  - regenerates the artifacts when any is missing, stale or edited by hand (book.generate);
  - checks every include (`--8<-- "ns/name.md"`, `--8<-- "scripts/...:section"`), value
    reference (`[[val:…]]`, `[[shape:…]]`), math delimiter, relative link, equation label
    and nav entry, and fills in the values (book.values);
on the element tree (treeprocessor)
  - wraps every Markdown table in the scrolling box the theme's script would put it in, at build
    time (book.css gives the table the theme's look);
after the HTML is assembled (postprocessor)
  - renders every formula with KaTeX (book.katex), fails on TeX left outside math, and
    unwraps generated blocks that Markdown put inside <p>.

Every problem raises BookError naming docs/file.md:line (or the artifact and its generator)
and stops the build, with or without --strict.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys

from markdown import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from . import answers, cache, katex, pages, texscan, values
from .artifacts import DOCS, GENERATED, REPO, SCRIPTS, SNIPPET_LINE

try:  # a clean one-screen message under MkDocs and ProperDocs; a plain exception elsewhere
    from mkdocs.exceptions import PluginError as _Base
except ImportError:  # pragma: no cover - engines without MkDocs
    _Base = Exception


class BookError(_Base):
    """A problem in the book's sources, with the place to fix it."""


def _fail(problems: list[str], title: str) -> None:
    shown = problems[:12]
    more = f"\n  … and {len(problems) - 12} more" if len(problems) > 12 else ""
    raise BookError(f"{title}:\n  " + "\n  ".join(shown) + more)


# ---------------------------------------------------------------------------
# Generation, once per change

_verified: tuple | None = None
_failed: tuple[tuple, str] | None = None  # (input state, report) of the last failed generation


def _sources_state() -> tuple:
    """Stamps of everything generation depends on (cheap: no file is read)."""
    globs = ("scripts/backprop/*.py", "scripts/book/*", "scripts/generators/*.py")
    return tuple(sorted((p.as_posix(), p.stat().st_mtime_ns) for g in globs for p in REPO.glob(g) if p.is_file()))


def _inputs_state() -> tuple:
    """Stamps of everything generation depends on, and of what it serves (cheap: no file is read)."""
    return _sources_state() + cache.served_state()


def ensure_generated() -> None:
    """Run the generators whose outputs are missing, stale or tampered with; raise with the report.

    Once per change: a state already verified is not checked again, and a state that failed
    fails again at once (every page of a build would otherwise rerun a generator that hangs).
    The generators found stale here are the ones the engine is asked to run, so it does not check
    every other one again. What is recorded as verified is the sources as they were before the check
    (a save during generation is seen at the next call) with the cache as generation left it.
    """
    global _verified, _failed
    sources = _sources_state()
    state = sources + cache.served_state()
    if state == _verified:
        return
    if _failed is not None and _failed[0] == state:
        raise BookError(_failed[1])
    fresh, stale = cache.freshness()
    if not fresh:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")])),
               "PYTHONDONTWRITEBYTECODE": "1"}
        names = [p.stem for p in stale]  # none: the census or the set of generators is off, the engine checks them all
        proc = subprocess.run([sys.executable, "-m", "book.generate", "--quiet", *names], cwd=REPO, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            message = "build-time artifact generation failed\n" + (proc.stderr or proc.stdout).rstrip()
            _failed = (sources + cache.served_state(), message)
            raise BookError(message)
        state = sources + cache.served_state()
    _verified, _failed = state, None


# ---------------------------------------------------------------------------
# Before snippets: check and fill in the page's references


def _check_code_include(target: str) -> str | None:
    path, _, section = target.partition(":")
    file = REPO / path
    if not file.is_file():
        return f"the file '{path}' does not exist"
    if section and re.fullmatch(r"[\d:]+", section):
        return None  # a line range such as file.py:3:9; snippets checks it
    if section and f"--8<-- [start:{section}]" not in file.read_text(encoding="utf-8"):
        return f"'{path}' has no snippet section '{section}' (add `# --8<-- [start:{section}]` … `# --8<-- [end:{section}]`)"
    return None


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


SERVE = os.environ.get("BOOK_SERVE") == "1"  # `make serve`: show a problem in the page instead of stopping
ERRORED: set[str] = set()  # pages that showed a problem under serve (rebuilt on the next save, whatever changed)


def _shown(e: BookError) -> str:
    from html import escape

    return ('<div class="bp-build-error" role="alert"><p><strong>This page did not build.</strong> Fix the place named '
            f"below and save; the page reloads by itself.</p><pre>{escape(str(e))}</pre></div>")


class _Guarded(Preprocessor):
    """Under `make serve` a problem becomes the page's content instead of stopping the server."""

    def run(self, lines: list[str]) -> list[str]:
        error = getattr(self.md, "book_error", None)
        if error is None:
            try:
                return self._run(lines)
            except BookError as e:
                if not SERVE:
                    raise
                self.md.book_error = error = e
                if page := getattr(self.md, "book_page", None):
                    ERRORED.add(page.rel)
        # The page becomes the error (once the stash can hold it: after the whitespace step).
        return [self.md.htmlStash.store(_shown(error))] if self.STASH_OK else lines

    STASH_OK = True

    def _run(self, lines: list[str]) -> list[str]:
        raise NotImplementedError


class ReferencePreprocessor(_Guarded):
    """The page as written: includes, math delimiters, typed numbers, links, labels, references."""

    STASH_OK = False  # runs before the whitespace step, which strips stash markers

    def _run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        page = self.md.book_page = pages.identify(text)
        ensure_generated()
        where = page.src if page else "the page (not found in docs/)"
        offset = page.offset if page else 0
        known, served = cache.served_artifacts(), cache.served_values()
        problems = []
        for i, line in enumerate(lines, start=1):
            if m := SNIPPET_LINE.match(line):
                target = m["target"]
                if target.startswith(("scripts/", "tests/", "includes/")):
                    problem = _check_code_include(target)
                elif target in known:
                    problem = None
                else:
                    problem = f"no artifact '{target}' (generators declare them in scripts/generators/){_suggest(target, known)}"
                if problem:
                    problems.append(f"{where}:{i + offset}: {problem}")
            for r in values.REF.finditer(line):
                if r["key"] not in served:
                    problems.append(f"{where}:{i + offset}: no value '{r['key']}' (published with ctx.value in "
                                    f"scripts/generators/){_suggest(r['key'], served)}")
        _, math_problems = texscan.math_spans(text)
        problems += [f"{where}:{p.line + offset}: {p.message}" for p in math_problems + texscan.typed_numbers(text)]
        if page:
            problems += pages.link_problems(page, lines) + pages.label_problems(page) + pages.nav_problems()
        if problems:
            _fail(problems, "problems in the page")
        return lines


class SubstitutePreprocessor(_Guarded):
    """Fills in every [[val:…]], [[shape:…]] and [[answer:…]], in the page and in what it includes.

    Runs after pymdownx.snippets, so shared text in includes/ may cite values too, and after
    the whitespace step, so answer fields can go straight into the HTML stash.
    """

    def _run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        served = cache.served_values()
        spans, _ = texscan.math_spans(text)
        page = getattr(self.md, "book_page", None)
        where = f"text included into {page.src}" if page else "the page"
        problems, fields = [], {}
        # Each field's label names what it answers: the admonition it sits in ("Exercise 2").
        fields_at = [m for m in values.REF.finditer(text) if m["what"] == "answer"]
        lines_ = text.split("\n")
        places = [(answers.context(lines_, text.count("\n", 0, m.start())), m["label"]) for m in fields_at]
        named: dict[int, tuple[str, str]] = {}
        for m in fields_at:
            if m["label"] is not None and not m["label"].strip():
                problems.append(f"{where}: '{m['key']}' has an empty label; write what the field asks for, or leave the label out")
        try:
            named = dict(zip([m.start() for m in fields_at], answers.labels(places), strict=True))
        except answers.LabelClash as e:
            problems.append(f"{where}: '{fields_at[e.index]['key']}': {e}")

        def substitute(m: re.Match) -> str:
            rec = served.get(m["key"])
            if rec is None:
                problems.append(f"{where}: no value '{m['key']}'{_suggest(m['key'], served)}")
                return m[0]
            if m["what"] == "answer":
                if rec["kind"] != "answer":
                    problems.append(f"{where}: '{m['key']}' is a {rec['kind']}, not an answer (publish it with ctx.answer)")
                    return m[0]
                # ids from the answer's name stay unique when pages are joined (the print page)
                fields[m["key"]] = n = fields.get(m["key"], 0) + 1
                uid = "answer-" + m["key"].replace(".", "-") + (f"-{n}" if n > 1 else "")
                try:
                    label = named.get(m.start(), ("Your answer", ""))
                    return self.md.htmlStash.store(answers.field(m["key"], rec, uid, label))
                except KeyError as e:
                    problems.append(f"{where}: '{m['key']}': {e.args[0]}")
                    return m[0]
            try:
                return values.resolve(m, served, any(a <= m.start() < b for a, b in spans))
            except values.ValueProblem as e:
                problems.append(f"{where}: {e}")
                return m[0]

        text = values.REF.sub(substitute, text)
        if problems:
            _fail([_place(self.md, p) for p in problems], "problems in the page")
        return text.split("\n")


def _place(md, problem: str) -> str:
    """Add the line of the page (or of an include) that holds the reference a problem is about."""
    page = getattr(md, "book_page", None)
    m = re.search(r"'([A-Za-z0-9_]+\.[A-Za-z0-9_]+)'", problem)
    if page and m:
        for path in [DOCS / page.rel, *sorted((REPO / "includes").glob("*.md"))]:
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if m[1] in line and "[[" in line:
                    return f"{path.relative_to(REPO).as_posix()}:{i}: {problem.split(': ', 1)[1]}"
    return problem


# ---------------------------------------------------------------------------
# After the HTML is assembled: math, raw TeX, block HTML inside <p>

BP_BLOCK = re.compile(r'<p>\s*(?=<(figure|div|details) class="[^"]*\bbp-)')


def unwrap_blocks(html: str) -> str:
    """`<p><figure class="bp-…">…</figure></p>` → the figure alone (a figure may not sit in <p>).

    Markdown wraps an indented raw HTML block (inside a tab or admonition) in <p>; the block is
    found by counting nested tags of its own name, so a <div> inside a <div> is not cut short.
    """
    out, pos = [], 0
    for m in BP_BLOCK.finditer(html):
        if m.start() < pos:
            continue
        tag, start = m[1], m.end()
        depth, j = 0, start
        for t in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
            depth += -1 if t[1] else 1
            if depth == 0:
                j = start + t.end()
                break
        else:
            continue
        close = re.match(r"\s*</p>", html[j:])
        if not close:
            continue
        out += [html[pos:m.start()], html[start:j]]
        pos = j + close.end()
    out.append(html[pos:])
    return "".join(out)


def _locate(md, needles: list[str]) -> str:
    """Where text comes from: a line of the page, or an artifact the page includes (and its generator)."""
    from html import escape

    page = getattr(md, "book_page", None)
    needles = [n for n in needles if n]
    if not page or not needles:
        return page.src if page else "the page"
    lines = pages.source_lines(page.rel)
    for needle in needles:
        for i, line in enumerate(lines, start=1):
            if needle in line:
                return f"{page.src}:{i + 0}"
        for i, line in enumerate(lines, start=1):
            if (m := SNIPPET_LINE.match(line)) and (GENERATED / m["target"]).is_file():
                text = (GENERATED / m["target"]).read_text(encoding="utf-8")
                if needle in text or escape(needle, quote=False) in text:
                    ns = m["target"].split("/")[0]
                    return f"artifact {m['target'][:-3]} (made by scripts/generators/{ns}.py), included at {page.src}:{i}"
    return page.src


def _locate_tex(md, tex: str) -> str:
    return _locate(md, [tex.strip().splitlines()[0].strip()] if tex.strip() else [])


class MathPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        if getattr(self.md, "book_error", None) is not None:
            return text
        try:
            return self._run(text)
        except BookError as e:
            if not SERVE:
                raise
            if page := getattr(self.md, "book_page", None):
                ERRORED.add(page.rel)
            return _shown(e)

    def _run(self, text: str) -> str:
        # Raw TeX first, while the page is small: rendered math is many times larger to parse.
        if found := texscan.leaks(text):
            _fail([f"{_locate(self.md, [around, tex])}: TeX outside math (a delimiter missing or left open?): …{around}…"
                   for around, tex in found], "raw TeX would reach the reader")
        try:
            text, _ = katex.renderer().render_page(text)
        except katex.TexError as e:
            raise BookError(f"{_locate_tex(self.md, e.tex)}: malformed TeX: {e.reason}\n  formula: {e.tex.strip()}") from None
        return unwrap_blocks(text)


# ---------------------------------------------------------------------------
# Tables in their scrolling box from the start

TABLE_CLASS = "bp-table"


class TableWrapper(Treeprocessor):
    """<table> → <div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table class="bp-table">.

    Material (and Zensical) put every table without a class into these two boxes when the page
    starts, moving it in the document: on a phone the browser then styles and lays out the whole
    table a second time (the notation chapter's symbol table: 2,000 elements). Wrapped here and
    given a class, the script leaves it alone; book.css gives `table.bp-table` what the theme
    gives `table:not([class])`. A table written as raw HTML is not in this tree and is still
    wrapped by the theme's script, as before."""

    def run(self, root):
        for parent in list(root.iter()):
            for i, child in enumerate(list(parent)):
                if child.tag != "table" or "class" in child.attrib:
                    continue
                scroll = parent.makeelement("div", {"class": "md-typeset__scrollwrap"})
                box = scroll.makeelement("div", {"class": "md-typeset__table"})
                scroll.append(box)
                scroll.tail, child.tail = child.tail, None
                parent.remove(child)
                parent.insert(i, scroll)
                child.set("class", TABLE_CLASS)
                box.append(child)
        return None


class BookExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.register(ReferencePreprocessor(md), "book-references", 40)  # before snippets (32)
        md.preprocessors.register(SubstitutePreprocessor(md), "book-values", 25)  # after whitespace (30), snippets (32)
        md.treeprocessors.register(TableWrapper(md), "book-tables", 5)  # after prettify (10): boxes without whitespace
        md.postprocessors.register(MathPostprocessor(md), "book-math", 5)  # after raw HTML is restored (30)
        md.registerExtension(self)


_assets_checked = False


def makeExtension(**kwargs):  # noqa: N802
    """Engines create the extension once per page (MkDocs also once while reading the config,
    before it lists docs/): the first time, put KaTeX's CSS and fonts into docs/assets/katex."""
    global _assets_checked
    if not _assets_checked:
        try:
            katex.copy_assets(DOCS)
        except katex.TexError as e:
            raise BookError(e.reason) from None
        _assets_checked = True
    return BookExtension(**kwargs)
