"""The gaps API's representations and input checks; writes themselves go through the services.

Serializers here only parse and type-check: ``gaps.services`` and ``gaps.occurrences`` hold the
rules (status machine, deadlines, permissions), so the browser and the API cannot drift apart.
Inputs are strict: a key the endpoint does not accept is a 400 naming it, never silently dropped.

Conventions: money is a decimal string with two places (``"12.50"``); themes are named by slug
(stable across installations, readable in payloads); users by username; everything else by id.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gaps.api.fields import IdRelatedField, SlugListedField, SlugRefField, json_type_error
from gaps.api.representation import ColumnsFirstMixin
from gaps.comments import editable_until
from gaps.models import (
    MAX_ID,
    Gap,
    GapComment,
    GapEvent,
    Occurrence,
    Role,
    Team,
    Theme,
    Touchpoint,
)
from gaps.models.comments import MAX_COMMENT_LENGTH
from gaps.models.gaps import GapStatus as S
from gaps.occurrences import OccurrenceInput, TouchpointRef, batch_refs
from gaps.services import CREATABLE_STATUSES, EARLIEST_DATE, EDITABLE
from gaps.transitions import moves_for

# A larger batch is refused with a 400: one request stays one short transaction.
OCCURRENCE_BATCH_LIMIT = 5_000
# Clocks differ: an occurrence a few minutes "in the future" is clock skew, not an error.
OCCURRENCE_CLOCK_SKEW = timedelta(minutes=5)
MONEY_NOT_NEGATIVE = {"min_value": Decimal("0")}


# The mixins below are typed as the DRF class they are mixed into (they have no other use).
if TYPE_CHECKING:
    _Serializer = serializers.ModelSerializer
else:
    _Serializer = object


class StrictInputMixin(_Serializer):
    """Refuse keys the serializer does not write: a typo must not pass as "nothing to change";
    and values of another JSON type than the schema gives (``json_type_error``).

    ``field_hints`` maps a refused key to a more helpful message than "unknown field".
    Related objects by id go through ``IdRelatedField`` (no 500 on ``1e400``).
    """

    serializer_related_field = IdRelatedField

    field_hints: Mapping[str, str] = {}

    def to_internal_value(self, data: Any) -> Any:
        refused: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            for name in sorted(set(data) - writable):
                hint = self.field_hints.get(name)
                if hint is None:
                    hint = "This field is read-only." if name in self.fields else "Unknown field."
                refused[name] = [hint]
            for name in sorted(set(data) & writable):
                wrong_type = json_type_error(self.fields[name], data[name])
                if wrong_type is not None:
                    refused[name] = [wrong_type]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if not isinstance(detail, dict):
                detail = {"non_field_errors": detail}
            raise serializers.ValidationError({**detail, **refused}) from exc
        if refused:
            raise serializers.ValidationError(refused)
        return value


# --- Organisation ---------------------------------------------------------------------------


class TeamSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "slug", "customer_facing"]


class RoleSerializer(StrictInputMixin, serializers.ModelSerializer):
    owners = SlugRefField(
        slug_field="username",
        many=True,
        required=False,
        queryset=User.objects.filter(is_active=True),
        help_text="Usernames of the people who own (answer for) this role.",
    )

    class Meta:
        model = Role
        fields = ["id", "name", "team", "level", "owners"]


class TouchpointSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = Touchpoint
        fields = ["id", "name", "team", "channel", "cost_per_contact"]


class ThemeSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "slug"]


# --- Gaps -----------------------------------------------------------------------------------


class TransitionOptionSerializer(serializers.Serializer):
    """One move the requesting user may make now (the gap page's buttons)."""

    to = serializers.ChoiceField(choices=Gap.Status.choices)
    # Declared fields named like a Field attribute (label, source): DRF keeps them apart.
    label = serializers.CharField()  # type: ignore[assignment]
    note_required = serializers.BooleanField()
    root_cause_required = serializers.BooleanField()


# Exactly what the edit service accepts, in the model's order, plus the themes (set apart).
GAP_FIELDS = [
    *(field.name for field in Gap._meta.concrete_fields if field.name in EDITABLE),
    "themes",
]
GAP_MONEY = ["cost_to_serve", "revenue_at_risk", "expected_monthly_occurrences", "remedy_cost"]


class GapSerializer(ColumnsFirstMixin, serializers.ModelSerializer):
    """A gap as the API answers it, with the moves the requesting user may make (columns read
    directly: ``ColumnsFirstMixin``, the same output as DRF's own path)."""

    # A list page reads its gaps' theme slugs in one query (``read_page_values``).
    themes: serializers.SlugRelatedField = SlugListedField(
        slug_field="slug", many=True, read_only=True
    )
    remedy_owner: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Gap
        fields = [
            "id",
            *GAP_FIELDS,
            "causing_team",
            "status",
            "dispute_reason",
            "acknowledge_due_on",
            "acknowledged_at",
            "closed_at",
            "prevented_on",
            "overdue",
            "escalation_level",
            "recurring",
            "recurring_since",
            "allowed_transitions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TransitionOptionSerializer(many=True))
    def get_allowed_transitions(self, gap: Gap) -> list[dict[str, Any]]:
        request = self.context.get("request")
        if request is None:
            return []
        moves = moves_for(request.user, gap)
        # A page's gaps share a few sets of moves: each set's options are written (and their
        # labels translated) once per serializer, i.e. per request and language.
        written = self.__dict__.setdefault("_written_moves", {})
        key = tuple((move.source, move.target) for move in moves)
        options = written.get(key)
        if options is None:
            options = written[key] = [
                {
                    "to": move.target,
                    "label": str(move.label),
                    "note_required": bool(move.needs_note),
                    "root_cause_required": move.needs_root_cause,
                }
                for move in moves
            ]
        return [dict(option) for option in options]


class ThemeRefField(SlugRefField):
    """A theme by slug, as the API answers it, or by id, as the list's ``theme`` filter takes it."""

    def to_internal_value(self, data: Any) -> Theme:
        if isinstance(data, int) and not isinstance(data, bool):
            themes = self.get_queryset()
            in_range = themes is not None and 0 < data <= MAX_ID
            theme = themes.filter(pk=data).first() if themes is not None and in_range else None
            if theme is None:
                self.fail("does_not_exist", slug_name="id", value=data)
            return theme
        return super().to_internal_value(data)


class GapUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    """PATCH body: any editable field; the status changes only through ``transition``."""

    field_hints = {
        "status": "The status changes with POST /api/v1/gaps/{id}/transition/.",
        "causing_team": "Read-only: the team follows the causing role.",
    }
    themes = ThemeRefField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Theme.objects.all(),
        help_text="Theme slugs (or ids); the list replaces the gap's themes.",
    )
    remedy_owner = SlugRefField(
        slug_field="username",
        required=False,
        allow_null=True,
        queryset=User.objects.filter(is_active=True),
    )

    class Meta:
        model = Gap
        fields = GAP_FIELDS
        extra_kwargs = {name: MONEY_NOT_NEGATIVE for name in GAP_MONEY}


class GapCreateSerializer(GapUpdateSerializer):
    """POST body: a new gap, open by default, or already prevented or closed (import)."""

    status = serializers.ChoiceField(
        choices=[(status, S(status).label) for status in CREATABLE_STATUSES],
        default=S.OPEN,
        help_text="open; prevented (with expected_monthly_occurrences, optional prevented_on); "
        "closed (with a past closed_at and a root_cause).",
    )
    closed_at = serializers.DateTimeField(required=False)
    prevented_on = serializers.DateField(required=False)

    class Meta(GapUpdateSerializer.Meta):
        fields = [*GAP_FIELDS, "status", "closed_at", "prevented_on"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        status = attrs.get("status", S.OPEN)
        errors = {}
        if "closed_at" in attrs and status != S.CLOSED:
            errors["closed_at"] = "Only a gap created as closed takes closed_at."
        if "prevented_on" in attrs and status != S.PREVENTED:
            errors["prevented_on"] = "Only a gap created as prevented takes prevented_on."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class GapTransitionSerializer(StrictInputMixin, serializers.Serializer):
    """POST body of ``gaps/{id}/transition/``."""

    to = serializers.ChoiceField(choices=Gap.Status.choices, help_text="The new status.")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why: required to dispute (the reason) and to reopen a closed gap.",
    )
    root_cause = serializers.CharField(
        required=False, help_text="Closing: what caused the gap (unless already on the gap)."
    )
    causing_role = IdRelatedField(
        queryset=Role.objects.all(),
        required=False,
        help_text="Resolving a dispute (disputed → open): the role the gap is re-attributed to.",
    )


class GapEventSerializer(serializers.ModelSerializer):
    """One entry of a gap's history.

    DESIGN.md names a move's ends ``from`` and ``to``: both are given, beside the model's
    ``from_status`` / ``to_status`` (``from`` cannot be a Python attribute, hence get_fields).
    """

    actor: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = GapEvent
        fields = ["id", "kind", "actor", "from_status", "to_status", "note", "changes", "at"]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.CharField(source="from_status", read_only=True)
        fields["to"] = serializers.CharField(source="to_status", read_only=True)
        return fields


# --- Comments -------------------------------------------------------------------------------


class GapCommentSerializer(serializers.ModelSerializer):
    """A comment on a gap; ``mentions`` are the usernames it mentioned (and told)."""

    author: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    mentions: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    editable_until = serializers.SerializerMethodField()

    class Meta:
        model = GapComment
        fields = [
            "id",
            "gap",
            "author",
            "body",
            "mentions",
            "created_at",
            "edited_at",
            "editable_until",
        ]
        read_only_fields = fields

    def get_editable_until(self, comment: GapComment) -> datetime:
        return editable_until(comment)


class GapCommentInputSerializer(StrictInputMixin, serializers.Serializer):
    """What a client sends to comment or to correct a comment: the text alone."""

    body = serializers.CharField(max_length=MAX_COMMENT_LENGTH)


# --- Occurrences ----------------------------------------------------------------------------


class OccurrenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occurrence
        fields = [
            "id",
            "gap",
            "occurred_at",
            "touchpoint",
            "source",
            "external_id",
            "customer_ref",
            "recorded_at",
        ]
        read_only_fields = fields


class OccurrenceInputSerializer(StrictInputMixin, serializers.Serializer):
    """One pushed occurrence. Gap and touchpoint ids are resolved for the whole batch at once.

    Keep ``_plain_item`` (the batch's quick check) in step when a field changes here.
    """

    gap = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of the gap the customer met."
    )
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like an attribute
        max_length=60, help_text="The reporting system, e.g. 'zendesk'."
    )
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The source's own id; re-sending the same (source, external_id) is a duplicate. "
        "Without one, every push stores a new occurrence.",
    )
    touchpoint = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Defaults to the gap's touchpoint.",
    )
    customer_ref = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )

    def validate_occurred_at(self, value):
        if value > timezone.now() + OCCURRENCE_CLOCK_SKEW:
            raise serializers.ValidationError(_("An occurrence cannot be in the future."))
        if value.date() < EARLIEST_DATE:
            raise serializers.ValidationError(
                gettext("Give a time from %(year)s on.") % {"year": EARLIEST_DATE.year}
            )
        return value


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class OccurrenceBatchError(Exception):
    """A batch with bad items; ``body`` names each bad item's index (an integer) and its errors.

    Not a DRF ``ValidationError``: that would turn the indexes into strings.
    """

    def __init__(self, *, total: int, errors: dict[int, Any]):
        super().__init__(f"{len(errors)} of {total} occurrences are invalid")
        self.errors = errors
        self.body = {
            "detail": gettext(
                "%(invalid)s of %(total)s occurrences are invalid; nothing was stored."
            )
            % {"invalid": len(errors), "total": total},
            "items": [{"index": index, "errors": errors[index]} for index in sorted(errors)],
        }


