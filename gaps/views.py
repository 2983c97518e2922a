"""Gap pages: thin views that parse a form, call ``gaps.services`` and render.

Who sees what: every member of a cxalign group reads gaps (``selectors.gaps_for_user``; others
get 404). Writing is for the CX team, and for role owners on gaps of roles they own; the
services decide and raise ``PermissionDenied`` (403). Executives read only: any POST from them
is a 403 before anything runs.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxalign.requests import acting_user
from cxalign.scoping import restrict_choices

from . import comments, csv_io, permissions, saved_views, selectors, services, transitions
from .bulk import gaps_bulk_apply, gaps_matching
from .filtersets import GapFilterSet
from .forms import (
    CommentForm,
    CsvImportForm,
    GapForm,
    PreventedGapForm,
    RemedyPlanForm,
    TransitionForm,
    add_service_errors,
)
from .list_page import BulkActionForm, dress_filter_form, status_chips
from .models import Gap, GapComment, Role, SavedGapView
from .org_choices import use_cached_choices

PAGE_SIZE = 25
# Skipped gaps of a bulk action named in its message; the count says how many more.
SKIPS_SHOWN = 10
# Filters always in view; the others fold under "More filters".
PRIMARY_FILTERS = ("q", "status", "category", "team", "causing_role", "severity", "overdue")
# Filters offering the organisation's teams, roles, touchpoints and themes (cached choices).
ORGANISATION_FILTERS = ("team", "causing_role", "touchpoint", "theme")
# Sortable columns of the list: (column heading, ordering name of GapFilterSet).
SORTS = (
    ("Title", "title"),
    ("Team", "team"),
    ("Severity", "severity"),
    ("Status", "status"),
    ("Detected", "detected_on"),
    ("Remedy due", "remedy_due_on"),
)


def writers_only(view: Callable) -> Callable:
    """Refuse a POST (403) from anyone who can never change a gap, e.g. executives."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not permissions.may_write_gaps(request.user):
            raise PermissionDenied(_("Read-only access: you cannot change gaps."))
        return view(request, *args, **kwargs)

    return wrapped


def cx_team_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.may_manage_gaps(request.user):
            raise PermissionDenied(_("Only the CX team does this."))
        return view(request, *args, **kwargs)

    return wrapped


def _filtered(
    request: HttpRequest, queryset, *, page: bool = True, roles: QuerySet[Role] | None = None
) -> GapFilterSet:
    """The list's filters; for a ``page``, its form dressed for people (``roles``: an owner's
    list offers only theirs) with the organisation's choices from the cache."""
    filterset = GapFilterSet(request.GET or None, queryset=selectors.with_lateness(queryset))
    if page:
        dress_filter_form(filterset.form, roles=roles)
        if restrict_choices(filterset.form, request.user):
            # An owner's teams and roles are theirs alone (and few): only the shared lists
            # cached.
            shared = ORGANISATION_FILTERS if roles is None else ("touchpoint", "theme")
            use_cached_choices(filterset.form, shared)
    return filterset


def _list_context(
    request: HttpRequest,
    filterset: GapFilterSet,
    *,
    page_name: str,
    rows: Callable[[QuerySet[Gap]], QuerySet[Gap]] | None = None,
) -> dict:
    """The list's context; filters that do not validate show their errors and no gaps at all
    (a list that ignored them would look like their answer). ``rows`` narrows what the
    page's gaps are loaded with (default: the list's queryset as it is)."""
    invalid = filterset.is_bound and not filterset.is_valid()
    if invalid:
        gaps = filterset.queryset.none()
    else:
        gaps = filterset.qs if filterset.is_bound else filterset.queryset
    status_counts = {} if invalid else selectors.gap_status_counts(gaps)
    total = sum(status_counts.values())
    page = selectors.gap_page(
        gaps,
        PAGE_SIZE,
        request.GET.get("page"),
        rows=rows(filterset.queryset) if rows else filterset.queryset,
        total=total,
    )
    current = request.GET.get("ordering", "")
    sorts = [
        (label, name, "-" + name if current == name else name, current.lstrip("-") == name)
        for label, name in SORTS
    ]
    return {
        "filterset": filterset,
        "filters_invalid": invalid,
        "page": page,
        "status_counts": status_counts,
        "status_chips": status_chips(status_counts),
        "sorts": sorts,
        "ordering": current,
        "primary_filters": PRIMARY_FILTERS,
        "page_name": page_name,
        "saved_views": saved_views.saved_views_of(request.user, page_name),
        "preset_views": saved_views.preset_views(request.user),
        "view_query": saved_views.view_query(request.GET),
    }


