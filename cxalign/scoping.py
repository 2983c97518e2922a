"""The one choke point for reads: every queryset an API view or a page reads is restricted per
user here, as NetBox does (``BaseViewSet.initial`` + ``RestrictedQuerySet.restrict``).

- Every model readable through the API or a page has a queryset with
  ``for_user(user, action="view", *, token=None)`` (``cxalign.querysets.ScopedQuerySet``,
  importable by models without the API's modules; the rules themselves
  are each app's ``permissions.py``). Outside the scope a detail is a 404 and a list omits it.
- Every API view derives from ``ScopedViewMixin`` (``ScopedGenericViewSet``,
  ``ScopedModelViewSet``, ``ScopedAPIView``): ``initial()`` replaces ``self.queryset`` by its
  restriction for the request's user and token, after authentication and the permission
  classes ran, before any handler. A view's ``get_queryset`` starts from
  ``super().get_queryset()`` and only adds what it loads or how it orders.
- Pages look objects up with ``scoped_object_or_404``, list ``restrict(...)`` and offer
  filter choices through ``restrict_choices``.

A token acts as its user's groups intersected with its scopes: the user's groups decide the
queryset (``for_user``), and a token lacking the scope the view needs sees nothing (and the
permission classes answer 403 before that, naming the scope).

Reads are restricted with the ``view`` action, writes too: a gap one may read but not change
is found, and the service refuses the change (403 with the reason); one may not even read is
a 404. ``change`` scopes (what the user may change) serve the pages' choices and bulk forms.
"""

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.views import APIView

from .querysets import VIEW, restrict

__all__ = [
    "ScopedAPIView",
    "ScopedGenericViewSet",
    "ScopedModelViewSet",
    "ScopedViewMixin",
    "request_token",
    "restrict",
    "restrict_choices",
    "scope_needed",
    "scoped_object_or_404",
]


def scoped_object_or_404(
    request: HttpRequest, queryset: models.QuerySet | type[models.Model], **lookup: Any
) -> Any:
    """The page views' ``get_object_or_404``: only among what the signed-in person may read."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    return get_object_or_404(restrict(queryset, request.user), **lookup)


def restrict_choices(form: forms.Form, user: User | AnonymousUser) -> bool:
    """Cut every model choice of ``form`` (filters, pickers) down to what ``user`` may read.

    The choices of a filter are records too: a list page must not show the organisation to
    someone who may not read it. Returns whether every choice stayed whole (callers then
    may use choices cached for everyone, ``gaps.org_choices``).
    """
    whole = True
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if (
            isinstance(field, forms.ModelChoiceField)
            and queryset is not None
            and hasattr(queryset, "for_user")
        ):
            restricted = restrict(queryset, user)
            whole = whole and restricted.query.is_empty() == queryset.query.is_empty()
            field.queryset = restricted
    return whole


def request_token(request: Request | HttpRequest) -> Any:
    """The API token a DRF request authenticated with, if any (else ``None``)."""
    from gaps.models import ApiToken

    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class ScopedViewMixin:
    """Restricts ``self.queryset`` per request in ``initial()``: the API's one choke point.

    A view without a ``queryset`` is a configuration error (``ImproperlyConfigured`` at the
    first request, and ``tests/cxalign/test_scoping_routes.py`` checks every route).
    """

    queryset: Any = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no queryset to restrict.")
        token = request_token(request)
        queryset = restrict(self.queryset, request.user, VIEW, token=token)
        if token is not None:
            needed = scope_needed(request, self)
            if needed is None or not token.allows(needed):
                queryset = queryset.none()
        self.queryset = queryset


def scope_needed(request: Request, view: Any) -> str | None:
    """The token scope ``view`` needs for ``request``'s method (``None``: the view names no
    family, and no token may use it).

    A view names its family in ``token_scope`` (``"gaps"``, ``"insights"``, ``"roi"``) and
    may override the scope of reads with ``token_read_scope`` and of writes with
    ``token_write_scope``. Safe methods need ``<family>:read``, others ``<family>:write``.
    """
    family = getattr(view, "token_scope", None)
    if family is None:
        return None
    if request.method in SAFE_METHODS:
        return getattr(view, "token_read_scope", None) or f"{family}:read"
    return getattr(view, "token_write_scope", None) or f"{family}:write"


class ScopedGenericViewSet(ScopedViewMixin, viewsets.GenericViewSet):
    """The base of every API viewset (add DRF's mixins for the actions it serves)."""


class ScopedModelViewSet(ScopedViewMixin, viewsets.ModelViewSet):
    """``ScopedGenericViewSet`` with every model action."""


class ScopedAPIView(ScopedViewMixin, APIView):
    """The base of the API's plain views (summaries, searches): ``self.queryset`` is what they
    may read from."""
