# ham-archive: `make run` crawls the ministry's press sites and serves the archive; `make test`
# runs every test. `make run SITES="http://127.0.0.1:8080"` crawls other sites instead.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SITES ?=  # empty: the SITES setting (ham.go.id, kemenham.go.id, portal.ham.go.id)
DB ?= archive.db

.PHONY: run crawl serve test system lint format bench clean

$(BIN)/ham-archive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,ops]'
	touch $@

run: crawl serve

crawl: $(BIN)/ham-archive
	$(BIN)/ham-archive crawl $(foreach site,$(SITES),--site $(site)) --db $(DB)

serve: $(BIN)/ham-archive
	$(BIN)/ham-archive serve --db $(DB)

system:  ## Debian packages the tests need: a real WordPress with MariaDB and PHP
	bash .ci/install-system

test: system $(BIN)/ham-archive
	$(BIN)/python -m pytest

lint: $(BIN)/ham-archive
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/ham-archive
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: system $(BIN)/ham-archive  ## every benchmark, then docs/benchmarks.md rewritten (ONLY=search,crawl,...)
	$(BIN)/pip install -q -e '.[test,ops,bench]'
	$(BIN)/python bench/run.py $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
