"""Reads: the poll list, the ballot a vote page needs (cached briefly), a voter's choice.

The vote path can do without PostgreSQL for a while: when it is down, voting goes
on (DESIGN.md, failure behaviour) on the poll as this process last read it, and a
voter's choice comes from Redis alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypedDict

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection
from django.db.models import Case, F, Model, Prefetch, Q, QuerySet, When
from django.utils import timezone

from polls.kinds import kind_of
from polls.models import (
    JOIN_CODE_HOLDERS,
    Answer,
    CastRecord,
    ControlRecord,
    Option,
    Picture,
    Poll,
    Question,
    Vote,
    in_identifying_event,
    join_code_clean,
    poll_state,
    results_visible,
    scored_in_quiz,
)
from polls.stream import (
    answers_decode,
    cast_value_split,
    choices_decode,
    choices_key,
    upvotes_key,
)
from voting_site.redis import async_redis_client, redis_client

logger = logging.getLogger(__name__)

# The longest slug a poll can have: a longer one is no poll's, answered without a lookup.
SLUG_MAX_LENGTH: int = Poll._meta.get_field("slug").max_length or 0
# How many polls a web process keeps copies of: the most recently voted on.
BALLOTS_KEPT = 1000


@dataclass(frozen=True)
class ImageShown:
    """A question's or an option's image as a page shows it: its two copies' URLs, the
    large one's size (the page keeps its place while it loads), its description."""

    large: str
    small: str
    width: int
    height: int
    alt: str


def image_shown(picture: Picture | None, alt: str) -> ImageShown | None:
    if picture is None:
        return None
    return ImageShown(picture.large.url, picture.small.url, picture.width, picture.height, alt)


def option_pictures(poll: Poll) -> dict[str, ImageShown]:
    """The poll's options' images by slug (none for a poll without): for a page's bars."""
    options = poll.options.filter(image__isnull=False).select_related("image")
    return {o.slug: shown for o in options if (shown := image_shown(o.image, o.image_alt))}


@dataclass(frozen=True)
class Choice:
    id: int
    slug: str
    label: str
    image: ImageShown | None = None


@dataclass(frozen=True)
class Ballot:
    """A poll as the vote page and the vote POST need it: plain data, safe to cache."""

    id: int
    slug: str
    code: str
    question: str
    kind: str
    min_choices: int
    max_choices: int | None
    scale_min: int
    scale_max: int
    scale_min_label: str
    scale_max_label: str
    voters_may_change: bool
    requires_invite: bool
    voters_per_address: int | None
    is_open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    results_visibility: str
    results_shown: bool | None
    round: int
    options: tuple[Choice, ...]
    image: ImageShown | None = None
    # A slide's text, and whether the phones show it (its notes are the presenter's).
    body: str = ""
    shown_on_phones: bool = False
    # Open answers': the longest answer, how many per voter, whether profanity is masked,
    # whether each waits for the presenter's approval.
    max_length: int = 100
    answers_per_voter: int = 1
    masks_profanity: bool = True
    moderated: bool = False
    # The quiz this poll is a scored question of, if any: only its players' votes are taken.
    quiz_id: int | None = None
    # The event this poll is in, when its participants are named or signed in: only
    # those who joined it take part.
    participants_of: int | None = None
    # Whether each accepted vote gets a receipt (polls/receipts.py).
    receipts: bool = True

    @property
    def joined_in(self) -> int | None:
        """The event whose joined participants alone may vote here, if any."""
        return self.quiz_id or self.participants_of

    def state(self) -> Poll.State:
        return poll_state(
            is_open=self.is_open,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            now=timezone.now(),
        )

    def results_visible(self, *, has_voted: bool) -> bool:
        return results_visible(
            visibility=self.results_visibility,
            shown=self.results_shown,
            state=self.state(),
            has_voted=has_voted,
        )

    @property
    def option_pictures(self) -> dict[str, ImageShown]:
        """Its options' images by slug, for the pages' bars."""
        return {o.slug: o.image for o in self.options if o.image is not None}

    @property
    def pictured(self) -> bool:
        """Whether its options are pictures (the vote page lays them out as tiles)."""
        return any(option.image is not None for option in self.options)

    def choices_allowed(self) -> tuple[int, int]:
        """How many options a cast holds, at least and at most (a ranking: exactly the most)."""
        return kind_of(self.kind).choices_allowed(self)

    def choice(self, slug: str) -> Choice | None:
        return next((option for option in self.options if option.slug == slug), None)

    def choice_by_id(self, option_id: int) -> Choice | None:
        return next((option for option in self.options if option.id == option_id), None)


