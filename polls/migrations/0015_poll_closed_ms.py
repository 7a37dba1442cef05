from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("polls", "0014_quiz"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="closed_ms",
            field=models.BigIntegerField(
                editable=False, null=True, verbose_name="closed at (Redis's milliseconds)"
            ),
        ),
    ]
