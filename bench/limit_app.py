"""The practical limit of the project's vote path, for `make bench`'s figure 1: a bare ASGI
app that does for a vote exactly what the project does in Redis (`vote_cast`: the
stream entry, the voter's choices, the ingest flag, the job) and nothing else: no
Django request cycle, no CSRF, no form, no cookie signing.

    uvicorn --workers 2 bench.limit_app:app    (BENCH_POLL names the poll)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")

import django

django.setup()

from polls.selectors import Ballot, ballot_for  # noqa: E402
from polls.services import vote_cast  # noqa: E402

_ballot: Ballot | None = None


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _ballot
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["method"] != "POST":  # a health check
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if _ballot is None:
        _ballot = await ballot_for(slug=os.environ["BENCH_POLL"])
    assert _ballot is not None
    option = parse_qs(body.decode()).get("option", [""])[0]
    choice = _ballot.choice(option)
    status = 400
    if choice is not None:
        await vote_cast(
            ballot=_ballot, choices=[choice], voter=os.urandom(16).hex(), address="127.0.0.1"
        )
        status = 303
    headers = [(b"location", b"./"), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
