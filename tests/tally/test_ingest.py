"""The ingest against real PostgreSQL and Redis: batched, idempotent, latest cast wins."""

from __future__ import annotations

import pytest

from polls.models import Vote
from polls.stream import INGEST_GROUP, VOTE_STREAM, choices_key
from tally.ingest import casts_apply, votes_ingest
from tally.models import PollTally
from tally.recount import tallies_rebuild
from tally.stream import BATCH_SIZE
from tests.tally.conftest import at, cast, tallies

pytestmark = pytest.mark.django_db


def version(poll) -> int:
    return PollTally.objects.filter(poll=poll).values_list("version", flat=True).first() or 0


def test_a_burst_with_vote_changes_ends_with_tallies_equal_to_recount(backlog, poll):
    backlog.burst(voters=3000, changes=700)

    processed, more = votes_ingest(consumer="test")

    assert (processed, more) == (3700, False)
    assert tallies(poll) == backlog.expected() == {"cats": 1500, "dogs": 1500}
    assert tallies_rebuild(polls=[poll], fix=False) == []
    assert Vote.objects.filter(poll=poll).count() == 3000
    assert backlog.length() == 0 and backlog.pending() == 0  # acknowledged entries are trimmed


def test_the_cast_queued_later_wins_whatever_the_web_clocks_say(backlog, poll):
    backlog.cast("alice", "dogs", at(2))
    votes_ingest(consumer="test")
    backlog.cast("alice", "cats", at(1))  # from a web process whose clock is behind

    votes_ingest(consumer="test")

    vote = Vote.objects.get(voter="alice")
    assert vote.choices == [poll.options.get(slug="cats").pk]
    assert vote.cast_at == at(1)  # kept for display
    assert tallies(poll) == {"cats": 1, "dogs": 0}


def test_an_older_entry_applied_after_a_newer_one_does_not_win(poll):
    cats, dogs = poll.options.values_list("pk", flat=True)
    casts_apply([cast("1700000000002-0", poll.pk, 1, (dogs,), "alice", at(1))])

    # An entry queued before, redelivered after (a worker died before acknowledging it).
    late = casts_apply([cast("1700000000001-5", poll.pk, 1, (cats,), "alice", at(2))])
    assert late.changed == set()

    assert Vote.objects.get(voter="alice").choices == [dogs]
    assert tallies(poll) == {"cats": 0, "dogs": 1}


def test_within_one_batch_the_last_queued_cast_wins(backlog, poll):
    backlog.add([("bob", "dogs", at(3)), ("bob", "cats", at(1)), ("bob", "dogs", at(2))])

    votes_ingest(consumer="test")

    assert tallies(poll) == {"cats": 0, "dogs": 1}
    assert Vote.objects.get(voter="bob").cast_at == at(2)


def test_within_one_batch_the_stream_order_decides_whatever_the_list_order(poll):
    cats, dogs = poll.options.values_list("pk", flat=True)

    casts_apply(
        [
            cast("5-0", poll.pk, 1, (dogs,), "bob", at(1)),
            cast("4-9", poll.pk, 1, (cats,), "bob", at(2)),
        ]
    )

    assert Vote.objects.get(voter="bob").choices == [dogs]


def test_one_batch_for_two_polls_counts_each_voter_in_each_poll(poll):
    from polls.services import poll_create

    other = poll_create(
        slug="tea-or-coffee", question="?", options=[("tea", "Tea"), ("coffee", "Coffee")]
    )
    cats, dogs = poll.options.values_list("pk", flat=True)
    tea, coffee = other.options.values_list("pk", flat=True)
    casts_apply(
        [
            cast("1-0", poll.pk, 1, (cats,), "kim", at(1)),
            cast("2-0", other.pk, 1, (tea,), "kim", at(1)),
        ]
    )

    applied = casts_apply(
        [
            cast("3-0", poll.pk, 1, (dogs,), "kim", at(2)),  # kim changes her mind in one poll only
            cast("4-0", other.pk, 1, (tea,), "kim", at(2)),
            cast("5-0", other.pk, 1, (coffee,), "lee", at(2)),
            cast("6-0", other.pk, 1, (tea,), "lee", at(3)),  # and back again, within the batch
        ]
    )

    assert applied.changed == {poll.pk, other.pk}
    assert tallies(poll) == {"cats": 0, "dogs": 1}
    assert tallies(other) == {"tea": 2, "coffee": 0}
    assert tallies_rebuild(polls=[poll, other], fix=False) == []


def test_a_redelivered_batch_counts_nothing_twice(poll):
    cats, dogs = poll.options.values_list("pk", flat=True)
    batch = [
        cast("1-0", poll.pk, 1, (cats,), "carol", at(1)),
        cast("2-0", poll.pk, 1, (dogs,), "dave", at(1)),
        cast("3-0", poll.pk, 1, (dogs,), "carol", at(2)),
    ]
    assert casts_apply(batch).changed == {poll.pk}
    before = version(poll)

    assert casts_apply(batch).changed == set()

    assert tallies(poll) == {"cats": 0, "dogs": 2}
    assert version(poll) == before


def test_the_version_grows_only_when_results_change(backlog, poll):
    backlog.cast("erin", "cats", at(1))
    votes_ingest(consumer="test")
    first = version(poll)
    backlog.cast("erin", "cats", at(2))  # the same choice again: nothing to show
    votes_ingest(consumer="test")
    assert version(poll) == first
    backlog.cast("erin", "dogs", at(3))
    votes_ingest(consumer="test")
    assert version(poll) == first + 1


