from django.db import migrations, models

# Votes counted before this migration took their order from cast_at; their entries
# were added about then, so the same milliseconds stand in for their entries' IDs.
_FROM_CAST_AT = """
    UPDATE polls_vote SET stream_order = (extract(epoch FROM cast_at) * 1000)::bigint * 1048576
"""


class Migration(migrations.Migration):
    dependencies = [("polls", "0005_question_kinds")]

    operations = [
        migrations.AddField(
            model_name="vote",
            name="stream_order",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(_FROM_CAST_AT, migrations.RunSQL.noop),
    ]
