"""Question kinds on the vote page: what each takes, every bad input (400, nothing queued),
and final votes (409), on the real PostgreSQL and Redis."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from polls.models import Poll
from polls.services import PollError, poll_create
from polls.stream import VOTE_STREAM

pytestmark = pytest.mark.django_db

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


@pytest.fixture
def make(redis_db):
    def make(kind: str, **settings) -> Poll:
        options = [] if kind == "rating" else FOUR
        return poll_create(question="Q?", options=options, slug="q", kind=kind, **settings)

    return make


def voted(data: dict, *, status: int = 303) -> tuple[Client, str]:
    browser = Client()
    browser.get("/polls/q/")
    response = browser.post("/polls/q/", data)
    assert response.status_code == status, response.content.decode()[:2000]
    return browser, response.content.decode()


def queued(redis_db) -> list[str]:
    return [fields[b"choices"].decode() for _, fields in redis_db.xrange(VOTE_STREAM)]


def ids(poll: Poll, *slugs: str) -> str:
    pks = dict(poll.options.values_list("slug", "pk"))
    return ",".join(str(pks[slug]) for slug in slugs)


def test_multiple_takes_checkboxes_within_its_limits(make, redis_db):
    poll = make("multiple", min_choices=2, max_choices=3)
    page = Client().get("/polls/q/").content.decode()
    assert page.count('type="checkbox" name="option"') == 4
    assert "Choose from 2 to 3 options." in page

    browser, _ = voted({"option": ["a", "c"]})

    assert queued(redis_db) == [ids(poll, "a", "c")]
    assert (
        'You chose <strong dir="auto">Alpha, Charlie</strong>'
        in browser.get("/polls/q/").content.decode()
    )


def test_rating_takes_one_score_on_its_scale(make, redis_db):
    poll = make("rating", scale=(0, 10), scale_labels=("Awful", "Superb"))
    page = Client().get("/polls/q/").content.decode()
    assert page.count('type="radio" name="score"') == 11
    assert "Superb" in page

    browser, _ = voted({"score": "7"})

    assert queued(redis_db) == [ids(poll, "7")]
    assert 'You gave <strong dir="auto">7</strong>' in browser.get("/polls/q/").content.decode()


def test_ranking_takes_the_options_in_order(make, redis_db):
    poll = make("ranking")
    page = Client().get("/polls/q/").content.decode()
    assert page.count('<select id="rank-') == 4

    browser, _ = voted({"option": ["c", "a", "d", "b"]})

    assert queued(redis_db) == [ids(poll, "c", "a", "d", "b")]
    assert 'Your order: <strong dir="auto">Charlie, Alpha, Delta, Bravo</strong>' in (
        browser.get("/polls/q/").content.decode()
    )


def test_a_top_three_ranking_ranks_three(make, redis_db):
    poll = make("ranking", max_choices=3)

    voted({"option": ["b", "a", "c", ""]})  # an empty last place is no gap

    assert queued(redis_db) == [ids(poll, "b", "a", "c")]


@pytest.mark.parametrize(
    ("kind", "settings", "data", "message"),
    [
        ("single", {}, {"option": ["a", "b"]}, "Choose one option only."),
        ("single", {}, {"score": "3"}, "This poll does not take score"),
        ("multiple", {"min_choices": 2}, {"option": ["a"]}, "Choose at least 2 options."),
        ("multiple", {"max_choices": 2}, {"option": ["a", "b", "c"]}, "Choose at most 2 options."),
        ("multiple", {}, {"option": ["a", "a"]}, "Each option can be chosen only once."),
        ("multiple", {}, {"option": ["a", "zz"]}, "That is not an option of this poll"),
        ("multiple", {}, {}, "Choose at least 1 option."),
        ("rating", {}, {"score": "6"}, "Choose one score from 1 to 5."),
        ("rating", {}, {"score": "x"}, "Choose one score from 1 to 5."),
        ("rating", {}, {"score": ["1", "2"]}, "Choose one score from 1 to 5."),
        ("rating", {}, {}, "Choose a score."),
        ("rating", {}, {"option": "a"}, "This poll does not take option"),
        ("ranking", {}, {"option": ["a", "", "b", "c"]}, "without leaving a place empty"),
        ("ranking", {}, {"option": ["a", "a", "b", "c"]}, "Each option can be ranked only once."),
        ("ranking", {}, {"option": ["a", "b", "c"]}, "Rank 4 options, in order."),
        ("ranking", {}, {"option": ["a", "b", "c", "zz"]}, "That is not an option of this poll"),
        ("ranking", {}, {"option": ["a", "b", "c", "d"], "score": "1"}, "does not take score"),
    ],
)
def test_bad_input_is_400_with_the_page_and_a_message_and_queues_nothing(
    make, redis_db, kind, settings, data, message
):
    make(kind, **settings)

    _, page = voted(data, status=400)

    assert message in page
    assert queued(redis_db) == []


def test_an_option_of_another_poll_is_refused(make, redis_db):
    make("multiple")
    poll_create(question="Other?", options=[("x", "X"), ("y", "Y")], slug="other")

    _, page = voted({"option": ["a", "x"]}, status=400)

    assert "That is not an option of this poll" in page
    assert queued(redis_db) == []


@pytest.mark.parametrize("kind", ["single", "multiple", "rating", "ranking"])
def test_on_a_final_poll_a_second_vote_is_409_and_queues_nothing(make, redis_db, kind):
    make(kind, voters_may_change=False)
    casts: dict[str, dict[str, Any]] = {
        "single": {"option": "a"},
        "multiple": {"option": ["a"]},
        "rating": {"score": "2"},
        "ranking": {"option": ["a", "b", "c", "d"]},
    }
    browser, _ = voted(casts[kind])
    assert "Votes in this poll are final." in browser.get("/polls/q/").content.decode()

    response = browser.post("/polls/q/", casts[kind])

    assert response.status_code == 409
    assert "You have already voted" in response.content.decode()
    assert len(queued(redis_db)) == 1


def test_a_final_vote_already_counted_is_409_even_if_redis_forgot_it(make, redis_db):
    make("single", voters_may_change=False)
    browser, _ = voted({"option": "a"})
    poll = Poll.objects.get()
    from tally.ingest import votes_ingest

    votes_ingest(consumer="test")
    redis_db.delete(f"poll:{poll.pk}:1:choices")

    assert browser.post("/polls/q/", {"option": "b"}).status_code == 409


@pytest.mark.parametrize(
    ("kind", "options", "settings", "message"),
    [
        ("rating", FOUR, {}, "A rating takes a scale"),
        ("rating", [], {"scale": (5, 1)}, "A scale goes up"),
        ("rating", [], {"scale": (0, 11)}, "at most 11 points"),
        ("multiple", FOUR, {"min_choices": 3, "max_choices": 2}, "Choose at least 1 and at most 4"),
        ("multiple", FOUR, {"max_choices": 5}, "Choose at least 1 and at most 4"),
        ("ranking", FOUR, {"max_choices": 1}, "A ranking ranks from 2 to 4 options"),
        ("poll", FOUR, {}, "A poll's kind is one of"),
    ],
)
def test_polls_that_cannot_be_are_refused(kind, options, settings, message):
    with pytest.raises(PollError, match=message):
        poll_create(question="Q?", options=options, kind=kind, **settings)
    assert not Poll.objects.exists()


def test_a_refused_form_keeps_the_ticks_the_voter_chose(make, redis_db):
    make("multiple", max_choices=2)

    _browser, page = voted({"option": ["a", "b", "d"]}, status=400)

    assert "Choose at most 2 options." in page
    checked = [slug for slug in "abcd" if f'value="{slug}" checked' in page]
    assert checked == ["a", "b", "d"]  # as the voter left them, to untick one


def test_a_refused_ranking_keeps_the_order_the_voter_gave(make, redis_db):
    make("ranking")

    _browser, page = voted({"option": ["c", "", "a", "b"]}, status=400)  # a gap

    assert "without leaving a place empty" in page
    places = [page.split(f'id="rank-q-{n}"')[1].split("</select>")[0] for n in range(1, 5)]
    preset = [
        next((s for s in "abcd" if f'value="{s}" dir="auto" selected' in p), "") for p in places
    ]
    assert preset == ["c", "", "a", "b"]
