"""Related links v2, the pure parts: features, the integer score, list repair and the engine.

The engine test is the contract's guarantee 2 for related lists in miniature: whatever the
order and grouping of the same changes, the lists equal a brute-force ranking of the live set.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed_readmodel.related import embedding as embedding_module
from newsfeed_readmodel.related import engine as engine_module
from newsfeed_readmodel.related.embedding import MODEL_DIR, StaticModel, static_model
from newsfeed_readmodel.related.engine import RelatedEngine
from newsfeed_readmodel.related.features import (
    Features,
    FeatureSettings,
    decode_features,
    embedded,
    encode_features,
    extract,
    language_key,
    related_input,
)
from newsfeed_readmodel.related.ranking import best, enters, repaired
from newsfeed_readmodel.related.scoring import REC_ONE, ScoreSettings, pair_score, reason, recency_table
from newsfeed_readmodel.related.vocabulary import (
    WORD,
    common_words,
    fold_plural,
    normalise,
    table_language,
    table_spelling,
    unexplaining,
    vocabulary,
    words_of,
)

T0 = datetime(2025, 2, 17, 18, 0, tzinfo=UTC)
LAVROV = "Lavrov rules out territorial concessions in Ukraine peace talks with Russia and the Kremlin."
TALKS = "US and Russia open Ukraine peace talks; Kremlin says Lavrov will lead the delegation."
FOOTBALL = "The football club won the league final after a penalty shootout in the stadium on Sunday."


def features_of(title: str, text: str, tags: list[str] | None = None, *, at: datetime = T0) -> Features:
    return extract([(title, text, tags or [], "en", at)], FeatureSettings())[0]


# ---------------------------------------------------------------- features
def test_features_are_a_pure_function_of_the_article() -> None:
    one = extract([("Lavrov", LAVROV, ["ukraine"], "en", T0), ("Cup", FOOTBALL, [], "en", None)], FeatureSettings())
    alone = features_of("Lavrov", LAVROV, ["ukraine"])
    assert one[0] == alone  # batching never changes an article's features
    assert decode_features(encode_features(alone)) == alone
    assert alone.hour == int(T0.timestamp()) // 3600
    weight = dict(zip(alone.terms, alone.weights, strict=True))
    assert alone.terms[0] == "lavrov" and weight.get("the", 0) < weight["ukraine"]
    assert all(1 <= w <= 255 for w in alone.weights)
    assert len(alone.dense) == 256


def test_the_stored_document_gives_the_same_features_as_the_incoming_article() -> None:
    document = {
        "title": "Lavrov",
        "tags": [{"slug": "ukraine", "name": "Ukraine"}],
        "published_at": T0.isoformat(),
    }
    assert extract([related_input(document, LAVROV, "en")], FeatureSettings())[0] == features_of(
        "Lavrov", LAVROV, ["ukraine"]
    )


@pytest.mark.parametrize(
    ("given", "default", "key"),
    [(None, "en", "en"), ("", "de", "de"), ("en-GB", "en", "en"), ("FR", "en", "fr"), ("pt-BR", "en", "pt")],
)
def test_a_missing_language_is_the_sites_default(given: str | None, default: str, key: str) -> None:
    assert language_key(given, default) == key


@pytest.mark.parametrize(
    ("word", "folded"),
    [("talks", "talk"), ("countries", "country"), ("news", "news"), ("paris", "paris"), ("bus", "bus")],
)
def test_plurals_fold_onto_known_words(word: str, folded: str) -> None:
    assert fold_plural(word, vocabulary("en", 900, 100).zipf) == folded


def test_rare_words_weigh_most_and_words_above_the_cut_are_stop_words() -> None:
    words = vocabulary("en", 900, 100)
    the, talk, lavrov = words.term("the"), words.term("talks"), words.term("lavrov")
    assert the is not None and talk is not None and lavrov is not None
    assert lavrov[1] > talk[1] > the[1] > 0
    assert vocabulary("en", 700, 100).term("the") is None
    assert words.term("a") is None  # single letters never count


def test_hostile_text_costs_bounded_work() -> None:
    huge = "x" * 5_000_000 + " " + "word " * 200_000
    f = features_of("t", huge)
    assert len(f.terms) <= FeatureSettings().n_terms


def test_the_embedding_reads_words_not_punctuation_or_digits() -> None:
    plain = features_of("Lavrov", "Lavrov rules out concessions in Ukraine talks")
    noisy = features_of("Lavrov:", '"Lavrov" rules out -- concessions (in Ukraine) 2025 talks!!! 12.5%')
    assert noisy.dense == plain.dense
    assert noisy.dense != features_of("Lavrov", "Lavrov rules out concessions in Ukraine talks, talks").dense


def _reference_sums(words: list[str]) -> np.ndarray:
    """The sum of an article's token rows computed another way: int64, word by word."""
    model = static_model()
    total = np.zeros(model.dim, dtype=np.int64)
    for word in words:
        ids = model.tokenizer.encode(word, add_special_tokens=False).ids
        total += model.rows[ids].astype(np.int64).sum(axis=0)
    return total


