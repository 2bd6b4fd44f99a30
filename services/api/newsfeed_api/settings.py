"""Settings of the read API, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

from pydantic import Field

from newsfeed_runtime.settings import RedisSettings

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
    site_language: str = Field(default="en", description="The language of the pages and feeds.")
    cache_max_age_s: int = Field(default=30, ge=0, description="Cache-Control max-age of pages and JSON.")
    cache_s_maxage_s: int = Field(default=600, ge=0, description="How long a CDN may keep them (purged on change).")
    cache_stale_while_revalidate_s: int = Field(default=60, ge=0)
    cache_stale_if_error_s: int = Field(default=86_400, ge=0)
    feed_items: int = Field(default=20, ge=1, le=100, description="Items in /rss.xml, /atom.xml, /feed.json.")
