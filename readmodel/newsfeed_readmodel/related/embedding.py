"""The article embedding: a static (context-free) model, numpy and `tokenizers` only.

The model (`model/`, built by `tools/build_related_model.py` from all-MiniLM-L6-v2, see
`docs/related-model.md`) is one int8 row per WordPiece token. An article's vector is the sum,
over the words it reads (runs of letters, the same words its terms are counted from), of each
word's token rows, with the common direction of the article's language projected out (each
language's texts share one: `center_<language>.npy`, or English's `center.npy` for a language
without its own), normalised and rounded to int8 at `scale`: an integer vector whose dot
products are exact. Punctuation and digits are not words, so they do not pull every article
towards the same direction.

Determinism: the row sums are whole numbers, and every partial sum stays within the range where
float32 (or, for the rare article with very long words, float64) holds whole numbers exactly,
so BLAS gives the exact sum whatever its summation order; the few float operations after
them are correctly rounded IEEE operations and `math.fsum`, the same on every machine. So an
article maps to the same vector in the live path, in a rebuild and on another host.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

__all__ = ["CJK", "MODEL_DIR", "StaticModel", "model_fingerprint", "static_model"]

MODEL_DIR = Path(__file__).parent / "model"
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Kana and Han ideographs, as ranges of a character class: each a word or part of one."""
_WORDS_KEPT = 500_000  # distinct words whose token ids are remembered
_LONGEST_KEPT = 40  # longer words (rare in text, and possibly hostile) are tokenised every time


