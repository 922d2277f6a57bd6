# The two commands a newcomer needs:
#   make demo   install, start the local Label Studio, pre-annotate the sample corpus, push it
#   make test   install with the test extra (and Debian's Chromium and PostgreSQL) and run the whole suite against a real Label Studio
# For developers: make lint (ruff, ruff format --check, mypy), make check (tests without Label Studio).
# Both do all their own set-up and are safe to re-run.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test check lint install clean-state

$(VENV)/.server-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[server]"
	touch $@

$(VENV)/.test-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.server-installed

install: $(VENV)/.server-installed

demo: $(VENV)/.server-installed
	$(VENV)/bin/labeling demo

test: $(VENV)/.test-installed
	bash .ci/install-chromium
	bash .ci/install-postgres
	$(PY) -m pytest -n 2 --dist loadfile

# The tests that need no Label Studio (and no browser): seconds, for the edit-test loop.
check: $(VENV)/.test-installed
	$(PY) -m pytest -m "not studio"

# The gate CI runs first: lint, format and types.
lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
