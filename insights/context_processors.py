"""Unread feed counts for the navigation (filled in by the insights issue)."""

from django.http import HttpRequest


def feed_counts(request: HttpRequest) -> dict:
    return {}
