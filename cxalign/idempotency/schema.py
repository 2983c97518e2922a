"""The OpenAPI schema says what the middleware does: every POST takes ``Idempotency-Key``
and may answer 409 when the key was used with another request."""

from .middleware import HEADER, MAX_KEY_LENGTH

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Send the same key again (with the same body) to get the first answer back instead of "
        "repeating the write; kept 24 hours per token or user."
    ),
}
CONFLICT = {
    "description": "The Idempotency-Key was already used with a different request.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}


def add_idempotency_key(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: the header and the 409 on every POST."""
    for path, operations in result.get("paths", {}).items():
        post = operations.get("post")
        if post is None or not path.startswith("/api/"):
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
            parameters.append(PARAMETER)
        post.setdefault("responses", {}).setdefault("409", CONFLICT)
    return result
