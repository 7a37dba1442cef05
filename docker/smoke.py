"""`make check-image`: the image built from docker/Dockerfile and run for real with
docker/compose.yaml, as a browser meets it. Exits non-zero, saying what failed.

1. The image is built, and the web started alone on a new, empty database, before
   the `migrate` step has run (as a Swarm or Kubernetes may start it): `/readyz`
   answers 503 naming `migrations`, and a page a plain 503.
2. The whole file comes up: `/readyz` answers 200; the demo poll's results socket is
   opened; one vote is cast as a browser casts it (its cookies, the form's CSRF token,
   a form POST); the socket says it was counted.
3. Everything is removed (`down -v`), whatever happened.

    python docker/smoke.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets
from websockets.typing import Origin

COMPOSE_FILE = Path(__file__).resolve().parent / "compose.yaml"
PROJECT = "voting-check-image"
POLL = "cats-vs-dogs"  # what the migrate step's seed_demo makes
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
READY_SECONDS = 300  # the first start runs every migration
COUNTED_SECONDS = 60


class SmokeFailed(Exception):
    """What the image did wrong."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def compose(*args: str, env: dict[str, str], quiet: bool = False) -> None:
    command = ["docker-compose", "-p", PROJECT, "-f", str(COMPOSE_FILE), *args]
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(command, env=env, check=True, stdout=output)


async def answered(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """The first answer the web gives to `path`, waiting for it to listen."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            return await client.get(path)
        except httpx.HTTPError as error:
            if time.monotonic() > deadline:
                raise SmokeFailed(f"{path} never answered: {error}") from None
            await asyncio.sleep(1)


async def not_ready_before_migrations(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        ready = await answered(client, "/readyz")
        page = await client.get("/polls/cats-vs-dogs/")  # a page that reads the schema
    if ready.status_code != 503 or ready.json()["down"] != ["migrations"]:
        raise SmokeFailed(f"/readyz before migrate: {ready.status_code} {ready.text}")
    if page.status_code != 503 or "still being set up" not in page.text:
        raise SmokeFailed(f"a poll's page before migrate: {page.status_code} {page.text[:200]}")


async def ready(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while (answer := await answered(client, "/readyz")).status_code != 200:
        if time.monotonic() > deadline:
            raise SmokeFailed(f"/readyz not ready after {READY_SECONDS} s: {answer.text}")
        await asyncio.sleep(1)


async def vote(client: httpx.AsyncClient) -> None:
    page = await client.get(f"/polls/{POLL}/")
    page.raise_for_status()
    token = CSRF_INPUT.search(page.text)
    if token is None:
        raise SmokeFailed("the vote page has no CSRF token")
    answer = await client.post(
        f"/polls/{POLL}/",
        data={"csrfmiddlewaretoken": token.group(1), "option": "cats"},
        headers={"Referer": str(page.url)},
    )
    if answer.status_code != 303:
        raise SmokeFailed(f"the vote answered {answer.status_code}: {answer.text[:200]}")


async def vote_counted(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await ready(client)
        socket_url = url.replace("http", "ws", 1) + f"/ws/polls/{POLL}/"
        async with websockets.connect(socket_url, origin=Origin(url)) as live:
            await vote(client)
            deadline = time.monotonic() + COUNTED_SECONDS
            while time.monotonic() < deadline:
                try:
                    message = json.loads(await asyncio.wait_for(live.recv(), timeout=5))
                except TimeoutError:
                    continue
                if message.get("type") == "results" and message.get("total") == 1:
                    return
    raise SmokeFailed("the results socket never said the vote was counted")


def main() -> int:
    port = free_port()
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "check",
        "DJANGO_SECRET_KEY": "check-image-secret-key-used-by-nothing-else",
        "WEB_PORT": str(port),
    }
    url = f"http://127.0.0.1:{port}"
    try:
        compose("build", "-q", env=env)
        compose("up", "-d", "--quiet-pull", "db", "redis", env=env)
        # The web alone, before any migration: as an orchestrator may start it.
        compose("run", "-d", "--no-deps", "--service-ports", "--name", f"{PROJECT}-early",
                "web", env=env, quiet=True)  # fmt: skip
        asyncio.run(not_ready_before_migrations(url))
        subprocess.run(["docker", "rm", "-f", f"{PROJECT}-early"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        compose("up", "-d", "--quiet-pull", env=env)
        asyncio.run(vote_counted(url))
    except (SmokeFailed, subprocess.CalledProcessError, httpx.HTTPError) as failure:
        print(f"check-image: {failure}", file=sys.stderr)
        compose("logs", "--tail", "40", env=env)
        return 1
    finally:
        subprocess.run(["docker", "rm", "-f", f"{PROJECT}-early"], capture_output=True)
        compose("down", "-v", "--remove-orphans", env=env, quiet=True)
    print(f"check-image: not ready before migrate; then ready, one vote counted ({url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
