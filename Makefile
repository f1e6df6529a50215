# Docket's two commands: `make run` and `make test`. See README.md.

VENV ?= .venv
BIN := $(VENV)/bin
BIND ?= 127.0.0.1:8000
# A PostgreSQL server the tests may create and drop a test database on.
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/docket

# `make run` serves plain HTTP on loopback for one person trying Docket; a real
# deployment sets these itself (README, "Configuration").
DOCKET_ALLOWED_HOSTS ?= 127.0.0.1,localhost
DOCKET_HTTPS ?= off

.PHONY: run test lint lint-code lint-types test-services messages screenshots bench

# Python keeps compiled modules (and pytest its rewritten tests) in __pycache__, even where
# the environment says not to: without them every `docket` the tests start compiles
# Docket again, and every test worker rewrites every test module (seconds each).
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/docket: pyproject.toml
	@test -x $(BIN)/python || $$(scripts/find-python) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

# One install with the test tools, not Docket first and the tools after (a second
# resolution of every requirement).
$(VENV)/.test-installed: pyproject.toml
	@test -x $(BIN)/python || $$(scripts/find-python) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(BIN)/docket $@

run: $(BIN)/docket
	@$(BIN)/docket prepare
	@echo "Open http://$(BIND)/ and log in as the administrator named above."
	@DOCKET_ALLOWED_HOSTS=$(DOCKET_ALLOWED_HOSTS) DOCKET_HTTPS=$(DOCKET_HTTPS) \
		$(BIN)/docket serve --bind $(BIND)

# Two halves, which `make test` runs at once: mypy is most of lint's time, on one core.
lint: lint-code lint-types

lint-code: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive docket
	$(BIN)/docket makemigrations --check --dry-run

lint-types: $(VENV)/.test-installed
	$(BIN)/mypy docket

test-services:
	@TEST_DATABASE_URL=$(TEST_DATABASE_URL) scripts/test-services

# Both passes spread their tests over every core (pytest-xdist), each worker with its own
# test database, data folders and live server; each prints its slowest tests.
TEST_WORKERS ?= auto
PYTEST_PASS := $(BIN)/pytest -n $(TEST_WORKERS) --dist load --durations 10 --durations-min 1

# The installs (pip's and the test services') and then the two halves of lint run two at a
# time, each one's output printed whole when it ends.
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint test-services
	$(PYTEST_PASS)
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST_PASS)

# Regenerate the translation catalogues after changing user-facing strings.
messages: $(VENV)/.test-installed
	cd docket && DOCKET_DATA_DIR=../var ../$(BIN)/docket makemessages --locale fa --locale sq --no-obsolete
	cd docket && DOCKET_DATA_DIR=../var ../$(BIN)/docket compilemessages

screenshots: $(VENV)/.test-installed test-services
	$(BIN)/python scripts/screenshots.py docs/screenshots

# The person-matching benchmark: fictional records in Persian and Latin script,
# Docket's linkage against plain Splink; pairwise precision, recall and F1, the
# time of each stage and peak memory, as JSON in var/. RECORDS=200000 for the
# full-size run.
RECORDS ?= 20000
.PHONY: bench-linkage
bench-linkage: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench.linkage.run --records $(RECORDS) --out var/bench-linkage-$(RECORDS).json

# The drafter from text: precision and recall on the annotated corpus per language,
# and the time to draft a 3,000-word letter in each language, as JSON in var/.
.PHONY: bench-drafts
bench-drafts: $(VENV)/.test-installed
	$(BIN)/python -m bench.drafts.run --out var/bench-drafts.json

# The search benchmark at its standard size, 100,000 events on SQLite (a few minutes),
# on a database of its own; see docket/search/bench/README.md. For the full size:
# `make bench BENCH_EVENTS=1000000 BENCH_DB=postgres BENCH_FLAGS=--concurrent`.
BENCH_EVENTS ?= 100000
BENCH_DB ?= sqlite
BENCH_FLAGS ?=
bench: $(BIN)/docket
	@mkdir -p var
	nice -n 10 $(BIN)/docket bench --events $(BENCH_EVENTS) --db $(BENCH_DB) \
		--out var/bench-$(BENCH_DB)-$(BENCH_EVENTS).json $(BENCH_FLAGS)
