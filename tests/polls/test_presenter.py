"""Running a poll in a room: join codes, the QR code, the projector view, the controls,
who may reach each staff page, and the CSV exports; on the real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest
import segno
from django.test import AsyncClient, Client

from polls.exports import csv_cell
from polls.models import JOIN_CODE_ALPHABET, Poll, Vote
from polls.services import poll_control, poll_create
from tally.ingest import casts_apply
from tests.support.processes import streamed
from tests.tally.conftest import at, cast

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("get", "/polls/cats-vs-dogs/present/"),
    ("get", "/polls/cats-vs-dogs/remote/"),
    ("post", "/polls/cats-vs-dogs/control/"),
    ("get", "/polls/cats-vs-dogs/results.csv"),
    ("get", "/polls/cats-vs-dogs/votes.csv"),
    ("get", "/polls/cats-vs-dogs/invites/"),
    ("get", "/polls/cats-vs-dogs/invites.csv"),
]


@pytest.fixture
def visitor(django_user_model) -> Client:
    """Logged in, but without the right to change polls."""
    client = Client()
    client.force_login(django_user_model.objects.create_user("visitor", password="x" * 12))
    return client


def spaced(code: str) -> str:
    return f"{code[:3].lower()} - {code[3:]}"


# --- Join codes -----------------------------------------------------------------------


def test_every_poll_gets_a_six_character_code_without_look_alikes(poll):
    codes = {poll.code} | {
        poll_create(question=f"Q{i}?", options=[("a", "A"), ("b", "B")]).code for i in range(50)
    }

    assert len(codes) == 51
    for code in codes:
        assert re.fullmatch(f"[{JOIN_CODE_ALPHABET}]{{6}}", code)
        assert not set(code) & set("01OIL")


@pytest.mark.parametrize("typed", [str.upper, str.lower, spaced])
def test_a_join_code_in_any_case_with_spaces_or_dashes_leads_to_the_vote_page(poll, typed):
    response = Client().get(f"/j/{typed(poll.code)}")

    assert response.status_code == 302
    assert response["Location"] == "/polls/cats-vs-dogs/"


def test_the_home_page_field_joins_by_code(poll):
    home = Client().get("/").content.decode()
    assert 'action="/j/"' in home and 'name="code"' in home and 'method="get"' in home

    response = Client().get("/j/", {"code": f" {poll.code.lower()} "})

    assert response.status_code == 302
    assert response["Location"] == "/polls/cats-vs-dogs/"


def test_an_unknown_code_is_404_with_the_home_page_and_a_message(poll):
    response = Client().get("/j/", {"code": "zzz-zzz"})

    assert response.status_code == 404
    page = response.content.decode()
    assert "No poll has the code “zzz-zzz”" in page
    assert 'name="code"' in page and "Cats or dogs?" not in page  # the list is staff's
    assert Client().get("/j/QQQQQQ").status_code == 404


def test_the_home_page_is_a_door_not_an_index(poll, admin_client, settings):
    """The public reads a field for the code, never the list of every class's polls;
    presenters find a link to theirs (/host/); `make up` links its demo poll."""
    settings.VOTING_DEMO = False
    home = Client().get("/").content.decode()
    assert "Join with the code on the screen" in home
    assert "Cats or dogs?" not in home and "/polls/cats-vs-dogs/" not in home
    assert "Presenting? Sign in" in home
    staff = admin_client.get("/").content.decode()
    assert "Cats or dogs?" not in staff and '<a href="/host/">Your events and polls</a>' in staff
    settings.VOTING_DEMO = True
    home = Client().get("/").content.decode()
    assert '<a href="/polls/cats-vs-dogs/">Try the demo poll</a>' in home


def test_an_empty_code_goes_back_home(poll):
    response = Client().get("/j/", {"code": " - "})

    assert (response.status_code, response["Location"]) == (302, "/")


# --- QR code --------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_of_the_absolute_join_url(poll):
    response = Client().get("/polls/cats-vs-dogs/qr.svg", HTTP_HOST="localhost:8000")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "viewBox" in svg and "width=" not in svg.split(">", 1)[0]  # scales: no fixed size
    expected = segno.make(f"http://localhost:8000/j/{poll.code}", error="m")
    assert _modules(svg) == _modules(_svg(expected))


def test_the_qr_code_uses_the_public_url_when_set(poll, settings):
    settings.VOTING_PUBLIC_URL = "http://192.0.2.7:8000/"

    svg = Client().get("/polls/cats-vs-dogs/qr.svg").content.decode()

    assert _modules(svg) == _modules(
        _svg(segno.make(f"http://192.0.2.7:8000/j/{poll.code}", error="m"))
    )


def _svg(qr: segno.QRCode) -> str:
    out = io.BytesIO()
    qr.save(out, kind="svg", border=2, omitsize=True, xmldecl=False)
    return out.getvalue().decode()


def _modules(svg: str) -> str:
    return re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)


# --- Who may reach the staff pages ----------------------------------------------------


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_anonymous_users_are_sent_to_the_sign_in_and_back(poll, method, path):
    response = getattr(Client(), method)(path, {"action": "close"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Poll.objects.get().is_open


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_users_who_may_not_change_polls_get_403(poll, visitor, method, path):
    response = getattr(visitor, method)(path, {"action": "close"} if method == "post" else {})

    assert response.status_code == 403
    assert Poll.objects.get().is_open


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_staff_reach_every_staff_page(poll, admin_client, redis_db, method, path):
    response = getattr(admin_client, method)(path, {"action": "reveal"} if method == "post" else {})

    assert response.status_code == (303 if method == "post" else 200)
    # Invite codes, votes and hidden counts stay out of every cache, as the admin's pages do.
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_sign_in_whose_next_is_refused_lands_on_the_presenters_home(poll, admin_user):
    for login in ("/admin/login/", "/accounts/login/"):
        answer = Client().post(
            f"{login}?next=https://evil.example/",
            {"username": admin_user.username, "password": "password"},
        )

        assert answer.status_code == 302
        assert answer["Location"] == "/host/"


def test_a_presenter_presents_only_the_polls_they_own_or_host(poll, django_user_model):
    from django.contrib.auth.models import Permission

    from polls.models import PollHost

    user = django_user_model.objects.create_user("presenter", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="change_poll"))
    client = Client()
    client.force_login(user)
    pages = ["/polls/cats-vs-dogs/present/", "/polls/cats-vs-dogs/remote/",
             "/polls/cats-vs-dogs/votes.csv"]  # fmt: skip

    refused = [client.get(page).status_code for page in pages]  # another's poll
    PollHost.objects.create(poll=poll, user=user, role="moderator")
    as_moderator = [client.get(page).status_code for page in pages]
    PollHost.objects.all().delete()
    Poll.objects.filter(pk=poll.pk).update(owner=user)
    as_owner = [client.get(page).status_code for page in pages]

    assert refused == [403, 403, 403]
    assert as_moderator == as_owner == [200, 200, 200]
    assert client.get("/polls/no-such-poll/present/").status_code == 404


# --- The projector view and the controls ----------------------------------------------


def test_the_projector_view_shows_the_code_the_join_url_the_qr_and_what_the_room_may_see(
    poll, admin_client, redis_db
):
    poll.results_visibility = Poll.Visibility.REVEALED
    poll.save()
    cats, dogs = poll.options.values_list("pk", flat=True)
    casts_apply([cast("1-0", poll.pk, 1, (cats,), "ann", at(1)),
                 cast("2-0", poll.pk, 1, (dogs,), "bob", at(2))])  # fmt: skip

    page = admin_client.get("/polls/cats-vs-dogs/present/", HTTP_HOST="localhost").content.decode()

    assert f"{poll.code[:3]} {poll.code[3:]}" in page
    assert f"http://localhost/j/{poll.code}" in page
    assert 'src="/polls/cats-vs-dogs/qr.svg"' in page
    # The projector is public: hidden results leave no count on it, but how many voted.
    assert "<span data-votes></span>" in page and "data-votes>1<" not in page
    assert "<strong data-voters>2</strong>" in page
    # Hidden counts, not hidden choices: the room reads the options.
    assert '<li class="choice-shown" dir="auto">Cats</li>' in page
    assert "results hidden from voters" in page  # among the presenter's controls
    assert 'data-socket="/ws/polls/cats-vs-dogs/present/"' in page
    for key in "ocrhn":
        assert f'aria-keyshortcuts="{key}"' in page

    poll_control(poll=poll, action="reveal")
    shown = admin_client.get("/polls/cats-vs-dogs/present/").content.decode()
    assert "<span data-votes>1</span>" in shown


def test_the_remote_shows_the_presenter_the_counts_hidden_or_not(poll, admin_client, redis_db):
    poll.results_visibility = Poll.Visibility.REVEALED
    poll.save()
    casts_apply([cast("1-0", poll.pk, 1, (poll.options.get(slug="cats").pk,), "ann", at(1))])

    page = admin_client.get("/polls/cats-vs-dogs/remote/").content.decode()

    assert "<span data-votes>1</span>" in page
    assert "Only you see these counts" in page
    assert 'data-socket="/ws/polls/cats-vs-dogs/present/"' in page


@pytest.mark.parametrize(
    ("action", "is_open", "shown", "round_number"),
    [
        ("close", False, None, 1),
        ("open", True, None, 1),
        ("reveal", True, True, 1),
        ("hide", True, False, 1),
        ("reset", True, None, 2),
    ],
)
def test_each_control_does_what_it_says_and_goes_back(
    poll, admin_client, redis_db, action, is_open, shown, round_number
):
    if action == "open":
        poll_control(poll=poll, action="close")

    response = admin_client.post(
        "/polls/cats-vs-dogs/control/", {"action": action}, HTTP_REFERER="http://testserver/admin/"
    )

    assert (response.status_code, response["Location"]) == (303, "http://testserver/admin/")
    poll.refresh_from_db()
    assert (poll.is_open, poll.results_shown, poll.round) == (is_open, shown, round_number)


def test_a_control_goes_back_to_the_projector_view_by_default(poll, admin_client, redis_db):
    response = admin_client.post(
        "/polls/cats-vs-dogs/control/", {"action": "close"}, HTTP_REFERER="https://evil.example/"
    )

    assert response["Location"] == "/polls/cats-vs-dogs/present/"


@pytest.mark.parametrize("action", ["", "delete", "CLOSE"])
def test_an_unknown_action_is_400_and_changes_nothing(poll, admin_client, action):
    response = admin_client.post("/polls/cats-vs-dogs/control/", {"action": action})

    assert response.status_code == 400
    assert "Unknown action" in response.content.decode()
    assert Poll.objects.get().is_open


def test_a_control_without_the_csrf_token_is_403(poll, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post("/polls/cats-vs-dogs/control/", {"action": "close"})

    assert response.status_code == 403
    assert Poll.objects.get().is_open


def test_a_get_of_the_control_url_is_405(poll, admin_client):
    assert admin_client.get("/polls/cats-vs-dogs/control/").status_code == 405


# --- Rounds -----------------------------------------------------------------------------


def test_a_reset_starts_a_round_at_zero_and_keeps_the_last_ones_results(poll, redis_db):
    cats, dogs = poll.options.values_list("pk", flat=True)
    casts_apply([cast("1-0", poll.pk, 1, (cats,), "ann", at(1))])

    poll_control(poll=poll, action="reset")
    casts_apply(
        [
            cast("2-0", poll.pk, 2, (dogs,), "ann", at(2)),
            cast("3-0", poll.pk, 1, (dogs,), "bob", at(3)),  # queued before the reset
        ]
    )

    from tally.recount import tallies_rebuild
    from tally.selectors import results_for, rounds_for

    current = results_for(poll=Poll.objects.get())
    assert (current["round"], current["total"]) == (2, 1)
    assert [o["votes"] for o in current["options"]] == [0, 1]
    first, second = rounds_for(poll=Poll.objects.get())
    assert [o["votes"] for o in first["options"]] == [1, 1]
    assert [o["votes"] for o in second["options"]] == [0, 1]
    assert tallies_rebuild(polls=[poll], fix=False) == []


# --- CSV exports --------------------------------------------------------------------------


@pytest.fixture
def download(poll, admin_user, redis_db):
    """A staff download of one of the poll's exports, after two rounds of votes.

    Through the async client: the exports stream as an ASGI server serves them.
    """
    cats, dogs = poll.options.values_list("pk", flat=True)
    casts_apply(
        [
            cast("1-0", poll.pk, 1, (cats,), "ann", at(1)),
            cast("2-0", poll.pk, 1, (cats,), "bob", at(2)),
            cast("3-0", poll.pk, 1, (dogs,), "cy", at(3)),
        ]
    )
    poll_control(poll=poll, action="reset")
    casts_apply([cast("4-0", poll.pk, 2, (dogs,), "ann", at(4))])
    client = AsyncClient()
    client.force_login(admin_user)

    async def get(path: str) -> tuple[int, str, str]:
        response = await client.get(path)
        body = b"".join([part async for part in streamed(response)]).decode()
        return response.status_code, response["Content-Disposition"], body

    return lambda path: asyncio.run(get(path))


@pytest.mark.django_db(transaction=True)
def test_results_csv_has_each_rounds_results(download):
    status, disposition, body = download("/polls/cats-vs-dogs/results.csv")

    assert status == 200
    assert disposition == 'attachment; filename="cats-vs-dogs-results.csv"'
    assert list(csv.reader(io.StringIO(body))) == [
        ["round", "option", "label", "votes", "percent", "fingerprint"],
        ["1", "cats", "Cats", "2", "66.7", ""],
        ["1", "dogs", "Dogs", "1", "33.3", ""],
        ["2", "cats", "Cats", "0", "0.0", ""],
        ["2", "dogs", "Dogs", "1", "100.0", ""],
    ]


@pytest.mark.django_db(transaction=True)
def test_votes_csv_has_every_vote_and_no_voter_key(download):
    status, disposition, body = download("/polls/cats-vs-dogs/votes.csv")

    rows = list(csv.reader(io.StringIO(body)))
    assert status == 200
    assert disposition == 'attachment; filename="cats-vs-dogs-votes.csv"'
    assert rows[0] == ["round", "option", "cast_at"]
    assert [row[:2] for row in rows[1:]] == [
        ["1", "cats"],
        ["1", "cats"],
        ["1", "dogs"],
        ["2", "dogs"],
    ]
    assert rows[1][2] == at(1).isoformat()
    for voter in Vote.objects.values_list("voter", flat=True):
        assert voter not in body


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "@SUM(1+1)",
            "-2+3", "\tx", "\rx"]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_label_that_would_start_a_formula_is_exported_as_text(poll, download):
    poll.options.filter(slug="cats").update(label=FORMULAS[0])
    poll.options.filter(slug="dogs").update(label=FORMULAS[1])

    status, _disposition, body = download("/polls/cats-vs-dogs/results.csv")

    assert status == 200
    labels = [row[2] for row in csv.reader(io.StringIO(body))][1:]
    assert labels == ["'" + FORMULAS[0], "'" + FORMULAS[1]] * 2


@pytest.mark.parametrize("text", FORMULAS)
def test_every_export_cell_that_would_start_a_formula_starts_with_an_apostrophe(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell("Cats = dogs") == "Cats = dogs"
    assert csv_cell(-2) == -2  # a number is a number


# --- Live state: who is told, and when ----------------------------------------------------


def test_a_poll_with_times_to_come_is_published_again_at_each(
    poll, redis_db, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import django_rq
    from django.utils import timezone
    from rq.registry import ScheduledJobRegistry

    opens, closes = timezone.now() + timedelta(minutes=5), timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        poll.opens_at, poll.closes_at = opens, closes
        poll.save()

    queue = django_rq.get_queue("default")
    registry = ScheduledJobRegistry(queue=queue)
    jobs = [job for job_id in registry.get_job_ids() if (job := queue.fetch_job(job_id))]
    assert [job.func_name for job in jobs] == ["tally.jobs.poll_publish"] * 2
    assert {job.args for job in jobs} == {(poll.pk,)}
    assert sorted(registry.get_scheduled_time(job) for job in jobs) == [
        opens.replace(microsecond=0) + timedelta(seconds=1),  # surely past, in whole seconds
        closes.replace(microsecond=0) + timedelta(seconds=1),
    ]
