"""Bring generated/ up to date: run the stale generators, in parallel, each with a time limit.

Each generator runs in its own worker process (book.worker), so an edited generator or
reference module is always seen fresh, an endless loop can be killed, and the cores are
used. The longest generators start first (by the seconds each took last time, recorded in
.cache/, outside generated/), so no core idles at the end while one long generator runs alone.
Outputs depend neither on that order nor on the order in which workers finish. Every failure is
collected and reported together, grouped by what the failures have in common.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from . import cache
from .artifacts import DOCS, GENERATED, REPO, SCRIPTS, SNIPPET_LINE, badge
from .checks import CheckRecord
from .values import REF

DEFAULT_TIMEOUT = 60.0  # seconds per generator; the slowest takes about 2 s on a 2-core machine
CENSUS = "book"
SECONDS = REPO / ".cache" / "book" / "generator-seconds.json"  # how long each generator took last time: order only


@dataclasses.dataclass
class Failure:
    ns: str
    name: str | None
    message: str
    kind: str = "error"
    where: dict | None = None

    def header(self) -> str:
        return f"artifact {self.ns}/{self.name} failed" if self.name else f"generator {self.ns} failed"

    def report(self) -> str:
        pages = used_by(self.ns, self.name) or ["(no page includes it yet)"]
        lines = [self.header(), f"  generator: scripts/generators/{self.ns}.py", f"  used by:   {', '.join(pages[:4])}"
                 + (f" and {len(pages) - 4} more" if len(pages) > 4 else "")]
        if self.where:
            lines.append(f"  raised at: {self.where['file']}:{self.where['line']}: {self.where['code']}")
        lines += ["  " + ln for ln in self.message.rstrip().splitlines()]
        return "\n".join(lines)


@dataclasses.dataclass
class Summary:
    regenerated: list[str]
    fresh: list[str]
    failures: list[Failure]
    written: int
    seconds: float = 0.0


def used_by(ns: str, name: str | None = None) -> list[str]:
    """Pages (docs/file.md:line) that include an artifact or cite a value of `ns`."""
    out = []
    for md in sorted(DOCS.rglob("*.md")):
        for i, line in enumerate(md.read_text(encoding="utf-8").splitlines(), start=1):
            m = SNIPPET_LINE.match(line)
            target = m["target"] if m else ""
            hit = target == f"{ns}/{name}.md" if name else target.startswith(f"{ns}/")
            hit = hit or (name is None and any(r["key"].startswith(f"{ns}.") for r in REF.finditer(line)))
            if hit:
                out.append(f"docs/{md.relative_to(DOCS).as_posix()}:{i}")
    return out


def timeout_default() -> float:
    return float(os.environ.get("BOOK_GENERATOR_TIMEOUT", DEFAULT_TIMEOUT))


@dataclasses.dataclass
class _Job:
    path: Path
    proc: subprocess.Popen
    tmp: Path
    started: float


# One thread of numeric code per worker: the engine runs generators side by side, one per core. Left
# alone, OpenBLAS starts a thread per core in every worker, and on the book's small matrices that thread
# only busy-waits after each call (about 0.1 s of CPU per worker, an eighth of all generation): a spare
# core absorbs it with one job, with two it is taken from the other worker. Set whatever the caller's
# environment says, so that no run's arithmetic depends on it.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def worker_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", **ONE_THREAD}


def _start(path: Path, tmp_root: Path) -> _Job:
    tmp = Path(tempfile.mkdtemp(prefix=path.stem + "-", dir=tmp_root))
    with (tmp / "log.txt").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "book.worker", str(path), str(tmp / "result.json"), str(tmp / "progress.txt")],
                                cwd=REPO, env=worker_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return _Job(path, proc, tmp, time.monotonic())


def _last_artifact(job: _Job) -> tuple[str | None, float | None]:
    """The artifact a worker had started and not finished, and when (seconds into the run)."""
    try:
        lines = (job.tmp / "progress.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None, None
    open_ = None
    for line in lines:
        parts = line.split()
        if parts[0] == "start":
            open_ = (parts[1], float(parts[2]))
        elif parts[0] == "end":
            open_ = None
    return (open_[0], open_[1] - job.started) if open_ else (None, None)


def _log_tail(job: _Job, n: int = 12) -> str:
    try:
        lines = (job.tmp / "log.txt").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def _kill(job: _Job) -> None:
    try:
        os.killpg(job.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    job.proc.wait()


def _finish(job: _Job, timed_out: float | None) -> dict:
    ns = job.path.stem
    if timed_out is not None:
        name, at = _last_artifact(job)
        where = f" while computing artifact {ns}/{name} (started {at:.1f} s into the run)" if name else " while loading the module"
        return {"failures": [{"name": name, "kind": "timeout", "where": None, "message":
                              f"generator scripts/generators/{ns}.py ran longer than its time limit of {timed_out:g} s{where} and was "
                              f"stopped.\nLook for a loop that never ends; set BOOK_GENERATOR_TIMEOUT (seconds) if it is only slow."}]}
    rc = job.proc.returncode
    try:
        return json.loads((job.tmp / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        name, _ = _last_artifact(job)
        if rc is not None and rc < 0:
            sig = signal.Signals(-rc)
            reason = f"was killed by signal {sig.name} ({-rc})" + (" — out of memory?" if sig == signal.SIGKILL else "")
        else:
            reason = f"exited with status {rc} before reporting"
        place = f" in artifact {ns}/{name}" if name else ""
        tail = _log_tail(job)
        message = f"the worker for scripts/generators/{ns}.py {reason}{place}" + (f"\nlast output:\n{tail}" if tail else "")
        return {"failures": [{"name": name, "kind": "crash", "where": None, "message": message}]}


def recorded_seconds() -> dict[str, float]:
    """{ns: seconds} of the last run of each generator; {} when there is no usable record."""
    try:
        data = json.loads(SECONDS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {ns: float(s) for ns, s in data.items()
            if isinstance(ns, str) and isinstance(s, int | float) and not isinstance(s, bool) and math.isfinite(s) and s >= 0}


def record_seconds(seconds: dict[str, float], wanted: set[str]) -> None:
    """Merge this run's durations into the record (dropping generators that no longer exist). Never fails the build."""
    merged = {ns: s for ns, s in {**recorded_seconds(), **seconds}.items() if ns in wanted}
    try:
        cache.write_if_changed(SECONDS, json.dumps({ns: round(s, 3) for ns, s in sorted(merged.items())}, indent=0) + "\n")
    except OSError:
        pass


