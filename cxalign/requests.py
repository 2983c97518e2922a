"""The signed-in user of a request, typed: what views hand to services as the actor.

Django and DRF type ``request.user`` as ``User | AnonymousUser``: the type checker cannot know
that ``login_required`` or the API's authentication let only signed-in users through. Views
say so here, once, instead of casting: an anonymous request that ever reached a write (a route
that lost its guard) is refused as any other forbidden request, never passed on as an actor.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def acting_user(request: HttpRequest | Request) -> User:
    """``request.user`` when signed in; ``PermissionDenied`` (403) otherwise."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
