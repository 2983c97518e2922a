"""ROI pages: thin views over ``roi.selectors`` (which read rollups, never occurrences)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from cxalign.scoping import scoped_object_or_404
from gaps.models import Gap

from . import board_cache, selectors
from .filtersets import PeriodTeamFilterSet
from .forms import MAX_YEAR, MIN_YEAR, AsOfForm, YearForm
from .freshness import Freshness, ensure_fresh
from .models import MonthlyTeamRollup
from .permissions import can_see_pages


def _check(request: HttpRequest) -> None:
    if not can_see_pages(request.user):
        raise PermissionDenied(_("ROI figures are for executives, the CX team and role owners."))


def _board(
    request: HttpRequest, state: Freshness | None = None
) -> tuple[PeriodTeamFilterSet, selectors.Dashboard]:
    """The filters (errors shown beside their field) and the dashboard they select (in the
    rollups' ``state`` when the caller read it already)."""
    filterset = PeriodTeamFilterSet(request.GET or None, queryset=MonthlyTeamRollup.objects.none())
    chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
    board = selectors.dashboard(
        start=chosen.get("start") and chosen["start"].replace(day=1),
        end=chosen.get("end") and chosen["end"].replace(day=1),
        team=chosen.get("team"),
        state=state,
    )
    if not filterset.is_bound:
        # Show the period the figures cover, not empty month boxes.
        filterset.form.initial = {"start": board.start, "end": board.end}
    return filterset, board


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page around the dashboard's content, which is rendered once per state of the
    figures, language and filters (``roi.board_cache``); the rollups' state is read (and
    the rollup run when due) on every request."""
    _check(request)
    current = selectors.today()
    state = ensure_fresh(today=current)

    def render_content() -> str:
        filterset, board = _board(request, state)
        return render_to_string(
            "roi/_dashboard_content.html",
            {"filterset": filterset, "board": board, "chart_data": board.chart_data()},
            request,
        )

    content = board_cache.content(board_cache.key(request, state, current), render_content)
    return render(request, "roi/dashboard.html", {"content": content})


@login_required
def executive_summary(request: HttpRequest) -> HttpResponse:
    _check(request)
    filterset, board = _board(request)
    return render(request, "roi/executive_summary.html", {"filterset": filterset, "board": board})


@login_required
def recognition(request: HttpRequest) -> HttpResponse:
    _check(request)
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or selectors.today().year
    board = selectors.recognition(year)
    return render(
        request,
        "roi/recognition.html",
        {"form": form, "board": board, "cx_day": selectors.cx_day(year)},
    )


@login_required
def cx_day_current(request: HttpRequest) -> HttpResponse:
    return redirect("roi:cx_day", year=selectors.today().year)


@login_required
def cx_day(request: HttpRequest, year: int) -> HttpResponse:
    _check(request)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404(_("No CX Day that year."))
    return render(
        request,
        "roi/cx_day.html",
        {
            "year": year,
            "cx_day": selectors.cx_day(year),
            "board": selectors.recognition(year),
            "years": [other for other in (year - 1, year + 1) if MIN_YEAR <= other <= MAX_YEAR],
        },
    )


@login_required
def gap_before_after(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request)
    gap = scoped_object_or_404(
        request, Gap.objects.select_related("causing_role", "causing_team"), pk=pk
    )
    form = AsOfForm(request.GET or None)
    as_of = (form.cleaned_data.get("as_of") if form.is_valid() else None) or selectors.today()
    picture = selectors.gap_before_after(gap, as_of)
    return render(
        request,
        "roi/gap.html",
        {"form": form, "picture": picture, "chart_data": picture.chart_data()},
    )


@login_required
def gap_pick(request: HttpRequest) -> HttpResponse:
    """The dashboard's "before/after of gap #…" box."""
    _check(request)
    try:
        pk = int(request.GET.get("gap", ""))
    except ValueError:
        raise Http404(_("Give a gap number.")) from None
    if pk < 1:
        raise Http404(_("Gap numbers start at 1."))
    return redirect("roi:gap", pk=pk)
