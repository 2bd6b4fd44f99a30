"""Writes the JSON Schema of every public model into `schemas/json/`.

    python -m newsfeed_schemas.export [OUTPUT_DIR]

A test regenerates them and fails when the committed files drift from the models.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter

from .articles import Article, DeletedArticle
from .changes import FeedChange, RelatedChange
from .events import ArticleDeleted, ArticlePublished, ArticleUnpublished, ArticleUpdated, event_adapter

__all__ = ["DEFAULT_DIR", "render_schemas", "write_schemas"]

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "json"

_MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "article-deleted-data": DeletedArticle,
    "article.published": ArticlePublished,
    "article.updated": ArticleUpdated,
    "article.unpublished": ArticleUnpublished,
    "article.deleted": ArticleDeleted,
    "feed-change": FeedChange,
    "related-change": RelatedChange,
}


def _document(name: str, schema: dict[str, Any]) -> bytes:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.json", **schema}
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def render_schemas() -> dict[str, bytes]:
    """File name -> content of every schema file."""
    files = {f"{name}.json": _document(name, model.model_json_schema()) for name, model in _MODELS.items()}
    union: TypeAdapter[Any] = event_adapter
    files["event.json"] = _document("event", union.json_schema())
    return files


def write_schemas(directory: Path = DEFAULT_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_schemas().items():
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    for path in write_schemas(target):
        print(path)
