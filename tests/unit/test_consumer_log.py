"""What an operator reads in the indexer's log when the stream cannot be read."""

from __future__ import annotations

import logging
import sys

from redis.exceptions import ConnectionError as RedisConnectionError

from newsfeed_indexer.consumer import FetchOutageAsWarning


def _fetch_error(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except Exception:
        exc_info = sys.exc_info()
    return logging.LogRecord("newsfeed.faststream", logging.ERROR, __file__, 1, "Message fetch error", (), exc_info)


def test_a_read_that_met_an_outage_is_one_warning_line() -> None:
    record = _fetch_error(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    assert FetchOutageAsWarning().filter(record)
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.getMessage().startswith("consumer: Redis unavailable (Error 111 connecting")
    assert record.exc_info is None
    assert "Traceback" not in logging.Formatter().format(record)


def test_any_other_read_error_stays_an_error_with_its_traceback() -> None:
    record = _fetch_error(ValueError("a parser bug"))
    assert FetchOutageAsWarning().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Traceback" in logging.Formatter().format(record)
