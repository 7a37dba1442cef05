"""The admin, to presenters who share a server: each sees and changes only what they run
(polls/rules.py, events/rules.py); another's poll or event is "not found"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from events.models import Event, EventHost
from events.services import event_create
from polls.models import Poll, PollHost
from polls.services import poll_create

pytestmark = pytest.mark.django_db

TWO = [("cats", "Cats"), ("dogs", "Dogs")]


def presenter(name: str) -> tuple[User, Client]:
    """A staff user with the model permissions on polls and events (a presenter)."""
    user = User.objects.create_user(name, password="x" * 12, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["polls", "events"])
    )
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def ana_and_bo():
    ana, ana_client = presenter("ana")
    bo, bo_client = presenter("bo")
    exam = poll_create(question="Exam question 1?", options=TWO, slug="exam-1")
    week = poll_create(question="Week 3 question?", options=TWO, slug="week-3")
    event = event_create(title="Ana's exam", polls=[week], slug="exam")
    Poll.objects.filter(pk=exam.pk).update(owner=ana)
    Event.objects.filter(pk=event.pk).update(owner=ana)
    return {"ana": ana_client, "bo": bo_client, "bo_user": bo, "exam": exam, "event": event}


def test_a_presenter_lists_and_finds_only_their_own(ana_and_bo):
    ana, bo = ana_and_bo["ana"], ana_and_bo["bo"]

    for client, sees in ((ana, True), (bo, False)):
        polls = client.get("/admin/polls/poll/").content.decode()
        events = client.get("/admin/events/event/").content.decode()
        found = client.get("/admin/polls/poll/?q=Exam").content.decode()
        autocomplete = client.get(
            "/admin/autocomplete/",
            {"app_label": "events", "model_name": "eventquestion", "field_name": "poll",
             "term": "Exam"},
        ).content.decode()  # fmt: skip
        assert ("Exam question 1?" in polls) is sees
        assert ("Ana&#x27;s exam" in events or "Ana's exam" in events) is sees
        assert ("Exam question 1?" in found) is sees
        assert ("Exam question 1?" in autocomplete) is sees


def test_anothers_change_page_is_not_found_and_their_delete_is_refused(ana_and_bo):
    bo, exam, event = ana_and_bo["bo"], ana_and_bo["exam"], ana_and_bo["event"]

    poll_page = bo.get(f"/admin/polls/poll/{exam.pk}/change/", follow=True)
    event_page = bo.get(f"/admin/events/event/{event.pk}/change/", follow=True)
    deleted = bo.post(f"/admin/polls/poll/{exam.pk}/delete/", {"post": "yes"}, follow=True)

    for page in (poll_page, event_page, deleted):
        assert "doesn\u2019t exist" in page.content.decode()  # Django's own words: not found
    assert Poll.objects.filter(pk=exam.pk).exists()


def test_a_moderator_sees_the_poll_but_may_not_change_or_delete_it(ana_and_bo):
    bo, bo_user, exam, event = (ana_and_bo[k] for k in ("bo", "bo_user", "exam", "event"))
    PollHost.objects.create(poll=exam, user=bo_user, role="moderator")
    EventHost.objects.create(event=event, user=bo_user, role="co-host")

    page = bo.get(f"/admin/polls/poll/{exam.pk}/change/")
    edit = bo.post(f"/admin/polls/poll/{exam.pk}/change/", {"question": "Changed?"})
    delete = bo.post(f"/admin/polls/poll/{exam.pk}/delete/", {"post": "yes"})
    event_page = bo.get(f"/admin/events/event/{event.pk}/change/")

    owners = ana_and_bo["ana"].get(f"/admin/polls/poll/{exam.pk}/change/").content.decode()
    assert 'name="question"' in owners and 'name="options-0-label"' in owners
    assert page.status_code == 200
    assert 'name="question"' not in page.content.decode()  # read only
    assert 'name="options-0-label"' not in page.content.decode()  # its options too
    assert edit.status_code == 403 and delete.status_code == 403
    assert Poll.objects.get(pk=exam.pk).question == "Exam question 1?"
    assert event_page.status_code == 200 and 'name="title"' in event_page.content.decode()


def test_a_copy_made_in_the_admin_is_its_makers(ana_and_bo):
    bo, bo_user, exam, event = (ana_and_bo[k] for k in ("bo", "bo_user", "exam", "event"))
    PollHost.objects.create(poll=exam, user=bo_user, role="moderator")
    EventHost.objects.create(event=event, user=bo_user, role="moderator")

    for path, action, thing in (
        ("/admin/polls/poll/", "duplicate_polls", exam),
        ("/admin/events/event/", "duplicate_events", event),
    ):
        answer = bo.post(path, {"action": action, "_selected_action": [thing.pk]})
        assert answer.status_code == 302

    assert Poll.objects.get(slug="exam-1-copy").owner == bo_user
    copy = Event.objects.get(slug="exam-copy")
    assert copy.owner == bo_user
    assert {poll.owner for poll in copy.polls()} == {bo_user}
    assert Poll.objects.get(slug="exam-1").owner.username == "ana"  # the original stays hers
