"""Tokenising and term weighting, as tables."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from newsfeed_readmodel.related.terms import TermCounts, Weighting, count_terms, idf, tokenize, weigh


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Lavrov rules out concessions", "en", ["lavrov", "rule", "concession"]),
        ("The talks, and the TALKS!", "en", ["talk", "talk"]),
        ("Putin's 2025 plan: 3 options", "en", ["putin", "plan", "option"]),
        ("Kyiv's allies discuss policies", "en", ["kyiv", "ally", "discuss", "policy"]),
        ("Les négociations de paix", "fr", ["négociations", "paix"]),
        ("naïve café über straße", None, ["naïve", "café", "über", "straße"]),
        ("a I x", "en", []),
        ("", "en", []),
    ],
)
def test_tokenize(text: str, language: str | None, expected: list[str]) -> None:
    assert tokenize(text, language) == expected


def test_count_terms_keeps_title_body_and_tags_apart() -> None:
    counts = count_terms("Peace talks", "Talks resume. Peace?", ["Ukraine", "ukraine", "world"])
    assert counts.title == Counter({"peace": 1, "talk": 1})
    assert counts.body == Counter({"talk": 1, "resume": 1, "peace": 1})
    assert counts.tags == ("#ukraine", "#world")
    assert counts.vocabulary == {"peace", "talk", "resume", "#ukraine", "#world"}


@pytest.mark.parametrize(("df", "docs"), [(1, 1), (1, 1000), (500, 1000), (1000, 1000)])
def test_idf_is_positive_and_falls_with_df(df: int, docs: int) -> None:
    assert idf(df, docs) > 0
    assert idf(df, docs) >= idf(df + 1, docs)


def _counts(title: str = "", body: str = "", tags: tuple[str, ...] = ()) -> TermCounts:
    return TermCounts(Counter(title.split()), Counter(body.split()), tags)


@pytest.mark.parametrize(
    ("counts", "df", "docs", "stronger", "weaker"),
    [
        (_counts("lavrov", "kremlin"), {"lavrov": 5, "kremlin": 5}, 100, "lavrov", "kremlin"),  # title above body
        (_counts("", "rare common"), {"rare": 2, "common": 40}, 100, "rare", "common"),  # idf
        (_counts("", "often once often often"), {"often": 5, "once": 5}, 100, "often", "once"),  # tf
        (_counts("", "story", ("#ukraine",)), {"story": 30, "#ukraine": 3}, 100, "#ukraine", "story"),  # tag
    ],
)
def test_weigh_orders_terms(counts: TermCounts, df: dict[str, int], docs: int, stronger: str, weaker: str) -> None:
    weights = weigh(counts, df, docs)
    assert weights[stronger] > weights[weaker]
    assert math.isclose(sum(w * w for w in weights.values()), 1.0)


@pytest.mark.parametrize(
    ("docs", "df_subscribe", "kept"),
    [(100, 90, False), (100, 40, True), (10, 9, True)],  # the boilerplate cut needs a corpus
)
def test_site_boilerplate_is_dropped_by_document_frequency(docs: int, df_subscribe: int, kept: bool) -> None:
    weights = weigh(_counts("", "subscribe lavrov"), {"subscribe": df_subscribe, "lavrov": 2}, docs)
    assert ("subscribe" in weights) is kept


def test_weigh_keeps_only_the_top_terms() -> None:
    body = " ".join(f"w{i}" * 1 for i in range(100))
    weights = weigh(_counts("", body), {}, 10, Weighting(max_terms=8))
    assert len(weights) == 8
