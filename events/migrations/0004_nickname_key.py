"""Nicknames unique by how they look (events/nicknames.py), not by their letters' case
alone: "Ada" and "Аda" (a Cyrillic A) were two players."""

from django.db import migrations, models


def keys_fill(apps, schema_editor):
    from events.nicknames import nickname_skeleton

    Player = apps.get_model("events", "Player")
    taken = set()
    for player in Player.objects.order_by("joined_at", "pk"):
        key = nickname_skeleton(player.nickname)
        if (player.event_id, key) in taken:
            key = f"{key}#{player.pk}"  # a look-alike that joined before this check: kept
        taken.add((player.event_id, key))
        player.nickname_key = key
        player.save(update_fields=["nickname_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_quiz_results_withheld"),
    ]

    operations = [
        migrations.AddField(
            model_name="player",
            name="nickname_key",
            field=models.CharField(default="", max_length=80, verbose_name="nickname's look"),
            preserve_default=False,
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="player", name="one_nickname_per_event"),
        migrations.AddConstraint(
            model_name="player",
            constraint=models.UniqueConstraint(
                fields=("event", "nickname_key"), name="one_look_of_nickname_per_event"
            ),
        ),
    ]
