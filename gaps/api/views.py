"""The gaps API (``/api/v1/``): organisation, gaps with their moves and history, occurrences.

Thin on purpose: parse with a serializer, call the service, answer with the read serializer.
Every permission the browser applies applies here, through the same services; querysets are
scoped per user (outside the scope: 404), forbidden writes are 403, bad input is a JSON 400.
"""

import dataclasses
import uuid
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxalign.scoping import ScopedGenericViewSet, ScopedModelViewSet
from gaps import comments, org_services, selectors, services
from gaps.filtersets import GapApiFilterSet, OccurrenceFilterSet
from gaps.models import Gap, Occurrence, Role, Team, Theme, Touchpoint
from gaps.occurrences import occurrences_record

from .fields import read_page_values
from .filters import StrictFilterBackend
from .pagination import (
    DeferredJoinPagination,
    GapHistoryPagination,
    OccurrenceCursorPagination,
    StandardPagination,
)
from .permissions import (
    CommentPermission,
    GapWritePermission,
    OccurrenceWritePermission,
    ReadOnlyUnlessCxTeam,
    TokenScopePermission,
)
from .serializers import (
    OCCURRENCE_BATCH_LIMIT,
    BulkResultSerializer,
    GapCommentInputSerializer,
    GapCommentSerializer,
    GapCreateSerializer,
    GapEventSerializer,
    GapSerializer,
    GapTransitionSerializer,
    GapUpdateSerializer,
    OccurrenceBatchError,
    OccurrenceInputSerializer,
    OccurrenceSerializer,
    RoleSerializer,
    TeamSerializer,
    ThemeSerializer,
    TouchpointSerializer,
    occurrence_inputs,
)

# Organisation records are never deleted through the API: gaps point at them, and removing a
# theme would change gaps without a line in their history. The admin can, with care.
NO_DELETE = ["get", "post", "patch", "head", "options"]


class OrganisationViewSet(ScopedModelViewSet):
    """Members read (``gaps.permissions.may_view_organisation``); the CX team creates and
    edits, through ``gaps.org_services`` (history, invariants); nobody deletes."""

    permission_classes = [IsAuthenticated, TokenScopePermission, ReadOnlyUnlessCxTeam]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.
    pagination_class = StandardPagination
    filter_backends = [StrictFilterBackend]
    http_method_names = NO_DELETE
    lookup_value_regex = "[0-9]+"

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        name = self.queryset.model._meta.model_name
        create = getattr(org_services, f"{name}_create")
        serializer.instance = create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        name = self.queryset.model._meta.model_name
        update = getattr(org_services, f"{name}_update")
        record = serializer.instance
        serializer.instance = update(
            **{name: record}, actor=self.request.user, **serializer.validated_data
        )