@pytest.mark.parametrize(
    "words",
    [
        LAVROV.lower().replace(".", "").split() * 3,
        # 50 tokens a word: sums beyond float32's exact range (2^24)
        ["x" * 99] * 9_000 + ["pneumonoultramicroscopicsilicovolcanoconiosis"],
    ],
    ids=["news", "long-words"],
)
def test_the_embedding_is_the_exact_integer_sum_of_token_rows(words: list[str]) -> None:
    model = static_model()
    sums = model.row_sums(words)
    assert sums is not None
    assert np.array_equal(sums, _reference_sums(words).astype(np.float64))
    (vector,) = model.embed([words], scale=FeatureSettings().dense_scale)
    assert np.array_equal(vector, model._quantise(sums, FeatureSettings().dense_scale, model.center))


def test_the_word_cache_is_bounded_and_never_changes_a_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = [
        [f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(j, j + 40)] + ["ukraine"]
        for j in range(0, 400, 20)
    ]
    expected = StaticModel.load().embed(articles, scale=200.0)
    monkeypatch.setattr(embedding_module, "_WORDS_KEPT", 50)
    small = StaticModel.load()
    assert np.array_equal(small.embed(articles, scale=200.0), expected)
    assert len(small._words) <= 50
    long_words = [["q" * 41 + chr(97 + i % 26) * (1 + i // 26) for i in range(30)]]
    assert small.embed(long_words, scale=200.0).any()
    assert not any(len(word) > 40 for word in small._words)  # not kept: a hostile stream cannot fill memory


# ---------------------------------------------------------------- score
def test_the_score_is_symmetric_and_prefers_the_same_story() -> None:
    spec = ScoreSettings()
    a, b, c = (
        features_of("Lavrov", LAVROV, ["ukraine"]),
        features_of("Talks", TALKS, ["ukraine"]),
        features_of("Cup", FOOTBALL, ["sport"]),
    )
    assert pair_score(spec, a, b) == pair_score(spec, b, a)
    ab, ac = pair_score(spec, a, b), pair_score(spec, a, c)
    assert ab is not None and ac is not None and ab > spec.floor > ac


def test_articles_in_another_language_are_not_related() -> None:
    a = features_of("Lavrov", LAVROV)
    fr = Features("fr", a.hour, a.tags, a.terms, a.weights, a.dense)
    assert pair_score(ScoreSettings(), a, fr) is None


def test_recency_decays_to_the_floor_and_is_a_setting() -> None:
    table = recency_table(168, 0.5, 24 * 366)
    assert table[0] == REC_ONE
    assert table[168] == round(REC_ONE * 0.75)
    assert table[-1] == round(REC_ONE * 0.5)
    assert list(table) == sorted(table, reverse=True)
    assert set(recency_table(0, 0.5, 100)) == {REC_ONE}
    spec = ScoreSettings()
    now, month = features_of("Talks", TALKS, at=T0), features_of("Talks", TALKS, at=T0 - timedelta(days=30))
    lavrov = features_of("Lavrov", LAVROV, at=T0)
    same_week, old = pair_score(spec, lavrov, now), pair_score(spec, lavrov, month)
    assert same_week is not None and old is not None and same_week > old


def test_the_reason_names_shared_tags_and_strongest_shared_words() -> None:
    a, b = features_of("Lavrov", LAVROV, ["ukraine"]), features_of("Talks", TALKS, ["ukraine"])
    why = reason(a, b, {"ukraine": "Ukraine"})
    assert why["tags"] == ["Ukraine"]
    assert "lavrov" in why["terms"]
    assert why["text"].startswith("Tagged Ukraine; about ")


def test_settings_refuse_scores_outside_exact_arithmetic() -> None:
    with pytest.raises(ValueError, match="float32"):
        ScoreSettings(dim=2048)


# ---------------------------------------------------------------- list repair
FLOOR = 10
FULL = [(90, "a"), (80, "b"), (70, "c")]


@pytest.mark.parametrize(
    ("old", "changed", "fresh", "expected"),
    [
        # a newcomer above the last place pushes it out
        (FULL, {"x"}, [(75, "x")], [(90, "a"), (80, "b"), (75, "x")]),
        # a newcomer below the last place changes nothing
        (FULL, {"x"}, [(60, "x")], FULL),
        # a tie with the last place: the smaller id ranks first
        (FULL, {"bb"}, [(70, "bb")], [(90, "a"), (80, "b"), (70, "bb")]),
        (FULL, {"d"}, [(70, "d")], FULL),
        # an edited entry that stays at or above the last place is re-sorted in place
        (FULL, {"c"}, [(95, "c")], [(95, "c"), (90, "a"), (80, "b")]),
        # an entry that left (or fell below the last place): the list must be rescored
        (FULL, {"b"}, [], None),
        (FULL, {"c"}, [(65, "c")], None),
        # ... unless a newcomer fills the place
        (FULL, {"b", "x"}, [(85, "x")], [(90, "a"), (85, "x"), (70, "c")]),
        # a list that is not full holds every article above the floor: always complete
        ([(50, "a")], {"a"}, [], []),
        ([(50, "a")], {"x"}, [(11, "x"), (10, "y")], [(50, "a"), (11, "x")]),
    ],
)
def test_repair(
    old: list[tuple[int, str]], changed: set[str], fresh: list[tuple[int, str]], expected: list[tuple[int, str]] | None
) -> None:
    assert repaired(old, 3, FLOOR, changed, fresh) == expected


def test_best_and_enters() -> None:
    assert best([(5, "a"), (30, "c"), (30, "b"), (11, "d")], 2, FLOOR) == [(30, "b"), (30, "c")]
    assert enters((11, "z"), [(50, "a")], 3, FLOOR) and not enters((10, "z"), [(50, "a")], 3, FLOOR)


# ---------------------------------------------------------------- the engine
SPECS = [ScoreSettings(k=4, min_score=0.0), ScoreSettings(k=3, min_score=0.01, half_life_hours=0)]
# Rare made-up words (kept as postings) and common English ones (kept as dense columns).
_COMMON = ["the", "of", "said", "people", "new", "two", "where", "because", "most", "very"]
_VOCABULARY = [f"w{i}" for i in range(30)] + _COMMON


def test_the_vocabulary_exercises_both_ways_of_keeping_terms() -> None:
    assert set(_COMMON) <= set(common_words("en", engine_module._COMMON_ZIPF))
    assert not {f"w{i}" for i in range(30)} & set(common_words("en", engine_module._COMMON_ZIPF))


def random_features(rng: random.Random) -> Features:
    terms = rng.sample(_VOCABULARY, rng.randint(0, 6))
    dense = np.array([rng.randint(-40, 40) for _ in range(256)], dtype=np.int8)
    hour = rng.choice([None, rng.randint(400_000, 400_500)])
    tags = tuple(rng.sample(["a", "b", "c"], rng.randint(0, 2)))
    return Features(
        rng.choice(["en", "en", "fr"]),
        hour,
        tags,
        tuple(terms),
        tuple(rng.randint(1, 255) for _ in terms),
        dense.tobytes(),
    )


def brute_force(live: dict[str, Features], spec: ScoreSettings) -> dict[str, list[tuple[int, str]]]:
    out = {}
    for a, fa in live.items():
        scored = [(pair_score(spec, fa, fb), b) for b, fb in live.items() if b != a]
        ranked = best(((s, b) for s, b in scored if s is not None), spec.k, spec.floor)
        if ranked:
            out[a] = ranked
    return out


def lists_of(engine: RelatedEngine, ids: set[str]) -> dict[str, list[tuple[int, str]]]:
    return {a: engine.list_of(a) for a in sorted(ids) if engine.list_of(a)}


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    groups=st.lists(st.integers(1, 12), min_size=1, max_size=30),
    spec=st.sampled_from(SPECS),
)
def test_the_lists_are_a_function_of_the_live_set(seed: int, groups: list[int], spec: ScoreSettings) -> None:
    rng = random.Random(seed)
    ids = [f"a{i:02d}" for i in range(24)]
    history = [(rng.choice(ids), None if rng.random() < 0.25 else random_features(rng)) for _ in range(90)]
    final: dict[str, Features] = {}
    for aid, f in history:
        if f is None:
            final.pop(aid, None)
        else:
            final[aid] = f
    live = brute_force(final, spec)

    engine, start = RelatedEngine(spec), 0
    announced: dict[str, list[tuple[int, str]]] = {}
    for size in [*groups, len(history)]:
        for aid, (_, new) in engine.apply(dict(history[start : start + size])).items():
            announced[aid] = new
        start += size
    assert lists_of(engine, set(ids)) == live
    assert {a: v for a, v in announced.items() if v} == live  # what was announced last is what is kept

    rebuilt = RelatedEngine(spec)  # `newsfeed reindex --related`: everything at once
    rebuilt.apply(final)
    assert lists_of(rebuilt, set(ids)) == live


def test_a_large_change_scored_as_one_matrix_product_gives_the_same_lists() -> None:
    """Hundreds of articles at once (a reindex, a backfill) take the sparse-product path."""
    rng = random.Random(11)
    spec = SPECS[0]
    articles = {f"a{i:03d}": random_features(rng) for i in range(engine_module._MATRIX_FROM + 20)}
    rebuilt = RelatedEngine(spec)
    rebuilt.apply(articles)
    one_by_one = RelatedEngine(spec)
    for aid, f in articles.items():
        one_by_one.apply({aid: f})
    expected = brute_force(articles, spec)
    assert lists_of(rebuilt, set(articles)) == expected
    assert lists_of(one_by_one, set(articles)) == expected


def test_terms_and_tags_moved_to_dense_columns_as_they_spread_give_the_same_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A term or tag posted for many rows becomes a dense column mid-history (the common words of a
    language without a frequency table, a section tag on most articles): the lists stay those of
    brute force, applied in groups or all at once."""
    monkeypatch.setattr(engine_module, "_PROMOTE_FROM", 3)
    monkeypatch.setattr(engine_module, "_PROMOTE_SHARE", 32)
    for seed in range(8):
        rng = random.Random(seed)
        ids = [f"a{i:02d}" for i in range(24)]
        history = [(rng.choice(ids), None if rng.random() < 0.25 else random_features(rng)) for _ in range(90)]
        final: dict[str, Features] = {}
        for aid, f in history:
            final.pop(aid, None) if f is None else final.__setitem__(aid, f)
        spec = SPECS[seed % 2]
        engine, start = RelatedEngine(spec), 0
        while start < len(history):
            size = rng.randint(1, 12)
            engine.apply(dict(history[start : start + size]))
            start += size
        assert len(engine.languages["en"].terms.column_of) > len(common_words("en", engine_module._COMMON_ZIPF))
        assert engine.languages["en"].tags.column_of  # "a", "b", "c" are on many rows
        assert lists_of(engine, set(ids)) == brute_force(final, spec)
        restored = RelatedEngine(spec)
        restored.restore(final, brute_force(final, spec))
        assert restored.apply({aid: final.get(aid) for aid in ids[:5]}) == {}


def test_thousands_of_language_tags_cost_per_article_not_per_language() -> None:
    """A CMS may send any BCP 47 tag: every language without a frequency table shares one
    vocabulary, a language's tables start small, and articles of one language still relate."""
    assert vocabulary("qq", 900, 100) is vocabulary("zz-Latn", 900, 100)
    assert vocabulary("en-GB", 900, 100) is vocabulary("en", 900, 100)
    assert vocabulary("qq", 900, 100).term("the") is not None  # no table: every word is a term
    rng = random.Random(9)
    spec = SPECS[0]
    engine = RelatedEngine(spec)
    alone = {f"a{i}": replace(random_features(rng), language=f"l{i}") for i in range(2000)}
    engine.apply(alone)
    assert engine.rows_bytes() <= len(alone) * 8 * 1024  # a fixed 1,024-row start would be ~1.4 MB each
    assert not any(engine.list_of(aid) for aid in alone)  # each alone in its language
    joining = {aid: replace(random_features(rng), language="l7") for aid in ("b1", "b2")}
    engine.apply(joining)
    assert lists_of(engine, {"a7", *joining}) == brute_force({"a7": alone["a7"], **joining}, spec)


def test_the_engine_reports_only_lists_that_changed() -> None:
    rng = random.Random(3)
    engine = RelatedEngine(SPECS[0])
    articles = {f"a{i}": random_features(rng) for i in range(10)}
    engine.apply(articles)
    assert engine.apply({"a3": articles["a3"]}) == {}  # the same features again: nothing changed
    changed = engine.apply({"a3": None})
    assert changed["a3"][1] == [] or "a3" not in changed
    assert all("a3" not in {other for _, other in new} for _, new in changed.values())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 90), spec=st.sampled_from(SPECS))
