"""`mkdocs serve` as a contributor uses it: edits are picked up, and it never rebuilds in a loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

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
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def builds(self) -> int:
        return sum("Building documentation" in line for line in self.lines)

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
        server.wait_for(lambda: any("Serving on" in line for line in server.lines))
        base = next(line for line in server.lines if "Serving on" in line).split("Serving on ")[1].strip()
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
    root = make_copy(tmp_path)
    port = free_port()
    os.environ["BOOK_GENERATOR_TIMEOUT"] = "4"
    try:
        server = Server(root, port)
    finally:
        del os.environ["BOOK_GENERATOR_TIMEOUT"]
    try:
        server.wait_for(lambda: any("Serving on" in line for line in server.lines))
        base = next(line for line in server.lines if "Serving on" in line).split("Serving on ")[1].strip()
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
        server.wait_for(lambda: "time limit" in fetch(base), timeout=90)
        assert "errata/spin" in fetch(base)
        gen.write_text(source, encoding="utf-8")
        server.wait_for(lambda: "This page did not build" not in fetch(base), timeout=90)
        assert "did not build" not in fetch(base + "net232/")
    finally:
        server.stop()
