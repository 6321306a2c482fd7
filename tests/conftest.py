"""Shared fixtures. The book's packages (scripts/backprop, scripts/book) are installed in
editable mode by `make setup`, so tests import them like any library."""

import os

import pytest
from hypothesis import settings

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

# The chapter tests' shared asserts (chapter_tools.assert_*) report their operands as a test's own asserts do.
pytest.register_assert_rewrite("chapter_tools")

# Property tests draw the same examples on every run, so a run fails only when the code changed; each
# test's own settings(...) inherit this. HYPOTHESIS_PROFILE=explore draws new examples, to hunt for cases.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
