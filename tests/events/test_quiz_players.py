"""A quiz's players and no one else: an answer from a browser that has not joined is
refused (so no vote waits to be inherited by a nickname taken later), joins from one
network are capped, and the presenter removes many players at once; on the real
PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from django.test import Client

from events.models import Event, Player
from events.services import event_create, event_move, player_join, players_remove
from polls.services import poll_create
from polls.stream import VOTE_STREAM, players_key
from tally.ingest import votes_ingest

pytestmark = pytest.mark.django_db

PAGE = "/events/quiz/"


@pytest.fixture
def quiz(redis_db) -> Event:
    """A quiz of two questions, the first shown."""
    polls = [
        poll_create(question=f"{n}?", options=[("a", "A"), ("b", "B")], slug=n, correct=["a"])
        for n in ("one", "two")
    ]
    event = event_create(title="Quiz", polls=polls, slug="quiz", quiz=True, seconds=60)
    return event_move(event=event, action="next")


def phone() -> Client:
    browser = Client()
    browser.get(PAGE)
    return browser


def answer(browser: Client) -> int:
    return browser.post("/polls/one/", {"option": "a", "next": PAGE}).status_code


def test_an_answer_from_a_browser_that_has_not_joined_is_refused(quiz, redis_db):
    lurker = phone()

    refused = lurker.post("/polls/one/", {"option": "a", "next": PAGE})
    joined = lurker.post(PAGE, {"nickname": "Lurker"})

    assert refused.status_code == 403
    assert "Join the quiz with a nickname first" in refused.content.decode()
    assert redis_db.xlen(VOTE_STREAM) == 0  # nothing to inherit
    assert joined.status_code == 303
    assert answer(lurker) == 303
    assert redis_db.xlen(VOTE_STREAM) == 1


def test_a_removed_player_answers_again_only_with_a_new_nickname(quiz, redis_db):
    ada = phone()
    ada.post(PAGE, {"nickname": "Ada"})
    assert answer(ada) == 303

    players_remove(event=quiz, players=Player.objects.all())

    assert answer(ada) == 403
    ada.post(PAGE, {"nickname": "Ada L"})
    assert answer(ada) == 303


def test_a_player_plays_again_once_their_page_loads_should_redis_lose_the_players(quiz, redis_db):
    ada = phone()
    ada.post(PAGE, {"nickname": "Ada"})
    redis_db.delete(players_key(quiz.pk))

    ada.get(PAGE)  # as every phone does when the next question is shown

    assert answer(ada) == 303


def test_joins_from_one_network_are_capped(quiz, settings):
    settings.VOTING_RATE_JOINS = (2, 3600)
    first, second, third = phone(), phone(), phone()

    joins = [b.post(PAGE, {"nickname": n}).status_code for b, n in
             ((first, "One"), (second, "Two"), (third, "Three"))]  # fmt: skip
    renamed = first.post(PAGE, {"nickname": "Uno"})

    assert joins == [303, 303, 429]
    assert "Too many people have joined from your network" in (
        third.post(PAGE, {"nickname": "Three"}).content.decode()
    )
    assert renamed.status_code == 303  # a player's new name is not a new player
    assert sorted(Player.objects.values_list("nickname", flat=True)) == ["Two", "Uno"]


def test_the_presenter_removes_the_players_who_just_joined_or_never_answered(
    quiz, admin_client, redis_db
):
    for voter, nickname in enumerate(["Early", "Answered", "Idle"]):
        player_join(event=quiz, voter=f"v{voter}", nickname=nickname)
    Player.objects.filter(nickname="Early").update(joined_at="2020-01-01T00:00Z")
    answerer = phone()
    answerer.post(PAGE, {"nickname": "Real"})
    answer(answerer)
    votes_ingest(consumer="test", idle_ms=None)

    recent = admin_client.post(f"{PAGE}players/remove/", {"joined_within": "600"})
    assert recent.status_code == 303
    kept = set(Player.objects.filter(removed=False).values_list("nickname", flat=True))
    assert kept == {"Early"}

    Player.objects.update(removed=False)
    admin_client.post(f"{PAGE}players/remove/", {"without_answers": "1"})
    kept = set(Player.objects.filter(removed=False).values_list("nickname", flat=True))
    assert kept == {"Real"}
    assert admin_client.post(f"{PAGE}players/remove/", {"joined_within": "²"}).status_code == 400
