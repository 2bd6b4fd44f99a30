"""What keeping digests of what readers were shown costs each applied event.

    python -m bench.digest_cost

The projection digests an article's card and document (`cards.digest`) so that an edit readers
cannot see in a feed is not announced as one. This prints, on `bench/corpus.py`'s articles
(~5.9 KB envelopes), the time of a whole `transition` per event and, in the same run, of its two
digests alone: their share of the projection's work.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.corpus import Corpus
from newsfeed_readmodel.cards import article_document, card_of, digest
from newsfeed_readmodel.content import prepare_article
from newsfeed_readmodel.projection import transition
from newsfeed_schemas.events import parse_event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    events = [parse_event(raw) for raw in Corpus().envelopes(args.events)]
    contents = [prepare_article(event.data) for event in events]  # type: ignore[arg-type]
    documents = [article_document(e.data, c) for e, c in zip(events, contents, strict=True)]  # type: ignore[arg-type]
    whole, digests = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for event, content in zip(events, contents, strict=True):
            transition(None, event, content)
        whole.append((time.perf_counter() - started) / len(events) * 1e6)
        started = time.perf_counter()
        for document in documents:
            digest(card_of(document))
            digest(document)
        digests.append((time.perf_counter() - started) / len(events) * 1e6)
    w, d = statistics.median(whole), statistics.median(digests)
    print(f"transition: {w:.1f} µs an event; its two digests: {d:.1f} µs ({d / w:.0%}), medians of {args.rounds}")


if __name__ == "__main__":
    main()
