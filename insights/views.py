"""Insight, routing rule and feed pages: thin views over selectors, forms and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxalign.requests import acting_user
from cxalign.scoping import restrict_choices
from gaps import permissions
from gaps import selectors as gap_selectors

from . import permissions as insight_rules
from . import routing, selectors, services, tailoring
from .filtersets import FeedItemFilterSet, InsightFilterSet
from .forms import FeedStateForm, InsightForm, RoutingRuleForm

PAGE_SIZE = 25


def _page(request: HttpRequest, filterset):
    """The filtered list's page, its rows loaded through the unfiltered queryset by id."""
    return selectors.insights_page(
        filterset.qs, PAGE_SIZE, request.GET.get("page"), rows=filterset.queryset
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may read this, but not change it."))


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors beside the fields they name (others above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Insights ---------------------------------------------------------------------------------


@login_required
def insight_list(request: HttpRequest) -> HttpResponse:
    insights = selectors.insights_for_user(request.user)
    filterset = InsightFilterSet(request.GET, queryset=insights)
    restrict_choices(filterset.form, request.user)
    page = _page(request, filterset)
    return render(
        request,
        "insights/insight_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": _query_without_page(request),
            "can_write": insight_rules.can_write_insights(request.user),
            "can_view_rules": insight_rules.can_view_rules(request.user),
        },
    )


@login_required
def insight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    insight = get_object_or_404(selectors.insights_for_user(request.user), pk=pk)
    can_write = insight_rules.can_write_insights(request.user)
    reach = None
    if insight_rules.can_read_all_insights(request.user):
        reach = insight.feed_items.select_related("role__team").order_by(
            "-relevance", "role__team__name"
        )
    return render(
        request,
        "insights/insight_detail.html",
        {
            "insight": insight,
            "can_write": can_write,
            "previews": tailoring.preview(insight),
            "reach": reach,
        },
    )


def _insight_form_page(request: HttpRequest, insight=None) -> HttpResponse:
    _require(insight_rules.can_write_insights(request.user))
    form = InsightForm(request.POST or None, instance=insight)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if insight is None:
                insight = services.insight_create(actor=acting_user(request), **data)
                messages.success(request, _("Draft saved. Preview it below, then publish."))
            else:
                services.insight_update(insight=insight, actor=acting_user(request), **data)
                messages.success(request, _("Insight saved."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(insight)
    return render(request, "insights/insight_form.html", {"form": form, "insight": insight})


@login_required
def insight_create(request: HttpRequest) -> HttpResponse:
    return _insight_form_page(request)


@login_required
def insight_edit(request: HttpRequest, pk: int) -> HttpResponse:
    insight = get_object_or_404(selectors.insights_for_user(request.user), pk=pk)
    return _insight_form_page(request, insight)


@login_required
@require_POST
def insight_publish(request: HttpRequest, pk: int) -> HttpResponse:
    insight = get_object_or_404(selectors.insights_for_user(request.user), pk=pk)
    try:
        services.insight_publish(insight=insight, actor=acting_user(request))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(
                    request,
                    gettext("Cannot publish: %(field)s: %(error)s")
                    % {"field": field, "error": error},
                )
    else:
        messages.success(request, _("Published: it is being routed to the feeds now."))
    return redirect(insight)


@login_required
@require_POST
def insight_archive(request: HttpRequest, pk: int) -> HttpResponse:
    insight = get_object_or_404(selectors.insights_for_user(request.user), pk=pk)
    services.insight_archive(insight=insight, actor=acting_user(request))
    messages.success(request, _("Archived: it has left every feed."))
    return redirect(insight)


# --- Routing rules ----------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require(insight_rules.can_view_rules(request.user))
    return render(
        request,
        "insights/rule_list.html",
        {
            "rules": selectors.rules_for_user(request.user),
            "can_manage": insight_rules.can_manage_rules(request.user),
        },
    )


def _reach_preview(form: RoutingRuleForm) -> dict:
    """Which roles the rule in the form would reach, and which published insights match now."""
    spec = routing.RuleSpec.from_data(form.cleaned_data)
    insight_count, insights = routing.matching_insights(spec)
    return {
        "roles": spec.targets(routing.all_roles()),
        "insight_count": insight_count,
        "insights": insights,
    }


def _rule_form_page(request: HttpRequest, rule=None) -> HttpResponse:
    _require(insight_rules.can_manage_rules(request.user))
    form = RoutingRuleForm(request.POST or None, instance=rule)
    reach = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            reach = _reach_preview(form)
        else:
            data = dict(form.cleaned_data)
            try:
                if rule is None:
                    rule = services.routing_rule_create(actor=acting_user(request), **data)
                else:
                    services.routing_rule_update(rule=rule, actor=acting_user(request), **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Rule “%(name)s” saved; feeds are being updated.")
                    % {"name": rule.name},
                )
                return redirect("insights:rules")
    return render(request, "insights/rule_form.html", {"form": form, "rule": rule, "reach": reach})


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form_page(request)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(selectors.rules_for_user(request.user), pk=pk)
    return _rule_form_page(request, rule)


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(selectors.rules_for_user(request.user), pk=pk)
    services.routing_rule_delete(rule=rule, actor=acting_user(request))
    messages.success(request, gettext("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("insights:rules")


# --- Feeds ------------------------------------------------------------------------------------


def _feed_page(request: HttpRequest, role_id: int | None) -> HttpResponse:
    """A feed: one owned role's, or (``role_id=None``) every owned role's in one list, with a
    switcher between them; the teams' open gaps shown once at the top, not on every card."""
    roles = list(selectors.owned_roles_with_unread(request.user))
    role = next((r for r in roles if r.pk == role_id), None)
    items = selectors.feed_items_for_user(request.user, role_id=role_id)
    filterset = FeedItemFilterSet(request.GET, queryset=items)
    shown_roles = [role] if role is not None else roles
    return render(
        request,
        "insights/feed.html",
        {
            "role": role,
            "roles": roles,
            "filter": filterset,
            "page": _page(request, filterset),
            "query": _query_without_page(request),
            "escalations": list(gap_selectors.escalations_to(request.user, role_id=role_id)[:10]),
            "team_gaps": selectors.open_gaps_of_teams({r.team_id for r in shown_roles}),
            "teams": sorted({r.team.name for r in shown_roles}),
            "can_act": insight_rules.can_work_feeds(request.user),
        },
    )


@login_required
def my_feed(request: HttpRequest) -> HttpResponse:
    """Every role the person owns, in one feed (a role switcher narrows it to one)."""
    return _feed_page(request, None)


@login_required
def feed(request: HttpRequest, role_id: int) -> HttpResponse:
    if role_id not in permissions.owned_role_ids(request.user):
        raise Http404(_("No feed of yours has this id."))
    return _feed_page(request, role_id)


@login_required
@require_POST
def feed_item_state(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.feed_items_for_user(request.user), pk=pk)
    _require(insight_rules.can_work_feeds(request.user))
    form = FeedStateForm(request.POST)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("insights:feed", args=[item.role_id])
    if not form.is_valid():
        messages.error(request, _("Pick a state for the item."))
        return redirect(back)
    try:
        services.feed_item_set_state(
            item=item,
            state=form.cleaned_data["state"],
            actor=acting_user(request),
            dismissal_reason=form.cleaned_data["dismissal_reason"],
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, f"“{item.insight.title}”: {error}")
    else:
        messages.success(
            request,
            gettext("“%(title)s” is now %(state)s.")
            % {"title": item.insight.title, "state": item.get_state_display()},
        )
    return redirect(f"{back}#item-{item.pk}")