def model_fingerprint(directory: Path = MODEL_DIR) -> str:
    """A digest of every file features are computed from (weights, tokenizer, word tables): any
    change to one, even with the same name, changes the stored fingerprint, so features and
    lists are recomputed rather than mixed."""
    digest = hashlib.sha256()
    for path in sorted(directory.iterdir()):
        if path.suffix in (".npy", ".json", ".gz"):
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class StaticModel:
    tokenizer: Tokenizer
    rows: npt.NDArray[np.float32]  # (vocabulary, dim): the int8 rows, as float32 for BLAS
    center: npt.NDArray[np.float64]  # unit vector: the common direction of English texts
    centers: dict[str, npt.NDArray[np.float64]]  # language -> the common direction of its texts
    unknown_id: int
    fingerprint: str  # names the model in the stored settings: a new model means a rebuild
    _words: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def dim(self) -> int:
        return int(self.rows.shape[1])

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> StaticModel:
        config = json.loads((directory / "config.json").read_text())
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        rows = np.load(directory / "embeddings.npy")
        if rows.dtype != np.int8:
            raise ValueError("the related-articles model must hold int8 rows")
        center = np.load(directory / "center.npy").astype(np.float64)
        centers = {
            path.stem.removeprefix("center_"): np.load(path).astype(np.float64)
            for path in sorted(directory.glob("center_*.npy"))
        }
        unknown = int(config.get("unk_token_id", 1))
        matrix = rows.astype(np.float32)
        matrix[unknown] = 0.0
        return cls(tokenizer, matrix, center, centers, unknown, model_fingerprint(directory))

    def word_ids(self, words: Iterable[str]) -> dict[str, list[int]]:
        """The token ids of each distinct one of `words` (`[UNK]` for a word WordPiece cannot split).

        Words are tokenised once and remembered: news repeats its words, and WordPiece is the
        slow part of embedding. The memory is bounded: only words of up to `_LONGEST_KEPT`
        letters are kept, and the memory starts afresh past `_WORDS_KEPT` words. It never
        changes a result.
        """
        found: dict[str, list[int]] = {}
        missing: list[str] = []
        for word in dict.fromkeys(words):
            ids = self._words.get(word)
            if ids is None:
                missing.append(word)
            else:
                found[word] = ids
        if missing:
            if len(self._words) + len(missing) > _WORDS_KEPT:
                self._words.clear()
            for word, encoding in zip(
                missing, self.tokenizer.encode_batch(missing, add_special_tokens=False), strict=True
            ):
                found[word] = encoding.ids
                if len(word) <= _LONGEST_KEPT:
                    self._words[word] = encoding.ids
        return found

    def embed(
        self, articles: Sequence[Sequence[str]], *, scale: float, languages: Sequence[str] | None = None
    ) -> npt.NDArray[np.int8]:
        """One int8 vector per article, given as the words it reads (all zeros without a known
        token), in its language (primary subtag; English when not given)."""
        out = np.zeros((len(articles), self.dim), dtype=np.int8)
        for i, words in enumerate(articles):
            out[i] = self.vector(self.row_sums(words), scale, languages[i] if languages else "en")
        return out

    def vector(self, sums: npt.NDArray[np.float64] | None, scale: float, language: str) -> npt.NDArray[np.int8]:
        """The int8 vector of token row sums (`row_sums`, `token_sums`) in `language` (all zeros for None)."""
        if sums is None:
            return np.zeros(self.dim, np.int8)
        return self._quantise(sums, scale, self.centers.get(language, self.center))

    @cached_property
    def _letters(self) -> npt.NDArray[np.bool_]:
        """Per token id: whether the token is one letter of an alphabet (not a Chinese or
        Japanese character, which is a word or part of one)."""
        cjk = re.compile(f"[{CJK}]")
        letters = np.zeros(len(self.rows), dtype=np.bool_)
        for token, token_id in self.tokenizer.get_vocab().items():
            piece = token.removeprefix("##")
            letters[token_id] = len(piece) == 1 and piece.isalpha() and not cjk.match(piece)
        return letters

    def letter_share(self, words: Iterable[str]) -> float:
        """The share of the known tokens `words` are read as (each distinct word once; `[UNK]`,
        which has no row, left out) that are a single letter. The vocabulary is English's
        WordPiece: it reads languages written in Latin script in pieces of words and other
        alphabets letter by letter (BENCHMARKS.md has the share of each shipped language),
        where an article's vector would only count its letters. 0 without a known token."""
        ids = [i for ids in self.word_ids(words).values() for i in ids]
        return self.token_letter_share(np.asarray(ids, dtype=np.int64))

    def token_letter_share(self, tokens: npt.NDArray[np.int64]) -> float:
        """`letter_share` of the tokens distinct words are read as."""
        known = tokens[tokens != self.unknown_id]
        return float(self._letters[known].mean()) if len(known) else 0.0

    def row_sums(self, words: Sequence[str]) -> npt.NDArray[np.float64] | None:
        """The sum of the token rows of every word (None: no token), exact whatever the summation order."""
        counts = Counter(words)
        ids_of = self.word_ids(counts)
        ids: list[int] = []
        times: list[int] = []
        for word, count in counts.items():
            word_ids = ids_of[word]
            ids.extend(word_ids)
            times.extend([count] * len(word_ids))
        return self.token_sums(np.asarray(ids, dtype=np.int64), np.asarray(times, dtype=np.int64))

    def token_sums(self, tokens: npt.NDArray[np.int64], times: npt.NDArray[np.int64]) -> npt.NDArray[np.float64] | None:
        """The sum of token rows, each row `times` times (None: no token)."""
        if not len(tokens):
            return None
        rows = self.rows[tokens]
        # whole numbers times int8 values: every partial sum is a whole number, exact in float32
        # below 2^24 and in float64 below 2^53 (for the rare article that needs it)
        sums: npt.NDArray[np.float64]
        if int(times.sum()) * 127 < 2**24:
            sums = np.matmul(times.astype(np.float32), rows).astype(np.float64)
        else:
            sums = np.matmul(times.astype(np.float64), rows.astype(np.float64))
        return sums

    def _quantise(
        self, sums: npt.NDArray[np.float64], scale: float, center: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int8]:
        squared = float(np.dot(sums.astype(np.int64), sums.astype(np.int64)))  # an exact integer
        if squared == 0:
            return np.zeros(self.dim, np.int8)
        x = sums / math.sqrt(squared)
        x = x - math.fsum(x * center) * center
        norm = math.sqrt(math.fsum(x * x))
        if norm == 0:
            return np.zeros(self.dim, np.int8)
        return np.clip(np.rint(x / norm * scale), -127, 127).astype(np.int8)


@cache
def static_model() -> StaticModel:
    """The shipped model, loaded once per process."""
    return StaticModel.load()
