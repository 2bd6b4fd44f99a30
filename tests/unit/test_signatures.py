"""Standard Webhooks signatures and the publisher's auth rule (pure, no Redis)."""

from __future__ import annotations

import base64

import pytest

from newsfeed_publisher.auth import Authenticator, Scheme
from newsfeed_publisher.errors import Unauthorized
from newsfeed_publisher.ghost import sign as ghost_sign
from newsfeed_publisher.settings import PublisherSettings
from newsfeed_publisher.signatures import secret_key, sign, verify

KEY = b"0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def headers(body: bytes, *, at: int, key: bytes = KEY, msg_id: str = "msg_1") -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(at), "webhook-signature": sign(key, msg_id, at, body)}


def test_whsec_secret_is_base64_decoded() -> None:
    assert secret_key(SECRET) == KEY
    assert secret_key("plain") == b"plain"


@pytest.mark.parametrize(
    ("now", "valid"), [(1000, True), (1000 + 300, True), (1000 - 300, True), (1000 + 301, False), (699, False)]
)
def test_tolerance_window(now: int, valid: bool) -> None:
    assert verify(KEY, headers(b"{}", at=1000), b"{}", now_s=now) is valid


def test_any_of_several_signatures_and_tampering() -> None:
    given = headers(b"{}", at=1000)
    given["webhook-signature"] = "v1,bm90LWl0 " + given["webhook-signature"]
    assert verify(KEY, given, b"{}", now_s=1000)
    assert not verify(KEY, given, b'{"x":1}', now_s=1000)
    assert not verify(b"other", given, b"{}", now_s=1000)


def _allowed(auth: Authenticator, headers: dict[str, str], body: bytes) -> None:
    """What a route does: credentials before the body where possible, the signature after it."""
    if not auth.before_body(headers, Scheme.STANDARD):
        auth.after_body(headers, body, Scheme.STANDARD)


def test_token_or_signature() -> None:
    settings = PublisherSettings(publisher_token="tok", webhook_secret=SECRET)
    auth = Authenticator(settings, clock=lambda: 1000.0)
    assert auth.before_body({"authorization": "Bearer tok"}, Scheme.STANDARD) is True
    _allowed(auth, headers(b"{}", at=1000), b"{}")
    for bad in [{}, {"authorization": "Bearer nope"}, headers(b"{}", at=1000 - 3600)]:
        with pytest.raises(Unauthorized):
            _allowed(auth, bad, b"{}")


def test_no_credential_is_refused_before_the_body_is_read() -> None:
    auth = Authenticator(PublisherSettings(publisher_token="tok"), clock=lambda: 1000.0)
    for bad in [{}, {"authorization": "Bearer nope"}, {"authorization": "Basic dG9rOg=="}]:
        with pytest.raises(Unauthorized):
            auth.before_body(bad, Scheme.STANDARD)
    # a signature without a configured secret can never succeed: refused before the body too
    with pytest.raises(Unauthorized):
        auth.before_body(headers(b"{}", at=1000), Scheme.STANDARD)


@pytest.mark.parametrize("stamp", ["²", "1" * 5000, "-5", " 1000", "1e3", "١٠٠٠"])
def test_odd_timestamps_are_refused_not_crashing(stamp: str) -> None:
    given = {**headers(b"{}", at=1000), "webhook-timestamp": stamp}
    assert not verify(KEY, given, b"{}", now_s=1000)


def test_open_without_token_or_secret() -> None:
    assert Authenticator(PublisherSettings(dev=True)).before_body({}, Scheme.STANDARD) is True


@pytest.mark.parametrize(
    ("configured", "other_route"),
    [({"ghost_secret": "g-secret"}, Scheme.STANDARD), ({"webhook_secret": "whsec_" + "a" * 32}, Scheme.GHOST)],
)
def test_one_secret_alone_leaves_no_route_open(configured: dict[str, str], other_route: Scheme) -> None:
    # a newsroom that sets only Ghost's secret must not leave /v1/events open to anyone
    auth = Authenticator(PublisherSettings(**configured))
    with pytest.raises(Unauthorized):
        auth.before_body({}, other_route)


def _refusal(auth: Authenticator, given: dict[str, str], body: bytes, scheme: Scheme = Scheme.STANDARD) -> str:
    with pytest.raises(Unauthorized) as refused:
        if not auth.before_body(given, scheme):
            auth.after_body(given, body, scheme)
    return str(refused.value)


def test_a_refused_request_is_told_what_to_fix() -> None:
    # A newsroom developer wiring a CMS sees one 401 for many mistakes: each says which it is.
    auth = Authenticator(PublisherSettings(publisher_token="tok", webhook_secret=SECRET), clock=lambda: 5000.0)
    signed = headers(b"{}", at=5000)
    cases = [
        ({"authorization": "Bearer nope"}, "bearer token is not one the publisher accepts"),
        ({"authorization": "Basic dG9rOg=="}, "must read 'Bearer <token>'"),
        ({k: v for k, v in signed.items() if k != "webhook-id"}, "(missing: webhook-id)"),
        ({**signed, "webhook-timestamp": "5000.5"}, "whole seconds since 1970"),
        (headers(b"{}", at=5000 - 3600), "3600 s behind the publisher's clock, and at most 300 s"),
        (headers(b"{}", at=5000 + 900), "900 s ahead of the publisher's clock"),
        (headers(b"{}", at=5000, key=b"another key"), "no webhook-signature matches the body"),
    ]
    for given, told in cases:
        assert told in _refusal(auth, given, b"{}"), given
    assert told in _refusal(auth, signed, b'{"changed": true}')  # signed, then altered


def test_a_refused_ghost_request_is_told_what_to_fix() -> None:
    auth = Authenticator(PublisherSettings(ghost_secret="g-secret"), clock=lambda: 5000.0)
    body = b'{"post": {}}'
    cases = [
        (ghost_sign("another", body, 5_000_000), "does not match the body"),
        (ghost_sign("g-secret", body, 5_000_000 - 600_000), "600 s behind the publisher's clock"),
        ("sha256=abc", "must read 'sha256=<hex digest>, t=<milliseconds since 1970>'"),
    ]
    for header, told in cases:
        assert told in _refusal(auth, {"x-ghost-signature": header}, body, Scheme.GHOST), header
