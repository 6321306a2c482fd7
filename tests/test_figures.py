"""Figure generators: determinism, inline-safety, accessibility, shape logic."""

import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book.figures import fmt_number, line_plot, matrix_heatmap
from book.shapes import (
    MAX_CELLS,
    chain_shapes_ok,
    chain_svg,
    layers_svg,
    sub,
    sup,
    tensor_svg,
)

NS = "{http://www.w3.org/2000/svg}"
BROKEN = [("∂L/∂a", (2, 1)), ("∂a/∂z", (2, 3)), ("∂z/∂W", (3, 1)), ("xᵀ", (1, 2))]
GOOD = [("g", (1, 3)), ("J1", (3, 3)), ("J2", (3, 2)), ("v", (2, 1))]
SIG = np.array([0.5, -1.0, 2.0])


def _softmax_jacobian():
    p = np.exp(SIG) / np.exp(SIG).sum()
    return np.diag(p) - np.outer(p, p)


# name -> builder(salt) -> svg; shared by the in-process and subprocess tests.
BUILDERS = {
    "chain": lambda s: chain_svg(
        GOOD,
        ("r", (1, 1)),
        salt=s,
        title="T",
        desc="D",
        grid=True,
        layout_note="numerator layout",
    ),
    "broken": lambda s: chain_svg(BROKEN, salt=s, title="T", desc="D"),
    "big": lambda s: chain_svg([("W", (16, 784)), ("x", (784, 1))], ("z", (16, 1)), salt=s, title="T", desc="D"),
    "tensor": lambda s: tensor_svg(3, 2, salt=s, title="T", desc="D"),
    "tensor_many": lambda s: tensor_svg(10, 4, salt=s, title="T", desc="D"),
    "layers": lambda s: layers_svg([2, 3, 2], salt=s, title="T", desc="D"),
    "layers4": lambda s: layers_svg([4, 5, 3, 2], salt=s, title="T", desc="D"),
    "forward": lambda s: layers_svg([3, 4, 2], salt=s, title="T", desc="D", direction="forward"),
    "heatmap": lambda s: matrix_heatmap(_softmax_jacobian(), salt=s, title="T", desc="D"),
    "lines": lambda s: line_plot(
        [
            ("float64", [1e-8, 1e-6, 1e-4], [1e-7, 1e-10, 1e-8]),
            ("float32", [1e-8, 1e-6, 1e-4], [1.0, 1e-2, 1e-4]),
        ],
        salt=s,
        title="T",
        desc="D",
        xlabel="h",
        ylabel="relative error",
        logx=True,
        logy=True,
    ),
}
MPL = {"heatmap", "lines"}


def _digest(salt="fig"):
    return {k: hashlib.sha256(b(salt).encode()).hexdigest() for k, b in BUILDERS.items()}


def _ids(svg):
    return set(re.findall(r'\bid="([^"]+)"', svg))


# ---------------------------------------------------------------- pure logic


def test_sup_and_sub():
    assert sup("(3)") == "⁽³⁾"
    assert sup("(l+1)") == "⁽ˡ⁺¹⁾"
    assert sup("T") == "ᵀ"
    assert sup("-12") == "⁻¹²"
    assert sub("k") == "ₖ"
    assert sub("10") == "₁₀"
    with pytest.raises(ValueError):
        sup("x")


def test_chain_check_catches_broken_chain():
    assert chain_shapes_ok([s for _, s in BROKEN]) == (False, None, 0)


def test_chain_check_accepts_good_chain():
    assert chain_shapes_ok([s for _, s in GOOD]) == (True, (1, 1), None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=5))
def test_chain_check_agrees_with_numpy(shapes):
    ok, product, bad = chain_shapes_ok(shapes)
    try:
        out = np.linalg.multi_dot([np.ones(s) for s in shapes]) if len(shapes) > 1 else np.ones(shapes[0])
    except ValueError:
        assert not ok and shapes[bad][1] != shapes[bad + 1][0]
        assert all(shapes[k][1] == shapes[k + 1][0] for k in range(bad))
    else:
        assert ok and product == tuple(np.atleast_2d(out).shape)


def test_result_shape_mismatch_raises_naming_labels():
    with pytest.raises(ValueError, match=r"g · J1 · J2 · v.*1×1.*bad.*2×2"):
        chain_svg(GOOD, ("bad", (2, 2)), salt="s", title="T", desc="D")