def user_named(name: str) -> Any:
    """The user with this username, or else this e-mail (when only one has it); None."""
    users = get_user_model().objects
    found = users.filter(username=name).first()
    if found is None and "@" in name:
        matches = list(users.filter(email__iexact=name)[:2])
        found = matches[0] if len(matches) == 1 else None
    return found


def controls_of(things: Iterable[Model], *, limit: int = 500) -> list[ControlRecord]:
    """The latest control actions on these polls and events, newest first (at most
    `limit`: a history page stays a page), each with the thing it was done to (`on`)."""
    by_key = {(ContentType.objects.get_for_model(thing).pk, thing.pk): thing for thing in things}
    wanted = Q(pk__in=[])
    for content_type, object_id in by_key:
        wanted |= Q(content_type=content_type, object_id=object_id)
    records = list(ControlRecord.objects.filter(wanted).select_related("user")[:limit])
    for record in records:
        record.on = by_key[(record.content_type_id, record.object_id)]  # type: ignore[attr-defined]
    return records


def _load_ballot(slug: str) -> Ballot | None:
    # The fast vote path (polls/fast_vote.py) reads polls outside Django's request cycle,
    # which would drop a connection gone bad (PostgreSQL restarted): drop it here.
    if connection.connection is not None and not connection.is_usable():
        connection.close()
    poll = (
        Poll.objects.filter(slug=slug)
        .annotate(
            quiz_id=Case(When(scored_in_quiz(), then=F("event_question__event_id"))),
            participants_of=Case(When(in_identifying_event(), then=F("event_question__event_id"))),
        )
        .select_related("image")
        .prefetch_related(Prefetch("options", Option.objects.select_related("image")))
        .first()
    )
    if poll is None:
        return None
    return Ballot(
        id=poll.pk,
        slug=poll.slug,
        code=poll.code,
        question=poll.question,
        kind=poll.kind,
        min_choices=poll.min_choices,
        max_choices=poll.max_choices,
        scale_min=poll.scale_min,
        scale_max=poll.scale_max,
        scale_min_label=poll.scale_min_label,
        scale_max_label=poll.scale_max_label,
        voters_may_change=poll.voters_may_change,
        requires_invite=poll.requires_invite,
        voters_per_address=poll.voters_per_address,
        is_open=poll.is_open,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        results_visibility=poll.results_visibility,
        results_shown=poll.results_shown,
        round=poll.round,
        options=tuple(
            Choice(id=o.pk, slug=o.slug, label=o.label, image=image_shown(o.image, o.image_alt))
            for o in poll.options.all()
        ),
        image=image_shown(poll.image, poll.image_alt),
        body=poll.body,
        shown_on_phones=poll.shown_on_phones,
        max_length=poll.max_length,
        answers_per_voter=poll.answers_per_voter,
        masks_profanity=poll.masks_profanity,
        moderated=poll.moderation == Poll.Moderation.APPROVE,
        quiz_id=poll.quiz_id,  # type: ignore[attr-defined]
        participants_of=poll.participants_of,  # type: ignore[attr-defined]
        receipts=poll.receipts,
    )


# This process's copies of the polls it has read: slug -> (ballot, fresh until), the
# least recently used first. Only polls that exist are kept, and at most BALLOTS_KEPT
# of them: a stranger asking for made-up slugs grows nothing. A plain OrderedDict:
# the vote path reads it on every vote, without I/O or pickling.
_ballots: OrderedDict[str, tuple[Ballot, float]] = OrderedDict()
# The reads under way, per event loop and poll.
_loading: dict[tuple[asyncio.AbstractEventLoop, str], asyncio.Future[Ballot | None]] = {}