def test_a_restore_with_a_backlog_gives_the_lists_of_the_live_set(seed: int, cut: int, spec: ScoreSettings) -> None:
    """The maintainer's restart: the stored lists are exact for the history up to `cut`; the
    engine restored from them (with the features of what is live *now*) takes in every change
    after `cut` at once, including articles taken down since, whose stored lists must go."""
    rng = random.Random(seed)
    ids = [f"a{i:02d}" for i in range(16)]
    history = [(rng.choice(ids), None if rng.random() < 0.3 else random_features(rng)) for _ in range(90)]
    before: dict[str, Features] = {}
    for aid, f in history[:cut]:
        before[aid] = f  # type: ignore[assignment]
    before = {a: f for a, f in before.items() if f is not None}
    stored = brute_force(before, spec)  # what Redis holds at the position
    final = dict(before)
    for aid, f in history[cut:]:
        final.pop(aid, None) if f is None else final.__setitem__(aid, f)
    backlog = {aid for aid, _ in history[cut:]}

    engine = RelatedEngine(spec)
    engine.restore(final, stored)  # the features are read now; the lists are the stored ones
    changes = engine.apply({aid: final.get(aid) for aid in sorted(backlog)})
    for aid, (old, new) in changes.items():  # what the store writes: the edits of the stored lists
        assert old == stored.get(aid, [])
        stored[aid] = new
    assert {a: v for a, v in stored.items() if v} == brute_force(final, spec)