@pytest.mark.parametrize("salt", ["", "1abc", "a b", 'a"b', None])
def test_bad_salt_rejected(salt):
    with pytest.raises(ValueError):
        chain_svg(GOOD, salt=salt, title="T", desc="D")


def test_fmt_number_fixed_and_zero():
    assert fmt_number(0.0) == "0"
    assert fmt_number(-0.0) == "0"
    assert fmt_number(-0.1234) == "−0.123"
    assert fmt_number(2, "{:.1f}") == "2.0"


# --------------------------------------------------- every figure, every rule


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_same_input_same_bytes(name):
    assert BUILDERS[name]("fig") == BUILDERS[name]("fig")


def test_byte_identical_across_processes():
    code = (
        f"import sys, json; sys.path[:0] = [{str(Path(__file__).parent)!r}];"
        "import test_figures as t; print(json.dumps(t._digest()))"
    )
    outs = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        outs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1] == _digest()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_salts_give_disjoint_ids(name):
    a, b = _ids(BUILDERS[name]("one")), _ids(BUILDERS[name]("two"))
    assert a and b and not a & b
    assert all(i == "one" or i.startswith("one-") for i in a)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_inline_safe_and_accessible(name):
    svg = BUILDERS[name]("fig")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<!--" not in svg
    assert all(line.strip() for line in svg.splitlines()), "blank line ends the HTML block"
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("viewBox") and root.get("preserveAspectRatio")
    assert re.search(r"max-width: \d+px", root.get("style"))
    title, desc = list(root)[:2]
    assert title.tag == f"{NS}title" and title.text == "T"
    assert desc.tag == f"{NS}desc" and desc.text == "D"
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    # Every internal reference resolves to an id inside this same SVG.
    ids = _ids(svg)
    refs = re.findall(r'href="#([^"]+)"', svg) + re.findall(r"url\(#([^)]+)\)", svg)
    assert set(refs) <= ids


