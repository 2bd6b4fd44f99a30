"""Feature extraction counts numbered words (`lexicon.py`); the features are those of the plain
reading, one word at a time, whatever words were met before and however many threads count."""

from __future__ import annotations

import math
import threading
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed_readmodel.related import lexicon as lexicon_module
from newsfeed_readmodel.related.embedding import static_model
from newsfeed_readmodel.related.features import (
    Features,
    FeatureSettings,
    Input,
    _table_embedded,
    article_words,
    extract,
)
from newsfeed_readmodel.related.lexicon import Lexicon
from newsfeed_readmodel.related.vocabulary import language_code, table_language, vocabulary

SETTINGS = FeatureSettings()

WORDS = [
    *[
        "rate",
        "rates",
        "city",
        "cities",
        "box",
        "boxes",
        "news",
        "series",
        "economy",
        "economies",
        "bank",
        "banks",
        "central",
        "minister",
    ],
    *[
        "talks",
        "talk",
        "ukraine",
        "lavrov",
        "match",
        "goals",
        "goal",
        "the",
        "of",
        "and",
        "is",
        "a",
        "i",
        "x",
        "said",
        "after",
        "would",
    ],
    *["москва", "банк", "ставка", "中央银行", "日本の経済", "straße", "ölçü"],
]


def tf(count: int) -> int:
    with localcontext() as context:
        context.prec = 30
        return int((Decimal(1000) * (1 + Decimal(min(count, 1024)).ln())).to_integral_value())


def plain_features(article: Input) -> Features:
    """Features read one word at a time: each word's term looked up, counted, weighted and ranked;
    the embedding summed word by word (`StaticModel.embed`)."""
    title, text, tags, language, _ = article
    title_words, body_words = article_words(title, text, language, SETTINGS)
    terms = vocabulary(language, SETTINGS.zipf_cut, SETTINGS.oov_zipf)
    counts: dict[str, int] = {}
    idf: dict[str, int] = {}
    for weight, words in ((SETTINGS.title_weight, title_words), (1, body_words)):
        for word in words:
            found = terms.term(word)
            if found is not None:
                counts[found[0]] = counts.get(found[0], 0) + weight
                idf[found[0]] = found[1]
    ranked = sorted((-tf(c) * idf[t], t) for t, c in counts.items())[: SETTINGS.n_terms]
    norm = math.sqrt(sum(w * w for w, _ in ranked))
    kept = [(t, round(-w * SETTINGS.lex_scale / norm)) for w, t in ranked]
    kept = [(t, q) for t, q in kept if q > 0]
    model, code = static_model(), language_code(language)
    words = [*title_words, *body_words]
    table = table_language(code)
    embedded = _table_embedded(table) if table else model.letter_share(words) < 0.5
    vector = model.embed([words if embedded else []], scale=SETTINGS.dense_scale, languages=[code])[0]
    return Features(
        language,
        None,
        tuple(dict.fromkeys(tags))[: SETTINGS.tag_cap],
        tuple(t for t, _ in kept),
        tuple(q for _, q in kept),
        vector.tobytes(),
    )


made_up = st.text(st.sampled_from("abcdeéstuyzжщ語日"), min_size=1, max_size=12)
texts = st.lists(st.one_of(st.sampled_from(WORDS), made_up), max_size=300).map(" ".join)
articles = st.tuples(
    texts.map(lambda t: t[:80]), texts, st.just(["tag"]), st.sampled_from(["en", "fr", "ru", "zh", "xx"]), st.none()
)


@settings(max_examples=150, deadline=None)
@given(st.lists(articles, min_size=1, max_size=4))
def test_features_are_those_of_the_plain_reading(batch: list[Input]) -> None:
    assert extract(batch, SETTINGS) == [plain_features(article) for article in batch]


def test_forgetting_never_changes_features(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus: list[Input] = [
        (f"Story {i}", " ".join(WORDS[(i * 7) % len(WORDS) :] + [f"word{i}x{j}" for j in range(30)]), [], "en", None)
        for i in range(60)
    ]
    expected = [plain_features(article) for article in corpus]
    monkeypatch.setattr(lexicon_module, "_WORDS_KEPT", 40)
    monkeypatch.setattr(lexicon_module, "_CHARACTERS_KEPT", 300)
    small = Lexicon(vocabulary("en", SETTINGS.zipf_cut, SETTINGS.oov_zipf), static_model())
    monkeypatch.setattr(lexicon_module, "_lexicon", lambda *_: small)
    assert extract(corpus, SETTINGS) == expected
    assert len(small._number) <= 40 + 60  # starts afresh once past the bound: at most one article more


def test_threads_counting_at_once_get_the_plain_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon_module, "_WORDS_KEPT", 50)  # forgotten again and again meanwhile
    small = Lexicon(vocabulary("en", SETTINGS.zipf_cut, SETTINGS.oov_zipf), static_model())
    monkeypatch.setattr(lexicon_module, "_lexicon", lambda *_: small)
    corpus: list[Input] = [
        ("Rates", " ".join(f"{WORDS[(i + j) % 30]} made{i}up{j}" for j in range(40)), [], "en", None) for i in range(40)
    ]
    expected = [plain_features(article) for article in corpus]
    results: dict[int, list[Features]] = {}

    def work(n: int) -> None:
        results[n] = extract(corpus[n::4] * 3, SETTINGS)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(4):
        assert results[n] == expected[n::4] * 3


def test_an_article_without_words_has_no_terms_and_no_vector() -> None:
    for features in extract([("", "", [], "en", None), ("1 2 3", "— 42 —", [], "fr", None)], SETTINGS):
        assert features.terms == () and features.weights == ()
        assert not np.frombuffer(features.dense, np.int8).any()


def test_the_bound_is_on_every_language_together(monkeypatch: pytest.MonkeyPatch) -> None:
    # a stream that rotates its language would otherwise fill each language's lexicon in turn
    monkeypatch.setattr(lexicon_module, "_WORDS_KEPT", 100)
    monkeypatch.setattr(lexicon_module, "_LEXICONS", [])
    lexicons = [
        Lexicon(vocabulary(code, SETTINGS.zipf_cut, SETTINGS.oov_zipf), static_model()) for code in ["en", "de", "fr"]
    ]
    for n, lexicon in enumerate(lexicons * 2):
        lexicon.count([], [f"word{n}x{i}" for i in range(40)], SETTINGS.title_weight)
        assert sum(len(x._number) for x in lexicons) <= 100 + 40
