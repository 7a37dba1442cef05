from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from events import jobs, signals  # noqa: F401 (connects the receivers)
        from events.models import Event
        from polls.models import JOIN_CODE_HOLDERS

        JOIN_CODE_HOLDERS.append(Event)  # an event's code and a poll's never collide
