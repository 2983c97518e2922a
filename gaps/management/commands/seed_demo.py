"""``manage.py seed_demo``: a believable demo organisation and history, safe to run twice.

The story lives in the top-level ``demo`` package (``demo.seed``), apart from the apps it
feeds: the organisation and gaps first, then insights, change reviews and the ROI rollup.

The demo story is written with the audit log off: it is fixture data, not changes anyone
made, and thousands of entries would bury the real ones (and slow seeding down).
"""

from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand

import demo


class Command(BaseCommand):
    help = "Load the demo organisation, gaps, insights and ROI history (idempotent)."

    def handle(self, *args, **options) -> None:
        with disable_auditlog():
            demo.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
