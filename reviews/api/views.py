"""The change-review API (``/api/v1/change-reviews/``) and ``/api/v1/gaps/similar/``.

Thin: parse, call ``reviews.services`` / ``reviews.selectors``, answer. The queryset is scoped
per user (outside it: 404); who may write is the services' rule (403); a decided review is a
409; bad input a JSON 400 naming the field.
"""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxalign.requests import acting_user
from cxalign.scoping import ScopedAPIView, ScopedGenericViewSet
from gaps.api.exceptions import Conflict
from gaps.api.pagination import StandardPagination
from gaps.api.permissions import TokenScopePermission
from gaps.models import Gap, Theme

from .. import selectors, services, similarity
from ..models import ChangeReview
from .serializers import (
    ChangeReviewSerializer,
    DecideSerializer,
    ReviewMatchSerializer,
    SimilarGapsAnswerSerializer,
    TextQuerySerializer,
    ThemeSuggestionSerializer,
)


def _split(validated: dict) -> tuple[dict, dict]:
    fields = dict(validated)
    relations = {name: fields.pop(name) for name in ("themes", "touchpoints") if name in fields}
    return fields, relations


class ChangeReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Change reviews: a role owner drafts, assesses and decides; the CX team sees them all."""

    queryset = ChangeReview.objects.all()
    serializer_class = ChangeReviewSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.
    pagination_class = StandardPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[ChangeReview]:
        return selectors.queue_order(super().get_queryset())

    def _answer(self, review: ChangeReview, *, code: int = status.HTTP_200_OK) -> Response:
        review = self.get_queryset().get(pk=review.pk)
        return Response(ChangeReviewSerializer(review).data, status=code)

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields, relations = _split(body.validated_data)
        review = services.review_create(actor=acting_user(request), **relations, **fields)
        return self._answer(review, code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        review = self.get_object()
        body = self.get_serializer(review, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields, relations = _split(body.validated_data)
        try:
            review = services.review_update(
                review=review, actor=acting_user(request), **relations, **fields
            )
        except services.ReviewConflict as exc:
            raise Conflict(exc.message_dict) from exc
        return self._answer(review)

    @extend_schema(summary="Match the review against insights and past gaps", request=None)
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        try:
            review = services.review_assess(review=review, actor=acting_user(request))
        except services.ReviewConflict as exc:
            raise Conflict(exc.message_dict) from exc
        return self._answer(review)

    @extend_schema(
        summary="The review's matches, best first", responses=ReviewMatchSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def matches(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        matches = selectors.review_matches(review)
        return Response(ReviewMatchSerializer(matches, many=True).data)

    @extend_schema(
        summary="Decide: adjusted, proceeded or withdrawn",
        request=DecideSerializer,
        responses={200: ChangeReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            review = services.review_decide(
                review=review,
                actor=acting_user(request),
                outcome=data["outcome"],
                note=data["note"],
                prevented=[
                    services.PreventedChoice(
                        match_id=item["match"],
                        expected_monthly_occurrences=item.get("expected_monthly_occurrences"),
                    )
                    for item in data["prevented"]
                ],
            )
        except services.ReviewConflict as exc:
            raise Conflict(exc.message_dict) from exc
        return self._answer(review)


TEXT = OpenApiParameter("text", OpenApiTypes.STR, required=True, description="The text to match.")


class SimilarGapsView(ScopedAPIView):
    """Existing gaps closest in meaning to ``?text=``: a duplicate caught before it is logged."""

    queryset = Gap.objects.all()
    permission_classes = [IsAuthenticated, TokenScopePermission]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.

    @extend_schema(
        summary="Gaps closest in meaning to a text",
        parameters=[TEXT],
        responses=SimilarGapsAnswerSerializer,
    )
    def get(self, request: Request) -> Response:
        query = TextQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.similar_gaps(self.queryset, query.validated_data["text"])
        answer = {"method": similarity.method(), "results": found}
        return Response(SimilarGapsAnswerSerializer(answer).data)


class ThemeSuggestionsView(ScopedAPIView):
    """Themes for a new gap or insight, from its nearest neighbours' themes."""

    queryset = Theme.objects.all()
    permission_classes = [IsAuthenticated, TokenScopePermission]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.

    @extend_schema(
        summary="Themes suggested for a text",
        parameters=[TEXT],
        responses=ThemeSuggestionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = TextQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        themes = selectors.suggested_themes(self.queryset, query.validated_data["text"])
        return Response(ThemeSuggestionSerializer(themes, many=True).data)
