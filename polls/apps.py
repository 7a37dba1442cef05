from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = _("Polls")

    def ready(self) -> None:
        from polls import signals  # noqa: F401 (connects the receivers)
        from polls.models import JOIN_CODE_HOLDERS, Poll
        from polls.stream import INGEST_GROUP, VOTE_STREAM
        from voting_site.metrics import queue_watched

        JOIN_CODE_HOLDERS.append(Poll)
        queue_watched(stream=VOTE_STREAM, group=INGEST_GROUP)  # the queue's gauges
