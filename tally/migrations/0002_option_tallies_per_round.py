# Tallies per round: the table is made anew and filled from the votes, which
# are what tallies always agree with (`recount`).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("polls", "0004_join_code_visibility_rounds"),
        ("tally", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="OptionTally"),
        migrations.CreateModel(
            name="OptionTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("round", models.PositiveIntegerField(default=1)),
                ("votes", models.PositiveIntegerField(default=0)),
                ("option", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tallies", to="polls.option")),
                ("poll", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="option_tallies", to="polls.poll")),
            ],
            options={
                "verbose_name_plural": "option tallies",
                "constraints": [
                    models.UniqueConstraint(fields=("option", "round"), name="one_tally_per_option_round"),
                    models.CheckConstraint(condition=models.Q(("votes__gte", 0)), name="tally_never_negative"),
                ],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO tally_optiontally (option_id, poll_id, round, votes)
            SELECT option_id, poll_id, round, count(*) FROM polls_vote
            GROUP BY option_id, poll_id, round
            """,
            migrations.RunSQL.noop,
        ),
    ]
