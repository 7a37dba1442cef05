"""A closed poll's published log (tally/audit.py): what it holds, its seal, and the
standalone verifier (tools/verify.py) that recounts it and catches any change."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from django.test import AsyncClient

from polls.models import Poll
from polls.receipts import receipt_new, receipt_read
from polls.services import poll_create
from polls.stream import Cast
from tally.audit import log_of, log_seal, pseudonym, short
from tally.ingest import casts_apply
from tests.support.processes import streamed
from tests.support.verifier import verified, verify, verify_files
from tests.tally.conftest import at

# Each test starts from an empty vote stream: a log is sealed once the stream is settled.
pytestmark = pytest.mark.usefixtures("redis_db")


def voted(poll: Poll, casts: list[tuple[str, str | tuple[str, ...]]]) -> dict[str, list[str]]:
    """Apply the casts (voter, option slug or slugs), each with a fresh receipt, as the
    worker does; returns each voter's receipts, in order."""
    ids = {option.slug: option.pk for option in poll.options.all()}
    receipts: dict[str, list[str]] = {}
    batch = []
    for number, (voter, chosen) in enumerate(casts, 1):
        slugs = (chosen,) if isinstance(chosen, str) else chosen
        receipt = receipt_new()
        receipts.setdefault(voter, []).append(receipt)
        choices = tuple(ids[slug] for slug in slugs)
        batch.append(Cast(f"{1000 + number}-0", poll.pk, poll.round, choices, voter, at(number),
                          receipt=receipt))  # fmt: skip
    casts_apply(batch[: len(batch) // 2])
    casts_apply(batch[len(batch) // 2 :])
    casts_apply(batch)  # redelivered, after a worker's kill -9: nothing twice
    return receipts


def closed(poll: Poll) -> Poll:
    poll.is_open = False
    poll.save()
    poll.refresh_from_db()
    return poll


@pytest.mark.django_db(transaction=True)
def test_the_log_recounts_to_the_results_and_finds_each_receipt(poll, tmp_path):
    receipts = voted(poll, [("a", "cats"), ("b", "dogs"), ("a", "dogs"), ("c", "cats")])
    poll = closed(poll)
    assert log_seal(poll_id=poll.pk) is True

    log = log_of(poll)
    assert [entry["counts"] for entry in log.entries] == [False, True, True, True]
    assert len({entry["voter"] for entry in log.entries}) == 3  # a's two casts link
    assert log.entries[0]["voter"] == pseudonym(f"poll:{poll.pk}", "a") != pseudonym("poll:0", "a")
    typed = [f"--receipt={r.lower().replace('-', '')}" for rs in receipts.values() for r in rs]
    outcome = verify(
        log.as_json(), tmp_path, "--json", "--fingerprint", short(log.fingerprint), *typed
    )

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    checked = json.loads(outcome.stdout)
    assert checked["tally"] == {"voters": 3, "options": {"cats": 1, "dogs": 2}}
    assert checked["fingerprint"] == log.fingerprint == poll.seals.get().fingerprint
    first_of_a, latest_of_a = receipts["a"]
    assert checked["receipts"][first_of_a] == {
        "poll": "cats-vs-dogs", "n": 1, "choices": ["cats"], "counts": False, "erased": False,
    }  # fmt: skip
    assert checked["receipts"][latest_of_a] == {
        "poll": "cats-vs-dogs", "n": 3, "choices": ["dogs"], "counts": True, "erased": False,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_on_a_final_poll_the_first_cast_counts(tmp_path):
    poll = poll_create(question="Q?", options=[("x", "X"), ("y", "Y")], voters_may_change=False)
    voted(poll, [("a", "x"), ("a", "y"), ("b", "y")])  # a's second: no web would take it
    log = log_of(closed(poll))

    assert [entry["counts"] for entry in log.entries] == [True, False, True]
    checked = verified(log.as_json(), tmp_path)
    assert checked["tally"]["options"] == {"x": 1, "y": 1}


@pytest.mark.django_db(transaction=True)
def test_a_ranking_recounts_by_borda(tmp_path):
    poll = poll_create(
        question="Rank", kind="ranking", options=[("a", "A"), ("b", "B"), ("c", "C")], max_choices=3
    )
    voted(poll, [("v1", ("a", "b", "c")), ("v2", ("b", "a", "c"))])
    log = log_of(closed(poll))

    checked = verified(log.as_json(), tmp_path)
    assert checked["tally"]["options"] == {"a": 3, "b": 3, "c": 0}


@pytest.mark.parametrize(
    "tamper, where",
    [
        (lambda log: log["entries"][1]["choices"].__setitem__(0, "cats"), "entry 2 was changed"),
        (lambda log: log["entries"].pop(1), "entry 2 of the file is numbered 3"),
        (
            lambda log: log["entries"].insert(1, log["entries"].pop(2)),
            "entry 2 of the file is numbered 3",
        ),
        (lambda log: log["header"].__setitem__("question", "Dogs or cats?"), "entry 1 was changed"),
        (lambda log: log["entries"][0].__setitem__("counts", True), "entry 1 was changed"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_a_changed_removed_or_moved_entry_fails_and_says_where(poll, tmp_path, tamper, where):
    voted(poll, [("a", "cats"), ("b", "dogs"), ("a", "dogs"), ("c", "cats")])
    log = log_of(closed(poll)).as_json()
    tamper(log)

    outcome = verify(log, tmp_path)

    assert outcome.returncode == 1
    assert f"FAILED: {where}" in outcome.stdout


@pytest.mark.django_db(transaction=True)
def test_a_receipt_not_in_the_log_fails_and_a_wrong_fingerprint_too(poll, tmp_path):
    voted(poll, [("a", "cats")])
    log = log_of(closed(poll)).as_json()

    missing = verify(log, tmp_path, "--receipt", "K7QF-2M9X")
    assert missing.returncode == 1 and "K7QF-2M9X: NOT IN THE LOG" in missing.stdout
    assert verify(log, tmp_path, "--fingerprint", "0000-0000").returncode == 1
    assert verify(log, tmp_path, "--receipt", "not one").returncode == 2


def test_a_receipt_reads_back_however_it_is_typed():
    receipt = receipt_new()
    assert receipt_read(receipt.lower().replace("-", " ")) == receipt
    assert receipt_read("k7qf-2m9x") == "K7QF-2M9X"
    assert receipt_read("K7QF-2M9O") == "K7QF-2M90"  # O is read as zero
    assert receipt_read("K7QF") is None


@pytest.mark.django_db(transaction=True)
def test_a_quizs_logs_give_back_its_leaderboard(redis_db, tmp_path):
    from events.models import Player
    from events.selectors import standings
    from events.services import event_create
    from polls.countdown import countdown_start, redis_now_ms

    four = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]
    questions = [
        poll_create(question=f"Q{n}?", options=four, slug=f"q{n}", correct=["a"]) for n in (1, 2)
    ]
    event = event_create(title="Quiz", polls=questions, quiz=True)
    for voter in ("ana", "ben", "cy"):
        Player.objects.create(event=event, voter=voter, nickname=voter, nickname_key=voter)
    logs = []
    for poll in questions:
        poll.is_open = True  # shown, as the presenter's "next" opens it
        poll.save()
        countdown_start(poll=poll, speed=True)
        now = redis_now_ms()
        casts = [("ana", "a", 100), ("ben", "a", 900), ("cy", "b", 50), ("ben", "a", 1500)]
        casts_apply([
            Cast(f"{now + ms}-{n}", poll.pk, poll.round, (poll.options.get(slug=slug).pk,),
                 voter, at(n))
            for n, (voter, slug, ms) in enumerate(casts)
        ])  # fmt: skip
        poll = closed(poll)
        log = log_of(poll).as_json()
        assert log["header"]["quiz"] == event.slug
        (tmp_path / poll.slug).mkdir()
        logs.append(tmp_path / poll.slug / "log.json")
        logs[-1].write_text(json.dumps(log), encoding="utf-8")

    outcome = verify_files(logs, "--json")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    board = json.loads(outcome.stdout)["leaderboard"]
    scope = f"event:{event.pk}"
    expected = {pseudonym(scope, s.voter): s.points for s in standings(event) if s.points}
    assert {player: points for player, points in board.items() if points} == expected
    assert expected[pseudonym(scope, "ana")] > expected[pseudonym(scope, "ben")] > 0


async def _body(client: AsyncClient, path: str) -> str:
    """A streamed answer's body, as an ASGI server sends it."""
    response = await client.get(path)
    return b"".join([part async for part in streamed(response)]).decode()


@pytest.mark.django_db(transaction=True)
def test_the_log_is_served_once_closed_and_visible_and_says_why_not_before(client, poll):
    voted(poll, [("a", "cats"), ("b", "dogs")])
    assert client.get("/polls/cats-vs-dogs/audit.json").status_code == 409  # open
    Poll.objects.filter(pk=poll.pk).update(results_visibility="revealed")
    closed(Poll.objects.get(pk=poll.pk))
    hidden = client.get("/polls/cats-vs-dogs/audit.json")
    assert hidden.status_code == 403 and "hidden" in hidden.json()["error"]
    Poll.objects.filter(pk=poll.pk).update(results_shown=True)

    served = client.get("/polls/cats-vs-dogs/audit.json")
    table = asyncio.run(_body(AsyncClient(), "/polls/cats-vs-dogs/audit.csv"))

    assert served.status_code == 200
    log = served.json()
    assert [entry["choices"] for entry in log["entries"]] == [["cats"], ["dogs"]]
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[2] == ["fingerprint", log["fingerprint"]]
    assert rows[4][:5] == ["n", "entry", "voter", "receipt", "choices"]
    assert [row[4] for row in rows[5:]] == ["cats", "dogs"]
    qa = poll_create(question="Ask", options=[], kind="questions", slug="ask")
    closed(qa)
    assert client.get("/polls/ask/audit.json").status_code == 404
