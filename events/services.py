"""Writes: events made, moved through, copied and reset; a quiz's players joining and
removed, its clock started and changed, and a question's finish.

- The clock: showing a scored question starts its countdown on Redis's clock
  (polls/countdown.py) and asks for its finish at the deadline (`finish_wanted`, which
  events/jobs.py queues): the votes drained, the question closed, each player told
  their score. The presenter may end it early, add time, or stop the clock.
- Players: a nickname per browser (its voter key), unique in the event by its look.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import NAME_MAX_LENGTH, NICKNAME_MAX_LENGTH, Event, EventQuestion, Player
from events.nicknames import nickname_invisible, nickname_skeleton
from events.publish import event_publish, scores_publish
from events.signals import finish_wanted
from polls.countdown import (
    CountdownError,
    countdown_change,
    countdown_of,
    countdown_start,
    redis_now_ms,
    remaining_ms,
)
from polls.models import QUIZ_SECONDS_MAX, QUIZ_SECONDS_MIN, Countdown, Poll, Vote
from polls.opening import state_write
from polls.profanity import profanity_masked
from polls.services import free_slug, poll_close, poll_duplicate, poll_open, poll_reset, slug_for
from polls.stream import CHOICES_TTL, INGEST_GROUP, VOTE_STREAM, players_key
from polls.text import text_cleaned
from tally import ingest
from tally.jobs import consumer_name
from tally.publish import poll_publish
from voting_site.redis import redis_client

# The presenter's moves: the projector's keys, the remote's buttons, `manage.py event`
# (a quiz's leaderboard, after a question, too).
MOVES = ("next", "previous", "goto", "lobby", "end", "leaderboard")
# The most seconds one change adds.
MOST_SECONDS_ADDED = 240
# A question's finish is queued this long before its deadline (the RQ scheduler keeps
# whole seconds and looks every second), and waits out the rest itself, on Redis's clock;
# queued no earlier than the most it waits.
FINISH_QUEUED_AHEAD_MS = 1500
FINISH_WAITS_AT_MOST_MS = 2000
# How long a finish waits for another worker's batch that holds a vote from before the
# deadline.
OTHERS_WAIT_SECONDS = 10


class EventError(ValueError):
    """An event that cannot be made or moved as asked; the message says why."""


class PlayerError(ValueError):
    """A nickname that cannot be taken; the message says why."""


def event_create(
    *,
    title: str,
    polls: Sequence[Poll],
    slug: str = "",
    pace: str = Event.Pace.PRESENTER,
    opens_questions: bool = True,
    quiz: bool = False,
    speed: bool = True,
    seconds: int | None = None,
    owner: Any = None,
    participation: str = Event.Participation.ANONYMOUS,
    participants_may_erase: bool = True,
    retention_days: int | None = None,
) -> Event:
    """An event of these polls, in this order, in its lobby. A poll is in one event at most.

    In a quiz, a question with a right answer is a scored one (`Event.scores`): timed
    (`seconds` each, else each poll's own limit), scored with `speed` or without, closed
    until shown, its results withheld until its time is up. The others are asked as in
    any event, each as set.
    """
    slug = slug or slug_for(title)
    if not slug:
        raise EventError(_("The event needs a slug: give one with --slug."))
    if Event.objects.filter(slug=slug).exists():
        raise EventError(_("An event with the slug %(slug)r exists already.") % {"slug": slug})
    if pace not in Event.Pace.values:
        raise EventError(
            _("An event's pace is one of %(paces)s, not %(given)r.")
            % {"paces": ", ".join(Event.Pace.values), "given": pace}
        )
    taken = [poll.slug for poll in polls if EventQuestion.objects.filter(poll=poll).exists()]
    if taken:
        raise EventError(
            _("These polls are in another event already: %(slugs)s.") % {"slugs": ", ".join(taken)}
        )
    if quiz and (pace != Event.Pace.PRESENTER or not opens_questions):
        raise EventError(_("A quiz goes at the presenter's pace, opening each question shown."))
    if quiz and seconds is not None and not QUIZ_SECONDS_MIN <= seconds <= QUIZ_SECONDS_MAX:
        raise EventError(
            _("A question's time limit is from %(least)d to %(most)d seconds.")
            % {"least": QUIZ_SECONDS_MIN, "most": QUIZ_SECONDS_MAX}
        )
    event = Event(
        title=title, slug=slug, pace=pace, opens_questions=opens_questions,
        mode=Event.Mode.QUIZ if quiz else Event.Mode.POLLS, speed=speed, owner=owner,
        participation=participation, participants_may_erase=participants_may_erase,
        retention_days=retention_days,
    )  # fmt: skip
    try:
        event.full_clean(exclude=["slug", "owner"])
    except ValidationError as error:
        raise EventError(" ".join(error.messages)) from None
    with transaction.atomic():
        event.save()
        EventQuestion.objects.bulk_create(
            EventQuestion(event=event, poll=poll, position=index)
            for index, poll in enumerate(polls, start=1)
        )
        quiz_questions_prepare(event, seconds)
    return event


def quiz_questions_prepare(event: Event, seconds: int | None = None) -> list[int]:
    """Make ready a quiz's scored questions whose clock has not run yet: each closed until
    shown, with its time limit (`seconds`, else its own), its results and right answers
    withheld from the room until its time is up (a presenter may still reveal them; the
    rule the presenter set for its results applies after). No other setting changes.
    The positions of the scored questions, from 1."""
    scored = []
    for position, poll in enumerate(event.polls(), start=1):
        if not event.scores(poll):
            continue
        scored.append(position)
        if countdown_of(poll) is not None:
            continue
        poll.is_open = False
        poll.seconds = seconds or poll.seconds
        poll.results_shown = False  # not asked yet: withheld whatever the rule says
        poll.save(update_fields=["is_open", "seconds", "results_shown", "updated_at"])
    return scored


def event_move(*, event: Event, action: str, position: int | None = None) -> Event:
    """Move the event: `next`, `previous`, `goto` (`position`, from 1), `lobby`, `end`, or
    in a quiz `leaderboard` (shown over the question, until the next move).

    By default moving to a question opens it and closes the one left. In a quiz, showing
    a question starts its clock, once per round (a question shown again stays as its
    time left it), and leaving a question ends its clock. Every page of the event hears
    of it once the move commits. EventError for a move that cannot be.
    """
    if action not in MOVES:
        raise EventError(
            _("Unknown move %(action)r: use one of %(moves)s.")
            % {"action": action, "moves": ", ".join(MOVES)}
        )
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        polls = locked.polls()
        left = polls[locked.position - 1] if locked.position else None
        if action == "leaderboard":
            if not locked.is_quiz:
                raise EventError(_("Only a quiz has a leaderboard."))
            target, ended = locked.position, locked.ended
        else:
            target, ended = _target(locked, action, position, len(polls))
        locked.position, locked.ended = target, ended
        locked.leaderboard = action == "leaderboard"
        locked.leaderboard_shown |= locked.leaderboard
        locked.save(
            update_fields=["position", "ended", "leaderboard", "leaderboard_shown", "updated_at"]
        )
        shown = polls[target - 1] if target else None
        if locked.opens_questions and shown is not left:
            if left is not None and left.is_open:
                _question_leave(locked, left)
            if shown is not None and countdown_of(shown) is None:  # a clock ran: as it left it
                if not shown.is_open:
                    poll_open(poll=shown)
                if locked.scores(shown):
                    clock_start(event=locked, poll=shown)
        transaction.on_commit(lambda: event_publish(event_id=locked.pk))
        if locked.is_quiz and (locked.leaderboard or locked.ended):
            transaction.on_commit(lambda: scores_publish(event_id=locked.pk))
    return locked


def _question_leave(event: Event, poll: Poll) -> None:
    """Close the question left; a scored question's clock is ended too, and its players
    scored."""
    if countdown_of(poll) is not None:
        with contextlib.suppress(CountdownError):  # its clock never ran, or is up
            clock_change(event=event, poll=poll, change="end")
    poll_close(poll=poll)


def question_finished(*, poll: Poll) -> None:
    """A quiz question's time is up and its votes counted: close it, tell each player
    their score, then every page the question's state (closed: the results, with the
    right answers, and the clocks stop).

    Each phone's score goes first, and the state once, through the question's group
    (not the event's too): with 10,000 phones, each message is 10,000 sends.
    """
    closed = {"is_open": False, "updated_at": timezone.now()}
    if (closed_ms := state_write(poll_id=poll.pk, is_open=False)) is not None:  # no save here
        closed["closed_ms"] = closed_ms
    Poll.objects.filter(pk=poll.pk).update(**closed)
    # Asked and answered: the rule says who sees the results now (unless the presenter
    # chose to show or hide them meanwhile).
    Poll.objects.filter(pk=poll.pk, results_shown=False).update(results_shown=None)
    poll.is_open = False
    poll.results_shown = None if poll.results_shown is False else poll.results_shown
    event_id = Event.objects.filter(questions__poll=poll).values_list("pk", flat=True).first()
    if event_id is not None:
        scores_publish(event_id=event_id)
    poll_publish(poll_id=poll.pk)


def event_clock(*, event: Event, change: str | int) -> None:
    """The presenter's change to the clock of the quiz's question shown: `end`,
    `untimed`, or seconds to add. EventError when it cannot be."""
    event = Event.objects.get(pk=event.pk)  # where it stands now
    polls = event.polls()
    shown = polls[event.position - 1] if event.position and not event.ended else None
    if shown is None or not event.scores(shown):
        raise EventError(_("No quiz question is shown: there is no clock to change."))
    try:
        with transaction.atomic():
            clock_change(event=event, poll=shown, change=change)
    except CountdownError as error:
        raise EventError(str(error)) from None
    transaction.on_commit(lambda: event_publish(event_id=event.pk))


def _target(event: Event, action: str, position: int | None, count: int) -> tuple[int | None, bool]:
    """Where a move leads: the question's position (None: lobby or end), and whether ended."""
    current = event.position
    if action == "lobby":
        return None, False
    if action == "end":
        return None, True
    if action == "goto":
        if position is None or not 1 <= position <= count:
            raise EventError(
                _("Go to a question from 1 to %(n)d.") % {"n": count}
                if count
                else _("This event has no questions yet.")
            )
        return position, False
    if count == 0:
        raise EventError(_("This event has no questions yet."))
    if action == "next":
        if event.ended:
            return None, True
        if current is None:
            return 1, False
        return (current + 1, False) if current < count else (None, True)
    # previous
    if event.ended:
        return count, False
    if current is None or current == 1:
        return None, False
    return current - 1, False


def event_reset_all(*, event: Event) -> None:
    """A new round of every question of the event (the old rounds' results are kept)."""
    for poll in event.polls():
        poll_reset(poll=poll)


def event_duplicate(*, event: Event, owner: Any = None) -> Event:
    """A copy of the event and of each of its polls (new slugs and codes, no votes), in
    its lobby; whoever made the copy owns it, not its hosts."""
    with transaction.atomic():
        polls = [poll_duplicate(poll=poll, owner=owner) for poll in event.polls()]
        return event_create(
            owner=owner,
            title=event.title,
            polls=polls,
            slug=free_slug(Event, f"{event.slug}-copy"),
            pace=event.pace,
            opens_questions=event.opens_questions,
            quiz=event.is_quiz,
            speed=event.speed,
            participation=event.participation,
            participants_may_erase=event.participants_may_erase,
            retention_days=event.retention_days,
        )


# --- A quiz's players ---------------------------------------------------------------


def player_join(*, event: Event, voter: str, nickname: str) -> Player:
    """Join the quiz as `nickname` (or a named event as one's name), or change the
    browser's (a player the presenter removed joins again this way). PlayerError for a
    name that is empty, too long, not for a room, or taken."""
    nickname = text_cleaned(nickname)
    named = event.participation == Event.Participation.NAMED
    most = NAME_MAX_LENGTH if named else NICKNAME_MAX_LENGTH
    if not nickname:
        raise PlayerError(_("Type your name.") if named else _("Choose a nickname."))
    if len(nickname) > most:
        raise PlayerError(
            (_("A name has at most %(n)d characters.") if named
             else _("A nickname has at most %(n)d characters.")) % {"n": most}
        )  # fmt: skip
    if nickname_invisible(nickname):
        raise PlayerError(_("Choose a nickname that shows: that one hides characters."))
    if profanity_masked(nickname) != nickname:
        raise PlayerError(_("Choose another nickname: that one is not for a room."))
    key = nickname_skeleton(nickname)
    taken = (
        _("Someone has joined as %(nickname)s already: add something that tells you apart.")
        if named
        else _("%(nickname)s is taken: choose another nickname.")
    ) % {"nickname": nickname}
    others = Player.objects.filter(event=event, nickname_key=key).exclude(voter=voter)
    if others.exists():
        raise PlayerError(taken)
    try:
        with transaction.atomic():
            player, _created = Player.objects.update_or_create(
                event=event,
                voter=voter,
                defaults={"nickname": nickname, "nickname_key": key, "removed": False},
            )
    except IntegrityError:  # taken by another browser meanwhile
        raise PlayerError(taken) from None
    player_playing(event_id=event.pk, voter=voter)
    return player


def player_playing(*, event_id: int, voter: str) -> None:
    """Tell the vote script that this browser plays (polls/stream.py's players key): its
    answers to the quiz's questions are taken from now on."""
    key = players_key(event_id)
    with redis_client().pipeline() as pipe:
        pipe.sadd(key, voter)
        pipe.expire(key, CHOICES_TTL)
        pipe.execute()


def player_remove(*, event: Event, player_id: int) -> bool:
    """Take a player off the leaderboard: their phone asks for a new nickname, and no
    answer of theirs is taken until they have one. False when there is no such player."""
    return players_remove(event=event, players=Player.objects.filter(pk=player_id)) > 0


def players_remove(
    *,
    event: Event,
    players: QuerySet[Player] | None = None,
    joined_within: int | None = None,
    without_answers: bool = False,
) -> int:
    """Take players off the leaderboard at once: `players`, or those who joined in the last
    `joined_within` seconds, or those with no answer in the quiz (`without_answers`); how
    many were removed."""
    chosen = Player.objects.filter(event=event, removed=False)
    if players is not None:
        chosen = chosen.filter(pk__in=players.values("pk"))
    if joined_within is not None:
        chosen = chosen.filter(joined_at__gte=timezone.now() - timedelta(seconds=joined_within))
    if without_answers:
        answered = Vote.objects.filter(poll__event_question__event=event, voter=OuterRef("voter"))
        chosen = chosen.exclude(Exists(answered))
    voters = list(chosen.values_list("voter", flat=True))
    if voters:
        redis_client().srem(players_key(event.pk), *voters)
    return Player.objects.filter(event=event, voter__in=voters).update(removed=True)


# --- A scored question's clock and finish -------------------------------------------


def clock_start(*, event: Event, poll: Poll) -> None:
    """Start the shown question's clock (once per round), and queue its finish."""
    countdown = countdown_start(poll=poll, speed=event.speed)
    left = remaining_ms(countdown)
    if left is not None:
        transaction.on_commit(
            lambda: finish_wanted.send(Event, poll_id=poll.pk, round_number=poll.round, at_ms=left)
        )


def clock_change(*, event: Event, poll: Poll, change: str | int) -> None:
    """The presenter's change to the shown question's clock: `end` it now, stop it
    (`untimed`), or add seconds. CountdownError when it cannot be."""
    if isinstance(change, str) and change not in ("end", "untimed"):
        raise CountdownError(_("Change the clock with end, untimed, or seconds to add."))
    if isinstance(change, int) and not 1 <= change <= MOST_SECONDS_ADDED:
        raise CountdownError(
            _("Add from 1 to %(n)d seconds at a time.") % {"n": MOST_SECONDS_ADDED}
        )
    if not poll.is_open:
        raise CountdownError(_("The time for this question is up already."))
    countdown_change(poll=poll, change=change)
    if change == "end":
        transaction.on_commit(
            lambda: finish_wanted.send(Event, poll_id=poll.pk, round_number=poll.round, at_ms=None)
        )


def finish_overdue() -> int:
    """Finish each quiz question still open whose deadline Redis's clock has passed: its
    job was lost, or was queued for a time by a web process whose clock is off (the
    scheduler keeps the enqueuer's times). How many there were."""
    due = list(
        Countdown.objects.filter(
            deadline_ms__lte=redis_now_ms(), poll__is_open=True, round=F("poll__round")
        ).values_list("poll_id", "round")
    )
    for poll_id, round_number in due:
        finish_when_due(poll_id, round_number)
    return len(due)


def finish_when_due(poll_id: int, round_number: int) -> None:
    """Once Redis's clock reaches the question's deadline, count every vote queued before
    it, close the question and tell each player their score. Queued again when the
    presenter has added time; nothing when the question has moved on to a new round."""
    while True:
        countdown = Countdown.objects.filter(poll_id=poll_id, round=round_number).first()
        poll = Poll.objects.filter(pk=poll_id, round=round_number).first()
        if countdown is None or poll is None:
            return
        left = remaining_ms(countdown)
        if left is None:
            return  # untimed now: the presenter's `end` queues this job again
        if left > FINISH_WAITS_AT_MOST_MS:
            finish_wanted.send(Event, poll_id=poll_id, round_number=round_number, at_ms=left)
            return
        if left == 0:
            break
        time.sleep(left / 1000)
    # Redis refuses the question's votes from the deadline on: every vote that counts is
    # in the stream. Count what no worker has read, then wait for other workers' batches.
    ingest.votes_ingest(consumer=consumer_name(), max_seconds=5, idle_ms=None)
    _others_wait(countdown.deadline_ms or redis_now_ms())
    question_finished(poll=poll)


def _others_wait(deadline_ms: int) -> None:
    """Wait (a while at most) until no worker holds an uncounted entry from before the
    deadline: another worker's batch in flight may have one of this question's votes."""
    client = redis_client()
    give_up = time.monotonic() + OTHERS_WAIT_SECONDS
    while time.monotonic() < give_up:
        pending = client.xpending(VOTE_STREAM, INGEST_GROUP)
        if not pending["pending"]:
            return
        oldest = pending["min"].decode() if isinstance(pending["min"], bytes) else pending["min"]
        if int(oldest.split("-")[0]) >= deadline_ms:  # an entry ID: Redis's milliseconds
            return
        time.sleep(0.05)
