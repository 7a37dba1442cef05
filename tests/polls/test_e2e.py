"""A browser against the real web process: cookie jar, CSRF token from the page, form POST, 303."""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import socket
import urllib.parse
import urllib.request

import httpx
import pytest

from polls.models import Poll, Vote
from polls.services import poll_create
from polls.stream import VOTE_STREAM
from polls.voters import VOTER_COOKIE, invite_voter, voter_key
from tests.support.pages import csrf_token, form_post
from tests.support.processes import asgi_server, rq_worker, wait_until

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


@pytest.mark.django_db(transaction=True)  # the server process must see the poll
def test_a_browser_votes_through_the_real_asgi_server(site_url, poll, redis_db):
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    page = browser.open(f"{site_url}/polls/cats-vs-dogs/").read().decode()
    token = csrf_token(page)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "option": "dogs"}).encode()
    answer = browser.open(
        f"{site_url}/polls/cats-vs-dogs/", data=form
    )  # follows the 303 with a GET
    after = answer.read().decode()
    stylesheet = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', page).group(1)
    assert browser.open(site_url + stylesheet).status == 200  # hashed name, served by the app

    assert answer.url == f"{site_url}/polls/cats-vs-dogs/"
    assert 'You voted for <strong dir="auto">Dogs</strong>' in after
    cookies = {cookie.name: cookie for cookie in jar}
    token = cookies[VOTER_COOKIE].value.split(":")[0]
    assert cookies[VOTER_COOKIE].has_nonstandard_attr("HttpOnly")
    [(_, entry)] = redis_db.xrange(VOTE_STREAM)
    assert entry[b"voter"] == voter_key(token).encode()
    assert entry[b"choices"] == str(poll.options.get(slug="dogs").pk).encode()


def raw_post(url: str, head: str, body: bytes = b"") -> str:
    """Send a vote POST's head (and `body`), then read the answer's status line,
    without sending the rest of the body the head announces."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        request = f"POST /polls/cats-vs-dogs/ HTTP/1.1\r\nHost: {parts.hostname}\r\n{head}\r\n"
        connection.sendall(request.encode() + body)
        return connection.recv(4096).decode().split("\r\n")[0]


FORM = "Content-Type: application/x-www-form-urlencoded\r\n"
PAGE = "/polls/cats-vs-dogs/"


@pytest.mark.django_db(transaction=True)
def test_an_oversized_vote_body_is_refused_before_it_is_read(poll, redis_db):
    # uvicorn, as the image runs it, hands the body on as it comes (daphne reads it
    # whole first): the answer comes before the body does.
    with asgi_server(server="uvicorn") as url:
        announced = raw_post(url, FORM + "Content-Length: 3000000\r\n")  # and none sent
        chunk = b"x" * 5000
        chunked = raw_post(
            url,
            FORM + "Transfer-Encoding: chunked\r\n",
            b"%x\r\n%s\r\n" % (len(chunk), chunk),  # and never a last chunk
        )

    assert announced.startswith("HTTP/1.1 413")
    assert chunked.startswith("HTTP/1.1 413")
    assert redis_db.xlen(VOTE_STREAM) == 0


@pytest.mark.django_db(transaction=True)
def test_under_daphne_too_an_oversized_vote_is_refused_before_django_parses_it(
    site_url, poll, redis_db
):
    padding = b"option=cats&padding=" + b"x" * 3_000_000
    answer = raw_post(site_url, FORM + f"Content-Length: {len(padding)}\r\n", padding)

    assert answer.startswith("HTTP/1.1 413")
    assert redis_db.xlen(VOTE_STREAM) == 0


@pytest.mark.django_db(transaction=True)  # the processes must see the poll and its codes
def test_invite_codes_end_to_end_through_the_server_and_the_worker(site_url, poll, codes, redis_db):
    with (
        rq_worker(),
        httpx.Client(base_url=site_url) as ann,
        httpx.Client(base_url=site_url) as bob,
    ):
        entered = form_post(ann, PAGE, {"invite": codes[0]})
        voted = form_post(ann, PAGE, {"option": "dogs"})
        taken = form_post(bob, PAGE, {"invite": codes[0]})
        bob_votes = form_post(bob, PAGE, {"option": "cats"})
        wait_until(lambda: Vote.objects.exists() and not redis_db.xlen(VOTE_STREAM))
        page = ann.get("/polls/cats-vs-dogs/").text

    assert (entered.status_code, voted.status_code) == (303, 303)
    assert (taken.status_code, bob_votes.status_code) == (403, 403)
    assert "does not open this poll" in taken.text
    vote = Vote.objects.get()
    assert vote.voter == invite_voter(codes[0].replace("-", ""))
    assert vote.choices == [poll.options.get(slug="dogs").pk]
    assert 'You voted for <strong dir="auto">Dogs</strong>' in page and "It is counted." in page


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_racing_casts_of_one_voter_on_a_final_poll_through_two_web_processes(site_url, redis_db):
    import time

    import httpx

    from tests.support.processes import asgi_server, rq_worker

    poll_create(question="Q?", options=FOUR, slug="q", voters_may_change=False)

    async def race(first: str, second: str) -> tuple[tuple[str, int, str], ...]:
        async with httpx.AsyncClient() as browser:  # one browser: one cookie jar
            token = csrf_token((await browser.get(f"{first}/polls/q/")).text)

            async def post(url: str, option: str) -> tuple[str, int, str]:
                data = {"csrfmiddlewaretoken": token, "option": option}
                answer = await browser.post(f"{url}/polls/q/", data=data)
                return option, answer.status_code, answer.text

            return await asyncio.gather(post(first, "a"), post(second, "b"))

    with asgi_server() as other:
        outcomes = [asyncio.run(race(site_url, other)) for _ in range(10)]
        with rq_worker():
            while redis_db.xlen(VOTE_STREAM):  # pytest-timeout ends it, should it never drain
                time.sleep(0.05)

    winners = []
    for outcome in outcomes:
        assert sorted(status for _, status, _ in outcome) == [303, 409]
        [loser] = [text for _, status, text in outcome if status == 409]
        assert "You have already voted" in loser
        winners += [option for option, status, _ in outcome if status == 303]
    poll = Poll.objects.get()
    slugs = dict(poll.options.values_list("pk", "slug"))
    stored = sorted(slugs[choices[0]] for choices in poll.votes.values_list("choices", flat=True))
    assert stored == sorted(winners)  # the first in the stream, and only it, was counted
