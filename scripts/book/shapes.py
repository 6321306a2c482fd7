"""Hand-drawn SVG shape diagrams: product chains, the dz/dW 3-tensor, layer flow.

The SVGs are inlined into Material for MkDocs pages as one raw HTML block, so
every figure is byte-deterministic, has no blank line, salts every id, takes
its ink from `currentColor` and its fills from CSS custom properties (with
fallbacks) so it reads on both the light and the slate scheme.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

Shape = tuple[int, int]

# Paints. Only currentColor and var(..., fallback) are used, never a bare
# colour, so a site stylesheet can retune each scheme.
INK = "currentColor"
FILL_FACTOR = "var(--bp-fill-1, #4a90d9)"
FILL_RESULT = "var(--bp-fill-2, #e69f00)"
FILL_HILITE = "var(--bp-fill-3, #43a047)"
ERROR = "var(--bp-error, #d32f2f)"
# Opaque page colour (Material defines it per scheme) so stacked slices occlude.
PAPER = "var(--md-default-bg-color, #ffffff)"
FILL_OPACITY = 0.25

MAX_CELLS = 12  # dims above this are drawn at this size with a break mark
FONT = 14  # labels
SMALL = 13  # dims and notes
PAD = 12  # outer margin

_SUP = dict(
    zip(
        "0123456789()+-−=TlLnikj",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁻⁼ᵀˡᴸⁿⁱᵏʲ",
        strict=True,
    )
)
_SUB = dict(zip("0123456789()+-−ijkln", "₀₁₂₃₄₅₆₇₈₉₍₎₊₋₋ᵢⱼₖₗₙ", strict=True))
_SALT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _convert(text: str, table: dict[str, str], kind: str) -> str:
    # Fail loudly: a silently unconverted character would mislabel a figure.
    missing = sorted({c for c in text if c not in table})
    if missing:
        raise ValueError(f"no Unicode {kind} for {missing!r} in {text!r}")
    return "".join(table[c] for c in text)


def sup(text: str) -> str:
    """Unicode superscript of digits, ( ) + - − = T and l L n i k j: sup("(3)") == "⁽³⁾"."""
    return _convert(str(text), _SUP, "superscript")


def sub(text: str) -> str:
    """Unicode subscript of digits, ( ) + - − and i j k l n: sub("k") == "ₖ"."""
    return _convert(str(text), _SUB, "subscript")


def dims(shape: Shape) -> str:
    return f"{shape[0]}×{shape[1]}"


def chain_shapes_ok(shapes: Sequence[Shape]) -> tuple[bool, Shape | None, int | None]:
    """Check that shapes chain as a matrix product.

    Returns (ok, product_shape, first_mismatch) where first_mismatch is the
    index k of the first factor whose cols differ from factor k+1's rows.
    """
    shapes = [tuple(s) for s in shapes]
    if not shapes:
        raise ValueError("empty product")
    for r, c in shapes:
        if r < 1 or c < 1:
            raise ValueError(f"dimensions must be positive, got {r}×{c}")
    for k in range(len(shapes) - 1):
        if shapes[k][1] != shapes[k + 1][0]:
            return False, None, k
    return True, (shapes[0][0], shapes[-1][1]), None


# --------------------------------------------------------------------------
# Low-level drawing


def _n(v: float) -> str:
    """Fixed, short number format so output is byte-stable."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


_NARROW = set(_SUP.values()) | set(_SUB.values()) | set("ilj.,:;·()[]′'|")


def _text_width(s: str, size: float) -> float:
    # No font metrics here: ~0.6 em per character, ~0.35 em for super/subscripts
    # and thin glyphs. Over-estimating only costs a little whitespace.
    return size * sum(0.35 if c in _NARROW else 0.6 for c in s)


def _style(**props: object) -> str:
    return "; ".join(f"{k.replace('_', '-')}: {v}" for k, v in props.items())


