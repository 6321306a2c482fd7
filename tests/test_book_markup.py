"""book.markup.figure: the caption is escaped, blank lines are refused, and min_width lands on the root <svg>'s style
(and nowhere else), so that on a phone the figure box scrolls while the SVG keeps a readable size."""

import re

import pytest

from book.markup import figure

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" style="max-width: 504px; height: auto; display: block">' \
      '<g style="fill: red"><text>x</text></g></svg>'


def root_style(html: str) -> str:
    return re.search(r'<svg\b[^>]*\bstyle="([^"]*)"', html).group(1)


def test_figure_wraps_the_svg_and_escapes_the_caption():
    html = figure(SVG, "T(K) < 2 & more")
    assert html.startswith('<figure class="bp-figure">\n<svg ') and html.endswith("</figure>")
    assert "<figcaption>T(K) &lt; 2 &amp; more</figcaption>" in html
    assert "min-width" not in html


def test_blank_line_refused():
    with pytest.raises(ValueError, match="blank lines"):
        figure("<svg>\n\n</svg>", "c")


def test_min_width_is_added_to_the_root_svg_style_only():
    html = figure(SVG, "c", min_width="24rem")
    assert root_style(html) == "max-width: 504px; height: auto; display: block; min-width: 24rem"
    assert html.count("min-width") == 1
    assert '<g style="fill: red">' in html  # an inner element's style is left alone
    # The rest of the SVG is unchanged: removing the rule gives the plain figure back.
    assert html.replace("; min-width: 24rem", "") == figure(SVG, "c")


@pytest.mark.parametrize(("svg", "style"), [
    ('<svg viewBox="0 0 1 1"><g style="fill: red"/></svg>', "min-width: 18em"),  # no style: one is added
    ('<svg viewBox="0 0 1 1" style="height: auto;"></svg>', "height: auto; min-width: 18em"),  # a trailing ; kept single
    ('<svg viewBox="0 0 1 1" style=""></svg>', "min-width: 18em"),
])
def test_min_width_with_other_styles(svg, style):
    assert root_style(figure(svg, "c", min_width="18em")) == style


@pytest.mark.parametrize("bad", ["24", "24 rem", "wide", "24rem; color: red", "-3px", ""])
def test_min_width_must_be_a_length(bad):
    with pytest.raises(ValueError, match="CSS length"):
        figure(SVG, "c", min_width=bad)


def test_min_width_refuses_what_it_cannot_place():
    with pytest.raises(ValueError, match="one inline <svg>"):
        figure("<p>not a figure</p>", "c", min_width="24rem")
    with pytest.raises(ValueError, match="one inline <svg>"):
        figure("<div></div><svg></svg>", "c", min_width="24rem")
    with pytest.raises(ValueError, match="already sets a min-width"):
        figure('<svg style="min-width: 10rem"></svg>', "c", min_width="24rem")
