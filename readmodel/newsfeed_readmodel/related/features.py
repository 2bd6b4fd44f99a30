"""What relatedness reads off one article: a pure function of the article and the shipped model.

* `terms`, `weights`: the article's strongest words, weighted by how often they occur (a title
  word counts `title_weight` times) and how rare they are in the language (the frozen table
  of `vocabulary.py`); the weight vector is normalised and rounded to integers 1..255.
* `dense`: the int8 embedding of the same words (`embedding.py`), each counted once per occurrence.
* `tags`: the tag slugs, `hour`: the publication time in whole hours, `language`: the
  article's (primary subtag) or the site's default.

Features are computed once, where the body is prepared, stored with the article and reused by
the live path and by `newsfeed reindex --related` alike. No statistic of the other articles
enters them, so an article's features never change unless the article does.
"""

from __future__ import annotations

import base64
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from functools import cache
from typing import Any

import numpy as np
import orjson

from .embedding import static_model
from .lexicon import Counted, lexicon
from .vocabulary import commonest_words, language_code, normalise, table_language, words_of

__all__ = [
    "RELATED_FIELDS",
    "FeatureSettings",
    "Features",
    "Input",
    "decode_features",
    "encode_features",
    "extract",
    "language_key",
    "related_input",
    "stored_features",
]

_TF_CAP = 1024
FEATURES_VERSION = 6
"""The version of the code below: it enters the fingerprint, so a deployment whose stored
features were computed differently recomputes them all (2: the embedding reads words; 3: each
language's own common direction is projected out of its embeddings, synonym codes read
their language's table, Chinese and Japanese are read as pairs of characters; 4: text is
normalised, and words looked up, as the word tables spell them, a word keeps its combining
marks, and a language the model reads letter by letter has no embedding; 5: at most 30
combining marks in a row, and an `html` that shows no text is read as the article's `text`; 6: the
links left in place of embedded frames are not read as the article's words)."""

