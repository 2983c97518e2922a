"""The stored search document of an insight: what ``?q=`` matches, kept by the database itself.

``Insight.search_vector`` is a ``GeneratedField`` over this expression: PostgreSQL recomputes
it on every insert and update, whichever path writes (services, admin, API, demo data, CSV
import, a bulk ``update()`` or ``COPY``), so no application code can forget it. It is
GIN-indexed (migration ``0003``) and searched with ``@@`` and ranked with ``ts_rank``
(``insights.selectors.insight_search_postgres``).

Weights: the title counts most (A), then the finding (B), then the customers' words and the
recommendation (C), then the segment (D). The text search configuration is fixed
(``english``): ``to_tsvector(regconfig, text)`` is immutable only with an explicit one, and a
query must stem words as the document did.

On SQLite (the embedded default) the column is a constant ``NULL`` and search falls back to
word matching (``insight_search_icontains``): same results for plain words, no ranking.
"""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import Func

SEARCH_CONFIG = "english"


class InsightSearchDocument(Func):
    """The weighted ``tsvector`` on PostgreSQL; ``NULL`` on databases without text search."""

    template = "%(expressions)s"
    output_field = SearchVectorField()

    def __init__(self, **extra):
        document = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("finding", weight="B", config=SEARCH_CONFIG)
            + SearchVector("evidence", "recommendation", weight="C", config=SEARCH_CONFIG)
            + SearchVector("segment", weight="D", config=SEARCH_CONFIG)
        )
        super().__init__(document, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)
