"""Check the external links of the built site: `make linkcheck` (never part of CI).

Outside sites change and rate-limit; a failure here is a to-do, not a broken build.
Prints one line per link and exits 1 if any failed.
"""

from __future__ import annotations

import concurrent.futures
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "site"
SKIP = ("http://www.w3.org/", "https://backprop-book.github.io/")


class Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith(("http://", "https://")) and not href.startswith(SKIP):
            self.urls.add(href.split("#")[0])


def check(url: str) -> tuple[str, str]:
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "backprop-book-linkcheck"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return url, str(response.status)
    except urllib.error.HTTPError as e:
        if e.code in (403, 405, 429):  # many sites refuse HEAD or robots; treat as reachable but flag
            return url, f"{e.code} (not conclusive)"
        return url, f"FAIL {e.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        return url, f"FAIL {e}"


def main() -> int:
    if not SITE.exists():
        print("build the site first: make build", file=sys.stderr)
        return 2
    parser = Hrefs()
    for page in SITE.rglob("*.html"):
        parser.feed(page.read_text(encoding="utf-8"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = sorted(pool.map(check, sorted(parser.urls)))
    for url, status in results:
        print(f"{status:>24}  {url}")
    failed = [u for u, s in results if s.startswith("FAIL")]
    print(f"{len(results)} external link(s), {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
