"""A network drawn as a graph: forward values on the nodes, δ flowing back along the same edges.

Layers are rows, input at the top and the loss at the bottom, so the figure is tall and
narrow and stays legible on a phone. Every node shows its activation a (in ink) and its
δ = ∂J/∂z (in the accent colour); every edge carries a forward arrowhead at its target and a
backward arrowhead at its source. The numbers are whatever the caller passes (the generator
passes the reference code's arrays); this module only formats them.

Like book.shapes: deterministic text, no blank lines, ids salted, ink from currentColor and
fills from CSS custom properties, role="img" with a title and a description.

Hooks for a step-by-step widget (stable, documented here):

    <g class="bp-graph" data-sizes="2 3 2" data-first-layer="1">   the drawing
    g.bp-graph-layer[data-layer=l]           a row of nodes (l indexes the arrays: 0 = input)
    g.bp-graph-node#<salt>-n<l>-<i>          unit i (from 1) of layer l; data-a, data-z, data-delta
    g.bp-graph-edge#<salt>-e<l>-<i>-<j>      W⁽ˡ⁾[i, j], from unit j of layer l−1 to unit i; data-w, data-dw
    g.bp-graph-loss#<salt>-loss              the loss; data-value
    text.bp-graph-a / text.bp-graph-delta    the two numbers in a node
    polygon.bp-graph-fwd / .bp-graph-bwd     the forward and backward arrowheads

Every node, edge and the loss list in `data-steps` the steps that touch them, one token per
step: the equation's label and the layer, as the labels number it, `F1@2` for (F1) at layer 2.
The labels: (F1) z = W a + b, (F2) a = g(z), J (the loss), (B1) the output δ, (B2) δ one layer
down, (B3) ∂J/∂W = δ aᵀ, (B4) ∂J/∂b = δ. Which parts a step touches is written once, in
`touches`; a step-by-step widget only reads it (`[data-steps~="B2@2"]`), and `step_problems`
holds a page's steps to the graph at build time. `data-layer` counts as the arrays do
(input = 0); the labels add `first_layer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from .shapes import FILL_FACTOR, INK, PAD, PAPER, SMALL, _n, _style, _text_width, check_salt, sub, wrap_svg
from .tables import num

ACCENT = FILL_FACTOR  # δ and the backward arrowheads
NODE_H = 40
ROW_GAP = 62  # vertical room for the edges between two rows
COL_GAP = 16
HEAD = 7.0  # arrowhead length
OFFSET = 4.0  # distance between an edge and its δ line


def _minus(text: str) -> str:
    return text.replace("-", "−")


# What each equation at layer l (arrays' numbering, L the output layer) reads or writes:
# ("units", k) the units of layer k, ("edges", k) the edges of W[k], ("loss",) the loss and its edges.
def touches(label: str, l: int, L: int) -> list[tuple]:
    """The parts of the graph that the step (label) at layer l touches: the one place this is said."""
    return {
        "F1": [("units", l - 1), ("edges", l), ("units", l)],  # (F1) z[l] = W[l] a[l-1] + b[l]
        "F2": [("units", l)],  # (F2) a[l] = g(z[l])
        "J": [("units", L), ("loss",)],  # J(a[L], y)
        "B1": [("loss",), ("units", L)],  # (B1) delta[L] = dJ/da[L] ⊙ g'(z[L])
        "B2": [("units", l + 1), ("edges", l + 1), ("units", l)],  # (B2) delta[l] = (W[l+1]ᵀ delta[l+1]) ⊙ g'(z[l])
        "B3": [("units", l), ("edges", l), ("units", l - 1)],  # (B3) dJ/dW[l] = delta[l] a[l-1]ᵀ
        "B4": [("units", l)],  # (B4) dJ/db[l] = delta[l]
    }[label]


def network_steps(L: int) -> list[tuple[str, int]]:
    """Every step of a network with layers 0..L, in the order the reference code takes them."""
    forward = [(label, l) for l in range(1, L + 1) for label in ("F1", "F2")]
    backward = [(label, l) for l in range(L, 0, -1) for label in (("B2",) if l < L else ()) + ("B3", "B4")]
    return forward + [("J", L), ("B1", L)] + backward


def step_key(label: str, l: int, first_layer: int) -> str:
    """A step's token in data-steps: its label and its layer as the labels number it ("F1@2")."""
    return f"{label}@{l + first_layer}"


