# Two entry points for a fresh machine; both create or reuse .venv/ in the repo.
#   make demo   grade the bundled example submissions (the main job)
#   make test   run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint stubs bench clean bubblewrap chromium

# The sandbox is bubblewrap, Debian's package (signed by the distribution; pinned to what was tested,
# any version where that one is gone). Installed when missing and we are root (CI); otherwise say how.
BWRAP_DEB := 0.8.0-2+deb12u1

# $(call debian_package,PACKAGE,COMMAND,VERSION): when COMMAND is missing and we are root, install
# PACKAGE at VERSION, or at the distribution's version where that one is gone.
define debian_package
	@command -v $(2) >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && { apt-get install -y -qq $(1)=$(3) || apt-get install -y -qq $(1); }; } >/dev/null
endef

bubblewrap:
	$(call debian_package,bubblewrap,bwrap,$(BWRAP_DEB))
	@command -v bwrap >/dev/null || echo "note: no bubblewrap: student code will run with rlimits only" \
	  "(sudo apt-get install bubblewrap; see README, What is isolated)"

# The browser tests (tests/test_browser.py) drive Debian's chromium with Playwright: the same kind of
# install (pinned to what was tested, the distribution's where that one is gone); they skip without it.
CHROMIUM_DEB := 156.0.8078.114-1~deb12u1

chromium:
	$(call debian_package,chromium,chromium,$(CHROMIUM_DEB))
	@command -v chromium >/dev/null || echo "note: no chromium: the browser tests will be skipped" \
	  "(sudo apt-get install chromium)"

# The grader's bytecode is compiled as pip does for a wheel (an editable install does not): every
# command and batch worker then starts without compiling it, PYTHONDONTWRITEBYTECODE or not.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[nbgrader,dev]'
	$(BIN)/python -m compileall -q autograder solutions week4 >/dev/null
	touch $(STAMP)

demo: $(STAMP) bubblewrap
	$(BIN)/autograder batch examples/submissions --out out/examples

test: $(STAMP) bubblewrap chromium
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

stubs: $(STAMP)
	$(BIN)/autograder stubs

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
