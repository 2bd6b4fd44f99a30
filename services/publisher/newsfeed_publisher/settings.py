"""Publisher settings, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PublisherSettings"]


class PublisherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFEED_", extra="ignore", populate_by_name=True)

    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    prefix: str = Field(default="newsfeed", pattern=r"^[A-Za-z0-9_.-]+$")
    publisher_token: SecretStr | None = Field(
        default=None, description="Bearer token(s), comma-separated. Unset: open (development)."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret (`whsec_<base64>` or text) for signed CMS calls."
    )
    ghost_secret: SecretStr | None = Field(default=None, description="Ghost's webhook secret (X-Ghost-Signature).")
    signature_tolerance_s: int = Field(default=300, ge=1, description="Replay window of signed requests.")
    dedupe_ttl_s: int = Field(default=30 * 24 * 3600, ge=60, description="How long an event id is remembered as seen.")
    max_batch_items: int = Field(default=5_000, ge=1)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)

    def tokens(self) -> list[str]:
        if self.publisher_token is None:
            return []
        return [t.strip() for t in self.publisher_token.get_secret_value().split(",") if t.strip()]
