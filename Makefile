# cxroi: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
PORT ?= 5000
PIP := $(PYTHON) -m pip

.PHONY: install install-test run test test-unit bench lint format

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e '.[test,dev]'

# Install, initialise the SQLite database, load the demo when it is empty, serve.
run: install
	$(PYTHON) -m cxroi calc examples/contact-centre.json

# Install test needs and run the whole suite.
test: install-test
	$(PYTHON) -m pytest

bench: install-test
	$(PYTHON) benchmarks/run.py

lint: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .
