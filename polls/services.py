"""Writes: a vote queued in Redis, polls made and closed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import django_rq
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from redis import RedisError

from polls.models import Option, Poll
from voting_site.redis import async_redis_client

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from polls.selectors import Ballot, Choice

# The Redis stream every accepted vote is appended to; the worker drains it.
VOTE_STREAM = "votes"
# Set by the vote that queues an ingest job, cleared by the job as it starts:
# one job waiting is enough, however many votes arrive meanwhile. Its expiry
# heals a job that was never queued; the periodic job is the safety net.
INGEST_FLAG = "ingest:queued"
INGEST_FLAG_TTL = 10
INGEST_JOB = "tally.jobs.ingest_votes"
# Voters' latest choices per poll, so the vote page can show one before the
# worker has counted it. Refreshed by every vote; PostgreSQL has them after.
CHOICES_TTL = 7 * 24 * 60 * 60


def choices_key(poll_id: int) -> str:
    return f"poll:{poll_id}:choices"


async def vote_cast(*, ballot: Ballot, choice: Choice, voter: str) -> None:
    """Queue a vote, and an ingest job if none is waiting; returns only once Redis has the vote."""
    async with async_redis_client().pipeline(transaction=True) as pipe:
        pipe.xadd(
            VOTE_STREAM,
            {
                "poll": ballot.id,
                "option": choice.id,
                "voter": voter,
                "cast_at": timezone.now().isoformat(),
            },
        )
        pipe.hset(choices_key(ballot.id), voter, choice.id)
        pipe.expire(choices_key(ballot.id), CHOICES_TTL)
        pipe.set(INGEST_FLAG, 1, nx=True, ex=INGEST_FLAG_TTL)
        *_, job_wanted = await pipe.execute()
    if job_wanted:
        try:
            await sync_to_async(_ingest_enqueue)()
        except RedisError:  # the vote is queued; the periodic job will count it
            logger.warning("vote queued, but its ingest job was not", exc_info=True)


def _ingest_enqueue() -> None:
    django_rq.get_queue("default").enqueue(INGEST_JOB)


class PollError(ValueError):
    """A poll that cannot be made as asked; the message says why."""


def poll_create(*, question: str, options: list[tuple[str, str]], slug: str = "") -> Poll:
    """Make an open poll; `options` are (slug, label) pairs, a blank slug derived from the label."""
    slug = slug or slugify(question)[:60].strip("-")
    options = [(option_slug or slugify(label)[:60], label) for option_slug, label in options]
    if not slug:
        raise PollError("The poll needs a slug: give one with --slug.")
    if len(options) < 2:
        raise PollError("A poll needs at least two options.")
    slugs = [option_slug for option_slug, _ in options]
    if "" in slugs or len(set(slugs)) != len(slugs):
        raise PollError(f"Each option needs its own slug; these clash or are empty: {slugs}.")
    if Poll.objects.filter(slug=slug).exists():
        raise PollError(
            f"A poll with the slug {slug!r} exists already; choose another with --slug."
        )
    with transaction.atomic():
        poll = Poll.objects.create(slug=slug, question=question)
        Option.objects.bulk_create(
            Option(poll=poll, slug=option_slug, label=label, position=position)
            for position, (option_slug, label) in enumerate(options)
        )
    return poll


def poll_close(*, poll: Poll) -> None:
    """Stop taking votes now (other web processes notice within a few seconds)."""
    poll.is_open = False
    poll.save(update_fields=["is_open", "updated_at"])


def poll_open(*, poll: Poll) -> None:
    """Take votes again (within its opening times, if it has any)."""
    poll.is_open = True
    poll.save(update_fields=["is_open", "updated_at"])
