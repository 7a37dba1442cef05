# Question kinds and final votes. A vote's option becomes its choices (option
# ids, in order for a ranking), so one row holds any kind of cast; the worker
# checks that each is one of the poll's, which the (poll, option) foreign key
# did for one option.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("polls", "0004_join_code_visibility_rounds"),
        # That one fills the tallies from the votes' option, which goes here.
        ("tally", "0002_option_tallies_per_round"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="kind",
            field=models.CharField(
                choices=[
                    ("single", "single choice"),
                    ("multiple", "several choices"),
                    ("rating", "a score on a scale"),
                    ("ranking", "options in order of preference"),
                ],
                default="single",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="min_choices",
            field=models.PositiveSmallIntegerField(default=1, help_text="Several choices: how many a voter picks at least.", verbose_name="at least"),
        ),
        migrations.AddField(
            model_name="poll",
            name="max_choices",
            field=models.PositiveSmallIntegerField(blank=True, help_text="Several choices: how many a voter picks at most; a ranking: how many places are ranked. Empty: all of the options.", null=True, verbose_name="at most"),
        ),
        migrations.AddField(
            model_name="poll",
            name="scale_min",
            field=models.SmallIntegerField(default=1, verbose_name="lowest score"),
        ),
        migrations.AddField(
            model_name="poll",
            name="scale_max",
            field=models.SmallIntegerField(default=5, verbose_name="highest score"),
        ),
        migrations.AddField(
            model_name="poll",
            name="scale_min_label",
            field=models.CharField(blank=True, help_text="e.g. “Poor”", max_length=40, verbose_name="label of the lowest score"),
        ),
        migrations.AddField(
            model_name="poll",
            name="scale_max_label",
            field=models.CharField(blank=True, help_text="e.g. “Great”", max_length=40, verbose_name="label of the highest score"),
        ),
        migrations.AddField(
            model_name="poll",
            name="voters_may_change",
            field=models.BooleanField(default=True, help_text="Untick to make each voter's first vote final.", verbose_name="voters may change their vote"),
        ),
        migrations.AddConstraint(
            model_name="poll",
            constraint=models.CheckConstraint(condition=models.Q(("scale_min__lt", models.F("scale_max"))), name="poll_scale_goes_up", violation_error_message="The highest score must be above the lowest."),
        ),
        migrations.AddConstraint(
            model_name="poll",
            constraint=models.CheckConstraint(condition=models.Q(("max_choices__isnull", True), ("max_choices__gte", models.F("min_choices")), _connector="OR"), name="poll_choices_range", violation_error_message="“At most” cannot be below “at least”."),
        ),
        migrations.AddField(
            model_name="vote",
            name="choices",
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), null=True, size=None),
        ),
        migrations.RunSQL(
            "UPDATE polls_vote SET choices = ARRAY[option_id]",
            "UPDATE polls_vote SET option_id = choices[1]",
        ),
        migrations.RunSQL(
            "ALTER TABLE polls_vote DROP CONSTRAINT vote_option_of_its_poll",
            """
            ALTER TABLE polls_vote ADD CONSTRAINT vote_option_of_its_poll
            FOREIGN KEY (poll_id, option_id) REFERENCES polls_option (poll_id, id)
            DEFERRABLE INITIALLY DEFERRED
            """,
        ),
        migrations.RemoveField(model_name="vote", name="option"),
        migrations.AlterField(
            model_name="vote",
            name="choices",
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), size=None),
        ),
        migrations.AlterField(
            model_name="vote",
            name="poll",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="votes", to="polls.poll"),
        ),
    ]
