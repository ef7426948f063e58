# Parley developer entry points. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MEMBERS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)

.PHONY: install up demo test lint lock clean web

# The CPU build of torch must be installed before anything that depends on torch, or pip
# resolves a multi-GB CUDA build from the index (see README, "Installing").
$(STAMP): requirements.lock pyproject.toml $(MEMBERS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	if grep -q '^torch==' requirements.lock; then \
	  $(BIN)/python -m pip install --quiet "$$(grep '^torch==' requirements.lock)"; fi
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# The local model's runtime files (OpenVINO's ONNX export) are built here, once, into
# PARLEY_DATA_DIR, so that no service, test stack or benchmark builds them at its start;
# a no-op when the export of these weights is there already.
install: $(STAMP)
	$(BIN)/parley-prepare-local-model

up: install
	./scripts/ensure-rabbitmq.sh
	$(BIN)/parley up

demo: install
	./scripts/ensure-rabbitmq.sh
	$(BIN)/parley demo

test: install
	./scripts/ensure-rabbitmq.sh
	./scripts/ensure-chromium.sh
	$(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# One mypy run per member: test folders and benchmark scripts reuse module names
	# (conftest, run) across members.
	for dir in libs/* services/* tests bench/*; do $(BIN)/mypy "$$dir" || exit 1; done

# Rebuild the web UI (TypeScript → services/search-api/src/parley_search_api/app/static,
# committed) after changing services/search-api/web/src; needs Node 20 and npm.
web:
	cd services/search-api/web && npm ci --no-audit --no-fund && npx tsc --noEmit && node build.mjs

# Re-pin every dependency after changing a pyproject.toml.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile requirements.in --group pyproject.toml:dev --universal \
	  --override requirements-overrides.txt --python-version 3.11 -o requirements.lock --quiet

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
