"""Deterministic matplotlib SVGs for data plots, inlined into the book's pages.

matplotlib draws all ink (text, axes, ticks, spines) in a sentinel colour that
is rewritten to `currentColor` afterwards, and series colours in sentinels that
become CSS custom properties, so plots follow Material's light/slate scheme.
Text stays text (svg.fonttype 'none') and inherits the page font. Figures are
built with matplotlib.figure.Figure, not pyplot, so no global backend or
figure registry is touched.
"""

from __future__ import annotations

import io
import math
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from xml.sax.saxutils import escape

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .shapes import check_salt, sup

INK = "#010101"  # sentinel -> currentColor
# Series sentinels -> CSS variables; fallbacks are mid-luminance so lines keep
# >= 3:1 contrast on both white and Material's slate background.
SERIES = {
    "#010102": "var(--bp-series-1, #3b7dd8)",
    "#010103": "var(--bp-series-2, #e08a00)",
    "#010104": "var(--bp-series-3, #2e9e5b)",
    "#010105": "var(--bp-series-4, #c4559f)",
}
LINESTYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D", "v"]

BOOK_STYLE = {
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.18,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
    "savefig.transparent": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": True,
    "font.family": "sans-serif",
    "font.size": 10,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "svg.fonttype": "none",
}

# Diverging map whose centre is transparent: near-zero cells show the page
# itself, and alpha is capped at 0.75 so `currentColor` text stays readable on
# every cell in both schemes. Piecewise nodes keep the ramp symmetric, with
# full transparency exactly at 0 (the norm's midpoint).
HEAT_CMAP = LinearSegmentedColormap(
    "bp_diverging",
    {
        "red": [(0.0, 0.13, 0.13), (0.5, 0.13, 0.70), (1.0, 0.70, 0.70)],
        "green": [(0.0, 0.40, 0.40), (0.5, 0.40, 0.09), (1.0, 0.09, 0.09)],
        "blue": [(0.0, 0.67, 0.67), (0.5, 0.67, 0.17), (1.0, 0.17, 0.17)],
        "alpha": [(0.0, 0.75, 0.75), (0.5, 0.0, 0.0), (1.0, 0.75, 0.75)],
    },
    N=257,
)


@contextmanager
def book_style(salt: str | None = None) -> Iterator[None]:
    """rcParams for building and saving a book figure (salted ids if given)."""
    rc = dict(BOOK_STYLE)
    if salt is not None:
        rc["svg.hashsalt"] = check_salt(salt)
    with mpl.rc_context(rc):
        yield


def _minus(s: str) -> str:
    return s.replace("-", "−")


def fmt_number(v: float, fmt: str = "{:.3f}") -> str:
    """Fixed format with a true minus; exact zeros (and -0.0) print as "0"."""
    if v == 0:
        return "0"
    return _minus(fmt.format(v))


def _log_tick(v: float, _pos=None) -> str:
    if v <= 0:
        return ""
    k = round(math.log10(v))
    if math.isclose(v, 10.0**k, rel_tol=1e-9):
        return "1" if k == 0 else "10" + sup(str(k))
    return _minus(f"{v:g}")


def _lin_tick(v: float, _pos=None) -> str:
    return fmt_number(v, "{:g}")


# --------------------------------------------------------------------------
# SVG post-processing

_ID_RE = re.compile(r'\bid="([^"]+)"')
# matplotlib >= 3.10 writes font-size/-weight/-style and a long font-family
# list of DejaVu fallbacks; dropping the family lets text inherit the page font.
_FAMILY_RE = re.compile(r"font-family:[^;\"]*;?\s*")


def _prefix_ids(svg: str, salt: str) -> str:
    # matplotlib emits fixed ids (figure_1, axes_1, ...) that would collide
    # when several plots share a page.
    ids = set(_ID_RE.findall(svg))

    def new(i: str) -> str:
        return f"{salt}-{i}"

    svg = _ID_RE.sub(lambda m: f'id="{new(m.group(1))}"', svg)
    svg = re.sub(
        r'href="#([^"]+)"',
        lambda m: f'href="#{new(m.group(1))}"' if m.group(1) in ids else m.group(0),
        svg,
    )
    return re.sub(
        r"url\(#([^)]+)\)",
        lambda m: f"url(#{new(m.group(1))})" if m.group(1) in ids else m.group(0),
        svg,
    )


