"""How build cost grows with the book: the chapters multiplied 1×, 4× and 8×.

A clean temporary copy of the book is made for each factor k, and every chapter is cloned k−1
times under new names: docs/<page>-c<i>.md, scripts/generators/<ns>_c<i>.py and a nav entry
each, with the clone's namespace references rewritten (`--8<-- "ns/…"` → `"ns_c<i>/…"`,
`[[val:ns.…]]` → `[[val:ns_c<i>.…]]`, DEPENDS_ON globs naming a generator → its clone) and its
equation labels suffixed (one label, one formula: a clone's formulas cite the clone's values).
So a clone is a real chapter with a real generator, checked like the original.

Per factor, each measured `repeat` times (median and range):

  cold       `python -m book.build` with no generated/ and no __pycache__ (what CI does)
  warm       the same again, nothing changed
  prose      after appending a sentence to one chapter
  generator  after appending a comment to one generator (only it, and what declares it, reruns)
  gen jobs   `python -m book.generate --force --jobs 1` and `--jobs 2`, side by side; the bytes of
             generated/ compared between the two (parallel must equal serial)
  serve      `mkdocs serve` as `make serve` runs it (--livereload --dirty): save a prose edit → the open page
             shows the new sentence; save a generator edit → the page has reloaded

The ratios 96/12 (factor 8 over factor 1) are what the targets are about: linear or better for
builds, at most 1.5× for a save under serve, jobs-2/jobs-1 at most 0.6 on two cores.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from build import Server, _page_has, _time_origin, append, wipe_cold
from common import PYTHON, SectionResult, build_env, chromium, log, make_copy, median, secs, spread

FACTORS = (1, 4, 8)
SERVE_RATIO_TARGET = 1.5
JOBS_RATIO_TARGET = 0.6
NAV_ENTRY = re.compile(r"^(?P<indent>\s*)-\s+(?:(?P<title>[^:\n]+):\s+)?(?P<file>[\w./-]+\.md)\s*$")


# ---------------------------------------------------------------------------
# Multiplying the book


def generator_names(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "scripts" / "generators").glob("*.py") if not p.name.startswith("_"))


def nav_pages(root: Path) -> list[tuple[str, str]]:
    """(title, file) of every nav entry except the home page, in order."""
    out, in_nav = [], False
    for line in (root / "mkdocs.yml").read_text(encoding="utf-8").splitlines():
        if re.match(r"^nav:\s*$", line):
            in_nav = True
            continue
        if in_nav and line and not line.startswith((" ", "#")):
            in_nav = False
        if in_nav and (m := NAV_ENTRY.match(line)) and m["file"] != "index.md":
            out.append((m["title"] or Path(m["file"]).stem, m["file"]))
    return out


def clone_page(text: str, names: list[str], i: int) -> str:
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    text = re.sub(rf"""(?m)^(\s*-{{1,}}8<-{{1,}}\s+["'])({alt})/""", rf"\g<1>\g<2>_c{i}/", text)
    text = re.sub(rf"\[\[(val|shape|answer):({alt})\.", rf"[[\g<1>:\g<2>_c{i}.", text)
    return re.sub(r"\\tag(\*?)\{([^}]*)\}", rf"\\tag\g<1>{{\g<2>c{i}}}", text)


def clone_generator(text: str, names: list[str], i: int) -> str:
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"(scripts/generators/)({alt})\.py", rf"\g<1>\g<2>_c{i}.py", text)


def multiply(root: Path, factor: int) -> int:
    """Clone every chapter factor−1 times in the copy at `root`; returns the number of chapter pages."""
    names = generator_names(root)
    pages = nav_pages(root)
    if factor > 1:
        gens = root / "scripts" / "generators"
        docs = root / "docs"
        nav_lines = []
        for i in range(2, factor + 1):
            for ns in names:
                src = gens / f"{ns}.py"
                (gens / f"{ns}_c{i}.py").write_text(clone_generator(src.read_text(encoding="utf-8"), names, i), encoding="utf-8")
            nav_lines.append(f"  - Copy {i}:")
            for title, file in pages:
                stem = Path(file).with_suffix("")
                new = f"{stem}-c{i}.md"
                text = (docs / file).read_text(encoding="utf-8")
                (docs / new).parent.mkdir(parents=True, exist_ok=True)
                (docs / new).write_text(clone_page(text, names, i), encoding="utf-8")
                nav_lines.append(f"      - \"{title.strip()} ({i})\": {new}")
        config = root / "mkdocs.yml"
        lines = config.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if re.match(r"^nav:\s*$", line)]
        if not starts:
            raise RuntimeError("mkdocs.yml has no nav: cannot add the clones")
        end = next((i for i in range(starts[0] + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))), len(lines))
        while end > starts[0] + 1 and not lines[end - 1].strip():
            end -= 1
        config.write_text("\n".join(lines[:end] + nav_lines + lines[end:]) + "\n", encoding="utf-8")
    return len(pages) * factor


