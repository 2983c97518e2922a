"""The demo story that ``manage.py seed_demo`` loads: data, not domain code.

Each module seeds one part through the apps' real services, in the order the story needs:
the organisation and its gap history (``organisation``, ``gap_history``), insights and feeds
(``insights``, its texts in ``insight_texts``), change reviews (``reviews``), then the ROI
cost models and rollup (``roi``), which counts what the others created. Every part is
idempotent, so seeding twice adds nothing. The apps import nothing from here.
"""

from typing import TextIO

from django.core.management.base import OutputWrapper

from . import insights, organisation, reviews, roi


def seed(stdout: OutputWrapper | TextIO | None = None) -> None:
    """Seed every part in order, each writing its own lines to ``stdout``."""
    organisation.seed(stdout=stdout)
    insights.seed(stdout=stdout)
    reviews.seed(stdout=stdout)
    roi.seed(stdout=stdout)
