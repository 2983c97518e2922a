"""Rollup permissions: everyone who reads ROI figures may view the rollup tables."""

from django.db import migrations

from gaps.groups import VIEW, grant

ROLLUP_MODELS = ("dailyrollup", "monthlyteamrollup", "monthlyrolerollup", "gapsnapshot", "rolluprun")
TABLE = {
    group: {model: VIEW for model in ROLLUP_MODELS}
    for group in ("cx_team", "executive", "integration")
}


def grant_permissions(apps, schema_editor):
    grant(apps, schema_editor, "roi", TABLE)


class Migration(migrations.Migration):
    dependencies = [("roi", "0003_rollups")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
