"""Request bodies too large for what they are for, refused before anything reads them.

Under ASGI, Django reads a request's whole body before any middleware runs, and
the CSRF middleware then parses up to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) of
it. A vote, a presenter's control or a language switch is a few hundred bytes,
so a POST over MAX_BODY is refused at the door: by its Content-Length, or, sent
in chunks, as soon as it grows past the limit. The admin's forms are exempt.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from voting_site.metrics import count_refused

MAX_BODY = 4096
EXEMPT_PREFIXES = ("/admin/",)

Message = dict[str, Any]


class BodyLimit:
    """ASGI middleware: 413 for a POST whose body is over `limit` bytes."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send)
            return
        body: list[Message] = []  # at most `limit` bytes: read here, replayed to the app
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(send)
                return
            body.append(message)
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Any) -> None:
        await count_refused("too_large")
        text = _("That request is too large: nothing was recorded.") + "\n"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})
