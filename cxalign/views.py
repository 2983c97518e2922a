"""The landing page: each person goes where their work is."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from gaps import permissions


def landing_url_name(user) -> str:
    """The page a person starts from: CX team → gaps, role owner → feed, executive → dashboard."""
    if permissions.is_cx_team(user):
        return "gaps:list"
    if permissions.is_role_owner(user):
        return "insights:my_feed"
    if permissions.is_executive(user):
        return "roi:dashboard"
    return "gaps:list"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url_name(request.user))
