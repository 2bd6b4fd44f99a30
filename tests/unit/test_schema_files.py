"""The committed JSON Schema files match the models."""

from __future__ import annotations

from newsfeed_schemas.export import DEFAULT_DIR, render_schemas


def test_committed_json_schemas_match_the_models() -> None:
    rendered = render_schemas()
    committed = {path.name: path.read_bytes() for path in DEFAULT_DIR.glob("*.json")}
    stale = sorted(name for name in rendered if committed.get(name) != rendered[name])
    assert not stale, f"run `python -m newsfeed_schemas.export`; stale: {stale}"
    assert set(committed) >= set(rendered)
