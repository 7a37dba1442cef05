"""The presenter's home, /host/ (events/home.py): what they own and host, with their
role, newest first; the copy buttons; and nothing of anyone else's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from events.models import Event, EventHost, EventQuestion
from events.presenters import presenter_make
from polls.models import HostRole, Poll, PollHost

pytestmark = pytest.mark.django_db


def _presenter(name: str) -> tuple[User, Client]:
    user, _made = presenter_make(username=name, email=f"{name}@example.org", password=None)
    client = Client()
    client.force_login(user)
    return user, client


def test_the_home_lists_what_one_owns_and_hosts_with_the_role_and_no_one_elses():
    ana, ana_client = _presenter("ana")
    bo, _ = _presenter("bo")
    older = Event.objects.create(title="Monday lecture", slug="monday", owner=ana)
    newer = Event.objects.create(title="Tuesday lecture", slug="tuesday", owner=bo)
    EventHost.objects.create(event=newer, user=ana, role=HostRole.MODERATOR)
    quiz_poll = Poll.objects.create(question="In the event?", slug="in-event", owner=bo)
    EventQuestion.objects.create(event=newer, poll=quiz_poll, position=1)
    Poll.objects.create(question="Tea or coffee?", slug="tea", owner=ana)
    shared = Poll.objects.create(question="Cats or dogs?", slug="cats", owner=bo)
    PollHost.objects.create(poll=shared, user=ana, role=HostRole.CO_HOST)
    Poll.objects.create(question="Bo's secret exam", slug="exam", owner=bo)

    page = ana_client.get("/host/").content.decode()

    assert page.index("Tuesday lecture") < page.index("Monday lecture")  # newest first
    assert "Bo's secret exam" not in page and "In the event?" not in page
    assert page.index("Cats or dogs?") < page.index("Tea or coffee?")
    for slug in ("monday", "tuesday"):
        assert f'href="/events/{slug}/present/"' in page
    assert "moderator" in page and "co-host" in page and "owner" in page
    # A moderator neither edits nor copies; an owner and a co-host do both.
    assert f"/admin/events/event/{newer.pk}/change/" not in page
    assert "/host/events/tuesday/copy/" not in page
    assert f"/admin/events/event/{older.pk}/change/" in page
    assert "/host/events/monday/copy/" in page and "/host/polls/cats/copy/" in page
    assert 'href="/admin/events/event/add/"' in page and 'href="/admin/polls/poll/add/"' in page


def test_an_empty_home_says_how_to_begin_and_the_door_leads_there():
    _ana, client = _presenter("ana")
    page = client.get("/host/").content.decode()
    assert "Nothing here yet." in page and "new event" in page
    assert 'href="/host/"' in client.get("/").content.decode()


def test_anonymous_visitors_sign_in_first_and_non_presenters_are_refused():
    response = Client().get("/host/")
    assert response.status_code == 302 and "next=/host/" in response["Location"]
    plain = User.objects.create_user("someone")
    client = Client()
    client.force_login(plain)
    assert client.get("/host/").status_code == 403


def test_a_copy_is_the_copiers_own_and_a_moderator_may_not_copy():
    ana, ana_client = _presenter("ana")
    bo, bo_client = _presenter("bo")
    event = Event.objects.create(title="Lecture", slug="lecture", owner=bo)
    EventHost.objects.create(event=event, user=ana, role=HostRole.MODERATOR)

    assert ana_client.post("/host/events/lecture/copy/").status_code == 403
    EventHost.objects.filter(event=event).update(role=HostRole.CO_HOST)
    response = ana_client.post("/host/events/lecture/copy/")

    copy = Event.objects.exclude(pk=event.pk).get()
    assert response.status_code == 303
    assert response["Location"] == f"/admin/events/event/{copy.pk}/change/"
    assert copy.owner == ana and not copy.hosts.exists()
    assert bo_client.post("/host/polls/nothing-here/copy/").status_code == 404
    assert ana_client.get("/host/events/lecture/copy/").status_code == 405
