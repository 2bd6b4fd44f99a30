"""How an event changes an article's stored state and feeds (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsfeed_readmodel.content import prepare_article, stored_text
from newsfeed_readmodel.projection import Stored, transition
from newsfeed_schemas.events import parse_event
from tests.factories import deleted, published, unpublished, updated


def _apply(prev: Stored | None, raw: dict) -> tuple[Stored | None, object]:
    result = transition(prev, parse_event(raw))
    return (result.stored if result else prev), result


def test_publish_inserts_into_all_tag_and_author_feeds() -> None:
    t = transition(None, parse_event(published("a", tags=[{"slug": "world"}, {"slug": "europe"}])))
    assert t is not None
    assert {feed for feed, _ in t.additions} == {"all", "tag:world", "tag:europe", "author:anna"}
    assert t.removals == []
    assert t.change is not None
    assert all(delta["inserted"] == ["a"] for delta in t.change["feeds"])
    assert t.document is not None and t.document["reading_time_minutes"] == 1


def test_edit_in_place_keeps_position_and_reports_updated() -> None:
    stored, _ = _apply(None, published("a"))
    t = transition(stored, parse_event(updated("a", revision=2, title="New title")))
    assert t is not None
    assert t.additions == [] and t.removals == []
    assert t.change is not None and [d["updated"] for d in t.change["feeds"]] == [["a"], ["a"], ["a"]]


def test_an_edit_readers_cannot_see_in_a_feed_changes_no_feed() -> None:
    stored, _ = _apply(None, published("a", excerpt="Gales ahead", html="<p>Winds of 100 km/h.</p>"))
    # the body changes, the card (title, excerpt, reading time, ...) does not: only the article's page
    body_edit = transition(stored, parse_event(updated("a", revision=2, excerpt="Gales ahead", html="<p>Winds.</p>")))
    assert body_edit is not None and body_edit.change is not None
    assert body_edit.change["feeds"] == []
    # the same article sent again under a new event id: nothing anyone is shown changes
    again = updated("a", revision=2, excerpt="Gales ahead", html="<p>Winds.</p>", event_id="zzz-resent")
    resent = transition(body_edit.stored, parse_event(again))
    assert resent is not None and resent.change is None
    # a record written before the read model kept digests is announced as before
    legacy = Stored(stored.version, stored.state, stored.member, stored.feeds, stored.slug, stored.url)
    t = transition(legacy, parse_event(updated("a", revision=2, excerpt="Gales ahead", html="<p>Winds.</p>")))
    assert t is not None and t.change is not None and len(t.change["feeds"]) == 3


def test_new_published_at_moves_the_article_in_every_feed() -> None:
    stored, _ = _apply(None, published("a", minutes=0))
    t = transition(stored, parse_event(updated("a", revision=2, minutes=30)))
    assert t is not None and stored is not None
    assert {f for f, _ in t.removals} == {"all", "tag:world", "author:anna"}
    assert all(member == stored.member for _, member in t.removals)
    assert t.change is not None and all(d["moved"] == ["a"] for d in t.change["feeds"])


def test_tag_change_moves_between_tag_feeds_only() -> None:
    stored, _ = _apply(None, published("a", tags=[{"slug": "politics"}]))
    t = transition(stored, parse_event(updated("a", revision=2, tags=[{"slug": "economy"}])))
    assert t is not None
    assert [f for f, _ in t.removals] == ["tag:politics"]
    assert [f for f, _ in t.additions] == ["tag:economy"]


def test_unpublish_and_delete_leave_every_feed() -> None:
    stored, _ = _apply(None, published("a"))
    down = transition(stored, parse_event(unpublished("a", revision=2)))
    assert down is not None and down.stored.state == "unpublished"
    assert {f for f, _ in down.removals} == {"all", "tag:world", "author:anna"}
    assert down.document is None
    gone = transition(down.stored, parse_event(deleted("a")))
    assert gone is not None and gone.stored.state == "deleted" and gone.removals == []


def test_stale_duplicate_and_post_delete_events_change_nothing() -> None:
    stored, _ = _apply(None, published("a", revision=3))
    assert transition(stored, parse_event(updated("a", revision=2))) is None
    assert transition(stored, parse_event(published("a", revision=3, event_id=stored.version.event_id))) is None
    tomb, _ = _apply(stored, deleted("a"))
    assert transition(tomb, parse_event(published("a", revision=99))) is None


def test_delete_before_publish_leaves_a_tombstone() -> None:
    tomb, _ = _apply(None, deleted("a"))
    assert tomb is not None and tomb.state == "deleted"
    assert transition(tomb, parse_event(published("a"))) is None


def test_announcements_are_valid_feed_changes() -> None:
    from newsfeed_schemas.changes import FeedChange

    stored, _ = _apply(None, published("a", tags=[{"slug": "x"}]))
    t = transition(stored, parse_event(updated("a", revision=2, minutes=9, tags=[{"slug": "y"}])))
    assert t is not None and t.change is not None
    payload = t.change
    assert FeedChange.model_validate(payload).model_dump(mode="json") == payload
    kinds = {d["feed"]: [k for k in ("inserted", "moved", "updated", "removed") if d[k]] for d in payload["feeds"]}
    assert kinds == {"all": ["moved"], "tag:x": ["removed"], "tag:y": ["inserted"], "author:anna": ["moved"]}


_BODIES = st.sampled_from(
    [
        None,
        "",
        " ",
        "<script>var a = 1</script>",
        "<p>Storm warning</p>",
        '<img src="https://a.example/b.png">',
        "<p> </p>",
    ]
)


@given(html=_BODIES, text=st.sampled_from([None, "", "Ceasefire talks in Geneva", "  two   words "]))
def test_the_text_read_from_a_stored_document_is_the_text_read_when_it_was_applied(
    html: str | None, text: str | None
) -> None:
    # related features are computed from the incoming article, and again from the stored
    # document when settings change: both must read the same words, or a list depends on history
    fields = {k: v for k, v in (("html", html), ("text", text)) if v is not None}
    if not fields:
        return
    event = parse_event(published("a", **{"text": None, **fields}))
    live = prepare_article(event.data)
    stored = transition(None, event)
    assert stored is not None and stored.document is not None
    assert stored_text(stored.document) == live.text
