"""The Celery app, wired once as in Celery's "First steps with Django" guide.

Configuration comes from Django settings under the ``CELERY_`` namespace; tasks are
autodiscovered from every installed app's ``tasks.py``. The beat schedule is in code, in
``settings.CELERY_BEAT_SCHEDULE``, one commented crontab per job.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.settings")

app = Celery("cxalign")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
