"""A real Celery worker on the real Redis runs this project's tasks."""

import pytest

from cxalign.tasks import ping


@pytest.mark.services
def test_real_worker_runs_a_project_task(celery_worker):
    result = ping.delay("hello")
    assert result.get(timeout=60) == "pong:hello"
    # It ran in the worker process, not eagerly here.
    assert result.backend.__class__.__name__ == "RedisBackend"


def test_without_a_broker_tasks_run_eagerly_in_process(settings):
    from cxalign.celery import app

    if not app.conf.task_always_eager:
        pytest.skip("eager mode is switched off in this process")
    assert ping.delay("x").get() == "pong:x"


def test_every_beat_job_names_a_registered_task():
    from django.conf import settings

    from cxalign.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names >= {
        "roi.tasks.rollup_nightly",
        "gaps.tasks.escalate_overdue_gaps",
        "gaps.tasks.send_daily_digests",
        "insights.tasks.route_published_insights",
    }
    assert names <= set(app.tasks)
