"""Request body parsers for every app's API."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Our bodies nest three or four levels (a batch → an item → a list of slugs); 32 leaves room
# for any honest client while staying far below where Python's recursion limit bites.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON nested more than {MAX_JSON_DEPTH} levels deep: send a flatter body."


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when lists and objects in ``value`` nest deeper than ``limit``.

    Walked level by level with a list per level: recursing here would fail just as the
    decoder did, and a batch of a thousand flat objects is then one pass over their values.
    """
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        depth += 1
    return False


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_JSON_DEPTH`` with a 400.

    Python's decoder recurses once per level and raised ``RecursionError`` (a 500) on a body
    nested about a thousand deep; shallower but still absurd nesting is refused too, so that
    no later step (validation, error rendering) recurses through it either.
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if isinstance(data, dict | list) and json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
