"""Who reads the ROI rollup rows: ``roi.permissions.can_read_api`` (company-wide figures, all
or nothing: executives, the CX team and integrations, a token only with ``roi:read``)."""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User

from cxalign.querysets import CHANGE, VIEW, ScopedQuerySet


class RollupQuerySet(ScopedQuerySet):
    """Derived rows: read by figure readers, changed by nobody (the nightly rollup writes)."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        # Imported here: roi.permissions reads the API's token model and DRF's permissions,
        # which must not load while the models do.
        from .permissions import can_read_api

        if action == CHANGE or not can_read_api(user, token):
            return self.none()
        return self.all()
