"""What the log says of a request a client got wrong: one line, never a traceback.

Django logs a refused request (a form it cannot parse, a host it does not serve)
with the exception's traceback, 20 lines or more a time. Whoever sends such
requests would write the log as fast as they send them; the line says what
happened, and the code that raised is Django's, not a bug of ours. A server error
(500 and up) keeps its traceback.
"""

from __future__ import annotations

import logging

CLIENT_ERROR_LOGGERS = ("django.request", "django.security")


class ClientErrorsInOneLine(logging.Filter):
    """A logging filter: a client error's record loses its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(CLIENT_ERROR_LOGGERS) and _client_error(record):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def _client_error(record: logging.LogRecord) -> bool:
    status = getattr(record, "status_code", None)
    if status is None:
        return record.name.startswith("django.security")  # a suspicious request: refused
    return bool(400 <= status < 500)
