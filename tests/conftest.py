"""Shared fixtures. The book's packages (scripts/backprop, scripts/book) are installed in
editable mode by `make setup`, so tests import them like any library."""

from site_fixtures import browser_context, built_book, built_site, site_url  # noqa: F401  (shared fixtures)
