"""The vote page and the vote POST, against real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from polls.stream import VOTE_STREAM
from polls.voters import VOTER_COOKIE, voter_key
from voting_site.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(poll, redis_db) -> Client:
    """A browser that has opened the vote page once: it holds its voter cookie."""
    browser = Client()
    assert browser.get("/polls/cats-vs-dogs/").status_code == 200
    return browser


def queued(redis_db) -> list[dict[str, str]]:
    return [
        {key.decode(): value.decode() for key, value in fields.items()}
        for _, fields in redis_db.xrange(VOTE_STREAM)
    ]


def token_of(browser: Client) -> str:
    return browser.cookies[VOTER_COOKIE].value.split(":")[0]


def test_the_vote_page_gives_a_voter_cookie_with_the_right_flags(poll, redis_db):
    response = Client().get("/polls/cats-vs-dogs/")

    cookie = response.cookies[VOTER_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == ""
    assert 360 * 86400 <= int(cookie["max-age"]) <= 366 * 86400
    assert b'name="option" value="cats"' in response.content


def test_the_cookie_is_secure_under_https(poll, redis_db):
    response = Client().get("/polls/cats-vs-dogs/", secure=True)

    assert response.cookies[VOTER_COOKIE]["secure"] is True


def test_a_vote_queues_one_entry_and_answers_303_to_the_page(browser, poll, redis_db):
    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 303
    assert response["Location"] == "/polls/cats-vs-dogs/"
    [entry] = queued(redis_db)
    assert entry["poll"] == str(poll.pk)
    assert entry["choices"] == str(poll.options.get(slug="cats").pk)
    assert entry["voter"] == voter_key(token_of(browser))
    assert abs(timezone.now() - datetime.fromisoformat(entry["cast_at"])) < timedelta(minutes=1)
    assert VOTER_COOKIE not in response.cookies  # the page the 303 leads to renews it


def test_the_page_then_shows_the_voters_choice(browser, redis_db):
    browser.post("/polls/cats-vs-dogs/", {"option": "dogs"})

    page = browser.get("/polls/cats-vs-dogs/").content.decode()

    assert 'You voted for <strong dir="auto">Dogs</strong>' in page
    assert "It is being counted" in page


def test_the_page_says_counted_once_the_vote_is_in_postgresql(browser, poll, redis_db):
    browser.post("/polls/cats-vs-dogs/", {"option": "dogs"})
    poll.votes.create(
        choices=[poll.options.get(slug="dogs").pk],
        voter=voter_key(token_of(browser)),
        cast_at=timezone.now(),
    )

    assert "It is counted" in browser.get("/polls/cats-vs-dogs/").content.decode()


def test_a_second_vote_from_the_same_browser_queues_a_newer_entry(browser, redis_db):
    browser.post("/polls/cats-vs-dogs/", {"option": "cats"})
    browser.post("/polls/cats-vs-dogs/", {"option": "dogs"})

    [(first_id, _), (second_id, _)] = redis_db.xrange(VOTE_STREAM)
    first, second = queued(redis_db)
    assert second_id > first_id
    assert first["voter"] == second["voter"]
    assert second["cast_at"] >= first["cast_at"]
    assert (
        'You voted for <strong dir="auto">Dogs</strong>'
        in browser.get("/polls/cats-vs-dogs/").content.decode()
    )


def test_two_browsers_are_two_voters(poll, redis_db):
    for browser in (Client(), Client()):
        browser.get("/polls/cats-vs-dogs/")
        browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert len({entry["voter"] for entry in queued(redis_db)}) == 2


def test_an_unknown_poll_is_404(browser, redis_db):
    assert browser.get("/polls/no-such-poll/").status_code == 404
    assert browser.post("/polls/no-such-poll/", {"option": "cats"}).status_code == 404
    assert queued(redis_db) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"option": "hamsters"}, "That is not an option of this poll"),
        ({}, "Choose an option to vote for"),
        ({"option": ""}, "Choose an option to vote for"),
    ],
)
def test_a_bad_option_is_400_with_the_page_and_a_message(browser, redis_db, data, message):
    response = browser.post("/polls/cats-vs-dogs/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b'name="option" value="cats"' in response.content
    assert queued(redis_db) == []


def test_an_option_of_another_poll_is_refused(browser, redis_db):
    from polls.services import poll_create

    poll_create(question="Tea or coffee?", options=[("tea", "Tea"), ("coffee", "Coffee")])

    assert browser.post("/polls/cats-vs-dogs/", {"option": "tea"}).status_code == 400
    assert queued(redis_db) == []


def test_a_closed_poll_is_409_and_says_so(browser, poll, redis_db):
    poll.is_open = False
    poll.save()

    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 409
    assert "Voting is closed" in response.content.decode()
    assert queued(redis_db) == []


def test_a_poll_past_its_closing_time_is_closed(browser, poll, redis_db):
    poll.closes_at = timezone.now() - timedelta(seconds=1)
    poll.save()

    assert browser.post("/polls/cats-vs-dogs/", {"option": "cats"}).status_code == 409
    assert queued(redis_db) == []


def test_a_poll_not_open_yet_is_409_and_says_when_it_opens(browser, poll, redis_db):
    poll.opens_at = timezone.now() + timedelta(hours=1)
    poll.save()

    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 409
    assert "This poll is not open yet" in response.content.decode()
    assert queued(redis_db) == []


def test_a_post_without_the_csrf_token_is_403(poll, redis_db):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/polls/cats-vs-dogs/")

    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 403
    assert "nothing was recorded" in response.content.decode()
    assert queued(redis_db) == []


@pytest.mark.parametrize("cookie", [None, "forged-token", "real-token:bad-signature"])
def test_a_missing_or_tampered_cookie_is_400_and_replaced(poll, redis_db, cookie):
    browser = Client()
    if cookie:
        browser.cookies[VOTER_COOKIE] = cookie

    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 400
    assert "did not send its voter cookie" in response.content.decode()
    assert queued(redis_db) == []
    fresh = response.cookies[VOTER_COOKIE].value
    assert fresh != cookie and ":" in fresh
    # The replaced cookie works.
    assert browser.post("/polls/cats-vs-dogs/", {"option": "cats"}).status_code == 303


def test_a_cookie_signed_for_another_purpose_is_not_trusted(poll, redis_db):
    from django.core import signing

    browser = Client()
    browser.cookies[VOTER_COOKIE] = signing.get_cookie_signer(salt="sessionid").sign("token")

    assert browser.post("/polls/cats-vs-dogs/", {"option": "cats"}).status_code == 400


def test_redis_unreachable_is_503_and_says_the_vote_was_not_recorded(browser, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "your vote was not recorded" in response.content.decode()


def test_the_vote_page_is_503_while_redis_is_unreachable(browser, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = browser.get("/polls/cats-vs-dogs/")

    assert response.status_code == 503
    assert "Redis is unreachable" in response.content.decode()


def test_the_vote_path_reads_the_poll_from_postgresql_once_in_a_burst(
    browser, redis_db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        for _ in range(5):
            assert browser.post("/polls/cats-vs-dogs/", {"option": "cats"}).status_code == 303
