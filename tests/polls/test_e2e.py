"""A browser against the real web process: cookie jar, CSRF token from the page, form POST, 303."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import urllib.parse
import urllib.request

import pytest

from polls.queue import VOTE_STREAM
from polls.voters import VOTER_COOKIE, voter_key
from tests.conftest import asgi_server


@pytest.mark.django_db(transaction=True)  # the server process must see the poll
def test_a_browser_votes_through_the_real_asgi_server(poll, redis_db):
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    with asgi_server() as url:
        page = browser.open(f"{url}/polls/cats-vs-dogs/").read().decode()
        csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf_token, "option": "dogs"}
        ).encode()
        answer = browser.open(f"{url}/polls/cats-vs-dogs/", data=form)  # follows the 303 with a GET
        after = answer.read().decode()
        stylesheet = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', page).group(1)
        assert browser.open(url + stylesheet).status == 200  # hashed name, served by the app

    assert answer.url == f"{url}/polls/cats-vs-dogs/"
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
def test_under_daphne_too_an_oversized_vote_is_refused_before_django_parses_it(poll, redis_db):
    padding = b"option=cats&padding=" + b"x" * 3_000_000
    with asgi_server() as url:
        answer = raw_post(url, FORM + f"Content-Length: {len(padding)}\r\n", padding)

    assert answer.startswith("HTTP/1.1 413")
    assert redis_db.xlen(VOTE_STREAM) == 0
