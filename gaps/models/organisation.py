"""Who causes gaps and where customers meet them: teams, roles, touchpoints and themes."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cxalign.choices import ChoiceLabelsMixin

from ..querysets import OrganisationQuerySet
from .limits import MAX_OCCURRENCE_MONEY, bounded


class Team(models.Model):
    """A team of the company. Customer-facing teams absorb gaps that other teams create."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    customer_facing = models.BooleanField(default=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(ChoiceLabelsMixin, models.Model):
    """A work role in a team; the unit of accountability for gaps and of insight routing."""

    class Level(models.TextChoices):
        EXECUTIVE = "executive", _("Executive")
        DIRECTOR = "director", _("Director")
        MANAGER = "manager", _("Manager")
        INDIVIDUAL_CONTRIBUTOR = "individual_contributor", _("Individual contributor")
        PARTNER = "partner", _("Partner")

    name = models.CharField(max_length=120)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="roles")
    level = models.CharField(max_length=32, choices=Level.choices)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="owned_roles"
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="role_unique_name_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team.name})"

    def get_absolute_url(self) -> str:
        return reverse("insights:feed", args=[self.pk])


class Touchpoint(models.Model):
    """Where customers meet the company and where gaps surface."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        APP = "app", _("App")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat")
        IN_PERSON = "in_person", _("In person")
        POST = "post", _("Post")
        SOCIAL = "social", _("Social")

    name = models.CharField(max_length=120, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="touchpoints")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    cost_per_contact = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=bounded(MAX_OCCURRENCE_MONEY),
        help_text=_("Cost to serve one occurrence of a gap here (at most 1,000,000.00)."),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_per_contact__gte=0),
                name="touchpoint_cost_per_contact_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(cost_per_contact__lte=MAX_OCCURRENCE_MONEY),
                name="touchpoint_cost_per_contact_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A topic shared by gaps and insights, e.g. "invoice clarity"."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
