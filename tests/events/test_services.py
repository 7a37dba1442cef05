"""Events made, moved through, copied, kept as files; on the real PostgreSQL and Redis."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from events.files import event_dumps, event_loads
from events.models import Event
from events.selectors import event_state
from events.services import EventError, event_create, event_duplicate, event_move, event_reset_all
from polls.models import Poll, Vote
from polls.services import poll_create

pytestmark = pytest.mark.django_db


def stage(event: Event) -> tuple[str, int | None, str | None]:
    state = event_state(Event.objects.get(pk=event.pk))
    return state["stage"], state["position"], state["poll"]


def is_open(slug: str) -> bool:
    return Poll.objects.get(slug=slug).is_open


def test_an_event_starts_in_its_lobby_with_a_code_of_its_own(event):
    assert stage(event) == ("lobby", None, None)
    assert event.code not in set(Poll.objects.values_list("code", flat=True))
    assert len(event.code) == 6


def test_a_code_that_names_an_event_leads_to_its_page(event):
    answer = Client().get(f"/j/{event.code.lower()[:3]} {event.code[3:]}")

    assert answer.status_code == 302
    assert answer["Location"] == "/events/week3/"


def test_the_presenter_moves_through_the_questions_opening_and_closing_them(event):
    for poll in Poll.objects.all():
        poll.is_open = False
        poll.save()

    event_move(event=event, action="next")
    assert stage(event) == ("question", 1, "colour")
    assert is_open("colour")

    event_move(event=event, action="next")
    assert stage(event) == ("question", 2, "rate")
    assert (is_open("colour"), is_open("rate")) == (False, True)

    event_move(event=event, action="goto", position=3)
    event_move(event=event, action="previous")
    assert stage(event) == ("question", 2, "rate")

    event_move(event=event, action="lobby")
    assert stage(event) == ("lobby", None, None)
    assert not is_open("rate")

    event_move(event=event, action="goto", position=3)
    event_move(event=event, action="next")  # past the last: the end
    assert stage(event) == ("ended", None, None)
    event_move(event=event, action="previous")  # back from the end: the last question
    assert stage(event) == ("question", 3, "rank")
    event_move(event=event, action="end")
    assert stage(event) == ("ended", None, None)


def test_an_event_may_leave_its_questions_open_or_closed_as_they_are(event):
    Event.objects.filter(pk=event.pk).update(opens_questions=False)
    Poll.objects.filter(slug="rate").update(is_open=False)

    event_move(event=Event.objects.get(pk=event.pk), action="goto", position=2)

    assert (is_open("colour"), is_open("rate")) == (True, False)


@pytest.mark.parametrize(
    ("action", "position", "says"),
    [("goto", 4, "from 1 to 3"), ("goto", None, "from 1 to 3"), ("jump", None, "Unknown move")],
)
def test_a_move_that_cannot_be_says_why(event, action, position, says):
    with pytest.raises(EventError, match=says):
        event_move(event=event, action=action, position=position)
    assert stage(event) == ("lobby", None, None)


def test_a_poll_is_in_one_event_at_most(event):
    with pytest.raises(EventError, match="in another event already: colour"):
        event_create(title="Again", polls=[Poll.objects.get(slug="colour")])


def test_a_file_dumped_then_loaded_makes_an_equal_event_without_votes(event):
    Poll.objects.filter(slug="colour").update(results_visibility="revealed", max_choices=None)
    colour = Poll.objects.get(slug="colour")
    Vote.objects.create(poll=colour, voter="v" * 64, choices=[colour.options.first().pk],
                        cast_at=colour.created_at)  # fmt: skip
    text = event_dumps(Event.objects.get(pk=event.pk))

    copy = event_loads(text)

    assert copy.pk != event.pk and copy.code != event.code and copy.slug == "week3-2"
    assert yaml.safe_load(event_dumps(copy)) | {"slug": "week3"} == yaml.safe_load(text)
    assert not Vote.objects.filter(poll__in=copy.polls()).exists()
    assert [poll.kind for poll in copy.polls()] == ["single", "rating", "ranking"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("- just\n- a list\n", "not an event's"),
        ("format: live-voting/event/1\ntitle: T\nquestions: []\n", "lists its questions"),
        ("format: live-voting/event/1\ntitle: T\nquestions:\n  - question: Q?\n    options: [A]\n",
         "Question 1: A poll needs at least two options"),
        ("{{{", "not YAML or JSON"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_an_events_makes_nothing_and_says_why(db, text, says):
    with pytest.raises(EventError, match=says):
        event_loads(text)
    assert not Event.objects.exists() and not Poll.objects.exists()


def test_the_example_file_of_the_docs_loads(db):
    from tests.support.processes import BASE_DIR

    event = event_loads((BASE_DIR / "docs" / "event-example.yaml").read_text())

    assert len(event.polls()) >= 3


def test_an_event_is_duplicated_with_its_polls_and_no_votes(event):
    copy = event_duplicate(event=event)

    assert [p.slug for p in copy.polls()] == ["colour-copy", "rate-copy", "rank-copy"]
    assert copy.code != event.code and copy.slug == "week3-copy"
    assert list(copy.polls()[0].options.values_list("label", flat=True)) == [
        "Alpha", "Bravo", "Charlie"
    ]  # fmt: skip


def test_reset_all_starts_a_new_round_of_every_question(event):
    event_reset_all(event=event)

    assert set(Poll.objects.values_list("round", flat=True)) == {2}


def test_the_commands_make_move_dump_load_and_export_an_event(db, redis_db, tmp_path, capsys):
    for slug in ("one", "two"):
        poll_create(question=f"{slug}?", options=[("y", "Yes"), ("n", "No")], slug=slug)
    call_command("createevent", "Class", "one", "two", "--slug", "class")
    call_command("event", "class", "next")
    call_command("event", "class", "goto", "2")
    call_command("dumpevent", "class")
    out = capsys.readouterr().out
    assert "Created class: /events/class/" in out
    assert "class: question 1 of 2, one." in out and "class: question 2 of 2, two." in out
    path = tmp_path / "class.yaml"
    path.write_text(out[out.index("format:") :])

    call_command("loadevent", str(path))
    call_command("exportevent", "class")

    out = capsys.readouterr().out
    assert "Created class-2: /events/class-2/" in out
    assert "question,poll,round,option,label,votes,percent,fingerprint" in out
    assert "1,one,1,y,Yes,0,0.0," in out


@pytest.mark.parametrize(
    "args",
    [("event", "nope", "next"), ("event", "class", "goto", "9"), ("createevent", "T", "nope")],
)
def test_the_commands_refuse_in_one_line_with_status_2(db, redis_db, args):
    poll_create(question="one?", options=[("y", "Yes"), ("n", "No")], slug="one")
    call_command("createevent", "Class", "one", "--slug", "class")

    with pytest.raises(CommandError) as refused:
        call_command(*args)

    assert refused.value.returncode == 2
