# One entry per chore, over the same commands the README shows.
.PHONY: install up test test-slow lint types schemas bench bench-quick

install:
	python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'

up:
	.venv/bin/newsfeed up

test:
	.venv/bin/pytest

test-slow:
	.venv/bin/pytest -m slow

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

types:
	.venv/bin/mypy src schemas/newsfeed_schemas services/publisher/newsfeed_publisher services/indexer/newsfeed_indexer

schemas:
	.venv/bin/python -m newsfeed_schemas.export

bench:
	.venv/bin/python -m bench.run --json bench/results.json

bench-quick:
	.venv/bin/python -m bench.run --quick
