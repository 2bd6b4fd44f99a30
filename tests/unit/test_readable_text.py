"""Text fields keep what a reader can be shown: no control characters, no noncharacters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed_schemas.events import parse_event
from newsfeed_schemas.text import readable
from tests.factories import published

from .test_event_validation import _errors


def _unshowable(ch: str) -> bool:
    code = ord(ch)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code in (0xFFFE, 0xFFFF)
    return (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or noncharacter


@given(st.text(alphabet=st.characters(codec="utf-8")), st.booleans())
def test_only_unshowable_characters_are_left_out(text: str, one_line: bool) -> None:
    kept = readable(text, one_line=one_line)
    assert not any(_unshowable(ch) for ch in kept)
    if one_line:
        assert not any(ch in "\t\n\r\u2028\u2029" for ch in kept)
    # every other character stays, in order (line breaks in one-line fields become spaces)
    expected = "".join(
        " " if one_line and ch in "\t\n\r\x0b\x0c\x85\u2028\u2029" else "\n" if ch in "\x0b\x0c\x85" else ch
        for ch in text
        if not _unshowable(ch) or ch in "\x0b\x0c\x85"
    )
    assert kept.split() == expected.split()
    assert readable(kept, one_line=one_line) == kept


def test_a_soft_line_break_keeps_the_words_apart() -> None:
    assert readable("Budget\x0bpasses", one_line=True) == "Budget passes"
    assert readable("First line\x0bsecond line", one_line=False) == "First line\nsecond line"
    assert readable("Rates\n\n  rise", one_line=True) == "Rates   rise"


def test_an_article_is_stored_without_unshowable_characters() -> None:
    raw = published("a")
    data = raw["data"]
    data["title"] = "Storm\x00 hits\x0bcoast\ufffe"
    data["excerpt"] = "Winds\x1b[31m of\x7f 100 km/h"
    data["text"] = "Para one.\x0cPara two.\x08"
    data["html"] = "<p>Body\x01 text</p>"
    data["tags"] = [{"slug": "weather", "name": "Weather\x9b"}]
    data["authors"] = [{"slug": "ann", "name": "Ann\nLee", "bio": "Reporter\x00."}]
    article = parse_event(raw).data
    assert article.title == "Storm hits coast"
    assert article.excerpt == "Winds[31m of 100 km/h"
    assert article.text == "Para one.\nPara two."
    assert article.html == "<p>Body text</p>"
    assert article.tags[0].name == "Weather"
    assert (article.authors[0].name, article.authors[0].bio) == ("Ann Lee", "Reporter.")


def test_a_title_of_nothing_showable_is_refused() -> None:
    raw = published("a")
    raw["data"]["title"] = "\x00\x07\ufffe"
    assert (("article.published", "data", "title"), "title_invisible") in _errors(raw)


BLANK = [
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u200e\u200f",  # direction marks
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\ufeff",  # byte order mark
    "\U000e0020",  # a tag character
    "\u2060\u2061",  # word joiner, function application
    "\u2800",  # the blank Braille pattern
    "\u3164",  # the Hangul filler
    "\u0301\u0301",  # combining marks on nothing
    "\u3000\u00a0",  # ideographic and no-break spaces
    "\u2065\ufff0\U000e0000\U000e01f0",  # unassigned, and ignored by every renderer
    "\U0001fffe",  # a noncharacter of another plane
]


@pytest.mark.parametrize("blank", BLANK)
def test_a_title_that_draws_nothing_is_refused(blank: str) -> None:
    raw = published("a")
    raw["data"]["title"] = blank
    refused = dict(_errors(raw))
    assert refused[("article.published", "data", "title")] in {"title_invisible", "string_too_short"}  # spaces only


@pytest.mark.parametrize("blank", BLANK)
def test_a_name_or_excerpt_that_draws_nothing_is_none(blank: str) -> None:
    raw = published("a")
    raw["data"]["excerpt"] = blank
    raw["data"]["tags"] = [{"slug": "weather", "name": blank}]
    raw["data"]["authors"] = [{"slug": "ann", "name": blank}]
    article = parse_event(raw).data
    assert (article.excerpt, article.tags[0].name, article.authors[0].name) == (None, None, None)


@pytest.mark.parametrize(
    "title",
    [
        "a\u200b",
        "\u0915\u094d\u200d",
        "\U0001f1fa\U0001f1f8",
        "\u05d0\u200f",
        "e\u0301",
        "\u06dd",  # the Arabic end of ayah: a format character that draws
        "\u0600",
        "\U000110bd",
        "\u20dd",  # an enclosing circle
    ],
)
def test_a_title_with_something_to_draw_is_kept(title: str) -> None:
    raw = published("a")
    raw["data"]["title"] = title
    assert parse_event(raw).data.title == title
