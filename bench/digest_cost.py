"""What the digests newsfeed keeps cost each event, against the work they sit in.

    python -m bench.digest_cost

The projection digests an article's card and document (`cards.digest`) so that an edit readers
cannot see in a feed is not announced as one; the publisher digests each event's content
(`event_log.content_digest`) so that an id sent again with other content is told from a retry.
This prints, on `bench/corpus.py`'s articles (~5.9 KB envelopes), in the same run: a whole
`transition` per event and its two digests, and the publisher's validation of an event and its
content digest.
"""

from __future__ import annotations

import argparse
import statistics
import time

import orjson

from bench.corpus import Corpus
from newsfeed_readmodel.cards import article_document, card_of, digest
from newsfeed_readmodel.content import prepare_article
from newsfeed_readmodel.event_log import content_digest
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
    raw = [orjson.dumps(event.model_dump(mode="json")) for event in events]
    validating, content = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for body in raw:
            parse_event(body)
        validating.append((time.perf_counter() - started) / len(events) * 1e6)
        started = time.perf_counter()
        for event in events:
            content_digest(event)
        content.append((time.perf_counter() - started) / len(events) * 1e6)
    w, d = statistics.median(whole), statistics.median(digests)
    v, c = statistics.median(validating), statistics.median(content)
    print(f"transition: {w:.1f} µs an event; its two digests: {d:.1f} µs ({d / w:.0%}), medians of {args.rounds}")
    print(f"publisher validation: {v:.1f} µs an event; its content digest: {c:.1f} µs ({c / v:.0%})")


if __name__ == "__main__":
    main()
