"""Scaffold a chapter: page, generator, test, and its place in the navigation.

    python scripts/new_chapter.py SLUG "Title" [--section "General networks"]

creates docs/SLUG.md, scripts/generators/NS.py and tests/test_chapter_NS.py (NS is
SLUG with '-' as '_') from scripts/templates/, and adds the page to mkdocs.yml's nav.
The new chapter builds and passes its checks as it is; then make it say something.
"""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "scripts" / "templates"


def add_to_nav(mkdocs_yml: str, slug: str, title: str, section: str, after: str | None = None) -> str:
    """Inserts `- Title: slug.md` at the end of the nav section `section`; a new section goes after the
    section `after` (or at the end of the nav)."""
    lines = mkdocs_yml.splitlines()
    try:
        nav = lines.index("nav:")
    except ValueError:
        raise SystemExit("mkdocs.yml has no top-level `nav:`") from None
    end = next((i for i in range(nav + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    entry = f"      - {title}: {slug}.md"
    for i in range(nav + 1, end):
        if lines[i].strip() == f"- {section}:":
            j = i + 1
            while j < end and lines[j].startswith("      "):
                j += 1
            lines.insert(j, entry)
            break
    else:
        at = end
        for i in range(nav + 1, end):
            if after and lines[i].strip() == f"- {after}:":
                at = next((j for j in range(i + 1, end) if not lines[j].startswith("      ")), end)
                break
        lines[at:at] = [f"  - {section}:", entry]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", help="file name of the page, e.g. 'weight-decay'")
    parser.add_argument("title")
    parser.add_argument("--section", default="General networks", help="nav section to add the page to")
    parser.add_argument("--after", default="General networks", help="where a new section goes: after this section")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9-]*", args.slug):
        parser.error("slug: lower-case letters, digits and '-', starting with a letter")
    ns = args.slug.replace("-", "_")
    targets = {
        REPO / "docs" / f"{args.slug}.md": TEMPLATES / "chapter.md",
        REPO / "scripts" / "generators" / f"{ns}.py": TEMPLATES / "generator.py",
        REPO / "tests" / f"test_chapter_{ns}.py": TEMPLATES / "test_chapter.py",
    }
    existing = [str(p.relative_to(REPO)) for p in targets if p.exists()]
    if existing:
        parser.error(f"already exists: {', '.join(existing)}")
    fields = {"slug": args.slug, "ns": ns, "title": args.title, "seed": zlib.crc32(ns.encode()) % 10_000}
    for target, template in targets.items():
        target.write_text(template.read_text(encoding="utf-8").format(**fields), encoding="utf-8")
        print(f"created {target.relative_to(REPO)}")
    config = REPO / "mkdocs.yml"
    config.write_text(add_to_nav(config.read_text(encoding="utf-8"), args.slug, args.title, args.section, args.after), encoding="utf-8")
    print(f"added '{args.title}' to the nav section '{args.section}' in mkdocs.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
