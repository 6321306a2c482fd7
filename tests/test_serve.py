"""`mkdocs serve` as a contributor uses it: edits are picked up, and it never rebuilds in a loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from test_build import make_copy

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root, port):
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(root / "scripts"), "BOOK_SERVE": "1", "BOOK_STRICT": "false"}
        self.proc = subprocess.Popen(
            # As `make serve` runs it; -v logs each page built, so a test can see what a save rebuilt.
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "--dirty", "-v", "-a", f"127.0.0.1:{port}"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def base_url(self) -> str:
        """Waits until the server listens; its address, under the site's path."""
        self.wait_for(lambda: any("Serving on" in line for line in self.lines))
        return next(line for line in self.lines if "Serving on" in line).split("Serving on ")[1].strip()

    def builds(self) -> int:
        return sum("Building documentation" in line for line in self.lines)

    def site_dir(self) -> Path:
        line = next(line for line in self.lines if "Config value 'site_dir'" in line)
        return Path(line.split("=", 1)[1].strip().strip("'"))

    def page_stamps(self) -> dict[str, int]:
        """Modification time of every page the server serves (MkDocs' log drops repeated messages, so count files)."""
        site = self.site_dir()
        return {p.parent.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("index.html")}

    def wait_for(self, predicate, timeout=120.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            if self.proc.poll() is not None:
                raise AssertionError("mkdocs serve exited:\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.1)
        raise AssertionError("timed out; log:\n" + "\n".join(self.lines[-30:]))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def fetch(url: str) -> str:
    """The page, or "" while a rebuild keeps the request waiting (polling callers just try again)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")
    except TimeoutError:
        return ""


def test_serve_regenerates_on_script_edit_and_does_not_loop(tmp_path):
    root = make_copy(tmp_path)
    port = free_port()
    server = Server(root, port)
    try:
        base = server.base_url()
        page = base + "net232/"
        assert "The 2-3-2 network as a graph" in fetch(page)
        time.sleep(3)
        settled = server.builds()
        assert settled == 1, "\n".join(server.lines)

        # A prose edit rebuilds once.
        index = root / "docs" / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
        server.wait_for(lambda: "A new closing line." in fetch(base))
        # An edit to a generator regenerates its artifacts in the running server.
        time.sleep(2)
        before_edit = server.builds()
        gen = root / "scripts" / "generators" / "net232.py"
        edited = gen.read_text(encoding="utf-8").replace("The 2-3-2 network as a graph", "The 2-3-2 network as a graph (edited)")
        gen.write_text(edited, encoding="utf-8")
        server.wait_for(lambda: "The 2-3-2 network as a graph (edited)" in fetch(page))
        # Exactly one build for that save, then quiet: generated files live outside docs/ and no
        # bytecode is written under the watched scripts/, so nothing retriggers a build.
        time.sleep(5)
        assert server.builds() == before_edit + 1, "serve built more than once:\n" + "\n".join(server.lines[-20:])
    finally:
        server.stop()


def test_serve_shows_errors_in_the_browser_and_recovers(tmp_path):
    """A broken page or a generator stuck in a loop shows its error where the reader looks; fixing it brings the page back."""
    root = make_copy(tmp_path, generated=True)  # only the edited generator runs, with a short time limit
    port = free_port()
    os.environ["BOOK_GENERATOR_TIMEOUT"] = "20"
    try:
        server = Server(root, port)
    finally:
        del os.environ["BOOK_GENERATOR_TIMEOUT"]
    try:
        base = server.base_url()
        index = root / "docs" / "index.md"
        good = index.read_text(encoding="utf-8")
        # Malformed TeX: the page says where, and reloads by itself once fixed.
        index.write_text(good + "\nBroken \\(\\frac{a}{\\) here.\n", encoding="utf-8")
        server.wait_for(lambda: "This page did not build" in fetch(base))
        shown = fetch(base)
        assert "docs/index.md:" in shown and "malformed TeX" in shown
        index.write_text(good, encoding="utf-8")
        server.wait_for(lambda: "This page did not build" not in fetch(base))
        # A generator that never finishes: stopped at the time limit, named on the page; fixed, the book returns.
        gen = root / "scripts" / "generators" / "errata.py"
        source = gen.read_text(encoding="utf-8")
        gen.write_text(source + '\n\n@artifact("spin")\ndef spin(ctx):\n    while True:\n        pass\n', encoding="utf-8")
        server.wait_for(lambda: "time limit" in fetch(base), timeout=240)
        assert "errata/spin" in fetch(base)
        gen.write_text(source, encoding="utf-8")
        server.wait_for(lambda: "This page did not build" not in fetch(base), timeout=240)
        assert "did not build" not in fetch(base + "net232/")
    finally:
        server.stop()


def test_a_save_rebuilds_only_the_pages_it_affects(tmp_path):
    """Serve cost must not grow with the book: a prose save rebuilds its page; a generator save, the pages using it."""
    root = make_copy(tmp_path)
    port = free_port()
    server = Server(root, port)
    try:
        base = server.base_url()
        before = server.page_stamps()
        assert len(before) >= 12
        index = root / "docs" / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
        server.wait_for(lambda: "A new closing line." in fetch(base))
        after = server.page_stamps()
        assert [p for p in after if after[p] != before.get(p)] == ["."]
        # A generator whose artifacts and values only the errata page uses.
        users = sorted(p.name for p in (root / "docs").glob("*.md") if "errata/" in p.read_text() or "[[val:errata." in p.read_text())
        assert users == ["errata.md"], users
        before, builds = after, server.builds()
        gen = root / "scripts" / "generators" / "errata.py"
        gen.write_text(gen.read_text(encoding="utf-8") + "\n\n@artifact('extra')\ndef extra(ctx):\n"
                       "    ctx.check.that('x', True, 'ok')\n    return '| new |\\n| --- |\\n| row |'\n", encoding="utf-8")
        page = root / "docs" / "errata.md"  # the page includes the new artifact: its source changes too
        page.write_text(page.read_text(encoding="utf-8") + '\n--8<-- "errata/extra.md"\n', encoding="utf-8")
        server.wait_for(lambda: "<td>row</td>" in fetch(base + "errata/"))
        after = server.page_stamps()
        # The census in the checks appendix counts the new artifact's check: that page changes too.
        assert [p for p in after if after[p] != before.get(p)] == ["checking", "errata"], server.builds() - builds
        # Now only the generator changes: the page that includes its artifact is rebuilt, and no other.
        before = after
        gen.write_text(gen.read_text(encoding="utf-8").replace("| row |", "| changed row |"), encoding="utf-8")
        server.wait_for(lambda: "<td>changed row</td>" in fetch(base + "errata/"))
        after = server.page_stamps()
        assert [p for p in after if after[p] != before.get(p)] == ["errata"]
    finally:
        server.stop()
