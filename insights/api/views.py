"""API views: parse input, call the selectors and services the pages use, answer JSON."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxalign.requests import acting_user
from cxalign.scoping import ScopedGenericViewSet, ScopedModelViewSet
from gaps.api.fields import read_page_values
from gaps.api.permissions import TokenScopePermission

from .. import permissions as insight_rules
from .. import routing, selectors, services
from ..filtersets import FeedItemFilterSet, InsightFilterSet
from ..models import FeedItem, Insight, RoutingRule
from .pagination import FeedCursorPagination, InsightsPagination
from .permissions import InsightsAccess
from .serializers import (
    FeedItemSerializer,
    FeedItemStateSerializer,
    InsightSerializer,
    ReachSerializer,
    RoutingRuleSerializer,
)

PERMISSIONS = [IsAuthenticated, TokenScopePermission, InsightsAccess]


class InsightViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Insights: the CX team and integrations write and publish; nothing deletes (archive)."""

    queryset = Insight.objects.all()
    serializer_class = InsightSerializer
    filterset_class = InsightFilterSet
    pagination_class = InsightsPagination
    permission_classes = PERMISSIONS
    read_rule = staticmethod(insight_rules.can_read_insights)
    write_rule = staticmethod(insight_rules.can_write_insights)
    token_scope = "insights"  # noqa: S105 - a scope name, not a secret.
    ordering_fields = ["published_at", "created_at", "title"]

    def get_queryset(self):
        if self.action == "list":  # ids of themes and related gaps: per page, below
            return selectors.api_representation(super().get_queryset())
        return selectors.with_insight_relations(super().get_queryset())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            read_page_values(page, "themes")
            read_page_values(page, "related_gaps")
        return page

    def perform_create(self, serializer):
        serializer.instance = services.insight_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.insight_update(
            insight=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses={202: InsightSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk=None) -> Response:
        """Publish (or publish again): routing to the feeds runs in the background."""
        insight = services.insight_publish(insight=self.get_object(), actor=acting_user(request))
        return Response(self.get_serializer(insight).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=InsightSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk=None) -> Response:
        """Archive: the insight leaves every feed."""
        insight = services.insight_archive(insight=self.get_object(), actor=acting_user(request))
        return Response(self.get_serializer(insight).data)


class RoutingRuleViewSet(ScopedModelViewSet):
    """Routing rules (CX team). Saving or deleting one routes published insights again."""

    queryset = RoutingRule.objects.all()
    serializer_class = RoutingRuleSerializer
    permission_classes = PERMISSIONS
    read_rule = staticmethod(insight_rules.can_view_rules)
    write_rule = staticmethod(insight_rules.can_manage_rules)
    read_actions = ("reach",)  # a preview changes nothing
    token_scope = "insights"  # noqa: S105 - a scope name, not a secret.
    filterset_fields = ["active", "kind", "gap_category", "team"]

    @property
    def token_write_scope(self) -> str | None:
        """A reach preview saves nothing: a read token may ask it, like the group rule says."""
        return "insights:read" if self.action == "reach" else None

    def get_queryset(self):
        return selectors.with_rule_relations(super().get_queryset())

    def perform_create(self, serializer):
        serializer.instance = services.routing_rule_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.routing_rule_update(
            rule=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: RoutingRule) -> None:
        services.routing_rule_delete(rule=instance, actor=acting_user(self.request))

    @extend_schema(request=RoutingRuleSerializer, responses=ReachSerializer)
    @action(detail=False, methods=["post"])
    def reach(self, request: Request) -> Response:
        """Which roles would this rule reach, and how many published insights match it now?"""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spec = routing.RuleSpec.from_data(serializer.validated_data)
        count, _insights = routing.matching_insights(spec, limit=0)
        roles = spec.targets(routing.all_roles())
        return Response(ReachSerializer({"roles": roles, "matching_insights": count}).data)


class FeedItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Items of the caller's own roles' feeds, best first; PATCH moves an item's state."""

    queryset = FeedItem.objects.all()
    serializer_class = FeedItemSerializer
    filterset_class = FeedItemFilterSet
    pagination_class = FeedCursorPagination
    permission_classes = PERMISSIONS
    # Every signed-in person reaches exactly the items of the roles they own (the queryset);
    # executives among them only read.
    read_rule = staticmethod(lambda user: user.is_authenticated)
    write_rule = staticmethod(insight_rules.can_work_feeds)
    token_scope = "insights"  # noqa: S105 - a scope name, not a secret.
    http_method_names = ["get", "patch", "head", "options"]
    ordering_fields = ["relevance", "created_at"]

    def get_queryset(self):
        return selectors.with_feed_relations(super().get_queryset())

    @extend_schema(request=FeedItemStateSerializer, responses=FeedItemSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        item = self.get_object()
        change = FeedItemStateSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        item = services.feed_item_set_state(
            item=item,
            state=change.validated_data["state"],
            actor=acting_user(request),
            dismissal_reason=change.validated_data["dismissal_reason"],
        )
        return Response(self.get_serializer(item).data)
