"""Every live article's related list, in memory, kept exact as articles change.

`RelatedEngine.apply(changes)` takes the new features of the articles that changed (None
for one taken down) and returns the lists that changed. Per language (articles of different
languages are never related) it:

1. replaces the changed articles' rows (embedding matrix, term and tag postings; where
   postings would be the longest, dense columns instead: the words the frequency table calls
   common, and any term or tag found in a large share of the rows, such as a section tag that
   most articles carry);
2. scores each changed live article against every live article of its language, exactly
   (`scoring.py`), in blocks: its own list is the best `k` of its row, and by symmetry its
   column says which other lists it now enters;
3. repairs each list that held a changed article or that one enters (`ranking.repaired`),
   and rescores from scratch only the lists the repair cannot complete.

The result is a function of the set of live articles and the settings alone: any order or
grouping of the same changes gives the same lists, and `apply` of every article at once
(what `newsfeed reindex --related` does) gives what the live path keeps.

Memory: per article one float32 embedding row (4 x dim bytes), its postings and its list.
Rows of removed articles are reclaimed by a compaction once they are a third of the table.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import numpy as np
from scipy import sparse

from .features import Features
from .ranking import best, repaired
from .scoring import REC_ONE, Entry, ScoreSettings, rank_key
from .vocabulary import common_words

__all__ = ["Changes", "Lists", "RelatedEngine"]

Lists = dict[str, list[Entry]]
Changes = dict[str, tuple[list[Entry], list[Entry]]]
"""article id -> (its related list before, after): the lists that changed."""
Matrix = np.ndarray[Any, np.dtype[np.float64]]
_BLOCK = 64  # rows scored together: large enough for BLAS, small enough to keep blocks in cache
_MATRIX_FROM = 256  # changes at least this large score shared terms as one sparse matrix product
_COMMON_ZIPF = 600  # words this common (102 in English) are dense columns, not postings
_PROMOTE_SHARE = 32  # a term or tag posted for more than 1/32 of the rows (and more than _PROMOTE_FROM)
_PROMOTE_FROM = 512  # becomes a dense column too: the common words of a language without a
# frequency table, the section tags most articles carry
_FIRST_ROWS = 4  # a language's tables start this small and double: a CMS may send many languages


@cache
def _recency_factors(settings: ScoreSettings) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The recency table as floats, shared by every language."""
    factors = settings.recency().astype(np.float64)
    factors.setflags(write=False)
    return factors


