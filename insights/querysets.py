"""Who reads which insights, routing rules and feed items: ``for_user`` per model.

The rules are ``insights.permissions``'; ``cxalign.scoping`` applies these querysets to every
API view, and the selectors build the pages' lists on them. Loading stays with the selectors.
"""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User

from cxalign.querysets import CHANGE, VIEW, ScopedQuerySet
from gaps import permissions as gap_rules

from . import permissions


class InsightQuerySet(ScopedQuerySet):
    """All for the CX team, executives and integrations; role owners the published insights
    in their roles' feeds; others none. Writers change every insight."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        if action == CHANGE:
            return self.all() if permissions.can_write_insights(user) else self.none()
        if permissions.can_read_all_insights(user):
            return self.all()
        role_ids = gap_rules.owned_role_ids(user)
        if not role_ids:
            return self.none()
        from .models import FeedItem, InsightStatus

        return self.filter(
            status=InsightStatus.PUBLISHED,
            pk__in=FeedItem.objects.filter(role_id__in=role_ids).values("insight_id"),
        )


class RoutingRuleQuerySet(ScopedQuerySet):
    """The CX team and executives read the rules; the CX team changes them."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        rule = permissions.can_manage_rules if action == CHANGE else permissions.can_view_rules
        return self.all() if rule(user) else self.none()


class FeedItemQuerySet(ScopedQuerySet):
    """Items of published insights in the feeds of roles the user owns (anyone else's feed is
    out of reach, the CX team's too); changed by those who work feeds.

    ``role_id``: one of those feeds only. Said as ``role_id = n`` alone, not also
    ``IN (owned)``: PostgreSQL then estimates the feed's size from that role's statistics and
    walks ``feeditem_role_relevance`` in order, stopping after the page (docs/lists.md).
    """

    def for_user(
        self,
        user: User | AnonymousUser,
        action: str = VIEW,
        *,
        token: Any = None,
        role_id: int | None = None,
    ) -> Self:
        self._checked(action)
        if action == CHANGE and not permissions.can_work_feeds(user):
            return self.none()
        from .models import InsightStatus

        role_ids = gap_rules.owned_role_ids(user)
        if role_id is not None:
            role_ids = frozenset({role_id}) & role_ids
        scope = (
            {"role_id": next(iter(role_ids))} if len(role_ids) == 1 else {"role_id__in": role_ids}
        )
        return self.filter(**scope, insight__status=InsightStatus.PUBLISHED)
