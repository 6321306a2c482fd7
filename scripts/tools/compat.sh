#!/usr/bin/env bash
# Forward compatibility: build the same mkdocs.yml with ProperDocs and with Zensical and
# report what differs from the MkDocs build. Not part of CI (both are young projects).
# Each engine gets its own throwaway virtualenv; the artifacts are generated once, by the
# book's own command, because neither engine runs MkDocs hooks the same way.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_MKDOCS_2_WARNING=1

.venv/bin/python scripts/book/generate.py || exit 1
.venv/bin/mkdocs build --strict --site-dir "$work/mkdocs" -q || exit 1

engine() {  # name, pip spec, build command...
  local name=$1 spec=$2; shift 2
  python3 -m venv "$work/venv-$name" && "$work/venv-$name/bin/pip" install -q "$spec" \
    mkdocs-material==9.8.2 pymdown-extensions==13.1.2 numpy matplotlib >/dev/null 2>&1 \
    || { echo "$name: could not install $spec"; return; }
  local log="$work/$name.log"
  if PATH="$work/venv-$name/bin:$PATH" "$@" >"$log" 2>&1; then
    echo "$name: built"
  else
    echo "$name: build FAILED (last lines below)"; tail -n 15 "$log"
  fi
  PATH="$work/venv-$name/bin:$PATH" python3 - "$work/mkdocs" "$work/$name" "$name" <<'PY'
import re, sys
from pathlib import Path
ref, other, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
pages = sorted(p.relative_to(ref) for p in ref.rglob("index.html"))
missing = [str(p) for p in pages if not (other / p).exists()]
print(f"{name}: {len(pages) - len(missing)}/{len(pages)} pages present" + (f"; missing {missing}" if missing else ""))
for p in pages:
    if (other / p).exists():
        html = (other / p).read_text(encoding="utf-8", errors="replace")
        ours = (ref / p).read_text(encoding="utf-8", errors="replace")
        notes = []
        if ours.count('class="katex"') and not html.count('class="katex"'):
            notes.append("math not rendered at build time (raw TeX left for client-side rendering)")
        if "--8<--" in html:
            notes.append("snippet lines left unexpanded")
        figs = '<figure class="bp-figure">'
        if ours.count(figs) > html.count(figs):
            notes.append(f"{ours.count(figs) - html.count(figs)} fewer generated figures")
        if notes:
            print(f"  {p}: " + "; ".join(notes))
PY
}

engine properdocs properdocs properdocs build --site-dir "$work/properdocs" -f mkdocs.yml
# Zensical writes to the config's site_dir: build in a copy so the repo's site/ is untouched.
mkdir -p "$work/zcopy" && cp -r docs overrides scripts generated mkdocs.yml "$work/zcopy/" && ln -s "$PWD/node_modules" "$work/zcopy/node_modules"
engine zensical zensical sh -c "cd '$work/zcopy' && zensical build --config-file mkdocs.yml --clean && mv site '$work/zensical'"