def _render_list(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The whole page, or (for htmx: filters, sorting, paging, quick moves) the list's region."""
    status = 400 if context["filters_invalid"] else 200
    if request.htmx:  # type: ignore[attr-defined]  # set by django-htmx's middleware
        return render(request, "gaps/_list_region.html", context, status=status)
    return render(request, template, context, status=status)


@login_required
def gap_list(request: HttpRequest) -> HttpResponse:
    """Every gap the person may see, filtered, sorted and paged."""
    filterset = _filtered(request, selectors.gaps_for_user(request.user))
    context = _list_context(
        request, filterset, page_name=SavedGapView.Page.ALL, rows=selectors.list_rows
    )
    context["can_log"] = permissions.may_manage_gaps(request.user)
    if context["can_log"]:
        context["bulk_form"] = BulkActionForm(gaps=Gap.objects.none(), auto_id="bulk_%s")
        use_cached_choices(context["bulk_form"], ("causing_role", "theme"))
    return _render_list(request, "gaps/list.html", context)


@login_required
def gap_export(request: HttpRequest) -> StreamingHttpResponse | HttpResponseBadRequest:
    """The list as CSV, with the same filters (and the import's columns); ``mine=1``: my roles'."""
    mine = request.GET.get("mine") == "1"
    scope = selectors.gaps_caused_by_roles_of if mine else selectors.gaps_for_user
    filterset = _filtered(request, scope(request.user), page=False)
    if filterset.is_bound and not filterset.is_valid():
        # An export the filters do not describe would be worse than none: say what is wrong.
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()
        )
        return HttpResponseBadRequest(
            gettext("Invalid filters: %(problems)s") % {"problems": problems},
            content_type="text/plain",
        )
    gaps = filterset.qs
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        csv_io.gaps_export_lines(gaps), content_type=csv_io.CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="gaps-{stamp}.csv"'
    return response


@login_required
def my_gaps(request: HttpRequest) -> HttpResponse:
    """Gaps my roles caused: the role owner's worklist, with the moves they may make inline."""
    # Only the teams and roles this list can hold, not the whole organisation's.
    filterset = _filtered(
        request,
        selectors.gaps_caused_by_roles_of(request.user),
        roles=Role.objects.filter(pk__in=permissions.owned_role_ids(request.user)),
    )
    context = _list_context(request, filterset, page_name=SavedGapView.Page.MINE)
    for gap in context["page"]:
        gap.quick_moves = [
            move
            for move in transitions.moves_for(request.user, gap)
            if not (move.needs_note or move.needs_root_cause)
        ]
    context["can_prevent"] = permissions.may_write_gaps(request.user)
    return _render_list(request, "gaps/mine.html", context)


@require_POST
@login_required
@cx_team_only
def gap_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked gaps (CX team), each through the one-gap services."""
    form = BulkActionForm(request.POST, gaps=selectors.gaps_for_user(request.user))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("gaps:list")
    if not form.is_valid():
        problems = [f"{error}" for errors in form.errors.values() for error in errors]
        messages.error(request, gettext("Nothing changed: %(why)s") % {"why": " ".join(problems)})
        return redirect(next_url)
    data = form.cleaned_data
    gaps = data["gaps"]
    if data["scope"] == "all":
        try:
            gaps = gaps_matching(actor=request.user, query=data["query"], expected=data["expected"])
        except ValidationError as error:
            why = " ".join(error.messages)
            messages.error(request, gettext("Nothing changed: %(why)s") % {"why": why})
            return redirect(next_url)
    result = gaps_bulk_apply(
        gaps=gaps,
        actor=request.user,
        action=data["action"],
        role=data["causing_role"],
        theme=data["theme"],
        note=data["note"],
    )
    if result.changed:
        changed = len(result.changed)
        messages.success(
            request,
            ngettext("%(n)d gap changed.", "%(n)d gaps changed.", changed) % {"n": changed},
        )
    if result.refused:
        skipped = len(result.refused)
        reasons = [f"{title}: {reason}" for title, reason in result.refused.items()]
        more = (
            " " + gettext("… and %(count)s more.") % {"count": skipped - SKIPS_SHOWN}
            if skipped > SKIPS_SHOWN
            else ""
        )
        messages.error(
            request,
            ngettext("%(n)d gap skipped: ", "%(n)d gaps skipped: ", skipped) % {"n": skipped}
            + "; ".join(reasons[:SKIPS_SHOWN])
            + more,
        )
    return redirect(next_url)


@require_POST
@login_required
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name, for this person only."""
    page = request.POST.get("page_name", SavedGapView.Page.ALL)
    if page not in SavedGapView.Page.values:
        page = SavedGapView.Page.ALL
    query = request.POST.get("query", "")
    try:
        saved_views.saved_view_save(
            user=request.user, page=page, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as error:
        messages.error(request, "View not saved: " + " ".join(error.messages))
    else:
        messages.success(request, _("View saved."))
    target = reverse("gaps:mine" if page == SavedGapView.Page.MINE else "gaps:list")
    return redirect(f"{target}?{query}" if query else target)


@require_POST
@login_required
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedGapView, pk=pk, user=request.user)
    saved_views.saved_view_delete(user=request.user, pk=view.pk)
    messages.success(request, gettext("View “%(name)s” removed.") % {"name": view.name})
    return redirect("gaps:mine" if view.page == SavedGapView.Page.MINE else "gaps:list")


