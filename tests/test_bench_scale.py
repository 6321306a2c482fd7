"""The scaling benchmark's clones are real chapters: each cites its own generator's artifacts and values.

scripts/bench/scale.py multiplies the book by cloning every chapter page and generator under new
names. A clone that still cited the original's namespace would build without running its own
generator and make the larger book look cheaper than it is; a clone whose tagged formula cites
other values than the original under the same label would stop the build. Checked on a small
book made here (no build, no timing).
"""

from __future__ import annotations

import sys
from pathlib import Path

from site_fixtures import REPO

sys.path.insert(0, str(REPO / "scripts" / "bench"))
import scale  # noqa: E402

PAGE = """# Chapter A

--8<-- "alpha/table.md"
--8<-- "scripts/backprop/network.py:backward"
The loss is [[val:alpha.L]], with shape [[shape:beta.dW]] and answer [[answer:alpha.ex1]].
\\[ z = W a + [[val:alpha.b]] \\tag{F1} \\]
"""
GENERATOR = 'DEPENDS_ON = ["scripts/generators/beta.py", "scripts/backprop/*.py"]\n'
CONFIG = """site_name: x
nav:
  - Home: index.md
  - Part:
      - Chapter A: a.md
      - b.md
plugins:
  - search
"""


def small_book(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "scripts" / "generators").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (root / "docs" / "a.md").write_text(PAGE, encoding="utf-8")
    (root / "docs" / "b.md").write_text("# B\n\n[[val:beta.x]]\n", encoding="utf-8")
    (root / "scripts" / "generators" / "alpha.py").write_text(GENERATOR, encoding="utf-8")
    (root / "scripts" / "generators" / "beta.py").write_text("\n", encoding="utf-8")
    (root / "scripts" / "generators" / "_shared.py").write_text("\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    return root


def test_multiply_clones_pages_generators_and_nav(tmp_path):
    root = small_book(tmp_path)
    assert scale.multiply(root, 3) == 6
    gens = sorted(p.name for p in (root / "scripts" / "generators").glob("*.py"))
    assert gens == ["_shared.py", "alpha.py", "alpha_c2.py", "alpha_c3.py", "beta.py", "beta_c2.py", "beta_c3.py"]
    clone = (root / "docs" / "a-c3.md").read_text(encoding="utf-8")
    assert '--8<-- "alpha_c3/table.md"' in clone
    assert '--8<-- "scripts/backprop/network.py:backward"' in clone  # code includes stay
    assert "[[val:alpha_c3.L]]" in clone and "[[shape:beta_c3.dW]]" in clone and "[[answer:alpha_c3.ex1]]" in clone
    assert "\\tag{F1c3}" in clone and "alpha." not in clone.replace("alpha_c3.", "")
    assert (root / "docs" / "a.md").read_text(encoding="utf-8") == PAGE  # the original is untouched
    assert "scripts/generators/beta_c2.py" in (root / "scripts" / "generators" / "alpha_c2.py").read_text(encoding="utf-8")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert '"Chapter A (2)": a-c2.md' in config and '"b (3)": b-c3.md' in config
    assert config.index("- Copy 3:") > config.index("- Copy 2:") > config.index("Chapter A: a.md")
    assert config.index("plugins:") > config.index("b-c3.md")  # the clones go into nav, not under the next key


def test_factor_one_changes_nothing(tmp_path):
    root = small_book(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert scale.multiply(root, 1) == 2
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_serve_is_timed_as_make_serve_runs_it(tmp_path):
    """The benchmark's `mkdocs serve` takes its flags and environment from the Makefile's serve target."""
    import build
    flags, env = build.make_serve()
    assert "--dirty" in flags and "--livereload" in flags, flags
    assert env.get("BOOK_SERVE") == "1", env
    # The fault: a Makefile whose serve line the benchmark cannot read is an error, not a silent default.
    broken = tmp_path / "Makefile"
    broken.write_text("serve:\n\tmkdocs serve\n", encoding="utf-8")
    try:
        build.make_serve(broken)
    except RuntimeError as e:
        assert "SERVE_mkdocs" in str(e)
    else:
        raise AssertionError("a Makefile without SERVE_mkdocs was read without complaint")
