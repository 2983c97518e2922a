"""The model permissions each group holds, applied by data migrations.

Each app's data migration calls ``grant`` for its own models, so adding a model means adding
its permissions in that app's migration, not editing this app's history.
"""

from collections.abc import Iterable

VIEW = ("view",)
READ_WRITE = ("add", "change", "view")


def grant(apps, schema_editor, app_label: str, table: dict[str, dict[str, Iterable[str]]]) -> None:
    """Give each group the ``{group: {model: actions}}`` permissions of one app.

    Permissions are created first: on a fresh database they do not exist yet while
    migrations run (Django creates them after ``migrate``).
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in table.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
