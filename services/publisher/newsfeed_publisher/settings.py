"""Publisher settings, from the environment (12-factor) or CLI flags.

Every bound an event must keep to is a setting (`NEWSFEED_MAX_TITLE_CHARS=300`, ...); a
setting may lower a bound, never raise it past `newsfeed_schemas.limits.CEILINGS`, the
bounds the indexer applies with, so that everything accepted can be applied.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from newsfeed_runtime.settings import RedisSettings
from newsfeed_schemas.limits import CEILINGS, DEFAULT_LIMITS, Limits

from .signatures import TOLERANCE_S, secret_key

__all__ = ["PublisherSettings"]

_D, _C = DEFAULT_LIMITS, CEILINGS


class PublisherSettings(RedisSettings):
    publisher_token: SecretStr | None = Field(
        default=None, description="Bearer token(s), comma-separated; several are valid at once, for rotation."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret (`whsec_<base64>` or text) for signed CMS calls."
    )
    ghost_secret: SecretStr | None = Field(default=None, description="Ghost's webhook secret (X-Ghost-Signature).")
    dev: bool = Field(default=False, description="Development mode: run without any credential (refused otherwise).")
    signature_tolerance_s: int = Field(default=TOLERANCE_S, ge=1, le=3600, description="Replay window of signatures.")
    dedupe_ttl_s: int = Field(default=30 * 24 * 3600, ge=60, description="How long an event id is remembered as seen.")
    replica_acks: int | None = Field(
        default=None,
        ge=0,
        le=16,
        description="Replicas that must hold an event before it is acknowledged (WAIT); default 1 when the Redis "
        "holding the site has replicas, else 0.",
    )
    replica_timeout_ms: int = Field(
        default=2_000, ge=10, le=60_000, description="How long to wait for those replicas before answering 503."
    )
    body_timeout_s: float = Field(default=30.0, gt=0, le=600, description="A body must arrive within this long.")
    max_batch_items: int = Field(default=5_000, ge=1, le=100_000)
    max_batch_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    max_event_bytes: int = Field(default=_D.max_event_bytes, ge=1024, le=_C.max_event_bytes)
    max_id_chars: int = Field(default=_D.max_id_chars, ge=1, le=_C.max_id_chars)
    max_slug_chars: int = Field(default=_D.max_slug_chars, ge=1, le=_C.max_slug_chars)
    max_title_chars: int = Field(default=_D.max_title_chars, ge=1, le=_C.max_title_chars)
    max_excerpt_chars: int = Field(default=_D.max_excerpt_chars, ge=1, le=_C.max_excerpt_chars)
    max_body_chars: int = Field(default=_D.max_body_chars, ge=1, le=_C.max_body_chars)
    max_html_depth: int = Field(default=_D.max_html_depth, ge=8, le=_C.max_html_depth)
    max_tags: int = Field(default=_D.max_tags, ge=0, le=_C.max_tags)
    max_authors: int = Field(default=_D.max_authors, ge=0, le=_C.max_authors)
    max_name_chars: int = Field(default=_D.max_name_chars, ge=1, le=_C.max_name_chars)
    max_bio_chars: int = Field(default=_D.max_bio_chars, ge=1, le=_C.max_bio_chars)
    max_url_chars: int = Field(default=_D.max_url_chars, ge=16, le=_C.max_url_chars)
    max_caption_chars: int = Field(default=_D.max_caption_chars, ge=1, le=_C.max_caption_chars)

    @model_validator(mode="after")
    def _batch_holds_an_event(self) -> PublisherSettings:
        if self.max_batch_bytes < self.max_event_bytes:
            raise ValueError("max_batch_bytes must be at least max_event_bytes")
        return self

    def tokens(self) -> list[str]:
        if self.publisher_token is None:
            return []
        return [t.strip() for t in self.publisher_token.get_secret_value().split(",") if t.strip()]

    def has_credentials(self) -> bool:
        return bool(self.tokens() or self.webhook_secret or self.ghost_secret)

    @field_validator("webhook_secret")
    @classmethod
    def _usable_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            secret_key(value.get_secret_value())  # a whsec_ secret that is no base64 is refused at start
        return value

    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in Limits.__dataclass_fields__})
