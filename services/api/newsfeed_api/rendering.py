"""Templates and the small text helpers they use (dates), rendered server-side."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["ASSETS", "direction", "exact", "isolated", "render", "render_cards", "right_to_left", "when"]


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


_RIGHT_TO_LEFT = frozenset(
    {"ar", "arc", "azb", "bal", "bqi", "ckb", "dv", "fa", "glk", "he", "iw", "khw", "lrc", "mzn", "nqo", "pnb",
     "prs", "ps", "sd", "sdh", "syr", "ug", "ur", "yi"}
)  # fmt: skip
"""Languages written right to left (their primary subtag), when no script subtag says otherwise."""
_RIGHT_TO_LEFT_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa"})
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""Embeddings, overrides and isolates (and their ends): left out where text is isolated."""


def right_to_left(language: str | None) -> bool:
    """Whether text in `language` (BCP 47) runs right to left: its script subtag decides
    (`az-Arab`, `ks-Deva`), else its primary language (`ar`, `he`, `fa`, `pnb`...)."""
    primary, *subtags = (language or "").lower().split("-")
    script = next((tag for tag in subtags if len(tag) == 4 and tag.isalpha()), None)
    return script in _RIGHT_TO_LEFT_SCRIPTS if script else primary in _RIGHT_TO_LEFT


def direction(language: str | None) -> str:
    """`rtl` for an article in a right-to-left language, else `auto` (the first strong letter
    decides): a Hebrew headline that opens with "Apple" is still laid out right to left."""
    return "rtl" if right_to_left(language) else "auto"


def isolated(text: str) -> str:
    """`text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for places no `dir`
    attribute reaches (a `<title>`), without direction controls of its own (a PDI inside would
    end the isolate early): an unclosed right-to-left override in a headline or a name cannot
    reverse the site's name after it."""
    return f"\u2068{text.translate(_BIDI_CONTROLS)}\u2069"


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
_templates.tests["right_to_left"] = right_to_left

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