def _visible_gap(request: HttpRequest, pk: int) -> Gap:
    return get_object_or_404(selectors.with_lateness(selectors.gaps_for_user(request.user)), pk=pk)


def _changeable_gap(request: HttpRequest, pk: int) -> Gap:
    """A visible gap the person may change, or 403 before their input is even looked at."""
    gap = _visible_gap(request, pk)
    permissions.check_may_change_gap(request.user, gap)
    return gap


def _occurrence_chart(gap: Gap) -> dict:
    """Weekly counts for the chart, and the average per week before and after the close."""
    series = selectors.occurrence_weekly_counts(gap)
    closed_week = None
    if gap.closed_at is not None:
        closed_day = timezone.localtime(gap.closed_at).date()
        closed_week = closed_day - timedelta(days=closed_day.weekday())
    before = [n for week, n in series if closed_week is None or week < closed_week][-12:]
    after = [n for week, n in series if closed_week is not None and week > closed_week]
    return {
        "labels": [week.isoformat() for week, _n in series],
        "counts": [n for _week, n in series],
        "closed_week": closed_week.isoformat() if closed_week else None,
        "total": sum(n for _week, n in series),
        "before_avg": round(sum(before) / len(before), 1) if before else None,
        "after_avg": round(sum(after) / len(after), 1) if after else None,
        "rows": series,
        # The chart script's words, in the interface language.
        "text": {"per_week": gettext("Occurrences per week"), "closed": gettext("closed")},
    }


def _shown(value) -> str:
    """A history value as people read it: lists joined, nothing as a dash."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return "—" if value in (None, "") else str(value)


def _timeline(gap: Gap) -> list:
    """The gap's history, each field change ready to print as (field, old, new)."""
    events = list(selectors.gap_history(gap))
    for event in events:
        event.change_rows = [  # type: ignore[attr-defined]  # for the template
            (name.replace("_", " "), _shown(old), _shown(new))
            for name, (old, new) in event.changes.items()
        ]
    return events


def _conversation(user, gap: Gap) -> list[GapComment]:
    """The gap's comments, each knowing whether the person may still edit it."""
    now = timezone.now()
    found = list(comments.comments_of(gap))
    for comment in found:
        comment.can_edit = comments.may_edit(  # type: ignore[attr-defined]  # for the template
            user, comment, now=now
        )
    return found


def _detail_context(
    request: HttpRequest,
    gap: Gap,
    *,
    failed: TransitionForm | None = None,
    remedy_form: RemedyPlanForm | None = None,
    comment_form: CommentForm | None = None,
) -> dict:
    user = request.user
    forms = []
    for move in transitions.moves_for(user, gap):
        if failed is not None and failed.move == move:
            forms.append(failed)
        else:
            forms.append(TransitionForm(move=move, auto_id=f"id_{move.target}_%s"))
    can_plan = permissions.may_change_gap(user, gap)
    if can_plan and remedy_form is None and gap.status != Gap.Status.ARCHIVED:
        remedy_form = RemedyPlanForm(gap=gap, initial=RemedyPlanForm.initial_for(gap))
    return {
        "gap": gap,
        "events": _timeline(gap),
        "chart": _occurrence_chart(gap),
        "move_forms": forms,
        "remedy_form": remedy_form if can_plan else None,
        "can_edit": permissions.may_manage_gaps(user) and gap.status != Gap.Status.ARCHIVED,
        "today": timezone.localdate(),
        "comments": _conversation(user, gap),
        "comment_form": (comment_form or CommentForm()) if comments.may_comment(user) else None,
    }


