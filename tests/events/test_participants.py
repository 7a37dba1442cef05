"""Who answered what, on the real PostgreSQL and Redis: a named event asks each browser
for a name before taking its answers; its gradebook (CSV and a spreadsheet opened with
openpyxl) has a row a participant, typed cells and neutralised formulas; an anonymous
event has none. A participant sees and downloads what the event keeps, and erases it:
the tallies drop by exactly their votes, the log marks them erased with the same
fingerprint, and a second erasure changes nothing. Retention: with the clock moved,
`purge` removes the links to people and keeps the counts, the results page and the
report; a dry run removes nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from events.erasure import erasure_finish
from events.files import event_dumps, event_loads
from events.models import Event, Player
from events.participants import participant_signed_in, participant_token
from events.retention import purge
from events.selectors import players_now
from events.services import EventError, event_create
from polls.models import Answer, CastRecord, Vote
from polls.services import poll_create
from polls.stream import players_key
from polls.voters import voter_key, voter_token_from_cookies
from tally.audit import log_of
from tally.ingest import votes_ingest
from tally.models import OptionTally
from tally.recount import tallies_rebuild
from tests.support.processes import streamed

pytestmark = pytest.mark.django_db(transaction=True)  # the recount takes its own locks

PAGE = "/events/class/"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def named(redis_db) -> Event:
    """A survey of a question with a right answer, a multiple choice and an open answer,
    whose participants type their names."""
    polls = [
        poll_create(
            question="Capital of France?",
            options=[("paris", "Paris"), ("rome", "Rome")],
            slug="capital",
            correct=["paris"],
        ),
        poll_create(
            question="Which do you like?",
            options=[("tea", "Tea"), ("coffee", "Coffee")],
            slug="likes",
            kind="multiple",
        ),
        poll_create(question="One word for today?", options=[], slug="word", kind="open"),
    ]
    event = event_create(
        title="Class", polls=polls, slug="class", pace="audience", participation="named"
    )
    return event


def joined(name: str) -> Client:
    browser = Client()
    browser.get(PAGE)
    assert browser.post(PAGE, {"nickname": name}).status_code == 303
    return browser


def vote(browser: Client, poll: str, **fields: object) -> int:
    return browser.post(f"/polls/{poll}/", {**fields, "next": PAGE}).status_code


def drained() -> None:
    votes_ingest(consumer="test", idle_ms=None)


def answered(named: Event) -> dict[str, Client]:
    ada, bob, eve = joined("Ada"), joined("Bob"), joined(FORMULA)
    for browser, capital, likes, word in (
        (ada, "paris", ["tea", "coffee"], "sunny"),
        (bob, "rome", ["coffee"], "rainy"),
        (eve, "paris", ["tea"], "sunny"),
    ):
        assert vote(browser, "capital", option=capital) == 303
        assert vote(browser, "likes", option=likes) == 303
        assert vote(browser, "word", answer=word) == 303
    drained()
    return {"Ada": ada, "Bob": bob, "Eve": eve}


@pytest.fixture
def teacher(db) -> Client:
    browser = Client()
    browser.force_login(User.objects.create_superuser("teacher", "t@example.com", "x"))
    return browser


def tallies(poll: str) -> dict[str, int]:
    return dict(OptionTally.objects.filter(poll__slug=poll).values_list("option__slug", "votes"))


def test_a_named_event_takes_answers_only_from_those_who_typed_a_name(named, redis_db):
    lurker = Client()
    page = lurker.get(PAGE).content.decode()

    refused = vote(lurker, "capital", option="paris")
    typed = lurker.post(PAGE, {"nickname": "Lou"})
    taken = vote(lurker, "capital", option="paris")

    assert "Join the event" in page and "Your name" in page
    assert refused == 403
    assert typed.status_code == 303 and taken == 303
    assert "You take part as <strong" in lurker.get(PAGE).content.decode()
    assert Player.objects.get(event=named).nickname == "Lou"


def test_the_gradebook_lists_who_answered_what(named, teacher):
    answered(named)

    report = teacher.get(f"{PAGE}report/").content.decode()
    text = asyncio.run(_body(teacher.get(f"{PAGE}gradebook.csv")))
    rows = list(csv.reader(io.StringIO(text)))

    assert "gradebook.xlsx" in report
    assert rows[0] == [
        "name", "email", "joined", "q1", "q1_right", "q1_points", "q2", "q2_right",
        "q2_points", "q3", "q3_right", "q3_points", "total",
    ]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Ada", "Bob", "'" + FORMULA}  # the formula is text
    ada = by_name["Ada"]
    assert ada[3:6] == ["Paris", "True", ""]
    assert ada[6:9] == ["Tea; Coffee", "", ""]
    assert ada[9:12] == ["sunny", "", ""]
    assert ada[12] == "1"  # right answers, outside a quiz
    assert by_name["Bob"][3:6] == ["Rome", "False", ""] and by_name["Bob"][12] == "0"


def test_the_gradebook_spreadsheet_has_typed_cells_and_a_sheet_per_question(named, teacher):
    answered(named)

    response = teacher.get(f"{PAGE}gradebook.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))

    assert book.sheetnames == ["class-gradebook", "q1", "q2", "q3"]
    sheet = book["class-gradebook"]
    assert sheet.freeze_panes == "A2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    eve = rows[FORMULA]
    assert eve[0].data_type == "s"  # a name that starts with "=" is text, never a formula
    assert isinstance(eve[2].value, datetime)  # joined: a date
    assert eve[4].value is True and rows["Bob"][4].value is False
    assert rows["Ada"][12].value == 1 and isinstance(rows["Ada"][12].value, int)
    assert book["q1"]["A1"].value == "round"


def test_an_anonymous_event_has_no_gradebook(named, teacher):
    Event.objects.filter(pk=named.pk).update(participation="anonymous")

    assert teacher.get(f"{PAGE}gradebook.csv").status_code == 404
    assert teacher.get(f"{PAGE}gradebook.xlsx").status_code == 404
    assert "gradebook" not in teacher.get(f"{PAGE}report/").content.decode()
    assert Client().get(f"{PAGE}me/").status_code == 404


def test_the_gradebook_is_the_presenters_alone(named):
    answered(named)
    stranger = Client()
    stranger.force_login(User.objects.create_user("stranger", "s@example.com", is_staff=True))

    assert stranger.get(f"{PAGE}gradebook.csv").status_code in (403, 404)
    assert Client().get(f"{PAGE}gradebook.csv").status_code == 302  # to the sign-in


def test_a_participant_sees_downloads_and_erases_their_data_exactly_once(named, redis_db):
    browsers = answered(named)
    ada = browsers["Ada"]
    for poll in named.polls():
        poll.is_open = False
        poll.save()
    before = {poll: tallies(poll) for poll in ("capital", "likes")}
    fingerprint = log_of(named.polls()[0]).fingerprint

    page = ada.get(f"{PAGE}me/").content.decode()
    download = json.loads(ada.get(f"{PAGE}me.json").content)
    erased = ada.post(f"{PAGE}me/erase/", {"confirm": "on"})
    player = Player.objects.filter(event=named, nickname="Ada").first()
    finished = erasure_finish(event_id=named.pk, voter=_voter_of(ada), since_ms=_redis_ms(redis_db))

    assert "What this event keeps about you" in page and "Erase my data" in page
    assert download["participant"]["name"] == "Ada"
    assert [a["answer"] for a in download["answers"]] == [["Paris"], ["Tea", "Coffee"], ["sunny"]]
    assert erased.status_code == 303 and player is None and finished is True
    assert tallies("capital") == {**before["capital"], "paris": before["capital"]["paris"] - 1}
    assert tallies("likes") == {"tea": before["likes"]["tea"] - 1,
                                "coffee": before["likes"]["coffee"] - 1}  # fmt: skip
    assert Answer.objects.filter(text="sunny").count() == 1  # Eve's
    recount = io.StringIO()
    call_command("recount", "--check", stdout=recount)  # it would exit 1 on a difference
    assert recount.getvalue() == "All tallies agree with the votes.\n"
    log = log_of(named.polls()[0])
    assert log.fingerprint == fingerprint
    assert [entry.get("erased", False) for entry in log.entries] == [True, False, False]
    assert "nothing about you" in ada.get(f"{PAGE}me/").content.decode()

    again = ada.post(f"{PAGE}me/erase/", {"confirm": "on"})
    assert again.status_code == 303
    assert erasure_finish(event_id=named.pk, voter=_voter_of(ada), since_ms=0) is True
    assert tallies("likes") == {"tea": before["likes"]["tea"] - 1,
                                "coffee": before["likes"]["coffee"] - 1}  # fmt: skip
    assert Vote.objects.filter(poll__slug="capital").count() == 2


def test_an_event_may_keep_its_answers_from_erasure(named):
    ada = answered(named)["Ada"]
    Event.objects.filter(pk=named.pk).update(participants_may_erase=False)

    refused = ada.post(f"{PAGE}me/erase/", {"confirm": "on"})

    assert refused.status_code == 403
    assert Player.objects.filter(event=named).count() == 3


def test_retention_removes_the_links_and_keeps_the_counts(named, teacher, redis_db):
    answered(named)
    Player.objects.filter(nickname="Bob").update(email="bob@example.com")
    for poll in named.polls():
        poll.is_open = False
        poll.results_shown = True
        poll.save()
    voters_before = set(Vote.objects.values_list("voter", flat=True))
    results_before = teacher.get("/polls/capital/results/").content.decode()
    report_before = teacher.get(f"{PAGE}report/").content.decode()
    fingerprints = [log_of(poll).fingerprint for poll in named.polls()]
    counts = {poll: tallies(poll) for poll in ("capital", "likes")}
    later = timezone.now() + timedelta(days=181)

    assert purge(now=timezone.now() + timedelta(days=179)) == []  # not yet
    dry = purge(now=later, dry_run=True)
    assert [(done.kind, done.slug, done.voters, done.names) for done in dry] == [
        ("event", "class", 3, 3)
    ]
    assert set(Vote.objects.values_list("voter", flat=True)) == voters_before  # untouched

    done = purge(now=later)

    assert [(d.slug, d.voters) for d in done] == [("class", 3)]
    assert set(Vote.objects.values_list("voter", flat=True)).isdisjoint(voters_before)
    assert not CastRecord.objects.filter(voter__in=voters_before).exists()
    assert sorted(Player.objects.values_list("nickname", "email", "user")) == [
        ("#1", "", None), ("#2", "", None), ("#3", "", None)
    ]  # fmt: skip
    assert {poll: tallies(poll) for poll in ("capital", "likes")} == counts
    assert _without_tokens(teacher.get("/polls/capital/results/").content.decode()) == (
        _without_tokens(results_before)
    )
    assert _without_tokens(teacher.get(f"{PAGE}report/").content.decode()) == _without_tokens(
        report_before
    )
    assert [log_of(poll).fingerprint for poll in named.polls()] == fingerprints
    assert tallies_rebuild(polls=named.polls(), fix=False) == []
    assert purge(now=later) == []  # done once


def test_the_purge_command_says_what_it_removes(named):
    answered(named)
    dry, done = io.StringIO(), io.StringIO()

    call_command("purge", "--older-than", "0", "--dry-run", stdout=dry)
    kept = Player.objects.filter(nickname="Ada").exists()
    call_command("purge", "--older-than", "0", stdout=done)

    assert "event class" in dry.getvalue() and "3 voters unlinked" in dry.getvalue()
    assert "Dry run: nothing was removed." in dry.getvalue()
    assert kept and not Player.objects.filter(nickname="Ada").exists()
    assert "event class" in done.getvalue()


def test_a_shorter_retention_is_the_events_own(named):
    answered(named)
    Event.objects.filter(pk=named.pk).update(retention_days=7)

    assert purge(now=timezone.now() + timedelta(days=6)) == []
    assert [d.slug for d in purge(now=timezone.now() + timedelta(days=8))] == ["class"]


async def _body(response) -> str:
    return b"".join([part async for part in streamed(response)]).decode()


def _voter_of(browser: Client) -> str:
    token = voter_token_from_cookies({name: c.value for name, c in browser.cookies.items()})
    assert token is not None
    return voter_key(token)


def _redis_ms(client) -> int:
    seconds, micro = client.time()
    return int(seconds) * 1000 + int(micro) // 1000


def _without_tokens(page: str) -> str:
    """A page without its CSRF tokens, which change with each answer."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", page)


