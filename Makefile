# The two commands a newcomer needs:
#   make demo   install, start the local Label Studio, pre-annotate the sample corpus, push it
#   make test   install with the test extra and run the whole suite against a real Label Studio
# Both do all their own set-up and are safe to re-run.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install clean-state

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
	$(PY) -m pytest
