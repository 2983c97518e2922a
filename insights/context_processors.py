"""Unread feed counts for the navigation badge."""

from django.http import HttpRequest

from gaps import permissions

from .selectors import feed_unread_count


def feed_counts(request: HttpRequest) -> dict:
    """``feed_unread_count`` for role owners (one query); nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not permissions.is_role_owner(user):
        return {}
    return {"feed_unread_count": feed_unread_count(user)}
