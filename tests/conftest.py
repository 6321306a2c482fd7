"""Make the book's Python packages under scripts/ importable from the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from site_fixtures import browser_context, built_book, built_site, site_url  # noqa: E402,F401  (shared fixtures)
