"""A quiz's questions not yet asked in their current round have their results withheld
(Poll.results_shown False), as new quizzes' have: under the rule `closed` alone, a
question closed until shown gave its right answers away."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def withhold(apps, schema_editor):
    Poll = apps.get_model("polls", "Poll")
    Countdown = apps.get_model("polls", "Countdown")
    asked = Countdown.objects.filter(poll=OuterRef("pk"), round=OuterRef("round"))
    Poll.objects.filter(
        event_question__event__mode="quiz", results_shown__isnull=True, is_open=False
    ).exclude(Exists(asked)).update(results_shown=False)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_quiz"),
        ("polls", "0014_quiz"),
    ]

    operations = [migrations.RunPython(withhold, migrations.RunPython.noop)]
