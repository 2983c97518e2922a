"""The base of every scoped queryset, apart from the views (models import it while the apps
load, before DRF's modules may be imported). See ``cxalign.scoping`` for the whole layer."""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.db import models

VIEW = "view"
CHANGE = "change"
ACTIONS = (VIEW, CHANGE)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows what each user may read (``view``) or change (``change``)."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        raise NotImplementedError(f"{type(self).__name__} must say who sees what.")

    def _checked(self, action: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}: one of {', '.join(ACTIONS)}.")


def restrict(
    queryset: models.QuerySet, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
) -> models.QuerySet:
    """``queryset`` cut down to what ``user`` (through ``token``, if any) may ``action``."""
    for_user = getattr(queryset, "for_user", None)
    if for_user is None:
        raise ImproperlyConfigured(
            f"{queryset.model.__name__}'s queryset has no for_user(): every model read "
            "through the API or a page says who may read it (cxalign.scoping)."
        )
    return for_user(user, action, token=token)