@login_required
def gap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gap = _visible_gap(request, pk)
    return render(request, "gaps/detail.html", _detail_context(request, gap))


def _moved(
    request: HttpRequest,
    pk: int,
    notice: str,
    *,
    level: str = "success",
    status: int = 200,
    **forms,
) -> HttpResponse:
    """The parts of the gap page a move or a remedy change redraws in place (htmx): the side
    with its forms (errors beside their fields), and the head and history out of band. The
    notice stands in for the flash message, which would otherwise wait for the next page."""
    gap = _visible_gap(request, pk)  # afresh: the status, dates and history just written
    context = _detail_context(request, gap, **forms)
    context.update(notice=notice, notice_level=level)
    return render(request, "gaps/_gap_moved.html", context, status=status)


@require_POST
@login_required
@writers_only
def gap_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one status move; errors show beside the move's fields, never as a 500.

    From the gap page with htmx the page is redrawn in place (``_moved``); a list's one-click
    move (``next``) and a page without JavaScript get the redirect (or the page with errors).
    """
    gap = _changeable_gap(request, pk)
    target = request.POST.get("to", "")
    next_url = request.POST.get("next", "")
    in_place = request.htmx and not next_url  # type: ignore[attr-defined]  # django-htmx
    move = transitions.find_move(gap.status, target)
    form = TransitionForm(request.POST, move=move, auto_id=f"id_{target}_%s")
    if move is None or not form.is_valid():
        problem = ""
        if move is None:
            label = Gap.Status(target).label.lower() if target in Gap.Status.values else target
            problem = gettext("A gap that is %(status)s cannot be moved to %(target)s.") % {
                "status": gap.get_status_display().lower(),
                "target": label,
            }
            if not in_place:
                messages.error(request, problem)
        failed = form if move else None
        if in_place:
            return _moved(request, pk, problem, level="error", status=400, failed=failed)
        context = _detail_context(request, gap, failed=failed)
        return render(request, "gaps/detail.html", context, status=400)
    try:
        services.gap_transition(gap=gap, actor=acting_user(request), **form.service_arguments())
    except ValidationError as error:
        add_service_errors(form, error)
        if in_place:
            return _moved(request, pk, "", status=400, failed=form)
        context = _detail_context(request, gap, failed=form)
        return render(request, "gaps/detail.html", context, status=400)
    done = gettext("%(move)s: the gap is now %(status)s.") % {
        "move": move.label,
        "status": Gap.Status(target).label.lower(),
    }
    if in_place:
        return _moved(request, pk, done)
    messages.success(request, done)
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(gap)


@require_POST
@login_required
@writers_only
def gap_remedy(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the remedy plan (owner, due date, progress); in place with htmx, as moves are."""
    gap = _changeable_gap(request, pk)
    form = RemedyPlanForm(request.POST, gap=gap)
    if form.is_valid():
        try:
            services.gap_update(gap=gap, actor=acting_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]  # set by django-htmx
                return _moved(request, pk, _("Remedy plan saved."))
            messages.success(request, _("Remedy plan saved."))
            return redirect(gap)
    if request.htmx:  # type: ignore[attr-defined]  # set by django-htmx
        return _moved(request, pk, "", status=400, remedy_form=form)
    context = _detail_context(request, gap, remedy_form=form)
    return render(request, "gaps/detail.html", context, status=400)


def _gap_form_page(
    request: HttpRequest,
    form: GapForm,
    write: Callable[[], Gap],
    *,
    success: str,
    context: dict,
) -> HttpResponse:
    """Run ``write`` for a valid POSTed gap form; else show the form, errors beside fields."""
    if request.method == "POST" and form.is_valid():
        try:
            gap = write()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(gap)
    status = 400 if request.method == "POST" else 200
    return render(request, "gaps/form.html", {"form": form, **context}, status=status)


