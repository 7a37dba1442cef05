"""A quiz's right answers stay on the server until each question has been asked and its
time is up: not in the results JSON, the results page, the poll's socket, the event's page
or the home page; on the real PostgreSQL, Redis and channel layer."""

from __future__ import annotations

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from events import services
from events.models import Event
from events.services import event_create, event_move
from polls.models import Poll
from polls.services import poll_create, poll_reset
from voting_site.asgi import application

ABC = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie")]
SHOWN_MARK = re.compile(r"data-correct\s*>")  # a right answer's mark, not hidden
HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


@pytest.fixture
def quiz(redis_db) -> Event:
    """A quiz of three questions with right answers, in its lobby."""
    polls = [
        poll_create(question=f"Question {word}?", options=ABC, slug=word, correct=[right])
        for word, right in (("one", "a"), ("two", "b"), ("three", "c"))
    ]
    return event_create(title="Exam", polls=polls, slug="exam", quiz=True, seconds=30)


def told(slug: str) -> dict:
    """What anyone is told of a poll's results: its JSON, with its page's and the
    right answers it marks."""
    anyone = Client()
    results = anyone.get(f"/api/polls/{slug}/results").json()
    page = anyone.get(f"/polls/{slug}/results/").content.decode()
    return {
        "visible": results["visible"],
        "correct": [o["slug"] for o in results["options"] if o.get("correct")],
        "marked on the page": len(SHOWN_MARK.findall(page)),
    }


WITHHELD = {"visible": False, "correct": [], "marked on the page": 0}


def finish(slug: str) -> None:
    poll = Poll.objects.get(slug=slug)
    services.finish_when_due(poll.pk, poll.round)


@pytest.mark.django_db
def test_no_right_answer_leaves_the_server_before_its_question_is_asked(quiz):
    assert told("one") == told("two") == told("three") == WITHHELD  # the lobby

    event_move(event=quiz, action="next")  # question one, its clock running
    assert told("one") == told("two") == WITHHELD

    event_move(event=quiz, action="next")  # one's time is up; two's running
    finish("one")
    assert told("one") == {"visible": True, "correct": ["a"], "marked on the page": 1}
    assert told("two") == told("three") == WITHHELD


@pytest.mark.django_db
def test_a_new_round_withholds_them_again(quiz):
    event_move(event=quiz, action="next")
    event_move(event=quiz, action="next")
    finish("one")
    assert told("one")["correct"] == ["a"]

    poll_reset(poll=Poll.objects.get(slug="one"))

    assert told("one") == WITHHELD


@pytest.mark.django_db
def test_the_event_page_holds_only_the_question_asked(quiz):
    phone = Client()
    phone.get("/events/exam/")
    assert phone.post("/events/exam/", {"nickname": "Ada"}).status_code == 303
    lobby = phone.get("/events/exam/").content.decode()
    event_move(event=quiz, action="next")
    first = phone.get("/events/exam/").content.decode()

    for question in ("Question one?", "Question two?", "Question three?", "Bravo"):
        assert question not in lobby
    assert "Question one?" in first and "Bravo" in first
    assert "Question two?" not in first and "Question three?" not in first
    assert not SHOWN_MARK.search(first)


@pytest.mark.django_db
def test_the_presenters_home_lists_no_quiz_question(quiz, admin_client, admin_user):
    poll_create(question="Lunch?", options=[("pizza", "Pizza"), ("soup", "Soup")], slug="lunch")
    Poll.objects.update(owner=admin_user)

    home = admin_client.get("/host/").content.decode()  # its polls are those in no event

    assert "Lunch?" in home
    assert "Question one?" not in home and "/polls/one/" not in home


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_polls_socket_says_nothing_of_a_question_not_asked(quiz):
    socket = WebsocketCommunicator(application, "/ws/polls/two/", headers=HEADERS)
    assert (await socket.connect())[0]

    state = await socket.receive_json_from()
    assert (state["type"], state["visible"]) == ("poll", False)
    assert "correct" not in str(state)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
