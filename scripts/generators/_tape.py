# A computational graph drawn as a tape: one node per row in topological order (inputs first),
# an arc from each input to the node that uses it; the backward pass walks the rows bottom to top
# along the same arcs. Shared by the autodiff and batchnorm chapters; text and numbers come from
# the caller (the generator reads them off a backprop.autodiff graph). Same conventions as
# book.shapes: deterministic, no blank lines, ink from currentColor, fills from CSS variables.

from __future__ import annotations

from book.shapes import FILL_FACTOR, FILL_RESULT, INK, PAD, SMALL, _Doc, _style, _text_width

ROW = 30  # row pitch
BOX = 22  # box height
GAP = 18  # between columns
HEADS = ("node", "shape", "∂J/∂node")


def reading_order(order):
    # A topological order that puts each input (a node without parents) just above its first use.
    inner = [v for v in order if v.parents]
    out = []
    for v in inner:
        out += [p for p, _, _ in v.parents if not p.parents and all(p is not q for q in out)]
        out.append(v)
    return out


def tape_svg(rows, edges, *, salt, title, desc, leaves=(), heads=HEADS):
    # rows: [(node, shape, gradient), ...] as text; edges: {(parent row, child row)}; heads: the column titles;
    # leaves: rows drawn as inputs (no fill). The arcs bulge left in proportion to the rows they span.
    span = max((c - p for p, c in edges), default=1)
    box_x = PAD + 14 + 9 * span
    widths = [max(_text_width(r[k], SMALL) for r in [heads, *rows]) for k in range(3)]
    box_w = widths[0] + 16
    cols = [box_x + 8, box_x + box_w + GAP, box_x + box_w + 2 * GAP + widths[1]]
    doc = _Doc()
    top = PAD + SMALL + 10
    for x, head in zip(cols, heads, strict=True):
        doc.text(x, PAD + SMALL, head, size=SMALL, anchor="start", style="font-weight: bold")
    mid = [top + i * ROW + BOX / 2 for i in range(len(rows))]
    for p, c in sorted(edges):
        bulge = 8 + 9 * (c - p)
        y1, y2 = mid[p] + 4, mid[c] - 4
        doc.parts.append(f'<path d="M {box_x} {y1} C {box_x - bulge} {y1} {box_x - bulge} {y2} {box_x} {y2}" '
                         f'style="{_style(fill="none", stroke=INK, stroke_width=1.3)}"/>')
        doc.polygon([(box_x, y2), (box_x - 7, y2 - 3.5), (box_x - 7, y2 + 3.5)], _style(fill=INK))
    for i, (node, shape, grad) in enumerate(rows):
        fill = "none" if i in leaves else FILL_RESULT if i == len(rows) - 1 else FILL_FACTOR
        doc.rect(box_x, mid[i] - BOX / 2, box_w, BOX, _style(fill=fill, fill_opacity=0.18, stroke=INK, stroke_width=1.2),
                 extra=f' rx="5" class="bp-tape-node" data-row="{i}"')
        for x, text in zip(cols, (node, shape, grad), strict=True):
            doc.text(x, mid[i] + SMALL * 0.35, text, size=SMALL, anchor="start")
    return doc.render(cols[2] + widths[2] + PAD, top + len(rows) * ROW + PAD - 6, salt=salt, title=title, desc=desc)
