from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TallyConfig(AppConfig):
    name = "tally"
    verbose_name = _("Tallies")

    def ready(self) -> None:
        from tally import signals  # noqa: F401 (connects the receivers)
