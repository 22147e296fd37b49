# Two commands on a fresh machine: `make demo` (the main job) and `make test` (every test).
# Each installs what it needs first (scripts/setup.sh is idempotent and quick when nothing changed).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: setup demo demo-destroy test test-fast lint bench config-docs

setup:
	bash scripts/setup.sh

demo: setup
	bash scripts/demo.sh up

demo-destroy: setup
	bash scripts/demo.sh destroy

test: setup
	bash scripts/setup.sh --browser
	$(MAKE) lint
	. scripts/pulumi-env.sh && $(PY) -m pytest -p no:cacheprovider

test-fast: setup
	$(PY) -m pytest -p no:cacheprovider tests/unit

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy components localhub toolchain __main__.py tests bench scripts/config_docs.py

config-docs:
	$(PY) scripts/config_docs.py

bench: setup
	bash bench/run.sh
