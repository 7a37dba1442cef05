"""The fast vote path (polls/fast_vote.py): a vote that succeeds is answered without
Django's request cycle, exactly as the view answers it; anything else reaches the view.

The ASGI stack runs in process on the test PostgreSQL and Redis; its end-to-end
tests (real servers, real browsers) run through it too.
"""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.test import Client

from polls import kinds
from polls.fast_vote import FastVote
from polls.models import Poll
from polls.selectors import ballot_for, ballot_forget
from polls.services import poll_close, poll_create
from polls.stream import VOTE_STREAM
from tests.support.pages import csrf_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

VOTE_PAGE = "/polls/cats-vs-dogs/"


class CountingDjango(ASGIHandler):
    """Django's ASGI handler, counting the requests that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.requests += 1
        await super().__call__(scope, receive, send)


@pytest.fixture
def app() -> FastVote:
    return FastVote(CountingDjango())


class Answer:
    def __init__(self, start: dict[str, Any], body: bytes) -> None:
        self.status = start["status"]
        self.headers = [(k.decode().lower(), v.decode()) for k, v in start["headers"]]
        self.body = body

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def cookies(self) -> SimpleCookie:
        jar: SimpleCookie = SimpleCookie()
        for key, value in self.headers:
            if key == "set-cookie":
                jar.load(value)
        return jar


def opened(path: str = VOTE_PAGE) -> tuple[dict[str, str], str]:
    """A browser that has opened the vote page: its cookies and the form's CSRF token."""
    browser = Client()
    page = browser.get(path)
    cookies = {name: morsel.value for name, morsel in browser.cookies.items()}
    return cookies, csrf_token(page.content.decode())


