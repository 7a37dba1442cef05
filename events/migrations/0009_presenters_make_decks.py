"""Presenters may upload PDF decks to their events (events/presenters.py says the same)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_deck", "view_deck", "delete_deck"]


def decks_for_presenters(apps, schema_editor):
    config = apps.get_app_config("events")
    config.models_module = True  # a migration's stub of the app has none
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="presenters")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="events", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("events", "0008_decks")]

    operations = [migrations.RunPython(decks_for_presenters, migrations.RunPython.noop)]
