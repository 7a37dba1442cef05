from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = "Polls"

    def ready(self) -> None:
        from polls import signals  # noqa: F401 (connects the receivers)
        from polls.models import JOIN_CODE_HOLDERS, Poll

        JOIN_CODE_HOLDERS.append(Poll)
