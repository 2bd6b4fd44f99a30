"""REDIS_URL as operators write it: one Redis, or a cluster's nodes separated by commas.

Each form is either read as every client reads it or refused at start with one line (exit 2):
never passed on to fail later with a traceback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from newsfeed_runtime.redis import broker_seeds, redacted, seed_urls
from newsfeed_runtime.settings import RedisSettings


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("redis://127.0.0.1:7401", "redis://127.0.0.1:7401"),
        ("redis://127.0.0.1:7401,", "redis://127.0.0.1:7401"),  # a trailing comma: one Redis
        ("127.0.0.1:7401", "redis://127.0.0.1:7401"),  # no scheme: redis://
        ("127.0.0.1:7411,127.0.0.1:7412", "redis://127.0.0.1:7411,127.0.0.1:7412"),
        ("redis://u:p@a:1, b:2 ,,c:3", "redis://u:p@a:1,b:2,c:3"),
        ("rediss://a:1,rediss://b:2", "rediss://a:1,rediss://b:2"),
        ("redis://[::1]:7401,[::1]:7402", "redis://[::1]:7401,[::1]:7402"),
        ("redis://:se,cret@127.0.0.1:7401", "redis://:se,cret@127.0.0.1:7401"),  # a comma in the password
        ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_a_url_is_read_as_every_client_reads_it(given: str, read: str) -> None:
    assert RedisSettings(redis_url=given).redis_url == read


def test_a_password_with_a_comma_stays_whole() -> None:
    assert seed_urls("redis://:se,cret@a:1,b:2") == ["redis://:se,cret@a:1", "b:2"]
    assert broker_seeds("redis://:se,cret@a:1,b:2") == ("redis://:se,cret@a:1", [("b", 2)])


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("unix:///run/redis.sock,127.0.0.1:7412", "TCP addresses"),
        ("redis://127.0.0.1:7411/3,127.0.0.1:7412", "only database 0"),
        ("redis://127.0.0.1:port", "Port could not be cast"),
        ("redis://a:1,b:port", "Port could not be cast"),
    ],
)
def test_a_url_no_client_can_use_is_refused_with_a_reason(given: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        RedisSettings(redis_url=given)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@127.0.0.1:7401/0", "redis://:***@127.0.0.1:7401/0"),
        ("redis://user:pw@h:1", "redis://user:***@h:1"),
        ("redis://u:se,cret@a:1,redis://u:other@b:2", "redis://u:***@a:1,redis://u:***@b:2"),
        ("rediss://a:1,b:2", "rediss://a:1,b:2"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
        ("redis://u:p@ss@h:1", "redis://u:***@h:1"),  # the password is up to the last @
        ("redis://h:1/0?password=sekrit&db=0", "redis://h:1/0?password=***&db=0"),
        ("redis://u:a@h:1,v:p2@h2:7001", "redis://u:***@h:1,v:***@h2:7001"),
        ("unix:///run/redis.sock?password=sekrit", "unix:///run/redis.sock?password=***"),
    ],
)
def test_a_url_in_a_message_shows_no_password(url: str, shown: str) -> None:
    assert redacted(url) == shown