def test_the_reason_leaves_out_everyday_words() -> None:
    a = features_of("After the talks in Riyadh", "Officials said they would meet again in Riyadh after the talks.")
    b = features_of("After the summit", "The minister said he would fly to Riyadh after the summit, officials said.")
    terms = reason(a, b, {})["terms"]
    assert "riyadh" in terms
    assert not {"after", "said", "would", "the"} & set(terms)
    only_everyday = features_of("After", "They said they would, after all.")
    why = reason(only_everyday, b, {})
    assert why == {"tags": [], "terms": [], "text": ""}


# ---------------------------------------------------------------- other languages
ARTICLES_IN = {
    "fr": (
        (
            "La Banque centrale européenne maintient ses taux",
            "La Banque centrale européenne a décidé jeudi de maintenir ses taux directeurs inchangés, alors que"
            " l'inflation dans la zone euro continue de ralentir. La présidente de la BCE a déclaré que les"
            " décisions futures dépendront des données. Les marchés attendaient cette décision depuis plusieurs"
            " semaines et les analystes prévoient une baisse des taux au printemps.",
        ),
        (
            "La BCE pourrait baisser ses taux en juin",
            "Plusieurs membres du conseil de la Banque centrale européenne estiment qu'une baisse des taux est"
            " possible en juin si l'inflation continue de reculer dans la zone euro. Les économistes restent"
            " prudents.",
        ),
        (
            "Le PSG qualifié pour les quarts de finale",
            "Le Paris Saint-Germain s'est qualifié mardi soir pour les quarts de finale de la Ligue des champions"
            " après sa victoire contre le Bayern. Les supporters ont célébré la qualification dans les rues de la"
            " capitale. L'entraîneur a salué la performance de ses joueurs et la solidité de la défense pendant"
            " tout le match.",
        ),
    ),
    "de": (
        (
            "Europäische Zentralbank lässt die Zinsen unverändert",
            "Die Europäische Zentralbank hat am Donnerstag beschlossen, die Leitzinsen nicht zu verändern, weil"
            " die Inflation im Euroraum weiter zurückgeht. Die Präsidentin der EZB sagte, die nächsten"
            " Entscheidungen hingen von den Daten ab. Viele Ökonomen erwarten eine Zinssenkung im Frühjahr.",
        ),
        (
            "EZB könnte die Zinsen im Juni senken",
            "Mehrere Mitglieder des Rates der Europäischen Zentralbank halten eine Zinssenkung im Juni für"
            " möglich, wenn die Inflation im Euroraum weiter sinkt. Die Ökonomen bleiben vorsichtig.",
        ),
        (
            "Bayern München gewinnt das Spitzenspiel",
            "Der FC Bayern München hat am Samstagabend das Spitzenspiel der Bundesliga gegen Dortmund gewonnen."
            " Die Fans feierten den Sieg im Stadion bis spät in die Nacht. Der Trainer lobte die Leistung seiner"
            " Mannschaft und die starke Abwehr während des ganzen Spiels.",
        ),
    ),
}


