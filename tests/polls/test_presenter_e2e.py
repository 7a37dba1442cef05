"""The presenter's controls through real web processes, as browsers use them: a staff
browser signs in and closes the poll on one web process; another process's vote path
and an open socket on it hear of it."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets
from django.contrib.auth.models import User
from websockets.typing import Origin

from tests.support.pages import form_post
from tests.support.processes import asgi_server, rq_worker


def signed_in(url: str) -> httpx.Client:
    """A staff browser, signed in through the admin's login form."""
    browser = httpx.Client(base_url=url)
    form_post(browser, "/admin/login/", {"username": "teacher", "password": "a long pass phrase"})
    return browser


def control(browser: httpx.Client, action: str) -> httpx.Response:
    """Press a button on the projector view: its form, with the page's CSRF token."""
    return form_post(
        browser,
        "/polls/cats-vs-dogs/present/",
        {"action": action},
        to="/polls/cats-vs-dogs/control/",
    )


def vote(url: str, option: str) -> int:
    with httpx.Client(base_url=url) as browser:
        return form_post(browser, "/polls/cats-vs-dogs/", {"option": option}).status_code


@pytest.mark.django_db(transaction=True)  # the processes must see the poll and the user
def test_a_close_on_one_web_process_is_honoured_by_another_within_a_second(
    site_url, poll, redis_db
):
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")

    async def watch(url: str, closed: asyncio.Event) -> dict:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=Origin(url)) as socket:
            assert json.loads(await socket.recv())["state"] == "open"
            closed.set()
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
                if message["type"] == "poll":
                    return message

    first = site_url
    with asgi_server() as second, rq_worker():
        assert vote(second, "cats") == 303  # the second process has read the poll

        async def scenario() -> tuple[dict, int]:
            listening = asyncio.Event()
            watcher = asyncio.create_task(watch(second, listening))
            await listening.wait()
            staff = signed_in(first)
            answer = await asyncio.to_thread(control, staff, "close")
            assert (answer.status_code, answer.headers["location"]) == (
                303,
                "/polls/cats-vs-dogs/present/",
            )
            closed_at = time.monotonic()
            message = await watcher
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - closed_at)))
            return message, await asyncio.to_thread(vote, second, "dogs")

        message, late_vote = asyncio.run(scenario())

    assert (message["state"], message["visible"]) == ("closed", True)
    assert late_vote == 409


@pytest.mark.django_db(transaction=True)
def test_a_closing_time_passing_reaches_open_pages(site_url, poll, redis_db):
    from datetime import timedelta

    from django.utils import timezone

    async def watch(site_url: str) -> list[str]:
        socket_url = site_url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        states: list[str] = []
        async with websockets.connect(socket_url, origin=Origin(site_url)) as socket:
            while not states or states[-1] != "closed":  # pytest-timeout ends it otherwise
                message = json.loads(await socket.recv())
                if message["type"] == "poll":
                    states.append(message["state"])
                    if len(states) == 1:  # connected: now the poll gets its closing time
                        await asyncio.to_thread(close_soon)
        return states

    def close_soon() -> None:
        poll.closes_at = timezone.now() + timedelta(seconds=2)
        poll.save()

    with rq_worker():
        states = asyncio.run(watch(site_url))

    assert states[0] == "open" and states[-1] == "closed"
