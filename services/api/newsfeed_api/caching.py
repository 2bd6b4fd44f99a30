"""HTTP caching a CDN can use: validators, Cache-Control and surrogate keys.

Every cacheable GET answers with an `ETag`; a request whose `If-None-Match` names it gets a
`304` without a body. Feed answers carry their feed's change counter in their ETag
(`versioned_etag`); the client's counter goes to Redis with the read
(`ReadModelReader.changed_feed_page`), which answers "unchanged" without reading the page:
one round trip either way. Article routes hash what they read. `Cache-Control` lets browsers keep an
answer briefly (`max-age`) and a CDN longer (`s-maxage`, `stale-while-revalidate`), because
the CDN is purged on change: `Surrogate-Key` names the articles and feeds an answer shows
(`article:{id}`, `feed:{name}`, `related:{id}`), which is what `{prefix}:feed-changes` and
`{prefix}:related-changes` announce (see `examples/cache_purger.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from newsfeed_schemas.surrogate_keys import article_key, feed_key, related_key, slug_key

__all__ = [
    "NO_STORE",
    "CachePolicy",
    "answer",
    "article_key",
    "etag_of",
    "feed_key",
    "matches",
    "not_modified",
    "related_key",
    "slug_key",
    "version_held",
    "versioned_etag",
]

NO_STORE = "no-store"


@dataclass(frozen=True, slots=True)
class CachePolicy:
    max_age_s: int
    s_maxage_s: int
    stale_while_revalidate_s: int
    stale_if_error_s: int

    @property
    def header(self) -> str:
        return (
            f"public, max-age={self.max_age_s}, s-maxage={self.s_maxage_s}, "
            f"stale-while-revalidate={self.stale_while_revalidate_s}, stale-if-error={self.stale_if_error_s}"
        )


def _digest(parts: tuple[object, ...]) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def etag_of(*parts: object) -> str:
    """A strong validator for a response determined by `parts`."""
    return f'"{_digest(parts)}"'


def versioned_etag(version: int, *parts: object) -> str:
    """A validator for a feed answer: the feed's version, in clear, and what else shaped the answer."""
    return f'"v{version}-{_digest(parts)}"'


def version_held(request: Request, *parts: object) -> int | None:
    """The feed version of the answer the client holds for these `parts` (from `If-None-Match`), if any."""
    suffix = f"-{_digest(parts)}"
    for given in _validators(request):
        tag = given.strip().removeprefix("W/").strip('"')
        version = tag[1 : -len(suffix)]
        # ASCII digits only, and no more than a 64-bit counter has: int() of "²" or of 5,000
        # digits raises, and a client chooses what it sends.
        held = tag.startswith("v") and tag.endswith(suffix)
        if held and version.isascii() and version.isdigit() and len(version) <= _COUNTER_DIGITS:
            return int(version)
    return None


_COUNTER_DIGITS = 20
_VALIDATORS_READ = 32
_HEADER_READ = 8192


def _validators(request: Request) -> list[str]:
    """The entity tags of `If-None-Match`: its first 32 in its first 8 KiB. A client holds one or
    two; reading a header of megabytes would stall the server for each such request."""
    header = request.headers.get("if-none-match", "")[:_HEADER_READ]
    return header.split(",", _VALIDATORS_READ)[:_VALIDATORS_READ] if header else []


def matches(request: Request, etag: str) -> bool:
    """True when the request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks)."""
    wanted = etag.removeprefix("W/")
    return any(tag.strip() in ("*", wanted) or tag.strip().removeprefix("W/") == wanted for tag in _validators(request))


def _headers(etag: str, keys: Iterable[str], policy: CachePolicy, vary: str | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": policy.header, "Surrogate-Key": " ".join(dict.fromkeys(keys))}
    return headers | ({"Vary": vary} if vary else {})


def not_modified(etag: str, keys: Iterable[str], policy: CachePolicy, vary: str | None = None) -> Response:
    """A 304. It carries no `Surrogate-Key`: a cache keeps the keys it stored with the 200 (a
    revalidation from the feed's counter alone does not know every article on the page)."""
    headers = {"ETag": etag, "Cache-Control": policy.header}
    return Response(status_code=304, headers=headers | ({"Vary": vary} if vary else {}))


def answer(
    request: Request,
    body: bytes,
    media_type: str,
    etag: str,
    keys: Iterable[str],
    policy: CachePolicy,
    *,
    vary: str | None = None,
) -> Response:
    """The 200 with its validators, or a 304 when the client already has it; `vary` names the
    request headers the body depends on (a 304 repeats it, as RFC 9110 asks)."""
    if matches(request, etag):
        return not_modified(etag, keys, policy, vary)
    return Response(body, media_type=media_type, headers=_headers(etag, keys, policy, vary))
