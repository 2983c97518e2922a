"""Keep the stored vectors in step: a saved gap, insight or review queues its re-embedding.

A derived index, not domain logic, so a ``post_save`` receiver: ``gaps`` and ``insights`` know
nothing of this app, and every path that saves (services, admin, API, CSV import) is covered.
The task goes through ``outbox.enqueue``, so it is sent only once the save commits; a pending
message for the same object is reused, so a burst of saves computes one vector. Rows written in
bulk (no signal) get theirs on the next search (``similarity.vectors_fill_missing``).
"""

from django.conf import settings
from django.db.models.signals import post_save

from gaps.models import Gap
from insights.models import Insight
from outbox.services import enqueue

from . import embeddings
from .models import ChangeReview, EmbeddedKind

EMBED_TASK = "reviews.tasks.embed_text"
KINDS = {Gap: EmbeddedKind.GAP, Insight: EmbeddedKind.INSIGHT, ChangeReview: EmbeddedKind.REVIEW}


def queue_embedding(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or not settings.CXALIGN_EMBED_ON_SAVE or not embeddings.available():
        return  # Fixtures being loaded; switched off; or no model, so nothing to compute.
    kind = KINDS[sender]
    enqueue(EMBED_TASK, args=[kind, instance.pk], dedupe_key=f"embed:{kind}:{instance.pk}")


def connect() -> None:
    for model in KINDS:
        post_save.connect(queue_embedding, sender=model, dispatch_uid=f"reviews-embed-{model}")
