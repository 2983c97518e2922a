"""The insights app's model permissions for the four groups of DESIGN.md."""

from django.db import migrations

from gaps.groups import READ_WRITE, VIEW, grant

TABLE = {
    "cx_team": {"insight": READ_WRITE, "routingrule": (*READ_WRITE, "delete"), "feeditem": VIEW},
    # Role owners read insights through their feeds and move their own items along.
    "role_owner": {"insight": VIEW, "feeditem": ("change", "view")},
    "executive": {"insight": VIEW, "routingrule": VIEW, "feeditem": VIEW},
    "integration": {"insight": READ_WRITE},
}


def grant_permissions(apps, schema_editor):
    grant(apps, schema_editor, "insights", TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("gaps", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
