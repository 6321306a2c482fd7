"""Self-checking answer fields: `[[answer:ns.name]]` in a page becomes a small form.

The answer and its usual mistakes come from the generator (`ctx.answer`); the sentences the
reader sees come from includes/hints.md, one section per mistake and one per generic verdict
(right, close, wrong, size, unreadable, empty). docs/assets/widgets/answer.js reads what the reader
typed and judges it by the rule below; this module holds the same rule in Python, so the build
can check, for every answer, that typing each declared value gives that value's verdict (the
right answer says right, each mistake shows its own hint).

How close is right (the tolerance suits the printed precision). The generator prints each
number with a fixed count of decimals (`digits`); call one unit of its last printed digit u.
For every entry the reader typed:

  right   within one unit of the printed number, |x - p| <= u, typed to at least as many
          decimals as printed (a trailing zero may be left out: -0.061 for -0.0610). One unit,
          not half, so that a result computed by hand from the book's rounded tables counts.
          Whole numbers (printed without decimals) must be typed exactly.
  close   fewer decimals than printed, and the printed number rounds to what was typed
          (|x - p| <= half a unit of the reader's last digit, x not 0): "give more digits".

A number, vector or matrix is right when every entry is right; close when every entry is right
or close. A vector may be typed as a row or a column; a matrix must have the right rows and
columns. A shape must be typed exactly. The verdict, in this order: right; a declared mistake
(typed to its printed precision); close to the answer; close to a mistake (its hint); the wrong
number of entries (size); wrong.

The field is hidden until the script has run, so without JavaScript the page reads as before;
docs/assets/book.css keeps the field's place while it is hidden, so showing it shifts nothing.
"""

from __future__ import annotations

import functools
import json
import re
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HINTS = REPO / "includes" / "hints.md"
GENERIC = ("right", "close", "wrong", "size", "unreadable", "empty")
FORMATS = {"shape": ("a shape", "3×2"), "number": ("a number", "-0.25 or 1.5e-3"),
           "vector": ("a vector", "[0.1, -0.2, 0.3]"), "matrix": ("a matrix", "[[1, 2], [3, 4]] or [1, 2; 3, 4]")}
SLACK = 1e-9  # relative, for binary floating point: 0.0611 - 0.0610 is a hair more than 0.0001


@functools.lru_cache(maxsize=4)
def _hints(mtime: int) -> dict[str, str]:
    text = HINTS.read_text(encoding="utf-8")
    sections = re.split(r"(?m)^## +(\S+)\s*$", text)[1:]
    return {sections[i]: " ".join(sections[i + 1].split()) for i in range(0, len(sections), 2)}


def hints() -> dict[str, str]:
    return _hints(HINTS.stat().st_mtime_ns)


# ---------------------------------------------------------------------------
# The rule (answer.js has the same; tests/test_answers.py holds the two together)


def decimals(text: str) -> int:
    """Decimals printed in a number's text: '-0.0610' -> 4, '5' -> 0."""
    return len(text.split(".", 1)[1]) if "." in text else 0


def form(rec: dict) -> str:
    """What kind of answer a record asks for: number, vector, matrix or shape."""
    if rec["kind"] == "array":
        return "vector" if 1 in rec["shape"] else "matrix"
    return rec["kind"]


def _shape(dims) -> list[int]:
    return [*dims, 1] if len(dims) == 1 else list(dims)


def entry(x: float, typed_decimals: int, text: str) -> str | None:
    """'right', 'close' or None for one typed entry (value x, typed_decimals after the point) against a printed one."""
    p, d = float(text), decimals(text)
    if d == 0:
        return "right" if x == p else None
    unit = float(f"1e{-d}")  # as answer.js writes it: Number("1e-4")
    if abs(x - p) <= unit * (1 + SLACK) + SLACK * abs(p) and (typed_decimals >= d or x == p):
        return "right"
    if typed_decimals < d and x != 0 and abs(x - p) <= 0.5 * float(f"1e{-typed_decimals}") * (1 + SLACK):
        return "close"
    return None


def compare(typed: dict, rec: dict) -> str | None:
    """'right', 'close', 'size' or None (wrong) for one reading of what was typed against a record.

    `typed` is {"shape": [3, 2]} for a shape, or {"rows": [[[x, typed_decimals], ...], ...]}.
    """
    if rec["kind"] == "shape":
        return "right" if "shape" in typed and typed["shape"] == _shape(rec["shape"]) else None
    if "rows" not in typed:
        return None
    rows = typed["rows"]
    cells = [[rec["text"]]] if rec["kind"] == "number" else rec["cells"]
    want = [c for row in cells for c in row]
    got = [c for row in rows for c in row]
    if form(rec) == "matrix":
        if len(rows) != len(cells) or any(len(r) != len(cells[0]) for r in rows):
            return "size"
    elif len(rows) > 1 and any(len(r) != 1 for r in rows) or len(got) != len(want):
        return "size"
    states = [entry(x, d, text) for (x, d), text in zip(got, want, strict=True)]
    if all(s == "right" for s in states):
        return "right"
    if all(s in ("right", "close") for s in states):
        return "close"
    return None


