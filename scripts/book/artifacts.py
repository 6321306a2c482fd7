"""Declaring artifacts: what a generator module uses.

A generator is a module `scripts/generators/<ns>.py`. Each function decorated with
`@artifact("name")` receives a `Context`, records checks on `ctx.check`, publishes values
for the prose with `ctx.value`, and returns Markdown: a table, display math or a figure, or
"" when it only publishes values. The engine (book.engine) writes the result to
`generated/<ns>/<name>.md` followed by a compact badge that opens to the checks it passed;
a page includes it with `--8<-- "<ns>/<name>.md"` and cites values with `[[val:<ns>.<name>]]`
(see book.values). Sentences belong in the page, not here.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from html import escape as _escape
from pathlib import Path

from . import answers as _answers
from . import values as _values
from .checks import CheckFailed, CheckRecord, Checks  # noqa: F401  (re-exported for generators and tests)

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
GENERATORS = SCRIPTS / "generators"
GENERATED = REPO / "generated"
DOCS = REPO / "docs"

NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# A snippet line in a page: `--8<-- "path"` (pymdownx.snippets' block form; single quotes work too).
SNIPPET_LINE = re.compile(r"""^(?P<indent>\s*)-{1,}8<-{1,}\s+(?P<q>["'])(?P<target>[^"']+)(?P=q)\s*$""")


@dataclasses.dataclass
class Context:
    ns: str
    name: str
    check: Checks
    values: dict[str, dict]
    data: dict[str, str] = dataclasses.field(default_factory=dict)

    def value(self, name: str, x, digits: int = 4, *, grad_of=None, layout: str | None = None):
        """Publish a number, array, shape (tuple of ints) or TeX string for the page: [[val:ns.name]].

        A gradient by a matrix must say what it is the gradient of and in which layout
        (`grad_of=W, layout="denominator"`): the build then checks it has W's shape.
        """
        if not NAME.fullmatch(name.lower()):
            raise ValueError(f"value name {name!r}: use letters, digits and '_'")
        if grad_of is not None:
            self.check.weight_gradient(f"{name} has the shape of the matrix it differentiates by", x, grad_of, layout or "")
        rec = _values.record(x, digits)
        key = f"{self.ns}.{name}"
        if key in self.values and self.values[key] != rec:
            raise ValueError(f"value {key} published twice with different contents")
        self.values[key] = rec
        return x

    def answer(self, name: str, x, *, mistakes: dict | None = None, digits: int = 4):
        """Publish the answer to an exercise for a self-checking field: [[answer:ns.name]] on the page.

        `x` is a number, a vector or matrix, or a shape (tuple of ints); `mistakes` maps the usual
        mistakes (kinds named in includes/hints.md) to the wrong answer each one gives, so the
        field can say which mistake a reader made. [[val:ns.name]] cites the answer itself.
        """
        expect = _values.record(x, digits)
        wrong = {kind: _values.record(v, digits) for kind, v in sorted((mistakes or {}).items())}
        if expect["kind"] not in ("number", "array", "shape"):
            raise ValueError(f"answer {name}: publish a number, a vector or matrix, or a shape, not {expect['kind']}")
        # Typed as printed, each value must get its own verdict from the field (book.answers has the rule).
        clash = _answers.told_apart(expect, wrong)
        self.check.that(f"answer {name}: each usual mistake gives another answer", not clash,
                        f"{len(wrong)} mistake{'s' if len(wrong) != 1 else ''} ({', '.join(wrong) or 'none'}) told apart from the answer"
                        if not clash else f"these cannot be told apart by the field: {'; '.join(clash)}")
        key = f"{self.ns}.{name}"
        if key in self.values:
            raise ValueError(f"value {key} published twice")
        self.values[key] = {"kind": "answer", "expect": expect, "digits": digits, "mistakes": wrong}
        return x

    def publish_data(self, name: str, obj) -> None:
        """Publish JSON data (test vectors, widget data): written to generated/<ns>/<name>.json."""
        if not NAME.fullmatch(name):
            raise ValueError(f"data name {name!r}: use lower case letters, digits, '-' and '_'")
        if name in self.data:
            raise ValueError(f"data {self.ns}/{name} published twice")
        try:
            self.data[name] = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"
        except ValueError as e:
            raise CheckFailed(f"data {self.ns}/{name} contains NaN or inf ({e})") from None


ArtifactFn = Callable[[Context], str]
_REGISTRY: dict[str, dict[str, ArtifactFn]] = {}
_LOADING: list[str] = []


def artifact(name: str) -> Callable[[ArtifactFn], ArtifactFn]:
    """Register `fn` as the artifact `<module>/<name>`."""
    if not NAME.fullmatch(name):
        raise ValueError(f"artifact name {name!r}: use lower case letters, digits, '-' and '_'")

    def register(fn: ArtifactFn) -> ArtifactFn:
        ns = _LOADING[-1] if _LOADING else fn.__module__.rsplit(".", 1)[-1]
        table = _REGISTRY.setdefault(ns, {})
        if name in table:
            raise ValueError(f"artifact {ns}/{name} is declared twice")
        table[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------
# What a page includes: the artifact, then its badge


NON_FINITE = re.compile(r"(?<![A-Za-z_\\#-])(nan|[+-]?inf(inity)?)(?![A-Za-z_-])", re.I)


def escape(s: str) -> str:
    return _escape(s, quote=False)


INLINE_TEX = re.compile(r"\$(?P<a>[^$]+)\$|\\\((?P<b>.+?)\\\)")


def _text(s: str) -> str:
    """Escaped text whose $…$ or \\(…\\) becomes the inline math the book's KaTeX step renders."""
    out, pos = [], 0
    for m in INLINE_TEX.finditer(s):
        out += [escape(s[pos:m.start()]), '<span class="arithmatex">\\(' + escape(m["a"] or m["b"]) + "\\)</span>"]
        pos = m.end()
    return "".join(out) + escape(s[pos:])


def badge(ns: str, name: str, records: list[CheckRecord]) -> str:
    """A compact, closed badge that opens to the checks (raw HTML, one block, no blank lines)."""
    n = len(records)
    items = "".join(f"<li><b>{_text(r.label)}</b>: {_text(r.detail)}</li>" for r in records)
    summary = f'<span aria-hidden="true">✓ </span>{n} check{"s" if n != 1 else ""} passed'
    source = f"<p>Source: <code>scripts/generators/{ns}.py</code>, artifact <code>{ns}/{name}</code></p>"
    return f'<details class="bp-checks" data-search-exclude><summary>{summary}</summary><ul>{items}</ul>{source}</details>'


def render(ns: str, name: str, body: str, checks: Checks) -> str:
    """The file a page includes: the artifact's Markdown, then what it was checked against."""
    if m := NON_FINITE.search(_strip_markup(body)):
        raise CheckFailed(f"the output contains the non-finite value '{m[0]}'")
    if not checks.records:
        raise CheckFailed("the artifact records no checks: every artifact checks what it publishes")
    out = body.rstrip()
    return (out + "\n\n" if out else "") + badge(ns, name, checks.records) + "\n"


def _strip_markup(text: str) -> str:
    """Text a reader sees: tags and SVG attribute soup removed (ids such as 'inf-1' are not numbers)."""
    return re.sub(r"<[^>]*>", " ", text)