@login_required
@cx_team_only
def gap_create(request: HttpRequest) -> HttpResponse:
    """Log a gap (CX team)."""
    form = GapForm(request.POST or None)

    def write() -> Gap:
        fields = form.service_fields()
        return services.gap_create(
            actor=acting_user(request), themes=form.cleaned_data["themes"], **fields
        )

    return _gap_form_page(
        request,
        form,
        write,
        success=gettext("Gap logged."),
        context={"title": gettext("Log a gap")},
    )


@login_required
@cx_team_only
def gap_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a gap (CX team); the history records each changed field."""
    gap = _visible_gap(request, pk)
    form = GapForm(request.POST or None, initial=GapForm.initial_for(gap))

    def write() -> Gap:
        themes = form.cleaned_data["themes"]
        return services.gap_update(
            gap=gap, actor=acting_user(request), themes=themes, **form.service_fields()
        )

    context = {"gap": gap, "title": gettext("Edit: %(title)s") % {"title": gap.title}}
    return _gap_form_page(request, form, write, success=gettext("Gap saved."), context=context)


@login_required
def gap_prevent(request: HttpRequest) -> HttpResponse:
    """Log a gap a role caught before it reached customers (role owner, or CX team)."""
    if not permissions.may_write_gaps(request.user):
        raise PermissionDenied(_("Read-only access: you cannot log gaps."))
    form = PreventedGapForm(request.POST or None, user=acting_user(request))

    def write() -> Gap:
        return services.gap_create(
            actor=acting_user(request),
            status=Gap.Status.PREVENTED,
            prevented_on=form.cleaned_data.get("prevented_on"),
            themes=form.cleaned_data["themes"],
            **form.service_fields(),
        )

    return _gap_form_page(
        request,
        form,
        write,
        success=gettext("Prevented gap logged. Well caught."),
        context={"title": gettext("Log a prevented gap"), "prevented": True},
    )


@login_required
@cx_team_only
def gap_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of gaps: every row checked first, then all written or none."""
    form = CsvImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result = csv_io.gaps_import(actor=acting_user(request), text=form.cleaned_data["file"])
            if result.ok:
                created = len(result.created)
                messages.success(
                    request,
                    ngettext(
                        "Imported %(n)d gap: it is first in the list below.",
                        "Imported %(n)d gaps: they are first in the list below, newest first.",
                        created,
                    )
                    % {"n": created},
                )
                # What the import created, at the top of the list.
                return redirect(reverse("gaps:list") + "?ordering=-created_at")
    context = {"form": form, "result": result, "columns": csv_io.COLUMNS}
    return render(request, "gaps/import.html", context, status=status)


@login_required
def gap_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(csv_io.template_text(), content_type=csv_io.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="gaps-template.csv"'
    return response


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_POST
@login_required
def gap_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on a gap. With htmx: the new comment and a fresh form (out of band), no reload;
    otherwise back to the gap (or the page again with the error beside the field, 400)."""
    gap = _visible_gap(request, pk)
    if not comments.may_comment(request.user):
        raise PermissionDenied(_("Read-only access: you cannot comment on gaps."))
    form = CommentForm(request.POST)
    comment = None
    if form.is_valid():
        try:
            comment = comments.comment_create(
                gap=gap, author=acting_user(request), body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if _is_htmx(request):
        context = {
            "gap": gap,
            "oob": True,
            "comment_form": form if comment is None else CommentForm(),
        }
        if comment is not None:
            comment = comments.comments_of(gap).get(pk=comment.pk)
            comment.can_edit = True  # type: ignore[attr-defined]  # for the template
            context["comment"] = comment
        return render(request, "gaps/_comment_posted.html", context)
    if comment is None:
        context = _detail_context(request, gap, comment_form=form)
        return render(request, "gaps/detail.html", context, status=400)
    return redirect(comment.get_absolute_url())


@login_required
def gap_comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """Correct one's own comment within the edit window (otherwise 403)."""
    gap = _visible_gap(request, pk)
    comment = get_object_or_404(gap.comments.select_related("author"), pk=comment_pk)
    if not comments.may_edit(request.user, comment):
        raise PermissionDenied(_("Only its author may edit a comment, and only for a short while."))
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comments.comment_edit(
                comment=comment, actor=acting_user(request), body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(comment.get_absolute_url())
    context = {"form": form, "comment": comment, "editable_until": comments.editable_until(comment)}
    status = 400 if request.method == "POST" else 200
    return render(request, "gaps/comment_edit.html", context, status=status)
