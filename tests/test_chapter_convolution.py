"""The convolution chapter's checks catch wrong formulas: each test injects one fault (a source edit in a private
copy) into the reference code or the generator and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "convolution.md"
ALL = {"structure", "forward", "shared", "input-grad", "two-d", "channels", "fd-table", "fd-matrix", "beyond", "ex1", "ex2", "ex3", "ex4"}
CONV, GEN = "backprop/conv.py", "generators/convolution.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("convolution")
    assert not failures, [f.report() for f in failures]
    assert ALL == outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    # Material gives every column at least 5rem: a fourth column scrolls sideways on a 375 px phone.
    assert max(row.count("|") - 1 for text in outputs.values() for row in text.splitlines()
               if re.fullmatch(r"\|(?: :?--:? \|)+", row)) <= 3
    assert re.search(r'<svg\b[^>]*\bstyle="[^"]*; min-width: 24rem"', outputs["two-d"])  # T(K) scrolls, labels stay legible
    # Hand-worked on the page's 1-D example: z_1 = 1·2 − 2·1 + 3·(−1), ∂J/∂w_1 = Σ δ_i x_i = 2 + 2 − 1 + 9.
    assert values["convolution.z"]["cells"][0] == ["-3"]
    assert values["convolution.dw"]["cells"][0] == ["8"]
    # ∂J/∂x_1 = w_1 δ_1 and ∂J/∂x_6 = w_3 δ_4: the edges receive one term each.
    assert values["convolution.dx"]["cells"][0] == ["1"] and values["convolution.dx"]["cells"][5] == ["9"]
    assert values["convolution.T2"]["shape"] == [9, 16]


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "convolution/([a-z0-9-]+)\.md"', text)) == ALL
    for label in ("C1", "C2", "C3", "C4"):
        assert text.count(f"\\tag{{{label}}}") == 1, label  # each of the chapter's own labels is stated once
    assert len(re.findall(r"\[\[answer:convolution\.", text)) >= 3
    assert '!!! success "Shape check"' in text
    for section in ("corr1d", "toeplitz1d", "backward1d", "tied", "im2col", "conv_forward", "conv_backward", "col2im"):
        assert f'--8<-- "scripts/backprop/conv.py:{section}"' in text


FAULTS = [
    # (C3) with the kernel not flipped: every shape stays right.
    ([Fault(CONV, "dx = full1d(delta, flip(w))", "dx = full1d(delta, w)")],
     {"input-grad": "(C3) vs FD", "ex2": "∂J/∂x vs FD", "fd-table": "input gradient vs FD"}),
    # (C3) as a valid correlation: too short.
    ([Fault(CONV, "dx = full1d(delta, flip(w))", "dx = corr1d(delta, flip(w))")],
     {"input-grad": "(C3) vs FD", "ex2": "∂J/∂x vs FD", "fd-table": "input gradient vs FD"}),
    # 2-D: the kernel not turned, or flipped along one axis only.
    ([Fault(CONV, "dx = full2d(delta, flip(K))", "dx = full2d(delta, K)")],
     {"two-d": "(C3) in 2-D vs FD", "ex3": "∂J/∂x vs FD", "fd-table": "input gradient vs FD"}),
    ([Fault(CONV, "dx = full2d(delta, flip(K))", "dx = full2d(delta, K[::-1])")], {"two-d": "(C3) in 2-D vs FD", "ex3": "∂J/∂x vs FD"}),
    # (C2) slid the wrong way round: the weight gradient reversed.
    ([Fault(CONV, "dw = corr1d(x, delta)", "dw = flip(corr1d(x, delta))")],
     {"shared": "(C2) vs FD", "ex2": "∂J/∂w vs FD", "fd-table": "kernel gradient vs FD"}),
    ([Fault(CONV, "dK = corr2d(x, delta)", "dK = flip(corr2d(x, delta))")], {"two-d": "(C2) in 2-D vs FD", "ex3": "∂J/∂K vs FD"}),
    # The shared weight's gradient averaged over its positions instead of summed.
    ([Fault(CONV, "G[pattern == j].sum()", "G[pattern == j].mean()")], {"shared": "(C2) = tied sum", "two-d": "2-D (C2) = tied sum"}),
    ([Fault(CONV, "dW = Delta @ P.T", "dW = Delta @ P.T / P.shape[1]")], {"channels": "(C4) ∂J/∂W = Δ Pᵀ vs FD"}),
    ([Fault(CONV, "db = Delta.sum(axis=1, keepdims=True)", "db = Delta.mean(axis=1, keepdims=True)")], {"channels": "∂J/∂b = Δ 1 vs FD"}),
    # col2im overwriting instead of adding: overlapping windows lose their sum.
    ([Fault(CONV, "dx[:, i:i + k1, j:j + k2] +=", "dx[:, i:i + k1, j:j + k2] =")],
     {"channels": "∂J/∂x = col2im(Wᵀ Δ) vs FD", "fd-table": "input gradient vs FD"}),
    # The structured matrices built wrong: the kernel reversed in T, a block one row off in the 2-D matrix.
    ([Fault(CONV, "T[i, i:i + k] = w", "T[i, i:i + k] = w[::-1]")],
     {"forward": "sliding window = T(w) x", "input-grad": "(C3) = T(w)ᵀ δ", "fd-matrix": "input gradient = Tᵀ δ"}),
    ([Fault(CONV, "(i + a) * n2:(i + a + 1) * n2]", "(i + a - a * (i > 0)) * n2:(i + a - a * (i > 0) + 1) * n2]")],
     {"two-d": "sliding window = T(K) vec(x)"}),
    # The forward pass off by one position, and the im2col windows read in the wrong order.
    ([Fault(CONV, "for i in range(x.shape[0] - k + 1)])", "for i in range(x.shape[0] - k)])")], {"forward": "sliding window = T(w) x"}),
    ([Fault(CONV, "x[:, i:i + k1, j:j + k2].reshape(-1)", "x[:, i:i + k1, j:j + k2].transpose(0, 2, 1).reshape(-1)")],
     {"channels": "W P + b 1ᵀ = channel by channel", "two-d": "sliding window = P(x)ᵀ vec(K)"}),
    # The chapter's own claims, each made false in the generator.
    ([Fault(GEN, "no_flip, valid = full1d(delta, w),", "no_flip, valid = full1d(delta, flip(w)),")],
     {"input-grad": "kernel not flipped: wrong"}),
    ([Fault(GEN, "corr1d(delta, flip(w))\n", "full1d(delta, flip(w))\n")], {"input-grad": "valid, not full: too short"}),
    ([Fault(GEN, "full2d(delta, K), fd_x", "full2d(delta, flip(K)), fd_x")], {"two-d": "2-D kernel not turned: wrong"}),
    ([Fault(GEN, "full2d(delta, K[::-1]), fd_x", "full2d(delta, flip(K)), fd_x")], {"two-d": "flipped on one axis: wrong"}),
    ([Fault(GEN, '"δ slid the wrong way: reversed", flip(dw)', '"δ slid the wrong way: reversed", dw')],
     {"shared": "δ slid the wrong way"}),
    ([Fault(GEN, 'np.convolve(x, w, "valid"), z, min_rel', 'np.correlate(x, w, "valid"), z, min_rel')],
     {"forward": "true convolution ≠ correlation"}),
    ([Fault(GEN, "full1d(delta, flip(w))[p:-p]", "full1d(delta, flip(w))[:-2 * p]")], {"beyond": "padding 1"}),
    ([Fault(GEN, "kept[::s] = d_s", "kept[:d_s.size] = d_s")], {"beyond": "on δ spread out"}),
    ([Fault(GEN, "short = full1d(d_s, flip(w))", "short = full1d(kept, flip(w))")], {"beyond": "wrong length"}),
    ([Fault(GEN, "np.roll(T[i - 1], 1), T[i]", "np.roll(T[i - 1], 2), T[i]")], {"structure": "row i of T(w)"}),
    ([Fault(GEN, "[P, c2[2]]).T)", "[P, P]).T)")], {"channels": "two images"}),
    ([Fault(GEN, '"T(w) x", [T.shape, (x.size, 1)]', '"T(w) x", [T.shape, (1, x.size)]')], {"forward": "T(w) x"}),
    # The shared-weight table's last column shows the row's sum as (C2): a row summing the wrong entries is caught.
    ([Fault(GEN, "terms = G[pattern == j]\n", "terms = G[pattern == j][1:]\n")], {"shared": "the sum of its entries of δ xᵀ = (C2)"}),
    # The matrix table's product Tᵀ δ with T untransposed.
    ([Fault(GEN, ': Tᵀ δ", [T.T.shape,', ': Tᵀ δ", [T.shape,')], {"fd-matrix": "Tᵀ δ"}),
    ([Fault(GEN, 'ctx.check.weight_gradient("∂J/∂w has w\'s shape", dw, w,', 'ctx.check.weight_gradient("∂J/∂w has w\'s shape", G, w,')],
     {"shared": "∂J/∂w has w's shape"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("convolution", faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('{"reversed-correlation": flip(dw)}', '{"reversed-correlation": dw}', "ex2"),
    ('{"kernel-not-flipped": full1d(delta, w),', '{"kernel-not-flipped": dx,', "ex2"),
    ('{"shared-mean": float(delta.mean())}', '{"shared-mean": float(delta.sum())}', "ex2"),
    ('{"untied-gradient": T.shape}', '{"untied-gradient": K.shape}', "ex1"),
    ('"same-size": x.shape}', '"same-size": z.shape}', "ex1"),
    ('{"kernel-not-flipped": full2d(delta, K)}', '{"kernel-not-flipped": dx}', "ex3"),
    ('"channels-missing": (P.shape[0] // x.shape[0], P.shape[1])', '"channels-missing": P.shape', "ex4"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught("convolution", [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
