# Two commands do all the set-up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo demo-large serve test test-sqlite test-postgres lint format schema bench clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Onebook needs Python 3.11 or newer (found: $$($(PYTHON) --version 2>&1))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

demo: install  ## migrate a SQLite database, seed demo data, serve http://127.0.0.1:8000/graphql
	$(BIN)/onebook demo --serve

demo-large: install
	$(BIN)/onebook demo --size large

serve: install
	$(BIN)/onebook serve

test: install  ## the whole suite on SQLite and, when a server answers, PostgreSQL
	$(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: install
	ONEBOOK_TEST_BACKENDS=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	ONEBOOK_TEST_BACKENDS=postgresql ONEBOOK_REQUIRE_POSTGRES=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install  ## rewrite schema.graphql from the code
	$(BIN)/strawberry export-schema schema:schema > schema.graphql

bench: install
	$(BIN)/python bench/demo_load.py
	$(BIN)/python bench/export_speed.py --rows 10000
	$(BIN)/python bench/import_speed.py --sizes 10000
	$(BIN)/python bench/sheets_sync.py --rows 2000

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
