"""``/api/v1/webhooks/``: subscriptions, their test ping and their delivery log."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxalign.requests import acting_user
from cxalign.scoping import ScopedModelViewSet, request_token
from gaps.api.pagination import BoundedPageSizeMixin, StandardPagination
from gaps.api.permissions import TokenScopePermission

from .. import selectors, services
from ..models import WebhookSubscription
from ..permissions import can_manage_webhooks
from .serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)


class ManagesWebhooks(permissions.BasePermission):
    """The CX team, or an integration holding a ``webhooks:write`` token; nobody else."""

    message = "Only the CX team (or a token with the 'webhooks:write' scope) manages webhooks."

    def has_permission(self, request, view) -> bool:
        return can_manage_webhooks(request.user, token=request_token(request))


class DeliveryCursorPagination(BoundedPageSizeMixin, CursorPagination):
    """Newest first, by cursor: the log grows with every event and stays stable as it does
    (``created_at`` then the id: no two deliveries tie). ``page_size`` bounded, as elsewhere."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _fields(validated: dict) -> tuple[dict, str]:
    fields = dict(validated)
    return fields, fields.pop("secret", "")


@extend_schema_view(
    create=extend_schema(
        summary="Subscribe an endpoint (the answer shows the secret, this once)",
        responses={201: WebhookSubscriptionCreatedSerializer},
    ),
)
class WebhookSubscriptionViewSet(ScopedModelViewSet):
    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, ManagesWebhooks]
    token_scope = "webhooks"  # noqa: S105 - a scope family, not a secret.
    # Subscriptions carry secrets and reach out of the network: reading them needs the same
    # scope as changing them.
    token_read_scope = "webhooks:write"  # noqa: S105
    pagination_class = StandardPagination
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return selectors.with_last_delivery(super().get_queryset()).order_by("-created_at", "-id")

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields, secret = _fields(body.validated_data)
        subscription = services.subscription_create(
            actor=acting_user(request), secret=secret, **fields
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        subscription = self.get_object()
        body = self.get_serializer(subscription, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields, secret = _fields(body.validated_data)
        subscription = services.subscription_update(
            subscription=subscription, actor=acting_user(request), secret=secret, **fields
        )
        return Response(self.get_serializer(subscription).data)

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        services.subscription_delete(subscription=instance, actor=acting_user(self.request))

    @extend_schema(
        summary="Send a ping event to this endpoint now",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.webhook_send_test(
            subscription=self.get_object(), actor=acting_user(request)
        )
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The deliveries to this endpoint, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=WebhookDeliverySerializer,
        pagination_class=DeliveryCursorPagination,
        filter_backends=[],
    )
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        page = self.paginate_queryset(selectors.deliveries_of(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