def occurrence_inputs(payload: list[Any], *, gaps: QuerySet[Gap]) -> list[OccurrenceInput]:
    """Check every item of a batch and resolve its ids for the whole batch at once, or raise
    one 400 naming each bad item's index.

    ``gaps`` is what the sender may reach; an id outside it is reported like a missing one.
    Plainly well-formed items are checked by ``_plain_item`` (DRF's per-item validation was a
    third of a batch's time); any other item goes through ``OccurrenceInputSerializer``, so every
    error is worded by the serializer, as it always was. Then one query reads the referenced
    gaps (id, touchpoint, status and recurring flag: never their text) and the touchpoints
    the items name.
    """
    child = OccurrenceInputSerializer()
    latest = timezone.now() + OCCURRENCE_CLOCK_SKEW
    field_timezone = timezone.get_current_timezone()
    valid: dict[int, dict[str, Any]] = {}
    errors: dict[int, Any] = {}
    for index, item in enumerate(payload):
        plain = _plain_item(item, latest=latest, field_timezone=field_timezone)
        if plain is not None:
            valid[index] = plain
            continue
        try:
            valid[index] = child.run_validation(item)
        except serializers.ValidationError as exc:
            # Per field, always: a ``null`` item fails as a whole, with a bare list.
            detail = exc.detail
            errors[index] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    gap_by_id, touchpoints = batch_refs(
        gaps,
        {item["gap"] for item in valid.values()},
        {item["touchpoint"] for item in valid.values() if item.get("touchpoint")},
    )
    inputs = []
    for index, item in valid.items():
        gap = gap_by_id.get(item["gap"])
        touchpoint_id = item.get("touchpoint")
        item_errors = {}
        if gap is None:
            item_errors["gap"] = [gettext("No gap with id %(id)s.") % {"id": item["gap"]}]
        if touchpoint_id and touchpoint_id not in touchpoints:
            item_errors["touchpoint"] = [
                gettext("No touchpoint with id %(id)s.") % {"id": touchpoint_id}
            ]
        if item_errors or gap is None:
            errors[index] = item_errors
            continue
        inputs.append(
            OccurrenceInput(
                gap=gap,
                occurred_at=item["occurred_at"],
                source=item["source"],
                external_id=item["external_id"],
                touchpoint=TouchpointRef(touchpoint_id) if touchpoint_id else None,
                customer_ref=item["customer_ref"],
            )
        )
    if errors:
        raise OccurrenceBatchError(total=len(payload), errors=errors)
    return inputs