def _marks(L: int, first_layer: int) -> dict[tuple, list[str]]:
    """part → the tokens of the steps that touch it, in the order of the steps."""
    marks: dict[tuple, list[str]] = {}
    for label, l in network_steps(L):
        for part in touches(label, l, L):
            marks.setdefault(part, []).append(step_key(label, l, first_layer))
    return marks


ATTR_LIST = re.compile(r"\{:([^}]*)\}")
LIST_ITEM = re.compile(r"^(?P<indent> *)\d+\. ")
SVG_STEPS = re.compile(r'\bdata-steps="([^"]*)"')


def step_problems(page: str, src: str, svg: str, include: str) -> tuple[int, list[str]]:
    """(steps, problems) of the steppers in a page that include the graph (`--8<-- "include"`).

    Every numbered item of such a stepper must name its step, {: data-step="F1" data-layer="2" },
    and the graph must mark some part with that step's token; a step may appear once. Each problem
    names src:line, so the build stops at the line to fix.
    """
    known = {t for m in SVG_STEPS.finditer(svg) for t in m[1].split()}
    lines = page.splitlines()
    problems, seen, steps, found = [], {}, 0, False
    i = 0
    while i < len(lines):
        if 'data-bp-widget="stepper"' not in lines[i]:
            i += 1
            continue
        start, depth, block = i, 0, []
        for j in range(i, len(lines)):
            depth += lines[j].count("<div") - lines[j].count("</div")
            block.append((j + 1, lines[j]))
            if depth <= 0:
                break
        i = start + len(block)
        if not any(f'--8<-- "{include}"' in line for _, line in block):
            continue
        found = True
        for n, line in block:
            if not LIST_ITEM.match(line) or LIST_ITEM.match(line)["indent"]:
                continue
            attrs = " ".join(ATTR_LIST.findall(line))
            label, layer = (re.search(rf'\bdata-{a}="([^"]*)"', attrs) for a in ("step", "layer"))
            if not (label and layer):
                problems.append(f'{src}:{n}: a step without its label and layer ({{: data-step="F1" data-layer="2" }}): '
                                f"{line.strip()[:60]}")
                continue
            steps += 1
            key = f"{label[1]}@{layer[1]}"
            if key not in known:
                problems.append(f"{src}:{n}: no part of the graph {include} is marked for ({label[1]}) at layer "
                                f"{layer[1]} (data-steps~=\"{key}\"); it marks {' '.join(sorted(known))}")
            elif key in seen:
                problems.append(f"{src}:{n}: ({label[1]}) at layer {layer[1]} again (first at line {seen[key]})")
            seen.setdefault(key, n)
    if not found:
        problems.append(f'{src}: no stepper (<div data-bp-widget="stepper">) includes {include}')
    return steps, problems


def _arrowhead(x1, y1, x2, y2, cls: str, fill: str) -> str:
    """A filled triangle with its tip at (x2, y2), pointing from (x1, y1)."""
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    ux, uy = dx / length, dy / length
    bx, by = x2 - ux * HEAD, y2 - uy * HEAD
    px, py = -uy * HEAD * 0.45, ux * HEAD * 0.45
    pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in [(x2, y2), (bx + px, by + py), (bx - px, by - py)])
    return f'<polygon class="{cls}" points="{pts}" style={quoteattr(_style(fill=fill))}/>'


def _text(x, y, content: str, *, cls: str = "", step: str = "", fill: str = INK, anchor: str = "middle",
          bold: bool = False) -> str:
    attrs = (f' class="{cls}"' if cls else "") + (f' data-step="{step}"' if step else "")
    style = _style(fill=fill) + ("; font-weight: bold" if bold else "")
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{SMALL}" text-anchor="{anchor}"{attrs} '
            f"style={quoteattr(style)}>{escape(content)}</text>")


