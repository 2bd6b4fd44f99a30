"""Who may post events: a bearer token, a Standard Webhooks signature or Ghost's signature.

When no token and no secret is configured the publisher is open (development).
Otherwise a request must carry a valid bearer token OR a valid signature of its
raw body, timestamped inside the replay window. Every comparison is constant-time.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping

from . import ghost, signatures
from .errors import Unauthorized
from .settings import PublisherSettings

__all__ = ["Authenticator"]


class Authenticator:
    def __init__(self, settings: PublisherSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.tokens = [t.encode() for t in settings.tokens()]
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self.webhook_key = signatures.secret_key(secret) if secret else None
        self.ghost_secret = settings.ghost_secret.get_secret_value() if settings.ghost_secret else None
        self.tolerance_s = settings.signature_tolerance_s
        self.clock = clock

    def events(self, headers: Mapping[str, str], body: bytes) -> None:
        """`POST /v1/events[/batch]`: bearer token or Standard Webhooks signature."""
        if not self.tokens and self.webhook_key is None:
            return
        if self._bearer(headers) or self._standard(headers, body):
            return
        raise Unauthorized(
            "a valid 'Authorization: Bearer <token>' or Standard Webhooks signature "
            "(webhook-id, webhook-timestamp, webhook-signature) is required"
        )

    def ghost(self, headers: Mapping[str, str], body: bytes) -> None:
        """`POST /v1/webhooks/ghost/{event}`: Ghost's signature, or a bearer token."""
        if not self.tokens and self.ghost_secret is None:
            return
        if self._bearer(headers) or self._ghost(headers, body):
            return
        raise Unauthorized("a valid 'X-Ghost-Signature' (or 'Authorization: Bearer <token>') is required")

    def _bearer(self, headers: Mapping[str, str]) -> bool:
        if not self.tokens:
            return False
        scheme, _, given = headers.get("authorization", "").partition(" ")
        candidate = given.strip().encode()
        matches = [hmac.compare_digest(candidate, token) for token in self.tokens]
        return scheme.lower() == "bearer" and any(matches)

    def _standard(self, headers: Mapping[str, str], body: bytes) -> bool:
        if self.webhook_key is None:
            return False
        return signatures.verify(self.webhook_key, headers, body, now_s=int(self.clock()), tolerance_s=self.tolerance_s)

    def _ghost(self, headers: Mapping[str, str], body: bytes) -> bool:
        header = headers.get("x-ghost-signature", "")
        if self.ghost_secret is None or not header:
            return False
        now_ms = int(self.clock() * 1000)
        tolerance_ms = self.tolerance_s * 1000
        return ghost.signature_is_valid(self.ghost_secret, header, body, now_ms=now_ms, tolerance_ms=tolerance_ms)
