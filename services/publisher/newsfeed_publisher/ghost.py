"""Ghost's post webhooks and export rows mapped onto newsfeed's envelope (pure; no I/O).

What Ghost sends (from its source): the body is `{"post": {"current": {...},
"previous": {...}}}` and names no event, so each event has its own URL;
`previous` holds only the keys that changed; on `post.deleted` `current` is `{}`
and `previous` has neither tags nor url, so a delete goes by id alone. One editor
action sends two webhooks (publish: `post.published` + `post.edited`; deleting a
live post: `post.unpublished` then `post.deleted`). Ghost sends no delivery id,
so the event id is derived from (event, post id, updated_at): a retry of the
same webhook is a duplicate, a later edit is a new event.

Only `public` posts enter the public feed: a members-only or paid post maps to
`article.unpublished`, which also takes it down if it was public before.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Any

from newsfeed_schemas.articles import to_millis

from . import signatures

__all__ = [
    "HANDLED_EVENTS",
    "IGNORED_EVENTS",
    "SOURCE",
    "MalformedWebhook",
    "article_from_post",
    "envelope_from_post",
    "envelope_from_webhook",
    "ghost_event_id",
    "in_ghost_terms",
    "sign",
    "signature_is_valid",
    "signature_refusal",
]

SOURCE = "cms/ghost"
_MILLIS = re.compile(r"[0-9]{1,15}")
HANDLED_EVENTS = frozenset({"post.published", "post.published.edited", "post.unpublished", "post.deleted"})
IGNORED_EVENTS = frozenset({"post.added", "post.edited"})


def _millis(value: Any) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return to_millis(datetime.fromisoformat(value))
    except ValueError:
        return None


def _primary_first(items: Any, primary: Any) -> Any:
    """Ghost's tags or authors with the primary one first. Anything not a list of objects is
    passed on as it is, so validation names it (`post.current.tags.0`) instead of dropping it."""
    if items is None:
        return []
    if not isinstance(items, list):
        return items
    listed = list(items)
    if isinstance(primary, dict) and primary.get("id") is not None:
        listed.sort(key=lambda item: not (isinstance(item, dict) and item.get("id") == primary["id"]))
    return listed


def _tags(post: dict[str, Any]) -> Any:
    """The post's public tags as Article tags (an internal `#tag` is not shown)."""
    tags = _primary_first(post.get("tags"), post.get("primary_tag"))
    if not isinstance(tags, list):
        return tags
    return [
        {"slug": t.get("slug"), "name": t.get("name")} if isinstance(t, dict) else t
        for t in tags
        if not isinstance(t, dict) or t.get("visibility", "public") == "public"
    ]


def _authors(post: dict[str, Any]) -> Any:
    authors = _primary_first(post.get("authors"), post.get("primary_author"))
    if not isinstance(authors, list):
        return authors
    fields = ("slug", "name", "bio", "profile_image")
    return [_present({f: a.get(f) for f in fields}) if isinstance(a, dict) else a for a in authors]


def article_from_post(post: dict[str, Any]) -> dict[str, Any]:
    """A Ghost post (webhook `current`, or a joined export row) as Article data."""
    data: dict[str, Any] = {
        "id": post.get("id"),
        "revision": _millis(post.get("updated_at")),
        "slug": post.get("slug"),
        "title": post.get("title"),
        # Ghost's `excerpt` is its own cut of the text when no custom one was written: newsfeed
        # derives that itself (and knows it is the body's opening, `excerpt_derived`)
        "excerpt": post.get("custom_excerpt"),
        "html": post.get("html"),
        "text": post.get("plaintext"),
        "published_at": post.get("published_at"),
        "updated_at": post.get("updated_at"),
        "url": post.get("url"),
        "tags": _tags(post),
        "authors": _authors(post),
    }
    if post.get("feature_image"):
        data["feature_image"] = {
            "url": post["feature_image"],
            "alt": post.get("feature_image_alt"),
            "caption": post.get("feature_image_caption"),
        }
    return _present(data)


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _is_public(post: dict[str, Any]) -> bool:
    return post.get("status") == "published" and post.get("visibility", "public") == "public"


def envelope_from_post(post: dict[str, Any], event_type: str, *, event_id: str) -> dict[str, Any]:
    """The envelope of one article event about `post`; a non-public post becomes `article.unpublished`."""
    if event_type in {"article.published", "article.updated"} and not _is_public(post):
        event_type = "article.unpublished"
    if event_type == "article.unpublished":
        data: dict[str, Any] = {"id": post.get("id"), "revision": _millis(post.get("updated_at"))}
    elif event_type == "article.deleted":
        data = {"id": post.get("id")}
        revision = _millis(post.get("updated_at"))
        if revision is not None:
            data["revision"] = revision
    else:
        data = article_from_post(post)
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": event_type,
        "subject": post.get("id"),
        "time": post.get("updated_at"),
        "datacontenttype": "application/json",
        "data": data,
    }


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_EVENT_TYPES = {
    "post.published": "article.published",
    "post.published.edited": "article.updated",
    "post.unpublished": "article.unpublished",
    "post.deleted": "article.deleted",
}


class MalformedWebhook(ValueError):
    """A body that is not Ghost's `{"post": {"current": {...}, "previous": {...}}}`."""


