"""How the read API answers the read model's errors (Redis outages: `newsfeed_runtime.errors`).

ReadModelError (newsfeed_readmodel.errors)
├── InvalidCursor, InvalidFeedName     400
└── ArticleNotFound                    404
ConflictingFilters                     400  (this module: tag and author given together)
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from newsfeed_readmodel.errors import ArticleNotFound, InvalidCursor, InvalidFeedName, ReadModelError
from newsfeed_runtime.errors import HTTPProblem
from newsfeed_runtime.responses import JSON

from .caching import article_key

__all__ = ["ConflictingFilters", "install_read_error_handlers"]

_STATUS: dict[type[ReadModelError], int] = {InvalidCursor: 400, InvalidFeedName: 400, ArticleNotFound: 404}


class ConflictingFilters(HTTPProblem):
    status = 400

    def __init__(self) -> None:
        super().__init__("filter by tag or by author, not both")


def install_read_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReadModelError)
    async def _read_model_error(_: Request, exc: ReadModelError) -> JSON:
        headers = None
        if isinstance(exc, ArticleNotFound):  # purged with the article when it is published
            headers = {"Cache-Control": "public, max-age=10, s-maxage=60", "Surrogate-Key": article_key(exc.key)}
        return JSON({"detail": str(exc)}, status_code=_STATUS.get(type(exc), 400), headers=headers)
