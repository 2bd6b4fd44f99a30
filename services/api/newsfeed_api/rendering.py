"""Templates and the small text helpers they use (dates), rendered server-side."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["ASSETS", "direction", "exact", "isolated", "render", "render_cards", "when"]


def _parse(iso: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):  # stored before such times were refused
        return None


def exact(iso: str) -> str:
    """`17 February 2025, 18:40 UTC`."""
    moment = _parse(iso)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC" if moment else iso


def when(iso: str) -> str:
    """`17 Feb 2025` (the day in UTC): what a page shows of a time, with the exact time as the
    element's title. Pages are cached and revalidated by the feed's change counter, so they
    show nothing that changes with the clock ("5 min ago" would still say so hours later);
    live.js shows the age ("5 min ago") of what is less than a week old."""
    moment = _parse(iso)
    return f"{moment.day} {moment:%b %Y}" if moment else iso


_RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ps", "sd", "syr", "ug", "ur", "yi"})


def direction(language: str | None) -> str:
    """`rtl` for an article in a right-to-left language, else `auto` (the first strong letter
    decides): a Hebrew headline that opens with "Apple" is still laid out right to left."""
    primary = (language or "").partition("-")[0].lower()
    return "rtl" if primary in _RIGHT_TO_LEFT else "auto"


def isolated(text: str) -> str:
    """`text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for places no `dir`
    attribute reaches (a `<title>`): an unclosed right-to-left override in a headline or a name
    then reverses that text only, not the site's name after it."""
    return f"\u2068{text}\u2069"


_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["exact"] = exact
_templates.filters["when"] = when
_templates.filters["direction"] = direction
_templates.filters["isolated"] = isolated

ASSETS = hashlib.blake2b(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).with_name("static").glob("*.*"))), digest_size=6
).hexdigest()
"""A hash of the stylesheet and script: pages link them as `?v=ASSETS`."""


def render(template: str, **context: Any) -> bytes:
    return _templates.get_template(template).render(**context).encode()


def render_cards(items: list[dict[str, Any]]) -> bytes:
    """Feed cards as list items, as the feed page renders them."""
    macro = _templates.get_template("_card.html").module.cards  # type: ignore[attr-defined]
    return str(macro(items)).encode()
