"""Writes: a vote queued in Redis, polls made, and the presenter's controls."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import django_rq
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
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


def choices_key(poll_id: int, round: int) -> str:
    return f"poll:{poll_id}:{round}:choices"


async def vote_cast(*, ballot: Ballot, choice: Choice, voter: str) -> None:
    """Queue a vote, and an ingest job if none is waiting; returns only once Redis has the vote."""
    async with async_redis_client().pipeline(transaction=True) as pipe:
        pipe.xadd(
            VOTE_STREAM,
            {
                "poll": ballot.id,
                "round": ballot.round,
                "option": choice.id,
                "voter": voter,
                "cast_at": timezone.now().isoformat(),
            },
        )
        pipe.hset(choices_key(ballot.id, ballot.round), voter, choice.id)
        pipe.expire(choices_key(ballot.id, ballot.round), CHOICES_TTL)
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


def poll_create(
    *,
    question: str,
    options: list[tuple[str, str]],
    slug: str = "",
    results_visibility: str = Poll.Visibility.ALWAYS,
) -> Poll:
    """Make an open poll; `options` are (slug, label) pairs, a blank slug derived from the label."""
    slug = slug or slugify(question)[:60].strip("-")
    options = [(option_slug or slugify(label)[:60], label) for option_slug, label in options]
    if not slug:
        raise PollError(_("The poll needs a slug: give one with --slug."))
    if len(options) < 2:
        raise PollError(_("A poll needs at least two options."))
    slugs = [option_slug for option_slug, _label in options]
    if "" in slugs or len(set(slugs)) != len(slugs):
        raise PollError(
            _("Each option needs its own slug; these clash or are empty: %(slugs)s.")
            % {"slugs": slugs}
        )
    if results_visibility not in Poll.Visibility.values:
        raise PollError(
            _("Results can be shown %(choices)s, not %(given)r.")
            % {"choices": ", ".join(Poll.Visibility.values), "given": results_visibility}
        )
    if Poll.objects.filter(slug=slug).exists():
        raise PollError(
            _("A poll with the slug %(slug)r exists already; choose another with --slug.")
            % {"slug": slug}
        )
    with transaction.atomic():
        poll = Poll.objects.create(
            slug=slug, question=question, results_visibility=results_visibility
        )
        Option.objects.bulk_create(
            Option(poll=poll, slug=option_slug, label=label, position=position)
            for position, (option_slug, label) in enumerate(options)
        )
    return poll


# The presenter's controls: the projector view's buttons, the admin's actions and
# `manage.py poll` all come here. Each saves the poll, and saving a poll tells
# every open page (polls/signals.py).
CONTROL_ACTIONS = ("open", "close", "reveal", "hide", "reset")


def poll_control(*, poll: Poll, action: str) -> None:
    """Apply one of CONTROL_ACTIONS to the poll; ValueError for any other."""
    if action == "open":
        poll_open(poll=poll)
    elif action == "close":
        poll_close(poll=poll)
    elif action in ("reveal", "hide"):
        poll.results_shown = action == "reveal"
        poll.save(update_fields=["results_shown", "updated_at"])
    elif action == "reset":
        poll_reset(poll=poll)
    else:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(CONTROL_ACTIONS)}")


def poll_close(*, poll: Poll) -> None:
    """Stop taking votes now (every web process notices within a second)."""
    poll.is_open = False
    poll.save(update_fields=["is_open", "updated_at"])


def poll_open(*, poll: Poll) -> None:
    """Take votes again (within its opening times, if it has any)."""
    poll.is_open = True
    poll.save(update_fields=["is_open", "updated_at"])


def poll_reset(*, poll: Poll) -> None:
    """Start a new round: counts from zero, results as the rule says; the old round is kept.

    A vote queued in the old round is still counted there, never in the new one
    (each stream entry carries its round).
    """
    from tally.services import versions_bump  # tally builds on polls: imported when used

    with transaction.atomic():
        locked = Poll.objects.select_for_update().get(pk=poll.pk)
        poll.round = locked.round + 1
        poll.results_shown = None
        poll.save(update_fields=["round", "results_shown", "updated_at"])
        versions_bump(poll_ids={poll.pk})  # the new round's zeros are newer than any count