ARTICLES_IN["zh"] = (
    ("欧洲央行维持利率不变", "欧洲中央银行周四决定维持主要利率不变，因为欧元区通货膨胀继续放缓。央行行长表示，"
     "未来的决定将取决于数据。分析人士预计明年春天将降息。"),
    ("欧洲央行可能在六月降息", "欧洲中央银行的几位理事认为，如果欧元区通胀继续下降，"
     "六月降息是可能的。经济学家仍然保持谨慎。"),
    ("巴黎圣日耳曼晋级八强", "巴黎圣日耳曼队周二晚上战胜拜仁慕尼黑，晋级欧洲冠军联赛八强。球迷们在首都街头庆祝。"
     "主教练称赞了球员们的表现和整场比赛的防守。"),
)  # fmt: skip
ARTICLES_IN["ja"] = (
    ("欧州中央銀行が金利を据え置き", "欧州中央銀行は木曜日、ユーロ圏のインフレが鈍化し続けているため、"
     "政策金利を据え置くことを決めた。総裁は今後の決定はデータ次第だと述べた。"),
    ("欧州中銀、六月に利下げの可能性", "欧州中央銀行の複数の理事は、ユーロ圏のインフレが下がり続ければ六月の利下げは"
     "可能だと考えている。経済学者は慎重だ。"),
    ("パリ・サンジェルマンが準々決勝へ", "パリ・サンジェルマンは火曜日の夜、バイエルンに勝ってチャンピオンズリーグの"
     "準々決勝に進んだ。サポーターは首都の通りで祝った。"),
)  # fmt: skip

