"""Who did what: every control action, from the projector, the remote, the admin or the
command line, is kept with its user and shown on the object's History page in the admin
(polls.models.ControlRecord)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from events.models import EventHost
from events.presenters import presenter_make
from events.services import event_create
from polls.models import Answer, ControlRecord, HostRole
from polls.services import poll_create
from polls.stream import Cast
from tally.ingest import casts_apply

pytestmark = pytest.mark.django_db

TWO = [("cats", "Cats"), ("dogs", "Dogs")]


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_control_of_an_event_run_is_in_the_owners_history_with_its_user(redis_db):
    ana = presenter_make(username="ana", password=None)[0]
    bo = presenter_make(username="bo", password=None)[0]
    word = poll_create(question="One word?", options=[], slug="word", kind="open")
    cats = poll_create(question="Cats or dogs?", options=TWO, slug="cats")
    event = event_create(title="Week 3", polls=[word, cats], slug="week-3")
    event.owner = ana
    event.save()
    EventHost.objects.create(event=event, user=bo, role=HostRole.MODERATOR)
    casts_apply([Cast("1-0", word.pk, 1, (), "v0", timezone.now(), ("<b>Loud</b>",))])
    answer = Answer.objects.get()
    ana_client, bo_client = _signed_in(ana), _signed_in(bo)

    assert bo_client.post("/events/week-3/control/", {"action": "next"}).status_code == 303
    moderate = {"action": "hide", "answer": answer.pk, "next": "/events/week-3/remote/"}
    assert bo_client.post("/polls/word/moderate/", moderate).status_code == 303
    goto = {"action": "goto", "position": "2"}
    assert ana_client.post("/events/week-3/control/", goto).status_code == 303
    assert bo_client.post("/polls/cats/control/", {"action": "close"}).status_code == 303
    call_command("event", "week-3", "end")

    kept = [(r.user.username if r.user else None, r.action, r.detail)
            for r in ControlRecord.objects.order_by("id")]  # fmt: skip
    assert kept == [
        ("bo", "next", ""),
        ("bo", "answer-hide", "<b>Loud</b>"),
        ("ana", "goto", "2"),
        ("bo", "close", ""),
        (None, "end", ""),
    ]
    page = ana_client.get(f"/admin/events/event/{event.pk}/history/").content.decode()
    controls = page[page.index("Who used the controls") :]
    for said in ("next question", "hid an answer", "went to question", "closed voting",
                 "ended the event", "the command line"):  # fmt: skip
        assert said in controls
    assert "One word?: &lt;b&gt;Loud&lt;/b&gt;" in controls  # typed text is text
    assert controls.index("ended the event") < controls.index("next question")  # newest first
    # The poll's own history holds what was done to it.
    poll_page = ana_client.get(f"/admin/polls/poll/{cats.pk}/history/").content.decode()
    assert "closed voting" in poll_page and "next question" not in poll_page


def test_the_admins_actions_are_kept_and_another_presenter_sees_no_history(redis_db):
    ana = presenter_make(username="ana", password=None)[0]
    bo = presenter_make(username="bo", password=None)[0]
    poll = poll_create(question="Tea?", options=TWO, slug="tea")
    poll.owner = ana
    poll.save()
    ana_client = _signed_in(ana)
    action = {"action": "reveal_results", "_selected_action": [poll.pk]}
    assert ana_client.post("/admin/polls/poll/", action).status_code == 302

    record = ControlRecord.objects.get()
    assert (record.user, record.action) == (ana, "reveal")
    word = poll_create(question="One word?", options=[], slug="word", kind="open")
    word.owner = ana
    word.save()
    casts_apply([Cast("1-0", word.pk, 1, (), "v0", timezone.now(), ("Nap",))])
    hide = {"action": "hide_answers", "_selected_action": [Answer.objects.get().pk]}
    assert ana_client.post("/admin/polls/answer/", hide).status_code == 302
    assert ControlRecord.objects.filter(action="answer-hide", detail="Nap", user=ana).exists()
    history = _signed_in(bo).get(f"/admin/polls/poll/{poll.pk}/history/")
    assert history.status_code == 302 and "showed the results" not in history.content.decode()
    empty = poll_create(question="Untouched?", options=TWO, slug="untouched")
    page = _signed_in(User.objects.create_superuser("root")).get(
        f"/admin/polls/poll/{empty.pk}/history/"
    )
    assert "No one has used its controls yet" in page.content.decode()
