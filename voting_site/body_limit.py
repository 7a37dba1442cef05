"""Request bodies too large for what they are for, refused before anything reads them.

Under ASGI, Django reads a request's whole body, spooling it to a temporary file,
before any middleware or view can refuse it. A vote, a presenter's control or a
language switch is a few hundred bytes, so any request (whatever its method)
whose body is over MAX_BODY is refused at the door with 413: by its
Content-Length, or, sent in chunks, as soon as it grows past the limit. The
admin's forms are larger (a poll with its options, a long list of selected
polls), and get ADMIN_MAX_BODY; with their images (a question's and each option's,
each at most VOTING_IMAGE_MAX_MB), VOTING_ADMIN_UPLOAD_MB, which Django spools to disk.
That larger limit is for a body of announced length only, as browsers send a form: a
body in chunks is held here while it is counted, so it keeps ADMIN_MAX_BODY.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from voting_site.metrics import count_refused

MAX_BODY = 4096
ADMIN_PREFIX = "/admin/"
ADMIN_MAX_BODY = 1024 * 1024

Message = dict[str, Any]


def body_limit(path: str, *, announced: bool = True) -> int:
    """The most bytes a request's body to `path` may have (`announced`: by its
    Content-Length, rather than in chunks)."""
    if not path.startswith(ADMIN_PREFIX):
        return MAX_BODY
    if announced:
        return max(ADMIN_MAX_BODY, settings.VOTING_ADMIN_UPLOAD_MB * 1024 * 1024)
    return ADMIN_MAX_BODY


class BodyLimit:
    """ASGI middleware: 413 for a request whose body is over its path's limit."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        limit = body_limit(scope["path"], announced=length is not None)
        if length is not None:
            # The server hands on no more than the length announced.
            if not length.isdigit() or int(length) > limit:
                await self._refuse(scope, send)
            else:
                await self.app(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:  # no body
            await self.app(scope, receive, send)
            return
        body: list[Message] = []  # in chunks: at most `limit` bytes read here, then replayed
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(scope, send)
                return
            body.append(message)
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: dict[str, Any], send: Any) -> None:
        if scope["method"] == "POST" and not scope["path"].startswith(ADMIN_PREFIX):
            await count_refused("too_large")  # a vote, or what could have been one
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