ARTICLES_IN["hi"] = (
    ("भारतीय रिज़र्व बैंक ने ब्याज दरें स्थिर रखीं", "भारतीय रिज़र्व बैंक ने गुरुवार को मुख्य ब्याज दरों में कोई बदलाव नहीं"
     " करने का फैसला किया, क्योंकि महंगाई धीरे-धीरे कम हो रही है। गवर्नर ने कहा कि आगे के फैसले आंकड़ों पर निर्भर करेंगे।"
     " विश्लेषकों को अगले साल की शुरुआत में दरों में कटौती की उम्मीद है।"),
    ("रिज़र्व बैंक जून में दरें घटा सकता है", "रिज़र्व बैंक की मौद्रिक नीति समिति के कई सदस्यों का मानना है कि अगर महंगाई"
     " घटती रही तो जून में ब्याज दरों में कटौती संभव है। अर्थशास्त्री सतर्क बने हुए हैं।"),
    ("भारत ने ऑस्ट्रेलिया को हराकर सीरीज़ जीती", "क्रिकेट टीम ने रविवार को आखिरी मुकाबले में ऑस्ट्रेलिया को छह विकेट से"
     " हराकर सीरीज़ अपने नाम कर ली। कप्तान ने गेंदबाज़ों की तारीफ़ की और प्रशंसकों ने स्टेडियम में जश्न मनाया।"),
)  # fmt: skip
ARTICLES_IN["bn"] = (
    ("বাংলাদেশ ব্যাংক সুদের হার অপরিবর্তিত রেখেছে", "বাংলাদেশ ব্যাংক বৃহস্পতিবার নীতি সুদের হার অপরিবর্তিত রাখার সিদ্ধান্ত"
     " নিয়েছে, কারণ মূল্যস্ফীতি ধীরে ধীরে কমছে। গভর্নর বলেছেন, ভবিষ্যতের সিদ্ধান্ত তথ্যের উপর নির্ভর করবে। বিশ্লেষকরা"
     " আগামী বছরের শুরুতে সুদের হার কমানোর আশা করছেন।"),
    ("জুনে সুদের হার কমাতে পারে কেন্দ্রীয় ব্যাংক", "কেন্দ্রীয় ব্যাংকের মুদ্রানীতি কমিটির কয়েকজন সদস্য মনে করেন, মূল্যস্ফীতি"
     " কমতে থাকলে জুনে সুদের হার কমানো সম্ভব। অর্থনীতিবিদরা সতর্ক রয়েছেন।"),
    ("অস্ট্রেলিয়াকে হারিয়ে সিরিজ জিতল বাংলাদেশ", "রবিবার শেষ ম্যাচে অস্ট্রেলিয়াকে ছয় উইকেটে হারিয়ে সিরিজ জিতেছে ক্রিকেট"
     " দল। অধিনায়ক বোলারদের প্রশংসা করেছেন এবং সমর্থকরা স্টেডিয়ামে উল্লাস করেছেন।"),
)  # fmt: skip
ARTICLES_IN["ta"] = (
    ("இந்திய ரிசர்வ் வங்கி வட்டி விகிதத்தை மாற்றவில்லை", "இந்திய ரிசர்வ் வங்கி வியாழக்கிழமை முக்கிய வட்டி விகிதங்களை"
     " மாற்றாமல் வைக்க முடிவு செய்தது, ஏனெனில் பணவீக்கம் மெதுவாக குறைந்து வருகிறது. எதிர்கால முடிவுகள் தரவுகளைப்"
     " பொறுத்தது என்று ஆளுநர் கூறினார். அடுத்த ஆண்டு தொடக்கத்தில் வட்டி விகிதம் குறைக்கப்படும் என்று ஆய்வாளர்கள்"
     " எதிர்பார்க்கின்றனர்."),
    ("ஜூன் மாதம் வட்டி விகிதம் குறையலாம்", "பணவீக்கம் தொடர்ந்து குறைந்தால் ஜூன் மாதம் வட்டி விகிதத்தைக் குறைக்க"
     " முடியும் என்று ரிசர்வ் வங்கியின் நாணயக் கொள்கைக் குழு உறுப்பினர்கள் பலர் கருதுகின்றனர். பொருளாதார நிபுணர்கள்"
     " எச்சரிக்கையாக உள்ளனர்."),
    ("ஆஸ்திரேலியாவை வீழ்த்தி தொடரை வென்றது இந்தியா", "ஞாயிற்றுக்கிழமை நடந்த கடைசிப் போட்டியில் ஆஸ்திரேலியாவை ஆறு"
     " விக்கெட் வித்தியாசத்தில் வீழ்த்தி கிரிக்கெட் அணி தொடரைக் கைப்பற்றியது. கேப்டன் பந்துவீச்சாளர்களைப்"
     " பாராட்டினார், ரசிகர்கள் மைதானத்தில் கொண்டாடினர்."),
)  # fmt: skip
ARTICLES_IN["el"] = (
    ("Η Ευρωπαϊκή Κεντρική Τράπεζα διατηρεί αμετάβλητα τα επιτόκια", "Η Ευρωπαϊκή Κεντρική Τράπεζα αποφάσισε την"
     " Πέμπτη να διατηρήσει αμετάβλητα τα βασικά επιτόκια, καθώς ο πληθωρισμός στην ευρωζώνη συνεχίζει να"
     " επιβραδύνεται. Η πρόεδρος της τράπεζας δήλωσε ότι οι επόμενες αποφάσεις θα εξαρτηθούν από τα στοιχεία. Οι"
     " αναλυτές αναμένουν μείωση των επιτοκίων την άνοιξη."),
    ("Η ΕΚΤ μπορεί να μειώσει τα επιτόκια τον Ιούνιο", "Αρκετά μέλη του διοικητικού συμβουλίου της Ευρωπαϊκής"
     " Κεντρικής Τράπεζας θεωρούν ότι μια μείωση των επιτοκίων τον Ιούνιο είναι πιθανή, αν ο πληθωρισμός συνεχίσει"
     " να υποχωρεί. Οι οικονομολόγοι παραμένουν επιφυλακτικοί."),
    ("Ο Ολυμπιακός προκρίθηκε στους προημιτελικούς", "Ο Ολυμπιακός προκρίθηκε την Τρίτη το βράδυ στους"
     " προημιτελικούς του Κυπέλλου μετά τη νίκη του επί του Παναθηναϊκού. Οι οπαδοί γιόρτασαν στους δρόμους της"
     " πόλης. Ο προπονητής επαίνεσε την απόδοση των παικτών και την άμυνα της ομάδας σε όλο τον αγώνα."),
)  # fmt: skip
ARTICLES_IN["ru"] = (
    ("ЦБ сохранил ключевую ставку", "Банк России в пятницу сохранил ключевую ставку, так как инфляция продолжает"
     " замедляться. Председатель сказал, что дальнейшие решения будут зависеть от данных. Аналитики ожидают"
     " снижения ставки весной."),
    ("ЦБ может снизить ставку в июне", "Несколько членов совета директоров Банка России считают, что снижение"
     " ставки в июне возможно, если инфляция продолжит снижаться. Экономисты сохраняют осторожность."),
    ("«Зенит» вышел в четвертьфинал", "Петербургский «Зенит» во вторник вечером вышел в четвертьфинал кубка после"
     " победы над «Спартаком». Болельщики праздновали на улицах города. Тренер похвалил игру команды и надёжную"
     " защиту на протяжении всего матча."),
)  # fmt: skip


