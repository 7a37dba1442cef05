"""An event's pages: who may reach each, the audience's page at each stage, a survey
answered to its end, a vote that comes back to the event; the report and the charts."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any

import pytest
from django.test import AsyncClient, Client

from events.models import Event
from events.services import event_move
from polls.models import Poll
from polls.services import poll_control
from polls.stream import VOTE_STREAM
from tally.ingest import casts_apply
from tests.support.pages import csrf_token
from tests.support.processes import streamed
from tests.tally.conftest import at, cast

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("get", "/events/week3/present/"),
    ("get", "/events/week3/remote/"),
    ("get", "/events/week3/report/"),
    ("get", "/events/week3/results.csv"),
    ("get", "/events/week3/results.xlsx"),
    ("post", "/events/week3/control/"),
]
VOTE_FORM = re.compile(r'<form method="post" action="([^"]+)".*?name="next" value="([^"]+)"', re.S)


@pytest.fixture
def visitor(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("visitor", password="x" * 12))
    return client


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_the_event_staff_pages_are_staffs(event, visitor, admin_client, method, path):
    data = {"action": "next"} if method == "post" else {}

    anonymous = getattr(Client(), method)(path, data)
    refused = getattr(visitor, method)(path, data)
    staff = getattr(admin_client, method)(path, data)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert refused.status_code == 403
    assert staff.status_code == (303 if method == "post" else 200)
    assert "no-store" in staff["Cache-Control"]


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_the_event_staff_pages_are_its_owners_and_hosts_alone(
    event, visitor, django_user_model, method, path
):
    from django.contrib.auth.models import Permission

    from events.models import EventHost

    def presenter(name: str) -> Client:
        user = django_user_model.objects.create_user(name, password="x" * 12)
        user.user_permissions.set(Permission.objects.filter(codename__endswith="_event"))
        client = Client()
        client.force_login(user)
        return client

    data = {"action": "next"} if method == "post" else {}
    another, moderator, owner = presenter("another"), presenter("moderator"), presenter("owner")
    type(event).objects.filter(pk=event.pk).update(
        owner=django_user_model.objects.get(username="owner")
    )
    EventHost.objects.create(event=event, user=django_user_model.objects.get(username="moderator"),
                             role="moderator")  # fmt: skip

    answers = [
        getattr(client, method)(path, data).status_code for client in (another, moderator, owner)
    ]

    allowed = 303 if method == "post" else 200
    assert answers == [403, allowed, allowed]


def test_the_control_moves_the_event_and_refuses_an_unknown_move(event, admin_client):
    moved = admin_client.post("/events/week3/control/", {"action": "goto", "position": "2"})
    unknown = admin_client.post("/events/week3/control/", {"action": "jump"})

    assert moved.status_code == 303 and moved["Location"] == "/events/week3/present/"
    assert Event.objects.get().position == 2
    assert unknown.status_code == 400


def test_the_projector_drops_the_join_code_at_the_end(event, admin_client):
    lobby = admin_client.get("/events/week3/present/").content.decode()
    event_move(event=event, action="end")
    ended = admin_client.get("/events/week3/present/").content.decode()

    assert 'class="join-qr"' in lobby and 'class="join-code"' in lobby
    assert 'class="join-qr"' not in ended and 'class="join-code"' not in ended
    assert "Thank you!" in ended


def test_a_move_after_the_end_is_confirmed_first(event, admin_client):
    event_move(event=event, action="end")

    asked = admin_client.post("/events/week3/control/", {"action": "goto", "position": "2"})
    still = Event.objects.get()
    confirmed = admin_client.post(
        "/events/week3/control/", {"action": "goto", "position": "2", "confirm": "1"}
    )

    assert asked.status_code == 409
    assert "Open the session again?" in asked.content.decode()
    assert 'name="confirm" value="1"' in asked.content.decode()
    assert (still.ended, still.position) == (True, None)
    assert confirmed.status_code == 303
    assert (Event.objects.get().ended, Event.objects.get().position) == (False, 2)


def test_the_audience_page_shows_the_lobby_then_the_question_shown(event):
    phone = Client()
    lobby = phone.get("/events/week3/").content.decode()
    event_move(event=event, action="next")
    question = phone.get("/events/week3/").content.decode()

    assert re.search(r'data-stage-part="lobby"\s*>', lobby)  # the lobby shown
    assert "The presenter will start soon" in lobby
    shown = re.findall(r'data-event-question="(\d)"[^>]*?data-version="[^"]*"\s*>', question)
    assert shown == ["1"]  # the first question's section, not hidden
    assert 'data-socket="/ws/events/week3/"' in question
    assert 'name="next" value="/events/week3/"' in question  # votes come back here


def test_a_vote_from_the_event_page_comes_back_to_it_and_shows_there(event, redis_db):
    event_move(event=event, action="next")
    phone = Client()
    page = phone.get("/events/week3/").content.decode()
    token = csrf_token(page)

    answer = phone.post(
        "/polls/colour/", {"csrfmiddlewaretoken": token, "option": "a", "next": "/events/week3/"}
    )

    assert answer.status_code == 303 and answer["Location"] == "/events/week3/"
    again = phone.get("/events/week3/").content.decode()
    assert 'You voted for <strong dir="auto">Alpha</strong>' in again
    assert "Waiting for the next question." in again
    receipt = re.search(r"data-receipt>([0-9A-Z]{4}-[0-9A-Z]{4})<", again)
    assert receipt and '<a href="/polls/colour/verify/">Check my vote</a>' in again


def test_a_vote_after_the_presenter_moved_on_gets_409(event, redis_db):
    event_move(event=event, action="next")
    phone = Client()
    phone.get("/events/week3/")
    event_move(event=Event.objects.get(), action="next")  # closes the first

    late = phone.post("/polls/colour/", {"option": "a", "next": "/events/week3/"})

    assert late.status_code == 409


def test_a_next_of_another_site_is_not_followed(event, redis_db):
    phone = Client()
    phone.get("/polls/colour/")

    answer = phone.post("/polls/colour/", {"option": "a", "next": "https://evil.example/"})

    assert answer["Location"] == "/polls/colour/"


def test_a_survey_is_answered_at_the_voters_own_pace_to_its_end(event, redis_db):
    Event.objects.filter(pk=event.pk).update(pace=Event.Pace.AUDIENCE)
    phone = Client()
    path = "/events/week3/"
    answers: list[dict[str, Any]] = [
        {"option": "b"},
        {"score": "4"},
        {"option": ["c", "a", "b", "d"]},
    ]
    for number, answer in enumerate(answers, start=1):
        page = phone.get(path).content.decode()
        assert f"Question {number} of 3" in page
        assert f'<progress max="3" value="{number - 1}">' in page
        form, after = VOTE_FORM.search(page).groups()
        voted = phone.post(form, {**answer, "next": after})
        assert voted.status_code == 303
        path = voted["Location"]

    assert path == "/events/week3/?q=done"
    done = phone.get(path).content.decode()
    assert "Thank you" in done
    assert done.count('<section class="event-final"') == 3
    assert redis_db.xlen(VOTE_STREAM) == 3


def test_the_end_draws_the_results_each_voter_may_see(event, redis_db):
    Poll.objects.filter(slug="rate").update(results_visibility=Poll.Visibility.REVEALED)
    event_move(event=event, action="end")

    page = Client().get("/events/week3/").content.decode()

    assert re.search(r'data-stage-part="ended"\s*>', page)
    finals = re.findall(r'<section class="event-final".*?</section>', page, re.S)
    assert [re.search(r"<h2[^>]*>(.*?)</h2>", final).group(1) for final in finals] == [
        "Which colour?",
        "How was it?",
        "Order these",
    ]
    assert 'data-option="a"' in finals[0] and 'data-option="d"' in finals[2]
    assert "The presenter has not shown these results." in finals[1]  # until shown
    assert "data-option" not in finals[1]
    assert "vote-form" not in page  # no question's form at the end


@pytest.mark.django_db(transaction=True)  # the CSV streams from another thread
def test_the_report_and_the_csv_hold_every_questions_results(event, admin_user, redis_db):
    colour = Poll.objects.get(slug="colour")
    casts_apply([cast("1-0", colour.pk, 1, (colour.options.get(slug="b").pk,), "ann", at(1))])
    staff = AsyncClient()
    staff.force_login(admin_user)

    async def download() -> tuple[str, str]:
        report = await staff.get("/events/week3/report/")
        export = await staff.get("/events/week3/results.csv")
        body = b"".join([part async for part in streamed(export)])
        return report.content.decode(), body.decode()

    report, body = asyncio.run(download())
    rows = list(csv.reader(io.StringIO(body)))

    assert report.count("<svg") == 3
    assert "Which colour?" in report and "Order these" in report
    assert rows[0] == [
        "question", "poll", "round", "option", "label", "votes", "percent", "fingerprint"
    ]  # fmt: skip
    assert ["1", "colour", "1", "b", "Bravo", "1", "100.0", ""] in rows
    assert {row[1] for row in rows[1:]} == {"colour", "rate", "rank"}


def test_a_polls_chart_is_for_staff_or_whoever_may_see_its_results(event, admin_client):
    Poll.objects.filter(slug="colour").update(results_visibility="revealed")

    hidden = Client().get("/polls/colour/results.svg")
    staff = admin_client.get("/polls/colour/results.svg")
    poll_control(poll=Poll.objects.get(slug="colour"), action="reveal")
    shown = Client().get("/polls/colour/results.svg")

    assert hidden.status_code == 403
    assert staff.status_code == shown.status_code == 200
    assert shown["Content-Type"] == "image/svg+xml"
    assert "Which colour?" in shown.content.decode() and "<svg" in shown.content.decode()
