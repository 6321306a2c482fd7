"""Shared fixtures for tests over the built site: build once, serve on 127.0.0.1, drive Chromium.

The book is built by MkDocs (`built_site`) and, from the same sources, by ProperDocs and Zensical
(`properdocs_site`, `zensical_site`), each run from its own virtualenv (`make engines`). The
reader-facing browser checks run over every engine named in BOOK_TEST_ENGINES (default: MkDocs
and Zensical) through the parametrised `reader_site` / `reader_url` fixtures.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[1]
# Chromium, its flags, the clean copy, the page list and the server thread are the benchmark's (scripts/bench), shared with the tests.
sys.path.insert(0, str(REPO / "scripts" / "bench"))
from common import CHROMIUM, CHROMIUM_ARGS, make_copy, serving  # noqa: E402
from layout import page_paths as _page_paths  # noqa: E402

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", REPO / "artifacts-ci" / "screenshots"))

# Each engine runs from its own virtualenv (`make engines`), with the book's packages installed there too.
ENGINE_PYTHON = {
    "mkdocs": Path(sys.executable),
    "properdocs": REPO / ".venv-properdocs" / "bin" / "python",
    "zensical": REPO / ".venv-zensical" / "bin" / "python",
}
# The engines whose builds the reader-facing browser checks cover (a comma-separated list).
READER_ENGINES = tuple(os.environ.get("BOOK_TEST_ENGINES", "mkdocs,zensical").split(","))
# What a build of the book reads; generated/ is copied as well (the sealed cache lets the copy reuse
# what is still fresh and regenerate the rest), node_modules is linked.
BOOK_SOURCES = ["docs", "includes", "scripts", "overrides", "generated", "mkdocs.yml", "package.json"]


def page_paths(site: Path) -> list[str]:
    """URL paths of every page MkDocs wrote (directory URLs), sorted."""
    return sorted(_page_paths(site))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """A fresh strict build of the book, made once per test session."""
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return site


PDF_NAME = "backprop-in-matrix-notation.pdf"  # the name docs/index.md links to


@pytest.fixture(scope="session")
def built_book(built_site) -> Path:
    """The built site with its PDF edition in it, as `make pdf` leaves site/ and the deploy publishes it.

    Runs the same command as `make pdf`; its summary line (pages, size, seconds) is kept in pdf-build.log.
    """
    pdf = built_site / PDF_NAME
    if not pdf.exists():
        env = {**os.environ, "PYTHONPATH": str(REPO / "scripts"), "CHROMIUM": CHROMIUM}
        proc = subprocess.run([sys.executable, "-m", "pdf", str(built_site)], cwd=REPO, capture_output=True, text=True, env=env)
        (built_site.parent / "pdf-build.log").write_text(proc.stderr, encoding="utf-8")
        assert proc.returncode == 0, proc.stderr
    return built_site


def copy_book(dest: Path) -> Path:
    """A private copy of the book's sources at dest/book (no build output, no bytecode)."""
    return make_copy(dest, "book", BOOK_SOURCES)


def engine_build(engine: str, site: Path, root: Path = REPO, timeout: float = 900) -> subprocess.CompletedProcess:
    """`python -m book.build --engine ENGINE --site-dir SITE`, as `make build ENGINE=...` runs it, in root.

    A copy (root other than REPO) builds with its own book packages, not the repository's editable install.
    Zensical has no --site-dir: it writes inside its project, so site must lie within root.
    """
    python = ENGINE_PYTHON[engine]
    if not python.exists():
        pytest.fail(f"{python} is missing: `make engines` installs ProperDocs and Zensical")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    if root != REPO:
        env["PYTHONPATH"] = str(root / "scripts")
    return subprocess.run([str(python), "-m", "book.build", "--engine", engine, "--site-dir", str(site)],
                          cwd=root, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def properdocs_site(tmp_path_factory) -> Path:
    """The book built by ProperDocs from the repository's sources (ProperDocs takes --site-dir)."""
    site = tmp_path_factory.mktemp("properdocs") / "site"
    proc = engine_build("properdocs", site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory) -> Path:
    """The book built by Zensical, in a private copy of the sources (Zensical writes inside its project)."""
    root = copy_book(tmp_path_factory.mktemp("zensical"))
    proc = engine_build("zensical", root / "site", root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site"


@pytest.fixture(scope="session", params=READER_ENGINES)
def reader_site(request) -> tuple[str, Path]:
    """(engine, site) for each engine in READER_ENGINES: the browser checks run once per build."""
    engine = request.param
    fixture = {"mkdocs": "built_site", "properdocs": "properdocs_site", "zensical": "zensical_site"}[engine]
    return engine, request.getfixturevalue(fixture)


def site_prefix() -> str:
    """The path the site lives under on GitHub Pages (from site_url), e.g. /backprop-in-matrix-notation/."""
    import yaml  # PyYAML comes with MkDocs

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # ignore !!python/name tags
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return "/" + urlparse(config["site_url"]).path.strip("/") + "/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under the same path prefix as the hosted book, 404 elsewhere."""

    prefix = "/"

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return "/nonexistent-outside-site-prefix"
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args):  # keep pytest output readable
        pass


@contextlib.contextmanager
def serve(site: Path):
    """Serve a built site on 127.0.0.1 under the hosted book's path prefix; yields its URL."""
    prefix = site_prefix()
    handler = functools.partial(type("Handler", (_QuietHandler,), {"prefix": prefix}), directory=str(site))
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler), prefix) as url:
        yield url


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def reader_url(reader_site) -> str:
    with serve(reader_site[1]) as url:
        yield url


@pytest.fixture(scope="session")
def browser_context():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with playwright.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}
        )
        yield context
        context.close()
