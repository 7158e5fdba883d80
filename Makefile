# One entry point for every task; each target builds what it needs from a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SPEC := openapi/openapi.yaml

# Every environment is installed from uv.lock by one uv, at the version pyproject.toml requires,
# living in its own venv so that `uv sync` leaves each environment exactly as the lock says.
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"$$/\1/p' pyproject.toml)
UV_HOME := .venv-uv
UV := $(UV_HOME)/bin/uv

# The newest installed patch release of a Python version (pyenv has them all on these machines).
pyenv_python = $$(ls -d "$$(pyenv root)"/versions/$(1).* | sort -V | tail -n 1)/bin/python

.PHONY: demo test lint format typecheck spec-lint generate check-generated pytest clean test-matrix test-lowest dist-check system-tools test-calendar lock upgrade inbox-screenshots

demo: $(VENV)/.installed
	$(PY) examples/quickstart.py

test: $(VENV)/.installed node_modules/.installed lint typecheck spec-lint check-generated docs pytest

$(UV_HOME)/.installed: pyproject.toml
	test -x $(UV_HOME)/bin/python || $(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	touch $@

# The development environment: the package (editable, every extra) and the `dev` group, at the
# versions in uv.lock, on Python 3.11+ (schemathesis needs it; test-matrix covers 3.10).
# --locked fails if pyproject.toml changed since the lock: run `make lock`.
$(VENV)/.installed: pyproject.toml uv.lock $(UV_HOME)/.installed
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "make: .venv needs Python 3.11 or newer (schemathesis does): make PYTHON=/path/to/python3.11")'
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --quiet --locked --python $(PYTHON)
	touch $@

# Re-resolve after editing dependencies in pyproject.toml; `upgrade` moves every unpinned
# dependency to its newest allowed version. Commit uv.lock with the change.
lock: $(UV_HOME)/.installed
	$(UV) lock

