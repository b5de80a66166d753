# Two commands set everything up on a fresh machine:
#   make reports   render the default report suite into reports/
#   make test      run the whole test suite (what CI runs)
# Both create the virtual environment .venv first if it is missing.
# For everyday work: make test-fast (no notebooks, browser, Spark or fault injection).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every kernel, worker and command imports the package: Python may keep the compiled bytecode
# (__pycache__, ignored by git) even where the environment turns that off.
KEEP_BYTECODE := env -u PYTHONDONTWRITEBYTECODE
# Tests run on every core, an idle worker taking tests queued for a busy one (their durations
# range from milliseconds to a minute); a report suite the tests share is rendered once per run;
# the 20 slowest are listed so regressions show.
PYTEST := $(KEEP_BYTECODE) $(BIN)/python -m pytest -n auto --dist worksteal --durations=20
FAST   := not (notebooks or browser or spark or faults or slow)

.PHONY: test test-fast reports venv clean-reports

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	touch $(STAMP)

test: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "$(FAST)"

reports: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/il6 report --suite reports.toml

clean-reports:
	rm -rf reports/*/ reports/index.html reports/manifest.json
