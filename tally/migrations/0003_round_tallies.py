# Voters per round, counted as the votes are: filled from the votes here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("polls", "0005_question_kinds"),
        ("tally", "0002_option_tallies_per_round"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoundTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("round", models.PositiveIntegerField(default=1)),
                ("voters", models.PositiveIntegerField(default=0)),
                ("poll", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="round_tallies", to="polls.poll")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("poll", "round"), name="one_tally_per_poll_round")],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO tally_roundtally (poll_id, round, voters)
            SELECT poll_id, round, count(*) FROM polls_vote GROUP BY poll_id, round
            """,
            migrations.RunSQL.noop,
        ),
    ]
