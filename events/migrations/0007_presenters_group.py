"""The presenters' group, with the permissions a presenter holds (events/presenters.py says
the same, and makes it again should it be gone)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "polls": [
        *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view")
          for model in ("poll", "option", "pollhost")),
        "view_vote", "view_invite", "view_answer", "change_answer", "view_question",
        "change_question",
    ],
    "events": [
        *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view")
          for model in ("event", "eventquestion", "eventhost")),
        "view_player",
    ],
}  # fmt: skip


def presenters_group(apps, schema_editor):
    # On a new database the permissions are made after every migration: make them now.
    for app in ("polls", "events"):
        config = apps.get_app_config(app)
        config.models_module = True  # a migration's stub of the app has none
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="presenters")
    for app, codenames in PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_owners_and_hosts"),
        ("polls", "0017_owners_and_hosts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(presenters_group, migrations.RunPython.noop)]
