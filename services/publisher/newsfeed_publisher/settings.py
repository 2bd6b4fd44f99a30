"""Publisher settings, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

from pydantic import Field, SecretStr

from newsfeed_runtime.settings import RedisSettings

from .signatures import TOLERANCE_S

__all__ = ["PublisherSettings"]


class PublisherSettings(RedisSettings):
    publisher_token: SecretStr | None = Field(
        default=None, description="Bearer token(s), comma-separated. Unset: open (development)."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret (`whsec_<base64>` or text) for signed CMS calls."
    )
    ghost_secret: SecretStr | None = Field(default=None, description="Ghost's webhook secret (X-Ghost-Signature).")
    signature_tolerance_s: int = Field(default=TOLERANCE_S, ge=1, description="Replay window of signed requests.")
    dedupe_ttl_s: int = Field(default=30 * 24 * 3600, ge=60, description="How long an event id is remembered as seen.")
    max_batch_items: int = Field(default=5_000, ge=1)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)

    def tokens(self) -> list[str]:
        if self.publisher_token is None:
            return []
        return [t.strip() for t in self.publisher_token.get_secret_value().split(",") if t.strip()]
