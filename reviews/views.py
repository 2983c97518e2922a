"""Pages of change reviews: the queue, a review's draft, assessment, matches and decision.

Thin: forms parse, ``reviews.services`` writes and checks permissions (a refused write is a
403 page, bad input an error beside the field), ``reviews.selectors`` reads, scoped per user.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxalign.requests import acting_user
from gaps.forms import add_service_errors

from . import permissions as review_rules
from . import selectors, services, similarity
from .forms import ChangeReviewForm, DecideForm
from .models import ChangeReview, MatchKind, ReviewStatus

PAGE_SIZE = 50
STATUS_FILTERS = [("", "All"), ("overdue", "Past launch, undecided"), *ReviewStatus.choices]


def _visible(request: HttpRequest, pk: int) -> ChangeReview:
    return get_object_or_404(selectors.reviews_for_user(request.user), pk=pk)


def _may_write(request: HttpRequest, review: ChangeReview | None = None) -> bool:
    return review_rules.may_write_review(request.user, review.role_id if review else None)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The role owner's reviews, or the CX team's queue of every review."""
    status = request.GET.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    reviews = selectors.reviews_filter_status(selectors.review_queue(request.user), status)
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/list.html",
        {
            "page": page,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "queue": review_rules.sees_all_reviews(request.user),
            "may_create": _may_write(request),
        },
    )


def _form_page(request: HttpRequest, review: ChangeReview | None) -> HttpResponse:
    if not _may_write(request, review):
        raise PermissionDenied(_("Only an owner of the review's role may write it."))
    form = ChangeReviewForm(request.POST or None, instance=review, user=acting_user(request))
    if request.method == "POST" and form.is_valid():
        relations = {
            "themes": form.cleaned_data["themes"],
            "touchpoints": form.cleaned_data["touchpoints"],
        }
        try:
            if review is None:
                review = services.review_create(
                    actor=acting_user(request), **relations, **form.service_fields()
                )
            else:
                review = services.review_update(
                    review=review, actor=acting_user(request), **relations, **form.service_fields()
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Assess it to see the gaps it may cause."))
            return redirect(review)
    title = (
        gettext("New change review")
        if review is None
        else gettext("Edit “%(title)s”") % {"title": review.title}
    )
    return render(request, "reviews/form.html", {"form": form, "review": review, "title": title})


@login_required
def review_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, _visible(request, pk))


@login_required
def review_detail(request: HttpRequest, pk: int, decide_form: DecideForm | None = None):
    review = _visible(request, pk)
    matches = list(selectors.review_matches(review))
    gap_matches = [m for m in matches if m.kind == MatchKind.GAP]
    may_write = _may_write(request, review)
    if decide_form is None and review.status == ReviewStatus.ASSESSED and may_write:
        decide_form = DecideForm(gap_matches=gap_matches)
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "matches": matches,
            "rate_window_days": selectors.RATE_WINDOW_DAYS,
            "may_write": may_write,
            "decide_form": decide_form,
            "method_now": similarity.method(),
        },
    )


@login_required
@require_POST
def review_assess(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    try:
        review = services.review_assess(review=review, actor=acting_user(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        count = review.matches.count()
        messages.success(
            request,
            ngettext("Assessed: %(count)d likely gap.", "Assessed: %(count)d likely gaps.", count)
            % {"count": count},
        )
    return redirect(review)


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    gap_matches = [m for m in selectors.review_matches(review) if m.kind == MatchKind.GAP]
    form = DecideForm(request.POST, gap_matches=gap_matches)
    if form.is_valid():
        try:
            review = services.review_decide(
                review=review,
                actor=acting_user(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                prevented=[
                    services.PreventedChoice(match_id=match_id, expected_monthly_occurrences=n)
                    for match_id, n in form.prevented()
                ],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Decided: %(status)s.") % {"status": review.get_status_display().lower()},
            )
            return redirect(review)
    return review_detail(request, pk, decide_form=form)
