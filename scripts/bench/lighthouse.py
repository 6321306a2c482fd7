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

from common import CHROMIUM, CHROMIUM_ARGS, REPO, SectionResult, log, make_copy, median, spread
from ghpages import serve, site_prefix
from layout import build_site, page_paths

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
    return {
        "performance": round(cats["performance"]["score"] * 100) if "performance" in cats else None,
        "accessibility": round(cats["accessibility"]["score"] * 100) if "accessibility" in cats else None,
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
        if site is None:
            root = make_copy(tmp)
            site = tmp / "site"
            log("lighthouse: building the site")
            build_site(root, site)
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
    """One performance row and one accessibility row per page, medians over the runs."""
    benches = []
    for path in paths:
        rs = runs[path]
        perf = median([x["performance"] for x in rs])
        acc = median([x["accessibility"] for x in rs])
        benches += [x["bench"] for x in rs if x["bench"]]
        res.add(f"/{path} performance", f"{perf:.0f}",
                f"range {spread([x['performance'] for x in rs])}; TBT {median([x['tbt'] for x in rs]):.0f} ms "
                f"(range {spread([x['tbt'] for x in rs])}), FCP {median([x['fcp'] for x in rs]) / 1e3:.2f} s, "
                f"LCP {median([x['lcp'] for x in rs]) / 1e3:.2f} s, SI {median([x['si'] for x in rs]) / 1e3:.2f} s, "
                f"CLS {median([x['cls'] for x in rs]):.3f}, DOM {median([x['dom'] for x in rs]):.0f} elements",
                f"≥ {PERFORMANCE_TARGET}", perf >= PERFORMANCE_TARGET)
        failed = sorted({f for x in rs for f in x["failed"]})
        res.add(f"/{path} accessibility", f"{acc:.0f}", "; ".join(failed) if failed else "every audit passed",
                f"= {ACCESSIBILITY_TARGET}", min(x["accessibility"] for x in rs) >= ACCESSIBILITY_TARGET)
    res.notes.append(
        f"{reps} run(s) per page, pages interleaved; value = median. Lighthouse's benchmark index of this machine "
        f"during the runs: median {median(benches):.0f}, range {spread(benches)}. The simulated phone is this machine's "
        "CPU slowed 4×, so a machine busy with other work (a lower index) makes every page look slower; compare runs "
        "made at similar indices. An audit of weight 0 is reported but does not change the score."
    )