def _pt(v: str) -> float:
    v = v.strip()
    return float(v[:-2]) if v.endswith("pt") else float(v.rstrip("px")) * 0.75


def _root(svg: str, salt: str, title: str, desc: str) -> str:
    m = re.search(r"<svg\b[^>]*>", svg)
    if m is None:
        raise ValueError("no <svg> root in matplotlib output")
    tag = m.group(0)
    width_pt = _pt(re.search(r'\bwidth="([^"]+)"', tag).group(1))
    view_box = re.search(r'\bviewBox="([^"]+)"', tag).group(1)
    xlink = ' xmlns:xlink="http://www.w3.org/1999/xlink"' if "xmlns:xlink" in tag else ""
    new = (
        f'<svg xmlns="http://www.w3.org/2000/svg"{xlink} id="{salt}" class="bp-figure bp-plot" '
        f'viewBox="{view_box}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'style="max-width: {round(width_pt * 4 / 3)}px; height: auto; display: block; '
        f'margin: 0 auto" role="img" aria-labelledby="{salt}-title {salt}-desc">\n'
        f'<title id="{salt}-title">{escape(title)}</title>\n'
        f'<desc id="{salt}-desc">{escape(desc)}</desc>'
    )
    return svg[: m.start()] + new + svg[m.end() :]


