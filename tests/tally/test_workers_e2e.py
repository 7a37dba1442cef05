"""Real worker processes: killed mid-batch, or two at once, the totals stay exact."""

from __future__ import annotations

import os
import signal
from typing import Any

import django_rq
import pytest
from django.core.management import call_command

from polls.kinds import kind_of
from polls.models import CastRecord, Countdown, Upvote, Vote
from tally.audit import log_of, log_seal
from tally.jobs import votes_ingest
from tally.recount import tallies_rebuild
from tally.worker import Worker
from tests.support.processes import project_process, rq_worker, wait_until
from tests.support.verifier import verified
from tests.tally.conftest import tallies

pytestmark = pytest.mark.django_db(transaction=True)  # the workers must see the poll


def burst_worker(**env: Any):
    """A worker that drains the queue, then exits."""
    return project_process(["manage.py", "rqworker", "--burst", "default"], **env)


def counted_any() -> bool:
    """Whether the worker has written anything yet: a vote, or a Q&A's upvote."""
    return Vote.objects.exists() or Upvote.objects.exists()


def assert_exact(backlog, poll) -> None:
    assert tallies(poll) == backlog.expected()
    assert tallies_rebuild(polls=[poll], fix=False) == []  # the quiz's points too
    assert backlog.length() == 0 and backlog.pending() == 0
    if Countdown.objects.filter(poll=poll).exists():  # a quiz's: the right votes scored
        right = poll.options.get(slug="a").pk
        scored = Vote.objects.filter(poll=poll).values_list("choices", "points")
        assert {(choices == [right], points > 0) for choices, points in scored} == {
            (True, True),
            (False, False),
        }


def test_two_workers_in_parallel_give_exact_totals(backlog_of_each_kind, poll_of_each_kind):
    backlog, poll = backlog_of_each_kind, poll_of_each_kind
    backlog.burst(voters=8_000, changes=3_000)
    queue = django_rq.get_queue("default")
    queue.enqueue(votes_ingest)
    queue.enqueue(votes_ingest)

    workers = [burst_worker(), burst_worker()]
    for worker in workers:
        assert worker.wait(timeout=180) == 0

    assert_exact(backlog, poll)


def assert_logged(backlog, poll, folder) -> None:
    """The poll's log holds every cast once and, closed, recounts to the tallies."""
    if not kind_of(poll.kind).has_log:
        return
    assert CastRecord.objects.filter(poll=poll).count() == backlog.casts
    poll.is_open = False
    poll.save()
    assert log_seal(poll_id=poll.pk) is True
    counted = verified(log_of(poll).as_json(), folder)["tally"]
    assert counted.get("terms", counted.get("options")) == backlog.expected()


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    backlog_of_each_kind, poll_of_each_kind, tmp_path
):
    backlog, poll = backlog_of_each_kind, poll_of_each_kind
    backlog.burst(voters=6_000, changes=2_000)
    django_rq.get_queue("default").enqueue(votes_ingest)

    for _attempt in range(20):  # until a kill lands while entries are read but not acknowledged
        with rq_worker() as doomed:
            wait_until(lambda: counted_any() and backlog.pending() > 0)
            os.killpg(doomed.pid, signal.SIGKILL)  # the worker and the job it forked
            doomed.wait()
        if backlog.pending() > 0:
            break
        django_rq.get_queue("default").enqueue(votes_ingest)
    assert backlog.pending() > 0  # it died holding entries it had read
    assert tallies(poll) != backlog.expected()

    django_rq.get_queue("default").enqueue(votes_ingest)
    survivor = burst_worker(VOTES_RECLAIM_AFTER_SECONDS="0.2")
    assert survivor.wait(timeout=180) == 0

    assert_exact(backlog, poll)
    assert_logged(backlog, poll, tmp_path)


def test_a_vote_queues_one_ingest_job_that_a_burst_worker_drains(client, poll, redis_db):
    queue = django_rq.get_queue("default")
    client.get("/polls/cats-vs-dogs/")

    for option in ("cats", "dogs", "cats"):
        assert client.post("/polls/cats-vs-dogs/", {"option": option}).status_code == 303
    assert queue.count == 1  # one job waiting is enough

    Worker([queue], connection=queue.connection).work(burst=True)

    assert tallies(poll) == {"cats": 1, "dogs": 0}
    client.post("/polls/cats-vs-dogs/", {"option": "dogs"})
    assert queue.count == 1  # the job cleared the flag: the next vote queued another


def test_the_recount_command_reports_and_fixes_differences(backlog, poll, capsys):
    from tally.models import OptionTally

    backlog.burst(voters=6, changes=0)
    queue = django_rq.get_queue("default")
    queue.enqueue(votes_ingest)
    Worker([queue], connection=queue.connection).work(burst=True)
    call_command("recount")
    assert "All tallies agree with the votes" in capsys.readouterr().out
    OptionTally.objects.filter(option__slug="dogs").update(votes=7)

    with pytest.raises(SystemExit) as exit_code:
        call_command("recount", "cats-vs-dogs", "--check")
    assert exit_code.value.code == 1
    assert "cats-vs-dogs round 1: dogs tallied 7, counted 3" in capsys.readouterr().out

    call_command("recount", "cats-vs-dogs")
    assert "fixed" in capsys.readouterr().out
    assert tallies(poll) == {"cats": 3, "dogs": 3}
