"""The bell's unread count on every page of a signed-in person (one indexed count)."""

from django.http import HttpRequest

from .selectors import unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user)}
