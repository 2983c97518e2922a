"""ROI API: the summary, one gap's savings, and the daily rollups (JSON pages or CSV)."""

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxalign.scoping import ScopedAPIView, ScopedGenericViewSet
from gaps.api.pagination import KeysetCursorPagination
from gaps.api.permissions import TokenScopePermission
from gaps.csv_io import BOM, CONTENT_TYPE, FORMULA_STARTS
from gaps.models import Gap
from roi import selectors
from roi.figure_inputs import gap_savings
from roi.filtersets import DailyRollupFilterSet
from roi.models import DailyRollup
from roi.permissions import ReadsRoi

from .serializers import AsOfSerializer, DailyRollupSerializer, SavingsSerializer, SummarySerializer


class RollupCursorPagination(KeysetCursorPagination):
    """Rows are added every night and recomputed for late days: by cursor, newest day first."""

    ordering = ("-date", "team__name", "role__name", "category", "id")
    page_size = 50
    max_page_size = 500


ROI_PERMISSIONS = [IsAuthenticated, TokenScopePermission, ReadsRoi]


def _as_of(request: Request):
    params = AsOfSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.as_of_or(selectors.today())


class SummaryView(ScopedAPIView):
    """The headline figures as of a day, from the precomputed rollups (``roi_summary``, the
    dashboard's selector too), with how fresh they are. Company-wide: read by those who read
    the rollup rows, whole (``queryset``, restricted by the scoping layer)."""

    queryset = DailyRollup.objects.all()
    token_scope = "roi"  # noqa: S105 - a scope family name, not a secret.
    permission_classes = ROI_PERMISSIONS

    @extend_schema(parameters=[AsOfSerializer], responses=SummarySerializer)
    def get(self, request: Request) -> Response:
        reading = selectors.roi_summary(as_of=_as_of(request))
        return Response(SummarySerializer.shape(reading))


class GapSavingsView(ScopedAPIView):
    """One gap's savings as of a day: measured (closed), estimated (prevented) or none."""

    queryset = Gap.objects.all()
    token_scope = "roi"  # noqa: S105 - a scope family name, not a secret.
    permission_classes = ROI_PERMISSIONS

    @extend_schema(
        parameters=[AsOfSerializer],
        responses={200: SavingsSerializer, 404: OpenApiResponse(description="No such gap.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        as_of = _as_of(request)
        # The gap detail's own scope: a gap whose detail is a 404 is a 404 here.
        gap = get_object_or_404(self.queryset.select_related("touchpoint"), pk=pk)
        return Response(SavingsSerializer.shape(gap_savings(gap, as_of)))


def _text(name: str) -> str:
    """A team or role name as a CSV cell: one a spreadsheet would run as a formula ("=…")
    gets a leading "'", as the gaps export does. Amounts stay numbers."""
    return "'" + name if name.startswith(FORMULA_STARTS) else name


class Echo:
    """A file-like object whose ``write`` hands the line back, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


class RollupViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """Daily rollup rows, filtered by date range, team, role and category; ``export/`` as CSV."""

    token_scope = "roi"  # noqa: S105 - a scope family name, not a secret.
    queryset = DailyRollup.objects.all()
    permission_classes = ROI_PERMISSIONS
    serializer_class = DailyRollupSerializer
    pagination_class = RollupCursorPagination
    filterset_class = DailyRollupFilterSet
    ordering_fields = ["date", "occurrences", "cost_incurred", "measured_savings"]

    def get_queryset(self):
        return selectors.rollup_rows(super().get_queryset())

    @extend_schema(
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(description="CSV rows.")},
    )
    @action(detail=False, methods=["get"], url_path="export", url_name="export")
    def export(self, request: Request) -> StreamingHttpResponse:
        rows = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(self._csv(rows), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="roi-rollups.csv"'
        return response

    @staticmethod
    def _csv(rows) -> Iterator[str]:
        writer = csv.writer(Echo())
        names = ["date", "team", "role", "category", *DailyRollupSerializer.Meta.model.MEASURES]
        # The byte-order mark tells spreadsheets the file is UTF-8 (team and role names).
        yield BOM + writer.writerow(names)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [row.date.isoformat(), _text(row.team.name), _text(row.role.name), row.category]
                + [getattr(row, name) for name in names[4:]]
            )
