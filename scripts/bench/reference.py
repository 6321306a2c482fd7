"""Reference code: one batched training step of an MLP against its GEMM lower bound and a per-example loop.

The network is 784-512-512-10 (ReLU, ReLU, softmax with cross-entropy), batch 512, in
float32 and float64, computed with scripts/backprop (forward, backward). Figures:

* step / GEMM: forward + backward against the matrix products the step cannot avoid
  (forward W a for each layer; backward delta a^T for each layer and W^T delta for every
  layer but the first), timed in the same rounds. Target <= 1.2.
* loop / batched: the same gradients computed one column at a time and summed, against
  the batched step, in the same rounds. Target >= 20.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import sys
import time

import numpy as np
from common import REPO, SectionResult, interleaved, log, median, ms, openblas_threads, paired_ratios, spread

sys.path.insert(0, str(REPO / "scripts"))

from backprop.network import Network, backward, forward, gradients, init_network  # noqa: E402

SIZES = (784, 512, 512, 10)
ACTIVATIONS = ("relu", "relu", "softmax")
LOSS = "softmax_cross_entropy"
BATCH = 512
STEP_TARGET = 1.2
LOOP_TARGET = 20.0
NETWORK_PY = REPO / "scripts" / "backprop" / "network.py"


def make_problem(dtype, batch: int = BATCH, seed: int = 0):
    base = init_network(list(SIZES), list(ACTIVATIONS), loss=LOSS, seed=seed)
    net = Network(
        W=[None] + [w.astype(dtype) for w in base.W[1:]],
        b=[None] + [b.astype(dtype) for b in base.b[1:]],
        activations=list(base.activations),
        loss=base.loss,
    )
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((SIZES[0], batch)).astype(dtype)
    y = np.zeros((SIZES[-1], batch), dtype=dtype)
    y[rng.integers(0, SIZES[-1], batch), np.arange(batch)] = 1
    return net, x, y


def step(net, x, y):
    return backward(net, forward(net, x), y)


def dtype_audit(net, x, y, dtype) -> list[str]:
    """Names of every intermediate array whose dtype is not `dtype` (an upcast)."""
    cache = forward(net, x)
    grads = backward(net, cache, y)
    bad = []
    for name, arrays in (("z", cache.z), ("a", cache.a), ("delta", grads.delta), ("dW", grads.dW), ("db", grads.db)):
        for l, arr in enumerate(arrays):
            if arr is not None and arr.dtype != dtype:
                bad.append(f"{name}[{l}] is {arr.dtype}")
    return bad


def gemm_bound(net, x, y):
    """A closure running only the unavoidable products, on arrays of the real shapes and values."""
    cache = forward(net, x)
    grads = backward(net, cache, y)
    W, a, d, L = net.W, cache.a, grads.delta, net.L

    def products():
        for l in range(1, L + 1):
            W[l] @ a[l - 1]  # forward (F1) without the bias and activation
        for l in range(L, 0, -1):
            d[l] @ a[l - 1].T  # (B3)
            if l > 1:
                W[l].T @ d[l]  # (B2) without g'(z); the first layer's dX is not needed

    return products


def per_example(net, x, y):
    """Gradients one column at a time, summed: what a loop over examples costs."""
    L = net.L

    def loop():
        dW = [None] + [np.zeros_like(w) for w in net.W[1:]]
        db = [None] + [np.zeros_like(b) for b in net.b[1:]]
        for i in range(x.shape[1]):
            g = gradients(net, x[:, i : i + 1], y[:, i : i + 1])
            for l in range(1, L + 1):
                dW[l] += g.dW[l]
                db[l] += g.db[l]
        return dW, db

    return loop


def max_rel_diff(a_list, b_list) -> float:
    worst = 0.0
    for a, b in zip(a_list[1:], b_list[1:], strict=True):
        a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        worst = max(worst, float(np.max(np.abs(a64 - b64)) / max(float(np.max(np.abs(b64))), 1e-300)))
    return worst


def _label_lines() -> dict[str, int]:
    """Line numbers of the equation labels (F1) ... (B4) in network.py, for the anatomy table."""
    lines = {}
    for i, line in enumerate(NETWORK_PY.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue  # a comment about an equation, not the code that computes it
        for m in re.finditer(r"# \((F\d|B\d)\)", line):
            lines.setdefault(m[1], i)
    return lines


def anatomy(net, x, y, reps: int) -> list[tuple[str, float]]:
    """Median time of each operation of one step, done exactly as forward/backward do it.

    The point is to see what besides the GEMMs costs time, and on which line.
    """
    from backprop.losses import output_delta

    lines = _label_lines()
    at = {k: f"network.py:{v}" for k, v in lines.items()}
    W, b, g, L = net.W, net.b, net.g, net.L
    cache = forward(net, x)
    z, a = cache.z, cache.a
    grads = backward(net, cache, y)
    delta = grads.delta
    ops: list[tuple[str, object]] = []
    for l in range(1, L + 1):
        ops.append((f"W[{l}] @ a[{l - 1}]  (F1, {at.get('F1', '?')})", lambda l=l: W[l] @ a[l - 1]))
        ops.append((f"+ b[{l}]  (F1, {at.get('F1', '?')})", lambda l=l: z[l] + b[l]))
        ops.append((f"g[{l}] = {net.activations[l]}(z[{l}])  (F2, {at.get('F2', '?')})", lambda l=l: g[l](z[l])))
    ops.append((f"output_delta  (B1, {at.get('B1', '?')})", lambda: output_delta(net.loss, g[L], z[L], a[L], y)))
    for l in range(L, 0, -1):
        if l < L:
            ops.append((f"W[{l + 1}].T @ delta[{l + 1}]  (B2, {at.get('B2', '?')})", lambda l=l: W[l + 1].T @ delta[l + 1]))
            ops.append((f"g[{l}].prime(z[{l}])  (B2, {at.get('B2', '?')})", lambda l=l: g[l].prime(z[l])))
            prime = g[l].prime(z[l])
            up = W[l + 1].T @ delta[l + 1]
            ops.append((f"(...) * g'(z[{l}])  (B2, {at.get('B2', '?')})", lambda up=up, prime=prime: up * prime))
        ops.append((f"delta[{l}] @ a[{l - 1}].T  (B3, {at.get('B3', '?')})", lambda l=l: delta[l] @ a[l - 1].T))
        ops.append((f"delta[{l}].sum(axis=1)  (B4, {at.get('B4', '?')})", lambda l=l: delta[l].sum(axis=1, keepdims=True)))
    times = {name: [] for name, _ in ops}
    for fn in (f for _, f in ops):
        fn()
    for _ in range(reps):
        for name, fn in ops:
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return [(name, median(ts)) for name, ts in times.items()]


def profile_step(net, x, y, n: int = 10, top: int = 12) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        step(net, x, y)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    # Keep the table, drop pstats' preamble lines that carry nothing.
    return "\n".join(ln for ln in text.splitlines() if ln.strip() and "Ordered by" not in ln and "List reduced" not in ln)


def measure(res: SectionResult, dtype, reps: int, prefix: str) -> tuple[bool, bool]:
    """Adds the rows for one dtype (and BLAS setting); returns (step/GEMM ok, loop/batched ok)."""
    name = np.dtype(dtype).name
    net, x, y = make_problem(dtype)
    bad = dtype_audit(net, x, y, dtype)
    res.add(f"{prefix}: dtype preserved through forward/backward", "yes" if not bad else "no: " + "; ".join(bad[:4]),
            "every z, a, δ, dW, db checked", f"all {name}", not bad)
    loop = per_example(net, x, y)
    dW_loop, db_loop = loop()
    grads = step(net, x, y)
    agree = max(max_rel_diff(dW_loop, grads.dW), max_rel_diff(db_loop, grads.db))
    batched = lambda: step(net, x, y)  # noqa: E731
    products = gemm_bound(net, x, y)
    for _ in range(2):  # warm-up (the loop, 512 passes, warms itself)
        batched()
        products()
    times = interleaved({"step": batched, "gemm": products, "loop": loop}, reps=reps, warmup=0)
    t_step, t_gemm, t_loop = median(times["step"]), median(times["gemm"]), median(times["loop"])
    r_gemm = median(paired_ratios(times["step"], times["gemm"]))
    r_loop = median(paired_ratios(times["loop"], times["step"]))
    res.add(f"{prefix}: batched step (forward + backward)", ms(t_step), f"range {spread([t * 1e3 for t in times['step']])} ms")
    res.add(f"{prefix}: GEMM lower bound", ms(t_gemm), f"range {spread([t * 1e3 for t in times['gemm']])} ms")
    res.add(f"{prefix}: per-example loop (512 columns)", ms(t_loop),
            f"range {spread([t * 1e3 for t in times['loop']])} ms; sum of its gradients = batched to {agree:.1e} (rel.)")
    ok_gemm, ok_loop = r_gemm <= STEP_TARGET, r_loop >= LOOP_TARGET
    res.add(f"{prefix}: step / GEMM ratio", f"{r_gemm:.2f}", "median of per-round ratios", f"≤ {STEP_TARGET}", ok_gemm)
    res.add(f"{prefix}: loop / batched ratio", f"{r_loop:.1f}", "median of per-round ratios", f"≥ {LOOP_TARGET:g}", ok_loop)
    return ok_gemm, ok_loop


def _anatomy_block(title: str, table: list[tuple[str, float]]) -> str:
    total = sum(t for _, t in table)
    lines = [f"{title} (medians; sum {total * 1e3:.2f} ms):"]
    lines += [f"  {t * 1e3:8.3f} ms  {t / total * 100:5.1f}%  {label}" for label, t in table]
    return "\n".join(lines)


def run(quick: bool = False) -> SectionResult:
    res = SectionResult("reference", "Reference code: MLP 784-512-512-10, batch 512")
    reps = 2 if quick else 9
    blas = openblas_threads()
    default_threads = blas[0]() if blas else None
    res.notes.append(
        f"scripts/backprop forward + backward, {'/'.join(ACTIVATIONS)} with {LOSS}; batch {BATCH}. "
        f"Medians of {reps} interleaved rounds (step, GEMM bound, loop; order reversed every other round) after two warm-ups. "
        "GEMM bound = the 8 products W·a (3), δ·aᵀ (3), Wᵀ·δ (2) on arrays of the real shapes; "
        "loop = `gradients()` on one column at a time, summed."
    )
    settings = [(None, "")]
    if blas and default_threads and default_threads > 1 and not quick:
        settings.append((1, ", 1 BLAS thread"))
        res.notes.append(
            f"OpenBLAS runs {default_threads} threads by default here (rows without a thread count). On a shared 2-core "
            "machine a multi-threaded GEMM stalls whenever another process holds a core, so the rows marked "
            "'1 BLAS thread' repeat the measurement with openblas_set_num_threads(1) (through ctypes; no environment "
            "variable is changed) and are the steadier figures."
        )
    missed = []
    steady = settings[-1][0]  # profile the steadiest setting only: with 1 thread, contention does not distort the figures
    try:
        for threads, suffix in settings:
            if threads is not None:
                blas[1](threads)
            for dtype in (np.float32, np.float64):
                name = np.dtype(dtype).name
                log(f"reference {name}{suffix}")
                ok_gemm, ok_loop = measure(res, dtype, reps if threads is None else max(reps - 2, 2), f"{name}{suffix}")
                if (not ok_gemm or not ok_loop) and not quick and threads == steady:
                    missed.append((name, suffix, dtype, ok_gemm, ok_loop, threads))
    finally:
        if blas and default_threads:
            blas[1](default_threads)
    profiled = set()
    for name, suffix, dtype, ok_gemm, ok_loop, threads in missed:
        if (name, ok_gemm, ok_loop) in profiled:
            continue
        profiled.add((name, ok_gemm, ok_loop))
        if threads is not None:
            blas[1](threads)
        try:
            net, x, y = make_problem(dtype)
            if not ok_gemm:
                log(f"profiling the {name}{suffix} step")
                res.profiles.append(_anatomy_block(f"{name}{suffix}: one batched step, operation by operation",
                                                   anatomy(net, x, y, reps=15)))
                res.profiles.append(f"cProfile of 10 {name}{suffix} steps, by own time:\n" + profile_step(net, x, y))
            if not ok_loop:
                log(f"profiling the {name}{suffix} per-example loop")
                one = anatomy(net, x[:, :1], y[:, :1], reps=200)
                g = gradients(net, x[:, :1], y[:, :1])
                acc = [np.zeros_like(w) for w in net.W[1:]]
                t = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    for l in range(1, net.L + 1):
                        acc[l - 1] += g.dW[l]
                    t.append(time.perf_counter() - t0)
                one.append(("dW[l] += g.dW[l] for every layer  (the loop's sum, reference.py)", median(t)))
                batched = anatomy(net, x, y, reps=9)
                per_col = sum(tt for _, tt in batched) / x.shape[1]
                res.profiles.append(_anatomy_block(
                    f"{name}{suffix}: one example (m = 1) of the per-example loop, operation by operation; "
                    f"the batched step costs {per_col * 1e3:.3f} ms per example", one))
        finally:
            if blas and default_threads:
                blas[1](default_threads)
    return res
