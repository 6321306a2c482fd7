"""The book's performance benchmark: `make bench` (= .venv/bin/python scripts/bench/run.py).

Sections (all by default; pick some with --only build,layout,lighthouse,pdf):

  build      cold, warm, prose-edit, generator-edit and "plain" builds of a clean temporary copy,
             and the save-to-reload time under `mkdocs serve --livereload`
  scale      the same with the chapters cloned 1×, 4× and 8× (12 to 96 chapters): cold, warm and
             edit rebuilds, serve save-to-reload, and cold generation with 1 and 2 worker processes
  layout     cumulative layout shift of every page at 1280×900 and 375×812, cold cache, with the
             elements that moved
  lighthouse Lighthouse 12.2.3, mobile preset, every page served with gzip as GitHub Pages serves it:
             performance and accessibility scores, total blocking time, paints, DOM size
  reader     the heaviest chapter in headless Chromium (first contentful paint, math laid out,
             layout shift, bytes, requests) against client-side KaTeX and MathJax 3 baselines
  reference  batched forward/backward of an MLP against its GEMM lower bound and a per-example loop
  widgets    what the shape explorer, the exercises' answer fields and the 2-3-2 stepper add to a page: JS and CSS bytes, first
             contentful paint and layout shift, against the same page without them
  pdf        the PDF edition (`make pdf`) printed from a built site: seconds, pages, size

Figures are medians of several runs; ratios are taken between runs made side by side in the
same round (A B, B A, ...), because a small shared machine is noisy. Figures go to stdout
(Markdown); progress goes to stderr. A full run (every section, not --quick) also writes
bench-results.md, which is committed; --output writes elsewhere, --no-write nowhere.
Nothing here is part of the site build.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, SectionResult, log, machine  # noqa: E402

SECTIONS = ("build", "scale", "reader", "layout", "lighthouse", "reference", "widgets", "pdf")
RESULTS = REPO / "bench-results.md"


def run_section(name: str, quick: bool, factors: tuple[int, ...] | None = None, repeat: int | None = None) -> SectionResult:
    if name == "build":
        import build

        return build.run(quick=quick)
    if name == "reader":
        import reader

        return reader.run(quick=quick)
    if name == "widgets":
        import widgets

        return widgets.run(quick=quick)
    if name == "pdf":
        import pdf_edition

        return pdf_edition.run(quick=quick)
    if name == "scale":
        import scale

        return scale.run(quick=quick, factors=factors or scale.FACTORS, repeat=repeat)
    if name == "layout":
        import layout

        return layout.run(quick=quick)
    if name == "lighthouse":
        import lighthouse

        return lighthouse.run(quick=quick)
    import reference

    return reference.run(quick=quick)


def report(results: list[SectionResult], facts: dict[str, str], quick: bool, seconds: float) -> str:
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`scripts/bench/run.py`); "
        f"{'a --quick smoke run, not representative; ' if quick else ''}"
        f"the whole run took {seconds:.0f} s. Times are medians; a ratio is the median of ratios between runs "
        "made side by side in the same round. Timings never go into the site build.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
    ]
    out += [f"| {k} | {v} |" for k, v in facts.items()]
    out.append("")
    for res in results:
        out.append(res.markdown())
    targeted = [(res.title, row) for res in results for row in res.rows if row.ok is not None]
    if targeted:
        passed = sum(1 for _, r in targeted if r.ok)
        out += ["## Targets", "", f"{passed} of {len(targeted)} targets met.", ""]
        out += [f"- {'pass' if r.ok else '**MISS**'}: {r.figure} = {r.value} (target {r.target})" for _, r in targeted]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke test of the benchmark itself")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections ({', '.join(SECTIONS)})")
    parser.add_argument("--output", type=Path, help=f"write the results here (default: {RESULTS.name} after a full run)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no results file")
    parser.add_argument("--factors", help="scale: chapter multiples, comma-separated (default 1,4,8)")
    parser.add_argument("--repeat", type=int, help="scale: rounds per figure (default 3; 1 with --quick)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    chosen = [s for s in SECTIONS if s in chosen]  # fixed order

    start = time.perf_counter()
    facts = machine()
    facts["load average at start (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    results = []
    for name in chosen:
        log(f"section {name}{' (quick)' if args.quick else ''}")
        factors = tuple(int(x) for x in args.factors.split(",")) if args.factors else None
        results.append(run_section(name, args.quick, factors, args.repeat))
    facts["load average at end (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = report(results, facts, args.quick, time.perf_counter() - start)
    print(text)
    target = args.output
    if target is None and not args.no_write and not args.quick and chosen == list(SECTIONS):
        target = RESULTS
    if target is not None and not args.no_write:
        target.write_text(text, encoding="utf-8")
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
