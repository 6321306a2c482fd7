"""Words a reader reads, per page of a built site: `python scripts/tools/wordcount.py [SITE] [--json]`.

Counts the words of each page's article text. A formula counts as one word (whatever its
HTML), code blocks and the build's check badges are left out (they are not prose), and so is
the navigation. Used to measure issue 9's goal (at least 15% fewer words with no topic lost).
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

SKIP_CLASSES = {"katex", "arithmatex", "bp-checks", "highlight", "headerlink", "md-source-file"}
SKIP_TAGS = {"script", "style", "svg", "pre", "template", "nav", "math"}


class _Article(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <article>
        self.skip: list[bool] = []
        self.words = 0
        self.formulas = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "input", "hr", "meta", "link", "wbr", "col", "source"):
            return
        cls = set((dict(attrs).get("class") or "").split())
        if tag == "article":
            self.depth += 1
        skipped = bool(self.skip and self.skip[-1])
        if not skipped and "arithmatex" in cls:
            self.formulas += 1
        self.skip.append(skipped or tag in SKIP_TAGS or bool(cls & SKIP_CLASSES))

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        if tag not in ("br", "img", "input", "hr", "meta", "link", "wbr", "col", "source") and self.skip:
            self.skip.pop()

    def handle_data(self, data):
        if self.depth > 0 and not (self.skip and self.skip[-1]):
            self.words += len(re.findall(r"[\w′'’-]+", data))


def count(html: str) -> int:
    p = _Article()
    p.feed(html)
    return p.words + p.formulas


def pages(site: Path) -> dict[str, int]:
    out = {}
    for f in sorted(site.rglob("index.html")):
        rel = f.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search", "print_page")):
            continue
        out[rel or "."] = count(f.read_text(encoding="utf-8"))
    return out


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv and not argv[0].startswith("--") else Path("site")
    result = pages(site)
    if "--json" in argv:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        for page, n in result.items():
            print(f"{n:7d}  {page}")
        print(f"{sum(result.values()):7d}  all pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
