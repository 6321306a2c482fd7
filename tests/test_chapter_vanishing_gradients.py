"""The checks of docs/vanishing-gradients.md catch a wrong formula."""

from chapter_tools import Fault, failed, run_chapter


def test_chapter_generates_cleanly():
    outputs, values, failures = run_chapter("vanishing_gradients")
    assert not failures, [f.report() for f in failures]
    assert "example" in outputs


def test_a_wrong_derivative_is_caught():
    # σ'(z) written as 1: every shape stays right, only the numbers can tell.
    _, _, failures = run_chapter("vanishing_gradients", Fault("backprop/activations.py", "return s * (1 - s)", "return np.ones_like(s)"))
    assert "example" in failed(failures)
