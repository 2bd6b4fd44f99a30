"""Relatedness scoring, pruning and reasons, as tables."""

from __future__ import annotations

import math

import pytest

from newsfeed_readmodel.related.scoring import (
    RECENCY_FLOOR,
    Profile,
    decode_profile,
    document_facts,
    encode_profile,
    language_of,
    prune,
    rank,
    reason,
    recency,
    score,
)

DAY = 86_400.0


def profile(
    aid: str, weights: dict[str, float], *, lang: str = "en", day: float = 0, tags: dict[str, str] | None = None
) -> Profile:
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return Profile(aid, lang, day * DAY, {t: w / norm for t, w in weights.items()}, tags or {})


A = profile("a", {"lavrov": 2, "ukraine": 1, "#ukraine": 1}, tags={"ukraine": "Ukraine"})
B = profile("b", {"lavrov": 1, "ukraine": 1, "talk": 1, "#ukraine": 1}, tags={"ukraine": "Ukraine"})
C = profile("c", {"football": 1, "final": 1})
B_FR = profile("b", {"lavrov": 1, "ukraine": 1}, lang="fr")
B_OLD = profile("b", {"lavrov": 1, "ukraine": 1, "talk": 1, "#ukraine": 1}, day=-365, tags={"ukraine": "Ukraine"})


@pytest.mark.parametrize(
    ("seconds", "half_life", "expected"),
    [
        (0, 14, 1.0),
        (14 * DAY, 14, RECENCY_FLOOR + (1 - RECENCY_FLOOR) / 2),
        (-14 * DAY, 14, RECENCY_FLOOR + (1 - RECENCY_FLOOR) / 2),
        (1e12, 14, RECENCY_FLOOR),
        (1e9, 0, 1.0),
    ],
)
def test_recency(seconds: float, half_life: float, expected: float) -> None:
    assert math.isclose(recency(seconds, half_life), expected, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(A, C, 0.0), (A, B_FR, 0.0), (A, A, 0.0)],
)
def test_score_is_zero_for(a: Profile, b: Profile, expected: float) -> None:
    assert score(a, b, 14) == expected


@pytest.mark.parametrize(("a", "b"), [(A, B), (B, C), (A, B_OLD)])
def test_score_is_symmetric(a: Profile, b: Profile) -> None:
    assert score(a, b, 14) == score(b, a, 14)


def test_recent_coverage_ranks_above_last_years() -> None:
    assert score(A, B, 14) > score(A, B_OLD, 14) > 0


def test_rank_orders_best_first_and_drops_unrelated() -> None:
    weak = profile("w", {"ukraine": 1, "grain": 5})
    assert [aid for aid, _ in rank(A, [C, weak, B], 14, 5)] == ["b", "w"]
    assert len(rank(A, [C, weak, B], 14, 1)) == 1


@pytest.mark.parametrize(
    ("postings", "limit", "expected"),
    [
        ({"lavrov": ["b", "c"], "ukraine": ["b"]}, 5, ["b", "c"]),
        ({"lavrov": ["c"], "ukraine": ["b", "d"]}, 1, ["c"]),
        ({"lavrov": ["a", "b"]}, 5, ["b"]),  # the article itself is never a candidate
        ({}, 5, []),
    ],
)
def test_prune(postings: dict[str, list[str]], limit: int, expected: list[str]) -> None:
    assert prune({"lavrov": 0.8, "ukraine": 0.4}, postings, "a", limit) == expected


@pytest.mark.parametrize(
    ("a", "b", "tags", "terms", "text"),
    [
        (A, B, ["Ukraine"], ["lavrov", "ukraine"], "Tagged Ukraine; about lavrov, ukraine"),
        (A, C, [], [], ""),
        (profile("x", {"grain": 1}), profile("y", {"grain": 1, "port": 1}), [], ["grain"], "About grain"),
    ],
)
def test_reason(a: Profile, b: Profile, tags: list[str], terms: list[str], text: str) -> None:
    assert reason(a, b) == {"tags": tags, "terms": terms, "text": text}


@pytest.mark.parametrize(("raw", "expected"), [("en-GB", "en"), ("EN", "en"), (None, ""), ("pt_BR", "pt")])
def test_language_of(raw: str | None, expected: str) -> None:
    assert language_of(raw) == expected


def test_profile_round_trip() -> None:
    assert decode_profile("a", encode_profile(A)).weights.keys() == A.weights.keys()
    assert decode_profile("a", encode_profile(A)).tag_names == {"ukraine": "Ukraine"}


def test_document_facts() -> None:
    document = {
        "title": "Peace talks",
        "html": "<p>Talks <b>resume</b></p>",
        "tags": [{"slug": "Ukraine", "name": "Ukraine"}],
        "language": "en-GB",
        "published_at": "2025-02-17T12:00:00Z",
    }
    counts, language, published_s, names = document_facts(document)
    assert counts.body["resume"] == 1 and counts.tags == ("#ukraine",)
    assert (language, published_s, names) == ("en", 1739793600.0, {"ukraine": "Ukraine"})
