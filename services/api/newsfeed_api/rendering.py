"""Templates and the small text helpers they use (dates), rendered server-side."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["ASSETS", "exact", "render", "render_cards", "time_ago"]


def _parse(iso: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def exact(iso: str) -> str:
    """`17 February 2025, 18:40 UTC`."""
    moment = _parse(iso)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC" if moment else iso


_STEPS = (
    (60, "just now"),
    (3600, "{m} min ago"),
    (7200, "1 hour ago"),
    (86400, "{h} hours ago"),
    (172800, "yesterday"),
)


def time_ago(iso: str, now: datetime) -> str:
    """`just now`, `5 min ago`, `3 hours ago`, `yesterday`, `4 days ago`, then the date."""
    moment = _parse(iso)
    if moment is None:
        return iso
    seconds = (now - moment).total_seconds()
    for limit, text in _STEPS:
        if seconds < limit:
            return text.format(m=int(seconds // 60), h=int(seconds // 3600))
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)} days ago"
    return f"{moment.day} {moment:%b %Y}"


_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["exact"] = exact
_templates.filters["ago"] = time_ago

ASSETS = hashlib.blake2b(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).with_name("static").glob("*.*"))), digest_size=6
).hexdigest()
"""A hash of the stylesheet and script: pages link them as `?v=ASSETS`."""


def render(template: str, **context: Any) -> bytes:
    return _templates.get_template(template).render(**context).encode()


def render_cards(items: list[dict[str, Any]]) -> bytes:
    """Feed cards as list items, as the feed page renders them."""
    macro = _templates.get_template("_card.html").module.cards  # type: ignore[attr-defined]
    return str(macro(items, datetime.now(UTC))).encode()
