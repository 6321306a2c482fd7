"""A small static server that answers like GitHub Pages: gzip, validators, a short cache lifetime.

`python scripts/bench/ghpages.py SITE_DIR [--port N]` serves SITE_DIR under the site's path prefix
(from site_url in mkdocs.yml, e.g. /backprop-in-matrix-notation/) on 127.0.0.1, until Ctrl-C.

Python's http.server sends every file uncompressed, so a page measured over it looks several
times heavier than the hosted book is. GitHub Pages compresses text responses (HTML, CSS,
JavaScript, JSON, SVG, XML) with gzip when the client accepts it, leaves fonts and images as
they are, sends ETag and Last-Modified, and Cache-Control: max-age=600. This server does the
same, compressing each file once (gzip level 6) and keeping the result in memory.

Used by the Lighthouse section of the benchmark and by the Lighthouse accessibility test.
Nothing here is part of the site build.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import gzip
import hashlib
import http.server
import mimetypes
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from common import serving

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml",
                    "application/manifest+json")
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/javascript", ".mjs")
mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/json", ".json")


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") or kind in ("application/javascript", "application/json") else kind


class _Cache:
    """(raw bytes, gzip bytes or None, etag, last-modified) per file, computed on first request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[Path, tuple[int, bytes, bytes | None, str, str]] = {}

    def get(self, path: Path) -> tuple[bytes, bytes | None, str, str]:
        mtime = path.stat().st_mtime_ns
        with self._lock:
            hit = self._items.get(path)
        if hit and hit[0] == mtime:
            return hit[1:]
        raw = path.read_bytes()
        compress = _content_type(path).startswith(COMPRESSED_TYPES)
        packed = gzip.compress(raw, compresslevel=6, mtime=0) if compress else None
        etag = '"' + hashlib.sha1(raw).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
        with self._lock:
            self._items[path] = (mtime, raw, packed, etag, modified)
        return raw, packed, etag, modified


def make_handler(root: Path, prefix: str = "/", cache_control: str = "max-age=600", log: list | None = None):
    root = root.resolve()
    store = _Cache()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real host
        server_version = "ghpages-like"
        sys_version = ""

        def log_message(self, *args):
            pass

        def _resolve(self) -> tuple[Path | None, str | None]:
            """The file for the request path, or a redirect target for a directory without its slash."""
            path = unquote(urlsplit(self.path).path)
            if not path.startswith(prefix):
                return None, None
            rel = path[len(prefix):]
            target = (root / rel).resolve()
            if target != root and root not in target.parents:
                return None, None
            if target.is_dir():
                if rel and not path.endswith("/"):
                    return None, path + "/"
                target = target / "index.html"
            return (target if target.is_file() else None), None

        def _send(self, head_only: bool) -> None:
            target, redirect = self._resolve()
            if redirect:
                self.send_response(301)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 200
            if target is None:
                status, target = 404, root / "404.html"
                if not target.is_file():
                    self.send_error(404)
                    return
            raw, packed, etag, modified = store.get(target)
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", cache_control)
                self.end_headers()
                return
            accepts = "gzip" in (self.headers.get("Accept-Encoding") or "")
            body = packed if (packed is not None and accepts) else raw
            self.send_response(status)
            self.send_header("Content-Type", _content_type(target))
            self.send_header("Content-Length", str(len(body)))
            if packed is not None:
                self.send_header("Vary", "Accept-Encoding")
            if body is packed:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.send_header("Cache-Control", cache_control)
            self.end_headers()
            if log is not None:
                log.append((self.path, status, len(body), len(raw)))
            if not head_only:
                self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's name)
            self._send(False)

        def do_HEAD(self):  # noqa: N802
            self._send(True)

    return Handler


def site_prefix(config: Path) -> str:
    """The path of site_url in mkdocs.yml ('/' when there is none)."""
    import re

    m = re.search(r"(?m)^site_url:\s*(\S+)", config.read_text(encoding="utf-8"))
    return "/" + urlsplit(m[1]).path.strip("/") + "/" if m and urlsplit(m[1]).path.strip("/") else "/"


@contextlib.contextmanager
def serve(root: Path, prefix: str = "/", log: list | None = None) -> Iterator[str]:
    """Serves `root` at http://127.0.0.1:PORT{prefix} in a thread; yields that base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(root, prefix, log=log))
    server.daemon_threads = True
    with serving(server, prefix) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--prefix", default=None, help="path prefix (default: from site_url in mkdocs.yml)")
    args = parser.parse_args()
    prefix = args.prefix or site_prefix(Path(__file__).resolve().parents[2] / "mkdocs.yml")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.site, prefix))
    print(f"serving {args.site} at http://127.0.0.1:{args.port}{prefix} (gzip, as GitHub Pages)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