@pytest.mark.parametrize("name", sorted(set(BUILDERS) - MPL))
def test_shapes_use_only_scheme_aware_colours(name):
    svg = BUILDERS[name]("fig")
    without_vars = re.sub(r"var\(--[\w-]+, #[0-9a-fA-F]{3,6}\)", "VAR", svg)
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(", without_vars)
    for prop, value in re.findall(r"\b(fill|stroke):\s*([^;\"]+)", without_vars):
        assert value.strip() in {"currentColor", "none", "VAR"}, (prop, value)
    assert not re.search(r'\b(fill|stroke|color)="', svg), "paint via style only"


# ------------------------------------------------------------- shape figures


def _mats(svg):
    root = ET.fromstring(svg)
    return [r for r in root.iter(f"{NS}rect") if "bp-mat" in (r.get("class") or "")]


def test_rect_sizes_proportional_to_dims():
    unit = 18
    svg = chain_svg(GOOD, ("r", (1, 1)), salt="s", title="T", desc="D", unit=unit)
    rects = _mats(svg)
    assert [(int(r.get("data-rows")), int(r.get("data-cols"))) for r in rects] == [s for _, s in GOOD] + [(1, 1)]
    for r in rects:
        assert float(r.get("width")) == pytest.approx(unit * int(r.get("data-cols")))
        assert float(r.get("height")) == pytest.approx(unit * int(r.get("data-rows")))
    # Shared centre line: the chain reads as one row.
    mids = {float(r.get("y")) + float(r.get("height")) / 2 for r in rects}
    assert len(mids) == 1


def test_large_dims_clamped_but_labelled_truly():
    svg = BUILDERS["big"]("s")
    w = next(r for r in _mats(svg) if r.get("data-cols") == "784")
    assert float(w.get("width")) == pytest.approx(MAX_CELLS * 18)
    assert float(w.get("height")) == pytest.approx(MAX_CELLS * 18)
    assert "16×784" in svg and "784×1" in svg
    assert "<polyline" in svg  # break mark


def test_grid_draws_cells():
    svg = chain_svg([("A", (3, 3))], salt="s", title="T", desc="D", grid=True)
    assert svg.count("<line") == 4  # 2 inner horizontals + 2 inner verticals


def test_broken_chain_drawn_in_error_colour():
    svg = BUILDERS["broken"]("s")
    assert "shapes do not chain: 1 ≠ 2" in svg
    assert "∂L/∂a has 1 column, ∂a/∂z has 2 rows" in svg
    assert "var(--bp-error" in svg
    text = "".join(ET.fromstring(svg).itertext())
    assert "≠" in text
    # Exactly the two offending dimensions are highlighted (cols of 0, rows of 1).
    assert re.findall(r"<tspan [^>]*bp-error[^>]*>(\d+)</tspan>", svg) == ["1", "2"]


def test_good_chain_has_no_error_marks():
    svg = BUILDERS["chain"]("s")
    assert "do not chain" not in svg and "bp-error" not in svg


def test_tensor_slices_and_labels():
    svg = BUILDERS["tensor"]("s")
    slices = [r for r in _mats(svg) if "bp-slice" in r.get("class")]
    assert len(slices) == 3
    assert all((r.get("data-rows"), r.get("data-cols")) == ("3", "2") for r in slices)
    for k in ("₁", "₂", "₃"):
        assert f"slice {k.translate(str.maketrans('₁₂₃', '123'))}: ∂z{k}/∂W" in svg
    assert "3×3×2" in svg
    many = BUILDERS["tensor_many"]("s")
    assert "slice 10: ∂z₁₀/∂W" in many and "⋮" in many


@pytest.mark.parametrize("sizes", [[2, 3, 2], [4, 5, 3, 2]])
def test_layers_backward(sizes):
    svg = layers_svg(sizes, salt="s", title="T", desc="D")
    L = len(sizes) - 1
    mats = _mats(svg)
    assert len(mats) == 3 * L
    for l in range(1, L + 1):
        assert f"δ{sup(f'({l})')}" in svg and f"∂J/∂W{sup(f'({l})')}" in svg
        assert f"{sizes[l]}×{sizes[l - 1]}" in svg
    for l in range(1, L):
        assert f"W{sup(f'({l + 1})')}ᵀ δ{sup(f'({l + 1})')} ⊙ g′(z{sup(f'({l})')})" in svg


def test_layers_forward_and_bad_direction():
    assert "g(W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾)" in BUILDERS["forward"]("s")
    with pytest.raises(ValueError):
        layers_svg([2, 2], salt="s", title="T", desc="D", direction="sideways")


# ------------------------------------------------------------ matplotlib ones


@pytest.mark.parametrize("name", sorted(MPL))
def test_matplotlib_svg_is_scheme_aware_and_undated(name):
    svg = BUILDERS[name]("fig")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", svg)
    assert "Matplotlib v" not in svg and "<metadata" not in svg
    assert "#010101" not in svg.lower() and "currentColor" in svg
    assert "'DejaVu Sans'" not in svg  # text inherits the page font
    # matplotlib's global `*{...}` rule is scoped to this figure.
    assert re.findall(r"([^\s>]*)\s*\*\{", svg) == ["#fig"]
    assert "<image" not in svg  # vector only, nothing rasterised


def test_heatmap_of_diagonal_prints_values():
    d = np.array([0.235004, 0.196612, 0.104994])
    svg = matrix_heatmap(np.diag(d), salt="h", title="T", desc="D")
    texts = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    for v in ("0.235", "0.197", "0.105"):
        assert v in texts
    assert texts.count("0") >= 6 + 1  # six off-diagonal zeros (+ colorbar 0)


def test_heatmap_symmetric_limits_and_minus():
    svg = matrix_heatmap(_softmax_jacobian(), salt="h", title="T", desc="D")
    texts = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    top = fmt_number(np.abs(_softmax_jacobian()).max())
    assert top in texts and "−" + top in texts  # colorbar ends ±max


def test_line_plot_styles_not_colour_alone():
    svg = BUILDERS["lines"]("fig")
    assert "var(--bp-series-1" in svg and "var(--bp-series-2" in svg
    assert "stroke-dasharray" in svg  # second series is dashed
    assert "10⁻⁸" in svg  # log ticks as Unicode powers of ten


def test_svg_from_pyplot_figure_closes_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from book.figures import book_style, svg_from_figure

    with book_style():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        ax.set_title("drawn with pyplot")
    svg = svg_from_figure(fig, salt="py", title="T", desc="D")
    assert fig.number not in plt.get_fignums()
    assert "drawn with pyplot" in svg and "currentColor" in svg
    assert _ids(svg) and all(i == "py" or i.startswith("py-") for i in _ids(svg))
