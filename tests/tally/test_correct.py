"""Right answers: marked on a single- or several-choice poll, shown with the results once
voting closes and never before, kept by the event file."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from events.files import event_dump, event_dumps, event_loads
from events.models import Event
from events.services import event_create
from polls.models import Option, Poll
from polls.services import PollError, poll_close, poll_create

pytestmark = pytest.mark.django_db

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


def test_the_right_answers_show_once_voting_closes_and_never_before(redis_db):
    poll = poll_create(question="Q?", options=FOUR, slug="q", kind="multiple", correct=["a", "c"])
    browser = Client()

    results = json.loads(browser.get("/api/polls/q/results").content)
    assert all("correct" not in option for option in results["options"])
    assert browser.get("/polls/q/results/").content.decode().count("data-correct hidden>") == 4
    poll_close(poll=poll)

    results = json.loads(browser.get("/api/polls/q/results").content)
    assert {o["slug"]: o["correct"] for o in results["options"]} == {
        "a": True, "b": False, "c": True, "d": False,
    }  # fmt: skip
    page = browser.get("/polls/q/results/").content.decode()
    assert page.count("data-correct hidden>") == 2  # Bravo's and Delta's marks
    assert page.count("data-correct > ✓ correct") == 2


def test_only_choice_polls_take_right_answers_and_only_their_own_options(redis_db):
    with pytest.raises(PollError, match="Only single and several choices"):
        poll_create(question="Rank?", options=FOUR, kind="ranking", correct=["a"])
    with pytest.raises(PollError, match="does not have: e"):
        poll_create(question="Q?", options=FOUR, correct=["e"])


def test_createpoll_marks_the_right_answers(redis_db):
    call_command("createpoll", "Capital of France?", "Paris", "Lyon", "--correct", "paris")

    assert list(Option.objects.filter(correct=True).values_list("slug", flat=True)) == ["paris"]
    with pytest.raises(CommandError, match="does not have") as refused:
        call_command("createpoll", "Q?", "A", "B", "--correct", "c")
    assert refused.value.returncode == 2


def test_the_event_file_keeps_the_right_answers(redis_db):
    poll = poll_create(question="Q?", options=FOUR, slug="q", correct=["b"])
    event = Event.objects.get(pk=event_create(title="Quiz", polls=[poll], slug="quiz").pk)

    [question] = event_dump(event)["questions"]
    assert question["options"][1] == {"slug": "b", "label": "Bravo", "correct": True}
    copy = event_loads(event_dumps(event))  # a new slug, new polls
    [copied] = copy.polls()
    assert list(copied.options.filter(correct=True).values_list("slug", flat=True)) == ["b"]
    assert Poll.objects.count() == 2


def test_a_duplicated_poll_keeps_its_right_answers(redis_db):
    from polls.services import poll_duplicate

    copy = poll_duplicate(poll=poll_create(question="Q?", options=FOUR, slug="q", correct=["d"]))

    assert list(copy.options.filter(correct=True).values_list("slug", flat=True)) == ["d"]
