"""MkDocs-only conveniences. The build-time work itself is in the Markdown extension
(book.mdext), which every engine runs; nothing a reader sees depends on this file.

- SOURCE_DATE_EPOCH from the last commit, so two builds of one commit are byte-identical
  (MkDocs dates the sitemap with it).
- Under `serve`, a failed build shows its error in the browser (every page becomes a page
  naming the file, line and reason, and reloads when the source is fixed) instead of leaving
  every request waiting for a build that never succeeds.
"""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _source_date_epoch() -> str:
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=True)
        return out.stdout.strip() or "0"
    except (OSError, subprocess.CalledProcessError):
        return "0"


def on_config(config):
    os.environ.setdefault("SOURCE_DATE_EPOCH", _source_date_epoch())
    return config


ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}}
pre{{white-space:pre-wrap;background:#fbeaea;border-left:4px solid #c62828;padding:1rem;overflow-x:auto}}
@media (prefers-color-scheme:dark){{body{{color:#eee;background:#1e1e24}}pre{{background:#3a1f1f}}}}</style></head>
<body><h1>The book did not build</h1>
<p>Fix the place named below and save: this page reloads by itself when the build succeeds.</p>
<pre>{message}</pre></body></html>
"""


def error_page(message: str) -> str:
    return ERROR_PAGE.format(message=html.escape(message))


def on_serve(server, config, builder):
    """Wrap the rebuild: on failure, write the error page in place of every page and report success,
    so the live-reload server shows it (MkDocs itself would keep requests waiting)."""
    site = Path(config.site_dir)

    def build_or_show_error():
        try:
            builder()
        except (Exception, SystemExit) as e:  # noqa: BLE001 - whatever stopped the build is what the writer must see
            page = error_page(str(e) or type(e).__name__)
            site.mkdir(parents=True, exist_ok=True)
            targets = list(site.rglob("index.html")) or [site / "index.html"]
            for target in targets:
                target.write_text(page, encoding="utf-8")
            print(f"\nThe build failed; the browser shows why:\n{e}\n", flush=True)  # noqa: T201

    server.builder = build_or_show_error
    return server
