# One entry point for every task; each target builds what it needs from a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SPEC := openapi/openapi.yaml

.PHONY: demo test lint format typecheck spec-lint generate check-generated pytest clean

demo: $(VENV)/.installed
	$(PY) examples/quickstart.py

test: $(VENV)/.installed node_modules/.installed lint typecheck spec-lint check-generated pytest

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(PY) -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

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
	npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity error $(SPEC)
	npx --no-install redocly lint $(SPEC)

generate: $(VENV)/.installed
	$(PY) -m tools.codegen

check-generated: $(VENV)/.installed
	$(PY) -m tools.codegen --check

pytest: $(VENV)/.installed
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache dist

# Benchmarks: see Performance in README.md. The peers they compare with (openai, stripe,
# standardwebhooks, Prism, wrk) are benchmark-only: their own venv, never runtime deps.
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python

.PHONY: bench bench-quick bench-tools

bench: $(BENCH_VENV)/.installed node_modules/.installed bench-tools
	$(BENCH_PY) benchmarks/run.py

bench-quick: $(BENCH_VENV)/.installed node_modules/.installed bench-tools
	$(BENCH_PY) benchmarks/run.py --quick

$(BENCH_VENV)/.installed: pyproject.toml $(VENV)/.installed
	test -x $(BENCH_PY) || $(BIN)/uv venv --quiet --python $(PY) $(BENCH_VENV)
	$(BIN)/uv pip install --quiet --python $(BENCH_PY) -e '.[bench]'
	touch $@

bench-tools:
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
