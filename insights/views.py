"""Insight and feed pages (filled in by the insights issue; placeholders until then)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gaps.permissions import owned_role_ids


@login_required
def insight_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Insights"})


@login_required
def my_feed(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "My feed"})


@login_required
def feed(request: HttpRequest, role_id: int) -> HttpResponse:
    if role_id not in owned_role_ids(request.user):
        raise Http404("No feed of yours has this id.")
    return render(request, "placeholder.html", {"title": "Feed"})
