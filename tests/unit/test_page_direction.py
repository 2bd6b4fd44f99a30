"""Which way a page's text runs, and a headline kept from turning the rest of a title around."""

from __future__ import annotations

import pytest

from newsfeed_api.rendering import direction, isolated, right_to_left


@pytest.mark.parametrize("language", ["ar", "he", "fa", "ur", "pnb", "azb", "prs", "nqo", "ckb", "az-Arab", "ks-Arab"])
def test_right_to_left_languages_and_scripts(language: str) -> None:
    assert right_to_left(language) and direction(language) == "rtl"


@pytest.mark.parametrize("language", [None, "", "en", "en-GB", "az", "az-Latn", "ks-Deva", "ku-Latn", "zh-Hant", "x"])
def test_other_languages_take_their_direction_from_their_text(language: str | None) -> None:
    assert not right_to_left(language) and direction(language) == "auto"


@pytest.mark.parametrize(
    "text", ["\u202eMallory", "x\u2069\u202eevil", "\u2067a\u2066b\u202bc", "plain", "\u05e9\u05dc\u05d5\u05dd"]
)
def test_an_isolated_text_holds_no_control_that_reaches_past_it(text: str) -> None:
    def control(c: str) -> bool:
        return 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069

    shown = isolated(text)
    assert shown[0] == "\u2068" and shown[-1] == "\u2069"
    assert shown[1:-1] == "".join(c for c in text if not control(c))  # the letters all stay
