"""Writes: events made, moved through, copied and reset; polls copied."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, EventQuestion
from events.publish import event_publish, scores_publish
from events.quiz import clock_change, clock_start
from polls.countdown import CountdownError, countdown_of
from polls.models import QUIZ_SECONDS_MAX, QUIZ_SECONDS_MIN, Poll
from polls.opening import state_write
from polls.services import free_slug, poll_close, poll_duplicate, poll_open, poll_reset, slug_for
from tally.publish import poll_publish

# The presenter's moves: the projector's keys, the remote's buttons, `manage.py event`
# (a quiz's leaderboard, after a question, too).
MOVES = ("next", "previous", "goto", "lobby", "end", "leaderboard")


class EventError(ValueError):
    """An event that cannot be made or moved as asked; the message says why."""


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
    with transaction.atomic():
        event = Event.objects.create(
            title=title, slug=slug, pace=pace, opens_questions=opens_questions,
            mode=Event.Mode.QUIZ if quiz else Event.Mode.POLLS, speed=speed,
        )  # fmt: skip
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


def event_duplicate(*, event: Event) -> Event:
    """A copy of the event and of each of its polls (new slugs and codes, no votes), in
    its lobby."""
    with transaction.atomic():
        polls = [poll_duplicate(poll=poll) for poll in event.polls()]
        return event_create(
            title=event.title,
            polls=polls,
            slug=free_slug(Event, f"{event.slug}-copy"),
            pace=event.pace,
            opens_questions=event.opens_questions,
            quiz=event.is_quiz,
            speed=event.speed,
        )
