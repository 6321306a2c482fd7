"""Shared fixtures for tests over the built site: build once, serve on 127.0.0.1, drive Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", REPO / "artifacts-ci" / "screenshots"))


def page_paths(site: Path) -> list[str]:
    """URL paths of every page MkDocs wrote (directory URLs)."""
    paths = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search")):
            continue
        paths.append("" if rel == "." else rel + "/")
    return sorted(paths)


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


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    prefix = site_prefix()
    handler = functools.partial(type("Handler", (_QuietHandler,), {"prefix": prefix}), directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    server.shutdown()


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