# ---------------------------------------------------------------------------
# Timing


def book_build(root: Path, site: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "book.build", "--site-dir", str(site)], cwd=root, capture_output=True, text=True,
                          env=build_env(root), timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"book.build failed in {root}:\n{proc.stderr[-4000:]}")
    return wall


def generate(root: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "book.generate", "--force", "--quiet", "--jobs", str(jobs)], cwd=root,
                          capture_output=True, text=True, env=build_env(root, MPLBACKEND="Agg"), timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"book.generate --jobs {jobs} failed:\n{proc.stderr[-3000:]}")
    return wall


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(f.relative_to(folder).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def heaviest_chapter(root: Path) -> Path:
    def weight(p: Path) -> int:
        text = p.read_text(encoding="utf-8")
        return text.count("\\(") + text.count("\\[") + text.count("--8<--")
    return max(sorted((root / "docs").glob("*.md")), key=lambda p: (weight(p), p.name))


def generator_of(root: Path, page: Path) -> Path:
    """The generator whose artifacts the page includes most: the one a writer of that page edits."""
    names = generator_names(root)
    text = page.read_text(encoding="utf-8")
    counts = {ns: len(re.findall(rf"""["']{re.escape(ns)}/""", text)) for ns in names}
    best = max(sorted(counts), key=lambda ns: counts[ns])
    return root / "scripts" / "generators" / f"{best}.py"


def serve_edits(root: Path, page: Path, generator: Path, edits: int) -> tuple[list[float], list[float]]:
    """Save → the page shows the edit, under `mkdocs serve --livereload`: prose edits and generator edits."""
    server = Server(root)
    prose, gens = [], []
    try:
        t_start = time.perf_counter()
        _, line = server.wait_for(r"Serving on (http://\S+)", t_start, timeout=3600)
        base = re.search(r"Serving on (http://\S+)", line)[1].rstrip("/") + "/"
        url = base + page.relative_to(root / "docs").with_suffix("").as_posix() + "/"
        with chromium() as context:
            tab = context.new_page()
            tab.goto(url, wait_until="load", timeout=600_000)
            server.wait_for(r"Browser connected", t_start, timeout=120)
            for i in range(edits):
                server.wait_quiet(1.0, timeout=1200)
                token = f"scaletoken{i}x{time.monotonic_ns() % 10**9}"
                t0 = time.perf_counter()
                append(page, f"\n\nA sentence added by the scaling benchmark ({token}).\n")
                while not _page_has(tab, token):
                    if time.perf_counter() - t0 > 1200:
                        raise TimeoutError(f"the page did not show {token} within 1200 s")
                    time.sleep(0.02)
                prose.append(time.perf_counter() - t0)
            for i in range(edits):
                server.wait_quiet(1.0, timeout=1200)
                origin = _time_origin(tab)
                t0 = time.perf_counter()
                append(generator, f"\n# edited by the scaling benchmark under serve, {i}\n")
                while True:
                    now = _time_origin(tab)
                    if now is not None and origin is not None and now != origin:
                        break
                    if time.perf_counter() - t0 > 1200:
                        raise TimeoutError("the page was not reloaded after a generator edit within 1200 s")
                    time.sleep(0.02)
                gens.append(time.perf_counter() - t0)
    finally:
        server.stop()
    return prose, gens


# ---------------------------------------------------------------------------


def run(quick: bool = False, factors: tuple[int, ...] = FACTORS, repeat: int | None = None) -> SectionResult:
    res = SectionResult("scale", "Scaling: the book with its chapters multiplied")
    repeat = repeat or (1 if quick else 3)
    factors = (1, 2) if quick and factors == FACTORS else factors
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    figures: dict[int, dict[str, list[float]]] = {}
    chapters: dict[int, int] = {}
    try:
        for k in factors:
            root = make_copy(tmp, f"x{k}")
            chapters[k] = multiply(root, k)
            site = tmp / f"site-x{k}"
            page = heaviest_chapter(root)
            gen = generator_of(root, page)
            f = figures[k] = {n: [] for n in ("cold", "warm", "prose", "generator", "jobs1", "jobs2")}
            for r in range(repeat):
                log(f"scale ×{k} ({chapters[k]} chapters): builds, round {r + 1}/{repeat}")
                wipe_cold(root, site)
                f["cold"].append(book_build(root, site))
                f["warm"].append(book_build(root, site))
                append(page, f"\n\nA sentence added by the scaling benchmark, round {r}.\n")
                f["prose"].append(book_build(root, site))
                append(gen, f"\n# edited by the scaling benchmark, round {r}\n")
                f["generator"].append(book_build(root, site))
            digests = {}
            for r in range(repeat):
                log(f"scale ×{k}: generation with 1 and 2 jobs, round {r + 1}/{repeat}")
                for jobs in ((1, 2) if r % 2 == 0 else (2, 1)):
                    f[f"jobs{jobs}"].append(generate(root, jobs))
                    digests.setdefault(jobs, set()).add(tree_digest(root / "generated"))
            f["same_bytes"] = [float(len(digests[1] | digests[2]) == 1)]
            log(f"scale ×{k}: mkdocs serve")
            f["serve_prose"], f["serve_generator"] = serve_edits(root, page, gen, repeat)
            f["page"], f["gen"] = [page.name], [gen.name]  # type: ignore[list-item]
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _report(res, figures, chapters, repeat)
    return res


LABELS = {
    "cold": "cold build (`python -m book.build`, no generated/)",
    "warm": "warm rebuild, nothing changed",
    "prose": "rebuild after a prose edit",
    "generator": "rebuild after a generator edit",
    "jobs1": "cold generation, `--jobs 1`",
    "jobs2": "cold generation, `--jobs 2`",
    "serve_prose": "serve: save prose edit → page shows it",
    "serve_generator": "serve: save generator edit → page reloaded",
}


def _report(res: SectionResult, figures: dict, chapters: dict, repeat: int) -> None:
    ks = sorted(figures)
    lo, hi = ks[0], ks[-1]
    for key, label in LABELS.items():
        for k in ks:
            xs = figures[k][key]
            res.add(f"{label}, {chapters[k]} chapters", secs(median(xs)),
                    f"range {spread(xs)} s; {secs(median(xs) / chapters[k])} per chapter")
        growth = median(figures[hi][key]) / median(figures[lo][key])
        n_ratio = chapters[hi] / chapters[lo]
        if key.startswith("serve"):
            res.add(f"{label}: {chapters[hi]} / {chapters[lo]} chapters", f"{growth:.2f}", f"chapters ×{n_ratio:g}",
                    f"≤ {SERVE_RATIO_TARGET}", growth <= SERVE_RATIO_TARGET)
        elif key.startswith("jobs"):
            res.add(f"{label}: {chapters[hi]} / {chapters[lo]} chapters", f"{growth:.2f}", f"chapters ×{n_ratio:g}")
        else:
            res.add(f"{label}: {chapters[hi]} / {chapters[lo]} chapters", f"{growth:.2f}",
                    f"chapters ×{n_ratio:g}; linear = {n_ratio:g}", f"≤ {n_ratio:g} (linear or better)", growth <= n_ratio * 1.05)
    for k in ks:
        ratios = [b / a for a, b in zip(figures[k]["jobs1"], figures[k]["jobs2"], strict=True)]
        same = figures[k]["same_bytes"][0] == 1.0
        res.add(f"cold generation, jobs 2 / jobs 1, {chapters[k]} chapters", f"{median(ratios):.2f}",
                f"median of {len(ratios)} side-by-side ratios, range {spread(ratios)}; generated/ identical byte for byte: "
                f"{'yes' if same else 'NO'}", f"≤ {JOBS_RATIO_TARGET}", median(ratios) <= JOBS_RATIO_TARGET and same)
    first = figures[lo]
    res.notes.append(
        f"Factors {', '.join(f'×{k}' for k in ks)} = {', '.join(str(chapters[k]) for k in ks)} chapter pages (the home page is "
        f"not cloned). {repeat} round(s) per figure; medians, range min–max. Prose edits append a sentence to docs/"
        f"{first['page'][0]}; generator edits append a comment to scripts/generators/{first['gen'][0]} (the generator that "
        "page includes most). Builds are `python -m book.build` as `make build` runs it, in a clean copy with its own "
        "scripts/ on PYTHONPATH; serve is `mkdocs serve` with the flags and environment of `make serve` (read from the Makefile)."
    )
