"""CSV import (every row checked first, all or nothing) and export (same columns, re-importable)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gaps import csv_io
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from tests.factories import ThemeFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("gaps:import")


@pytest.fixture
def themes(db):
    return [ThemeFactory(name="Invoice clarity"), ThemeFactory(name="Refund speed")]


def csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_io.HEADER)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in csv_io.HEADER})
    return buffer.getvalue()


def upload(client, text: str, name: str = "gaps.csv"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(IMPORT, {"file": file})


def good_rows(owned_role) -> list[dict]:
    role = f"{owned_role.team.name} / {owned_role.name}"
    last_month = timezone.localdate() - timedelta(days=30)
    return [
        {
            "title": "Invoices arrive in three parts",
            "expectation": "One clear invoice a month.",
            "delivery": "Three partial invoices.",
            "category": "process",
            "causing_role": role,
            "severity": "4",
            "touchpoint": "Support phone line",
            "themes": "Invoice clarity; Refund speed",
            "detected_on": (last_month - timedelta(days=60)).isoformat(),
            "cost_to_serve": "9.50",
            "journey_stage": "get",
        },
        {
            "title": "Refund form rejects IBANs with spaces",
            "expectation": "Paste the IBAN as the bank prints it.",
            "delivery": "Error, no hint what is wrong.",
            "category": "Product",  # a label in another case is accepted
            "causing_role": str(owned_role.pk),
            "severity": "3",
            "status": "closed",
            "closed_at": last_month.isoformat(),
            "root_cause": "Validation stripped no whitespace.",
            "origin": "complaint",
        },
        {
            "title": "Double direct debit after bank migration",
            "expectation": "One debit per invoice.",
            "delivery": "Caught in testing before release.",
            "category": "process",
            "causing_role": role,
            "severity": "5",
            "status": "prevented",
            "prevented_on": last_month.isoformat(),
            "expected_monthly_occurrences": "120",
            "remedy_cost": "800.00",
        },
    ]


def test_good_file_imports_every_row_with_history(client, cx_user, owned_role, touchpoint, themes):
    client.force_login(cx_user)
    response = upload(client, csv_text(good_rows(owned_role)))
    assert response.status_code == 302
    assert response.url == reverse("gaps:list") + "?ordering=-created_at"  # what it created, first
    gaps = {gap.title: gap for gap in Gap.objects.all()}
    assert len(gaps) == 3
    first = gaps["Invoices arrive in three parts"]
    assert (first.touchpoint, str(first.cost_to_serve), first.journey_stage) == (
        touchpoint,
        "9.50",
        "get",
    )
    assert sorted(t.name for t in first.themes.all()) == ["Invoice clarity", "Refund speed"]
    closed = gaps["Refund form rejects IBANs with spaces"]
    assert (closed.status, closed.category, closed.origin) == (S.CLOSED, "product", "complaint")
    assert closed.closed_at.date() == timezone.localdate() - timedelta(days=30)
    prevented = gaps["Double direct debit after bank migration"]
    assert (prevented.status, str(prevented.expected_monthly_occurrences)) == (
        S.PREVENTED,
        "120.00",
    )
    assert GapEvent.objects.filter(kind=GapEvent.Kind.CREATED, actor=cx_user).count() == 3
    listing = client.get(reverse("gaps:list"), {"ordering": "-created_at"}).content.decode()
    assert "Imported 3 gaps: they are first in the list below" in listing


def test_bad_file_reports_row_and_column_and_stores_nothing(
    client, cx_user, owned_role, touchpoint, themes
):
    rows = good_rows(owned_role)
    rows[0]["severity"] = "7"
    rows[0]["themes"] = "Invoice clarity; Unknown theme"
    rows[1]["closed_at"] = (timezone.localdate() + timedelta(days=3)).isoformat()
    rows[1]["root_cause"] = ""
    rows[2]["causing_role"] = "Billing / Nobody"
    rows[2]["remedy_cost"] = "-5"
    rows.append({"title": "Only a title", "status": "acknowledged", "detected_on": "31/12/2025"})
    client.force_login(cx_user)
    response = upload(client, csv_text(rows))
    assert response.status_code == 400
    errors = {(e.row, e.column) for e in response.context["result"].errors}
    assert {
        (2, "severity"),
        (2, "themes"),
        (3, "closed_at"),
        (3, "root_cause"),
        (4, "causing_role"),
        (4, "remedy_cost"),
        (5, "expectation"),
        (5, "delivery"),
        (5, "category"),
        (5, "causing_role"),
        (5, "severity"),
        (5, "status"),
        (5, "detected_on"),
    } <= errors
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "Unknown theme" in html
    assert not Gap.objects.exists()
    assert not GapEvent.objects.exists()


def test_a_refusal_while_writing_undoes_the_rows_already_written(
    cx_user, owned_role, touchpoint, themes
):
    rows = good_rows(owned_role)
    rows[1]["title"] = "x" * 150 + "y" * 60  # too long: found by the row check
    result = csv_io.gaps_import(actor=cx_user, text=csv_text(rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "title")]
    rows = good_rows(owned_role)
    rows[2]["detected_on"] = "1960-01-01"  # a real date, but before 1970: only the service knows
    result = csv_io.gaps_import(actor=cx_user, text=csv_text(rows))
    assert result.errors
    assert {e.row for e in result.errors} == {4}
    assert not Gap.objects.exists()


def test_nul_characters_and_huge_amounts_are_row_errors_not_500s(
    client, cx_user, owned_role, touchpoint, themes
):
    rows = good_rows(owned_role)
    rows[0]["expectation"] = "One clear\x00 invoice"  # PostgreSQL text refuses NUL
    rows[1]["remedy_cost"] = "1e30"  # more than quantize() can hold
    rows[2]["expected_monthly_occurrences"] = "1" * 13
    client.force_login(cx_user)
    response = upload(client, csv_text(rows))
    assert response.status_code == 400
    errors = {(e.row, e.column): e.message for e in response.context["result"].errors}
    assert "NUL" in errors[(2, "expectation")]
    assert errors[(3, "remedy_cost")] == "Must be less than 1,000,000,000,000."
    assert errors[(4, "expected_monthly_occurrences")] == "Must be less than 10,000,000,000."
    assert not Gap.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("title;expectation;delivery\n", "commas"),
        ("title,colour\nA,red\n", "Missing required columns"),
        (",".join(csv_io.HEADER) + "\n", "no gaps"),
    ],
)
def test_malformed_files_are_explained(client, cx_user, text, message):
    client.force_login(cx_user)
    response = upload(client, text)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_not_utf8_is_a_form_error(client, cx_user):
    client.force_login(cx_user)
    file = SimpleUploadedFile("gaps.csv", "titlé\n".encode("utf-16"), content_type="text/csv")
    response = client.post(IMPORT, {"file": file})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_export_then_import_round_trip(client, cx_user, make_gap, themes, owned_role):
    now = timezone.now()
    make_gap(title="=SUM(A1:A3) looks like a formula", themes=themes, cost_to_serve="4.20")
    make_gap(status=S.CLOSED, closed_at=now - timedelta(days=3), root_cause="Old template.")
    make_gap(
        title="Prevented one",
        status=S.PREVENTED,
        expected_monthly_occurrences="40",
        remedy_cost="250.00",
    )
    client.force_login(cx_user)
    response = client.get(reverse("gaps:export"), {"status": ["open", "closed", "prevented"]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    # The byte-order mark first, so that spreadsheets read the file as UTF-8.
    assert text.splitlines()[0] == "\ufeff" + ",".join(csv_io.HEADER)
    assert "'=SUM(A1:A3)" in text  # spreadsheets do not run it
    before = sorted(csv_io.gap_row(gap) for gap in Gap.objects.prefetch_related("themes"))
    Gap.objects.all().delete()
    result = csv_io.gaps_import(actor=cx_user, text=text)
    assert result.ok, result.errors
    after = sorted(csv_io.gap_row(gap) for gap in Gap.objects.prefetch_related("themes"))
    assert after == before


def test_export_uses_the_list_filters(client, cx_user, make_gap, other_role):
    make_gap(title="Billing gap")
    make_gap(title="Logistics gap", causing_role=other_role)
    client.force_login(cx_user)
    response = client.get(reverse("gaps:export"), {"causing_role": other_role.pk})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Logistics gap,")


def test_export_query_count_does_not_grow(
    client, cx_user, make_gap, themes, django_assert_max_num_queries
):
    client.force_login(cx_user)
    make_gap(themes=themes)
    with django_assert_max_num_queries(12) as small:
        b"".join(client.get(reverse("gaps:export")).streaming_content)
    for n in range(20):
        make_gap(title=f"Gap {n}", themes=themes)
    with django_assert_max_num_queries(len(small.captured_queries)):
        lines = b"".join(client.get(reverse("gaps:export")).streaming_content).splitlines()
    assert len(lines) == 22


def test_my_roles_export_only_mine(client, owner_user, make_gap, other_role):
    make_gap(title="Mine")
    make_gap(title="Not mine", causing_role=other_role)
    client.force_login(owner_user)
    text = b"".join(client.get(reverse("gaps:export"), {"mine": "1"}).streaming_content).decode()
    assert "Mine" in text
    assert "Not mine" not in text


def test_template_and_column_help(client, cx_user, owner_user):
    client.force_login(cx_user)
    page = client.get(IMPORT).content.decode()
    for name in csv_io.HEADER:
        assert f"{name}</" in page
    template = client.get(reverse("gaps:import_template")).content.decode("utf-8-sig")
    assert template.splitlines()[0] == ",".join(csv_io.HEADER)
    client.force_login(owner_user)
    assert client.get(IMPORT).status_code == 403


def test_rows_the_actor_may_not_log_are_reported(owner_user, owned_role, touchpoint, themes):
    result = csv_io.gaps_import(actor=owner_user, text=csv_text(good_rows(owned_role)))
    assert {(e.row, e.message) for e in result.errors} == {
        (2, "Role owners log prevented gaps only."),
        (3, "Role owners log prevented gaps only."),
    }
    assert not Gap.objects.exists()