@pytest.mark.parametrize("language", sorted(ARTICLES_IN))
def test_articles_of_another_language_are_read_in_that_language(language: str) -> None:
    """Its own common direction keeps all its texts from looking alike to the embedding, or, in
    an alphabet the embedding reads letter by letter, no embedding at all; its own word table
    keeps its everyday words from counting as shared terms (Chinese and Japanese, without a
    table, share pairs of characters instead)."""
    rates, rates_again, football = extract(
        [(title, text, [], language, T0) for title, text in ARTICLES_IN[language]], FeatureSettings()
    )
    spec = ScoreSettings()
    related, unrelated = pair_score(spec, rates, rates_again), pair_score(spec, rates, football)
    assert related is not None and unrelated is not None
    assert related > spec.floor > unrelated and related > 3 * unrelated
    if language in ("zh", "ja"):
        assert all(len(term) == 2 for term in reason(rates, rates_again, {})["terms"])
    else:
        everyday = set(common_words(language, 600))
        assert everyday and not everyday & {table_spelling(t) for t in reason(rates, rates_again, {})["terms"]}
        assert reason(rates, football, {})["terms"] == []


def test_text_is_read_as_the_word_tables_spell_their_words() -> None:
    def words(text: str, language: str) -> list[str]:
        return words_of(normalise(text, language), 100)

    assert words("Straße Fußball", "de") == ["straße", "fußball"]  # shown as written, looked up as "strasse"
    assert words("Λόγος ΛΟΓΟΣ", "el") == ["λόγος", "λογος"]  # a final sigma, looked up as "σ"
    assert words("İSTANBUL IŞIK", "tr") == ["istanbul", "ışık"]  # Turkish dotted and dotless i
    assert words("مُحَمَّد الحمــــد", "ar") == words("محمد الحمد", "ar")  # vowel points and tatweel
    assert words("Београд Љубав", "sr") == words("Beograd Ljubav", "sr")  # Cyrillic read as the Latin table
    assert words("ACELAŞI", "ro") == ["același"]  # a cedilla typed for a comma below
    assert words("cafe\u0301 ﬁnance Ｆｕｌｌ", "fr") == ["café", "finance", "full"]  # decomposed, ligature, wide
    assert words("Bundes\u00adverfassungs\u00adgericht", "de") == ["bundesverfassungsgericht"]  # soft hyphens
    for word, language in (("straße", "de"), ("λόγος", "el"), ("της", "el"), ("istanbul", "tr"), ("beograd", "sh")):
        found = vocabulary(language, 900, 0).term(word)  # idf = 900 - Zipf: a word missing from the table has 900
        assert found is not None and found[1] < 600, (word, language)  # a known word, not a rare one


PIECES = ["ﬁnance", "e\u0301", "\ufdfa", "கொ", "க\u0bc6\u0bbe", "가", "\u1100\u1161", " "]


@settings(max_examples=50)
@given(st.lists(st.sampled_from(PIECES), max_size=3000))
def test_a_long_text_is_normalised_as_a_whole_would_be(parts: list[str]) -> None:
    """With `enough`, long texts are normalised a piece at a time (NFKC may lengthen them
    eighteen times): what comes out must be what normalising the whole gives."""
    text = "".join(parts)
    whole = unicodedata.normalize("NFKC", text).lower()
    assert normalise(text, "ta", enough=10**9) == whole
    assert normalise(text, "ta", enough=100)[:100] == whole[:100]


def test_a_long_text_without_spaces_is_cut_only_where_nothing_composes() -> None:
    """Three-character sequences that NFKC composes into one, so that pieces of 4,096 characters
    cut inside some of them: a Tamil vowel sign in two parts, a Hangul syllable typed as jamo."""
    for unbroken in ("க\u0bc6\u0bbe" * 5000, "\u1100\u1161\u11a8" * 5000, "\ufdfa" * 5000):
        assert normalise(unbroken, "ta", enough=10**9) == unicodedata.normalize("NFKC", unbroken).lower()


def test_a_run_of_marks_is_cut_at_thirty() -> None:
    """NFKC orders a run of marks in time that grows with its square; no language writes more
    than 30 in a row (UAX #15's stream-safe format), so the rest are dropped before it runs."""
    for mark in ("\u0301\u0316", "\U0001d167\u0301"):
        stretched = "a" + mark * 40_000 + " b"
        kept = "a" + (mark * 15)[:30] + " b"
        assert normalise(stretched, "en", enough=80_000) == unicodedata.normalize("NFKC", kept).lower()
        assert normalise(stretched, "en") == normalise(kept, "en")
    thirty = "Zo\u0308" + "\u0301" * 29 + "e"
    assert normalise(thirty, "de") == unicodedata.normalize("NFKC", thirty).lower()


