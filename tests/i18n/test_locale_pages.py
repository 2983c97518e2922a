"""Pages follow the browser's language or the person's own choice; money and numbers are
formatted for that language; the API's data stays locale-free while its own error messages
follow Accept-Language."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from cxalign import formats
from gaps import digests
from notifications.language import SESSION_KEY, language_set
from notifications.models import LanguagePreference
from roi import services
from tests.factories import UserFactory
from tests.roi.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled(history, pinned_today) -> dict:
    services.rollup_nightly(today=TODAY)
    return history


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "EUR 1,234.50"),
        ("de", "1.234,50\xa0€"),
        ("fr", "1\u202f234,50\xa0€"),
        ("es", "1.234,50\xa0€"),
    ],
)
def test_money_is_formatted_for_the_language(language, shown):
    assert formats.money(Decimal("1234.5"), "EUR", language=language) == shown


def test_large_amounts_and_plain_numbers_per_language():
    assert formats.money(Decimal("12345"), "EUR", language="es") == "12.345,00\xa0€"
    assert formats.money(Decimal("0.005"), "EUR", language="en") == "EUR 0.01"  # half-up
    assert formats.money(Decimal("8"), "", language="de") == "8,00"
    assert formats.money(None, "EUR") == "—"
    assert formats.percent(Decimal("470"), language="de") == "470,00 %"
    assert formats.integer(12345, language="fr") == "12\u202f345"
    with translation.override("de"):
        assert formats.days(Decimal("140")) == "140 Tage"
        assert formats.days(Decimal("1")) == "1 Tag"


def test_a_german_browser_gets_german_text_and_numbers(client, exec_user, rolled):
    client.force_login(exec_user)
    response = client.get("/roi/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "ROI-Dashboard" in page
    assert "Gemessene Einsparungen" in page
    assert "2.100,00\xa0€" in page
    assert "470,00 %" in page
    assert "EUR 2,100.00" not in page
    # The chart is told the language (axis ticks) and gets translated legends (as the first
    # request computed them: a second one in German reads the cached content).
    chart = response.context["chart_data"]
    assert (
        "Gemessene Einsparungen" in client.get("/roi/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )
    assert chart["locale"] == "de"
    assert chart["text"]["measured"] == "Gemessene Einsparungen"


def test_without_accept_language_the_pages_stay_english(client, exec_user, rolled):
    client.force_login(exec_user)
    page = client.get("/roi/").content.decode()
    assert '<html lang="en">' in page
    assert "EUR 2,100.00" in page
    assert "Measured savings" in page


def test_an_unsupported_browser_language_falls_back_to_english(client, exec_user, rolled):
    client.force_login(exec_user)
    page = client.get("/roi/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "EUR 2,100.00" in page


def test_the_api_stays_locale_free_under_a_german_header(api, rolled):
    response = api.get(
        "/api/v1/roi/summary/", {"as_of": TODAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["measured_savings"] == "2100.00"
    assert body["roi_percent"] == "470.00"
    assert body["rolled_through"] == "2026-05-31"
    export = api.get("/api/v1/roi/rollups/export/", HTTP_ACCEPT_LANGUAGE="de")
    assert export.status_code == 200
    text = (b"".join(export.streaming_content) if export.streaming else export.content).decode()
    assert re.search(r",\d+\.\d\d(,|$)", text, re.M)  # decimal points, as machines read them
    assert "€" not in text


def test_the_apis_own_error_messages_follow_accept_language(api):
    english = api.get("/api/v1/gaps/", {"page_size": "0"})
    german = api.get("/api/v1/gaps/", {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 400
    assert english.json()["page_size"][0].startswith("Give a whole number from 1 to")
    assert german.json()["page_size"][0].startswith("Geben Sie eine ganze Zahl von 1 bis")


def test_the_persons_choice_beats_the_browser(client, exec_user, rolled):
    LanguagePreference.objects.create(user=exec_user, language="fr")
    client.force_login(exec_user)  # sign-in copies the choice into the session
    assert client.session[SESSION_KEY] == "fr"
    page = client.get("/roi/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="fr">' in page
    assert "Économies mesurées" in page
    assert "2\u202f100,00\xa0€" in page
    assert "Gemessene Einsparungen" not in page


def test_choosing_a_language_on_the_preferences_page(client, exec_user):
    client.force_login(exec_user)
    form = client.get("/notifications/preferences/")
    assert 'name="language"' in form.content.decode()
    choices = {kind: "both" for kind in form.context["form"].fields if kind != "language"}
    response = client.post("/notifications/preferences/", {**choices, "language": "es"})
    assert response.status_code == 302
    assert LanguagePreference.objects.get(user=exec_user).language == "es"
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Preferencias de notificación" in page
    assert "Sus preferencias se han guardado." in page
    # "As my browser asks" forgets the choice: the browser decides again.
    client.post("/notifications/preferences/", {**choices, "language": ""})
    assert not LanguagePreference.objects.filter(user=exec_user).exists()
    page = client.get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Benachrichtigungseinstellungen" in page


def test_an_unknown_language_is_refused_with_a_form_error(client, exec_user):
    client.force_login(exec_user)
    form = client.get("/notifications/preferences/")
    choices = {kind: "both" for kind in form.context["form"].fields if kind != "language"}
    response = client.post("/notifications/preferences/", {**choices, "language": "xx"})
    assert response.status_code == 400
    assert not LanguagePreference.objects.filter(user=exec_user).exists()


def test_the_choice_follows_the_person_to_a_new_session(client, exec_user):
    language_set(user=exec_user, language="de")
    client.force_login(exec_user)
    page = client.get("/notifications/preferences/").content.decode()
    assert "Benachrichtigungseinstellungen" in page
    client.logout()
    other = UserFactory()
    client.force_login(other)
    page = client.get("/notifications/preferences/").content.decode()
    assert "Notification preferences" in page


def test_the_digest_is_written_in_the_recipients_language(owner_user, settings):
    LanguagePreference.objects.create(user=owner_user, language="de")
    section = digests.DigestSection(title="x", lines=["y"], count=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(digests, "_sections", {"t": lambda user, since, now: section})
        assert digests.digest_send(user=owner_user, day=TODAY)
    message = mail.outbox[-1]
    with translation.override("de"):
        day = date_format(TODAY, "d M Y")
    assert message.subject == f"cxalign-Übersicht vom {day}"
    assert message.body.startswith(f"Hallo {owner_user.get_full_name() or owner_user.username},")
    assert "Ihre cxalign-Übersicht vom 1 Juni 2026." in message.body
    # The mail's language does not leak into what runs after it.
    assert translation.get_language() == "en"