def schedule(paths: list[Path], seconds: dict[str, float]) -> list[Path]:
    """Longest first, so that with several workers the last to finish is a short one (LPT scheduling).

    A generator with no record (new, or no run yet) goes first: it may be long, and it is usually
    the one being written. Ties keep file order. Only the start order depends on the record."""
    return sorted(paths, key=lambda p: (p.stem in seconds, -seconds.get(p.stem, 0.0)))


def run_workers(paths: list[Path], jobs: int | None = None, timeout: float | None = None,
                seconds: dict[str, float] | None = None) -> dict[str, dict]:
    """Runs each generator in a worker process, at most `jobs` at a time, in the order given. Returns {ns: result}.

    `seconds`, if given, receives each worker's wall time {ns: seconds}."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    timeout = timeout_default() if timeout is None else timeout
    results: dict[str, dict] = {}
    pending = list(paths)
    running: list[_Job] = []
    with tempfile.TemporaryDirectory(prefix="book-gen-") as tmp_root:
        try:
            while pending or running:
                while pending and len(running) < jobs:
                    running.append(_start(pending.pop(0), Path(tmp_root)))
                time.sleep(0.01)
                for job in list(running):
                    alive = job.proc.poll() is None
                    if alive and time.monotonic() - job.started <= timeout:
                        continue
                    if alive:  # still running past its limit
                        _kill(job)
                    if seconds is not None:
                        seconds[job.path.stem] = time.monotonic() - job.started
                    results[job.path.stem] = _finish(job, timeout if alive else None)
                    running.remove(job)
        finally:
            for job in running:  # interrupted: leave no orphan workers
                _kill(job)
    return results


def census(manifest: dict) -> dict:
    """The book's own checks, counted from the manifest as the generators ran (none is rerun)."""
    rows, totals = [], Counter()
    worst_all: tuple[float, str, float] | None = None
    for ns in sorted(k for k in manifest if k != CENSUS):
        checks = [c for cs in manifest[ns].get("checks", {}).values() for c in cs]
        fd = [(float(c[1]), c[1], c[2]) for c in checks if c[0] == "gradient"]
        worst = max(fd, default=None)
        worst_all = max(filter(None, [worst_all, worst]), default=None)
        n_art = len(manifest[ns].get("checks", {}))
        rows.append([f"`{ns}`", n_art, len(checks), len(fd), f"≤ {worst[1]}" if worst else "none", f"{worst[2]:.0e}" if worst else ""])
        totals.update(artifacts=n_art, checks=len(checks), fd=len(fd))
    lines = ["| generator | artifacts | checks | against finite differences | worst relative error | its tolerance |",
             "| :-- | --: | --: | --: | --: | --: |", *("| " + " | ".join(map(str, r)) + " |" for r in rows),
             f"| **all {len(rows)}** | **{totals['artifacts']}** | **{totals['checks']}** | **{totals['fd']}** | "
             f"{'≤ ' + worst_all[1] if worst_all else ''} | |"]
    record = CheckRecord("counts", "read from the sealed manifest entry of every generator, as recorded when it ran", "that")
    text = "\n".join(lines) + "\n\n" + badge(CENSUS, "census", [record]) + "\n"
    counts = {"generators": len(rows), **totals}
    values = {f"{CENSUS}.census_{k}": {"kind": "number", "text": str(counts[k])} for k in ("generators", "artifacts", "checks", "fd")}
    entry = {"key": "census", "outputs": {"census.md": cache.sha(text.encode())}, "values": values, "checks": {"census": [["that"]]}}
    entry["seal"] = cache.seal(entry)
    return {"entry": entry, "text": text}