def judge(spec: dict, readings: list[dict]) -> dict:
    """The verdict for what the reader typed, read in one or more ways (decimal commas are ambiguous).

    `spec` has "expect" and "mistakes" ([{"kind", "value"}, ...], in the order they are tried).
    Returns {"state": "right" | "hint" | "close" | "size" | "wrong" | "unreadable", "kind": mistake}.
    """
    if not readings:
        return {"state": "unreadable"}
    first = [compare(t, spec["expect"]) for t in readings]
    if "right" in first:
        return {"state": "right"}
    against = [(m["kind"], [compare(t, m["value"]) for t in readings]) for m in spec["mistakes"]]
    for kind, states in against:
        if "right" in states:
            return {"state": "hint", "kind": kind}
    if "close" in first:
        return {"state": "close"}
    for kind, states in against:
        if "close" in states:
            return {"state": "hint", "kind": kind}
    if all(s == "size" for s in first):
        return {"state": "size"}
    return {"state": "wrong"}


def typed_as_printed(rec: dict) -> dict:
    """What a reader types who copies a record at its printed precision."""
    if rec["kind"] == "shape":
        return {"shape": _shape(rec["shape"])}
    cells = [[rec["text"]]] if rec["kind"] == "number" else rec["cells"]
    return {"rows": [[[float(c), decimals(c)] for c in row] for row in cells]}


def told_apart(expect: dict, mistakes: dict[str, dict]) -> list[str]:
    """Problems: declared values the field could not tell apart (typed as printed, each must get its own verdict)."""
    spec = {"expect": expect, "mistakes": [{"kind": k, "value": v} for k, v in mistakes.items()]}
    problems = []
    for kind, rec in [("right", expect), *mistakes.items()]:
        if rec["kind"] != expect["kind"] and {rec["kind"], expect["kind"]} != {"number", "array"}:
            problems.append(f"{kind} is a {rec['kind']}, the answer a {expect['kind']}")
            continue
        got = judge(spec, [typed_as_printed(rec)])
        said = got.get("kind", got["state"])
        if said != kind:
            problems.append(f"the {kind} value, typed as printed, is taken for '{said}'")
    return problems


# ---------------------------------------------------------------------------
# The field's label: "Your answer to Exercise 2", from the admonition the field sits in

ADMONITION = re.compile(r'^(?P<indent> *)(?:!!!|\?\?\?\+?) *[\w-]+(?: +[\w-]+)*(?: +"(?P<title>[^"]*)")? *$')
HEADING = re.compile(r"^#{1,6} +(?P<title>.+?) *#* *(?:\{[^}]*\})? *$")
FENCE = re.compile(r"^ *(```+|~~~+)")
MATH = re.compile(r"\\\(.*?\\\)|\$[^$]*\$")


def _plain(title: str) -> str:
    """A title as plain text for a label: Markdown marks dropped; math too, with what follows a colon before it."""
    if m := MATH.search(title):
        before = title[:m.start()]
        title = before.split(":", 1)[0] if ":" in before else MATH.sub("", title)
    title = re.sub(r"[*_`]", "", title)
    return " ".join(title.split()).strip(" :;,.")


def _fenced(lines: list[str]) -> list[bool]:
    inside, fence = [], None
    for line in lines:
        m = FENCE.match(line)
        if fence is None and m:
            fence = m[1]
            inside.append(True)
        elif fence is not None:
            inside.append(True)
            if m and m[1].startswith(fence[0]) and len(m[1]) >= len(fence) and not line.strip()[len(m[1]):]:
                fence = None
        else:
            inside.append(False)
    return inside


def context(lines: list[str], n: int) -> str:
    """What the field on line n answers: the title of the admonition it sits in, or the section's heading."""
    fenced = _fenced(lines)

    def indent(s: str) -> int:
        return len(s) - len(s.lstrip(" "))

    limit = indent(lines[n])
    for i in range(n - 1, -1, -1):
        s = lines[i]
        if not s.strip() or fenced[i] or indent(s) >= limit:
            continue
        if m := ADMONITION.match(s):
            title = _plain(m["title"] if m["title"] is not None else s.split()[1].capitalize())
            if title:
                return title
        limit = indent(s)
        if limit == 0:
            break
    for i in range(n, -1, -1):
        if not fenced[i] and (m := HEADING.match(lines[i])) and (title := _plain(m["title"])):
            return title
    return ""


