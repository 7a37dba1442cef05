"""The project's ASGI application for the web process that serves test after test
(`site_url` in tests/conftest.py): each request and socket first forgets what the process
keeps of the rows that tests make and empty away, as a fresh process would know nothing
of them: the content types (made again, with new ids, each time a test's database is
emptied) and its copies of the polls (the same slugs, new rows)."""

from __future__ import annotations

from typing import Any

from voting_site.asgi import application as project


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    # Imported here: the project's application has set Django up by the first request.
    from django.contrib.contenttypes.models import ContentType

    from polls.selectors import ballot_forget

    if scope["type"] in ("http", "websocket"):
        ContentType.objects.clear_cache()
        ballot_forget()
    await project(scope, receive, send)
