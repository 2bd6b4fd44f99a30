"""Who may post events: a bearer token, a Standard Webhooks signature or Ghost's signature.

Credentials are checked before the body is read where they can be: a request with no
credential at all, or a wrong bearer token, is refused (401) without reading its body. A
signature covers the body, so a signed request's body is read (within its size limit)
and then checked. Every comparison is constant-time; no secret is ever logged.

With no token and no secret configured the publisher is open: `newsfeed publisher`
refuses to start so unless in development mode (`NEWSFEED_DEV`, as `newsfeed up` is). Once
any credential is configured every route needs one: a route whose signature has no secret
(the generic routes with only Ghost's secret set, Ghost's route with only the Standard
Webhooks secret) takes a bearer token or nothing.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from enum import Enum

from . import ghost, signatures
from .errors import Unauthorized
from .settings import PublisherSettings

__all__ = ["Authenticator", "Scheme"]


class Scheme(Enum):
    """Which signature a route accepts besides a bearer token."""

    STANDARD = "standard"  # Standard Webhooks: /v1/events, /v1/events/batch
    GHOST = "ghost"  # X-Ghost-Signature: /v1/webhooks/ghost/{event}


_SIGNATURE_HEADERS = {Scheme.STANDARD: "webhook-signature", Scheme.GHOST: "x-ghost-signature"}
_REFUSALS = {
    Scheme.STANDARD: "a valid 'Authorization: Bearer <token>' or Standard Webhooks signature "
    "(webhook-id, webhook-timestamp, webhook-signature) is required",
    Scheme.GHOST: "a valid 'X-Ghost-Signature' (or 'Authorization: Bearer <token>') is required",
}


class Authenticator:
    def __init__(self, settings: PublisherSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.tokens = [t.encode() for t in settings.tokens()]
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self.webhook_key = signatures.secret_key(secret) if secret else None
        self.ghost_secret = settings.ghost_secret.get_secret_value() if settings.ghost_secret else None
        self.tolerance_s = settings.signature_tolerance_s
        self.clock = clock
        self.open = not self.tokens and self.webhook_key is None and self.ghost_secret is None

    def _secret_for(self, scheme: Scheme) -> object | None:
        return self.webhook_key if scheme is Scheme.STANDARD else self.ghost_secret

    def before_body(self, headers: Mapping[str, str], scheme: Scheme) -> bool:
        """True: allowed (open, or a valid bearer token). False: a signature must be checked
        against the body (`after_body`). Raises `Unauthorized` when neither can succeed."""
        if self.open:
            return True
        if "authorization" in headers:
            problem = self._bearer_refusal(headers)
            if problem is None:
                return True
            raise Unauthorized(problem)
        if self._secret_for(scheme) is not None and headers.get(_SIGNATURE_HEADERS[scheme]):
            return False
        raise Unauthorized(_REFUSALS[scheme])

    def after_body(self, headers: Mapping[str, str], body: bytes, scheme: Scheme) -> None:
        """Check the request's signature of `body`; raises `Unauthorized`, saying why, unless it is valid."""
        problem = self._standard(headers, body) if scheme is Scheme.STANDARD else self._ghost(headers, body)
        if problem is not None:
            raise Unauthorized(problem)

    def _bearer_refusal(self, headers: Mapping[str, str]) -> str | None:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        candidate = given.strip().encode()
        matches = [hmac.compare_digest(candidate, token) for token in self.tokens]
        if scheme.lower() != "bearer":
            return "the Authorization header must read 'Bearer <token>'"
        return None if any(matches) else "the bearer token is not one the publisher accepts"

    def _standard(self, headers: Mapping[str, str], body: bytes) -> str | None:
        if self.webhook_key is None:
            return _REFUSALS[Scheme.STANDARD]
        now_s = int(self.clock())
        return signatures.refusal(self.webhook_key, headers, body, now_s=now_s, tolerance_s=self.tolerance_s)

    def _ghost(self, headers: Mapping[str, str], body: bytes) -> str | None:
        header = headers.get("x-ghost-signature", "")
        if self.ghost_secret is None or not header:
            return _REFUSALS[Scheme.GHOST]
        now_ms = int(self.clock() * 1000)
        tolerance_ms = self.tolerance_s * 1000
        return ghost.signature_refusal(self.ghost_secret, header, body, now_ms=now_ms, tolerance_ms=tolerance_ms)