def _column(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v.reshape(-1, 1) if v.ndim == 1 else v


def network_graph_svg(
    a: Sequence,
    delta: Sequence,
    loss: float,
    target=None,
    *,
    salt: str,
    title: str,
    desc: str,
    z: Sequence | None = None,
    weights: Sequence | None = None,
    grads: Sequence | None = None,
    first_layer: int = 0,
    loss_name: str = "J",
    digits: int = 4,
    input_digits: int = 1,
    loss_digits: int = 6,
) -> str:
    """The network a[0] → … → a[L] → loss as a graph.

    a: activations a[0] = x, …, a[L] (columns); delta: [None, δ1, …, δL]; target: y (shown in the
    loss box, optional); z, weights, grads
    (optional, [None, z1/W1/dW1, …]) go into data attributes only. first_layer is the number
    the labels give the input (0 in the book, 1 in the question).
    """
    check_salt(salt)
    a = [_column(v) for v in a]
    L = len(a) - 1
    if L < 1 or len(delta) != L + 1:
        raise ValueError(f"need a[0..L] and delta[0..L] (delta[0] unused); got {len(a)} and {len(delta)}")
    sizes = [v.shape[0] for v in a]
    d = [None] + [_column(delta[l]) for l in range(1, L + 1)]
    for l in range(1, L + 1):
        if d[l].shape != a[l].shape:
            raise ValueError(f"delta[{l}] is {d[l].shape} but a[{l}] is {a[l].shape}")
        for name, arrs in (("weights", weights), ("grads", grads)):
            if arrs is not None and np.shape(arrs[l]) != (sizes[l], sizes[l - 1]):
                raise ValueError(f"{name}[{l}] is {np.shape(arrs[l])}, expected {(sizes[l], sizes[l - 1])}")

    def fmt(v, k=digits) -> str:
        return _minus(num(v, k))

    def node_lines(l: int, i: int) -> tuple[str, str | None]:
        if l == 0:
            return f"x{sub(i + 1)} = {fmt(a[0][i, 0], input_digits)}", None
        return f"a{sub(i + 1)} = {fmt(a[l][i, 0])}", f"δ{sub(i + 1)} = {fmt(d[l][i, 0])}"

    loss_text = f"{loss_name} = {fmt(loss, loss_digits)}"
    target_text = None if target is None else "y = " + ", ".join(fmt(v, input_digits) for v in _column(target).ravel())
    texts = [t for l in range(L + 1) for i in range(sizes[l]) for t in node_lines(l, i) if t] + [loss_text, target_text or ""]
    node_w = max(84.0, max(_text_width(t, SMALL) for t in texts) + 16)

    def role(l: int) -> str:
        return "input" if l == 0 else "output" if l == L else "hidden"

    labels = [(role(l), f"layer {l + first_layer}") for l in range(L + 1)] + [("loss", loss_name)]
    label_w = max(_text_width(t, SMALL) for pair in labels for t in pair) + 14
    widest = max(sizes) * node_w + (max(sizes) - 1) * COL_GAP
    left = PAD + label_w
    centre = left + widest / 2

    def node_box(l: int, i: int) -> tuple[float, float]:
        n = sizes[l] if l <= L else 1
        x0 = centre - (n * node_w + (n - 1) * COL_GAP) / 2
        return x0 + i * (node_w + COL_GAP), PAD + l * (NODE_H + ROW_GAP)

    def attach(l: int, i: int, k: int, n: int, bottom: bool) -> tuple[float, float]:
        """Edge k of n leaving (bottom) or entering (top) node i of row l, fanned across the node."""
        x, y = node_box(l, i)
        return x + node_w * (k + 1) / (n + 1), y + (NODE_H if bottom else 0)

    marks = _marks(L, first_layer)

    def steps_of(*part) -> str:
        return " ".join(marks.get(part, []))

    parts = [f'<g class="bp-graph" data-sizes="{" ".join(map(str, sizes))}" data-first-layer="{first_layer}">']
    edge_style = quoteattr(_style(stroke=INK, stroke_opacity=0.5, stroke_width=1.2))
    back_style = quoteattr(_style(stroke=ACCENT, stroke_width=1.2, stroke_dasharray="4 3"))
    for l in range(1, L + 2):  # edges into row l; row L + 1 is the loss
        n_to = sizes[l] if l <= L else 1
        parts.append(f'<g class="bp-graph-edges" data-layer="{l}">' if l <= L else '<g class="bp-graph-edges" data-layer="loss">')
        for i in range(n_to):
            for j in range(sizes[l - 1]):
                x1, y1 = attach(l - 1, j, i, n_to, True)
                x2, y2 = attach(l, i, j, sizes[l - 1], False)
                if l <= L:
                    data = f' data-w="{fmt(weights[l][i, j])}"' if weights is not None else ""
                    data += f' data-dw="{fmt(grads[l][i, j])}"' if grads is not None else ""
                    head = (f'<g class="bp-graph-edge" id="{salt}-e{l}-{i + 1}-{j + 1}" data-layer="{l}" data-to="{i + 1}" '
                            f'data-from="{j + 1}" data-steps="{steps_of("edges", l)}"{data}>')
                else:
                    head = f'<g class="bp-graph-edge" id="{salt}-eloss-{j + 1}" data-from="{j + 1}" data-steps="{steps_of("loss")}">'
                length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
                ox, oy = (y1 - y2) / length * OFFSET, (x2 - x1) / length * OFFSET  # the δ line runs beside the edge
                parts += [head, f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" style={edge_style}/>',
                          _arrowhead(x1, y1, x2, y2, "bp-graph-fwd", INK),
                          f'<line x1="{_n(x1 + ox)}" y1="{_n(y1 + oy)}" x2="{_n(x2 + ox)}" y2="{_n(y2 + oy)}" style={back_style}/>',
                          _arrowhead(x2 + ox, y2 + oy, x1 + ox, y1 + oy, "bp-graph-bwd", ACCENT), "</g>"]
        parts.append("</g>")

    box_style = quoteattr(_style(fill=PAPER, stroke=INK, stroke_width=1.3))
    for l in range(L + 2):
        x_label = PAD
        y_mid = PAD + l * (NODE_H + ROW_GAP) + NODE_H / 2
        parts += [f'<g class="bp-graph-label" data-layer="{l if l <= L else "loss"}">',
                  _text(x_label, y_mid - 3, labels[l][0], anchor="start", bold=True),
                  _text(x_label, y_mid + SMALL + 1, labels[l][1], anchor="start"), "</g>"]
        if l > L:
            x, y = node_box(l, 0)
            parts += [f'<g class="bp-graph-loss" id="{salt}-loss" data-steps="{steps_of("loss")}" data-value="{fmt(loss, loss_digits)}">',
                      f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(node_w)}" height="{NODE_H}" rx="6" style={box_style}/>',
                      *([_text(x + node_w / 2, y + NODE_H / 2 + 4.5, loss_text, cls="bp-graph-value", step="J")]
                        if target_text is None else
                        [_text(x + node_w / 2, y + 16, loss_text, cls="bp-graph-value", step="J"),
                         _text(x + node_w / 2, y + 33, target_text, cls="bp-graph-target")]), "</g>"]
            continue
        parts.append(f'<g class="bp-graph-layer" id="{salt}-layer{l}" data-layer="{l}">')
        for i in range(sizes[l]):
            x, y = node_box(l, i)
            top, bottom = node_lines(l, i)
            data = f' data-a="{fmt(a[l][i, 0], input_digits if l == 0 else digits)}"'
            data += f' data-z="{fmt(z[l][i, 0])}"' if z is not None and l > 0 else ""
            data += f' data-delta="{fmt(d[l][i, 0])}"' if l > 0 else ""
            parts += [f'<g class="bp-graph-node" id="{salt}-n{l}-{i + 1}" data-layer="{l}" data-unit="{i + 1}" '
                      f'data-steps="{steps_of("units", l)}"{data}>',
                      f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(node_w)}" height="{NODE_H}" rx="6" style={box_style}/>']
            if bottom is None:
                parts.append(_text(x + node_w / 2, y + NODE_H / 2 + 4.5, top, cls="bp-graph-a"))
            else:
                parts += [_text(x + node_w / 2, y + 16, top, cls="bp-graph-a", step="F2"),
                          _text(x + node_w / 2, y + 33, bottom, cls="bp-graph-delta", step="B1" if l == L else "B2",
                                fill=ACCENT, bold=True)]
            parts.append("</g>")
        parts.append("</g>")

    y = PAD + (L + 1) * (NODE_H + ROW_GAP) + NODE_H + 8
    legend = [("↓ forward: a", INK, "bp-graph-legend-fwd"),
              (f"↑ backward: δ = ∂{loss_name}/∂z", ACCENT, "bp-graph-legend-bwd")]
    for k, (text, fill, cls) in enumerate(legend):
        parts.append(_text(PAD, y + (k + 1) * (SMALL + 6), text, cls=cls, fill=fill, anchor="start", bold=k == 1))
    parts.append("</g>")
    width = max(left + widest, PAD + max(_text_width(t, SMALL) for t, _, _ in legend)) + PAD
    height = y + 2 * (SMALL + 6) + PAD
    return wrap_svg("\n".join(parts), width, height, salt=salt, title=title, desc=desc)

