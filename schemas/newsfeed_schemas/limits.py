"""The bounds an event must keep to, and the checks of ids, slugs and URLs.

The publisher refuses (422, naming the field) anything the indexer would not apply, so the
same rules serve both: the publisher validates with the limits of its settings, the indexer
with `CEILINGS`, the largest values a setting may take, so that nothing the publisher
accepted is refused later.

Pass limits to validation as pydantic context: `event_adapter.validate_python(raw,
context={LIMITS: limits})`; without context the defaults apply.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

__all__ = [
    "CEILINGS",
    "DEFAULT_LIMITS",
    "LIMITS",
    "MAX_REVISION",
    "Limits",
    "check_id",
    "check_slug",
    "check_url",
    "is_slug",
    "limits_of",
    "too_long",
]

LIMITS = "limits"
MAX_REVISION = 2**63 - 1
"""Revisions are stored as signed 64-bit integers."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Sizes and counts one event may have (characters unless said otherwise)."""

    max_event_bytes: int = 1024 * 1024
    max_id_chars: int = 200
    max_slug_chars: int = 200
    max_title_chars: int = 500
    max_excerpt_chars: int = 2_000
    max_body_chars: int = 1_000_000
    max_html_depth: int = 256
    max_tags: int = 30
    max_authors: int = 20
    max_name_chars: int = 200
    max_bio_chars: int = 2_000
    max_url_chars: int = 2_048
    max_caption_chars: int = 5_000

    def within(self, ceilings: Limits) -> list[str]:
        """Names of the limits above `ceilings` (a setting may only lower a ceiling)."""
        return [f.name for f in fields(self) if getattr(self, f.name) > getattr(ceilings, f.name)]


DEFAULT_LIMITS = Limits()
CEILINGS = Limits(
    max_event_bytes=8 * 1024 * 1024,
    max_id_chars=200,
    max_slug_chars=200,
    max_title_chars=2_000,
    max_excerpt_chars=10_000,
    max_body_chars=8_000_000,
    max_html_depth=512,
    max_tags=100,
    max_authors=50,
    max_name_chars=500,
    max_bio_chars=10_000,
    max_url_chars=8_192,
    max_caption_chars=20_000,
)


def limits_of(info: ValidationInfo) -> Limits:
    """The limits validation runs with (the defaults when no context names any)."""
    context: Any = info.context
    limits = context.get(LIMITS) if isinstance(context, dict) else None
    return limits if isinstance(limits, Limits) else DEFAULT_LIMITS


def too_long(value: str, limit: int) -> str:
    if len(value) > limit:
        raise PydanticCustomError(
            "too_long", "at most {limit} characters (this has {length})", {"limit": limit, "length": len(value)}
        )
    return value


_ID_FORBIDDEN = frozenset("/\\?#%")


def check_id(value: str, limit: int) -> str:
    """An article or event id: printable, no white space, none of `/ \\ ? # %`, not `.` or `..`
    (ids appear in URLs)."""
    too_long(value, limit)
    for ch in value:
        if ch in _ID_FORBIDDEN or unicodedata.category(ch)[0] in "CZ":
            raise PydanticCustomError(
                "id_invalid",
                "must be printable characters without white space or any of / \\ ? # % (found '{char}')",
                {"char": ch},
            )
    if value in (".", ".."):  # `/articles/..` is the site's root to a browser
        raise PydanticCustomError("id_invalid", "cannot be '.' or '..', which an address reads as a folder", {})
    return value


# Lower-case and caseless letters, combining marks, decimal digits: every Ghost slug passes.
_SLUG_CATEGORIES = frozenset({"Ll", "Lo", "Lm", "Mn", "Mc", "Nd"})


def is_slug(value: str, limit: int) -> bool:
    """True for a URL-safe slug: 1 to `limit` lower-case letters, digits, hyphens and underscores."""
    return 0 < len(value) <= limit and all(ch in "-_" or unicodedata.category(ch) in _SLUG_CATEGORIES for ch in value)


def check_slug(value: str, limit: int) -> str:
    """A URL-safe slug: lower-case letters, digits, hyphens and underscores."""
    too_long(value, limit)
    for ch in value:
        if ch not in "-_" and unicodedata.category(ch) not in _SLUG_CATEGORIES:
            raise PydanticCustomError(
                "slug_invalid",
                "must be lower-case letters, digits, hyphens or underscores (found '{char}')",
                {"char": ch},
            )
    return value


def check_url(value: str, limit: int) -> str:
    """An absolute http(s) URL without white space or control characters."""
    too_long(value, limit)
    if not value.lower().startswith(("https://", "http://")) or any(
        unicodedata.category(ch)[0] in "CZ" for ch in value
    ):
        raise PydanticCustomError("url_invalid", "must be an absolute http:// or https:// URL", {})
    return value
