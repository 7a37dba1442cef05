from django.apps import AppConfig


class TallyConfig(AppConfig):
    name = "tally"
    verbose_name = "Tallies"
