"""How one article event changes the read model: a pure function of (stored, event).

`transition()` returns a `Transition` (what to write) or None when the event is
stale or a duplicate. The store writes a transition; nothing here speaks Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from newsfeed_schemas.articles import Article
from newsfeed_schemas.events import ArticleEvent, EventType

from .announcements import feed_change, feed_delta
from .cards import article_document, card_of, digest
from .content import Content, prepare_article
from .feed import feed_member, feeds_of
from .versions import Version, is_newer, version_of

__all__ = ["State", "Stored", "Transition", "transition"]

State = Literal["published", "unpublished", "deleted"]


@dataclass(frozen=True, slots=True)
class Stored:
    """What the read model keeps about an article besides its document."""

    version: Version
    state: State
    member: str | None = None
    feeds: tuple[str, ...] = ()
    slug: str | None = None
    url: str | None = None
    shown: tuple[str, str] | None = None  # digests of (card, document): what readers were shown


@dataclass(frozen=True, slots=True)
class Transition:
    """The writes that apply one event: the new record, feed edits and the announcement."""

    article_id: str
    stored: Stored
    document: dict[str, Any] | None
    removals: list[tuple[str, str]] = field(default_factory=list)
    additions: list[tuple[str, str]] = field(default_factory=list)
    change: dict[str, Any] | None = None  # a `FeedChange` payload
    claim: tuple[str, str] | None = None  # (slug, feed member) this article now claims
    unclaim: tuple[str, str] | None = None  # (slug, feed member) it no longer claims
    features: bytes | None = None  # related-articles features of the body, when they were computed

    @property
    def is_live(self) -> bool:
        return self.stored.state == "published"


def transition(prev: Stored | None, event: ArticleEvent, content: Content | None = None) -> Transition | None:
    """The effect of `event` on an article last stored as `prev`; None when it changes nothing.

    `content` is the article's prepared body (`content.prepare_article`), when it was
    prepared elsewhere (the indexer prepares bodies in a child process, with a deadline).
    """
    incoming = version_of(event.type, event.revision, event.id)
    if prev is not None and not is_newer(prev.version, incoming, stored_is_deleted=prev.state == "deleted"):
        return None
    if isinstance(event.data, Article) and event.type in (EventType.PUBLISHED, EventType.UPDATED):
        return _go_live(prev, event, event.data, incoming, content or prepare_article(event.data))
    state: State = "deleted" if event.type == EventType.DELETED else "unpublished"
    return _take_down(prev, event, incoming, state)


def _go_live(
    prev: Stored | None, event: ArticleEvent, article: Article, version: Version, content: Content
) -> Transition:
    assert article.published_at is not None  # validated by the event model
    member = feed_member(article.published_at, article.id)
    feeds = tuple(feeds_of(article))
    old_feeds = prev.feeds if prev else ()
    old_member = prev.member if prev else None
    removals = [(f, old_member) for f in old_feeds if old_member and (f not in feeds or old_member != member)]
    additions = [(f, member) for f in feeds if f not in old_feeds or old_member != member]
    document = article_document(article, content)
    shown = (digest(card_of(document)), digest(document))
    was_shown = prev.shown if prev and prev.state == "published" else None
    card_changed = was_shown is None or was_shown[0] != shown[0]
    deltas = []
    for name in dict.fromkeys(old_feeds + feeds):
        if name not in old_feeds:
            deltas.append(feed_delta(name, "inserted", article.id))
        elif name not in feeds:
            deltas.append(feed_delta(name, "removed", article.id))
        elif old_member != member:
            deltas.append(feed_delta(name, "moved", article.id))
        elif card_changed:  # a feed shows cards: an edit the card does not show leaves it as it was
            deltas.append(feed_delta(name, "updated", article.id))
    # announced when a feed or the article's own answers change; an edit readers cannot see is not
    announced = bool(deltas) or was_shown is None or was_shown[1] != shown[1]
    slug = article.effective_slug
    stored = Stored(version, "published", member=member, feeds=feeds, slug=slug, url=article.url, shown=shown)
    return Transition(
        article_id=article.id,
        stored=stored,
        document=document,
        removals=removals,
        additions=additions,
        change=feed_change(event, deltas, article.url) if announced else None,
        claim=(slug, member),
        unclaim=_claim_of(prev) if _claim_of(prev) != (slug, member) else None,
        features=content.features,
    )


def _take_down(prev: Stored | None, event: ArticleEvent, version: Version, state: State) -> Transition:
    old_feeds = prev.feeds if prev else ()
    old_member = prev.member if prev else None
    removals = [(f, old_member) for f in old_feeds if old_member]
    deltas = [feed_delta(f, "removed", event.subject) for f in old_feeds]
    return Transition(
        article_id=event.subject,
        stored=Stored(version=version, state=state),
        document=None,
        removals=removals,
        change=feed_change(event, deltas, prev.url if prev else None) if deltas else None,
        unclaim=_claim_of(prev),
    )


def _claim_of(stored: Stored | None) -> tuple[str, str] | None:
    """The slug claim of a stored live article: its slug and feed member (see `reader.article_by_slug`)."""
    if stored is None or stored.slug is None or stored.member is None:
        return None
    return stored.slug, stored.member