def clean_svg(raw: str, *, salt: str, title: str, desc: str) -> str:
    """Make matplotlib's SVG inline-safe, scheme-aware and accessible."""
    check_salt(salt)
    svg = re.sub(r"<\?xml.*?\?>", "", raw, flags=re.DOTALL)
    svg = re.sub(r"<!DOCTYPE.*?>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = _prefix_ids(svg, salt)
    # matplotlib's global `*{...}` rule would restyle every SVG on the page.
    svg = re.sub(
        r"(<style[^>]*>)(.*?)(</style>)",
        lambda m: m[1] + m[2].replace("*{", f"#{salt} *{{") + m[3],
        svg,
        flags=re.DOTALL,
    )
    svg = re.sub(re.escape(INK), "currentColor", svg, flags=re.IGNORECASE)
    for sentinel, var in SERIES.items():
        svg = re.sub(re.escape(sentinel), var, svg, flags=re.IGNORECASE)
    svg = _FAMILY_RE.sub("", svg)
    svg = _root(svg, salt, title, desc)
    # One raw HTML block in Markdown: no blank lines, no indentation needed.
    lines = (line.strip() for line in svg.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def svg_from_figure(fig: Figure, *, salt: str, title: str, desc: str) -> str:
    """Render `fig` to a cleaned, deterministic inline SVG string and close it.

    Build the figure inside `book_style()` so its ink uses the sentinel colour
    that becomes `currentColor`; colours set explicitly stay as they are.
    """
    check_salt(salt)
    buf = io.StringIO()
    try:
        with book_style(salt):
            # The SVG backend accepts Dublin Core keys; None drops Date/Creator
            # so output carries no timestamp or version.
            fig.savefig(
                buf,
                format="svg",
                bbox_inches="tight",
                pad_inches=0.04,
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
            )
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # only pyplot keeps a registry of open figures
            plt.close(fig)
    return clean_svg(buf.getvalue(), salt=salt, title=title, desc=desc)


# --------------------------------------------------------------------------
# Plots


def plotted(what: str, values, *, positive: bool = False) -> np.ndarray:
    """The data of a figure, refused if matplotlib would silently drop part of it.

    NaN and inf are cut out of a line or left blank in a heatmap without a word; on a log
    axis, so are zero and negative values. Each stops the build instead, naming the data.
    """
    from .tables import NonFiniteError

    a = np.asarray(values, dtype=float)
    bad = ~np.isfinite(a)
    if bad.any():
        raise NonFiniteError(f"{what}: {int(bad.sum())} of {a.size} values are NaN or infinite "
                             f"(first at index {tuple(int(i) for i in np.argwhere(bad)[0])}); a plot would drop them silently")
    if positive and (a <= 0).any():
        raise NonFiniteError(f"{what}: {int((a <= 0).sum())} values are zero or negative on a log axis, "
                             f"which would drop them silently (smallest {a.min():.3g})")
    return a


def _cell_text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Ink for a number printed on a cell of colour `rgba`."""
    r, g, b, a = rgba
    if a <= 0.75:
        # Translucent cell: page background dominates, so page ink contrasts.
        return INK
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111111" if lum > 0.45 else "#ffffff"


def matrix_heatmap(
    M,
    *,
    salt: str,
    title: str,
    desc: str,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    annotate: bool = True,
    fmt: str = "{:.3f}",
    colorbar: bool = True,
) -> str:
    """Heatmap of a small matrix with each value printed in its cell.

    Colour limits are symmetric about 0; exact zeros print as "0". Rows and
    columns are labelled 1-based unless labels are given (columns on top, as
    when writing a matrix).
    """
    A = np.atleast_2d(plotted(f"heatmap '{salt}'", M))
    if A.ndim != 2:
        raise ValueError(f"matrix_heatmap needs a 2-D array, got shape {A.shape}")
    n, m = A.shape
    row_labels = list(row_labels) if row_labels is not None else [str(i + 1) for i in range(n)]
    col_labels = list(col_labels) if col_labels is not None else [str(j + 1) for j in range(m)]
    if len(row_labels) != n or len(col_labels) != m:
        raise ValueError("row/col label counts must match the matrix shape")
    vmax = float(np.max(np.abs(A))) if A.size else 0.0
    vmax = vmax if vmax > 0 else 1.0

    with book_style(salt):
        cell = 0.62  # inches per cell: fits "−0.123" at 9 pt
        fig = Figure(figsize=(cell * m + (1.5 if colorbar else 0.7), cell * n + 0.6))
        ax = fig.add_subplot()
        mesh = ax.pcolormesh(
            np.arange(m + 1),
            np.arange(n + 1),
            A,
            cmap=HEAT_CMAP,
            vmin=-vmax,
            vmax=vmax,
            edgecolors=to_rgba(INK, 0.3),
            linewidth=0.5,
        )
        ax.set_xlim(0, m)
        ax.set_ylim(n, 0)  # row 1 at the top, as written
        ax.set_aspect("equal")
        ax.xaxis.tick_top()
        ax.set_xticks(np.arange(m) + 0.5, col_labels)
        ax.set_yticks(np.arange(n) + 0.5, row_labels)
        ax.tick_params(length=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        if annotate:
            for i in range(n):
                for j in range(m):
                    colour = _cell_text_colour(HEAT_CMAP(mesh.norm(A[i, j])))
                    ax.text(
                        j + 0.5,
                        i + 0.5,
                        fmt_number(A[i, j], fmt),
                        ha="center",
                        va="center",
                        color=colour,
                        fontsize=9,
                    )
        if colorbar:
            cbar = fig.colorbar(mesh, ax=ax, fraction=0.05, pad=0.04, ticks=[-vmax, 0.0, vmax])
            cbar.ax.set_yticklabels([fmt_number(v, fmt) for v in (-vmax, 0.0, vmax)])
            cbar.solids.set_rasterized(False)  # vector, not an embedded PNG
            cbar.outline.set_edgecolor(INK)
        return svg_from_figure(fig, salt=salt, title=title, desc=desc)


def line_plot(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    salt: str,
    title: str,
    desc: str,
    xlabel: str,
    ylabel: str,
    logx: bool = False,
    logy: bool = False,
    figsize: tuple[float, float] = (6.0, 3.8),
) -> str:
    """Lines with distinct styles and markers (not colour alone) per series."""
    if not series:
        raise ValueError("line_plot needs at least one series")
    colours = list(SERIES)
    with book_style(salt):
        fig = Figure(figsize=figsize)
        ax = fig.add_subplot()
        for i, (label, xs, ys) in enumerate(series):
            ax.plot(
                plotted(f"x of series '{label}' in '{salt}'", xs, positive=logx),
                plotted(f"y of series '{label}' in '{salt}'", ys, positive=logy),
                label=label,
                color=colours[i % len(colours)],
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                marker=MARKERS[i % len(MARKERS)],
            )
        # Scale first: set_xscale/set_yscale reset the tick formatters.
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        for axis, is_log in ((ax.xaxis, logx), (ax.yaxis, logy)):
            axis.set_major_formatter(FuncFormatter(_log_tick if is_log else _lin_tick))
            if is_log:
                axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major")
        if len(series) > 1 or series[0][0]:
            ax.legend()
        return svg_from_figure(fig, salt=salt, title=title, desc=desc)
