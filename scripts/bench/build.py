"""Build times, in a clean temporary copy of the book (nothing in the working tree is touched).

(a) cold: no generated/, no site/, no __pycache__   (b) warm: nothing changed
(c) after a prose edit                             (d) after editing one generator (only it may rerun)
(e) plain: BOOK_GENERATE=0 with the artifacts present, i.e. MkDocs + KaTeX alone
(f) `mkdocs serve` as `make serve` runs it: save a prose edit -> the open page shows the new text; and no rebuild loop.

Each round runs (a) to (e) once; warm and plain swap places every other round so their
ratio compares neighbours. Times are wall clock of the whole `mkdocs build --strict`
process (what a writer waits for), with MkDocs' own "built in" figure beside them.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import PYTHON, REPO, SectionResult, build_env, chromium, free_port, log, make_copy, median, paired_ratios, secs, spread

WARM_OVER_PLAIN_TARGET = 1.5
RELOAD_TARGET = 2.0
BUILT_IN = re.compile(r"Documentation built in ([\d.]+) seconds")


class Timed:
    def __init__(self, wall: float, internal: float | None, proc: subprocess.CompletedProcess):
        self.wall, self.internal, self.proc = wall, internal, proc


def mkdocs_build(root: Path, site: Path, **env: str) -> Timed:
    cmd = [PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=build_env(root, **env), timeout=900)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed in {root}:\n{proc.stderr[-3000:]}")
    m = BUILT_IN.search(proc.stderr)
    return Timed(wall, float(m[1]) if m else None, proc)


def generate_noop(root: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "book.generate", "--quiet"], cwd=root, capture_output=True, text=True,
                          env=build_env(root, MPLBACKEND="Agg"), timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return time.perf_counter() - t0


def manifest_keys(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / "generated" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {ns: entry.get("key", "") for ns, entry in data.items()}


def expected_reruns(root: Path, gen: Path) -> list[str]:
    """The edited generator and every generator whose DEPENDS_ON globs match it (book.cache's own rule)."""
    code = (
        "import sys, json; sys.path.insert(0, 'scripts'); from pathlib import Path; import book.cache as a\n"
        "dep = getattr(a, 'declared_dependencies', lambda g: [])\n"
        f"edited = Path({str(gen)!r}).resolve()\n"
        "out = [g.stem for g in a.generator_files() if g.resolve() == edited or edited in [d.resolve() for d in dep(g)]]\n"
        "print(json.dumps(sorted(out)))"
    )
    proc = subprocess.run([PYTHON, "-c", code], cwd=root, capture_output=True, text=True, env=build_env(root), timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def heaviest_markdown(root: Path) -> Path:
    """The chapter source with the most math delimiters: the page a writer edits and waits for."""
    def weight(p: Path) -> int:
        text = p.read_text(encoding="utf-8")
        return text.count("\\(") + text.count("\\[") + text.count("$$") + text.count("--8<--")
    return max(sorted((root / "docs").rglob("*.md")), key=weight)


def generator_to_edit(root: Path) -> Path:
    preferred = root / "scripts" / "generators" / "net232.py"
    if preferred.exists():
        return preferred
    return sorted(p for p in (root / "scripts" / "generators").glob("*.py") if not p.name.startswith("_"))[0]


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


def wipe_cold(root: Path, site: Path) -> None:
    shutil.rmtree(root / "generated", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    for cache in (root / "scripts").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def profile_rebuild(root: Path, md: Path, top: int = 22) -> str:
    """cProfile of an in-process rebuild after a prose edit (scripts/bench/profile_rebuild.py), in a fresh copy."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        copy = make_copy(Path(tmp))
        proc = subprocess.run([PYTHON, str(Path(__file__).with_name("profile_rebuild.py")), str(copy),
                               md.relative_to(root).as_posix(), str(top)],
                              capture_output=True, text=True, env=build_env(copy), timeout=900)
    if proc.returncode != 0:
        return "profiling failed:\n" + proc.stderr[-2000:]
    return proc.stdout.strip()


# ---------------------------------------------------------------------------
# mkdocs serve


def make_serve(makefile: Path = REPO / "Makefile") -> tuple[list[str], dict[str, str]]:
    """The flags and environment `make serve` gives `mkdocs serve`, read from the Makefile, so the
    benchmark times what a contributor runs (it once left out --dirty and timed full rebuilds)."""
    text = makefile.read_text(encoding="utf-8")
    flags = re.search(r"^SERVE_mkdocs\s*:=\s*\S*mkdocs serve\b(.*)$", text, re.M)
    recipe = re.search(r"^serve:.*\n((?:\t.*\n)+)", text, re.M)
    if not flags or not recipe:
        raise RuntimeError(f"{makefile}: no SERVE_mkdocs line or serve recipe to read `make serve` from")
    return flags.group(1).split(), dict(re.findall(r"\b(BOOK_\w+)=(\S+)", recipe.group(1)))


class Server:
    """`mkdocs serve` in the copy with the flags and environment of `make serve`, log lines timestamped."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.lines: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        flags, env = make_serve()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "mkdocs", "serve", *flags, "-a", f"127.0.0.1:{self.port}"],
            cwd=root, env={**build_env(root), **env},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append((time.perf_counter(), line.rstrip()))

    def since(self, t0: float) -> list[tuple[float, str]]:
        with self.lock:
            return [(t, s) for t, s in self.lines if t >= t0]

    def wait_for(self, pattern: str, after: float, timeout: float = 120) -> tuple[float, str]:
        rx = re.compile(pattern)
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            for t, s in self.since(after):
                if rx.search(s):
                    return t, s
            if self.proc.poll() is not None:
                raise RuntimeError("mkdocs serve exited:\n" + "\n".join(s for _, s in self.lines[-30:]))
            time.sleep(0.02)
        raise TimeoutError(f"no log line matching {pattern!r} within {timeout} s:\n" + "\n".join(s for _, s in self.lines[-30:]))

    def wait_quiet(self, seconds: float = 1.0, timeout: float = 120) -> None:
        """Until no log line has arrived for `seconds` (no build running)."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            with self.lock:
                last = self.lines[-1][0] if self.lines else 0.0
            if time.perf_counter() - last >= seconds:
                return
            time.sleep(0.05)

    def count(self, pattern: str, t0: float, t1: float) -> int:
        rx = re.compile(pattern)
        with self.lock:
            return sum(1 for t, s in self.lines if t0 <= t <= t1 and rx.search(s))

    def stop(self) -> None:
        """Ctrl-C, as a writer stops it: MkDocs then closes the hooks (the KaTeX process) and removes its temp site."""
        for stop in (lambda: self.proc.send_signal(signal.SIGINT), self.proc.terminate, self.proc.kill):
            if self.proc.poll() is not None:
                return
            stop()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                continue


def _page_has(page, token: str) -> bool:
    try:
        return bool(page.evaluate("t => !!document.body && document.body.textContent.includes(t)", token))
    except Exception:  # the page is navigating (livereload reloads it)
        return False


def _time_origin(page) -> float | None:
    try:
        return page.evaluate("() => document.readyState !== 'loading' ? performance.timeOrigin : null")
    except Exception:
        return None


def serve_figures(res: SectionResult, root: Path, md: Path, generator: Path, edits: int, idle: float) -> None:
    server = Server(root)
    try:
        t_start = time.perf_counter()
        _, line = server.wait_for(r"Serving on (http://\S+)", t_start, timeout=300)
        base = re.search(r"Serving on (http://\S+)", line)[1]
        url = base.rstrip("/") + "/" + md.relative_to(root / "docs").with_suffix("").as_posix() + "/"
        if md.name == "index.md":
            url = base
        with chromium() as context:
            page = context.new_page()
            page.goto(url, wait_until="load")
            server.wait_for(r"Browser connected", t_start, timeout=30)
            reloads, detects, builds = [], [], []
            for i in range(edits):
                server.wait_quiet(1.0)
                token = f"benchtoken{i}x{time.monotonic_ns() % 10**9}"
                t0 = time.perf_counter()
                append(md, f"\n\nThis sentence was added by the benchmark ({token}).\n")
                end = t0 + 120
                while not _page_has(page, token):
                    if time.perf_counter() > end:
                        raise TimeoutError(f"the page did not show {token} within 120 s")
                    time.sleep(0.02)
                t1 = time.perf_counter()
                reloads.append(t1 - t0)
                for t, s in server.since(t0):
                    if "Detected file changes" in s:
                        detects.append(t - t0)
                        break
                for _, s in server.since(t0):
                    if m := BUILT_IN.search(s):
                        builds.append(float(m[1]))
                        break
            # Rebuild loop check: after the last reload, the server must stay idle.
            t_idle = time.perf_counter()
            time.sleep(idle)
            loop_builds = server.count(r"Building documentation", t_idle, time.perf_counter())

            # A generator edit under serve: regenerated, rebuilt, reloaded; then idle again.
            server.wait_quiet(1.0)
            origin = _time_origin(page)
            t0 = time.perf_counter()
            append(generator, "\n# edited by the benchmark under mkdocs serve\n")
            end = t0 + 180
            while True:
                now_origin = _time_origin(page)
                if now_origin is not None and origin is not None and now_origin != origin:
                    break
                if time.perf_counter() > end:
                    raise TimeoutError("the page was not reloaded after a generator edit within 180 s")
                time.sleep(0.02)
            gen_reload = time.perf_counter() - t0
            t_idle2 = time.perf_counter()
            time.sleep(idle)
            gen_extra = server.count(r"Building documentation", t_idle2, time.perf_counter())
            gen_builds_total = server.count(r"Building documentation", t0, time.perf_counter())
        ok = median(reloads) <= RELOAD_TARGET
        res.add("serve: save prose edit → page shows it", secs(median(reloads)),
                f"{len(reloads)} edits, range {spread(reloads)} s; change noticed after {secs(median(detects))} "
                f"(watchdog polls every 0.5 s), rebuild {secs(median(builds))} (MkDocs' figure)",
                f"≤ {RELOAD_TARGET:g} s", ok)
        res.add(f"serve: rebuilds in {idle:g} idle s after a prose edit", str(loop_builds),
                "'Building documentation' log lines", "0", loop_builds == 0)
        res.add("serve: save generator edit → page reloaded", secs(gen_reload), "one edit")
        res.add(f"serve: rebuilds in {idle:g} idle s after a generator edit", str(gen_extra),
                "'Building documentation' log lines, counted from the reload on", "0", gen_extra == 0)
        res.add("serve: builds started by that one generator save", str(gen_builds_total),
                "1 expected; a second one means the build itself touched a watched file (see the note)")
        if not ok:
            log("profiling a serve-style rebuild")
            res.profiles.append(profile_rebuild(root, md))
        if gen_builds_total > 1 or gen_extra:
            res.notes.append(
                "After a generator edit the server built more than once for one save: the generator subprocess "
                "(scripts/book/generate.py, started by hooks.on_pre_build) imports the edited module, and Python writes "
                "its bytecode to scripts/generators/__pycache__/, inside the watched `scripts` folder; the poller sees "
                "the new .pyc and starts another build."
            )
    finally:
        server.stop()


# ---------------------------------------------------------------------------


def run(quick: bool = False) -> SectionResult:
    res = SectionResult("build", "Build")
    reps = 1 if quick else 5
    edits = 2 if quick else 5
    idle = 2.0 if quick else 5.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        root = make_copy(tmp)
        site = tmp / "site"
        md = heaviest_markdown(root)
        gen = generator_to_edit(root)
        res.notes.append(
            f"Clean copy of docs/, scripts/, overrides/, mkdocs.yml, package.json in a temporary folder, node_modules "
            f"symlinked; `mkdocs build --strict`, {reps} round(s). Prose edits append a sentence to "
            f"docs/{md.relative_to(root / 'docs').as_posix()}; generator edits append a comment to "
            f"{gen.relative_to(root).as_posix()}."
        )
        samples: dict[str, list[Timed]] = {k: [] for k in ("cold", "warm", "plain", "prose", "generator")}
        noop: list[float] = []
        reran: list[list[str]] = []
        for r in range(reps):
            log(f"build round {r + 1}/{reps}")
            wipe_cold(root, site)
            samples["cold"].append(mkdocs_build(root, site))
            pair = ("warm", "plain") if r % 2 == 0 else ("plain", "warm")
            for kind in pair:
                samples[kind].append(mkdocs_build(root, site, **({"BOOK_GENERATE": "0"} if kind == "plain" else {})))
            noop.append(generate_noop(root))
            append(md, f"\n\nA sentence added by the benchmark, round {r}.\n")
            before = manifest_keys(root)
            samples["prose"].append(mkdocs_build(root, site))
            if manifest_keys(root) != before:
                raise RuntimeError("a prose edit changed generated/manifest.json: generators reran")
            before = manifest_keys(root)
            append(gen, f"\n# edited by the benchmark, round {r}\n")
            samples["generator"].append(mkdocs_build(root, site))
            after = manifest_keys(root)
            reran.append(sorted(ns for ns in after if after.get(ns) != before.get(ns)))

        # The generator's own report, as a writer would run it.
        append(gen, "\n# edited by the benchmark, verification\n")
        proc = subprocess.run([PYTHON, "-m", "book.generate"], cwd=root, capture_output=True, text=True,
                              env=build_env(root, MPLBACKEND="Agg"), timeout=600)
        report = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
        m = re.search(r"(\d+) generator\(s\) run (\[.*?\]), (\d+) up to date", report)
        expected = expected_reruns(root, gen)
        only_it = bool(m) and sorted(json.loads(m[2].replace("'", '"'))) == expected
        n_generators = len([p for p in gen.parent.glob("*.py") if not p.name.startswith("_")])
        dependants = [ns for ns in expected if ns != gen.stem]
        why = f"{gen.stem}, and {', '.join(dependants)} (DEPENDS_ON names it)" if dependants else f"only {gen.stem}"

        def row(kind: str, label: str, **kw):
            walls = [s.wall for s in samples[kind]]
            internal = [s.internal for s in samples[kind] if s.internal is not None]
            return res.add(label, secs(median(walls)),
                           f"range {spread(walls)} s; MkDocs' own figure {secs(median(internal))}" if internal else "", **kw)

        row("cold", "(a) cold build")
        row("warm", "(b) warm rebuild, nothing changed")
        row("prose", "(c) rebuild after a prose edit")
        row("generator", "(d) rebuild after editing one generator")
        same = all(r == expected for r in reran)
        res.add("(d) generators rerun by that build", "; ".join(sorted({", ".join(r) or "none" for r in reran})),
                f"from generated/manifest.json keys; {n_generators} generator(s) exist", why, same)
        res.add("(d) generate.py report after one more edit", report.replace("|", "/"), "", why, only_it)
        row("plain", "(e) plain build, BOOK_GENERATE=0")
        res.add("generate.py with everything up to date", secs(median(noop)), f"range {spread(noop)} s; the part of (b) that (e) skips")
        ratios = paired_ratios([s.wall for s in samples["warm"]], [s.wall for s in samples["plain"]])
        ratio = median(ratios)
        res.add("warm / plain", f"{ratio:.2f}", f"median of {len(ratios)} side-by-side ratios, range {spread(ratios)}",
                f"≤ {WARM_OVER_PLAIN_TARGET}", ratio <= WARM_OVER_PLAIN_TARGET)

        log("mkdocs serve")
        serve_root = make_copy(tmp, "serve")
        serve_figures(res, serve_root, serve_root / md.relative_to(root), serve_root / gen.relative_to(root), edits, idle)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