def test_a_word_keeps_its_combining_marks() -> None:
    """Vowel signs of Indic scripts are marks, not letters: they belong to their word."""
    hindi = "भारतीय रिज़र्व बैंक ने ब्याज दरें बढ़ाईं"
    assert words_of(normalise(hindi, "hi"), 100) == hindi.split()
    tamil, bengali = "இந்திய ரிசர்வ் வங்கி", "বাংলাদেশ ব্যাংক সুদের হার"
    assert words_of(normalise(tamil, "ta"), 100) == tamil.split()
    assert words_of(normalise(bengali, "bn"), 100) == bengali.split()
    assert words_of("می\u200cخواهم", 10) == ["می\u200cخواهم"]  # a Persian word holds a zero-width non-joiner
    assert words_of("word\u200c \u0301mark", 10) == ["word", "mark"]  # not at a word's edge
    hostile = "क\u094d\u200d" * 50_000  # marks and joiners, never a word break: still one pass
    assert words_of(hostile, 10) == [hostile[:-1]]


@given(st.text(alphabet="ab \u0915\u094d\u093e\u200c\u200d\u0301\U00011127\u2019-1", max_size=40))
def test_words_are_the_same_whether_or_not_the_text_holds_a_mark(text: str) -> None:
    """`words_of` reads a text without marks with a faster pattern; it must find the same words."""
    assert words_of(text, 100) == WORD.findall(text)


def test_only_articles_the_model_reads_in_pieces_of_words_are_embedded() -> None:
    """The English vocabulary reads Latin script in pieces of words, Chinese and Japanese by
    characters, and every other alphabet letter by letter: a language with a table is judged
    once by its commonest words, one without by the article's own words."""
    assert all(embedded(language, np.zeros(0, np.int64)) for language in ("en", "fr", "de", "pl", "vi", "is", "tr"))
    assert not any(
        embedded(language, np.zeros(0, np.int64)) for language in ("ru", "el", "ar", "he", "ko", "hi", "bn", "ta")
    )
    articles = [
        ("Банк России", "Банк России сохранил ставку", [], "ru", T0),
        ("La BCE", "La BCE maintient ses taux", [], "fr", T0),
        ("欧洲央行", "欧洲央行维持利率不变", [], "zh", T0),
        ("Benki kuu", "Benki kuu ya Tanzania imeamua kubakiza riba", [], "sw", T0),  # no table: Latin script
        ("रिझर्व्ह बँक", "भारतीय रिझर्व्ह बँकेने व्याजदर कायम ठेवले", [], "mr", T0),  # no table: Devanagari
        ("ეროვნული ბანკი", "საქართველოს ეროვნულმა ბანკმა განაკვეთი შეინარჩუნა", [], "ka", T0),  # no table: Georgian
    ]
    russian, french, chinese, swahili, marathi, georgian = extract(articles, FeatureSettings())
    assert french.vector().any() and chinese.vector().any() and swahili.vector().any()
    assert not (russian.vector().any() or marathi.vector().any() or georgian.vector().any())


def test_a_reason_names_what_explains_a_link() -> None:
    assert unexplaining(["after", "riyadh", "said"], "en") == {"after", "said"}  # everyday words
    assert unexplaining(["της", "επιτόκια"], "el") == {"της"}  # as its table spells it: "τησ"
    assert unexplaining(["欧洲", "洲央", "央行", "降息"], "zh") == {"洲央"}  # straddles 欧洲|央行
    assert unexplaining(["いる", "欧州", "ユー"], "ja") == {"いる"}  # Japanese grammar, not topic
    rates, rates_again, _ = extract([(t, x, [], "zh", T0) for t, x in ARTICLES_IN["zh"]], FeatureSettings())
    assert reason(rates, rates_again, {})["terms"] == ["欧洲", "央行", "降息"]  # Europe, central bank, rate cut


def test_chinese_and_japanese_are_read_as_pairs_of_characters() -> None:
    assert words_of("欧洲央行 ecb 说", 10) == ["欧洲", "洲央", "央行", "ecb", "说"]
    assert words_of("ユーロ圏のインフレ", 10) == ["ユー", "ーロ", "ロ圏", "圏の", "のイ", "イン", "ンフ", "フレ"]
    assert words_of("abc欧洲", 10) == ["abc", "欧洲"]
    assert words_of("欧洲央行" * 20_000, 5) == ["欧洲", "洲央", "央行", "行欧", "欧洲"]
    assert words_of("one two three", 2) == ["one", "two"]


def test_every_shipped_word_table_has_its_language_s_common_direction() -> None:
    tables = {path.name.removeprefix("zipf_").removesuffix(".tsv.gz") for path in MODEL_DIR.glob("zipf_*.tsv.gz")}
    assert {"en", "fr", "de", "es", "ru", "ar"} <= tables
    assert set(static_model().centers) == tables - {"en"} | {"zh", "ja"}


def test_a_synonym_language_code_reads_its_language_s_table() -> None:
    title, text = "Statsbudsjettet", "Regjeringen la fram statsbudsjettet for neste år, og finansministeren sa at"
    generic, bokmal = extract([(title, text, [], "no", T0), (title, text, [], "nb", T0)], FeatureSettings())
    assert replace(generic, language="nb") == bokmal
    assert generic.language == "no"  # related only to articles of its own code, as before
    assert [table_language(code) for code in ("sr-Latn", "HR", "tl", "xx", "zh")] == ["sh", "sh", "fil", "", ""]
