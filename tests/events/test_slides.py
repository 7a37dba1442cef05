"""Content slides (a poll of kind `slide`): a title, a text with formulas, an image and
speaker notes; no votes. In an event they step with next and previous as questions do:
the projector shows them, the phones say to look at the screen (or show them, where the
presenter says so), and only the remote shows the notes."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from events.models import Event
from events.services import event_create, event_move
from polls.services import poll_create

pytestmark = pytest.mark.django_db

TWO = [("a", "A"), ("b", "B")]
NOTES = "Remind them of last week's **lab**."


MEAN = r"The mean is $\bar{x} = \frac{1}{n}\sum x_i$."


def _slide(slug: str, title: str, *, phones: bool = False):
    return poll_create(
        question=title, options=[], slug=slug, kind="slide", slide=(MEAN, NOTES, phones)
    )


def _section(page: str, number: int) -> str:
    """The phone page's part for one item of the event."""
    sections = page.split('<section class="event-question"')[1:]
    return next(part for part in sections if f'data-event-question="{number}"' in part[:80])


@pytest.fixture
def lecture(redis_db) -> Event:
    polls = [_slide("intro", "Statistics, week 3"),
             poll_create(question="Which is larger?", options=TWO, slug="larger"),
             _slide("summary", "What we saw", phones=True)]  # fmt: skip
    return event_create(title="Week 3", polls=polls, slug="week-3")


def test_a_slide_takes_no_vote_and_nothing_is_queued(lecture, redis_db):
    answer = Client().post("/polls/intro/", {"option": "a"})

    assert answer.status_code == 400
    assert "This is a slide: there is nothing to vote on." in answer.content.decode()
    assert redis_db.xlen("votes") == 0 if redis_db.exists("votes") else True


def test_the_phones_look_up_the_projector_shows_it_and_only_the_remote_has_the_notes(
    lecture, admin_client
):
    event_move(event=lecture, action="next")
    phone = Client().get("/events/week-3/").content.decode()
    projector = admin_client.get("/events/week-3/present/").content.decode()
    remote = admin_client.get("/events/week-3/remote/").content.decode()

    first = _section(phone, 1)
    assert "Statistics, week 3" in first and "Look at the screen." in first
    assert "<math" not in first and "<form" not in first and "Remind them" not in phone
    assert 'class="slide-text"' in projector
    assert 'alttext="\\bar{x} = \\frac{1}{n}\\sum x_i"' in projector
    assert "Remind them" not in projector and "Close voting" not in projector
    assert "Speaker notes" in remote and "<strong>lab</strong>" in remote

    event_move(event=lecture, action="goto", position=3)  # a slide shown on the phones too
    phone = Client().get("/events/week-3/").content.decode()
    third = _section(phone, 3)
    assert "What we saw" in third and "<math" in third and "Look at the screen." not in third
    assert "Remind them" not in phone


def test_the_report_lists_slides_between_questions_and_the_file_keeps_them(
    lecture, admin_client, capsys, tmp_path
):
    report = admin_client.get("/events/week-3/report/").content.decode()
    assert report.index("Slide 1") < report.index("Question 2") < report.index("Slide 3")

    call_command("dumpevent", "week-3")
    text = capsys.readouterr().out
    assert "kind: slide" in text and "notes:" in text and "phones: true" in text
    (tmp_path / "week.yaml").write_text(text)
    call_command("loadevent", str(tmp_path / "week.yaml"))
    copy = Event.objects.exclude(pk=lecture.pk).get()
    slides = [(p.kind, p.question, p.body, p.notes, p.shown_on_phones) for p in copy.polls()]
    assert slides == [(p.kind, p.question, p.body, p.notes, p.shown_on_phones)
                      for p in lecture.polls()]  # fmt: skip