class _Postings:
    """term -> (row numbers, weights), append-only; rows of removed articles are masked."""

    def __init__(self) -> None:
        self.rows: dict[str, array[int]] = {}
        self.weights: dict[str, array[int]] = {}

    def add(self, row: int, terms: Iterable[str], weights: Iterable[int]) -> None:
        for term, weight in zip(terms, weights, strict=True):
            if term not in self.rows:
                self.rows[term], self.weights[term] = array("q"), array("q")
            self.rows[term].append(row)
            self.weights[term].append(weight)

    def matrix(self, used: int) -> tuple[dict[str, int], sparse.csr_matrix]:
        """(term -> column, the postings as one term x row matrix): built once for a large change."""
        columns = {term: i for i, term in enumerate(self.rows)}
        lengths = np.fromiter((len(rows) for rows in self.rows.values()), dtype=np.int64, count=len(columns))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        rows = [np.frombuffer(r, dtype=np.int64) for r in self.rows.values()]
        weights = [np.frombuffer(w, dtype=np.int64) for w in self.weights.values()]
        empty = np.zeros(0, np.int64)
        flat_rows = np.concatenate(rows) if rows else empty
        flat_weights = np.concatenate(weights) if weights else empty
        return columns, sparse.csr_matrix((flat_weights, flat_rows, indptr), shape=(len(columns), used))

    def gather(self, terms: Iterable[str], weights: Iterable[int]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(rows, query weight x row weight) over the postings of `terms`."""
        rows, products = [], []
        for term, weight in zip(terms, weights, strict=True):
            if term in self.rows:
                rows.append(np.frombuffer(self.rows[term], dtype=np.int64))
                products.append(np.frombuffer(self.weights[term], dtype=np.int64) * weight)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(products)


class _Weighted:
    """The weights of one kind of key (terms, or tags) for every row: rare keys as postings, keys
    found in many rows as dense float32 columns (one BLAS product instead of long postings).

    Which keys are columns only decides how a score is computed, never its value (the column
    products are exact integers), so promoting in any order or at any time changes no list."""

    def __init__(self, columns: Iterable[str] = ()) -> None:
        self.column_of = {key: i for i, key in enumerate(columns)}
        self.reset(capacity=0)

    def reset(self, capacity: int) -> None:
        """No rows; the columns kept (a compaction re-adds the rows)."""
        self.postings = _Postings()
        self.columns = np.zeros((capacity, len(self.column_of)), dtype=np.float32)

    def grow(self, capacity: int) -> None:
        self.columns = np.resize(self.columns, (capacity, len(self.column_of)))

    def add(self, row: int, keys: Iterable[str], weights: Iterable[int]) -> None:
        self.columns[row] = 0
        rare: list[tuple[str, int]] = []
        for key, weight in zip(keys, weights, strict=True):
            column = self.column_of.get(key)
            if column is None:
                rare.append((key, weight))
            else:
                self.columns[row, column] = weight
        self.postings.add(row, (k for k, _ in rare), (w for _, w in rare))

    def promote(self, keys: Iterable[str], rows_used: int) -> None:
        """Move keys whose postings hold a large share of the rows to dense columns."""
        limit = max(_PROMOTE_FROM, rows_used // _PROMOTE_SHARE)
        promoted = [k for k in sorted(set(keys)) if len(self.postings.rows.get(k, ())) > limit]
        if not promoted:
            return
        first = self.columns.shape[1]
        grown = np.zeros((self.columns.shape[0], first + len(promoted)), dtype=np.float32)
        grown[:, :first] = self.columns
        for column, key in enumerate(promoted, start=first):
            rows = np.frombuffer(self.postings.rows.pop(key), dtype=np.int64)
            grown[rows, column] = np.frombuffer(self.postings.weights.pop(key), dtype=np.int64)
            self.column_of[key] = column
        self.columns = grown

    def add_column_products(self, out: Matrix, rows: list[int], used: int) -> None:
        """Add the sums of weight products over the column keys (exact: below 2^24, as ScoreSettings checks)."""
        if self.columns.shape[1]:
            out += self.columns[rows] @ self.columns[:used].T


class _Language:
    """The live articles of one language: their rows, postings and related lists."""

    def __init__(self, settings: ScoreSettings, language: str) -> None:
        self.settings = settings
        self.terms = _Weighted(common_words(language, _COMMON_ZIPF))
        self.tags = _Weighted()
        self.wd, self.wl, self.wg = settings.weights
        self.recency = _recency_factors(settings)
        self.decays = settings.half_life_hours > 0
        self._reset(capacity=_FIRST_ROWS)
        self.lists: Lists = {}
        self.holders: dict[str, set[str]] = defaultdict(set)  # id -> ids whose lists hold it

    def _reset(self, capacity: int) -> None:
        self.ids: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self.features: list[Features | None] = []
        self.dense = np.zeros((capacity, self.settings.dim), dtype=np.float32)
        self.terms.reset(capacity)
        self.tags.reset(capacity)
        self.hours = np.zeros(capacity, dtype=np.int64)
        self.known_hour = np.zeros(capacity, dtype=bool)
        self.alive = np.zeros(capacity, dtype=bool)
        self.last_score = np.zeros(capacity, dtype=np.float64)  # the last place of each row's list,
        self.last_id: list[str] = []  # when the list is full (else the floor and "")
        self._built: dict[int, tuple[dict[str, int], Any]] = {}  # postings as matrices, during one apply

    # ------------------------------------------------------------------ rows
    def _add_row(self, article_id: str, features: Features) -> None:
        row = len(self.ids)
        if row == len(self.alive):
            self._grow(2 * row)
        self.ids.append(article_id)
        self.last_id.append("")
        self.features.append(features)
        self.row_of[article_id] = row
        self.dense[row] = features.vector()
        self.hours[row] = features.hour or 0
        self.known_hour[row] = features.hour is not None
        self.alive[row] = True
        self.terms.add(row, features.terms, features.weights)
        self.tags.add(row, features.tags, [1] * len(features.tags))

    def _promote(self, changed: Iterable[Features]) -> None:
        """Terms and tags that now hold a large share of the rows become dense columns."""
        changed = list(changed)
        self.terms.promote((t for f in changed for t in f.terms), len(self.ids))
        self.tags.promote((t for f in changed for t in f.tags), len(self.ids))

    def _grow(self, capacity: int) -> None:
        self.dense = np.resize(self.dense, (capacity, self.settings.dim))
        self.terms.grow(capacity)
        self.tags.grow(capacity)
        for name in ("hours", "known_hour", "alive", "last_score"):
            old = getattr(self, name)
            grown = np.zeros(capacity, dtype=old.dtype)
            grown[: len(old)] = old
            setattr(self, name, grown)

    def _remove_row(self, article_id: str) -> None:
        row = self.row_of.pop(article_id)
        self.alive[row] = False
        self.ids[row] = None
        self.features[row] = None

    def _compact_if_sparse(self) -> None:
        used, live = len(self.ids), len(self.row_of)
        if used < 1024 or live * 3 > used * 2:
            return
        rows = [(aid, f) for aid, f in zip(self.ids, self.features, strict=True) if aid is not None and f is not None]
        self._reset(capacity=max(_FIRST_ROWS, 2 * live))
        for aid, features in rows:
            self._add_row(aid, features)
            self._mark_last(aid)

    def _mark_last(self, article_id: str) -> None:
        row = self.row_of.get(article_id)
        if row is None:
            return
        entries = self.lists.get(article_id, [])
        full = len(entries) == self.settings.k
        self.last_score[row], self.last_id[row] = entries[-1] if full else (self.settings.floor, "")

    # ------------------------------------------------------------------ scores
    def _scores(self, rows: list[int]) -> Matrix:
        """Exact scores of `rows` against every row (dead rows and the row itself: -inf)."""
        used = len(self.ids)
        scores: Matrix = np.multiply(self.dense[rows] @ self.dense[:used].T, float(self.wd), dtype=np.float64)
        if self.wl:
            lexical = self._sparse(rows, self.terms.postings, lambda f: (f.terms, f.weights), used)
            self.terms.add_column_products(lexical, rows, used)
            lexical *= self.wl
            scores += lexical
        if self.wg:
            tags = self._sparse(rows, self.tags.postings, lambda f: (f.tags, [1] * len(f.tags)), used)
            self.tags.add_column_products(tags, rows, used)
            scores += self.wg * tags
        if self.decays:
            gap = np.abs(self.hours[rows][:, None] - self.hours[None, :used])
            np.minimum(gap, self.settings.max_hours, out=gap)
            gap[~self.known_hour[rows]] = 0
            gap[:, ~self.known_hour[:used]] = 0
            scores *= self.recency[gap]
        else:
            scores *= REC_ONE
        scores[:, ~self.alive[:used]] = -np.inf
        scores[np.arange(len(rows)), rows] = -np.inf
        return scores

    def _sparse(self, rows: list[int], postings: _Postings, parts: Any, used: int) -> Matrix:
        """Sums of weight products over shared terms (or tags): exact integers, by either path."""
        built = self._built.get(id(postings))
        if built is not None:
            return self._sparse_product(rows, built, parts)
        flat, weights = [], []
        for i, row in enumerate(rows):
            features = self.features[row]
            assert features is not None
            hit, product = postings.gather(*parts(features))
            flat.append(hit + i * used)
            weights.append(product)
        counts = np.bincount(np.concatenate(flat), np.concatenate(weights), minlength=len(rows) * used)
        return counts.reshape(len(rows), used).astype(np.float64, copy=False)  # sums of ints below 2^53: exact

    def _sparse_product(self, rows: list[int], built: tuple[dict[str, int], Any], parts: Any) -> Matrix:
        columns, matrix = built
        indptr, indices, data = [0], [], []
        for row in rows:
            terms, weights = parts(self.features[row])
            for term, weight in zip(terms, weights, strict=True):
                if term in columns:  # common words are dense columns, not postings
                    indices.append(columns[term])
                    data.append(weight)
            indptr.append(len(indices))
        query = sparse.csr_matrix(
            (np.array(data, np.int64), np.array(indices, np.int64), np.array(indptr, np.int64)),
            shape=(len(rows), matrix.shape[0]),
        )
        product: Matrix = (query @ matrix).toarray().astype(np.float64)
        return product

    def _best_of(self, row_scores: Matrix) -> list[Entry]:
        k, floor = self.settings.k, self.settings.floor
        positive = np.flatnonzero(row_scores > floor)
        if len(positive) > k:
            part = np.argpartition(-row_scores[positive], k - 1)[:k]
            threshold = row_scores[positive[part]].min()
            positive = positive[row_scores[positive] >= threshold]
        return best(((int(row_scores[r]), self.ids[r]) for r in positive), k, floor)  # type: ignore[misc]

    def _rescore(self, article_ids: list[str]) -> Lists:
        out: Lists = {}
        for start in range(0, len(article_ids), _BLOCK):
            block = article_ids[start : start + _BLOCK]
            scores = self._scores([self.row_of[a] for a in block])
            for aid, row_scores in zip(block, scores, strict=True):
                out[aid] = self._best_of(row_scores)
        return out

    # ------------------------------------------------------------------ changes
    def apply(self, changes: Mapping[str, Features | None]) -> Changes:
        """Take the changes in; the lists that changed (an empty list: the article left)."""
        changed = set(changes)
        for aid in changed & self.row_of.keys():
            self._remove_row(aid)
        self._compact_if_sparse()
        for aid, features in changes.items():
            if features is not None:
                self._add_row(aid, features)
        self._promote(f for f in changes.values() if f is not None)
        arrived = sorted(aid for aid, f in changes.items() if f is not None)
        if len(arrived) >= _MATRIX_FROM:  # one sparse product beats gathering postings row by row
            used = len(self.ids)
            self._built = {id(p): p.matrix(used) for p in (self.terms.postings, self.tags.postings)}
        new_lists: Lists = {aid: [] for aid in changed}
        fresh: dict[str, list[Entry]] = defaultdict(list)  # others' lists: changed articles that enter
        unchanged = self.alive[: len(self.ids)].copy()  # changed lists are computed whole, not repaired
        unchanged[[self.row_of[aid] for aid in arrived]] = False
        for start in range(0, len(arrived), _BLOCK):
            block = arrived[start : start + _BLOCK]
            scores = self._scores([self.row_of[a] for a in block])
            for aid, row_scores in zip(block, scores, strict=True):
                new_lists[aid] = self._best_of(row_scores)
            for aid, other, score in self._entering(block, scores, unchanged):
                fresh[other].append((score, aid))
        affected = {h for aid in changed for h in self.holders.get(aid, ())} | fresh.keys()
        rescore = []
        for other in sorted(affected - changed):
            old = self.lists.get(other, [])
            merged = repaired(old, self.settings.k, self.settings.floor, changed, fresh.get(other, []))
            if merged is None:
                rescore.append(other)
            else:
                new_lists[other] = merged
        new_lists.update(self._rescore(rescore))
        self._built = {}
        return self._store(new_lists)

    def restore(self, features: Mapping[str, Features], lists: Lists) -> None:
        for aid, f in features.items():
            self._add_row(aid, f)
        self._promote(features.values())
        for aid in features:
            entries = lists.get(aid)
            if entries:
                self.lists[aid] = entries
                for _, other in entries:
                    self.holders[other].add(aid)
            self._mark_last(aid)

    def _entering(
        self, block: list[str], scores: Matrix, unchanged: np.ndarray[Any, np.dtype[np.bool_]]
    ) -> Iterable[tuple[str, str, int]]:
        """(changed article, other article, score): where a changed article ranks at or above
        the last place of another (unchanged, live) article's list, or above the floor if it is not full."""
        used = len(self.ids)
        last_score, last_id = self.last_score[:used], self.last_id
        candidates = (scores >= last_score[None, :]) & unchanged[None, :]
        for i, row in np.argwhere(candidates).tolist():
            score = int(scores[i, row])
            if score > last_score[row] or rank_key((score, block[i])) <= rank_key((score, last_id[row])):
                other = self.ids[row]
                assert other is not None
                yield block[i], other, score

    def _store(self, new_lists: Lists) -> Changes:
        changed: Changes = {}
        for aid, entries in new_lists.items():
            old = self.lists.get(aid, [])
            if entries == old:
                self._mark_last(aid)
                continue
            for _, other in old:
                held = self.holders[other]
                held.discard(aid)
                if not held:
                    del self.holders[other]
            for _, other in entries:
                self.holders[other].add(aid)
            if entries:
                self.lists[aid] = entries
            else:
                self.lists.pop(aid, None)
            self._mark_last(aid)
            changed[aid] = (old, entries)
        return changed


class RelatedEngine:
    """The related lists of every live article, across languages."""

    def __init__(self, settings: ScoreSettings) -> None:
        self.settings = settings
        self.languages: dict[str, _Language] = {}
        self.language_of: dict[str, str] = {}
        # Lists stored for articles that are not live (any more) when the engine was restored:
        # removed (or replaced) when a change names the article.
        self.orphans: Lists = {}
        # After a restore, stored lists of one language may hold an article of another (or none):
        # id -> those languages, so that a change of the article removes it there too.
        self.strays: dict[str, set[str]] = {}

    def _language(self, language: str) -> _Language:
        if language not in self.languages:
            self.languages[language] = _Language(self.settings, language)
        return self.languages[language]

    def __len__(self) -> int:
        return len(self.language_of)

    def list_of(self, article_id: str) -> list[Entry]:
        language = self.language_of.get(article_id)
        return [] if language is None else self.languages[language].lists.get(article_id, [])

    def features_of(self, article_id: str) -> Features | None:
        language = self.language_of.get(article_id)
        if language is None:
            return None
        part = self.languages[language]
        return part.features[part.row_of[article_id]]

    def apply(self, changes: Mapping[str, Features | None]) -> Changes:
        """Take the new features of changed articles in (None: taken down); the lists that changed."""
        by_language: dict[str, dict[str, Features | None]] = defaultdict(dict)
        for aid, features in changes.items():
            was = self.language_of.get(aid)
            if was is not None and (features is None or features.language != was):
                by_language[was][aid] = None
            now = features.language if features is not None else None
            for language in sorted(self.strays.pop(aid, set()) - {now}):
                by_language[language].setdefault(aid, None)
            if features is not None:
                by_language[features.language][aid] = features
                self.language_of[aid] = features.language
            else:
                self.language_of.pop(aid, None)
        changed: Changes = {}
        for language in sorted(by_language):
            for aid, (old, new) in self._language(language).apply(by_language[language]).items():
                first = changed.get(aid)  # it moved between languages: its list before, and after
                changed[aid] = (old, new) if first is None else (first[0] or old, new or first[1])
        for aid in changes:
            orphan = self.orphans.pop(aid, None)
            if orphan is not None:
                changed[aid] = (orphan, changed.get(aid, ([], self.list_of(aid)))[1])
        return {aid: (old, new) for aid, (old, new) in changed.items() if old != new}

    def restore(self, features: Mapping[str, Features], lists: Lists) -> None:
        """Load the articles and the lists stored for them (exact for these features, or for
        features that differ only in articles whose changes `apply` will be given next)."""
        self.orphans.update({aid: entries for aid, entries in lists.items() if aid not in features and entries})
        by_language: dict[str, list[str]] = defaultdict(list)
        for aid in sorted(features):
            by_language[features[aid].language].append(aid)
            self.language_of[aid] = features[aid].language
        for language, ids in by_language.items():
            self._language(language).restore({aid: features[aid] for aid in ids}, lists)
        for language, part in self.languages.items():
            for held in part.holders:
                if self.language_of.get(held) != language:
                    self.strays.setdefault(held, set()).add(language)

    def rows_bytes(self) -> int:
        """Bytes held by the embedding tables (the bulk of the engine's memory)."""
        return sum(
            part.dense.nbytes + part.terms.columns.nbytes + part.tags.columns.nbytes for part in self.languages.values()
        )
