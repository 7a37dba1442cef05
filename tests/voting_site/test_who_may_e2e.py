"""Who may reach each staff-only URL and socket of the contract, on a real web process,
as browsers signed in through the sign-in form: anonymous, another presenter, a
moderator, a co-host, the owner and a superuser, each against a poll in no event and an
event (a quiz, so its leaderboard is withheld). The results are hidden from the room:
no body any of them gets shows the count where that one may not see it."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
import websockets
from django.contrib.auth.models import User
from django.utils import timezone
from websockets.typing import Origin

from events.models import EventHost
from events.presenters import presenter_make
from events.services import event_create
from polls.invites import invites_make
from polls.models import HostRole, Poll, PollHost
from polls.services import poll_create
from polls.stream import Cast
from tally.ingest import casts_apply
from tests.support.pages import form_post, text_of

ROLES = ("anonymous", "other", "moderator", "co-host", "owner", "superuser")
PASSWORD = "a long pass phrase"
COUNT = 23  # the cats' votes (and 19 for dogs), hidden from the room: 42 voters show
SIGN_IN, STAFF, REFUSED = 302, 200, 403


def each(anonymous: int, other: int, moderator: int, co_host: int, owner: int, su: int):
    return dict(zip(ROLES, (anonymous, other, moderator, co_host, owner, su), strict=True))


RUNS = each(SIGN_IN, REFUSED, STAFF, STAFF, STAFF, STAFF)  # the projector's pages
MOVES = each(SIGN_IN, REFUSED, 303, 303, 303, 303)  # a control, then back
EDITS = each(SIGN_IN, REFUSED, REFUSED, 303, 303, 303)  # a copy of one's own
ADMIN_VIEW = each(302, 302, STAFF, STAFF, STAFF, STAFF)  # another's: "not found", away
ADMIN_DELETE = each(302, 302, REFUSED, REFUSED, STAFF, STAFF)
WITHHELD = each(REFUSED, REFUSED, STAFF, STAFF, STAFF, STAFF)  # no sign-in asked
PUBLIC = each(STAFF, STAFF, STAFF, STAFF, STAFF, STAFF)

# (method, path, form, what each role gets); {poll} and {event} are the admin's ids.
TABLE: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("GET", "/polls/solo/present/", {}, RUNS),
    ("GET", "/polls/solo/remote/", {}, RUNS),
    ("GET", "/polls/solo/moderation/", {}, RUNS),
    ("GET", "/polls/solo/results.csv", {}, RUNS),
    ("GET", "/polls/solo/votes.csv", {}, RUNS),
    ("GET", "/polls/solo/invites/", {}, RUNS),
    ("GET", "/polls/solo/invites.csv", {}, RUNS),
    ("GET", "/polls/solo/results.svg", {}, WITHHELD),
    ("GET", "/polls/solo/results/", {}, PUBLIC),
    ("POST", "/polls/solo/control/", {"action": "hide"}, MOVES),
    ("POST", "/polls/solo/moderate/", {"action": "hide", "answer": "999999"}, MOVES),
    ("POST", "/host/polls/solo/copy/", {}, EDITS),
    ("GET", "/admin/polls/poll/{poll}/change/", {}, ADMIN_VIEW),
    ("GET", "/admin/polls/poll/{poll}/history/", {}, ADMIN_VIEW),
    ("GET", "/admin/polls/poll/{poll}/delete/", {}, ADMIN_DELETE),
    ("GET", "/events/quiz/present/", {}, RUNS),
    ("GET", "/events/quiz/remote/", {}, RUNS),
    ("GET", "/events/quiz/report/", {}, RUNS),
    *[
        ("GET", f"/events/quiz/{name}.csv", {}, RUNS)
        for name in ("results", "players", "questions", "entries")
    ],
    ("GET", "/events/quiz/results.xlsx", {}, RUNS),
    ("GET", "/api/events/quiz/leaderboard", {}, WITHHELD),
    ("GET", "/polls/quiz-1/present/", {}, RUNS),  # a question of the event: the event's hosts
    ("POST", "/polls/quiz-1/control/", {"action": "hide"}, MOVES),
    ("POST", "/events/quiz/control/", {"action": "lobby"}, MOVES),
    ("POST", "/events/quiz/players/remove/", {"without_answers": "1"}, MOVES),
    ("POST", "/host/events/quiz/copy/", {}, EDITS),
    ("GET", "/admin/events/event/{event}/change/", {}, ADMIN_VIEW),
    ("GET", "/admin/events/event/{event}/delete/", {}, ADMIN_DELETE),
]
SOCKETS = ["/ws/polls/solo/present/", "/ws/events/quiz/present/"]
SOCKET_MAY = {"anonymous": False, "other": False, **dict.fromkeys(ROLES[2:], True)}


def _world() -> dict[str, Any]:
    """The people, and a poll and a quiz owned by the owner with a co-host and a
    moderator; the poll's votes hidden until the presenter shows them."""
    people = {role: presenter_make(username=role, password=PASSWORD)[0] for role in ROLES[1:5]}
    User.objects.create_superuser("superuser", "su@example.org", PASSWORD)
    two = [("cats", "Cats"), ("dogs", "Dogs")]
    solo = poll_create(
        question="Cats or dogs?",
        options=two,
        slug="solo",
        results_visibility=Poll.Visibility.REVEALED,
        requires_invite=True,
    )
    invites_make(poll=solo, count=2)
    now = timezone.now()
    cats, dogs = (solo.options.get(slug=slug).pk for slug in ("cats", "dogs"))
    casts_apply([Cast(f"1-{i}", solo.pk, 1, (cats if i < COUNT else dogs,), f"v{i}", now, ())
                 for i in range(COUNT + 19)])  # fmt: skip
    question = poll_create(question="Hottest planet?", options=[("a", "Mercury"), ("b", "Venus")],
                           slug="quiz-1", correct=["b"])  # fmt: skip
    quiz = event_create(title="Planets", polls=[question], slug="quiz", quiz=True)
    for thing in (solo, quiz):
        thing.owner = people["owner"]
        thing.save()
    for role in ("co-host", "moderator"):
        PollHost.objects.create(poll=solo, user=people[role], role=role)
        EventHost.objects.create(event=quiz, user=people[role], role=role)
    assert HostRole.values == ["co-host", "moderator"]
    return {"poll": solo.pk, "event": quiz.pk}


