from django.apps import AppConfig


class TallyConfig(AppConfig):
    name = "tally"
    verbose_name = "Tallies"

    def ready(self) -> None:
        from tally import signals  # noqa: F401 (connects the receivers)
