# Two entry points for a fresh machine; both create or reuse .venv/ in the repo.
#   make demo   grade the bundled example submissions (the main job)
#   make test   run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint stubs bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[nbgrader,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autograder batch examples/submissions --out out/examples

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

stubs: $(STAMP)
	$(BIN)/autograder stubs

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
