"""The autodiff chapter's checks catch wrong layers, a wrong autodiff and wrong counts: each test injects one fault
(a source edit in a private copy) and names the check, in each artifact, that must catch it."""

import re
from pathlib import Path

import pytest

from chapter_tools import MISTAKE_IS_ANSWER, Fault, assert_caught, run_chapter

PAGE = Path(__file__).resolve().parents[1] / "docs" / "autodiff.md"
ALL = {"graph", "layers", "jacobian-size", "modes", "modes-ratio", "jacobians", "random", "ex1", "ex2", "ex3", "ex4"}
LAY, AD, GEN, NET = "backprop/layers.py", "backprop/autodiff.py", "generators/autodiff.py", "backprop/network.py"


def test_chapter_builds_clean():
    outputs, values, failures = run_chapter("autodiff")
    assert not failures, [f.report() for f in failures]
    assert ALL <= outputs.keys()
    assert all("checks passed" in text for text in outputs.values())
    # Material gives every column at least 5rem: a fourth column scrolls sideways on a 375 px phone.
    assert max(row.count("|") - 1 for text in outputs.values() for row in text.splitlines()
               if re.fullmatch(r"\|(?: :?--:? \|)+", row)) <= 3
    assert values["autodiff.ex4_reverse"]["expect"]["text"] == "1"
    n_last = int(values["autodiff.n_last"]["text"])
    assert float(values["autodiff.ratio_last"]["text"]) > n_last / 4  # forward mode: about n times reverse mode


def test_page_structure():
    text = PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r'--8<-- "autodiff/([a-z0-9-]+)\.md"', text)) == ALL
    assert len(re.findall(r"\[\[answer:autodiff\.", text)) >= 3
    assert '!!! success "Shape check"' in text and text.index('!!! abstract "The answer"') < text.index("## ")
    for section in ("linear", "activation", "loss", "network", "var", "ops", "backward", "jvp", "count"):
        assert f':{section}"' in text
    prose = re.sub(r"```.*?```|\(https?://[^)]*\)|section [\d.]+", "", text, flags=re.DOTALL)  # code, links, cited sections
    assert not re.search(r"(?<![\w.])\d+\.\d+", prose), "a decimal number is typed in the page"


