"""CSV import and export of gaps: the CX team's spreadsheets in, any filtered list out.

Import checks every row before writing anything and reports each problem by row number (the
header is row 1, as a spreadsheet shows it) and column; only a file without problems is
written, in one transaction, through ``gaps.services.gap_create`` (so the history records each
gap). Export writes the same columns, so an exported file can be imported again.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext

from cxalign.text import Text

from . import services
from .models import Gap, Role, Theme, Touchpoint
from .models.gaps import GapStatus as S
from .models.limits import GAP_LIMITS

# (column, required, what it holds) — the upload page documents the columns from this table.
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("title", True, "Short name of the gap (up to 200 characters)."),
    ("expectation", True, "What customers expect."),
    ("delivery", True, "What customers get."),
    ("category", True, "product, service, policy, process or attitude."),
    (
        "causing_role",
        True,
        'The role causing it: "Team / Role" (e.g. "Billing / Invoicing '
        "Specialist\") or the role's id.",
    ),
    ("severity", True, "1 (minor) to 5 (critical); sets the deadlines."),
    (
        "origin",
        False,
        "voc_survey, complaint, support_contact, employee_report, audit, review or social.",
    ),
    ("touchpoint", False, "Touchpoint name, e.g. Support phone line."),
    ("themes", False, 'Theme names separated by ";", e.g. "Invoice clarity; Refund speed".'),
    (
        "detected_on",
        False,
        "YYYY-MM-DD; blank = today, or the day a closed / prevented gap was closed / prevented.",
    ),
    ("status", False, "open (default), prevented or closed."),
    ("closed_at", False, "Closed gaps: YYYY-MM-DD or YYYY-MM-DDTHH:MM, in the past."),
    ("prevented_on", False, "Prevented gaps: YYYY-MM-DD; blank = today."),
    ("root_cause", False, "Required for closed gaps."),
    ("cost_to_serve", False, "Per occurrence, e.g. 12.50; blank = the touchpoint's cost."),
    ("revenue_at_risk", False, "Per occurrence; blank = the cost model's default."),
    ("expected_monthly_occurrences", False, "Required for prevented gaps, e.g. 40."),
    ("remedy_cost", False, "What fixing or preventing it cost; blank = 0.00."),
    ("journey_stage", False, "select, get or use."),
    (
        "remedy_due_on",
        False,
        "YYYY-MM-DD, from 1970 up to ten years ahead; blank = set by severity.",
    ),
)
HEADER = [name for name, _required, _help in COLUMNS]
REQUIRED = {name for name, required, _help in COLUMNS if required}
IMPORTABLE_STATUSES = {S.OPEN, S.PREVENTED, S.CLOSED}
MONEY_COLUMNS = ("cost_to_serve", "revenue_at_risk", "expected_monthly_occurrences", "remedy_cost")
# A cell starting with one of these is a formula to a spreadsheet: exported with a leading "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Files we send: the charset for browsers, and a byte-order mark first, without which Excel
# reads UTF-8 as the local code page and accents turn to mojibake. The import skips the mark.
CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: list[Gap] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- export ---------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def gap_row(gap: Gap) -> list[str]:
    """One gap as a CSV row in ``HEADER`` order (themes must be prefetched)."""
    values = {
        "title": gap.title,
        "expectation": gap.expectation,
        "delivery": gap.delivery,
        "category": gap.category,
        "causing_role": f"{gap.causing_role.team.name} / {gap.causing_role.name}",
        "severity": gap.severity,
        "origin": gap.origin,
        "touchpoint": gap.touchpoint.name if gap.touchpoint else "",
        "themes": "; ".join(theme.name for theme in gap.themes.all()),
        "detected_on": gap.detected_on,
        "status": gap.status,
        "closed_at": gap.closed_at,
        "prevented_on": gap.prevented_on,
        "root_cause": gap.root_cause,
        "cost_to_serve": gap.cost_to_serve,
        "revenue_at_risk": gap.revenue_at_risk,
        "expected_monthly_occurrences": gap.expected_monthly_occurrences,
        "remedy_cost": gap.remedy_cost,
        "journey_stage": gap.journey_stage,
        "remedy_due_on": gap.remedy_due_on,
    }
    return [_cell(values[name]) for name in HEADER]


def gaps_export_lines(queryset: QuerySet[Gap]) -> Iterator[str]:
    """The CSV text of ``queryset`` line by line (streamed: lists can be long), BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(HEADER)
    yield BOM + flush()
    for gap in queryset.iterator(chunk_size=500):
        writer.writerow(gap_row(gap))
        yield flush()


