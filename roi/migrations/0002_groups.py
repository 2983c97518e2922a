"""Cost model permissions: the CX team edits it; everyone else reads it."""

from django.db import migrations

from gaps.groups import READ_WRITE, VIEW, grant

TABLE = {
    "cx_team": {"costmodel": READ_WRITE},
    "role_owner": {"costmodel": VIEW},
    "executive": {"costmodel": VIEW},
    "integration": {"costmodel": VIEW},
}


def grant_permissions(apps, schema_editor):
    grant(apps, schema_editor, "roi", TABLE)


class Migration(migrations.Migration):
    dependencies = [("roi", "0001_initial"), ("gaps", "0002_groups")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