FAULTS = [
    # (B3) in the layer pair off by 0.1 %: every shape right.
    ([Fault(LAY, "dW = delta @ a_prev.T", "dW = 1.001 * delta @ a_prev.T")],
     {"layers": "dW(1), layers = (B1)-(B4)", "random": "layers dW = backward()"}),
    # The activation's backward without g′.
    ([Fault(LAY, "return da * g.prime(z)", "return da")], {"layers": "delta(1), layers = (B1)-(B4)"}),
    # The softmax's vector-Jacobian product with the diagonal only.
    ([Fault(LAY, "return a * (da - (a * da).sum(axis=0, keepdims=True))", "return a * da")],
     {"layers": "relu, softmax; softmax cross entropy: delta(1)"}),
    # (B4) as a mean over the batch.
    ([Fault(LAY, "db = delta.sum(axis=1, keepdims=True)  # (B4)", "db = delta.mean(axis=1, keepdims=True)  # (B4)")],
     {"layers": "db(1), layers = (B1)-(B4)"}),
    # The mean's 1/m forgotten in the loss's backward.
    ([Fault(LAY, "return scale * L.grad(a, y)", "return L.grad(a, y)")], {"layers": "delta(1), layers = (B1)-(B4)"}),
    # autodiff: a value used twice keeps only the last gradient that reached it.
    ([Fault(AD, "parent.grad = g if parent.grad is None else parent.grad + g", "parent.grad = g")],
     {"ex3": "∂J/∂x vs FD"}),
    # autodiff: the bias gradient not summed over the batch.
    ([Fault(AD, "return P, lambda dP: np.broadcast_to(dP, dP.shape[:-2] + out.shape), lambda G: unbroadcast(G, P.shape)",
            "return P, lambda dP: np.broadcast_to(dP, dP.shape[:-2] + out.shape), lambda G: G")],
     {"random": "autodiff db = backward()"}),
    # autodiff: an activation's vjp without its local Jacobian.
    ([Fault(AD, "[(A, lambda dA: _mul(local, dA), lambda G: _mul(G, local))]", "[(A, lambda dA: _mul(local, dA), lambda G: G)]")],
     {"graph": "graph ∂J/∂z(2) = δ(2)", "random": "autodiff dW = backward()"}),
    # autodiff: matmul's vjp by the right factor with A instead of Aᵀ (square W hides it from the shapes).
    ([Fault(AD, "lambda G: _mm(A.value.T, G)", "lambda G: _mm(A.value, G)")], {"ex2": "∂J/∂a = Wᵀ δ vs FD"}),
    # autodiff: nodes visited in the wrong order (discovery order, not creation order).
    ([Fault(AD, "return sorted(found.values(), key=lambda v: v.index)", "return list(found.values())")], {"graph": ""}),
    # Forward mode: only the first of two incoming tangents pushed on.
    ([Fault(AD, "(sum(pushed[1:], pushed[0]) if pushed else None)", "(pushed[0] if pushed else None)")],
     {"modes": "forward = reverse mode"}),
    # Forward mode seeded with the same direction twice: not n different passes.
    ([Fault(AD, "seeds = np.eye(sum(sizes))", "seeds = np.eye(sum(sizes))[::-1]")], {"modes": "forward = reverse mode"}),
    # The multiplication counter misses the inner dimension of a matrix product.
    ([Fault(AD, "_multiplications[0] += C.size * A.shape[-1]", "_multiplications[0] += C.size")],
     {"jacobian-size": "Δ Aᵀ: d_l m d_(l-1) multiplications"}),
    # The counter counts nothing for products entry by entry.
    ([Fault(AD, "    C = A * B\n    _multiplications[0] += C.size\n", "    C = A * B\n")],
     {"modes": "forward pass counted = by hand"}),
    # (B1)-(B4) themselves wrong: then the graph, the layers and autodiff disagree with backward().
    ([Fault(NET, "(W[l + 1].T @ delta[l + 1]) * g[l].prime(z[l])", "(W[l + 1].T @ delta[l + 1])")],
     {"graph": "graph ∂J/∂z(1) = δ(1)", "layers": "delta(1), layers = (B1)-(B4)", "modes": "reverse mode = backward()"}),
    # The chapter's own claims, each made false in the generator.
    ([Fault(GEN, "return d_l * m * d_l * d_prev", "return d_l * d_l * d_prev")], {"jacobian-size": "jacobian_entries()"}),
    ([Fault(GEN, "Wt_delta2 = cache.a[2] - y, net.W[2].T @ g.delta[2]", "Wt_delta2 = cache.a[2] - y, net.W[2].T @ g.delta[2] * 2")],
     {"graph": "graph ∂J/∂a(1) = W(2)ᵀ δ(2)"}),
    ([Fault(GEN, "delta @ x.T, tol=EXACT)", "x @ delta.T, tol=EXACT)")], {"jacobian-size": "Σ_k δ_k ∂z_k/∂W"}),
    ([Fault(GEN, "cheaper == (d_in < d_out)", "cheaper == (d_in > d_out)")], {"jacobians": "fewer passes, fewer multiplications"}),
    ([Fault(GEN, "abs(slopes[1] - 2) < 0.2", "abs(slopes[1] - 1) < 0.2")], {"modes": "forward mode like n²"}),
    # The ratio table: a network with a wider output has other n; forward mode counted 8 times too cheap; rows out of order.
    ([Fault(GEN, "example([width, width, width, 2],", "example([width, width, width, 3],")], {"modes-ratio": "n = 2(w + 1)² parameters"}),
    ([Fault(GEN, "    T = made()\n", "    T = made() // 8\n")], {"modes-ratio": "between n/4 and n times reverse mode"}),
    ([Fault(GEN, "ratios.append(ratio)", "ratios.insert(0, ratio)")], {"modes-ratio": "the ratio grows with n"}),
    ([Fault(GEN, "n = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in (1, 2))", "n = sum(sizes[l] * sizes[l - 1] for l in (1, 2))")],
     {"ex4": "n: every parameter"}),
    ([Fault(GEN, "x.grad, EX3_W.T @ r_ + r_, tol=0.0", "x.grad, EX3_W.T @ r_, tol=0.0")], {"ex3": "∂J/∂x = Wᵀ r + r"}),
]


@pytest.mark.parametrize(("faults", "expected"), FAULTS, ids=[f"fault{i}" for i in range(len(FAULTS))])
def test_fault_is_caught(faults, expected):
    assert_caught("autodiff", faults, expected)


@pytest.mark.parametrize(("old", "new", "name"), [
    ('mistakes={"transpose": dW.T.shape})', 'mistakes={"transpose": dW.shape})', "ex1"),
    ('"upstream-shape": z.shape}', '"upstream-shape": da_prev.shape}', "ex1"),
    ('mistakes={"bias-not-summed": z.shape}', 'mistakes={"bias-not-summed": db.shape}', "ex1"),
    ('mistakes={"no-transpose": EX2_W @ EX2_DELTA}', 'mistakes={"no-transpose": EX2_W.T @ EX2_DELTA}', "ex2"),
    ('mistakes={"one-path": EX3_W.T @ r_}', 'mistakes={"one-path": EX3_W.T @ r_ + r_}', "ex3"),
    ('mistakes={"modes-swapped": 1, "weights-only": weights}', 'mistakes={"modes-swapped": n, "weights-only": weights}', "ex4"),
])
def test_a_mistake_equal_to_the_answer_is_caught(old, new, name):
    assert_caught("autodiff", [Fault(GEN, old, new)], {name: MISTAKE_IS_ANSWER})
