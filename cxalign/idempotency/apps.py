from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    """Stored first answers of API POSTs sent with an ``Idempotency-Key`` header."""

    name = "cxalign.idempotency"
    label = "idempotency"
    verbose_name = "Idempotent requests"
