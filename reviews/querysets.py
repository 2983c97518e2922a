"""Who reads and changes which change reviews (``reviews.permissions``' rules)."""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User

from cxalign.querysets import VIEW, ScopedQuerySet
from gaps import permissions as gap_rules

from .permissions import sees_all_reviews


class ChangeReviewQuerySet(ScopedQuerySet):
    """Readers of all see all; role owners their roles' reviews, which they alone change."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        if action == VIEW and sees_all_reviews(user):
            return self.all()
        if gap_rules.is_role_owner(user):
            return self.filter(role_id__in=gap_rules.owned_role_ids(user))
        return self.none()
