"""The four groups of DESIGN.md with the gaps app's model permissions.

Object rules (a role owner changes only gaps of roles they own; executives never write) are
enforced in code; these model permissions are the coarse layer beneath them.
"""

from django.db import migrations

from gaps.groups import READ_WRITE, VIEW, grant

ORGANISATION = ("team", "role", "touchpoint", "theme")

TABLE = {
    "cx_team": {
        **{model: READ_WRITE for model in ORGANISATION},
        "gap": READ_WRITE,
        "occurrence": READ_WRITE,
        "gapevent": VIEW,
        "escalation": VIEW,
    },
    "role_owner": {
        **{model: VIEW for model in ORGANISATION},
        # add: log a prevented gap for an owned role; change: only gaps of owned roles.
        "gap": READ_WRITE,
        "occurrence": VIEW,
        "gapevent": VIEW,
        "escalation": VIEW,
    },
    "executive": {
        **{model: VIEW for model in ORGANISATION},
        "gap": VIEW,
        "occurrence": VIEW,
        "gapevent": VIEW,
        "escalation": VIEW,
    },
    "integration": {
        **{model: VIEW for model in ORGANISATION},
        "gap": READ_WRITE,
        "occurrence": READ_WRITE,
        "gapevent": VIEW,
    },
}


def create_groups(apps, schema_editor):
    grant(apps, schema_editor, "gaps", TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("gaps", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
