"""Gap pages (filled in by the gaps issue; honest placeholders until then)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Gap


@login_required
def gap_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Gaps"})


@login_required
def my_gaps(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Gaps my roles caused"})


@login_required
def gap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gap = get_object_or_404(Gap, pk=pk)
    return render(request, "placeholder.html", {"title": gap.title})
