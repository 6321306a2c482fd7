"""Lighthouse's accessibility category scores 100 on every page (mobile preset, served as GitHub Pages serves it).

The axe run in test_browser.py uses axe's WCAG rule tags; Lighthouse runs a different set
(aria-dialog-name, for one, is not tagged WCAG A/AA in axe and was missed). The score does not
depend on timing: it is a weighted count of audits that pass. Lighthouse 12.2.3 comes from
node_modules (npm ci) and drives Debian's Chromium through CHROME_PATH with the team's flags.
Performance scores depend on the machine and are in the benchmark (`make bench`, section
lighthouse), never here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from site_fixtures import REPO, page_paths

sys.path.insert(0, str(REPO / "scripts" / "bench"))
import ghpages  # noqa: E402
import lighthouse  # noqa: E402

pytestmark = pytest.mark.browser

MATERIAL_SEARCH = Path(__import__("material").__file__).parent / "templates" / "partials" / "search.html"
OURS_SEARCH = REPO / "overrides" / "partials" / "search.html"


@pytest.fixture(scope="module")
def gzip_site(built_site):
    with ghpages.serve(built_site, ghpages.site_prefix(REPO / "mkdocs.yml")) as base:
        yield base


def test_accessibility_scores_100_on_every_page(built_site, gzip_site):
    if not lighthouse.LIGHTHOUSE.exists():
        pytest.fail(f"{lighthouse.LIGHTHOUSE} is missing: run `npm ci`")
    report = []
    paths = page_paths(built_site)
    assert len(paths) >= 5, paths
    for path in paths:
        lhr = lighthouse.run_lighthouse(gzip_site + path, categories=("accessibility",))
        score = round(lhr["categories"]["accessibility"]["score"] * 100)
        failed = lighthouse.accessibility_failures(lhr)
        if score < 100 or any("weight 0" not in f for f in failed):
            report.append(f"/{path}: accessibility {score}: " + "; ".join(failed))
    assert not report, "\n".join(report)


def test_a_dialog_without_a_name_is_caught(built_site, tmp_path):
    """The fault the search override fixes, put back: Lighthouse must flag it and score below 100."""
    page = built_site / "index.html"
    html = page.read_text(encoding="utf-8")
    assert 'role="dialog" aria-label=' in html
    broken = tmp_path / "site"
    broken.mkdir()
    (broken / "index.html").write_text(re.sub(r'(role="dialog") aria-label="[^"]*"', r"\1", html), encoding="utf-8")
    (broken / "assets").symlink_to(built_site / "assets", target_is_directory=True)
    (broken / "search").symlink_to(built_site / "search", target_is_directory=True)
    with ghpages.serve(broken, ghpages.site_prefix(REPO / "mkdocs.yml")) as base:
        lhr = lighthouse.run_lighthouse(base, categories=("accessibility",))
    assert lhr["categories"]["accessibility"]["score"] < 1
    assert any(f.startswith("aria-dialog-name") for f in lighthouse.accessibility_failures(lhr))


def search_override_branches() -> tuple[str, str]:
    """overrides/partials/search.html: (the Zensical branch, the Material branch), comments removed."""
    ours = re.sub(r"^\{#-.*?-#\}\s*", "", OURS_SEARCH.read_text(encoding="utf-8"), flags=re.S)
    found = re.fullmatch(r"\{% if config\.theme\.variant %\}\n(.*)\{% else %\}\n(.*)\{% endif %\}\n", ours, re.S)
    assert found, "the override is {% if config.theme.variant %} Zensical's {% else %} Material's {% endif %}"
    return found[1], found[2]


def test_search_override_is_materials_partial_plus_the_name():
    """Under Material the override is Material's own partial with one aria-label more."""
    theirs = re.sub(r"^\{#-.*?-#\}\s*", "", MATERIAL_SEARCH.read_text(encoding="utf-8"), flags=re.S)
    ours = search_override_branches()[1]
    assert ours.replace(""" aria-label="{{ lang.t('search') }}">""", ">", 1) == theirs, (
        "Material's partials/search.html changed: copy it again into overrides/partials/search.html and add the aria-label")


def test_search_override_is_zensicals_partial_under_zensical():
    """Zensical reads overrides/ too; there the override must be Zensical's own search partial, unchanged."""
    partial = REPO / ".venv-zensical" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages" / "zensical" / "templates" / "partials" / "search.html"
    if not partial.exists():
        pytest.skip("Zensical is not installed (make engines)")
    theirs = re.sub(r"^\{#-.*?-#\}\s*", "", partial.read_text(encoding="utf-8"), flags=re.S)
    assert search_override_branches()[0] == theirs, (
        "Zensical's partials/search.html changed: copy it again into the {% if %} branch of overrides/partials/search.html")


def palette_partials() -> dict[str, Path]:
    """The theme partials the palette override is copied from: Material's, and Zensical's when installed."""
    zensical = REPO / ".venv-zensical" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages" / "zensical" / "templates" / "partials" / "palette.html"
    found = {"Material": MATERIAL_SEARCH.with_name("palette.html")}
    if zensical.exists():
        found["Zensical"] = zensical
    return found


def palette_override_problems(ours: str, partials: dict[str, Path]) -> list[str]:
    """overrides/partials/palette.html is each theme's partial with the form marked data-bp-palette (so the
    theme's script leaves it alone), followed by the book's script."""
    form = re.sub(r"^\{#-.*?-#\}\s*", "", ours, flags=re.S).split("<script>", 1)[0]
    problems = []
    for name, path in partials.items():
        theirs = re.sub(r"^\{#-.*?-#\}\s*", "", path.read_text(encoding="utf-8"), flags=re.S)
        if form != theirs.replace('data-md-component="palette"', "data-bp-palette", 1):
            problems.append(f"{name}'s partials/palette.html changed: copy it again into overrides/partials/palette.html "
                            f"and mark the form data-bp-palette")
    return problems


def test_palette_override_is_the_themes_partial_with_the_mark():
    ours = (REPO / "overrides" / "partials" / "palette.html").read_text(encoding="utf-8")
    assert palette_override_problems(ours, palette_partials()) == []


def test_a_palette_override_out_of_step_is_caught():
    """The fault: the theme's partial gains a change the override lacks (here, one more attribute)."""
    ours = (REPO / "overrides" / "partials" / "palette.html").read_text(encoding="utf-8")
    drifted = ours.replace('type="radio"', 'type="radio" data-new', 1)
    assert drifted != ours and palette_override_problems(drifted, palette_partials())
