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
# The secret key and the audit key are made once and kept in instance/ (git-ignored); set
# CXROI_SECRET_KEY and CXROI_AUDIT_KEY yourself in production. Demo passwords are printed
# the first time only.
SECRET_FILE := instance/secret_key
AUDIT_KEY_FILE := instance/audit.key
KEYS = CXROI_SECRET_KEY=$$(cat $(SECRET_FILE)) CXROI_AUDIT_KEY=$$(cat $(AUDIT_KEY_FILE))
run: install
	@mkdir -p instance
	@test -s $(SECRET_FILE) || $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $(SECRET_FILE)
	@test -s $(AUDIT_KEY_FILE) || (umask 077; $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $(AUDIT_KEY_FILE))
	@$(KEYS) $(PYTHON) -m cxroi init-db
	@$(KEYS) CXROI_BASE_URL=http://127.0.0.1:$(PORT) $(PYTHON) -m cxroi demo --if-empty
	@$(KEYS) CXROI_INSECURE_HTTP=1 $(PYTHON) -m cxroi serve --port $(PORT)

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