def test_deleting_an_event_deletes_all_of_it(named):
    answered(named)

    Event.objects.get(pk=named.pk).delete()

    assert not Vote.objects.exists() and not Answer.objects.exists()
    assert not CastRecord.objects.exists() and not Player.objects.exists()


def test_the_projector_counts_named_participants_and_shows_no_name(named):
    answered(named)

    lobby = players_now(named.pk)

    assert lobby["count"] == 3 and lobby["players"] == []


def test_a_signed_in_person_is_one_participant_on_every_device(named, redis_db):
    ana = User.objects.create_user("ana@students.example", "ana@students.example", first_name="Ana")

    first = participant_signed_in(event=named, user=ana)
    ana.last_name = "Alvarez"
    ana.save()
    again = participant_signed_in(event=named, user=ana)  # her phone, later

    assert first.pk == again.pk and Player.objects.filter(event=named).count() == 1
    assert Player.objects.get().nickname == "Ana Alvarez"
    assert first.voter == voter_key(participant_token(ana.pk))
    assert redis_db.sismember(players_key(named.pk), first.voter)


def test_an_event_file_keeps_who_takes_part(named):
    Event.objects.filter(pk=named.pk).update(retention_days=30, participants_may_erase=False)
    text = event_dumps(Event.objects.get(pk=named.pk))

    copy = event_loads(text.replace("slug: class", "slug: class-again"))

    assert "participation: named" in text
    assert (copy.participation, copy.retention_days, copy.participants_may_erase) == (
        "named",
        30,
        False,
    )
    with pytest.raises(EventError, match="whole number of days"):
        event_loads(text.replace("retention_days: 30", "retention_days: soon"))


def test_the_presenters_home_links_to_the_gradebook(named, teacher):
    Event.objects.filter(pk=named.pk).update(owner=User.objects.get(username="teacher"))

    home = teacher.get("/host/").content.decode()

    assert 'href="/events/class/gradebook.xlsx"' in home


def test_signing_out_leaves_a_shared_computer_a_new_voter(named):
    ana = User.objects.create_user("ana@students.example", "ana@students.example")
    browser = Client()
    browser.force_login(ana)
    Event.objects.filter(pk=named.pk).update(participation="signed-in")
    browser.get(PAGE)
    before = _voter_of(browser)

    page = browser.get(f"{PAGE}me/").content.decode()
    signed_out = browser.post("/accounts/logout/")

    assert before == voter_key(participant_token(ana.pk))
    assert "Sign out" in page
    assert signed_out.status_code == 302 and _voter_of(browser) != before


def test_an_erasure_not_confirmed_erases_nothing(named):
    ada = answered(named)["Ada"]

    refused = ada.post(f"{PAGE}me/erase/", {})

    assert refused.status_code == 400
    assert "Nothing was erased: tick the box first." in refused.content.decode()
    assert Player.objects.filter(event=named).count() == 3
