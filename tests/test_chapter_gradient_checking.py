"""The gradient-checking chapter's checks catch wrong formulas: in the reference code (finite differences,
the relative error, the activations) and in the generator. Every fault is a source edit (chapter_tools.Fault)."""

from chapter_tools import Fault, assert_report_names_page_line, failed, message, run_chapter

NS = "gradient_checking"
GEN = "generators/gradient_checking.py"
ARTIFACTS = {"step-size", "relative-error", "thresholds", "depth", "kink", "ex1", "ex2", "ex3", "ex4"}


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter(NS)
    assert not failures, [f.report() for f in failures]
    assert ARTIFACTS <= outputs.keys()
    assert "<svg" in outputs["step-size"] and "checks passed" in outputs["depth"]
    # The fitted slopes are near 2 (central) and 1 (forward).
    assert abs(float(values[f"{NS}.slope_float64_central"]["text"]) - 2) < 0.1
    assert abs(float(values[f"{NS}.slope_float64_forward"]["text"]) - 1) < 0.1
    # CS231n's bands, read for each case: a right float64 gradient is "happy", the bugs are "probably wrong".
    assert values[f"{NS}.read_f64"]["text"] == "happy" and values[f"{NS}.read_bug_ones"]["text"] == "probably wrong"
    assert values[f"{NS}.ex2_doubled"]["expect"]["text"] == "0.5000" and values[f"{NS}.ex2_flipped"]["expect"]["text"] == "2.0000"
    assert len([v for k, v in values.items() if k.startswith(NS) and v["kind"] == "answer"]) >= 3


def test_wrong_backprop_is_caught():
    # σ'(z) = σ(z): every shape stays right, every number is off.
    _, _, failures = run_chapter(NS, Fault("backprop/activations.py", "return s * (1 - s)  # sigma'", "return s  # sigma'"))
    assert {"step-size", "relative-error", "thresholds", "depth"} <= failed(failures)


def test_forward_differences_posing_as_central_are_caught():
    # numerical_gradient with x − h replaced by x is a forward difference: the fitted slope is 1, not 2.
    _, _, failures = run_chapter(NS, Fault("backprop/gradcheck.py", "x[i] = old - h", "x[i] = old"))
    assert "check 'float64 central: slope ≈ 2' failed" in message(failures, "step-size")


def test_absolute_error_posing_as_relative_is_caught():
    fault = Fault("backprop/gradcheck.py", "return float(np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), tiny)))",
                  "return float(np.max(np.abs(a - n)))")
    _, _, failures = run_chapter(NS, fault)
    assert {"relative-error", "ex2"} <= failed(failures)


def test_a_wrong_sum_form_is_caught():
    # The assignments' floor of 1e-8 raised to 1 swamps the sum: it no longer lies within ½ to 1 of the max form.
    _, _, failures = run_chapter(NS, Fault(GEN, "np.maximum(1e-8, np.abs(a) + np.abs(n))", "np.maximum(1.0, np.abs(a) + np.abs(n))"))
    assert "relative-error" in failed(failures)


def test_a_wrong_band_is_caught():
    # Moving CS231n's "happy" line from 1e-7 to 1e-12 changes the reading of a right float64 gradient.
    _, _, failures = run_chapter(NS, Fault(GEN, "UNEASY, KINKS_ONLY = 1e-2, 1e-4, 1e-7", "UNEASY, KINKS_ONLY = 1e-2, 1e-4, 1e-12"))
    assert "check 'f64 (right): happy' failed" in message(failures, "thresholds")


def test_the_written_out_backward_pass_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "delta2 = (cache.a[2] - y) * cache.a[2] * (1 - cache.a[2])", "delta2 = (cache.a[2] - y)"))
    assert "check '(B1)-(B3) by hand' failed" in message(failures, "thresholds")


def test_wrong_relu_derivative_is_caught():
    # A ReLU whose derivative switches on late (at 1e-5): wrong right next to the kink.
    _, _, failures = run_chapter(NS, Fault("backprop/activations.py", "return np.asarray(z > 0,", "return np.asarray(z > 1e-5,"))
    assert "kink" in failed(failures)


def test_a_point_away_from_the_kink_is_caught():
    # If z(1)_1 were far from the kink, the table would show no crossing: the build refuses to call it a kink.
    _, _, failures = run_chapter(NS, Fault(GEN, "Z_NEAR_KINK, Z_FAR = 3e-6, 0.1", "Z_NEAR_KINK, Z_FAR = 3e-4, 0.1"))
    assert {"kink", "thresholds"} <= failed(failures)


def test_the_depth_trend_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "DEPTHS = (1, 2, 4, 6, 8, 10)", "DEPTHS = (10, 8, 6, 4, 2, 1)"))
    assert "check 'the error grows with depth' failed" in message(failures, "depth")


def test_exercise_1_central_difference_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "return (plus - minus) / (2 * h),", "return (plus - minus) / h,"))
    assert failed(failures) == {"ex1"}


def test_exercise_3_prediction_is_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "predicted = spacing / (2 * g_min)", "predicted = spacing / (2 * g_min) * 1000"))
    assert failed(failures) == {"ex3"}


def test_exercise_4_limits_are_checked():
    _, _, failures = run_chapter(NS, Fault(GEN, "/ np.abs(x[:, 0])  # a step", "* np.abs(x[:, 0])  # a step"))
    assert failed(failures) == {"ex4"}


def test_reports_name_the_page_line():
    _, _, failures = run_chapter(NS, Fault("backprop/gradcheck.py", "x[i] = old - h", "x[i] = old"))
    assert_report_names_page_line(failures, NS, "step-size", "gradient-checking.md")


def test_a_float32_sweep_that_is_secretly_float64_is_caught():
    # If the float32 estimates were computed in float64, float32 would reach float64's accuracy.
    _, _, failures = run_chapter(NS, Fault(GEN, "(A.astype(dtype) for A in P[1:])", "(A.astype('float64') for A in P[1:])"))
    assert "check 'float32 central:" in message(failures, "step-size")
    assert "ex3" in failed(failures)  # and its error never reaches exactly 1
