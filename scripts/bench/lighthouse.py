"""Lighthouse 12.2.3 (node_modules, the mobile preset) over every page, served as GitHub Pages serves it.

The site is built from a clean temporary copy and served with gzip by scripts/bench/ghpages.py
under the site's path prefix. Lighthouse runs with its default configuration, which is the
mobile preset (a mid-range phone: 412×823, simulated slow 4G, the CPU slowed 4×), the
performance and accessibility categories only, against Debian's Chromium (CHROME_PATH) with
the team's flags and a fresh profile per run. Per page: performance and accessibility scores,
total blocking time, first and largest contentful paint, layout shift, speed index, DOM size,
and Lighthouse's own benchmark index of the machine at that moment (a loaded machine scores
lower: the simulated phone is the real CPU slowed 4×). Medians over the runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import CHROMIUM, CHROMIUM_ARGS, REPO, SectionResult, log, median, spread
from ghpages import serve, site_prefix
from layout import page_paths, site_or_build

LIGHTHOUSE = REPO / "node_modules" / "lighthouse" / "cli" / "index.js"
PERFORMANCE_TARGET = 90
ACCESSIBILITY_TARGET = 100


def lighthouse_version() -> str:
    try:
        return json.loads((REPO / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def run_lighthouse(url: str, categories: tuple[str, ...] = ("performance", "accessibility"), timeout: float = 600) -> dict:
    """One Lighthouse run (mobile preset) as parsed JSON (the lhr)."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError(f"{LIGHTHOUSE} is missing: run `npm ci` (lighthouse is a devDependency)")
    with tempfile.TemporaryDirectory(prefix="bench-lh-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(categories)}", "--chrome-flags=" + " ".join(CHROMIUM_ARGS)]
        env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": tmp}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"lighthouse failed on {url}:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def facts(lhr: dict) -> dict:
    """The figures the benchmark reports from one Lighthouse result."""
    audits = lhr["audits"]

    def num(audit: str) -> float | None:
        return audits.get(audit, {}).get("numericValue")

    cats = lhr["categories"]

    def score(cat: str) -> float | None:  # None when Lighthouse could not score it (a runtime error, e.g. no paint)
        value = cats.get(cat, {}).get("score")
        return None if value is None else round(value * 100)

    return {
        "performance": score("performance"),
        "accessibility": score("accessibility"),
        "error": (lhr.get("runtimeError") or {}).get("message", ""),
        "tbt": num("total-blocking-time"), "fcp": num("first-contentful-paint"), "lcp": num("largest-contentful-paint"),
        "cls": num("cumulative-layout-shift"), "si": num("speed-index"), "dom": num("dom-size"),
        "bench": lhr.get("environment", {}).get("benchmarkIndex"),
        "failed": accessibility_failures(lhr),
    }


def accessibility_failures(lhr: dict) -> list[str]:
    """Accessibility audits that did not pass, with their weight and the first elements they name."""
    out = []
    if "accessibility" not in lhr["categories"]:
        return out
    for ref in lhr["categories"]["accessibility"]["auditRefs"]:
        audit = lhr["audits"].get(ref["id"], {})
        if audit.get("score") is None or audit["score"] >= 1:
            continue
        nodes = [i.get("node", {}).get("snippet", "")[:90] for i in audit.get("details", {}).get("items", [])[:2]]
        out.append(f"{ref['id']} (weight {ref.get('weight', 0)}): {' / '.join(nodes)}")
    return out


def run(quick: bool = False, site: Path | None = None) -> SectionResult:
    res = SectionResult("lighthouse", f"Lighthouse {lighthouse_version()}, mobile preset, every page (gzip as on GitHub Pages)")
    reps = 1 if quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    try:
        site = site_or_build(site, tmp, "lighthouse")
        paths = page_paths(site)
        if quick:
            paths = [p for p in paths if p in ("", "chain-rule/", "net232/")] or paths[:2]
        prefix = site_prefix(REPO / "mkdocs.yml")
        runs: dict[str, list[dict]] = {p: [] for p in paths}
        with serve(site, prefix) as base:
            for r in range(reps):
                for path in paths if r % 2 == 0 else list(reversed(paths)):
                    log(f"lighthouse: run {r + 1}/{reps} /{path}")
                    runs[path].append(facts(run_lighthouse(base + path)))
        report(res, runs, paths, reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def report(res: SectionResult, runs: dict[str, list[dict]], paths: list[str], reps: int) -> None:
    """One performance row and one accessibility row per page, medians over the runs Lighthouse could score."""
    benches = []

    def med(rs: list[dict], key: str) -> float:
        return median([x[key] for x in rs if x.get(key) is not None])

    for path in paths:
        every = runs[path]
        rs = [x for x in every if x["performance"] is not None and x["accessibility"] is not None]
        benches += [x["bench"] for x in every if x["bench"]]
        lost = f"; {len(every) - len(rs)} run(s) unscored: {every[0].get('error') or 'no score'}" if len(rs) < len(every) else ""
        if not rs:
            res.add(f"/{path} performance", "n/a", f"no run was scored{lost}", f"≥ {PERFORMANCE_TARGET}", False)
            continue
        perf, acc = med(rs, "performance"), med(rs, "accessibility")
        res.add(f"/{path} performance", f"{perf:.0f}",
                f"range {spread([x['performance'] for x in rs])}; TBT {med(rs, 'tbt'):.0f} ms "
                f"(range {spread([x['tbt'] for x in rs])}), FCP {med(rs, 'fcp') / 1e3:.2f} s, "
                f"LCP {med(rs, 'lcp') / 1e3:.2f} s, SI {med(rs, 'si') / 1e3:.2f} s, "
                f"CLS {med(rs, 'cls'):.3f}, DOM {med(rs, 'dom'):.0f} elements; benchmark index {med(rs, 'bench'):.0f}{lost}",
                f"≥ {PERFORMANCE_TARGET}", perf >= PERFORMANCE_TARGET)
        failed = sorted({f for x in rs for f in x["failed"]})
        res.add(f"/{path} accessibility", f"{acc:.0f}", "; ".join(failed) if failed else "every audit passed",
                f"= {ACCESSIBILITY_TARGET}", min(x["accessibility"] for x in rs) >= ACCESSIBILITY_TARGET)
    counts = sorted({len(runs[p]) for p in paths})
    per_page = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    res.notes.append(
        f"{per_page} run(s) per page, pages interleaved; value = median. Lighthouse's benchmark index of this machine "
        f"during the runs: median {median(benches):.0f}, range {spread(benches)}. The simulated phone is this machine's "
        "CPU slowed 4×, so a machine busy with other work (a lower index) makes every page look slower; compare runs "
        "made at similar indices. An audit of weight 0 is reported but does not change the score."
    )