def envelope_from_webhook(event: str, body: Any) -> dict[str, Any] | None:
    """The envelope for one Ghost webhook, or None for an event that changes nothing public.

    A body without Ghost's `post` wrapper raises `MalformedWebhook`; a post with wrong or
    missing fields yields an envelope that fails validation, whose errors
    `in_ghost_terms` locates in the post.
    """
    if event in IGNORED_EVENTS:
        return None
    if event not in HANDLED_EVENTS:
        raise KeyError(event)
    wrapper = _mapping(body.get("post") if isinstance(body, dict) else None)
    current, previous = _mapping(wrapper.get("current")), _mapping(wrapper.get("previous"))
    # On post.deleted `current` is {}: the post lives on only in `previous`. Every other event
    # is about the post as it now is, so it needs `current`.
    post = (current or previous) if event == "post.deleted" else current
    if not post:
        raise MalformedWebhook('expected Ghost\'s webhook body {"post": {"current": {...}}} with the post in it')
    _check_matches(event, current)
    return envelope_from_post(post, _EVENT_TYPES[event], event_id=ghost_event_id(event, post))


def ghost_event_id(event: str, post: dict[str, Any]) -> str:
    """(event, post id, updated_at in milliseconds): a retry is a duplicate, a later edit is new.
    A time Ghost writes with a space ("2025-03-03 10:05:12") gives the same id as with a "T"; one
    that is no time is digested, so the error names `updated_at`, not the event id."""
    updated = post.get("updated_at")
    stamp = _millis(updated)
    stamp_text = str(stamp) if stamp is not None else hashlib.sha256(repr(updated).encode()).hexdigest()[:16]
    return f"ghost:{event}:{post.get('id')}:{stamp_text}"


def _check_matches(event: str, current: dict[str, Any]) -> None:
    """A body must be of its event: Ghost signs the body, not the URL, so a signed body of a
    published post sent to the delete URL would otherwise delete it for good."""
    published = current.get("status") == "published"
    if event == "post.deleted" and current:
        raise MalformedWebhook("a post.deleted webhook has an empty 'current' (Ghost's body of a deleted post)")
    if event == "post.unpublished" and published:
        raise MalformedWebhook("a post.unpublished webhook's post is no longer published ('current.status')")
    if event in ("post.published", "post.published.edited") and not published:
        raise MalformedWebhook(f"a {event} webhook's post is published ('current.status': 'published')")


# Article field -> the Ghost post field it comes from (see `article_from_post`).
_POST_FIELDS = {
    "revision": "updated_at",
    "excerpt": "custom_excerpt",
    "text": "plaintext",
    "feature_image": "feature_image",
}
_IMAGE_FIELDS = {"url": "feature_image", "alt": "feature_image_alt", "caption": "feature_image_caption"}


def in_ghost_terms(errors: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    """Validation errors of a mapped envelope, located in Ghost's body (`post.current.title`).

    The post's id becomes both the envelope's `subject` and `data.id`: one bad id is one error."""
    side = "previous" if event == "post.deleted" else "current"
    located: list[dict[str, Any]] = []
    for error in errors:
        loc = list(error["loc"])
        if loc[:2] == ["data", "feature_image"]:
            where: list[Any] = [_IMAGE_FIELDS.get(str(loc[2]), "feature_image") if len(loc) > 2 else "feature_image"]
        elif loc[:1] == ["data"] and len(loc) > 1:
            where = [_POST_FIELDS.get(str(loc[1]), loc[1]), *loc[2:]]
        elif loc[:1] in (["subject"], ["id"]):
            where = ["id"]
        else:
            where = []
        placed = {**error, "loc": ["post", side, *where]}
        if not any(placed["loc"] == seen["loc"] and placed["msg"] == seen["msg"] for seen in located):
            located.append(placed)
    return located


def sign(secret: str, body: bytes, timestamp_ms: int) -> str:
    """The `X-Ghost-Signature` value Ghost sends: HMAC-SHA256 of body + timestamp (ms)."""
    digest = hmac.new(secret.encode(), body + str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}, t={timestamp_ms}"


def signature_is_valid(secret: str, header: str, body: bytes, *, now_ms: int, tolerance_ms: int) -> bool:
    """Check `X-Ghost-Signature` in constant time; a timestamp outside the window is refused."""
    return signature_refusal(secret, header, body, now_ms=now_ms, tolerance_ms=tolerance_ms) is None


def signature_refusal(secret: str, header: str, body: bytes, *, now_ms: int, tolerance_ms: int) -> str | None:
    """Why `X-Ghost-Signature` is not accepted, in words a newsroom can act on; None when it is."""
    parts = dict(part.strip().partition("=")[::2] for part in header.split(",")[:8] if "=" in part)
    given, stamp = parts.get("sha256", ""), parts.get("t", "")
    if not given or not _MILLIS.fullmatch(stamp):
        return "X-Ghost-Signature must read 'sha256=<hex digest>, t=<milliseconds since 1970>'"
    if abs(now_ms - int(stamp)) > tolerance_ms:
        return signatures.clock_refusal("X-Ghost-Signature's t", (now_ms - int(stamp)) / 1000, tolerance_ms / 1000)
    expected = sign(secret, body, int(stamp)).partition(",")[0].removeprefix("sha256=")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return (
            "X-Ghost-Signature does not match the body: the webhook's secret in Ghost must be "
            "NEWSFEED_GHOST_SECRET, and the body must arrive as Ghost sent it"
        )
    return None