class LabelClash(ValueError):
    """Two fields on a page would have the same name; `index` is the second."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index


def labels(places: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(visible, added for screen readers) for each field of a page, given (context, label the author wrote).

    One field without a label in its context: "Your answer" + " to Exercise 2"; several: "Answer 1",
    "Answer 2" + " to Exercise 2"; a written label: as written + " (Exercise 2)". Raises LabelClash
    if two fields would have the same name.
    """
    unnamed: dict[str, int] = {}
    for where, label in places:
        if label is None:
            unnamed[where] = unnamed.get(where, 0) + 1
    out, seen, count = [], {}, {}
    for i, (where, label) in enumerate(places):
        if label is not None:
            pair = (label, f" ({where})" if where else "")
        else:
            count[where] = count.get(where, 0) + 1
            shown = "Your answer" if unnamed[where] == 1 else f"Answer {count[where]}"
            pair = (shown, f" to {where}" if where else "")
        name = "".join(pair)
        if name in seen:
            raise LabelClash(f"two answer fields on this page are both called '{name}': give each its own label, "
                             '[[answer:ns.name "what it asks for"]]', i)
        seen[name] = True
        out.append(pair)
    return out


# ---------------------------------------------------------------------------
# The field


def _size(rec: dict) -> str:
    if rec["kind"] == "number":
        return "a single number"
    rows, cols = rec["shape"]
    if 1 in (rows, cols):
        return f"a vector of {rows * cols} entries"
    return f"a {rows}×{cols} matrix"


def sentences(rec: dict) -> dict[str, str]:
    """The generic sentences for one answer, with {…} filled in. Raises KeyError naming a missing one."""
    h = hints()
    missing = [k for k in GENERIC if k not in h]
    if missing:
        raise KeyError(f"includes/hints.md has no section for {', '.join(missing)}")
    expect = rec["expect"]
    cells = [expect["text"]] if expect["kind"] == "number" else [c for row in expect.get("cells", []) for c in row]
    d = max((decimals(c) for c in cells), default=0)
    what, example = FORMATS[form(expect)]
    fill = {"decimals": f"{d} decimal place{'s' if d != 1 else ''}", "format": what, "example": example,
            "size": _size(expect) if expect["kind"] != "shape" else "a shape"}
    out = {}
    for k in GENERIC:
        unknown = sorted(set(re.findall(r"\{(\w*)\}", h[k])) - set(fill))
        if unknown:
            raise KeyError(f"includes/hints.md, section {k}, uses {{{unknown[0]}}}, which the build does not fill in "
                           f"(it fills in {', '.join('{' + f + '}' for f in fill)})")
        out[k] = re.sub(r"\{(\w+)\}", lambda m: fill[m[1]], h[k])
    return out


def field(key: str, rec: dict, uid: str, label: tuple[str, str] = ("Your answer", "")) -> str:
    """The HTML of one field. Raises KeyError naming a mistake that has no hint."""
    h = hints()
    missing = [k for k in rec["mistakes"] if k not in h]
    if missing:
        raise KeyError(f"includes/hints.md has no section for {', '.join(missing)} (needed by [[answer:{key}]])")
    try:
        said = sentences(rec)
    except KeyError as e:
        raise KeyError(f"{e.args[0]} (needed by [[answer:{key}]])") from None
    spec = {"expect": rec["expect"], **said,
            "mistakes": [{"kind": k, "value": v, "hint": h[k]} for k, v in rec["mistakes"].items()]}
    what, example = FORMATS[form(rec["expect"])]
    shown, added = (escape(s, quote=False) for s in label)
    hidden = f'<span class="bp-vh">{added}</span>' if added else ""
    name = shown + added
    data = escape(json.dumps(spec, sort_keys=True))
    return (f'<span class="bp-answer bp-answer-{form(rec["expect"])}" data-bp-widget="answer" data-search-exclude '
            f'data-answer="{data}" hidden>'
            f'<label for="{uid}">{shown}{hidden}</label>'
            f'<input id="{uid}" type="text" autocomplete="off" autocapitalize="off" spellcheck="false" '
            f'placeholder="{escape(what)}, such as {escape(example)}" aria-describedby="{uid}-said">'
            f'<button type="button">Check<span class="bp-vh"> {name[:1].lower() + name[1:]}</span></button>'
            f'<output id="{uid}-said" for="{uid}" role="status" aria-live="polite"></output></span>')

