"""Overdue change reviews for the role owner's feed page (``insights/feed.html``)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from gaps import permissions

from .selectors import overdue_reviews_of


def overdue_reviews(request: HttpRequest) -> dict:
    """``overdue_reviews``: read only by a page that shows it (lazy: no query elsewhere)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not permissions.is_role_owner(user):
        return {}
    return {"overdue_reviews": SimpleLazyObject(lambda: list(overdue_reviews_of(user)[:10]))}
