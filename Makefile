# Two commands set everything up on a fresh machine:
#   make reports   render the default report suite into reports/
#   make test      run the test suite
# Both create the virtual environment .venv first if it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test reports venv clean-reports

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

reports: $(STAMP)
	$(BIN)/il6 report --suite reports.toml

clean-reports:
	rm -rf reports/*/ reports/index.html reports/manifest.json