async def ballot_for(*, slug: str) -> Ballot | None:
    """The poll `slug` (None if there is none), from this process's copy or, once in a
    while, PostgreSQL.

    The copy is kept past its freshness: with PostgreSQL unreachable, it is the poll
    as this process last read it. A poll never read raises the database's error
    (the page answers 503).
    """
    if len(slug) > SLUG_MAX_LENGTH:
        return None
    cached = _ballots.get(slug)
    if cached is not None and time.monotonic() < cached[1]:
        _ballots.move_to_end(slug)
        return cached[0]
    # One read at a time per poll: the votes that find the copy stale together (a
    # burst) wait for the same read rather than each queueing one of their own.
    key = (asyncio.get_running_loop(), slug)
    loading = _loading.get(key)
    if loading is None:
        loading = _loading[key] = asyncio.ensure_future(_reload(slug, cached))
        loading.add_done_callback(lambda _: _loading.pop(key, None))
    return await asyncio.shield(loading)


async def _reload(slug: str, cached: tuple[Ballot, float] | None) -> Ballot | None:
    fresh_for = settings.VOTING_BALLOT_CACHE_SECONDS
    try:
        ballot = await sync_to_async(_load_ballot)(slug)
    except DatabaseError:
        if cached is None:
            raise
        ballot = cached[0]
        fresh_for = settings.VOTING_BALLOT_RETRY_SECONDS  # not a failed connection per request
        logger.warning("PostgreSQL is unreachable: poll %r as last read", slug)
    if ballot is None:
        _ballots.pop(slug, None)  # deleted meanwhile
        return None
    _ballots[slug] = (ballot, time.monotonic() + fresh_for)
    _ballots.move_to_end(slug)
    while len(_ballots) > BALLOTS_KEPT:
        _ballots.popitem(last=False)
    return ballot


def ballot_forget(*, slug: str | None = None) -> None:
    """Drop this process's copy of the poll, or of every poll (other processes' copies
    expire within a second)."""
    if slug is None:
        _ballots.clear()
    else:
        _ballots.pop(slug, None)


@dataclass(frozen=True)
class VoterChoice:
    """A voter's current cast: the options, in order for a ranking (a rating: the score's),
    or an open poll's answers."""

    choices: tuple[Choice, ...]
    counted: bool
    answers: tuple[str, ...] = ()
    # An open poll's counted answers: whether one waits for approval, or is hidden.
    waiting: bool = False
    hidden: bool = False
    # The receipts of the voter's casts in this round, the current one's last.
    receipts: tuple[str, ...] = ()

    def ids(self) -> list[int]:
        return [choice.id for choice in self.choices]

    def labels(self) -> str:
        return ", ".join(self.answers or [choice.label for choice in self.choices])


async def voter_choice(*, ballot: Ballot, voter: str) -> VoterChoice | None:
    """The voter's latest cast, and whether the worker has counted it yet.

    With PostgreSQL unreachable, the cast queued in Redis, not yet counted. A Q&A has
    none: its voters ask and upvote.
    """
    if kind_of(ballot.kind).takes_questions:
        return None
    value = await async_redis_client().hget(choices_key(ballot.id, ballot.round), voter)
    if isinstance(value, bytes):
        value = value.decode()
    queued, receipt = cast_value_split(value) if value is not None else (None, "")
    choice = await (_voter_answers if kind_of(ballot.kind).takes_text else _voter_options)(
        ballot, voter, queued
    )
    if choice is None or not ballot.receipts:
        return choice
    return replace(choice, receipts=await _voter_receipts(ballot, voter, receipt))


def receipts_logged(*, poll_id: int, round_number: int, voter: str) -> QuerySet[Any, str]:
    """The receipts of the voter's casts the worker has logged in the poll's round, the
    latest last (a poll without receipts has none)."""
    rows = CastRecord.objects.filter(poll_id=poll_id, round=round_number, voter=voter)
    return rows.exclude(receipt="").order_by("stream_order").values_list("receipt", flat=True)


async def _voter_receipts(ballot: Ballot, voter: str, queued: str) -> tuple[str, ...]:
    """The receipts of the voter's casts in the poll's round, the latest last: those the
    worker has logged, and the one queued (`queued`, or "")."""
    try:
        logged = [r async for r in receipts_logged(poll_id=ballot.id, round_number=ballot.round,
                                                   voter=voter)]  # fmt: skip
    except DatabaseError:
        logged = []  # said in the log by the caller's read
    return tuple(r for r in logged if r != queued) + ((queued,) if queued else ())


