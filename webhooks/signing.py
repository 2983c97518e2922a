"""``X-Cxalign-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.

``verify`` is what a receiver runs (docs/webhooks.md shows it standalone); the tests verify
every delivery with it against a real HTTP receiver.
"""

import hashlib
import hmac
import time

# Receivers reject a signature older than this (DESIGN.md): a captured request cannot be
# replayed later.
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, *, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def sign(secret: str, body: bytes, *, now: float | None = None) -> str:
    return signature(secret, body, timestamp=int(now if now is not None else time.time()))


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance`` old."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = now if now is not None else time.time()
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
