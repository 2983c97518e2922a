"""``Idempotency-Key`` on every POST of the API (``/api/``).

The first request with a key claims it by inserting ``IdempotencyKey`` in a transaction that
also holds the view's work, then stores the answer in it. A retry with the same key and body
gets that answer back (same status and body, header ``Idempotent-Replayed: true``); the same
key with another body is a 409. Concurrent requests with one key serialise on the key's
unique index: the second waits for the first to commit, then replays its answer, so one
object is created. An answer that says nothing about the request itself (401, 403, 429, any
5xx) is not kept: its transaction rolls back and the key can be used again.

A middleware of our own rather than a package: django-idempotency-key lists Django only up to
4.2 and needs django-redis; drf-idempotency is one recent release without a track record yet.
What is needed is one table and one transaction, and holding the view's work in the claim's
transaction is what makes a concurrent duplicate wait and replay instead of failing.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
API_PREFIX = "/api/"
MAX_KEY_LENGTH = 255
# Answers that depend on who asks or how fast, not on the request: never replayed.
NOT_KEPT = frozenset({401, 403, 429})
REPLAYED_HEADER = "Idempotent-Replayed"


def request_owner(request: HttpRequest) -> str | None:
    """Whose key space the request uses: its token's (a digest), or its session user's."""
    words = request.headers.get("Authorization", "").split()
    if len(words) == 2 and words[0].lower() == "token":
        digest = hashlib.sha256(f"idempotency:{words[1]}".encode()).hexdigest()
        return f"token:{digest}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None  # the view answers 401


def request_fingerprint(request: HttpRequest, body: bytes) -> str:
    """Method, path, query and body; a JSON body by its content, not its spacing or key order."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    method = (request.method or "").encode()
    for part in (method, request.get_full_path().encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _replay(record: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        return _error(
            409,
            f"This {HEADER} was already used with a different request; "
            "use a new key for a new request.",
        )
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotencyKeyMiddleware:
    """Replays the first answer to a POST under ``/api/`` sent with an ``Idempotency-Key``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return JsonResponse(
                {HEADER: [f"Give a key of 1 to {MAX_KEY_LENGTH} printable characters."]},
                status=400,
            )
        owner = request_owner(request)
        if owner is None:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return self.get_response(request)  # refused as too large by the API itself
        return self._once(request, owner, key, request_fingerprint(request, body))

    def _once(self, request: HttpRequest, owner: str, key: str, fingerprint: str) -> HttpResponse:
        response = None
        expired = timezone.now() - timedelta(hours=settings.CXALIGN_IDEMPOTENCY_KEEP_HOURS)
        try:
            with transaction.atomic():
                IdempotencyKey.objects.filter(owner=owner, key=key, created_at__lt=expired).delete()
                try:
                    # A savepoint: a concurrent request holding the key makes this insert wait
                    # for its commit, then fail, and the answer it committed is replayed.
                    with transaction.atomic():
                        record = IdempotencyKey.objects.create(
                            owner=owner, key=key, fingerprint=fingerprint
                        )
                except IntegrityError:
                    return _replay(IdempotencyKey.objects.get(owner=owner, key=key), fingerprint)
                response = self.get_response(request)
                if (
                    response.status_code >= 500
                    or response.status_code in NOT_KEPT
                    or response.streaming
                ):
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")[:100]
                record.body = response.content
                record.save(update_fields=["status_code", "content_type", "body"])
        except DatabaseError:
            if response is None:
                raise
            # The view's own answer (a 503 after the connection dropped) stands; nothing of
            # its transaction was kept, so the key is free for the retry.
        return response


def idempotency_keys_purge() -> int:
    """Forget answers older than ``CXALIGN_IDEMPOTENCY_KEEP_HOURS``; how many were deleted."""
    cutoff = timezone.now() - timedelta(hours=settings.CXALIGN_IDEMPOTENCY_KEEP_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
