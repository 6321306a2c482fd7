"""Build the site with one engine, all or nothing: `python -m book.build [--engine E] [--site-dir DIR]`.

1. generate and check every artifact (book.generate); a failure stops here;
2. build with the engine (mkdocs, properdocs or zensical) into a fresh folder next to DIR;
3. on success, swap it in for DIR; on any failure, delete both, so no half-built or stale site
   is left where a deploy step would find it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .artifacts import DOCS, REPO
from .engine import generate, report
from .katex import TexError, copy_assets

ENGINES = ("mkdocs", "properdocs", "zensical")


def engine_command(engine: str, config: Path, out: Path, strict: bool) -> tuple[list[str], Path | None]:
    """The command line, and a temporary config file to delete afterwards (Zensical has no --site-dir)."""
    exe = shutil.which(engine, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if exe is None:
        raise SystemExit(f"`{engine}` is not installed here (see `make engines` in the README)")
    if engine in ("mkdocs", "properdocs"):
        return [exe, "build", "--config-file", str(config), "--site-dir", str(out), *(["--strict"] if strict else [])], None
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^site_dir:.*\n", "", text) + f"\nsite_dir: {out.relative_to(config.parent).as_posix()}\n"
    temp = config.parent / f".{engine}-build.yml"
    temp.write_text(text, encoding="utf-8")
    # --clean: Zensical caches pages that include no snippet; its cache does not see changes to the extension.
    return [exe, "build", "--config-file", str(temp), "--clean", *(["--strict"] if strict else [])], temp


def build(engine: str = "mkdocs", site_dir: Path = REPO / "site", strict: bool = True, config: Path = REPO / "mkdocs.yml") -> int:
    site_dir = site_dir.resolve()
    fresh = site_dir.with_name(f".{site_dir.name}.building")
    shutil.rmtree(fresh, ignore_errors=True)

    def give_up(code: int) -> int:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(site_dir, ignore_errors=True)
        print(f"The build failed; {site_dir.relative_to(REPO) if site_dir.is_relative_to(REPO) else site_dir} was removed so "
              f"nothing half-built can be deployed.", file=sys.stderr)
        return code

    try:
        copy_assets(DOCS)
    except TexError as e:
        print(e.reason, file=sys.stderr)
        return give_up(1)
    summary = generate()
    if summary.failures:
        print(f"\nThe build-time checks failed:\n\n{report(summary.failures)}", file=sys.stderr)
        return give_up(1)
    cmd, temp = engine_command(engine, config, fresh, strict)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        proc = subprocess.run(cmd, cwd=config.parent, env=env)
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    if proc.returncode != 0 or not (fresh / "index.html").exists():
        return give_up(proc.returncode or 1)
    shutil.rmtree(site_dir, ignore_errors=True)
    fresh.rename(site_dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, default=os.environ.get("BOOK_ENGINE", "mkdocs"))
    parser.add_argument("--site-dir", type=Path, default=REPO / "site")
    parser.add_argument("--no-strict", dest="strict", action="store_false")
    args = parser.parse_args(argv)
    return build(args.engine, args.site_dir, args.strict)


if __name__ == "__main__":
    sys.exit(main())
