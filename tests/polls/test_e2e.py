"""A browser against the real web process: cookie jar, CSRF token from the page, form POST, 303."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from polls.services import VOTE_STREAM
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
    assert "You voted for <strong>Dogs</strong>" in after
    cookies = {cookie.name: cookie for cookie in jar}
    token = cookies[VOTER_COOKIE].value.split(":")[0]
    assert cookies[VOTER_COOKIE].has_nonstandard_attr("HttpOnly")
    [(_, entry)] = redis_db.xrange(VOTE_STREAM)
    assert entry[b"voter"] == voter_key(token).encode()
    assert entry[b"choices"] == str(poll.options.get(slug="dogs").pk).encode()
