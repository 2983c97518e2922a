"""ROI pages (filled in by the ROI issue; placeholders until then)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "ROI dashboard"})


@login_required
def recognition(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Recognition"})
