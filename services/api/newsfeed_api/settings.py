"""Settings of the read API, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from pydantic import Field, field_validator

from newsfeed_runtime.settings import LANGUAGE_PATTERN, RedisSettings, readable_redis_url

__all__ = ["ApiSettings"]


class ApiSettings(RedisSettings):
    redis_read_url: str | None = Field(
        default=None,
        validation_alias="REDIS_READ_URL",
        description="A replica to serve reads from (pages, feeds, articles); stats stay on REDIS_URL.",
    )
    site_name: str = Field(default="News Feed", max_length=100, description="Shown in the masthead and the feeds.")
    site_url: str | None = Field(
        default=None, description="The public base URL (feeds need absolute links); default: the request's."
    )
    site_language: str = Field(
        default="en", pattern=LANGUAGE_PATTERN, description="The language of the pages and feeds."
    )
    cache_max_age_s: int = Field(default=30, ge=0, description="Cache-Control max-age of pages and JSON.")
    cache_s_maxage_s: int = Field(default=600, ge=0, description="How long a CDN may keep them (purged on change).")
    cache_stale_while_revalidate_s: int = Field(default=60, ge=0)
    cache_stale_if_error_s: int = Field(default=86_400, ge=0)
    feed_items: int = Field(default=20, ge=1, le=100, description="Items in /rss.xml, /atom.xml, /feed.json.")

    @field_validator("redis_read_url")
    @classmethod
    def _readable_read_url(cls, url: str | None) -> str | None:
        return None if url is None or not url.strip() else readable_redis_url(url)  # empty: no replica

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, url: str | None) -> str | None:
        """An absolute http(s) address with a host, nothing after its path: every link in the
        feeds starts with it, so a typo is one line at start, not broken links in every reader."""
        if url is None or not url.strip():
            return None
        url = url.strip()
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not _port_in_range(parts)
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
            or any(c.isspace() or not c.isprintable() for c in url)
        ):
            raise ValueError(
                "the site's public address, such as https://news.example.com (http or https, a host, "
                "no credentials, no spaces, no query)"
            )
        return url.rstrip("/")


def _port_in_range(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018  # reading it checks it: 99999 raises
    except ValueError:
        return False
    return True
