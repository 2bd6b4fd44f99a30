"""How the read API answers the read model's errors (Redis outages: `newsfeed_runtime.errors`).

ReadModelError (newsfeed_readmodel.errors)
├── InvalidCursor, InvalidFeedName     400
└── ArticleNotFound                    404
ConflictingFilters                     400  (this module: tag and author given together)

A browser (a request that accepts `text/html`, outside `/v1/`) gets these, a 404 of a path no
route serves and a query a route refuses (422), as a page of the site instead of JSON: a
reader who follows a broken link should land on something with the site's navigation.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from newsfeed_readmodel.errors import ArticleNotFound, InvalidCursor, InvalidFeedName, ReadModelError
from newsfeed_runtime.errors import HTTPProblem
from newsfeed_runtime.responses import JSON

from .caching import article_key

__all__ = ["ConflictingFilters", "ErrorPage", "install_read_error_handlers", "wants_a_page"]


class ErrorPage(Protocol):
    """Renders the site's error page with a status code (`article`: the link is to an article)."""

    def __call__(self, status: int, *, article: bool = False) -> Response: ...


_STATUS: dict[type[ReadModelError], int] = {InvalidCursor: 400, InvalidFeedName: 400, ArticleNotFound: 404}


class ConflictingFilters(HTTPProblem):
    status = 400

    def __init__(self) -> None:
        super().__init__("filter by tag or by author, not both")


def wants_a_page(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, not a script's fetch of cards)."""
    return "text/html" in request.headers.get("accept", "") and _page_path(request)


def _page_path(request: Request) -> bool:
    """Whether an error here is answered by `Accept`: a page for a browser, JSON for others."""
    return not request.url.path.startswith(("/v1/", "/fragments/"))


def _by_accept(request: Request, response: Response) -> Response:
    """`response`, marked as chosen by `Accept` where it was (`Vary`): a CDN that keeps the JSON
    404 a script got must not give it to a browser asking for the same address."""
    if _page_path(request):
        response.headers["Vary"] = "Accept"
    return response


def install_read_error_handlers(app: FastAPI, error_page: ErrorPage) -> None:
    @app.exception_handler(ReadModelError)
    async def _read_model_error(request: Request, exc: ReadModelError) -> Response:
        status = _STATUS.get(type(exc), 400)
        if wants_a_page(request):
            return _by_accept(request, error_page(status, article=isinstance(exc, ArticleNotFound)))
        headers = None
        if isinstance(exc, ArticleNotFound):  # purged with the article when it is published
            headers = {"Cache-Control": "public, max-age=10, s-maxage=60", "Surrogate-Key": article_key(exc.key)}
        return _by_accept(request, JSON({"detail": str(exc)}, status_code=status, headers=headers))

    json_answer = app.exception_handlers[RequestValidationError]  # the runtime's 422

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if wants_a_page(request):  # a mangled link: a cursor or tag longer than any we issue
            return _by_accept(request, error_page(400))
        answer: Response = await json_answer(request, exc)  # type: ignore[misc]
        return _by_accept(request, answer)

    @app.exception_handler(ConflictingFilters)
    async def _conflicting_filters(request: Request, exc: ConflictingFilters) -> Response:
        if wants_a_page(request):  # /rss.xml?tag=..&author=.. followed from a page
            return _by_accept(request, error_page(exc.status))
        return _by_accept(request, JSON(exc.body(), status_code=exc.status))

    @app.exception_handler(HTTPException)
    async def _no_such_page(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and wants_a_page(request):
            return _by_accept(request, error_page(404))
        return _by_accept(request, await http_exception_handler(request, exc))