class _Doc:
    """Collects SVG elements and wraps them in an accessible <svg> root."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def rect(self, x, y, w, h, style: str, extra: str = "") -> None:
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"{extra} style={quoteattr(style)}/>')

    def line(self, x1, y1, x2, y2, style: str) -> None:
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" style={quoteattr(style)}/>')

    def polyline(self, pts, style: str) -> None:
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.parts.append(f'<polyline points="{p}" style={quoteattr(style)}/>')

    def polygon(self, pts, style: str) -> None:
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.parts.append(f'<polygon points="{p}" style={quoteattr(style)}/>')

    def text(self, x, y, content: str, *, size=FONT, anchor="middle", style="", raw=False) -> None:
        """`content` is escaped unless raw (pre-built <tspan> markup)."""
        body = content if raw else escape(content)
        st = _style(fill=INK) + (f"; {style}" if style else "")
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" style={quoteattr(st)}>{body}</text>'
        )

    def dot(self, cx, cy, r, style: str) -> None:
        self.parts.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" style={quoteattr(style)}/>')

    def arrow(self, x1, y1, x2, y2, *, head=7.0) -> None:
        """Straight arrow; the head is a polygon so no marker id is needed."""
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        ux, uy = dx / length, dy / length
        bx, by = x2 - ux * head, y2 - uy * head
        self.line(x1, y1, bx, by, _style(stroke=INK, stroke_width=1.5))
        px, py = -uy * head * 0.5, ux * head * 0.5
        self.polygon([(x2, y2), (bx + px, by + py), (bx - px, by - py)], _style(fill=INK))

    def render(self, width: float, height: float, *, salt: str, title: str, desc: str) -> str:
        return wrap_svg("\n".join(self.parts), width, height, salt=salt, title=title, desc=desc)


def check_salt(salt: str) -> str:
    # The salt becomes an id prefix, so it must be a valid XML/CSS identifier.
    if not isinstance(salt, str) or not _SALT_RE.fullmatch(salt):
        raise ValueError(f"salt must match {_SALT_RE.pattern}, got {salt!r}")
    return salt


def wrap_svg(body: str, width: float, height: float, *, salt: str, title: str, desc: str) -> str:
    """Accessible, responsive <svg> root around `body` (no blank lines)."""
    check_salt(salt)
    w, h = _n(width), _n(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{salt}" class="bp-figure" '
        f'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'style="max-width: {round(width)}px; height: auto; display: block; margin: 0 auto" '
        f'role="img" aria-labelledby="{salt}-title {salt}-desc">'
    )
    out = "\n".join(
        [
            head,
            f'<title id="{salt}-title">{escape(title)}</title>',
            f'<desc id="{salt}-desc">{escape(desc)}</desc>',
            body,
            "</svg>",
        ]
    )
    # One raw HTML block in Markdown: a blank line would end it.
    return "\n".join(line for line in out.splitlines() if line.strip()) + "\n"


def _wrap(text: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap by estimated width (keeps phone scaling sane)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _notes(doc: _Doc, y: float, width: float, notes) -> tuple[float, float]:
    """Left-aligned note lines below a figure, wrapped to its width (min 280)."""
    limit = max(width - 2 * PAD, 280.0)
    for note, style in notes:
        for line in _wrap(note, SMALL, limit):
            y += SMALL + 7
            doc.text(PAD, y, line, size=SMALL, anchor="start", style=style)
            width = max(width, 2 * PAD + _text_width(line, SMALL))
    return y, width


def _drawn(n: int) -> int:
    return min(n, MAX_CELLS)


def _break_mark(doc: _Doc, x, y, w, h, *, vertical: bool) -> None:
    """Two parallel zigzags across the rectangle: 'this dimension is cut'."""
    amp = 3.0
    for off in (-3.0, 3.0):
        if vertical:  # cut across the width: lines run top to bottom
            cx = x + w * 0.7 + off
            ys = [y - 3 + i * (h + 6) / 6 for i in range(7)]
            pts = [(cx + (amp if i % 2 else -amp), yy) for i, yy in enumerate(ys)]
        else:
            cy = y + h * 0.7 + off
            xs = [x - 3 + i * (w + 6) / 6 for i in range(7)]
            pts = [(xx, cy + (amp if i % 2 else -amp)) for i, xx in enumerate(xs)]
        doc.polyline(pts, _style(fill="none", stroke=INK, stroke_width=1.2))


def _matrix(
    doc: _Doc,
    x,
    y,
    shape: Shape,
    unit: float,
    fill: str,
    *,
    grid: bool,
    dashed: bool = False,
    opaque: bool = False,
    role: str = "factor",
) -> None:
    """Rectangle of drawn size cols*unit by rows*unit, top-left at (x, y)."""
    rows, cols = shape
    w, h = _drawn(cols) * unit, _drawn(rows) * unit
    if opaque:
        doc.rect(x, y, w, h, _style(fill=PAPER, stroke="none"))
    stroke = _style(fill=fill, fill_opacity=FILL_OPACITY, stroke=INK, stroke_width=1.5)
    if dashed:
        stroke += "; stroke-dasharray: 5 3"
    # data-* attributes let tests (and curious readers) recover true dims.
    doc.rect(
        x,
        y,
        w,
        h,
        stroke,
        extra=f' class="bp-mat bp-{role}" data-rows="{rows}" data-cols="{cols}"',
    )
    if grid and rows <= MAX_CELLS and cols <= MAX_CELLS and rows * cols > 1:
        faint = _style(stroke=INK, stroke_opacity=0.35, stroke_width=0.75)
        for i in range(1, rows):
            doc.line(x, y + i * unit, x + w, y + i * unit, faint)
        for j in range(1, cols):
            doc.line(x + j * unit, y, x + j * unit, y + h, faint)
    if cols > MAX_CELLS:
        _break_mark(doc, x, y, w, h, vertical=True)
    if rows > MAX_CELLS:
        _break_mark(doc, x, y, w, h, vertical=False)


def _dims_markup(shape: Shape, bad_rows: bool, bad_cols: bool) -> str:
    """'r×c' as tspans, the offending side(s) bold in the error colour."""
    err = quoteattr(_style(fill=ERROR, font_weight="bold"))

    def part(v: int, bad: bool) -> str:
        return f"<tspan style={err}>{v}</tspan>" if bad else str(v)

    return f"{part(shape[0], bad_rows)}×{part(shape[1], bad_cols)}"


# --------------------------------------------------------------------------
# Product chains


def chain_svg(
    factors: Sequence[tuple[str, Shape]],
    result: tuple[str, Shape] | None = None,
    *,
    salt: str,
    title: str,
    desc: str,
    unit: float = 18,
    layout_note: str | None = None,
    grid: bool = False,
) -> str:
    """Draw `A · B · … = R` with each matrix as a cols×rows box of cells.

    Inner dimensions are checked; mismatches are drawn in the error colour
    with a "shapes do not chain" message. A `result` that disagrees with a
    well-formed product raises ValueError.
    """
    check_salt(salt)
    if not factors:
        raise ValueError("chain_svg needs at least one factor")
    shapes = [tuple(s) for _, s in factors]
    ok, product, _ = chain_shapes_ok(shapes)
    if ok and result is not None and tuple(result[1]) != product:
        names = " · ".join(lbl for lbl, _ in factors)
        raise ValueError(f"{names} has shape {dims(product)} but result {result[0]} is declared {dims(tuple(result[1]))}")
    bad = [shapes[k][1] != shapes[k + 1][0] for k in range(len(shapes) - 1)]

    items = [(lbl, tuple(s), FILL_FACTOR, "factor") for lbl, s in factors]
    if result is not None:
        items.append((result[0], tuple(result[1]), FILL_RESULT, "result"))

    gap = 26  # room for the operator between boxes
    widths = [max(_drawn(s[1]) * unit, _text_width(lbl, FONT), _text_width(dims(s), SMALL)) for lbl, s, _, _ in items]
    zone_h = max(_drawn(s[0]) * unit for _, s, _, _ in items)
    label_y = PAD + FONT
    zone_top = label_y + 10
    dims_y = zone_top + zone_h + 8 + SMALL
    mid = zone_top + zone_h / 2

    doc = _Doc()
    x = PAD
    centres = []
    for i, (lbl, s, fill, role) in enumerate(items):
        cx = x + widths[i] / 2
        centres.append(cx)
        w, h = _drawn(s[1]) * unit, _drawn(s[0]) * unit
        is_result = role == "result"
        _matrix(
            doc,
            cx - w / 2,
            mid - h / 2,
            s,
            unit,
            fill,
            grid=grid,
            dashed=is_result and not ok,
            role=role,
        )
        doc.text(cx, label_y, lbl)
        bad_rows = not is_result and i > 0 and bad[i - 1]
        bad_cols = not is_result and i < len(bad) and bad[i]
        doc.text(cx, dims_y, _dims_markup(s, bad_rows, bad_cols), size=SMALL, raw=True)
        if i + 1 < len(items):
            ox = x + widths[i] + gap / 2
            if items[i + 1][3] == "result":
                doc.text(ox, mid + FONT * 0.35, "=", size=FONT + 4)
            elif bad[i]:
                # The marker: a larger error-coloured product dot, and a ≠
                # between the two offending dims labels below it.
                doc.dot(ox, mid, 4.5, _style(fill=ERROR))
                doc.text(
                    ox,
                    dims_y,
                    "≠",
                    size=SMALL + 3,
                    style=_style(fill=ERROR, font_weight="bold"),
                )
            else:
                doc.dot(ox, mid, 2.5, _style(fill=INK))
        x += widths[i] + gap
    width = x - gap + PAD

    notes = []
    for k, is_bad in enumerate(bad):
        if is_bad:
            c, r = shapes[k][1], shapes[k + 1][0]
            err = _style(fill=ERROR, font_weight="bold")
            notes.append((f"shapes do not chain: {c} ≠ {r}", err))
            cols = f"{c} column{'s' if c != 1 else ''}"
            rows = f"{r} row{'s' if r != 1 else ''}"
            notes.append((f"{factors[k][0]} has {cols}, {factors[k + 1][0]} has {rows}", err))
    if layout_note:
        notes.append((layout_note, "opacity: 0.85"))
    y, width = _notes(doc, dims_y, width, notes)
    height = y + PAD - 2
    return doc.render(width, height, salt=salt, title=title, desc=desc)


# --------------------------------------------------------------------------
# The 3-tensor dz/dW


def tensor_svg(
    d_out: int,
    d_in: int,
    *,
    salt: str,
    title: str,
    desc: str,
    unit: float = 18,
    z: str = "z",
    w: str = "W",
    note: str | None = "slice k is zero except row k, which holds the input row vector",
    max_slices: int = 6,
) -> str:
    """dz/dW of shape (d_out, d_out, d_in) as a stack of d_out slices.

    Slice k is the d_out × d_in matrix ∂z_k/∂W; slices recede up and to the
    right, each label sits left of that slice's visible top strip. Slice 1's
    only non-zero row (row 1) is highlighted.
    """
    check_salt(salt)
    if d_out < 1 or d_in < 1:
        raise ValueError("tensor dimensions must be positive")
    # Too many slices would be an unreadable smear: keep the first few and the last.
    if d_out <= max_slices:
        ks: list[int | None] = list(range(1, d_out + 1))
    else:
        ks = [*range(1, max_slices - 1), None, d_out]
    dy = max(unit, 19.0)  # vertical step must fit one label line
    dx = dy * 0.7
    sw, sh = _drawn(d_in) * unit, _drawn(d_out) * unit
    labels = ["⋮" if k is None else f"slice {k}: ∂{z}{sub(k)}/∂{w}" for k in ks]
    left = PAD + max(_text_width(s, SMALL) for s in labels) + 8
    n = len(ks)
    front_top = PAD + (n - 1) * dy + 4
    doc = _Doc()
    for i in reversed(range(n)):  # back to front so nearer slices occlude
        x, y = left + i * dx, front_top - i * dy
        k = ks[i]
        _matrix(
            doc,
            x,
            y,
            (d_out, d_in),
            unit,
            FILL_FACTOR,
            grid=True,
            opaque=True,
            dashed=k is None,
            role="slice",
        )
        if k == 1:
            doc.rect(
                x,
                y,
                sw,
                min(unit, sh),
                _style(fill=FILL_HILITE, fill_opacity=0.55, stroke=INK, stroke_width=1.5),
            )
        doc.text(x - 6, y + dy / 2 + SMALL * 0.35, labels[i], size=SMALL, anchor="end")
    right = left + (n - 1) * dx + sw
    bottom = front_top + sh
    y = bottom + 8 + SMALL
    doc.text(left + sw / 2, y, f"each slice {d_out}×{d_in}", size=SMALL)
    y += SMALL + 9
    caption = f"∂{z}/∂{w}: {d_out}×{d_out}×{d_in} ({d_out} slices)"
    doc.text(PAD, y, caption, size=SMALL, anchor="start")
    width = (
        max(
            right,
            PAD + _text_width(caption, SMALL),
            left + sw / 2 + _text_width(f"each slice {d_out}×{d_in}", SMALL) / 2,
        )
        + PAD
    )
    if note:
        y, width = _notes(doc, y, width, [(note, "opacity: 0.85")])
    return doc.render(width, y + PAD - 2, salt=salt, title=title, desc=desc)


# --------------------------------------------------------------------------
# Shapes flowing through an L-layer network


def _backward_rows(sizes: Sequence[int]):
    L = len(sizes) - 1
    rows = []
    for l in range(L, 0, -1):  # l: the textbook's layer index
        d, dp = sizes[l], sizes[l - 1]
        items = [
            (f"δ{sup(f'({l})')}", (d, 1), FILL_RESULT),
            (f"W{sup(f'({l})')}", (d, dp), FILL_FACTOR),
            (f"∂J/∂W{sup(f'({l})')}", (d, dp), FILL_HILITE),
        ]
        if l == L:
            arrow = [f"δ{sup(f'({L})')} = ∂J/∂z{sup(f'({L})')}", "from the loss"]
        else:
            n = sizes[l + 1]
            arrow = [
                f"δ{sup(f'({l})')} = W{sup(f'({l + 1})')}ᵀ δ{sup(f'({l + 1})')} ⊙ g′(z{sup(f'({l})')})",
                f"({d}×{n})·({n}×1) ⊙ ({d}×1) → {d}×1",
            ]
        rows.append((f"layer {l}", items, arrow))
    return rows


def _forward_rows(sizes: Sequence[int]):
    rows = [("input", [(f"a{sup('(0)')} = x", (sizes[0], 1), FILL_RESULT)], None)]
    for l in range(1, len(sizes)):
        d, dp = sizes[l], sizes[l - 1]
        items = [
            (f"a{sup(f'({l})')}", (d, 1), FILL_RESULT),
            (f"W{sup(f'({l})')}", (d, dp), FILL_FACTOR),
            (f"b{sup(f'({l})')}", (d, 1), FILL_HILITE),
        ]
        arrow = [
            f"a{sup(f'({l})')} = g(W{sup(f'({l})')} a{sup(f'({l - 1})')} + b{sup(f'({l})')})",
            f"({d}×{dp})·({dp}×1) + ({d}×1) → {d}×1",
        ]
        rows.append((f"layer {l}", items, arrow))
    return rows


def layers_svg(
    sizes: Sequence[int],
    *,
    salt: str,
    title: str,
    desc: str,
    direction: str = "backward",
    unit: float = 18,
    grid: bool = True,
) -> str:
    """Per-layer shapes, one row per layer, arrows between rows.

    sizes = [d_0, d_1, …, d_L]. Backward: rows run from layer L down to 1 and
    show δ⁽ˡ⁾ (d_l×1), W⁽ˡ⁾ and ∂J/∂W⁽ˡ⁾ (both d_l×d_{l-1}); each arrow carries
    the recursion with its shapes. Forward: a⁽ˡ⁾, W⁽ˡ⁾, b⁽ˡ⁾. Rows stack
    downward, so deep networks grow in height, never in width.
    """
    check_salt(salt)
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError("sizes needs d_0 … d_L (at least two positive ints)")
    if direction == "backward":
        rows = _backward_rows(sizes)
    elif direction == "forward":
        rows = _forward_rows(sizes)
    else:
        raise ValueError(f"direction must be 'backward' or 'forward', not {direction!r}")
    # Keep the largest matrix at most ~150 px wide/tall on wide networks.
    unit = min(unit, 150 / min(max(sizes), MAX_CELLS))

    ncol = max(len(items) for _, items, _ in rows)
    head_w = max(_text_width(h, SMALL) for h, _, _ in rows) + 10
    col_w = [0.0] * ncol
    for _, items, _ in rows:
        for j, (lbl, s, _) in enumerate(items):
            col_w[j] = max(
                col_w[j],
                _drawn(s[1]) * unit,
                _text_width(lbl, FONT),
                _text_width(dims(s), SMALL),
            )
    gap = 24
    col_x = []  # centres
    x = PAD + head_w
    for cw in col_w:
        col_x.append(x + cw / 2)
        x += cw + gap
    width = x - gap + PAD

    doc = _Doc()
    y = PAD
    prev_bottom = None
    arrow_gap = 2 * (SMALL + 5) + 22
    for header, items, arrow in rows:
        if arrow is not None:
            # Arrow into this row's first item, with the recursion beside it.
            top = y if prev_bottom is None else prev_bottom
            ax = col_x[0]
            doc.arrow(ax, top + 2, ax, top + arrow_gap - 4)
            for i, line in enumerate(arrow):
                ty = top + 4 + (i + 1) * (SMALL + 5)
                st = "" if i == 0 else "opacity: 0.85"
                doc.text(ax + 10, ty, line, size=SMALL, anchor="start", style=st)
                width = max(width, ax + 10 + _text_width(line, SMALL) + PAD)
            y = top + arrow_gap
        zone_h = max(_drawn(s[0]) * unit for _, s, _ in items)
        label_y = y + FONT
        zone_top = label_y + 8
        mid = zone_top + zone_h / 2
        doc.text(
            PAD,
            mid + SMALL * 0.35,
            header,
            size=SMALL,
            anchor="start",
            style="font-weight: bold",
        )
        for j, (lbl, s, fill) in enumerate(items):
            w, h = _drawn(s[1]) * unit, _drawn(s[0]) * unit
            _matrix(doc, col_x[j] - w / 2, mid - h / 2, s, unit, fill, grid=grid)
            doc.text(col_x[j], label_y, lbl)
            doc.text(col_x[j], zone_top + zone_h + 8 + SMALL, dims(s), size=SMALL)
        prev_bottom = zone_top + zone_h + 8 + SMALL + 6
        y = prev_bottom
    return doc.render(width, y + PAD - 6, salt=salt, title=title, desc=desc)
