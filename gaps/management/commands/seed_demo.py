"""``manage.py seed_demo``: a believable demo organisation and history, safe to run twice.

Each installed app of cxalign may have a ``demo.py`` with a ``seed(stdout)`` function; they run
in ``INSTALLED_APPS`` order (gaps, insights, roi), so later apps build on earlier ones without
this app knowing them.

The demo story is written with the audit log off: it is fixture data, not changes anyone
made, and thousands of entries would bury the real ones (and slow seeding down).
"""

import importlib
import importlib.util

from auditlog.context import disable_auditlog
from django.apps import apps
from django.core.management.base import BaseCommand

PROJECT_APPS = ("gaps", "insights", "reviews", "roi")


class Command(BaseCommand):
    help = "Load the demo organisation, gaps, insights and ROI history (idempotent)."

    def handle(self, *args, **options) -> None:
        with disable_auditlog():
            for app_config in apps.get_app_configs():
                if app_config.name not in PROJECT_APPS:
                    continue
                module_name = f"{app_config.name}.demo"
                if importlib.util.find_spec(module_name) is None:
                    continue
                importlib.import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
