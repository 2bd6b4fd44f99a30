"""The article embedding: a static (context-free) model, numpy and `tokenizers` only.

The model (`model/`, built by `tools/build_related_model.py` from all-MiniLM-L6-v2, see
`docs/related.md`) is one int8 row per WordPiece token. An article's vector is the sum of the
rows of its first `max_tokens` tokens, with the model's common direction projected out,
normalised and rounded to int8 at `scale`: an integer vector whose dot products are exact.

Determinism: the row sums are integers below 2^24, exact in float32 whatever the summation
order; the few float operations after them are correctly rounded IEEE operations and
`math.fsum`, the same on every machine. So an article maps to the same vector in the live
path, in a rebuild and on another host.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

__all__ = ["MODEL_DIR", "StaticModel", "model_fingerprint", "static_model"]

MODEL_DIR = Path(__file__).parent / "model"
_CHARS_PER_TOKEN = 32  # a text is cut to max_tokens x this many characters first: bounded work


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
    center: npt.NDArray[np.float64]  # unit vector: the common direction of all texts
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
        unknown = int(config.get("unk_token_id", 1))
        matrix = rows.astype(np.float32)
        matrix[unknown] = 0.0
        return cls(tokenizer, matrix, center, unknown, model_fingerprint(directory))

    def token_ids(self, text: str, max_tokens: int) -> list[int]:
        """The first `max_tokens` tokens of the text's first `max_tokens` words (white-space separated).

        Words are tokenised one at a time and remembered (`_words`): news repeats its words,
        and WordPiece is the slow part of embedding. The cache never changes a result.
        """
        words = text[: max_tokens * _CHARS_PER_TOKEN].split()[:max_tokens]
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        if missing:
            if len(self._words) > 500_000:
                self._words.clear()
            for word, encoding in zip(
                missing, self.tokenizer.encode_batch(missing, add_special_tokens=False), strict=True
            ):
                self._words[word] = encoding.ids
        ids: list[int] = []
        for word in words:
            ids.extend(self._words[word])
            if len(ids) >= max_tokens:
                break
        return ids[:max_tokens]

    def embed(self, texts: list[str], *, max_tokens: int, scale: float) -> npt.NDArray[np.int8]:
        """One int8 vector per text (all zeros for a text without known tokens)."""
        out = np.zeros((len(texts), self.dim), dtype=np.int8)
        for i, text in enumerate(texts):
            ids = self.token_ids(text, max_tokens)
            if ids:
                sums = self.rows[np.asarray(ids, dtype=np.int64)].sum(axis=0, dtype=np.float32)
                out[i] = self._quantise(sums.astype(np.float64), scale)
        return out

    def _quantise(self, sums: npt.NDArray[np.float64], scale: float) -> npt.NDArray[np.int8]:
        squared = float(np.dot(sums.astype(np.int64), sums.astype(np.int64)))  # an exact integer
        if squared == 0:
            return np.zeros(self.dim, np.int8)
        x = sums / math.sqrt(squared)
        x = x - math.fsum(x * self.center) * self.center
        norm = math.sqrt(math.fsum(x * x))
        if norm == 0:
            return np.zeros(self.dim, np.int8)
        return np.clip(np.rint(x / norm * scale), -127, 127).astype(np.int8)


@cache
def static_model() -> StaticModel:
    """The shipped model, loaded once per process."""
    return StaticModel.load()
