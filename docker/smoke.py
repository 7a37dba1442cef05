"""`make check-image`'s smoke test of the Compose deployment, as a browser meets it.

Run against `docker-compose -f docker/compose.yaml up` (the Makefile starts and removes
it): waits for /readyz, opens the demo poll's results socket, votes once as a browser
does (its cookies, the form's CSRF token, a form POST), and waits for the socket to say
the vote was counted. Exits non-zero, saying what failed, otherwise.

    python docker/smoke.py http://127.0.0.1:8000
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time

import httpx
import websockets
from websockets.typing import Origin

POLL = "cats-vs-dogs"  # what the migrate step's seed_demo makes
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
READY_SECONDS = 300  # the first start runs every migration
COUNTED_SECONDS = 60


async def ready(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            answer = await client.get("/readyz")
            if answer.status_code == 200:
                return
            said = answer.text
        except httpx.HTTPError as error:
            said = str(error)
        if time.monotonic() > deadline:
            sys.exit(f"smoke: /readyz not ready after {READY_SECONDS} s: {said}")
        await asyncio.sleep(1)


async def vote(client: httpx.AsyncClient) -> None:
    page = await client.get(f"/polls/{POLL}/")
    page.raise_for_status()
    token = CSRF_INPUT.search(page.text)
    if token is None:
        sys.exit("smoke: the vote page has no CSRF token")
    answer = await client.post(
        f"/polls/{POLL}/",
        data={"csrfmiddlewaretoken": token.group(1), "option": "cats"},
        headers={"Referer": str(page.url)},
    )
    if answer.status_code != 303:
        sys.exit(f"smoke: the vote answered {answer.status_code}: {answer.text[:200]}")


async def main(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await ready(client)
        socket_url = url.replace("http", "ws", 1) + f"/ws/polls/{POLL}/"
        async with websockets.connect(socket_url, origin=Origin(url)) as socket:
            await vote(client)
            deadline = time.monotonic() + COUNTED_SECONDS
            while time.monotonic() < deadline:
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), timeout=5))
                except TimeoutError:
                    continue
                if message.get("type") == "results" and message.get("total") == 1:
                    print(f"smoke: ready, one vote cast and counted, the socket said so ({url})")
                    return
    sys.exit(f"smoke: the results socket never said the vote was counted ({url})")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
