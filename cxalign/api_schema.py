"""The OpenAPI schema as the API really answers: every error status, blank choices, nulls.

Integrations are written from ``/api/schema/`` alone, so it must list every status an
operation can answer with its body, not only the 200 of the happy path. Rather than annotate
each view, ``ApiAutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds the error
responses per kind of operation: every operation can be refused (401, 403, 429) or meet a
database restart (503); one with a body can be malformed (400), too large (413), of another
content type (415) or conflict (409); one on an object can miss it (404); a list takes
validated query parameters (400) and a page or cursor that may not exist (404).

Choices and nulls follow the model: a read-only choice whose column may be blank is answered
``""`` (the enum admits it), and a read-only reference whose column may be null is ``null``.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from gaps.api.exceptions import RETRY_AFTER_SECONDS
from gaps.api.filters import QUERY_TEXT_MAX, QUERY_VALUES_MAX

# A body of {"detail": "…"}: what DRF answers for 401, 403, 404, 405, 413, 415, 429 and 503.
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong."}},
    "required": ["detail"],
}
# A 400 (or 409) body: messages per field name (a list of strings, or per item for lists and
# batches), "non_field_errors" for the body as a whole, or a "detail" when it could not be read.
FIELD_ERRORS = {
    "type": "object",
    "description": (
        'Messages per field: `{"field": ["message", …]}`; `non_field_errors` for the body '
        "as a whole; `detail` when the body could not be read at all. A batch of occurrences "
        'answers `{"detail": …, "items": [{"index": n, "errors": {…}}]}`.'
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again.",
    }
}

WITH_BODY = {"POST", "PUT", "PATCH"}


# Named components, so that a generated client has one type per error body.
ERROR_BODIES = {"ErrorDetail": ERROR_DETAIL, "FieldErrors": FIELD_ERRORS}


def _error(description: str, body: str) -> OpenApiResponse:
    """A documented error: its description and the name of its body's component."""
    return OpenApiResponse(response=body, description=description)


BODY_ERRORS = {
    "400": _error("Invalid input: messages per field.", "FieldErrors"),
    "409": _error(
        "Conflict: the object changed meanwhile, or an Idempotency-Key was reused with "
        "another body.",
        "FieldErrors",
    ),
    "413": _error("The request body is larger than the server accepts.", "ErrorDetail"),
    "415": _error("Unsupported Content-Type: send application/json.", "ErrorDetail"),
}
ALWAYS = {
    "401": _error("No credentials, or a bad, expired or revoked token.", "ErrorDetail"),
    "403": _error("The token lacks the scope, or the user's group may not do this.", "ErrorDetail"),
    "429": _error("Too many requests: wait for Retry-After seconds.", "ErrorDetail"),
    "503": _error(
        f"The database connection was interrupted; retry (after about {RETRY_AFTER_SECONDS} s).",
        "ErrorDetail",
    ),
}
QUERY_ERROR = _error("Invalid query parameter: messages per parameter.", "FieldErrors")
NOT_FOUND = _error("No such object (or outside what you may see).", "ErrorDetail")
NO_PAGE = _error("No such page or cursor.", "ErrorDetail")


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error responses and blank/null facts above."""

    def _get_response_bodies(self, direction="response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            body = self._component(response.response)
            documented = self._get_response_for_code(
                OpenApiResponse(body, description=response.description), code, direction=direction
            )
            if code not in responses:
                responses[code] = documented
            elif "content" not in responses[code]:  # a view's own words, without the body
                responses[code]["content"] = documented["content"]
            if code in ("429", "503"):
                responses[code].setdefault("headers", {}).update(RETRY_AFTER)
        return dict(sorted(responses.items()))

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """Filters with the bounds ``gaps.api.filters.StrictFilterBackend`` enforces."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "array":
                schema.setdefault("maxItems", QUERY_VALUES_MAX)
                schema = schema.get("items", {})
            if schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("maxLength", QUERY_TEXT_MAX)
        return parameters

    def _component(self, name: str) -> dict[str, Any]:
        """The error body ``name`` registered once as a component; a reference to it."""
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=ERROR_BODIES[name], object=name
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors = dict(ALWAYS)
        if self.method in WITH_BODY:
            errors.update(BODY_ERRORS)
        if self.method == "DELETE":
            errors["409"] = BODY_ERRORS["409"]
        if "{" in self.path:
            errors["404"] = NOT_FOUND
        if self.method == "GET" and self._takes_query():
            errors["400"] = QUERY_ERROR
        if self.method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            errors.setdefault("404", NO_PAGE)
        return errors

    def _takes_query(self) -> bool:
        """True when the operation reads query parameters (filters, pages, declared ones)."""
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())

    def _map_serializer_field(self, field, direction, bypass_extensions=False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        model_field = _model_field(field)
        if model_field is None or not field.read_only:
            return schema
        if isinstance(field, serializers.ChoiceField) and model_field.blank:
            enum = schema.get("enum")
            if enum is not None and "" not in enum:
                schema["enum"] = [*enum, ""]
        if model_field.null and "$ref" not in schema and not schema.get("nullable"):
            schema["nullable"] = True
        return schema


def _model_field(field: serializers.Field):
    """The model column a serializer field reads directly, if any (``source`` without dots)."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, serializers.ListSerializer | serializers.ManyRelatedField):
        return None
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        return model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
