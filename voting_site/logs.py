"""What the log says of what a client or an outage causes: one line, never a traceback.

- A refused request (a form Django cannot parse, a host it does not serve): Django
  logs it with the exception's traceback, 20 lines or more a time, and whoever
  sends such requests would write the log as fast as they send them. The line
  says what happened; the code that raised is Django's, not a bug of ours.
- Redis unreachable: channels-redis logs a traceback every second while it
  tries again. The line says what the error was.

A client's line is also cut short: it names the path asked for, which a client
makes as long as its server lets it (tens of kilobytes).

A server error (500 and up) and any other exception keep their traceback.
"""

from __future__ import annotations

import logging

from redis import exceptions as redis_errors

CLIENT_ERROR_LOGGERS = ("django.request", "django.security")
# The longest line a client's error writes, in characters.
CLIENT_LINE_MAX = 300
REDIS_CLIENT_LOGGERS = ("channels_redis",)


class ExpectedErrorsInOneLine(logging.Filter):
    """A logging filter: a client's error, or Redis being down, is one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(CLIENT_ERROR_LOGGERS) and _client_error(record):
            _one_line(record, with_error=False)
            _cut_short(record, CLIENT_LINE_MAX)
        elif record.name.startswith(REDIS_CLIENT_LOGGERS) and _redis_down(record):
            _one_line(record, with_error=True)
        return True


def _client_error(record: logging.LogRecord) -> bool:
    status = getattr(record, "status_code", None)
    if status is None:
        return record.name.startswith("django.security")  # a suspicious request: refused
    return bool(400 <= status < 500)


def _redis_down(record: logging.LogRecord) -> bool:
    error = record.exc_info[1] if record.exc_info else None
    while error is not None:  # the error, or one it was raised from or while handling
        if isinstance(error, redis_errors.ConnectionError | redis_errors.TimeoutError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _one_line(record: logging.LogRecord, *, with_error: bool) -> None:
    if with_error and record.exc_info and record.exc_info[1] is not None:
        record.msg = f"{record.getMessage()} {record.exc_info[1]}"
        record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


def _cut_short(record: logging.LogRecord, length: int) -> None:
    message = record.getMessage()
    if len(message) > length:
        record.msg = message[: length - 1] + "…"
        record.args = None