def _browser(url: str, role: str) -> httpx.Client:
    """A browser that signed in as the role through the sign-in form (or did not)."""
    browser = httpx.Client(base_url=url, timeout=30)
    if role == "anonymous":
        browser.get("/accounts/login/")  # its CSRF cookie
    else:
        signed = form_post(browser, "/accounts/login/", {"username": role, "password": PASSWORD})
        assert signed.status_code == 302, role
    return browser


async def _socket_may(url: str, path: str, browser: httpx.Client) -> bool:
    """Whether the presenter's socket speaks to this browser (its first message), or
    closes, or refuses the handshake."""
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    socket_url = url.replace("http://", "ws://") + path
    try:
        async with websockets.connect(
            socket_url, origin=Origin(url), additional_headers={"Cookie": cookie}
        ) as socket:
            json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            return True
    except (websockets.ConnectionClosed, websockets.InvalidStatus):
        return False


@pytest.mark.django_db(transaction=True)  # the web process must see the people and polls
def test_each_role_gets_what_the_contract_says_from_every_staff_url_and_socket(site_url, redis_db):
    from tests.support.browser import in_thread

    ids = in_thread(_world)
    got: dict[tuple[str, str], int] = {}
    shown: list[tuple[str, str]] = []
    for role in ROLES:
        browser = _browser(site_url, role)
        for method, path, form, _expected in TABLE:
            path = path.format(**ids)
            headers = {"X-CSRFToken": browser.cookies.get("csrftoken") or ""}
            answer = browser.request(method, path, data=form or None, headers=headers)
            got[(role, f"{method} {path}")] = answer.status_code
            may_not_count = role in ("anonymous", "other") or path.endswith("/present/")
            if may_not_count and re.search(rf"\b({COUNT}|19)\b", text_of(answer.text)):
                shown.append((role, path))
        for path in SOCKETS:
            got[(role, f"WS {path}")] = asyncio.run(_socket_may(site_url, path, browser))
        browser.close()

    wanted = {
        (role, f"{method} {path.format(**ids)}"): expected[role]
        for role in ROLES
        for method, path, _form, expected in TABLE
    }
    wanted |= {(role, f"WS {path}"): SOCKET_MAY[role] for role in ROLES for path in SOCKETS}
    assert {key: got[key] for key in wanted if got[key] != wanted[key]} == {}
    assert shown == []  # the hidden count reached no one who may not see it
