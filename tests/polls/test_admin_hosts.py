"""The owner chooses hosts on the poll's or event's admin page, by user name or e-mail;
co-hosts and moderators see them, read only; a poll in an event has none of its own."""

from __future__ import annotations

import pytest
from django.test import Client

from events.models import EventHost
from events.presenters import presenter_make
from events.services import event_create
from polls.models import HostRole, PollHost
from polls.services import poll_create

pytestmark = pytest.mark.django_db

TWO = [("cats", "Cats"), ("dogs", "Dogs")]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _event_form(event, hosts: list[tuple[str, str]]) -> dict[str, str]:
    form = {
        "title": event.title, "slug": event.slug, "pace": event.pace, "mode": event.mode,
        "participation": event.participation,
        "speed": "on" if event.speed else "", "opens_questions": "on",
        "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0",
        "hosts-TOTAL_FORMS": str(len(hosts)), "hosts-INITIAL_FORMS": "0",
        "decks-TOTAL_FORMS": "0", "decks-INITIAL_FORMS": "0",
    }  # fmt: skip
    for i, (person, role) in enumerate(hosts):
        form[f"hosts-{i}-person"], form[f"hosts-{i}-role"] = person, role
    return form


def test_the_owner_adds_a_host_by_e_mail_and_a_typo_changes_nothing():
    ana = presenter_make(username="ana", password=None)[0]
    bo = presenter_make(username="bo", email="bo@school.example", password=None)[0]
    event = event_create(title="Week 3", polls=[], slug="week-3")
    event.owner = ana
    event.save()
    ana_client = _client(ana)
    url = f"/admin/events/event/{event.pk}/change/"

    typo = ana_client.post(url, _event_form(event, [("bo@school.exmaple", "moderator")]))
    assert typo.status_code == 200
    assert "No account here has the user name or e-mail “bo@school.exmaple”." in (
        typo.content.decode()
    )
    assert not EventHost.objects.exists()
    itself = ana_client.post(url, _event_form(event, [("ana", "moderator")]))
    assert "ana owns it already." in itself.content.decode()

    added = ana_client.post(url, _event_form(event, [("BO@school.example", "moderator")]))
    assert added.status_code == 302
    assert EventHost.objects.get().user == bo

    page = _client(bo).get(url).content.decode()  # a moderator sees them, read only
    assert "who else runs it" in page and "bo" in page and 'name="hosts-0-person"' not in page


def test_a_poll_in_an_event_has_no_hosts_of_its_own_on_its_page():
    ana = presenter_make(username="ana", password=None)[0]
    alone = poll_create(question="Alone?", options=TWO, slug="alone")
    inside = poll_create(question="Inside?", options=TWO, slug="inside")
    event = event_create(title="Week 3", polls=[inside], slug="week-3")
    for thing in (alone, inside, event):
        thing.owner = ana
        thing.save()
    client = _client(ana)

    assert (
        "hosts-TOTAL_FORMS" in client.get(f"/admin/polls/poll/{alone.pk}/change/").content.decode()
    )
    assert "hosts-TOTAL_FORMS" not in (
        client.get(f"/admin/polls/poll/{inside.pk}/change/").content.decode()
    )
    assert not PollHost.objects.exists()
    assert HostRole.MODERATOR == "moderator"
