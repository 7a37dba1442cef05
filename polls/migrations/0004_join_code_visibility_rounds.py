# Join codes, results visibility and rounds. Existing polls get a code each:
# the column is added empty, filled poll by poll, then made unique.

import secrets

from django.db import migrations, models

# As the code had them then (polls.models' join_code_new now looks at other tables too,
# which do not exist yet at this point of the migrations).
ALPHABET, LENGTH = "23456789ABCDEFGHJKMNPQRSTUVWXYZ", 6


def code_new():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def codes_for_existing_polls(apps, schema_editor):
    Poll = apps.get_model("polls", "Poll")
    taken = set(Poll.objects.exclude(code__isnull=True).values_list("code", flat=True))
    for poll in Poll.objects.filter(code__isnull=True):
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        while code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        taken.add(code)
        Poll.objects.filter(pk=poll.pk).update(code=code)


class Migration(migrations.Migration):

    dependencies = [
        ("polls", "0003_vote_poll_index_is_the_unique_one"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="code",
            field=models.CharField(max_length=6, null=True),
        ),
        migrations.RunPython(codes_for_existing_polls, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="poll",
            name="code",
            field=models.CharField(
                default=code_new,
                editable=False,
                help_text="People join at /j/<code>; made with the poll.",
                max_length=6,
                unique=True,
                verbose_name="join code",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="results_visibility",
            field=models.CharField(
                choices=[
                    ("always", "always"),
                    ("voted", "to each browser once it has voted"),
                    ("revealed", "when the presenter reveals them"),
                    ("closed", "once the poll is closed"),
                ],
                default="always",
                help_text="When voters may see the counts. Staff always see them.",
                max_length=10,
                verbose_name="results shown",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="results_shown",
            field=models.BooleanField(
                blank=True,
                choices=[(None, "as the rule says"), (True, "revealed"), (False, "hidden")],
                help_text="Set by reveal and hide; it overrides the rule until the next reset.",
                null=True,
                verbose_name="presenter's word on the results",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="round",
            field=models.PositiveIntegerField(
                default=1,
                help_text="A reset starts a new round; older rounds are kept.",
                verbose_name="round",
            ),
        ),
        migrations.AddField(
            model_name="vote",
            name="round",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RemoveConstraint(
            model_name="vote",
            name="one_vote_per_voter_per_poll",
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(
                fields=("poll", "round", "voter"), name="one_vote_per_voter_per_round"
            ),
        ),
    ]
