"""Self-checking answer fields: `[[answer:ns.name]]` in a page becomes a small form.

The answer and its usual mistakes come from the generator (`ctx.answer`); the sentences the
reader sees come from includes/hints.md, one section per mistake. The field is hidden until
docs/assets/widgets/answer.js has loaded, so without JavaScript the page reads as before.
"""

from __future__ import annotations

import functools
import json
import re
from html import escape

from .artifacts import REPO

HINTS = REPO / "includes" / "hints.md"
FORMATS = {"shape": "a shape, such as 3×2", "number": "a number", "vector": "a vector, such as [0.1, -0.2]",
           "matrix": "a matrix, such as [[1, 2], [3, 4]]"}


@functools.lru_cache(maxsize=4)
def _hints(mtime: int) -> dict[str, str]:
    text = HINTS.read_text(encoding="utf-8")
    sections = re.split(r"(?m)^## +(\S+)\s*$", text)[1:]
    return {sections[i]: " ".join(sections[i + 1].split()) for i in range(0, len(sections), 2)}


def hints() -> dict[str, str]:
    return _hints(HINTS.stat().st_mtime_ns)


def _format(rec: dict) -> str:
    if rec["kind"] == "array":
        rows, cols = rec["shape"]
        return "vector" if 1 in (rows, cols) else "matrix"
    return rec["kind"]


def field(key: str, rec: dict, uid: str) -> str:
    """The HTML of one field. Raises KeyError naming a mistake that has no hint."""
    h = hints()
    missing = [k for k in [*rec["mistakes"], "right", "wrong"] if k not in h]
    if missing:
        raise KeyError(f"includes/hints.md has no section for {', '.join(missing)} (needed by [[answer:{key}]])")
    spec = {"expect": rec["expect"], "digits": rec["digits"], "right": h["right"], "wrong": h["wrong"],
            "mistakes": [{"kind": k, "value": v, "hint": h[k]} for k, v in rec["mistakes"].items()]}
    fmt = FORMATS[_format(rec["expect"])]
    return (f'<span class="bp-answer" data-bp-widget="answer" data-answer="{escape(json.dumps(spec, sort_keys=True))}" hidden>'
            f'<label for="{uid}">Your answer</label> <input id="{uid}" type="text" autocomplete="off" spellcheck="false" '
            f'placeholder="{escape(fmt)}" aria-describedby="{uid}-said"> <button type="button">Check</button> '
            f'<output id="{uid}-said" role="status" aria-live="polite"></output></span>')