Input = tuple[str, str, list[str], str, datetime | None]
"""(title, text, tag slugs, language key, published_at): all that features depend on."""


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """Every knob of feature extraction; changing one means recomputing every article's features."""

    dense_scale: float = 200.0  # the unit embedding is rounded at this scale (|x| <= 127)
    n_terms: int = 120  # lexical terms kept per article (chosen on a development corpus: bench/related_tuning.py)
    title_weight: int = 2  # a title occurrence counts this many times
    zipf_cut: int = 900  # idf = cut - zipf (hundredths); zipf >= cut: a stop word
    oov_zipf: int = 100  # zipf of a word the table lacks
    max_words: int = 2000  # words read per article (title + body), for terms and embedding: a cost bound
    lex_scale: float = 255.0  # the unit term-weight vector is rounded at this scale
    tag_cap: int = 8  # tags kept per article (the first ones)

    def fingerprint(self) -> str:
        return orjson.dumps({"version": FEATURES_VERSION, **asdict(self)}, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class Features:
    language: str
    hour: int | None  # publication time, whole hours since 1970 (None: unknown)
    tags: tuple[str, ...]
    terms: tuple[str, ...]  # strongest first
    weights: tuple[int, ...]  # 1..255, aligned with `terms`
    dense: bytes  # int8 vector

    def vector(self) -> np.ndarray[Any, np.dtype[np.int8]]:
        return np.frombuffer(self.dense, dtype=np.int8)


def language_key(language: str | None, default: str) -> str:
    """The language an article is related within: its primary subtag, or the site's default."""
    return (language or default).split("-")[0].strip().lower() or default


def _hour(published_at: datetime | None) -> int | None:
    return None if published_at is None else math.floor(published_at.timestamp()) // 3600


@cache
def _tf_array() -> np.ndarray[Any, np.dtype[np.int64]]:
    """round(1000 * (1 + ln c)) for c = 0..cap (0 for 0), correctly rounded with `decimal`."""
    with localcontext() as context:
        context.prec = 30
        table = [int((Decimal(1000) * (1 + Decimal(c).ln())).to_integral_value()) for c in range(1, _TF_CAP + 1)]
    values = np.array([0, *table], dtype=np.int64)
    values.setflags(write=False)
    return values


def article_words(title: str, text: str, language: str, settings: FeatureSettings) -> tuple[list[str], list[str]]:
    """The words an article is read as (title words, body words): runs of letters (`words_of`)
    of the text as its language's word table spells them (`normalise`), at most `max_words` in
    all, from a bounded prefix of the body."""
    prefix = settings.max_words * 40
    title_words = words_of(normalise(title, language), settings.max_words)
    body = normalise(text[:prefix], language, enough=prefix)[:prefix]
    return title_words, words_of(body, settings.max_words - len(title_words))


def _counted(title_words: list[str], body_words: list[str], language: str, settings: FeatureSettings) -> Counted:
    """An article's words counted, with their tokens where its language may be `embedded`."""
    table = table_language(language)
    tokens = _table_embedded(table) if table else True  # without a table, each article's tokens decide
    words = lexicon(language, settings.zipf_cut, settings.oov_zipf, tokens=tokens)
    return words.count(title_words, body_words, settings.title_weight)


def strongest_terms(counted: Counted, settings: FeatureSettings) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The `n_terms` strongest of an article's counted terms, weighted tf x idf, the weight
    vector normalised and rounded to integers 1..255."""
    if not counted.terms:
        return (), ()
    raw_weights = _tf_array()[np.minimum(counted.term_counts, _TF_CAP)] * counted.idf
    candidates = np.arange(len(raw_weights))
    if len(raw_weights) > settings.n_terms:  # only those at least as strong as the n-th strongest
        nth = np.partition(raw_weights, len(raw_weights) - settings.n_terms)[len(raw_weights) - settings.n_terms]
        candidates = np.flatnonzero(raw_weights >= nth)
    names = counted.terms
    # (-weight, term) tuples sort into the list's order (strongest first, then by term) without a key
    ranked = sorted(zip((-raw_weights[candidates]).tolist(), [names[i] for i in candidates.tolist()], strict=True))
    raw = [(-negative, t) for negative, t in ranked[: settings.n_terms]]
    norm = math.sqrt(sum(w * w for w, _ in raw))  # an exact integer sum, one correctly rounded root
    kept = [(t, round(w * settings.lex_scale / norm)) for w, t in raw]
    kept = [(t, q) for t, q in kept if q > 0]
    return tuple(t for t, _ in kept), tuple(q for _, q in kept)


def embedded(language: str, tokens: np.ndarray[Any, np.dtype[np.int64]]) -> bool:
    """Whether an article gets an embedding: only where the model reads it in pieces of words,
    not letter by letter (`StaticModel.letter_share` below one half), since a count of letters
    tells nothing of meaning. For a language with a word table, the table's 3,000 commonest
    words decide, once for the language; for one without (Chinese and Japanese, whose
    characters are words or parts of words, Thai, Georgian, Marathi or any other), the
    article's own words decide (`tokens`: each distinct word's tokens once): each article
    alike, whatever else is live."""
    table = table_language(language)
    if table:
        return _table_embedded(table)
    return static_model().token_letter_share(tokens) < 0.5


_LANGUAGE_SAMPLE = 3000


@cache
def _table_embedded(table: str) -> bool:
    return static_model().letter_share(commonest_words(table, _LANGUAGE_SAMPLE)) < 0.5


def extract(articles: list[Input], settings: FeatureSettings) -> list[Features]:
    """Features of (title, text, tag slugs, language key, published_at) tuples. An article of a
    language that is not `embedded` has an all-zero vector, so it is related by its terms and
    tags alone."""
    model = static_model()
    out = []
    for title, text, tags, language, published_at in articles:
        title_words, body_words = article_words(title, text, language, settings)
        counted = _counted(title_words, body_words, language, settings)
        terms, weights = strongest_terms(counted, settings)
        code = language_code(language)
        sums = model.token_sums(counted.tokens, counted.token_times) if embedded(code, counted.tokens) else None
        vector = model.vector(sums, settings.dense_scale, code)
        slugs = tuple(dict.fromkeys(tags))[: settings.tag_cap]
        out.append(Features(language, _hour(published_at), slugs, terms, weights, vector.tobytes()))
    return out


def encode_features(features: Features, made_with: str = "") -> bytes:
    """The stored form of features; `made_with` names the settings they were computed with
    (`RelatedSettings.features_fingerprint`), so features computed elsewhere with other settings
    (a replica not yet upgraded or reconfigured) are recognised and computed again."""
    return orjson.dumps(
        {
            "l": features.language,
            "h": features.hour,
            "g": features.tags,
            "t": features.terms,
            "w": features.weights,
            "d": base64.b64encode(features.dense).decode(),
            "m": made_with,
        }
    )


def decode_features(raw: bytes) -> Features:
    return _features(orjson.loads(raw))


def stored_features(raw: bytes, made_with: str) -> Features | None:
    """Stored features if they were computed with the settings `made_with` names, else None."""
    d = orjson.loads(raw)
    return _features(d) if d.get("m") == made_with else None


def _features(d: dict[str, Any]) -> Features:
    return Features(d["l"], d["h"], tuple(d["g"]), tuple(d["t"]), tuple(d["w"]), base64.b64decode(d["d"]))


RELATED_FIELDS = frozenset({"title", "tags", "language", "published_at"})
"""The document fields features read (besides the text): what the content worker is sent."""


def related_input(document: dict[str, Any], text: str, default_language: str) -> Input:
    """What `extract` reads of a stored document (or of the same fields of an incoming article)."""
    tags = [t["slug"] for t in document.get("tags") or () if isinstance(t, dict) and t.get("slug")]
    published = document.get("published_at")
    return (
        str(document.get("title") or ""),
        text,
        tags,
        language_key(document.get("language"), default_language),
        datetime.fromisoformat(published) if isinstance(published, str) else None,
    )
