"""Celery tasks of the insights app: one-line wrappers around services."""

from celery import shared_task

from . import services
from .models import Insight


@shared_task(name="insights.tasks.route_insight")
def route_insight(insight_id: int) -> dict:
    insight = Insight.objects.filter(pk=insight_id).first()
    return vars(services.insight_route(insight=insight)) if insight else {}


@shared_task(name="insights.tasks.route_published_insights")
def route_published_insights() -> int:
    return services.insights_route_published()
