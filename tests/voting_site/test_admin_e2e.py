"""The admin through the real ASGI server: its sessions, users and messages work under /admin/."""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.models import User

from tests.support.pages import csrf_token


@pytest.mark.django_db(transaction=True)  # the server process must see the user
def test_an_admin_signs_in_and_sees_the_polls(site_url, poll, redis_db):
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    login = browser.open(f"{site_url}/admin/login/?next=/admin/polls/poll/").read().decode()
    token = csrf_token(login)
    form = {
        "csrfmiddlewaretoken": token,
        "username": "teacher",
        "password": "a long pass phrase",
    }
    answer = browser.open(
        f"{site_url}/admin/login/?next=/admin/polls/poll/",
        data=urllib.parse.urlencode(form).encode(),
    )
    polls_page = answer.read().decode()
    public_page = browser.open(f"{site_url}/polls/cats-vs-dogs/")

    assert answer.url == f"{site_url}/admin/polls/poll/"
    assert "Cats or dogs?" in polls_page
    assert "sessionid" in {cookie.name for cookie in jar}
    assert "sessionid=" not in (public_page.headers.get("Set-Cookie") or "")
    assert public_page.headers["X-Frame-Options"] == "DENY"