def generate(force: bool = False, only: Iterable[str] | None = None, jobs: int | None = None,
             timeout: float | None = None) -> Summary:
    """Brings generated/ up to date. Never raises for a generator's own errors: returns them."""
    start = time.monotonic()
    manifest, shared = cache.load(), cache.shared_digest()
    only = set(only) if only else None
    files = cache.generator_files()
    todo, fresh = [], []
    for path in files:
        if only is not None and path.stem not in only:
            continue
        (fresh if not force and cache.is_fresh(path, manifest, shared) else todo).append(path)
    took: dict[str, float] = {}
    results = run_workers(schedule(todo, recorded_seconds()), jobs, timeout, took) if todo else {}
    failures, written, regenerated = [], 0, []
    for path in todo:  # in file order, so the manifest does not depend on which worker finished first
        ns, res = path.stem, results[path.stem]
        errs = [Failure(ns, f.get("name"), f["message"], f.get("kind", "error"), f.get("where")) for f in res.get("failures", [])]
        if errs:
            failures.extend(errs)
            manifest.pop(ns, None)  # never keep a key for a module that failed
            continue
        for name, text in res["outputs"].items():
            written += cache.write_if_changed(GENERATED / ns / name, text)
        for stale in (GENERATED / ns).glob("*"):
            if stale.name not in res["outputs"]:
                stale.unlink()
        entry = {"key": cache.cache_key(path, shared), "outputs": {n: cache.sha(t.encode()) for n, t in sorted(res["outputs"].items())},
                 "values": dict(sorted(res["values"].items())), "checks": dict(sorted(res["checks"].items()))}
        entry["seal"] = cache.seal(entry)
        manifest[ns] = entry
        regenerated.append(ns)
    wanted = {p.stem for p in files}
    if took:
        record_seconds(took, wanted)
    for ns in list(manifest):
        if ns not in wanted and ns != CENSUS:  # a generator was deleted or renamed
            manifest.pop(ns)
    if not failures:
        c = census(manifest)
        written += cache.write_if_changed(GENERATED / CENSUS / "census.md", c["text"])
        manifest[CENSUS] = c["entry"]
    cache.save(manifest)
    return Summary(regenerated, fresh, failures, written, time.monotonic() - start)


# ---------------------------------------------------------------------------
# Reporting many failures in one screen


def _changed_shared_lines() -> list[str]:
    """Lines of the shared code that differ from the last commit: the usual suspects."""
    try:
        out = subprocess.run(["git", "diff", "-U0", "HEAD", "--", "scripts/backprop", "scripts/generators/_*.py"],
                             cwd=REPO, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    changed, file = [], None
    for line in out.splitlines():
        if line.startswith("+++ b/"):
            file = line[6:]
        elif line.startswith("@@") and file:
            start = line.split("+", 1)[1].split(" ", 1)[0].split(",")[0]
            changed.append(f"{file}:{start}")
        elif line.startswith("+") and not line.startswith("+++") and changed:
            changed[-1] += f": {line[1:].strip()}" if ": " not in changed[-1] else ""
    return changed


def _last_line(message: str) -> str:
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def report(failures: list[Failure], show: int = 3) -> str:
    """One screen: how many failed, grouped by where they broke, the likely culprit, one failure in full."""
    if len(failures) <= show:
        return "\n\n".join(f.report() for f in failures)
    gens = sorted({f.ns for f in failures})
    lines = [f"{len(failures)} artifacts in {len(gens)} generators failed ({', '.join(gens)})."]
    groups: dict[tuple, list[Failure]] = defaultdict(list)
    for f in failures:
        key = (f.where["file"], f.where["line"], f.where["code"]) if f.where else ("", 0, f.kind)
        groups[key].append(f)
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    for (file, line, code), fs in ordered[:4]:
        in_gens = sorted({f.ns for f in fs})
        head = f"{len(fs)} raised at {file}:{line}" if file else f"{len(fs)} × {code}"
        lines.append(f"- {head} (in {len(in_gens)} generator{'s' if len(in_gens) != 1 else ''})"
                     + (f":\n      {code}" if file else ":"))
        said = fs[0].message.strip().splitlines()[0] if fs[0].kind == "check" else _last_line(fs[0].message)
        lines.append(f"      {said[:200]}")
    if len(ordered) > 4:
        lines.append(f"- and {sum(len(fs) for _, fs in ordered[4:])} more in {len(ordered) - 4} other places")
    if len(gens) > 1 and (changed := _changed_shared_lines()):
        lines.append("Shared code changed since the last commit (the likely culprit):")
        lines += [f"  {c}" for c in changed[:6]]
    first = ordered[0][1][0]
    lines += ["", "The first of the largest group in full:", "", first.report(), ""]
    names = [f"{f.ns}/{f.name}" for f in failures if f is not first]
    lines.append(f"Also failed: {', '.join(names[:12])}" + (f" and {len(names) - 12} more" if len(names) > 12 else ""))
    return "\n".join(lines)
