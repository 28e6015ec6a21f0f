# The two commands: `make run` and `make test`. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-pgbouncer bench mutation lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(DEV_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

run: $(INSTALLED)
	$(BIN)/diaspora-desk migrate
	$(BIN)/diaspora-desk seed
	$(BIN)/diaspora-desk serve --host $(HOST) --port $(PORT)

test: $(DEV_INSTALLED)
	$(BIN)/pytest

# The database tests again, each test's app behind a real PgBouncer in transaction pooling mode
# (slow, not in CI): DATABASE_URL=postgresql+asyncpg://… make test-pgbouncer (Debian package pgbouncer)
test-pgbouncer: $(DEV_INSTALLED)
	TEST_VIA_PGBOUNCER=1 $(BIN)/pytest --database-tests-only

bench: $(DEV_INSTALLED)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/import_instructions.py

# Mutation testing of the guarantees (slow, not in CI): make mutation [GROUPS="exports workflow"]
mutation: $(DEV_INSTALLED)
	$(BIN)/python scripts/mutation.py $(GROUPS)

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_INSTALLED)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
