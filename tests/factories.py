"""Factories for the organisation, users and gaps, shared by every test package."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from gaps.models import Gap, Occurrence, Role, Team, Theme, Touchpoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """``UserFactory(groups=["cx_team"])`` puts the user in those groups (made if missing)."""
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))
    customer_facing = False


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Role {n}")
    team = factory.SubFactory(TeamFactory)
    level = Role.Level.MANAGER

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        for user in extracted or ():
            self.owners.add(user)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    team = factory.SubFactory(TeamFactory, name="Support", customer_facing=True)
    channel = Touchpoint.Channel.PHONE
    cost_per_contact = Decimal("8.00")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))


class GapFactory(factory.django.DjangoModelFactory):
    """A gap saved directly, without the services' history: for read-side tests only."""

    class Meta:
        model = Gap
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Gap {n}")
    expectation = "Customers expect one clear invoice a month."
    delivery = "They get three partial invoices with codes nobody explains."
    category = Gap.Category.PROCESS
    causing_role = factory.SubFactory(RoleFactory)
    causing_team = factory.LazyAttribute(lambda g: g.causing_role.team)
    severity = 3
    touchpoint = factory.SubFactory(TouchpointFactory)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        for theme in extracted or ():
            self.themes.add(theme)


class OccurrenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occurrence

    gap = factory.SubFactory(GapFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    touchpoint = factory.LazyAttribute(lambda o: o.gap.touchpoint)
    source = "support_desk"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
