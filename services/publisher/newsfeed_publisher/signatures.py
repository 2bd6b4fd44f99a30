"""Standard Webhooks signatures (https://www.standardwebhooks.com), verified in constant time.

A signed request carries `webhook-id`, `webhook-timestamp` (seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, possibly
several space-separated signatures (secret rotation). The secret may be given as
`whsec_<base64>` (the key is the decoded bytes) or as plain text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping

__all__ = ["TOLERANCE_S", "clock_refusal", "refusal", "secret_key", "sign", "verify"]

TOLERANCE_S = 5 * 60
_SECONDS = re.compile(r"[0-9]{1,12}")
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a configured secret (`whsec_<base64>` or plain text)."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error as exc:
            raise ValueError("a whsec_ secret must be base64") from exc
    return secret.encode()


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value (`v1,<base64>`) for one request."""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(key: bytes, headers: Mapping[str, str], body: bytes, *, now_s: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """True when one of the request's signatures matches and its timestamp is inside the window."""
    return refusal(key, headers, body, now_s=now_s, tolerance_s=tolerance_s) is None


def refusal(
    key: bytes, headers: Mapping[str, str], body: bytes, *, now_s: int, tolerance_s: int = TOLERANCE_S
) -> str | None:
    """Why the request's signature is not accepted, in words a sender can act on; None when it is."""
    missing = [name for name in _HEADERS if not headers.get(name)]
    if missing:
        return f"a Standard Webhooks signature needs the headers {', '.join(_HEADERS)} (missing: {', '.join(missing)})"
    msg_id, stamp, given = (headers[name] for name in _HEADERS)
    if not _SECONDS.fullmatch(stamp):
        return f"webhook-timestamp must be whole seconds since 1970 (it is {stamp[:40]!r})"
    if abs(now_s - int(stamp)) > tolerance_s:
        return clock_refusal("webhook-timestamp", now_s - int(stamp), tolerance_s)
    expected = sign(key, msg_id, int(stamp), body).encode()
    matches = [hmac.compare_digest(candidate.encode(), expected) for candidate in given.split()[:16] if candidate]
    if not any(matches):
        return (
            "no webhook-signature matches the body: check the secret (a whsec_ secret is base64 of the key) "
            "and that the body is sent byte for byte as it was signed"
        )
    return None


def clock_refusal(header: str, age_s: float, tolerance_s: float) -> str:
    """A timestamp outside the window: the sender's clock, or a replayed request."""
    direction = "behind" if age_s > 0 else "ahead of"
    return (
        f"{header} is {abs(age_s):.0f} s {direction} the publisher's clock, and at most {tolerance_s:.0f} s is "
        "allowed: check the sender's clock (a request is signed when it is sent, and not resent as it was)"
    )
