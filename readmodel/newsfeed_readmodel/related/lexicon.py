"""Every word feature extraction has met, numbered: its term and idf, and its WordPiece tokens.

An article is read as hundreds of words, and news repeats its words. Looking each distinct
word up once (its term and idf in the language's frozen table, `vocabulary.py`; its tokens,
`embedding.py`) and giving it a number turns an article into arrays of numbers, so that its
term counts and the token counts of its embedding are a few numpy operations instead of a
Python step per word. The numbers are a cache, never part of a result: `Lexicon.count` gives
what counting the words one by one gives, whatever was met before.

Memory is bounded per process, whatever the languages: every lexicon starts afresh once they
hold `_WORDS_KEPT` words or `_CHARACTERS_KEPT` characters of them in all (a hostile stream of
long made-up words fills the second long before the first; one that rotates its `language`
would fill each language's lexicon in turn).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from .embedding import StaticModel, static_model
from .vocabulary import Vocabulary, vocabulary

__all__ = ["Counted", "Lexicon", "lexicon"]

Ints = npt.NDArray[np.int64]

_WORDS_KEPT = 500_000
_CHARACTERS_KEPT = 8_000_000
_LOCK = threading.Lock()  # features may be computed in several threads at once
_LEXICONS: list[Lexicon] = []  # every lexicon of the process: the bound is on all of them


@dataclass(frozen=True, slots=True)
class Counted:
    """One article's words, counted.

    * `terms`, `term_counts`, `idf`: each distinct term (a title occurrence counts `title_weight`
      times; words that fold onto one term, "rate" and "rates", count together) with its idf;
    * `tokens`, `token_times`: the token ids its words are read as, each distinct word's tokens
      once, with how many times that word occurs (title and body alike)."""

    terms: list[str]
    term_counts: Ints
    idf: Ints
    tokens: Ints
    token_times: Ints


def _ints(values: array[int]) -> Ints:
    return np.frombuffer(values, dtype=np.int64) if len(values) else np.zeros(0, np.int64)


class Lexicon:
    """The words met so far in one language's table, numbered (see the module's docstring)."""

    def __init__(self, vocabulary: Vocabulary, model: StaticModel, *, tokens: bool = True) -> None:
        self.vocabulary = vocabulary
        self.model = model
        self.tokens = tokens  # False: its articles get no embedding, so no word is tokenized
        self._forget()
        with _LOCK:
            _LEXICONS.append(self)

    def _forget(self) -> None:
        self._number: dict[str, int] = {}  # word -> its number
        self._characters = 0
        self._term_of = array("q")  # word number -> term number (-1: not a term)
        self._token_start = array("q")  # word number -> where its tokens start in `_tokens`
        self._token_count = array("q")
        self._tokens = array("q")
        self._term_number: dict[str, int] = {}
        self._terms: list[str] = []  # term number -> term
        self._idf = array("q")  # term number -> idf

    def count(self, title_words: Sequence[str], body_words: Sequence[str], title_weight: int) -> Counted:
        with _LOCK:
            if sum(len(x._number) for x in _LEXICONS) > _WORDS_KEPT or (
                sum(x._characters for x in _LEXICONS) > _CHARACTERS_KEPT
            ):
                for each in _LEXICONS:
                    each._forget()
            number = self._number
            title = [number.get(w, -1) for w in title_words]
            body = [number.get(w, -1) for w in body_words]
            if -1 in title or -1 in body:  # met for the first time: numbered in one batch
                self._meet([w for w in (*title_words, *body_words) if w not in number])
                title, body = [number[w] for w in title_words], [number[w] for w in body_words]
            return self._counted(np.array(title, dtype=np.int64), np.array(body, dtype=np.int64), title_weight)

    def _meet(self, words: list[str]) -> None:
        new = list(dict.fromkeys(words))
        if self.tokens:
            ids = [e.ids for e in self.model.tokenizer.encode_batch(new, add_special_tokens=False)]
        else:
            ids = [[] for _ in new]
        for word, word_ids in zip(new, ids, strict=True):
            self._number[word] = len(self._term_of)
            self._characters += len(word)
            found = self.vocabulary.term(word)
            if found is None:
                self._term_of.append(-1)
            else:
                term, idf = found
                if term not in self._term_number:
                    self._term_number[term] = len(self._terms)
                    self._terms.append(term)
                    self._idf.append(idf)
                self._term_of.append(self._term_number[term])
            self._token_start.append(len(self._tokens))
            self._token_count.append(len(word_ids))
            self._tokens.extend(word_ids)

    def _counted(self, title: Ints, body: Ints, title_weight: int) -> Counted:
        words, counts = np.unique(np.concatenate((title, body)), return_counts=True)
        weighted = counts.copy()
        if len(title) and title_weight != 1:
            title_words, title_counts = np.unique(title, return_counts=True)
            weighted[np.searchsorted(words, title_words)] += (title_weight - 1) * title_counts
        term_of = _ints(self._term_of)[words]
        is_term = term_of >= 0
        term_numbers, inverse = np.unique(term_of[is_term], return_inverse=True)
        term_counts = np.zeros(len(term_numbers), dtype=np.int64)
        np.add.at(term_counts, inverse, weighted[is_term])
        lengths = _ints(self._token_count)[words]
        ends = np.cumsum(lengths)
        # the positions of each word's tokens in `_tokens`: its start, start + 1, ..., start + length - 1
        starts = _ints(self._token_start)[words]
        positions = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)
        return Counted(
            terms=[self._terms[i] for i in term_numbers.tolist()],
            term_counts=term_counts,
            idf=_ints(self._idf)[term_numbers],
            tokens=_ints(self._tokens)[positions],
            token_times=np.repeat(counts, lengths),
        )


def lexicon(language: str, cut: int, oov_zipf: int, *, tokens: bool) -> Lexicon:
    """The lexicon of `language`'s table (every language without a table shares one); with
    `tokens`, its words' token ids too."""
    return _lexicon(vocabulary(language, cut, oov_zipf), tokens)


@cache
def _lexicon(vocabulary: Vocabulary, tokens: bool) -> Lexicon:
    return Lexicon(vocabulary, static_model(), tokens=tokens)
