"""Writes: a vote queued in Redis, polls made, and the presenter's controls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anyascii import anyascii
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from polls.countdown import deadline_key
from polls.kinds import kind_of
from polls.models import ControlRecord, Option, Poll
from polls.opening import state_key
from polls.receipts import receipt_new
from polls.selectors import SLUG_MAX_LENGTH, Ballot, Choice, voter_choice
from polls.signals import round_started, votes_waiting
from polls.stream import (
    NO_KEY,
    NO_LIMIT,
    EntryArgs,
    EntryKeys,
    VoteArgs,
    VoteKeys,
    address_voters_key,
    ask_fields,
    cast_value,
    choices_key,
    entry_fields,
    entry_write,
    players_key,
    upvote_fields,
    upvotes_key,
    vote_write,
)
from voting_site.limits import (
    Limited,
    retry_after,
    seconds_to_wait,
    window,
)
from voting_site.redis import async_redis_client


class PollClosed(Exception):
    """Redis holds the poll closed, whatever this process's copy says: nothing was queued."""


class NotPlaying(Exception):
    """A quiz question's vote from a browser that has not joined the quiz (or was removed
    from it): nothing was queued."""


class TimeUp(Exception):
    """A quiz question's time is up, by Redis's clock: nothing was queued."""


class AddressFull(Exception):
    """The poll's cap of voters from one network address is reached: nothing was queued."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap


def _refusal_raise(outcome: int, wait: int, ballot: Ballot) -> None:
    """Raise what a script's refusal means (polls/stream.py lists its outcomes); nothing
    for an entry queued, or a final vote there already (-1, the caller's to say)."""
    refusals: dict[int, Exception] = {
        -6: NotPlaying(),
        -5: PollClosed(),
        -4: TimeUp(),
        -3: AddressFull(ballot.voters_per_address or 0),
    }
    if outcome == -2:
        raise Limited(seconds_to_wait(wait))
    if outcome in refusals:
        raise refusals[outcome]


async def vote_cast(
    *,
    ballot: Ballot,
    choices: Sequence[Choice],
    voter: str,
    address: str,
    answers: Sequence[str] = (),
) -> bool:
    """Queue a vote (its options, or an open poll's answers), and an ingest job if none is
    waiting; returns once Redis has the vote.

    Each call is a use of the vote limit (VOTING_RATE_VOTES; for typed answers, the
    entries' limit, VOTING_RATE_ENTRIES): `Limited`, and nothing queued, once it is
    used up. `PollClosed`, and nothing queued, once Redis holds the poll closed (whatever
    `ballot` says). `TimeUp`, and nothing queued, once a quiz question's deadline has passed
    on Redis's clock; `NotPlaying` for a quiz question's vote from a browser that is not
    one of its players, or for the vote of someone who has not joined an event that names
    its participants. `AddressFull`, and nothing queued, when the poll caps its voters per
    address and this one would be one too many from `address`. False, and nothing queued,
    when the poll's votes are final and this voter has one.
    """
    typed = kind_of(ballot.kind).takes_text
    name, rate = (
        ("entries", settings.VOTING_RATE_ENTRIES)
        if typed
        else ("votes", settings.VOTING_RATE_VOTES)
    )
    if ballot.voters_may_change:
        limit = window(name, voter, rate) or NO_LIMIT  # counted in the same call as the vote
    else:
        # Counted first, on its own: the limit also guards the read of the counted vote.
        if wait := await retry_after(name, voter, rate):
            raise Limited(wait)
        if await voter_choice(ballot=ballot, voter=voter):
            return False  # counted already (its queued copy may have expired)
        limit = NO_LIMIT
    option_ids = [choice.id for choice in choices]
    receipt = receipt_new() if ballot.receipts else ""
    entry = entry_fields(
        poll_id=ballot.id,
        round_number=ballot.round,
        choices=option_ids,
        voter=voter,
        cast_at=timezone.now(),
        answers=answers,
        receipt=receipt,
    )
    outcome, wait = await vote_write(
        VoteKeys(
            limit=limit.key,
            choices=choices_key(ballot.id, ballot.round),
            address_voters=address_voters_key(ballot.id, ballot.round, address),
            deadline=deadline_key(ballot.id, ballot.round),
            state=state_key(ballot.id),
            players=players_key(ballot.joined_in) if ballot.joined_in else NO_KEY,
        ),
        VoteArgs(
            limit_uses=limit.uses,
            limit_seconds=limit.seconds,
            rule="changeable" if ballot.voters_may_change else "final",
            voter=voter,
            cast=cast_value(option_ids, answers, receipt),
            address_cap=ballot.voters_per_address or 0,
        ),
        entry,
    )
    _refusal_raise(outcome, wait, ballot)
    if outcome == -1:
        return False
    if outcome == 1:
        await votes_waiting.asend(sender=Poll)
    return True


async def has_joined(*, ballot: Ballot, voter: str) -> bool:
    """Whether the voter may take part where only an event's participants may (a quiz's
    scored question, an event that names its participants): always, elsewhere."""
    if not ballot.joined_in:
        return True
    return bool(await async_redis_client().sismember(players_key(ballot.joined_in), voter))


async def question_send(
    *,
    ballot: Ballot,
    voter: str,
    address: str,
    asked: tuple[str, str] | None = None,
    upvote: int | None = None,
    up: bool = True,
) -> None:
    """Queue a Q&A's entry: a question `asked` (its text and the asker's name), or an
    upvote of the question `upvote` (`up`) or its withdrawal; returns once Redis has it.

    A question is a use of the entries' limit (VOTING_RATE_ENTRIES), an upvote of the
    votes' (VOTING_RATE_VOTES): `Limited`, and nothing queued, once it is used up.
    `AddressFull`, and nothing queued, when the poll caps its voters per address and
    this one would be one too many from `address`; `PollClosed` when Redis holds it
    closed.
    """
    now = timezone.now()
    if asked is not None:
        limit = window("entries", voter, settings.VOTING_RATE_ENTRIES) or NO_LIMIT
        entry = ask_fields(
            poll_id=ballot.id, round_number=ballot.round, text=asked[0], name=asked[1],
            voter=voter, cast_at=now,
        )  # fmt: skip
        action, question = "ask", 0
    else:
        assert upvote is not None, "a question asked, or one upvoted"
        limit = window("votes", voter, settings.VOTING_RATE_VOTES) or NO_LIMIT
        entry = upvote_fields(
            poll_id=ballot.id, round_number=ballot.round, question_id=upvote, up=up,
            voter=voter, cast_at=now,
        )  # fmt: skip
        action, question = ("up" if up else "down"), upvote
    outcome, wait = await entry_write(
        EntryKeys(
            limit=limit.key,
            upvotes=upvotes_key(ballot.id, ballot.round, voter),
            state=state_key(ballot.id),
            address_voters=address_voters_key(ballot.id, ballot.round, address),
        ),
        EntryArgs(
            limit_uses=limit.uses,
            limit_seconds=limit.seconds,
            action=action,
            question=question,
            voter=voter,
            address_cap=ballot.voters_per_address or 0,
        ),
        entry,
    )
    _refusal_raise(outcome, wait, ballot)
    if outcome == 1:
        await votes_waiting.asend(sender=Poll)


def slug_for(text: str) -> str:
    """A slug made from a text, in every script: letters transliterated to ASCII (so
    "Москва" is "moskva" and "أحمر" is "hmr"), lower case, words joined by hyphens, at
    most a slug's length. Empty when nothing is left (punctuation alone)."""
    return slugify(anyascii(text))[:SLUG_MAX_LENGTH].strip("-")


def free_slug(model: type[models.Model], wanted: str) -> str:
    """`wanted`, or `wanted-2`, `-3`…: a slug no row of `model` has yet."""
    slug, n = wanted, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        suffix = f"-{n}"
        slug = wanted[: 60 - len(suffix)] + suffix
    return slug


def poll_duplicate(*, poll: Poll, owner: Any = None) -> Poll:
    """A copy of the poll, closed-or-open as it was, with its options (and right answers):
    new slug, new code, no votes, round 1; whoever made the copy owns it, not its hosts."""
    fields = {
        field.name: getattr(poll, field.name)
        for field in Poll._meta.concrete_fields
        if field.name not in ("id", "slug", "code", "round", "results_shown", "created_at",
                              "updated_at", "owner")
    }  # fmt: skip
    with transaction.atomic():
        copy = Poll.objects.create(**fields, slug=free_slug(Poll, f"{poll.slug}-copy"), owner=owner)
        Option.objects.bulk_create(
            Option(
                poll=copy,
                slug=option.slug,
                label=option.label,
                position=option.position,
                correct=option.correct,
            )
            for option in poll.options.all()
        )
    return copy


class PollError(ValueError):
    """A poll that cannot be made as asked; the message says why."""


# A rating's scale: from 0 or more, at most eleven points (0 to 10).
MAX_SCALE_POINTS = 11


def poll_create(
    *,
    question: str,
    options: list[tuple[str, str]],
    slug: str = "",
    kind: str = Poll.Kind.SINGLE,
    min_choices: int = 1,
    max_choices: int | None = None,
    scale: tuple[int, int] = (1, 5),
    scale_labels: tuple[str, str] = ("", ""),
    voters_may_change: bool = True,
    receipts: bool = True,
    results_visibility: str = Poll.Visibility.ALWAYS,
    requires_invite: bool = False,
    voters_per_address: int | None = None,
    max_length: int = 100,
    answers_per_voter: int = 1,
    moderation: str = Poll.Moderation.NONE,
    masks_profanity: bool = True,
    correct: Sequence[str] = (),
    seconds: int = 20,
    owner: Any = None,
    slide: tuple[str, str, bool] = ("", "", False),
) -> Poll:
    """Make an open poll of any kind; `options` are (slug, label) pairs, a blank slug derived
    from the label. A rating takes a scale instead: its options are the scores. Open
    answers take none: `max_length`, `answers_per_voter`, `moderation` and
    `masks_profanity` are theirs. `correct` names the right answers' slugs (single or
    several choices). `seconds` is its time limit as a quiz's question. A slide takes
    `slide`: its text, its speaker notes and whether the phones show it.

    The poll and its options are checked by the models' own validators, as the admin's
    forms check them: what one path may save, every path may.
    """
    slug = slug or slug_for(question)
    if not slug:
        raise PollError(_("The poll needs a slug: give one with --slug."))
    if kind not in Poll.Kind.values:
        raise PollError(
            _("A poll's kind is one of %(kinds)s, not %(given)r.")
            % {"kinds": ", ".join(Poll.Kind.values), "given": kind}
        )
    if kind_of(kind).scaled:
        if options:
            raise PollError(_("A rating takes a scale (--scale 1-5), not options."))
        options = scale_options(*scale)
    if not kind_of(kind).has_options and options:
        raise PollError(_("Open answers, Q&As and slides take no options."))
    options = [(option_slug or slug_for(label), label) for option_slug, label in options]
    if len(options) < 2 and kind_of(kind).has_options:
        raise PollError(_("A poll needs at least two options."))
    slugs = [option_slug for option_slug, _label in options]
    if "" in slugs or len(set(slugs)) != len(slugs):
        raise PollError(
            _("Each option needs its own slug; these clash or are empty: %(slugs)s.")
            % {"slugs": slugs}
        )
    choices_check(kind, min_choices, max_choices, len(options))
    correct_check(kind, correct, slugs)
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
    poll = Poll(
        owner=owner,
        slug=slug,
        question=question,
        kind=kind,
        min_choices=min_choices,
        max_choices=max_choices,
        scale_min=scale[0],
        scale_max=scale[1],
        scale_min_label=scale_labels[0],
        scale_max_label=scale_labels[1],
        voters_may_change=voters_may_change,
        receipts=receipts,
        results_visibility=results_visibility,
        requires_invite=requires_invite,
        voters_per_address=voters_per_address,
        max_length=max_length,
        answers_per_voter=answers_per_voter,
        moderation=moderation,
        masks_profanity=masks_profanity,
        body=slide[0],
        notes=slide[1],
        shown_on_phones=slide[2],
        seconds=seconds,
    )
    _validate(poll)
    choices = [
        Option(
            poll=poll,
            slug=option_slug,
            label=label,
            position=position,
            correct=option_slug in correct,
        )
        for position, (option_slug, label) in enumerate(options)
    ]
    for option in choices:
        _validate(option, exclude=["poll"], what=_("Option %(slug)r") % {"slug": option.slug})
    with transaction.atomic():
        poll.save()
        Option.objects.bulk_create(choices)
    return poll


def _validate(instance: models.Model, *, exclude: list[str] | None = None, what: str = "") -> None:
    """PollError, saying what is wrong, unless the model's validators accept `instance`."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as invalid:
        problems = [
            f"{field}: {' '.join(messages)}" if field != NON_FIELD_ERRORS else " ".join(messages)
            for field, messages in invalid.message_dict.items()
        ]
        raise PollError(" ".join([f"{what}:" if what else "", *problems]).strip()) from None


def scale_options(low: int, high: int) -> list[tuple[str, str]]:
    """A rating's options: one per score, the score its slug and label."""
    if not 0 <= low < high or high - low + 1 > MAX_SCALE_POINTS:
        raise PollError(
            _("A scale goes up from 0 or more, with at most %(n)d points, like 1-5 or 0-10.")
            % {"n": MAX_SCALE_POINTS}
        )
    return [(str(score), str(score)) for score in range(low, high + 1)]


def scale_options_sync(*, poll: Poll) -> None:
    """A rating's options are its scores: make those missing, remove those off its scale."""
    wanted = dict(scale_options(poll.scale_min, poll.scale_max))
    with transaction.atomic():
        poll.options.exclude(slug__in=wanted).delete()
        have = set(poll.options.values_list("slug", flat=True))
        Option.objects.bulk_create(
            Option(poll=poll, slug=slug, label=label, position=int(slug))
            for slug, label in wanted.items()
            if slug not in have
        )


def choices_check(kind: str, least: int, most: int | None, options: int) -> None:
    """PollError unless a poll of `kind` with this many options may ask for from `least`
    to `most` of them (the command's check, and the admin's)."""
    problem = kind_of(kind).choices_problem(least, most, options)
    if problem is not None:
        raise PollError(problem)


def correct_check(kind: str, correct: Sequence[str], slugs: Sequence[str]) -> None:
    """PollError unless a poll of `kind` with options `slugs` may have these right answers."""
    if not correct:
        return
    if not kind_of(kind).marks_correct:
        raise PollError(_("Only single and several choices have right answers (--correct)."))
    unknown = sorted(set(correct) - set(slugs))
    if unknown:
        raise PollError(
            _("--correct names options the poll does not have: %(unknown)s; it has %(slugs)s.")
            % {"unknown": ", ".join(unknown), "slugs": ", ".join(slugs)}
        )


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


def control_record(*, by: Any, thing: models.Model, action: str, detail: str = "") -> None:
    """Keep who (`by`: a user, or None from the command line) did what (a key of
    polls.models.CONTROL_NAMES) with the poll or event `thing`, for its history."""
    ControlRecord.objects.create(
        content_type=ContentType.objects.get_for_model(thing),
        object_id=thing.pk,
        user=by if by is not None and by.is_authenticated else None,
        action=action,
        detail=detail[: ControlRecord._meta.get_field("detail").max_length],
    )


def poll_close(*, poll: Poll) -> None:
    """Stop taking votes now: Redis holds it closed from this save on, for every web
    process at once (polls/opening.py)."""
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
    with transaction.atomic():
        locked = Poll.objects.select_for_update().get(pk=poll.pk)
        poll.round = locked.round + 1
        poll.results_shown = None
        poll.save(update_fields=["round", "results_shown", "updated_at"])
        round_started.send(sender=Poll, poll=poll)
