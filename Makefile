# The two commands: `make demo` runs the portal, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint venv clean

$(STAMP): requirements.txt requirements-embedded.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m coe_portal.embedded demo

test: $(STAMP)
	$(PY) -m coe_portal.embedded run -- $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m coe_portal.embedded run -- $(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var