def template_text() -> str:
    """A template file: the header and one example row, BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow(
        [
            "Invoices arrive in three parts",
            "One clear invoice a month.",
            "Three partial invoices with codes nobody explains.",
            "process",
            "Billing / Invoicing Specialist",
            "4",
            "complaint",
            "Billing emails",
            "Invoice clarity; Pricing transparency",
            timezone.localdate().isoformat(),
            "open",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "get",
            "",
        ]
    )
    return BOM + buffer.getvalue()


# --- import ---------------------------------------------------------------------------------


class _Lookups:
    """Roles, touchpoints and themes by the names a spreadsheet uses: three queries in all."""

    def __init__(self) -> None:
        self.roles_by_id: dict[str, Role] = {}
        self.roles_by_name: dict[str, Role] = {}
        for role in Role.objects.select_related("team"):
            self.roles_by_id[str(role.pk)] = role
            self.roles_by_name[_key(f"{role.team.name}/{role.name}")] = role
        self.touchpoints = {_key(tp.name): tp for tp in Touchpoint.objects.all()}
        self.themes: dict[str, Theme] = {}
        for theme in Theme.objects.all():
            self.themes[_key(theme.name)] = theme
            self.themes[theme.slug] = theme


def _key(text: str) -> str:
    return " ".join(text.replace(" / ", "/").replace(" /", "/").replace("/ ", "/").split()).lower()


def _choice(value: str, choices: Iterable[tuple[str, Text]]) -> str | None:
    """A choice by its value or its label, in any case."""
    wanted = value.strip().lower()
    for stored, label in choices:
        if wanted in (stored, label.lower()):
            return stored
    return None


def _unescape(text: str) -> str:
    """Undo the export's formula guard ("'=..." back to "=...")."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class _RowParser:
    """Turns one CSV row into ``gap_create`` arguments, collecting every problem it finds."""

    def __init__(self, number: int, cells: dict[str, str], lookups: _Lookups) -> None:
        self.number = number
        self.cells = {name: _unescape((cells.get(name) or "").strip()) for name in HEADER}
        self.lookups = lookups
        self.errors: list[RowError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def parse(self) -> dict[str, Any]:
        c = self.cells
        arguments: dict[str, Any] = {}
        for name in HEADER:
            if "\x00" in c[name]:
                # Usually a UTF-16 file read as UTF-8; no database text column takes it.
                self.error(name, gettext("Contains a NUL character: save the file as CSV UTF-8."))
                c[name] = c[name].replace("\x00", "")
        for name in sorted(REQUIRED, key=HEADER.index):
            if not c[name]:
                self.error(name, gettext("This column is required."))
        for name in ("title", "expectation", "delivery", "root_cause"):
            if c[name]:
                arguments[name] = c[name]
        if len(c["title"]) > 200:
            self.error("title", gettext("At most 200 characters."))
        for name, choices in (
            ("category", Gap.Category.choices),
            ("origin", Gap.Origin.choices),
            ("journey_stage", Gap.JourneyStage.choices),
        ):
            if c[name]:
                value = _choice(c[name], choices)
                if value is None:
                    allowed = ", ".join(stored for stored, _label in choices)
                    self.error(
                        name,
                        gettext("“%(value)s” is not one of: %(allowed)s.")
                        % {"value": c[name], "allowed": allowed},
                    )
                else:
                    arguments[name] = value
        if c["causing_role"]:
            role = self.lookups.roles_by_id.get(
                c["causing_role"]
            ) or self.lookups.roles_by_name.get(_key(c["causing_role"]))
            if role is None:
                self.error(
                    "causing_role",
                    gettext('No role “%(role)s”: write "Team / Role" or the role id.')
                    % {"role": c["causing_role"]},
                )
            arguments["causing_role"] = role
        if c["severity"]:
            if c["severity"] in {"1", "2", "3", "4", "5"}:
                arguments["severity"] = int(c["severity"])
            else:
                self.error("severity", gettext("A whole number from 1 to 5."))
        if c["touchpoint"]:
            touchpoint = self.lookups.touchpoints.get(_key(c["touchpoint"]))
            if touchpoint is None:
                self.error(
                    "touchpoint",
                    gettext("No touchpoint named “%(name)s”.") % {"name": c["touchpoint"]},
                )
            arguments["touchpoint"] = touchpoint
        arguments["themes"] = self._themes()
        for name in ("detected_on", "prevented_on", "remedy_due_on"):
            if c[name]:
                day = self._date(name)
                if day is not None:
                    arguments[name] = day
        for name in MONEY_COLUMNS:
            if c[name]:
                amount = self._amount(name)
                if amount is not None:
                    arguments[name] = amount
        status = (c["status"] or S.OPEN).lower()
        if status not in IMPORTABLE_STATUSES:
            self.error(
                "status",
                gettext("“%(status)s”: a gap is imported open, prevented or closed.")
                % {"status": c["status"]},
            )
        arguments["status"] = status
        if status == S.CLOSED:
            arguments["closed_at"] = self._closed_at()
            if not c["root_cause"]:
                self.error("root_cause", gettext("A closed gap needs its root cause."))
        if status == S.PREVENTED and not c["expected_monthly_occurrences"]:
            self.error("expected_monthly_occurrences", gettext("A prevented gap needs this."))
        return arguments

    def _themes(self) -> list[Theme]:
        themes = []
        for name in filter(None, (part.strip() for part in self.cells["themes"].split(";"))):
            theme = self.lookups.themes.get(_key(name)) or self.lookups.themes.get(slugify(name))
            if theme is None:
                self.error("themes", gettext("No theme named “%(name)s”.") % {"name": name})
            else:
                themes.append(theme)
        return themes

    def _date(self, name: str) -> date | None:
        try:
            day = parse_date(self.cells[name])
        except ValueError:
            day = None
        if day is None:
            self.error(
                name,
                gettext("“%(value)s” is not a date written YYYY-MM-DD.")
                % {"value": self.cells[name]},
            )
        return day

    def _closed_at(self) -> datetime | None:
        text = self.cells["closed_at"]
        if not text:
            self.error("closed_at", gettext("A closed gap needs the date it was closed."))
            return None
        try:
            moment = parse_datetime(text) or (
                datetime.combine(day, time(12)) if (day := parse_date(text)) else None
            )
        except ValueError:
            moment = None
        if moment is None:
            self.error(
                "closed_at",
                gettext("“%(value)s” is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM).")
                % {"value": text},
            )
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment > timezone.now():
            self.error("closed_at", gettext("The closing date cannot be in the future."))
        return moment

    def _amount(self, name: str) -> Decimal | None:
        try:
            amount = Decimal(self.cells[name])
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.error(
                name,
                gettext("“%(value)s” is not a number like 12.50.") % {"value": self.cells[name]},
            )
            return None
        if amount < 0:
            self.error(name, gettext("Cannot be negative."))
            return None
        column = Gap._meta.get_field(name)
        if not isinstance(column, DecimalField):
            raise TypeError(f"{name} is not a money column.")
        limit = Decimal(10) ** (column.max_digits - column.decimal_places)
        if amount >= limit:
            # Checked before quantize(), which cannot represent such a number with two decimals.
            self.error(name, gettext("Must be less than %(limit)s.") % {"limit": f"{limit:,}"})
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(name, gettext("At most two decimals."))
            return None
        if amount > GAP_LIMITS[name]:
            self.error(name, gettext("At most %(limit)s.") % {"limit": f"{GAP_LIMITS[name]:,}"})
            return None
        return amount


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    reader = csv.reader(io.StringIO(text.removeprefix(BOM)))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "", gettext("The file is empty: it needs a header row."))]
    except csv.Error as error:
        return [], [
            RowError(1, "", gettext("Not a readable CSV file (%(error)s).") % {"error": error})
        ]
    names = [name.strip().lower() for name in header]
    errors = []
    if len(names) == 1 and ";" in names[0]:
        return [], [RowError(1, "", gettext('Columns must be separated by commas, not ";".'))]
    missing = [name for name in HEADER if name in REQUIRED and name not in names]
    if missing:
        errors.append(
            RowError(
                1,
                "",
                gettext("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)},
            )
        )
    unknown = [name for name in names if name and name not in HEADER]
    if unknown:
        errors.append(
            RowError(
                1, "", gettext("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}
            )
        )
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names):
                errors.append(
                    RowError(number, "", gettext("More cells than the header has columns."))
                )
            rows.append((number, dict(zip(names, cells, strict=False))))
    except csv.Error as error:
        errors.append(
            RowError(
                reader.line_num, "", gettext("Unreadable line (%(error)s).") % {"error": error}
            )
        )
    if not rows and not errors:
        errors.append(RowError(2, "", gettext("The file has a header but no gaps.")))
    return rows, errors


def _service_errors(number: int, error: ValidationError) -> list[RowError]:
    if not hasattr(error, "error_dict"):
        return [RowError(number, "", message) for message in error.messages]
    return [
        RowError(number, "" if column == "__all__" else column, message)
        for column, messages in error.message_dict.items()
        for message in messages
    ]


class _Rollback(Exception):
    """Raised inside the import transaction to undo every row written so far."""


def gaps_import(*, actor: User, text: str) -> ImportResult:
    """Import gaps from CSV ``text``: all rows or none.

    Every row is checked first (all problems are reported, not only the first); then all rows
    are written through ``gap_create`` in one transaction, and any refusal from the service
    (e.g. a value the database would reject) undoes the whole import.
    """
    result = ImportResult()
    rows, result.errors = _read_rows(text)
    if result.errors:
        return result
    lookups = _Lookups()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, cells in rows:
        parser = _RowParser(number, cells, lookups)
        arguments = parser.parse()
        result.errors.extend(parser.errors)
        parsed.append((number, arguments))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, arguments in parsed:
                try:
                    result.created.append(services.gap_create(actor=actor, **arguments))
                except ValidationError as error:
                    result.errors.extend(_service_errors(number, error))
                except PermissionDenied as error:
                    result.errors.append(RowError(number, "", str(error)))
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = []
    return result
