"""The network graph (book.graph): deterministic, valid XML, and every number it shows is the reference's."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from backprop import backward, forward, init_network, worked_example
from backprop.losses import loss
from book.graph import network_graph_svg, network_steps, step_problems

SVG = "{http://www.w3.org/2000/svg}"


def draw(**kw):
    net, x, y, cache, grads = worked_example()
    J = loss("squared_error").value(cache.a[2], y)
    args = dict(z=cache.z, weights=net.W, grads=grads.dW, first_layer=1, loss_name="L", salt="t-graph",
                title="The 2-3-2 network", desc="a test drawing")
    args.update(kw)
    return network_graph_svg(cache.a, grads.delta, J, y, **args), (net, x, y, cache, grads, J)


def number(text: str) -> float:
    """The number at the end of a label such as 'δ₂ = −0.0173'."""
    return float(text.rsplit("=", 1)[1].strip().replace("−", "-"))


@pytest.fixture(scope="module")
def drawn():
    svg, ref = draw()
    return svg, ET.fromstring(svg), ref


def test_valid_xml_with_accessible_root(drawn):
    svg, root, _ = drawn
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}{t}").get("id") for t in ("title", "desc")] == labelled
    assert "\n\n" not in svg and not any(not line.strip() for line in svg.splitlines())


def test_same_input_same_bytes():
    assert draw()[0] == draw()[0]


def test_ids_are_unique_and_salted(drawn):
    _, root, _ = drawn
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith("t-graph") for i in ids)
    other, _ = draw(salt="u-graph")
    assert "t-graph" not in other


def test_no_bare_colours(drawn):
    svg, _, _ = drawn
    styles = " ".join(re.findall(r'style="([^"]*)"', svg))
    colours = re.findall(r"#[0-9a-fA-F]{3,6}\b", styles)
    assert all(re.search(rf"var\(--[a-z0-9-]+, {c}\)", styles) for c in colours), colours


def nodes(root, layer):
    return sorted((e for e in root.iter(SVG + "g") if e.get("class") == "bp-graph-node" and e.get("data-layer") == str(layer)),
                  key=lambda e: int(e.get("data-unit")))


def test_node_numbers_are_the_reference_arrays(drawn):
    _, root, (net, x, y, cache, grads, J) = drawn
    for l in range(3):
        shown = nodes(root, l)
        assert len(shown) == cache.a[l].shape[0]
        a = [number(n.find(f"{SVG}text[@class='bp-graph-a']").text) for n in shown]
        assert np.allclose(a, cache.a[l].ravel(), atol=0.05 if l == 0 else 5e-5)
        if l:
            d = [number(n.find(f"{SVG}text[@class='bp-graph-delta']").text) for n in shown]
            assert np.allclose(d, grads.delta[l].ravel(), atol=5e-5)
            z = [float(n.get("data-z").replace("−", "-")) for n in shown]
            assert np.allclose(z, cache.z[l].ravel(), atol=5e-5)
    loss_box = next(e for e in root.iter(SVG + "g") if e.get("class") == "bp-graph-loss")
    assert abs(number(loss_box.find(f"{SVG}text").text) - J) < 5e-7


def test_edges_carry_weights_and_gradients(drawn):
    _, root, (net, x, y, cache, grads, J) = drawn
    edges = [e for e in root.iter(SVG + "g") if e.get("class") == "bp-graph-edge" and e.get("data-layer")]
    assert len(edges) == sum(net.W[l].size for l in (1, 2))
    for e in edges:
        l, i, j = int(e.get("data-layer")), int(e.get("data-to")) - 1, int(e.get("data-from")) - 1
        assert abs(float(e.get("data-w").replace("−", "-")) - net.W[l][i, j]) < 5e-5
        assert abs(float(e.get("data-dw").replace("−", "-")) - grads.dW[l][i, j]) < 5e-5
        assert {p.get("class") for p in e.iter(SVG + "polygon")} == {"bp-graph-fwd", "bp-graph-bwd"}


def test_steps_name_the_equations_that_touch_each_part(drawn):
    # Written out from the equations, in the question's numbering (first_layer=1: the input is layer 1):
    # (F1)@2 reads the input and W(2) and writes z(2); (B3)@2 is δ(2) a(1)ᵀ; (B2)@2 is W(3)ᵀ δ(3) ⊙ σ'(z(2)).
    _, root, _ = drawn
    steps = {e.get("id").removeprefix("t-graph-"): set(e.get("data-steps").split())
             for e in root.iter(SVG + "g") if e.get("data-steps")}
    assert steps["n0-1"] == steps["n0-2"] == {"F1@2", "B3@2"}  # the input: read by (F1), used by (B3)
    assert steps["e1-3-2"] == {"F1@2", "B3@2"}  # δ(2) needs no W(2)ᵀ: no (B2) on the first edges
    assert steps["n1-2"] == {"F1@2", "F2@2", "B2@2", "B3@2", "B4@2", "F1@3", "B3@3"}  # a hidden unit
    assert steps["e2-1-3"] == {"F1@3", "B2@2", "B3@3"}
    assert steps["n2-1"] == {"F1@3", "F2@3", "J@3", "B1@3", "B3@3", "B4@3", "B2@2"}  # an output unit
    assert steps["loss"] == steps["eloss-2"] == {"J@3", "B1@3"}
    assert set(steps) == {f"n{l}-{i}" for l, n in enumerate((2, 3, 2)) for i in range(1, n + 1)} | \
        {f"e{l}-{i}-{j}" for l, (n, m) in ((1, (3, 2)), (2, (2, 3))) for i in range(1, n + 1) for j in range(1, m + 1)} | \
        {"loss", "eloss-1", "eloss-2"}


def test_the_steps_of_a_network_in_the_reference_order():
    assert network_steps(2) == [("F1", 1), ("F2", 1), ("F1", 2), ("F2", 2), ("J", 2), ("B1", 2),
                                ("B3", 2), ("B4", 2), ("B2", 1), ("B3", 1), ("B4", 1)]
    assert [s for s in network_steps(3) if s[0] == "B2"] == [("B2", 2), ("B2", 1)]


# ---------------------------------------------------------------------------
# The page's stepper against the graph (book.graph.step_problems, run by the net232 generator)

PAGE = Path(__file__).resolve().parents[1] / "docs" / "net232.md"
SRC = "docs/net232.md"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture(scope="module")
def page():
    return PAGE.read_text(encoding="utf-8")


def test_the_pages_steps_are_all_in_the_graph(drawn, page):
    assert step_problems(page, SRC, drawn[0], "net232/graph.md") == (11, [])


@pytest.mark.parametrize("old, new, says", [
    ('data-step="B2" data-layer="2"', 'data-step="B2" data-layer="3"', "(B2) at layer 3"),  # a layer the graph lacks
    ('data-step="B4" data-layer="3"', 'data-step="B5" data-layer="3"', "(B5) at layer 3"),  # an equation it lacks
    ('{: data-step="F2" data-layer="2" }', "", "without its label and layer"),
    ('data-step="B3" data-layer="2"', 'data-step="B3" data-layer="3"', "again (first at line"),
])
def test_a_page_step_the_graph_does_not_mark_is_caught_at_its_line(drawn, page, old, new, says):
    assert page.count(old) == 1
    line = line_of(page, old)
    _, problems = step_problems(page.replace(old, new), SRC, drawn[0], "net232/graph.md")
    assert len(problems) == 1 and problems[0].startswith(f"{SRC}:{line}: ") and says in problems[0], problems


def test_a_graph_that_lost_a_mark_is_caught(drawn, page):
    svg = drawn[0].replace("B4@2", "")
    _, problems = step_problems(page, SRC, svg, "net232/graph.md")
    assert problems == [p for p in problems if "(B4) at layer 2" in p] and len(problems) == 1
    line = line_of(page, 'data-step="B4" data-layer="2"')
    assert problems[0].startswith(f"{SRC}:{line}: ")


def test_a_page_whose_stepper_lost_the_graph_is_caught(drawn, page):
    _, problems = step_problems(page.replace('--8<-- "net232/graph.md"', '--8<-- "net232/other.md"'), SRC, drawn[0],
                                "net232/graph.md")
    assert problems == [f'{SRC}: no stepper (<div data-bp-widget="stepper">) includes net232/graph.md']


def test_the_build_checks_the_pages_steps():
    from chapter_tools import run_chapter

    outputs, _, failures = run_chapter("net232")
    assert not failures and "the stepper's steps are marked in the graph</b>: each of the 11 steps" in outputs["graph"]


def test_the_build_stops_at_the_pages_line(monkeypatch, tmp_path, page):
    """The net232 generator runs the check: a page step the graph lacks fails the graph artifact, naming the line."""
    import book.artifacts
    from chapter_tools import run_chapter

    (tmp_path / "net232.md").write_text(page.replace('data-step="F2" data-layer="3"', 'data-step="F2" data-layer="4"'),
                                        encoding="utf-8")
    monkeypatch.setattr(book.artifacts, "DOCS", tmp_path)
    _, _, failures = run_chapter("net232")
    graph = [f for f in failures if f.name == "graph"]
    assert len(failures) == 1 and graph, [f.report() for f in failures]
    line = line_of(page, 'data-step="F2" data-layer="3"')
    assert f"{SRC}:{line}: " in graph[0].report()


def test_labels_follow_the_numbering_asked_for():
    book, _ = draw(first_layer=0, loss_name="J")
    assert ">layer 0<" in book and ">layer 2<" in book and "J = " in book
    question, _ = draw()
    assert ">layer 1<" in question and ">layer 3<" in question and ">layer 0<" not in question


def test_any_depth():
    net = init_network([3, 4, 4, 2], activations=["tanh", "tanh", "sigmoid"], loss="squared_error", seed=1)
    x, y = np.ones((3, 1)), np.array([[0.0], [1.0]])
    cache = forward(net, x)
    grads = backward(net, cache, y)
    root = ET.fromstring(network_graph_svg(cache.a, grads.delta, 1.0, salt="deep", title="t", desc="d"))
    assert sum(1 for e in root.iter(SVG + "g") if e.get("class") == "bp-graph-node") == 3 + 4 + 4 + 2
    assert sum(1 for e in root.iter(SVG + "g") if e.get("class") == "bp-graph-edge") == 12 + 16 + 8 + 2


@pytest.mark.parametrize("bad", ["delta", "salt", "weights"])
def test_inconsistent_input_is_refused(bad):
    net, x, y, cache, grads = worked_example()
    args = dict(salt="ok", title="t", desc="d")
    delta = list(grads.delta)
    if bad == "delta":
        delta[1] = delta[1][:2]
    if bad == "salt":
        args["salt"] = "1 bad"
    if bad == "weights":
        args["weights"] = [None, net.W[1].T, net.W[2]]
    with pytest.raises(ValueError):
        network_graph_svg(cache.a, delta, 0.5, **args)
