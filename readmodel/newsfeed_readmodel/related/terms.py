"""Terms of an article and their weights: pure functions, no I/O.

A profile is the article's strongest `max_terms` terms, tf-idf weighted and L2-normalised.
It must keep enough of the body for the cosine to mean something: cut to 32 terms, a
500-word article lost most of its mass and two reports of one story could share none of
their kept words, so the default keeps 64 (the index posts only the strongest of them, see
`related_store`). Title words count `title_weight` times a body occurrence (after the
sublinear tf, a title-only word weighs 1.7x a body-only one: above the body, without letting
six title words outweigh the story); tags enter as pseudo-terms
(`#slug`) so they are discounted by the same corpus statistics as words (a tag on every
article, like `news`, carries almost nothing). Boilerplate is handled by document
frequency, not only by the small stop list: a word in more than `max_df_ratio` of the
articles (the site's own "Subscribe to our newsletter") is dropped outright once the corpus
is large enough for the ratio to mean something, and idf discounts the rest smoothly.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["TAG_MARK", "TermCounts", "Weighting", "count_terms", "tag_term", "tokenize", "weigh"]

TAG_MARK = "#"
# the group is the word up to an apostrophe: "Russia's" -> "russia", "don't" -> "don"
_WORD = re.compile(r"([^\W\d_]+)(?:['’][^\W\d_]+)*")
_STOP = frozenset(
    " ".join(
        (
            "a an and are as at be been but by for from had has have he her his i if in into is it its me my no not",
            "of on or our she so than that the their them then there these they this to was we were what when which",
            "who will with would you your said says also after before over more about up out just one two new like",
            "can could de la le les des et en un une du el los las y por para con der die das und ist von zu mit",
        )
    ).split()
)


def tokenize(text: str, language: str | None = "en") -> list[str]:
    """Lower-cased words without digits, possessives or stop words; English plurals folded."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOP]
    if (language or "en").startswith("en"):
        return [_fold_plural(w) for w in words]
    return words


@functools.lru_cache(maxsize=65_536)
def _fold_plural(word: str) -> str:
    """A deliberately light English stemmer: plural -s/-es/-ies only (cheap, rarely wrong)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def tag_term(slug: str) -> str:
    return TAG_MARK + slug.lower()


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Raw occurrence counts of one article: title, body and tag pseudo-terms."""

    title: Counter[str]
    body: Counter[str]
    tags: tuple[str, ...]

    @property
    def vocabulary(self) -> set[str]:
        """Every distinct term, the unit of document frequency."""
        return set(self.title) | set(self.body) | set(self.tags)


def count_terms(title: str, body: str, tag_slugs: Iterable[str], language: str | None = "en") -> TermCounts:
    return TermCounts(
        title=Counter(tokenize(title, language)),
        body=Counter(tokenize(body, language)),
        tags=tuple(dict.fromkeys(tag_term(s) for s in tag_slugs)),
    )


@dataclass(frozen=True, slots=True)
class Weighting:
    """Knobs of term weighting; the defaults are untuned round numbers, on purpose."""

    title_weight: float = 2.0
    tag_weight: float = 2.0
    max_terms: int = 64
    max_df_ratio: float = 0.5
    min_docs_for_cut: int = 50


def idf(df: int, docs: int) -> float:
    """Smoothed inverse document frequency; positive even for a term in every document."""
    return math.log(1.0 + (docs + 1) / (df + 1))


def weigh(counts: TermCounts, df: Mapping[str, int], docs: int, weighting: Weighting = Weighting()) -> dict[str, float]:
    """The article's top terms, sublinear-tf x idf, L2-normalised (so a dot product is a cosine).

    `df` and `docs` must already count this article.
    """
    raw: dict[str, float] = {}
    cut = docs >= weighting.min_docs_for_cut
    for term in set(counts.title) | set(counts.body):
        frequency = counts.body.get(term, 0) + weighting.title_weight * counts.title.get(term, 0)
        term_df = max(df.get(term, 1), 1)
        if cut and term_df > weighting.max_df_ratio * docs:
            continue
        raw[term] = (1.0 + math.log(frequency)) * idf(term_df, docs)
    for term in counts.tags:
        term_df = max(df.get(term, 1), 1)
        if cut and term_df > weighting.max_df_ratio * docs:
            continue
        raw[term] = weighting.tag_weight * idf(term_df, docs)
    top = sorted(raw.items(), key=lambda kv: (-kv[1], kv[0]))[: weighting.max_terms]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: w / norm for term, w in top}