def test_a_malformed_entry_or_a_vanished_option_is_dropped_without_blocking_the_rest(
    backlog, poll, redis_db
):
    from polls.stream import VOTE_STREAM

    redis_db.xadd(VOTE_STREAM, {"poll": "x", "voter": "mallory"})
    backlog.cast("frank", "cats", at(1))
    backlog.cast("grace", "dogs", at(1))
    poll.options.get(slug="dogs").delete()

    processed, _ = votes_ingest(consumer="test")

    assert processed == 3
    assert tallies(poll) == {"cats": 1}
    assert backlog.length() == 0


def test_recount_finds_and_fixes_a_tally_that_drifted(backlog, poll):
    from tally.models import OptionTally

    backlog.burst(voters=10, changes=3)
    votes_ingest(consumer="test")
    OptionTally.objects.filter(option__slug="cats").update(votes=99)
    before = version(poll)

    [difference] = tallies_rebuild(polls=[poll])

    assert (difference.option, difference.tallied) == ("cats", 99)
    assert difference.counted == backlog.expected()["cats"] == 4
    assert tallies(poll) == backlog.expected()
    assert version(poll) == before + 1
    assert tallies_rebuild(polls=[poll]) == []


def test_consumers_of_workers_long_gone_are_forgotten(backlog, poll):
    from tally.stream import VoteStream, consumers_prune

    backlog.cast("heidi", "cats", at(1))
    VoteStream(backlog.redis, "holding").new(block_ms=None)  # reads, never acknowledges
    votes_ingest(consumer="finished")  # its own entries: none; reclaims nothing yet

    assert consumers_prune(idle_seconds=0) == ["finished"]
    assert [c["name"] for c in backlog.redis.xinfo_consumers(VOTE_STREAM, INGEST_GROUP)] == [
        b"holding"
    ]


def test_with_postgresql_down_the_batch_stays_queued_and_viewers_hear_it(
    backlog, poll, monkeypatch
):
    from django.db import OperationalError

    import tally.ingest

    told = []
    monkeypatch.setattr(tally.ingest, "results_stale", lambda *, poll_ids: told.append(poll_ids))

    def database_down(*entries):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tally.ingest, "casts_apply", database_down)
    backlog.burst(voters=BATCH_SIZE + 500, changes=0)  # a batch, and more read ahead

    with pytest.raises(OperationalError):
        votes_ingest(consumer="test")

    assert told == [{poll.pk}]
    assert backlog.pending() == BATCH_SIZE + 500  # not acknowledged: the next job counts them
    monkeypatch.undo()
    votes_ingest(consumer="test")
    assert tallies(poll) == backlog.expected()
    assert backlog.length() == backlog.pending() == 0


def test_a_job_out_of_time_counts_what_it_read_ahead_and_hands_over(backlog, poll):
    backlog.burst(voters=2 * BATCH_SIZE + 100, changes=300)

    processed, more = 0, True
    for _ in range(100):  # jobs so short that most end after a batch or two
        job_processed, more = votes_ingest(consumer="test", max_seconds=0.05)
        processed += job_processed
        assert backlog.pending() == 0  # nothing read ahead is left held by a finished job
        if not more:
            break

    assert (processed, more) == (2 * BATCH_SIZE + 400, False)
    assert tallies(poll) == backlog.expected()
    assert backlog.length() == 0


def test_the_queue_depth_is_visible_to_operators(backlog, poll, capsys):
    from django.core.management import call_command

    from tally.stream import VoteStream

    backlog.burst(voters=5, changes=0)
    VoteStream(backlog.redis, "worker-1").new(block_ms=None)
    backlog.cast("judy", "dogs", at(9))

    call_command("votes_queue")

    out = capsys.readouterr().out
    assert "6 votes waiting to be counted." in out
    assert "5 held by worker worker-1" in out


def test_recount_works_round_by_round(backlog, poll):
    from polls.services import poll_control
    from tally.models import OptionTally

    backlog.burst(voters=6, changes=0)
    poll_control(poll=poll, action="reset")
    backlog.round = 2
    backlog.burst(voters=3, changes=0, prefix="later")
    votes_ingest(consumer="test")
    assert (tallies(poll, 1), tallies(poll, 2)) == ({"cats": 3, "dogs": 3}, {"cats": 2, "dogs": 1})
    OptionTally.objects.filter(round=2, option__slug="dogs").update(votes=5)

    [difference] = tallies_rebuild(polls=[poll])

    assert (difference.round, difference.option, difference.tallied, difference.counted) == (
        2,
        "dogs",
        5,
        1,
    )
    assert tallies(poll, 1) == {"cats": 3, "dogs": 3}  # the finished round untouched
    assert tallies_rebuild(polls=[poll], fix=False) == []


def test_counted_choices_leave_redis_unless_newer_ones_came_meanwhile(backlog, poll, redis_db):
    key = choices_key(poll.pk, 1)
    cats, dogs = (str(pk) for pk in poll.options.values_list("pk", flat=True))
    backlog.add([("ann", "cats", at(1)), ("bob", "cats", at(1))])
    redis_db.hset(key, mapping={"ann": cats, "bob": dogs})  # bob's newer cast, still queued

    votes_ingest(consumer="test")

    assert redis_db.hgetall(key) == {b"bob": dogs.encode()}
    assert Vote.objects.get(voter="ann").choices == [int(cats)]  # the page reads it here now


def test_a_final_polls_choices_stay_in_redis_to_refuse_a_second_vote(backlog, poll, redis_db):
    poll.voters_may_change = False
    poll.save()
    key = choices_key(poll.pk, 1)
    backlog.cast("ann", "cats", at(1))
    redis_db.hset(key, "ann", poll.options.get(slug="cats").pk)

    votes_ingest(consumer="test")

    assert redis_db.hexists(key, "ann")
