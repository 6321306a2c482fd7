"""Bench section `pdf`: the PDF edition (`make pdf`) printed from a freshly built site.

The site is built once into a temporary folder (as the tests' built_site is); then the PDF is
printed several times, each time the whole procedure of `make pdf` after the build: assemble,
load in Chromium, print twice (the contents' page numbers), normalise the dates.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from common import CHROMIUM, PYTHON, REPO, SectionResult, build_env, log, median, secs, spread

# Targets on the reference machine (2 cores): a PDF build that a deploy can afford, a file a reader can fetch.
TARGET_SECONDS = 45.0
TARGET_MB = 10.0


def run(quick: bool = False) -> SectionResult:
    from pdf.__main__ import build

    res = SectionResult("pdf", "PDF edition: `make pdf` after the build")
    reps = 1 if quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        site = tmp / "site"
        log("pdf: building the site")
        proc = subprocess.run([PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=REPO,
                              capture_output=True, text=True, env=build_env(), timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        runs = []
        for r in range(reps):
            log(f"pdf: print {r + 1}/{reps}")
            runs.append(build(site, tmp / f"book-{r}.pdf", REPO / "mkdocs.yml", CHROMIUM, quiet=True))
        total = [x["seconds"] for x in runs]
        res.add("PDF build (assemble + Chromium, 2 prints + normalise)", secs(median(total)), spread(total),
                f"≤ {TARGET_SECONDS:.0f} s", median(total) <= TARGET_SECONDS)
        res.add("assemble the whole-book HTML", secs(median([x["assemble_seconds"] for x in runs])))
        for key in ("load", "print 1", "print 2"):
            values = [x["print_seconds"][key] for x in runs if key in x["print_seconds"]]
            if values:
                res.add(f"Chromium: {key}", secs(median(values)))
        last = runs[-1]
        mb = last["bytes"] / 1e6
        res.add("pages", str(last["pages"]))
        res.add("size", f"{mb:.2f} MB", "", f"≤ {TARGET_MB:.0f} MB", mb <= TARGET_MB)
        res.add("blocks scaled to fit the column", str(len(last["scaled"])),
                ", ".join(f"{s['chapter']} {s['factor']}" for s in last["scaled"]))
        sizes = {(tmp / f"book-{r}.pdf").read_bytes() for r in range(reps)}
        res.notes.append(f"{reps} print(s); {'all byte-identical' if len(sizes) == 1 else 'NOT byte-identical'}.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
