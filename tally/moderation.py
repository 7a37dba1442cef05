"""The presenter's moderation of open answers and of a Q&A's questions, from the remote
page or the admin: show (approve) or hide an answer, and the word cloud follows; show,
hide, pin or unpin a question, or mark it being answered or answered. Every open page
hears of it as soon as the change commits, without waiting for the next vote.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from redis import RedisError

from polls.models import Answer, Question
from tally.answers import (
    TermKey,
    VoterKey,
    answers_stored,
    hidden_texts_remember,
    terms_add,
    terms_moved,
)
from tally.ingest import polls_lock, versions_bump
from tally.publish import results_publish

logger = logging.getLogger(__name__)

# What the presenter can do to an answer, and the state it leaves it in.
MODERATION_ACTIONS = {"show": Answer.State.SHOWN, "hide": Answer.State.HIDDEN}


def answers_moderate(*, answer_ids: Iterable[int], action: str) -> int:
    """Show or hide these answers (one of MODERATION_ACTIONS), moving their polls' word
    clouds; returns how many changed. KeyError for an unknown action."""
    state = MODERATION_ACTIONS[action]
    answer_ids = list(answer_ids)
    with transaction.atomic():
        polls = set(Answer.objects.filter(pk__in=answer_ids).values_list("poll_id", flat=True))
        polls_lock(polls)  # then read: what the ingest wrote before is in
        changing = list(
            Answer.objects.filter(pk__in=answer_ids)
            .exclude(state=state)
            .values_list("poll_id", "round", "voter", "position", "text")
        )
        stored = answers_stored((poll, round_, voter) for poll, round_, voter, *_ in changing)
        places: dict[VoterKey, list[int]] = {}
        for poll, round_, voter, position, _text in changing:
            places.setdefault((poll, round_, voter), []).append(position)
        hidden_texts_remember(
            ((poll, round_, voter, text) for poll, round_, voter, _, text in changing),
            hidden=state == Answer.State.HIDDEN,
        )
        deltas: Counter[TermKey] = Counter()
        for key, positions in places.items():
            before = stored[key]
            after = before | {position: (before[position][0], state) for position in positions}
            terms_moved(deltas, key, before, after)
        changed = Answer.objects.filter(pk__in=answer_ids).exclude(state=state).update(state=state)
        terms_add(deltas)
        moved = {poll for poll, *_ in changing}
        versions_bump(moved)
    transaction.on_commit(lambda: _publish(moved))
    return changed


# What the presenter can do to a question.
QUESTION_ACTIONS = ("show", "hide", "answering", "answered", "pin", "unpin")


def questions_moderate(*, question_ids: Iterable[int], action: str) -> int:
    """Apply one of QUESTION_ACTIONS to these questions; returns how many changed. One
    question of a poll is being answered at a time: marking another moves the one before
    to the answered. ValueError for an unknown action."""
    if action not in QUESTION_ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(QUESTION_ACTIONS)}")
    question_ids = list(question_ids)
    with transaction.atomic():
        chosen = Question.objects.filter(pk__in=question_ids)
        polls = set(chosen.values_list("poll_id", flat=True))
        polls_lock(polls)
        if action in ("pin", "unpin"):
            changed = chosen.exclude(pinned=action == "pin").update(pinned=action == "pin")
        else:
            state = {
                "show": Question.State.SHOWN,
                "hide": Question.State.HIDDEN,
                "answering": Question.State.ANSWERING,
                "answered": Question.State.ANSWERED,
            }[action]
            if action == "answering":
                Question.objects.filter(poll__in=polls, state=state).exclude(
                    pk__in=question_ids
                ).update(state=Question.State.ANSWERED)
            changed = chosen.exclude(state=state).update(state=state)
        versions_bump(polls)
    transaction.on_commit(lambda: _publish(polls))
    return changed


def _publish(poll_ids: set[int]) -> None:
    for poll_id in sorted(poll_ids):
        try:
            results_publish(poll_id=poll_id)
        except RedisError as error:  # saved; pages catch up with the next count or connect
            logger.warning("answers moderated, but open pages were not told: %s", error)
