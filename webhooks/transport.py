"""One HTTP POST to a receiver, bounded in time whatever the receiver does.

The standard library's ``http.client``, not a client library: one POST, no redirects followed
(a receiver cannot bounce a signed body elsewhere), no connection pool to keep. The timeout
bounds the connection and every read, and the answer is read only up to a few kilobytes, so a
hanging or endless receiver releases the worker after ``settings.CXALIGN_WEBHOOK_TIMEOUT_SECONDS``.
"""

import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

# Enough of an answer to show in the log; the rest is not read.
ANSWER_BYTES = 2048


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the status (``None`` without an answer), time taken, error."""

    status: int | None
    duration_ms: int
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST ``body`` to ``url``; never raises for the receiver's faults."""
    started = time.monotonic()
    parts = urlsplit(url)
    host = parts.hostname or ""  # a URL without a host fails to connect, as an outcome
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    status, error = None, ""
    try:
        connection.request("POST", path, body=body, headers=headers)
        remaining = max(timeout - (time.monotonic() - started), 0.01)
        if connection.sock is not None:
            connection.sock.settimeout(remaining)
        response = connection.getresponse()
        status = response.status
        response.read(ANSWER_BYTES)
    except TimeoutError:
        error = f"No answer within {timeout:g} s."
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()
    return Outcome(status=status, duration_ms=int((time.monotonic() - started) * 1000), error=error)
