"""Shared fixtures. The book's packages (scripts/backprop, scripts/book) are installed in
editable mode by `make setup`, so tests import them like any library."""

from site_fixtures import (  # noqa: F401  (shared fixtures)
    browser_context,
    built_book,
    built_site,
    properdocs_site,
    reader_site,
    reader_url,
    site_url,
    zensical_site,
)