_OCCURRENCE_KEYS = frozenset(
    ["gap", "occurred_at", "source", "external_id", "touchpoint", "customer_ref"]
)


def _plain_item(item: Any, *, latest: datetime, field_timezone: tzinfo) -> dict[str, Any] | None:
    """The item as ``OccurrenceInputSerializer`` would validate it, when it is plainly valid.

    ``None`` means "let the serializer judge": anything unusual (a missing or unknown key, an
    id as a string, a naive or out-of-range time, text with surrounding spaces, a NUL or a lone
    surrogate) is never accepted here, only passed on, so this can accept less than the
    serializer but never more, and never words an error itself.
    """
    if type(item) is not dict or not item.keys() <= _OCCURRENCE_KEYS:
        return None
    # One check after the other, leaving at the first doubt: a plain item passes them all.
    gap = item.get("gap")
    if not _plain_id(gap):
        return None
    touchpoint = item.get("touchpoint")
    if touchpoint is not None and not _plain_id(touchpoint):
        return None
    source = item.get("source")
    if not _plain_text(source, max_length=60):
        return None
    external_id = item.get("external_id", "")
    if external_id != "" and not _plain_text(external_id, max_length=200):
        return None
    customer_ref = item.get("customer_ref", "")
    if customer_ref != "" and not _plain_text(customer_ref, max_length=200):
        return None
    occurred_at = item.get("occurred_at")
    if type(occurred_at) is not str:
        return None
    try:
        # What DRF's ISO 8601 parsing tries first (django.utils.dateparse.parse_datetime).
        parsed = datetime.fromisoformat(occurred_at)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return None
        parsed = parsed.astimezone(field_timezone)
    except (ValueError, OverflowError):
        return None
    if parsed > latest or parsed.date() < EARLIEST_DATE:
        return None
    return {
        "gap": gap,
        "occurred_at": parsed,
        "source": source,
        "external_id": external_id,
        "touchpoint": touchpoint,
        "customer_ref": customer_ref,
    }


def _plain_id(value: Any) -> bool:
    return type(value) is int and 0 < value <= MAX_ID


def _plain_text(value: Any, *, max_length: int) -> bool:
    """A non-blank string DRF's ``CharField`` would keep exactly as it is."""
    if type(value) is not str or not 0 < len(value) <= max_length or value.strip() != value:
        return False
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")  # fails on lone surrogates, which DRF refuses
    except UnicodeEncodeError:
        return False
    return True