async def _voter_options(ballot: Ballot, voter: str, queued: str | None) -> VoterChoice | None:
    """A voter's latest options, as `voter_choice` gives them."""
    try:
        counted = (
            await Vote.objects.filter(poll_id=ballot.id, round=ballot.round, voter=voter)
            .values_list("choices", flat=True)
            .afirst()
        )
    except DatabaseError:
        logger.warning("PostgreSQL is unreachable: a voter's choice from Redis only")
        counted = None
    option_ids = choices_decode(queued) if queued is not None else counted
    if not option_ids:
        return None
    choices = tuple(ballot.choice_by_id(option_id) for option_id in option_ids)
    if None in choices:
        return None  # an option since removed
    return VoterChoice(
        choices=choices,  # type: ignore[arg-type]
        counted=counted is not None and list(counted) == list(option_ids),
    )


async def _voter_answers(ballot: Ballot, voter: str, queued: str | None) -> VoterChoice | None:
    """An open poll's voter's latest answers, as `voter_choice` gives a cast."""
    try:
        rows = Answer.objects.filter(poll_id=ballot.id, round=ballot.round, voter=voter)
        stored = [row async for row in rows.order_by("position").values_list("text", "state")]
    except DatabaseError:
        logger.warning("PostgreSQL is unreachable: a voter's answers from Redis only")
        stored = []
    counted = tuple(text for text, _state in stored)
    states = {state for _text, state in stored}
    answers = answers_decode(queued) if queued is not None else counted
    if not answers:
        return None
    return VoterChoice(
        choices=(),
        counted=counted == answers,
        answers=answers,
        waiting=Answer.State.PENDING in states,
        hidden=Answer.State.HIDDEN in states,
    )


# What a Q&A's lists hold: the top open questions, the newest, the latest answered.
# Bounded, so that a message to every screen stays small however many ask.
QUESTIONS_SHOWN = 50
NEWEST_SHOWN = 20


class QuestionListed(TypedDict):
    id: int
    text: str
    name: str
    upvotes: int
    state: str
    pinned: bool


class QuestionLists(TypedDict):
    questions: list[QuestionListed]  # open ones: pinned first, then the most upvoted
    newest: list[QuestionListed]  # open ones, the newest first
    answered: list[QuestionListed]  # the latest answered first
    answering: QuestionListed | None  # the one being answered, if any


def questions_for(poll_id: int, round_number: int) -> QuestionLists:
    """A Q&A round's questions as everyone may see them: none waiting for approval or hidden."""
    rows = Question.objects.filter(poll_id=poll_id, round=round_number)
    shown = rows.filter(state__in=[Question.State.SHOWN, Question.State.ANSWERING])
    fields = ("pk", "text", "name", "upvotes", "state", "pinned")

    def listed(found: Any) -> list[QuestionListed]:
        return [
            {"id": pk, "text": text, "name": name, "upvotes": n, "state": state, "pinned": pin}
            for pk, text, name, n, state, pin in found.values_list(*fields)
        ]

    answering = listed(rows.filter(state=Question.State.ANSWERING).order_by("-stream_order")[:1])
    return {
        "answering": answering[0] if answering else None,
        "questions": listed(
            shown.order_by("-pinned", "-upvotes", "stream_order")[:QUESTIONS_SHOWN]
        ),
        "newest": listed(shown.order_by("-stream_order")[:NEWEST_SHOWN]),
        "answered": listed(
            rows.filter(state=Question.State.ANSWERED).order_by("-stream_order")[:NEWEST_SHOWN]
        ),
    }


async def upvoted_by(*, ballot: Ballot, voter: str) -> set[int]:
    """The questions of a Q&A's round that the voter upvotes, as queued."""
    found = await async_redis_client().smembers(upvotes_key(ballot.id, ballot.round, voter))
    return {int(question) for question in found}


def joined_by_code(code: str) -> Any:
    """What has this join code (a poll, or another holder of codes: an event), typed in
    any case, with spaces or dashes; None if nothing has."""
    code = join_code_clean(code)
    for holder in JOIN_CODE_HOLDERS or [Poll]:
        found = holder._default_manager.filter(code=code).first()
        if found is not None:
            return found
    return None


def voted_if_it_matters(*, poll: Poll, voter: str | None) -> bool:
    """Whether the voter has a vote in the poll's current round, queued or counted; looked
    up only under the `voted` rule, the one it matters to (False otherwise)."""
    if voter is None or poll.results_visibility != Poll.Visibility.VOTED:
        return False
    if redis_client().hexists(choices_key(poll.pk, poll.round), voter):
        return True
    return Vote.objects.filter(poll=poll, round=poll.round, voter=voter).exists()
