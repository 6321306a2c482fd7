"""MkDocs hooks: generate and check artifacts, validate references, render math.

This module stays thin on purpose. MkDocs does not reload hook modules under
`mkdocs serve`, so generation runs in a subprocess (scripts/book/generate.py) that
always sees the current code, and the helpers imported here are reloaded per build.
Every problem raises PluginError, which stops the build with or without --strict.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

from book import artifacts, katex  # noqa: E402

_renderer = katex.KatexRenderer()
# Generated block HTML (a figure, or a row/grid of figures) that Markdown wrapped in <p>.
FIGURE_IN_P = re.compile(r'<p>\s*(<(figure|div) class="[^"]*\bbp-[^"]*"[^>]*>.*?</\2>)\s*</p>', re.S)
_stats = {"formulas": 0, "seconds": 0.0}


def _source_date_epoch() -> str:
    """The commit time, so two builds of one commit are byte-identical (sitemap dates)."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=True)
        return out.stdout.strip() or "0"
    except (OSError, subprocess.CalledProcessError):
        return "0"


def on_config(config):
    os.environ.setdefault("SOURCE_DATE_EPOCH", _source_date_epoch())
    return config


def on_pre_build(config):
    importlib.reload(artifacts)
    if os.environ.get("BOOK_GENERATE", "1") == "0":
        return  # "plain" build: use generated/ as it is (benchmarks, other engines)
    if artifacts.all_fresh():
        return  # nothing to regenerate: skip starting Python, NumPy and Matplotlib (about 0.2 s a rebuild)
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "book" / "generate.py"), "--quiet"],
        cwd=REPO, capture_output=True, text=True,
        # No .pyc files: they would land in the watched scripts/ folder and make `serve` build again.
        env={**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if proc.returncode != 0:
        raise PluginError("build-time artifact generation failed\n" + (proc.stderr or proc.stdout).rstrip())


def on_files(files, config):
    for src, dest in katex.asset_files():
        if not src.exists():
            raise PluginError(f"{src} is missing: run `npm ci` to install KaTeX (see README)")
        files.append(File.generated(config, dest, abs_src_path=str(src)))
    return files


def _check_code_include(target: str) -> str | None:
    path, _, section = target.partition(":")
    file = REPO / path
    if not file.is_file():
        return f"the file '{path}' does not exist"
    if section and not section.replace("_", "").replace("-", "").isalnum():
        return None  # a line range such as file.py:3:9; snippets checks it
    if section and f"--8<-- [start:{section}]" not in file.read_text(encoding="utf-8"):
        return f"'{path}' has no snippet section '{section}' (add `# --8<-- [start:{section}]` ... `[end:{section}]`)"
    return None


def on_page_markdown(markdown, page, config, files):
    """Every include names an artifact or a source file that exists; every [[val:...]] is known."""
    src = f"docs/{page.file.src_uri}"
    known = artifacts.known_artifacts()
    values = artifacts.known_values()
    errors = []
    lines = markdown.splitlines()
    for i, line in enumerate(lines, start=1):
        if m := artifacts.SNIPPET_LINE.match(line):
            target = m["target"]
            if target.startswith(("scripts/", "tests/")):
                problem = _check_code_include(target)
            elif target in known:
                problem = None
            else:
                close = difflib.get_close_matches(target, sorted(known), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problem = f"no artifact '{target}' (generators declare them in scripts/generators/){hint}"
            if problem:
                errors.append(f"{src}:{i}: {problem}")
        for v in artifacts.VALUE_REF.finditer(line):
            if v["key"] not in values:
                close = difflib.get_close_matches(v["key"], sorted(values), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                errors.append(f"{src}:{i}: no value '{v['key']}' (published with ctx.value in scripts/generators/){hint}")
    if errors:
        raise PluginError("unknown references in the page:\n  " + "\n  ".join(errors))
    return artifacts.VALUE_REF.sub(lambda v: values[v["key"]], markdown)


def _locate(page, tex: str) -> str:
    """file:line of a formula in the page source (first line that holds its start)."""
    path = Path(page.file.abs_src_path)
    needle = tex.strip().splitlines()[0].strip() if tex.strip() else tex
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle and needle in line:
            return f"docs/{page.file.src_uri}:{i}"
    return f"docs/{page.file.src_uri} (in included content)"


def on_page_content(html, page, config, files):
    # A figure included inside a tab or admonition arrives wrapped in <p> (Markdown does not see
    # indented raw HTML as a block); <figure> may not sit in <p>, so unwrap it.
    return FIGURE_IN_P.sub(r"\1", html)


def on_post_page(output, page, config):
    """Math is rendered in the finished page, after the search plugin has indexed the content:
    the index then holds each formula once, as TeX, not three times (HTML, MathML, annotation)."""
    start = time.perf_counter()
    try:
        output, n = _renderer.render_page(output)
    except katex.TexError as e:
        raise PluginError(f"{_locate(page, e.tex)}: malformed TeX: {e.reason}\n  formula: {e.tex.strip()}") from None
    _stats["formulas"] += n
    _stats["seconds"] += time.perf_counter() - start
    return output


def on_shutdown():
    _renderer.close()