class TeamViewSet(OrganisationViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_fields = ["customer_facing", "slug"]


class RoleViewSet(OrganisationViewSet):
    queryset = Role.objects.select_related("team").prefetch_related("owners")
    serializer_class = RoleSerializer
    filterset_fields = ["team", "level"]


class TouchpointViewSet(OrganisationViewSet):
    queryset = Touchpoint.objects.all()
    serializer_class = TouchpointSerializer
    filterset_fields = ["team", "channel"]


class ThemeViewSet(OrganisationViewSet):
    queryset = Theme.objects.all()
    serializer_class = ThemeSerializer
    filterset_fields = ["slug"]


def _service_fields(validated: dict[str, Any]) -> tuple[dict[str, Any], list | None]:
    """Split a validated gap body into the service's keyword arguments and its themes."""
    fields = dict(validated)
    themes = fields.pop("themes", None)
    return fields, themes


@extend_schema_view(
    list=extend_schema(summary="List gaps", description="Filters as the browser's gap list."),
    retrieve=extend_schema(summary="One gap, with the moves you may make on it"),
    create=extend_schema(
        summary="Log a gap",
        request=GapCreateSerializer,
        responses={201: GapSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a gap's fields (recorded in its history)",
        request=GapUpdateSerializer,
        responses={200: GapSerializer},
    ),
)
class GapViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Gaps: list, log, read, change; status moves through ``transition``. Never deleted."""

    queryset = Gap.objects.all()
    serializer_class = GapSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, GapWritePermission]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.
    # Cached count and deferred-join pages: page 500 of 50,000 gaps as cheap as page 1.
    pagination_class = DeferredJoinPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = GapApiFilterSet
    # PUT would have to resend every field; PATCH says what changes. No DELETE: archive instead.
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Gap]:
        gaps = selectors.with_row_relations(super().get_queryset())
        if self.action == "list":  # only what the representation reads (writes load it all)
            return selectors.api_representation(gaps)
        return gaps

    def paginate_queryset(self, queryset):
        # A page's theme slugs in one query: ``api_representation`` leaves them out.
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":  # (history pages its events)
            read_page_values(page, "themes", value="slug")
        return page

    def _answer(self, gap: Gap, *, status_code: int = status.HTTP_200_OK) -> Response:
        gap = self.get_queryset().get(pk=gap.pk)
        return Response(self.get_serializer(gap).data, status=status_code)

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = GapCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        fields, themes = _service_fields(body.validated_data)
        gap = services.gap_create(actor=request.user, themes=themes or (), **fields)  # type: ignore[arg-type]  # authenticated
        return self._answer(gap, status_code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        gap = self.get_object()
        body = GapUpdateSerializer(
            gap, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        fields, themes = _service_fields(body.validated_data)
        gap = services.gap_update(gap=gap, actor=request.user, themes=themes, **fields)  # type: ignore[arg-type]  # authenticated
        return self._answer(gap)

    @extend_schema(
        summary="Move a gap to another status",
        request=GapTransitionSerializer,
        responses={200: GapSerializer},
        examples=[
            OpenApiExample("Acknowledge", value={"to": "acknowledged", "note": "On it."}),
            OpenApiExample(
                "Close",
                value={"to": "closed", "note": "Merged invoices.", "root_cause": "Old system."},
            ),
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        gap = self.get_object()
        body = GapTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        gap = services.gap_transition(gap=gap, actor=request.user, **body.validated_data)  # type: ignore[arg-type]  # authenticated
        return self._answer(gap)

    @extend_schema(summary="A gap's history, oldest first", responses=GapEventSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        serializer_class=GapEventSerializer,
        filter_backends=[],
        pagination_class=GapHistoryPagination,
    )
    def history(self, request: Request, pk: str | None = None) -> Response:
        gap = self.get_object()
        page = self.paginate_queryset(selectors.gap_history(gap))
        return self.get_paginated_response(GapEventSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="A gap's comments, oldest first",
        responses=GapCommentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment on a gap (@username mentions tell the person)",
        request=GapCommentInputSerializer,
        responses={201: GapCommentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=GapCommentSerializer,
        filter_backends=[],
        pagination_class=StandardPagination,
        permission_classes=[IsAuthenticated, TokenScopePermission, CommentPermission],
    )
    def comments(self, request: Request, pk: str | None = None) -> Response:
        gap = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(comments.comments_of(gap))
            return self.get_paginated_response(GapCommentSerializer(page, many=True).data)
        body = GapCommentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = comments.comment_create(gap=gap, author=request.user, **body.validated_data)  # type: ignore[arg-type]  # authenticated
        comment = comments.comments_of(gap).get(pk=comment.pk)
        return Response(GapCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct one's own comment (within the edit window)",
        request=GapCommentInputSerializer,
        responses={200: GapCommentSerializer},
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"comments/(?P<comment_id>[0-9]{1,18})",
        serializer_class=GapCommentSerializer,
        filter_backends=[],
        permission_classes=[IsAuthenticated, TokenScopePermission, CommentPermission],
    )
    def comment(self, request: Request, pk: str | None = None, comment_id: str = "") -> Response:
        gap = self.get_object()
        comment = get_object_or_404(gap.comments.all(), pk=int(comment_id))
        body = GapCommentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comments.comment_edit(comment=comment, actor=request.user, **body.validated_data)  # type: ignore[arg-type]  # authenticated
        comment = comments.comments_of(gap).get(pk=comment.pk)
        return Response(GapCommentSerializer(comment).data)


OCCURRENCE_PUSH = PolymorphicProxySerializer(
    component_name="OccurrencePush",
    serializers=[OccurrenceInputSerializer, OccurrenceInputSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    list=extend_schema(
        summary="List occurrences",
        description="Newest first, by cursor (follow `next`).",
    ),
)
class OccurrenceViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """Occurrences: read with filters; push one object or a batch (a list) per POST."""

    queryset = Occurrence.objects.all()
    serializer_class = OccurrenceSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, OccurrenceWritePermission]
    token_scope = "gaps"  # noqa: S105 - a scope family, not a secret.
    token_write_scope = "occurrences:write"  # noqa: S105 - a scope name.
    pagination_class = OccurrenceCursorPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = OccurrenceFilterSet

    @extend_schema(
        summary="Push one occurrence or a batch",
        description=(
            "One object: 201 with the stored occurrence; the same (source, external_id) again: "
            "200 with `{created: 0, duplicates: 1}`. A list (at most "
            f"{OCCURRENCE_BATCH_LIMIT}): 201 when anything was created, else 200, with "
            "`{created, duplicates}`. Any invalid item: 400 naming each bad item's index; "
            "nothing is stored."
        ),
        request=OCCURRENCE_PUSH,
        responses={
            201: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="OccurrencePushCreated",
                    serializers=[OccurrenceSerializer, BulkResultSerializer],
                    resource_type_field_name=None,
                ),
                description="Stored: the occurrence (one object) or the counts (a list).",
            ),
            200: OpenApiResponse(BulkResultSerializer, description="Nothing new: duplicates."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors, by index."),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        payload = request.data
        if isinstance(payload, list):
            return self._push_batch(payload)
        if not isinstance(payload, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [gettext("Send one occurrence object or a list of them.")]}
            )
        return self._push_one(payload)

    def _visible_gaps(self) -> QuerySet[Gap]:
        # Only what the sender may see, without the list's joins and prefetches.
        return Gap.objects.for_user(self.request.user)

    def _push_batch(self, payload: list[Any]) -> Response:
        if not payload:
            raise serializers.ValidationError({"non_field_errors": [gettext("The list is empty.")]})
        if len(payload) > OCCURRENCE_BATCH_LIMIT:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        gettext(
                            "At most %(limit)s occurrences per request, not %(sent)s: "
                            "split the batch."
                        )
                        % {"limit": OCCURRENCE_BATCH_LIMIT, "sent": len(payload)}
                    ]
                }
            )
        try:
            items = occurrence_inputs(payload, gaps=self._visible_gaps())
        except OccurrenceBatchError as exc:
            return Response(exc.body, status=status.HTTP_400_BAD_REQUEST)
        result = occurrences_record(items=items)
        body = BulkResultSerializer(result).data
        created = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(body, status=created)

    def _push_one(self, payload: dict[str, Any]) -> Response:
        try:
            [item] = occurrence_inputs([payload], gaps=self._visible_gaps())
        except OccurrenceBatchError as exc:
            # One object answers like any other endpoint: the field errors themselves.
            raise serializers.ValidationError(exc.errors[0]) from exc
        if not item.external_id:
            # Name it here so that the stored row can be answered back.
            item = dataclasses.replace(item, external_id=uuid.uuid4().hex)
        result = occurrences_record(items=[item])
        if not result.created:
            return Response(BulkResultSerializer(result).data, status=status.HTTP_200_OK)
        occurrence = Occurrence.objects.get(source=item.source, external_id=item.external_id)
        return Response(OccurrenceSerializer(occurrence).data, status=status.HTTP_201_CREATED)
