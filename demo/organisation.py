"""Demo organisation for ``manage.py seed_demo``: teams, roles at every level, touchpoints,
themes, one user per group, and eighteen months of gap history (``demo.gap_history``).
Idempotent: every row is looked up by its natural key first.
"""

import functools
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.text import slugify

from gaps import permissions
from gaps.models import Role, Team, Theme, Touchpoint

from .gap_history import seed_history

DEMO_PASSWORD = "cxalign-demo"  # noqa: S105 - printed for the demo; never used in production.

# (team, customer facing, [(role, level)])
TEAMS: list[tuple[str, bool, list[tuple[str, str]]]] = [
    (
        "Marketing",
        True,
        [
            ("Chief Marketing Officer", "executive"),
            ("Marketing Director", "director"),
            ("Campaign Manager", "manager"),
            ("Content Writer", "individual_contributor"),
        ],
    ),
    (
        "Sales",
        True,
        [
            ("Chief Revenue Officer", "executive"),
            ("Sales Director", "director"),
            ("Sales Manager", "manager"),
            ("Account Executive", "individual_contributor"),
        ],
    ),
    (
        "Support",
        True,
        [
            ("Customer Service Director", "director"),
            ("Support Team Lead", "manager"),
            ("Support Agent", "individual_contributor"),
        ],
    ),
    (
        "Product",
        False,
        [
            ("Chief Product Officer", "executive"),
            ("Product Director", "director"),
            ("Product Manager", "manager"),
            ("UX Designer", "individual_contributor"),
        ],
    ),
    (
        "Engineering",
        False,
        [
            ("Chief Technology Officer", "executive"),
            ("Engineering Director", "director"),
            ("Engineering Manager", "manager"),
            ("Software Engineer", "individual_contributor"),
            ("QA Engineer", "individual_contributor"),
        ],
    ),
    (
        "Billing",
        False,
        [
            ("Chief Financial Officer", "executive"),
            ("Finance Director", "director"),
            ("Billing Operations Manager", "manager"),
            ("Invoicing Specialist", "individual_contributor"),
        ],
    ),
    (
        "Legal",
        False,
        [
            ("General Counsel", "executive"),
            ("Legal Director", "director"),
            ("Contracts Manager", "manager"),
            ("Paralegal", "individual_contributor"),
        ],
    ),
    (
        "Logistics",
        False,
        [
            ("Chief Operating Officer", "executive"),
            ("Logistics Director", "director"),
            ("Warehouse Manager", "manager"),
            ("Dispatcher", "individual_contributor"),
        ],
    ),
    (
        "IT",
        False,
        [
            ("IT Director", "director"),
            ("IT Service Manager", "manager"),
            ("Systems Administrator", "individual_contributor"),
        ],
    ),
    (
        "HR",
        False,
        [
            ("HR Director", "director"),
            ("Training Manager", "manager"),
            ("Recruiter", "individual_contributor"),
        ],
    ),
    (
        "Partners",
        False,
        [
            ("Partner Director", "director"),
            ("Channel Manager", "manager"),
            ("Courier Partner", "partner"),
            ("Reseller Partner", "partner"),
        ],
    ),
]

# (touchpoint, team, channel, cost per contact)
TOUCHPOINTS = [
    ("Website", "Marketing", "web", "0.40"),
    ("Mobile app", "Product", "app", "0.30"),
    ("Billing emails", "Billing", "email", "1.10"),
    ("Support phone line", "Support", "phone", "9.50"),
    ("Live chat", "Support", "chat", "4.20"),
    ("Support email", "Support", "email", "6.80"),
    ("Store counter", "Sales", "in_person", "14.00"),
    ("Sales calls", "Sales", "phone", "18.00"),
    ("Delivery doorstep", "Logistics", "in_person", "3.50"),
    ("Printed invoices", "Billing", "post", "2.60"),
    ("Social media", "Marketing", "social", "2.10"),
]

THEMES = [
    "Invoice clarity",
    "Delivery time",
    "Refund speed",
    "Onboarding",
    "Product reliability",
    "Contract terms",
    "Pricing transparency",
    "Staff courtesy",
    "Account access",
    "Returns policy",
    "Order accuracy",
    "Data privacy",
]

# (username, first, last, group, roles owned by (team, role name))
USERS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("cx", "Carla", "Ximenes", permissions.CX_TEAM, []),
    (
        "owner",
        "Oskar",
        "Brandt",
        permissions.ROLE_OWNER,
        [
            ("Billing", "Billing Operations Manager"),
            ("Billing", "Invoicing Specialist"),
            ("Billing", "Finance Director"),
        ],
    ),
    ("exec", "Eleni", "Xanthou", permissions.EXECUTIVE, []),
    ("integration", "Support", "Desk", permissions.INTEGRATION, []),
]


def _owner_username(team: str, level: str) -> str:
    return f"{slugify(team)}.{level.split('_')[0]}"


@transaction.atomic
def seed(stdout=None) -> dict:
    """Create the demo organisation, users and gap history; running it again changes nothing."""
    teams: dict[str, Team] = {}
    roles: dict[tuple[str, str], Role] = {}
    for team_name, facing, team_roles in TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=slugify(team_name), defaults={"name": team_name, "customer_facing": facing}
        )
        teams[team_name] = team
        for role_name, level in team_roles:
            role, _ = Role.objects.get_or_create(
                team=team, name=role_name, defaults={"level": level}
            )
            roles[(team_name, role_name)] = role

    for name, team_name, channel, cost in TOUCHPOINTS:
        Touchpoint.objects.get_or_create(
            name=name,
            defaults={
                "team": teams[team_name],
                "channel": channel,
                "cost_per_contact": Decimal(cost),
            },
        )
    for name in THEMES:
        Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in permissions.GROUPS}
    created_users = []
    for username, first, last, group, owned in USERS:
        user = _demo_user(username, first, last, groups[group])
        created_users.append(username)
        for key in owned:
            roles[key].owners.add(user)

    # Every role gets an owner of its own, so escalations and feeds reach a real person.
    for (team_name, _role_name), role in roles.items():
        if role.owners.exists():
            continue
        username = _owner_username(team_name, role.level)
        user = _demo_user(username, role.name.split()[0], team_name, groups[permissions.ROLE_OWNER])
        role.owners.add(user)

    admin, made = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if made:
        admin.set_password(DEMO_PASSWORD)
        admin.save()

    seed_history(roles, stdout)

    if stdout is not None:
        stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for username, _first, _last, group, _owned in USERS:
            stdout.write(f"  {username:<12} {group}")
        stdout.write("  admin        superuser (Django admin)")
    return {"teams": teams, "roles": roles}


def _demo_user(username: str, first: str, last: str, group: Group) -> User:
    user, made = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
    )
    if made:
        user.password = _demo_password_hash()
        user.save()
    user.groups.add(group)
    return user


@functools.cache
def _demo_password_hash() -> str:
    """Hash the demo password once: forty users share it, and each hash takes a second."""
    return make_password(DEMO_PASSWORD)
