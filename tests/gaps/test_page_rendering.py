"""What made the list pages cheaper renders and reads exactly what it replaced: compact
``<select>`` widgets, labels of choices, table versions read once per reading request."""

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gaps.filtersets import CompactSelect, CompactSelectMultiple
from gaps.models import Gap, Team
from gaps.pagination import table_version, versions_read_once
from insights.models import FeedItem, Insight

CHOICES = [("", "Any"), ("a", "A & <b>"), ("b", "Bee"), ("a", "A again")]


@pytest.mark.parametrize(
    ("compact", "django_widget", "value", "selected"),
    [
        (CompactSelect, forms.Select, "a", 1),  # the first "a" only
        (CompactSelect, forms.Select, "", 1),
        (CompactSelect, forms.Select, None, 1),  # "Any"
        (CompactSelectMultiple, forms.SelectMultiple, ["a", "b"], 3),  # every "a"
        (CompactSelectMultiple, forms.SelectMultiple, [], 0),
    ],
)
def test_compact_selects_render_what_djangos_templates_render(
    compact, django_widget, value, selected
):
    attrs = {"id": "id_pick", "required": True, "data-placeholder": "Any"}
    ours = compact(choices=CHOICES).render("pick", value, attrs=attrs)
    djangos = django_widget(choices=CHOICES).render("pick", value, attrs=attrs)
    # The same elements, attributes and text (attribute order and whitespace aside): a
    # single select marks only the first option of a repeated value, as Django does.
    assert parse_html(ours) == parse_html(djangos)
    assert ours.count(" selected") == selected


@pytest.mark.django_db
def test_a_model_choice_compact_select_lists_the_querysets_rows():
    Team.objects.create(name="Billing", slug="billing")
    field = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), empty_label="All teams", widget=CompactSelect
    )
    billing = Team.objects.get(slug="billing")
    html = field.widget.render("team", billing.pk)
    djangos = forms.Select(choices=field.choices).render("team", billing.pk)
    assert parse_html(html) == parse_html(djangos)
    assert f'<option value="{billing.pk}" selected>Billing</option>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_choice_labels_are_djangos_in_the_active_language(gap, language):
    with translation.override(language):
        for status in Gap.Status:
            gap.status = status.value
            assert gap.get_status_display() == str(status.label)
        # A value outside the choices shows as itself, as Django shows it.
        gap.status = "unheard-of"
        assert gap.get_status_display() == "unheard-of"


@pytest.mark.django_db
def test_table_versions_are_read_once_inside_a_reading_block():
    with CaptureQueriesContext(connection) as outside:
        first = table_version(Insight, FeedItem)
        assert table_version(Insight, FeedItem) == first
    assert len(outside) == 2
    with versions_read_once(), CaptureQueriesContext(connection) as inside:
        assert table_version(Insight, FeedItem) == first
        assert table_version(Insight, FeedItem) == first
        table_version(Gap)
    assert len(inside) == 2  # one per set of tables


@pytest.mark.django_db
def test_a_page_reads_each_version_once_but_a_write_reads_afresh(client, owner_user, gap):
    client.force_login(owner_user)
    versions = 'max("id") FROM "insights_insight"'
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("insights:my_feed")).status_code == 200
    assert sum(versions in query["sql"] for query in page.captured_queries) == 1
    # Outside a request nothing is kept: the next read sees a write at once.
    before = table_version(Gap)
    gap.title = "Renamed"
    gap.save()
    assert table_version(Gap) != before


@pytest.mark.django_db
def test_cached_choices_write_their_options_once_and_mark_the_chosen_ones():
    from gaps.list_page import BulkActionForm
    from gaps.org_choices import use_cached_choices
    from tests.factories import RoleFactory

    roles = [RoleFactory(name=name) for name in ("Agent & co", "<Lead>", "Clerk")]

    def rendered(value) -> str:
        form = BulkActionForm(gaps=Gap.objects.none())
        use_cached_choices(form, ("causing_role",))
        return form.fields["causing_role"].widget.render("causing_role", value)

    def djangos(value) -> str:
        field = BulkActionForm(gaps=Gap.objects.none()).fields["causing_role"]
        choices = [(role.pk, field.label_from_instance(role)) for role in field.queryset]
        return forms.Select(field.widget.attrs, choices=choices).render("causing_role", value)

    first = rendered(None)
    widget_written = BulkActionForm(gaps=Gap.objects.none())
    use_cached_choices(widget_written, ("causing_role",))
    # The second form reuses the options written for the first (same cached list).
    assert widget_written.fields["causing_role"].widget.written is not None
    assert rendered(None) == first
    assert parse_html(first) == parse_html(djangos(None))
    chosen = rendered(roles[1].pk)
    assert chosen.count(" selected") == 1
    assert parse_html(chosen) == parse_html(djangos(roles[1].pk))
    assert "&lt;Lead&gt;" in chosen
    assert "Agent &amp; co" in chosen
    # A rename replaces the organisation's generation: the options are written anew.
    roles[2].name = "Cashier"
    roles[2].save()
    assert "Cashier" in rendered(None)
    assert "Clerk" not in rendered(None)