upgrade: $(UV_HOME)/.installed
	$(UV) lock --upgrade

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian tools the tests run: curl (the documentation's curl examples), faketime (the calendar),
# chromium (the inbox's browser tests; Playwright drives it, as `playwright install` cannot).
SYSTEM_TOOLS := curl faketime chromium
system-tools:
	@missing=$$(for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || echo $$tool; done); \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check src tools tests examples
	$(BIN)/ruff format --check src tools tests examples

format: $(VENV)/.installed
	$(BIN)/ruff check --fix src tools tests examples
	$(BIN)/ruff format src tools tests examples

typecheck: $(VENV)/.installed
	$(BIN)/mypy
	$(BIN)/pyright

spec-lint: $(VENV)/.installed node_modules/.installed
	$(BIN)/openapi-spec-validator $(SPEC)
	$(BIN)/openapi-spec-validator src/ccx/mock/openapi.json
	npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity error $(SPEC)
	npx --no-install redocly lint $(SPEC)

# The code from the spec, then the API reference pages from the code's docstrings.
generate: $(VENV)/.installed
	$(PY) -m tools.codegen
	$(PY) -m tools.reference

check-generated: $(VENV)/.installed
	$(PY) -m tools.codegen --check
	$(PY) -m tools.reference --check

pytest: $(VENV)/.installed system-tools
	$(BIN)/pytest -q

# The calendar: nothing may depend on today's date. The tests whose inputs carry dates (the
# spec's examples, the docs, the examples, the contract runs) run with the system date years
# ahead; the mock clocks start at fixed instants, so they pass on any day.
FUTURE := 2031-06-01 12:00:00 UTC
# As an offset from the real clock, which every process of a run adds alike. A start instant
# (`@2031-…`) would begin afresh in each process libfaketime loads into: a child started ten
# minutes into the run would lag its parent by ten minutes, and a webhook the parent's mock
# signs would look ten minutes old to the child (beyond the signature tolerance).
IN_THE_FUTURE = faketime -m -f "+$$(( $$(date -d '$(FUTURE)' +%s) - $$(date +%s) ))"
# (The bare schemathesis run is left out: its mock and its CLI both run outside faketime, so
# it would only repeat `make test`'s run.)
CALENDAR_TESTS := tests/test_spec.py tests/contract tests/docs tests/examples
test-calendar: $(VENV)/.installed node_modules/.installed system-tools
	$(IN_THE_FUTURE) $(BIN)/pytest -q -p no:cacheprovider $(CALENDAR_TESTS) \
	  --deselect tests/contract/test_schemathesis_bare.py

# The unit tests on the oldest and newest supported Pythons (pyenv has them on these machines).
# The oldest runs with the system date years ahead too: CPython 3.10 sleeps with select() and
# times lock waits on CLOCK_REALTIME, which libfaketime fakes well with the monotonic clock left
# real; 3.11+ needs libfaketime's own monotonic clock (see tests/contract/run_schemathesis.py).
MATRIX_PYTHONS := 3.10 3.13
UNIT_TESTS := tests/core tests/webhooks tests/mock tests/cli tests/test_public_api.py tests/test_generated_surface.py tests/test_pytest_plugin.py
UNIT_RUN := -m pytest -q -p no:cacheprovider $(UNIT_TESTS)

test-matrix: system-tools $(UV_HOME)/.installed
	set -e; for version in $(MATRIX_PYTHONS); do \
	  venv=.venv-$$version; \
	  UV_PROJECT_ENVIRONMENT=$$venv $(UV) sync --quiet --locked --no-default-groups --group test \
	    --python $(call pyenv_python,$$version); \
	  echo "== Python $$version"; \
	  if [ $$version = 3.10 ]; then \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 $(IN_THE_FUTURE) $$venv/bin/python $(UNIT_RUN); \
	  else \
	    $$venv/bin/python $(UNIT_RUN); \
	  fi; \
	done

# The lower bounds pyproject.toml promises users: the unit tests with the oldest allowed version
# of every runtime dependency, on the oldest Python. uv reads that floor from pyproject.toml
# itself (lowest-direct, no dependencies). The test tools keep their locked versions wherever
# the floor allows: uv prefers the pins already in the file it writes, so the lock's export goes
# there first, and a tool moves back only when the floor rules its locked version out.
LOWEST_PYTHON := 3.10
LOWEST_VENV := .venv-lowest
LOWEST_PY := $(LOWEST_VENV)/bin/python

test-lowest: $(UV_HOME)/.installed
	$(UV) venv --quiet --allow-existing --python $(call pyenv_python,$(LOWEST_PYTHON)) $(LOWEST_VENV)
	$(UV) pip compile --quiet --no-header --no-annotate pyproject.toml --no-deps \
	  --resolution lowest-direct --python $(LOWEST_PY) > $(LOWEST_VENV)/floor.txt
	$(UV) export --quiet --locked --no-default-groups --group test --no-emit-project --no-hashes \
	  --output-file $(LOWEST_VENV)/requirements.txt
	echo '-e .' | $(UV) pip compile --quiet - --group pyproject.toml:test \
	  --constraint $(LOWEST_VENV)/floor.txt --python $(LOWEST_PY) \
	  --output-file $(LOWEST_VENV)/requirements.txt
	$(UV) pip sync --quiet --python $(LOWEST_PY) $(LOWEST_VENV)/requirements.txt
	@echo "== Python $(LOWEST_PYTHON), oldest allowed:" $$(cat $(LOWEST_VENV)/floor.txt)
	$(LOWEST_PY) $(UNIT_RUN)

# Build the sdist and wheel, install the wheel alone into a clean venv, and use it.
dist-check: $(UV_HOME)/.installed
	rm -rf dist .venv-dist
	$(UV) build --quiet --out-dir dist
	$(PYTHON) -m venv .venv-dist
	.venv-dist/bin/python -m pip install --quiet --disable-pip-version-check dist/*.whl
	cd /tmp && $(CURDIR)/.venv-dist/bin/python -c "import ccx, ccx.types, ccx.resources, ccx.webhooks; c = ccx.CCX(api_key='ccx_test_x'); print('wheel OK:', ccx.__version__, type(c.messages).__name__)"
	test -f "$$(.venv-dist/bin/python -c 'import ccx, os; print(os.path.dirname(ccx.__file__))')/py.typed"

clean:
	rm -rf $(VENV) .venv-* node_modules .mypy_cache .ruff_cache .pytest_cache dist

# Benchmarks: see Performance in README.md. The peers they compare with (openai, stripe,
# standardwebhooks, Prism, wrk) are benchmark-only: the `bench` group in its own venv.
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python

.PHONY: bench bench-quick bench-tools

bench: $(BENCH_VENV)/.installed node_modules/.installed bench-tools
	$(BENCH_PY) benchmarks/run.py

bench-quick: $(BENCH_VENV)/.installed node_modules/.installed bench-tools
	$(BENCH_PY) benchmarks/run.py --quick

$(BENCH_VENV)/.installed: pyproject.toml uv.lock $(UV_HOME)/.installed
	UV_PROJECT_ENVIRONMENT=$(BENCH_VENV) $(UV) sync --quiet --locked --no-default-groups --group bench \
	  --python $(PYTHON)
	touch $@

bench-tools:
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# The documentation site (mkdocs-material, the `docs` group), built offline and
# strict: a broken link, anchor or docstring reference fails the build. Output in site/.
.PHONY: docs

docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The inbox's screenshots in docs/images (docs/inbox.md and the README show them), taken by its
# browser tests on a fixed clock with stable stand-ins for random ids. Run after changing the UI.
inbox-screenshots: $(VENV)/.installed system-tools
	CCX_INBOX_SCREENSHOTS=docs/images CCX_REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/browser

# Reliability and contract proof: the suite runs short versions of these (tests/reliability,
# tests/contract); these are the long runs, printing their counts.
CHAOS_SENDS ?= 10000
FUZZ_RUNS ?= 1000000
FUZZ_EXAMPLES ?= 100

chaos: $(VENV)/.installed
	$(PY) -m tests.reliability.chaos --sends $(CHAOS_SENDS)

# Not in CI: SOAK_MINUTES of mixed load on ccx-mock from two workspaces over loopback; prints
# RSS and p99 per minute and fails if memory keeps growing, p99 doubles, or a send or event
# is duplicated or lost (see tests/reliability/soak.py).
SOAK_MINUTES ?= 10
soak: $(VENV)/.installed
	$(PY) -m tests.reliability.soak --minutes $(SOAK_MINUTES)

fuzz: $(VENV)/.installed
	$(PY) -m tests.reliability.fuzz_webhooks -runs=$(FUZZ_RUNS) -print_final_stats=1
	$(PY) -m tests.contract.run_schemathesis --max-examples $(FUZZ_EXAMPLES)

contract: $(VENV)/.installed node_modules/.installed
	$(BIN)/pytest -q tests/contract

.PHONY: chaos fuzz contract soak
