"""Turns an unreachable Redis or PostgreSQL into a plain 503, never a traceback."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin
from redis import RedisError

from voting_site.views import plain_text

logger = logging.getLogger(__name__)

MESSAGES: list[tuple[type[Exception] | tuple[type[Exception], ...], str]] = [
    (RedisError, "Redis is unreachable right now, so this page cannot be shown. "
                 "It comes back by itself once Redis does; try again in a moment.\n"),
    ((OperationalError, InterfaceError), "The database is unreachable right now, so this page "
                                         "cannot be shown; try again in a moment.\n"),
]  # fmt: skip


class UnavailableMiddleware(MiddlewareMixin):
    """503 with one plain line when a view finds Redis or PostgreSQL down."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        for kinds, message in MESSAGES:
            if isinstance(exception, kinds):
                logger.warning("%s %s: %s", request.method, request.path, message.strip(),
                               exc_info=exception)  # fmt: skip
                return plain_text(message, status=503)
        return None
