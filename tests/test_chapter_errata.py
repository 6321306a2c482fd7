"""The errata chapter: its checks catch wrong formulas; its footnotes and quoted numbers stay consistent."""

import re
from pathlib import Path

import pytest

from chapter_tools import Fault, failed, run_chapter

ARTIFACTS = {"question", "answer1", "dz-dwij", "answer2", "output-delta", "wild", "blog", "ex1", "ex2", "ex3"}
PAGE = Path(__file__).resolve().parents[1] / "docs" / "errata.md"


@pytest.fixture(scope="module")
def clean():
    return run_chapter("errata")


def test_chapter_builds_clean(clean):
    outputs, _, failures = clean
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert all("checks passed" in outputs[name] for name in ARTIFACTS)


def test_every_footnote_is_defined_and_used():
    page = PAGE.read_text(encoding="utf-8")
    defined = set(re.findall(r"^\[\^([a-z0-9]+)\]:", page, re.M))
    used = set(re.findall(r"\[\^([a-z0-9]+)\](?!:)", page))
    assert used == defined, (used ^ defined)


def test_every_cited_value_exists(clean):
    _, values, _ = clean
    cited = set(re.findall(r"\[\[(?:val|answer|shape):(errata\.[A-Za-z0-9_]+)", PAGE.read_text(encoding="utf-8")))
    assert cited and cited <= values.keys(), cited - values.keys()


def test_the_opinion_is_a_disputed_claim_not_an_erratum():
    page = PAGE.read_text(encoding="utf-8")
    tables = "\n".join(line for line in page.splitlines() if line.startswith("|"))
    assert "more common" not in tables
    assert re.search(r"^### A disputed claim", page, re.M)


def test_blog_numbers_are_reproduced_not_typed(clean):
    _, values, _ = clean
    text = {k.removeprefix("errata.blog_"): v.get("text") for k, v in values.items() if k.startswith("errata.blog_")}
    assert text["one_upd"] == text["one_printed"] != text["one_orig"]  # the print needs the updated weights
    assert text["many_upd"] == text["many_printed"] != text["many_orig"]
    assert text["initial"] == text["initial_printed"]


def test_wrong_sigmoid_slope_is_caught():
    _, _, failures = run_chapter("errata", Fault("backprop/activations.py", "return s * (1 - s)  # sigma'", "return s  # sigma'"))
    assert {"question", "dz-dwij", "answer1", "ex2"} <= failed(failures)


def test_wrong_sigmoid_is_caught_by_the_blog_transcription():
    # A different squashing function cannot reproduce the blog's printed initial error.
    _, _, failures = run_chapter("errata", Fault("backprop/activations.py", "return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
                                                 "return 0.5 * (1 + np.tanh(z))"))
    assert {"wild", "blog"} <= failed(failures)


def test_unnormalised_softmax_is_caught():
    # exp(z) without the division: ŷ − y would no longer be the gradient of cross-entropy.
    _, _, failures = run_chapter("errata", Fault("backprop/activations.py", "return e / np.sum(e, axis=0, keepdims=True)", "return e"))
    assert {"output-delta", "wild"} <= failed(failures)


def test_wrong_relu_is_irrelevant_here():
    # A control: the errata never use ReLU, so breaking it must not fail anything.
    _, _, failures = run_chapter("errata", Fault("backprop/activations.py",
                                                 "return np.asarray(z > 0, dtype=np.result_type(z, np.float32))",
                                                 "return np.ones_like(z)"))
    assert not failures


def test_printed_sign_taken_for_the_correction_is_caught():
    _, _, failures = run_chapter("errata", Fault("generators/errata.py", "-2 * U.T @ (X - U @ V), numeric)",
                                                 "2 * U.T @ (X - U @ V), numeric)"))
    assert failed(failures) == {"wild"}
    _, _, failures = run_chapter("errata", Fault("generators/errata.py", "right = -2 * (xs - us * vs) * us",
                                                 "right = 2 * (xs - us * vs) * us"))
    assert failed(failures) == {"ex3"}


def test_swapped_outer_product_is_caught_although_the_shapes_fit():
    _, _, failures = run_chapter("errata", Fault("generators/errata.py", "right, swapped = delta @ x.T, x @ delta.T",
                                                 "right, swapped = x @ delta.T, delta @ x.T"))
    assert failed(failures) == {"ex1"}


def test_a_misread_blog_value_is_caught():
    _, _, failures = run_chapter("errata", Fault("generators/errata.py", "after_one=0.291027924", "after_one=0.291027925"))
    assert failed(failures) == {"blog"}
