"""JSON errors for every API failure: Django validation errors become 400s with field messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gaps.transitions import MoveConflict

# How long a client should wait before retrying after the database went away mid-request.
RETRY_AFTER_SECONDS = 1


class Conflict(exceptions.ValidationError):
    """409: the request was valid when sent, but the object changed meanwhile."""

    status_code = status.HTTP_409_CONFLICT


def exception_handler(exc, context):
    """DRF's handler, plus Django's ``ValidationError`` raised by services → 400.

    Services validate with Django's ``ValidationError`` so that forms and the API share one
    rule; here its ``message_dict`` (or message list) becomes DRF's per-field 400 body. A
    ``MoveConflict`` (a transition that lost a race) keeps that body but answers 409. A
    database connection lost during the request (PostgreSQL restarted, the backend
    terminated) is a 503 asking to retry: the services' transactions were rolled back with it,
    and the next request gets a fresh connection.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return Response(
            {"detail": gettext("The database connection was interrupted; retry the request.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = (Conflict if isinstance(exc, MoveConflict) else exceptions.ValidationError)(detail)
    return drf_exception_handler(exc, context)
