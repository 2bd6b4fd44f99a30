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

__all__ = ["TOLERANCE_S", "secret_key", "sign", "verify"]

TOLERANCE_S = 5 * 60
_SECONDS = re.compile(r"[0-9]{1,12}")


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
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    given = headers.get("webhook-signature", "")
    if not msg_id or not given or not _SECONDS.fullmatch(stamp) or abs(now_s - int(stamp)) > tolerance_s:
        return False
    expected = sign(key, msg_id, int(stamp), body).encode()
    matches = [hmac.compare_digest(candidate.encode(), expected) for candidate in given.split()[:16] if candidate]
    return any(matches)
