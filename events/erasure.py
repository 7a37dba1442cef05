"""A participant's own data: what an event keeps about a named or signed-in participant
(their name, address, every answer, every question they asked), and its erasure where
the owner allows it.

Erasure comes in two steps, so that it counts each vote out exactly once:
1. at once (`erasure_start`): the participant leaves the event (their name and address
   deleted, their key out of the vote script's participants, so no later vote of theirs
   is taken), and the job is queued with the time on Redis's clock;
2. on the worker (`erasure_finish`), once every vote Redis took before then is counted:
   under each poll's lock, their votes, answers, questions and upvotes are deleted and
   the poll's tallies recounted from what is left (tally/recount.py, as `recount`
   does). Their logged casts stay in the published log, marked erased beside the chain
   (the fingerprint does not change), their voter key replaced by one that leads nowhere.

A second erasure finds nothing of theirs, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from events.models import Event, Player
from events.retention import unlinked_voter
from polls.countdown import redis_now_ms
from polls.models import Answer, CastRecord, HiddenAnswer, Poll, Question, Upvote, Vote
from polls.stream import choices_key, players_key
from tally.audit import pseudonym, scope_of
from tally.ingest import polls_lock
from tally.recount import tallies_rebuild
from tally.stream import counted_up_to
from voting_site.redis import redis_client


def participant_data(event: Event, player: Player) -> dict[str, Any]:
    """Everything the event keeps about the participant, as their download has it."""
    answers = []
    for number, poll in enumerate(event.polls(), 1):
        labels = dict(poll.options.values_list("pk", "label"))
        for round_, choices, points, cast_at in Vote.objects.filter(
            poll=poll, voter=player.voter
        ).values_list("round", "choices", "points", "cast_at"):
            typed = list(
                Answer.objects.filter(poll=poll, round=round_, voter=player.voter)
                .order_by("position")
                .values_list("text", flat=True)
            )
            answers.append({
                "question": number,
                "text": poll.question,
                "round": round_,
                "answer": typed or [labels.get(option, "") for option in choices],
                "points": points,
                "at": cast_at.isoformat(),
            })  # fmt: skip
    asked = [
        {"question": poll_question, "text": text, "name": name, "at": at.isoformat()}
        for poll_question, text, name, at in Question.objects.filter(
            poll__event_question__event=event, voter=player.voter
        ).values_list("poll__question", "text", "name", "asked_at")
    ]
    return {
        "event": {"slug": event.slug, "title": event.title},
        "participant": {
            "name": player.nickname,
            "email": player.email,
            "joined": player.joined_at.isoformat(),
            "signed_in": player.user_id is not None,
        },
        "answers": answers,
        "questions_asked": asked,
        "upvotes": Upvote.objects.filter(
            question__poll__event_question__event=event, voter=player.voter, up=True
        ).count(),
    }


def erasure_start(*, event: Event, voter: str) -> int | None:
    """The participant leaves the event: their row gone, their key out of the vote
    script's participants. Redis's time then, for the job that erases their answers;
    None when the event keeps nothing of theirs (erased already, or never joined)."""
    with transaction.atomic():
        deleted, _by_kind = Player.objects.filter(event=event, voter=voter).delete()
    if not deleted:
        return None
    redis_client().srem(players_key(event.pk), voter)
    return redis_now_ms()


def erasure_finish(*, event_id: int, voter: str, since_ms: int) -> bool | None:
    """Erase the voter's answers in the event's polls, once every vote Redis took by
    `since_ms` is counted: False while some are not (try again), True once done, None
    when the event is gone (deleting it deleted everything)."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return None
    if not counted_up_to(since_ms):
        return False
    for poll in Poll.objects.filter(event_question__event=event):
        _poll_erase(poll, voter)
    return True


def _poll_erase(poll: Poll, voter: str) -> None:
    with transaction.atomic():
        polls_lock([poll.pk])
        rounds = set(Vote.objects.filter(poll=poll, voter=voter).values_list("round", flat=True))
        Vote.objects.filter(poll=poll, voter=voter).delete()
        Answer.objects.filter(poll=poll, voter=voter).delete()
        HiddenAnswer.objects.filter(poll=poll, voter=voter).delete()
        Question.objects.filter(poll=poll, voter=voter).delete()
        Upvote.objects.filter(question__poll=poll, voter=voter).delete()
        records = CastRecord.objects.filter(poll=poll, voter=voter)
        if records.exists():
            scope, _quiz = scope_of(poll)
            records.update(
                pseudonym=pseudonym(scope, voter),
                erased=True,
                voter=unlinked_voter(),
            )
        tallies_rebuild(polls=[poll])
        keys = [choices_key(poll.pk, round_) for round_ in rounds | {poll.round}]
        transaction.on_commit(lambda: _choices_forget(keys, voter))


def _choices_forget(keys: list[str], voter: str) -> None:
    """Their queued choices, which the vote page would still show."""
    with redis_client().pipeline() as pipe:
        for key in keys:
            pipe.hdel(key, voter)
        pipe.execute()