async def post(
    app: FastVote,
    form: dict[str, str],
    *,
    cookies: dict[str, str],
    path: str = VOTE_PAGE,
    host: str = "localhost",
) -> Answer:
    body = urlencode(form).encode()
    headers = [
        (b"host", host.encode()),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (b"origin", f"http://{host}".encode()),
        (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(10)
    chunks = []
    while True:
        message = await communicator.receive_output(10)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return Answer(start, b"".join(chunks))


async def test_a_vote_that_succeeds_is_answered_without_django_as_django_answers_it(
    app, poll, redis_db
):
    cookies, token = await sync(opened)
    fast = await post(app, {"csrfmiddlewaretoken": token, "option": "dogs"}, cookies=cookies)
    assert app.django.requests == 0

    cookies, token = await sync(opened)
    through_django = await sync(_django_vote, cookies, token)

    assert fast.status == through_django.status == 303
    assert fast.header("location") == through_django.header("location") == VOTE_PAGE
    assert sorted(k for k, _ in fast.headers) == sorted(k for k, _ in through_django.headers)
    for name, value in through_django.headers:
        assert fast.header(name) == value, name
    assert "voter_id" not in fast.cookies()  # renewed by the page the 303 leads to
    assert redis_db.xlen(VOTE_STREAM) == 2


def _django_vote(cookies: dict[str, str], token: str) -> Answer:
    """The same vote through Django's request cycle (the test client, CSRF enforced)."""
    browser = Client(enforce_csrf_checks=True)
    for name, value in cookies.items():
        browser.cookies[name] = value
    response = browser.post(VOTE_PAGE, {"csrfmiddlewaretoken": token, "option": "dogs"})
    headers = [(k.lower().encode(), v.encode()) for k, v in response.items()]
    headers += [(b"set-cookie", m.OutputString().encode()) for m in response.cookies.values()]
    return Answer({"status": response.status_code, "headers": headers}, response.content)


async def sync(function: Any, *args: Any) -> Any:
    return await sync_to_async(function)(*args)


REFUSED = {
    "no voter cookie": ({"option": "dogs"}, "no-cookie", 400),
    "no CSRF token": ({"option": "dogs"}, "no-token", 403),
    "a wrong CSRF token": ({"option": "dogs"}, "bad-token", 403),
    "not an option": ({"option": "parrots"}, "", 400),
    "an unknown field": ({"option": "dogs", "extra": "1"}, "", 400),
    "no option": ({}, "", 400),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_bad_input_reaches_the_view_which_refuses_it_and_queues_nothing(
    app, poll, redis_db, case
):
    form, broken, status = REFUSED[case]
    cookies, token = await sync(opened)
    if broken == "no-cookie":
        del cookies["voter_id"]
    if broken != "no-token":
        form = {**form, "csrfmiddlewaretoken": "x" * 32 if broken == "bad-token" else token}

    answer = await post(app, form, cookies=cookies)

    assert answer.status == status
    assert app.django.requests == 1
    assert redis_db.xlen(VOTE_STREAM) == 0


async def test_a_host_not_allowed_reaches_django_which_refuses_it(app, poll, redis_db, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    cookies, token = await sync(opened)

    form = {"csrfmiddlewaretoken": token, "option": "dogs"}
    answer = await post(app, form, cookies=cookies, host="evil.example")

    assert answer.status == 400
    assert app.django.requests == 1
    assert redis_db.xlen(VOTE_STREAM) == 0


async def test_a_closed_poll_reaches_the_view_which_says_so(app, poll, redis_db):
    cookies, token = await sync(opened)
    await sync(lambda: poll_close(poll=Poll.objects.get(pk=poll.pk)))
    await sync(lambda: ballot_forget(slug=poll.slug))

    answer = await post(app, {"csrfmiddlewaretoken": token, "option": "dogs"}, cookies=cookies)

    assert answer.status == 409
    assert app.django.requests == 1
    assert redis_db.xlen(VOTE_STREAM) == 0


async def test_the_vote_limit_is_counted_once_per_vote_and_the_one_over_gets_429(
    app, poll, redis_db, settings
):
    settings.VOTING_RATE_VOTES = (2, 60)
    cookies, token = await sync(opened)
    form = {"csrfmiddlewaretoken": token, "option": "dogs"}

    answers = [await post(app, form, cookies=cookies) for _ in range(3)]

    assert [answer.status for answer in answers] == [303, 303, 429]
    assert app.django.requests == 1  # only the one over
    assert int(answers[2].header("retry-after") or 0) >= 1
    assert redis_db.xlen(VOTE_STREAM) == 2


async def test_answers_over_the_limit_are_refused_before_any_text_is_read(
    app, redis_db, settings, monkeypatch
):
    await sync(lambda: poll_create(question="Words?", options=[], slug="words", kind="open"))
    settings.VOTING_RATE_ENTRIES = (2, 60)
    read: list[str] = []
    cleaned = kinds.text_cleaned

    def counted(text: str) -> str:
        read.append(text)
        return cleaned(text)

    monkeypatch.setattr(kinds, "text_cleaned", counted)
    cookies, token = await sync(opened, "/polls/words/")
    form = {"csrfmiddlewaretoken": token, "answer": "machine learning"}

    answers = [await post(app, form, cookies=cookies, path="/polls/words/") for _ in range(6)]

    assert [answer.status for answer in answers] == [303, 303, 429, 429, 429, 429]
    assert len(read) == 2  # once per answer taken, on the fast path; never over the limit
    assert redis_db.xlen(VOTE_STREAM) == 2


async def test_a_final_poll_is_left_to_the_view_which_takes_one_vote(app, db, redis_db):
    await sync(
        lambda: poll_create(
            question="Once?", options=[("a", "A"), ("b", "B")], slug="once",
            voters_may_change=False,
        )
    )  # fmt: skip
    cookies, token = await sync(opened, "/polls/once/")
    form = {"csrfmiddlewaretoken": token, "option": "a"}

    answers = [await post(app, form, cookies=cookies, path="/polls/once/") for _ in range(2)]

    assert [answer.status for answer in answers] == [303, 409]
    assert app.django.requests == 2
    assert redis_db.xlen(VOTE_STREAM) == 1


async def test_other_requests_pass_through_untouched(app, poll, redis_db):
    cookies, token = await sync(opened)

    answer = await post(app, {"csrfmiddlewaretoken": token}, cookies=cookies, path="/j/")

    assert answer.status == 405  # the join view takes GET only
    assert app.django.requests == 1


async def test_a_poll_is_read_again_after_the_database_connection_broke(poll, redis_db):
    """PostgreSQL restarted: the vote path's connection is dead. Outside Django's request
    cycle nothing else drops it, so the next read must, or the poll would stay as last
    read (a closed poll taking votes)."""
    await ballot_for(slug=poll.slug)
    await sync(lambda: Poll.objects.filter(pk=poll.pk).update(is_open=False))
    await sync(lambda: connection.connection.close())  # as a restart leaves it
    ballot_forget(slug=poll.slug)

    ballot = await ballot_for(slug=poll.slug)

    assert ballot is not None and not ballot.is_open


async def test_votes_that_find_the_poll_stale_together_share_one_read(poll, monkeypatch):
    """A burst: fifty votes find this process's copy of the poll stale at once. They wait
    for one read of PostgreSQL, not fifty in a row."""
    from polls import selectors

    reads: list[str] = []
    load = selectors._load_ballot

    def counted_load(slug: str):
        reads.append(slug)
        return load(slug)

    monkeypatch.setattr(selectors, "_load_ballot", counted_load)
    ballot_forget(slug=poll.slug)

    ballots = await asyncio.gather(*(ballot_for(slug=poll.slug) for _ in range(50)))

    assert reads == [poll.slug]
    assert {ballot.id for ballot in ballots if ballot is not None} == {poll.pk}
    assert all(ballot is not None for ballot in ballots)
    await sync(lambda: connection.close())  # the read's thread's: the test database can go


async def test_the_polls_cap_of_voters_per_address_holds_on_the_fast_path(app, poll, redis_db):
    await sync(lambda: Poll.objects.filter(pk=poll.pk).update(voters_per_address=1))
    answers = []
    for _ in range(2):
        cookies, token = await sync(opened)
        form = {"csrfmiddlewaretoken": token, "option": "dogs"}
        answers.append(await post(app, form, cookies=cookies))

    assert [answer.status for answer in answers] == [303, 403]
    assert app.django.requests == 1  # the one refused, answered by the view
    assert redis_db.xlen(VOTE_STREAM) == 1
