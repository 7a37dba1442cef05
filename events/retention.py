"""Retention: what links answers to people is removed once a poll or event has been
quiet for VOTING_RETENTION_DAYS (180 unless set), or for an event's own shorter
`retention_days`; the counts and results stay as they were.

A poll's or event's clock starts at its last answer: a vote, an open answer, a
question asked, a participant joining (or at its making, when no one answered). The
worker's cron (events/cron.py) purges what is due once a day; `manage.py purge` does it
now, and says what it removes. A purge:

- replaces every voter key in the polls' votes, answers, questions, upvotes and
  logged casts with SHA-256(a random key ‖ the voter key), the random key forgotten at
  once: one voter's rows still belong together (a quiz's scores, one vote per voter),
  and nothing leads back to a cookie or an account;
- keeps each logged cast's pseudonym as the published log has it (tally/audit.py): the
  log's fingerprint does not change;
- removes participants' names, addresses and accounts (a participant becomes "#3", by
  order of joining), and Q&A askers' names;
- drops the Redis copies that still hold voter keys: the event's participants, and the
  closed polls' queued choices (the rest expire within a week by themselves).

Receipts stay: a receipt is a random code only its voter holds, and it is how they
check their vote in the published log.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F, Func, Max, Model, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from psycopg2 import sql

from events.models import Event, Player
from polls.models import Answer, CastRecord, HiddenAnswer, Poll, Question, Upvote, Vote
from polls.stream import choices_key, players_key
from tally.audit import pseudonym, scope_of
from voting_site.redis import redis_client


@dataclass(frozen=True)
class Purge:
    """What a purge removes (or, dry, would remove) from one event or lone poll."""

    kind: str  # "event" or "poll"
    slug: str
    last_answer: datetime
    voters: int  # distinct voter keys unlinked
    rows: int  # votes, answers, questions, upvotes and logged casts they were on
    names: int  # participants' names, addresses and accounts, and askers' names

    def line(self) -> str:
        return (
            f"{self.kind} {self.slug} (last answer {self.last_answer:%Y-%m-%d}): "
            f"{self.voters} voters unlinked from {self.rows} rows, {self.names} names removed"
        )


def purge(
    *, older_than: int | None = None, now: datetime | None = None, dry_run: bool = False
) -> list[Purge]:
    """Purge every event and lone poll quiet for longer than its retention (or than
    `older_than` days, for all of them); what was (or would be) removed."""
    now = now or timezone.now()
    done = []
    for event, last in _events_due(now, older_than):
        polls = Poll.objects.filter(event_question__event=event)
        done.append(_purge(polls, event, last, dry_run=dry_run))
    for poll, last in _polls_due(now, older_than):
        done.append(_purge(Poll.objects.filter(pk=poll.pk), None, last, dry_run=dry_run))
    return done


def _last_answers(polls: QuerySet[Poll]) -> datetime | None:
    times = [
        Vote.objects.filter(poll__in=polls).aggregate(at=Max("cast_at"))["at"],
        Answer.objects.filter(poll__in=polls).aggregate(at=Max("cast_at"))["at"],
        Question.objects.filter(poll__in=polls).aggregate(at=Max("asked_at"))["at"],
    ]
    return max((t for t in times if t is not None), default=None)


def _due(last: datetime, purged_at: datetime | None, days: int, now: datetime) -> bool:
    return last <= now - timedelta(days=days) and (purged_at is None or last > purged_at)


def _events_due(now: datetime, older_than: int | None) -> Iterable[tuple[Event, datetime]]:
    shortest = min([settings.VOTING_RETENTION_DAYS, *_event_days()])
    made_before = now - timedelta(days=older_than if older_than is not None else shortest)
    for event in Event.objects.filter(created_at__lte=made_before):
        polls = Poll.objects.filter(event_question__event=event)
        joined = event.players.aggregate(at=Max("joined_at"))["at"]
        last = max(t for t in (_last_answers(polls), joined, event.created_at) if t is not None)
        days = older_than if older_than is not None else retention_days_of(event)
        if _due(last, event.purged_at, days, now):
            yield event, last


def _event_days() -> list[int]:
    days = Event.objects.filter(retention_days__isnull=False).values_list("retention_days")
    return [own for (own,) in days.distinct() if own is not None]


def retention_days_of(event: Event) -> int:
    """How many days after its last answer the event keeps who answered."""
    own = event.retention_days or settings.VOTING_RETENTION_DAYS
    return min(own, settings.VOTING_RETENTION_DAYS)


def _polls_due(now: datetime, older_than: int | None) -> Iterable[tuple[Poll, datetime]]:
    days = older_than if older_than is not None else settings.VOTING_RETENTION_DAYS
    lone = Poll.objects.filter(event_question__isnull=True, created_at__lte=now - timedelta(days))
    for poll in lone:
        last = _last_answers(Poll.objects.filter(pk=poll.pk)) or poll.created_at
        if _due(last, poll.purged_at, days, now):
            yield poll, last


class _Sha256Hex(Func):
    """SHA-256 in hex, by PostgreSQL's own sha256() (Django's SHA256 needs pgcrypto)."""

    template = "ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


def unlinked_voter() -> Func:
    """A voter key replaced by SHA-256(a random key ‖ it), the random key forgotten once
    the statement is built: the same voter's rows still match one another, and nothing
    leads back to the cookie or account they came from."""
    return _Sha256Hex(Concat(Value(secrets.token_hex(32)), F("voter")))


# The tables whose rows name a voter, each with the way from it to its poll.
VOTER_ROWS: tuple[tuple[type[Model], str], ...] = (
    (Vote, "poll"),
    (Answer, "poll"),
    (HiddenAnswer, "poll"),
    (Question, "poll"),
    (Upvote, "question__poll"),
    (CastRecord, "poll"),
)


def _purge(polls: QuerySet[Poll], event: Event | None, last: datetime, *, dry_run: bool) -> Purge:
    """Unlink the polls' voters (and the event's participants) in one transaction."""
    slug = event.slug if event is not None else polls.get().slug
    with transaction.atomic():
        rows = {
            model: model._default_manager.filter(**{f"{path}__in": polls})
            for model, path in VOTER_ROWS
        }
        voters: set[str] = set()
        for found in rows.values():
            voters.update(found.values_list("voter", flat=True).distinct())
        askers = rows[Question].exclude(name="")
        players = event.players.all() if event is not None else Player.objects.none()
        named = players.filter(~Q(nickname__startswith="#") | Q(user__isnull=False) | ~Q(email=""))
        report = Purge(
            kind="event" if event is not None else "poll",
            slug=slug,
            last_answer=last,
            voters=len(voters | set(players.values_list("voter", flat=True))),
            rows=sum(found.count() for found in rows.values()),
            names=named.count() + askers.count(),
        )
        if dry_run:
            return report
        _pseudonyms_keep(polls)
        unlinked = unlinked_voter()  # one for all tables: their rows still match
        for found in rows.values():
            found.update(voter=unlinked)
        askers.update(name="")
        _players_unname(players, unlinked)
        now = timezone.now()
        polls.update(purged_at=now)
        if event is not None:
            Event.objects.filter(pk=event.pk).update(purged_at=now)
        transaction.on_commit(lambda: _redis_forget(list(polls), event))
    return report


def _pseudonyms_keep(polls: QuerySet[Poll]) -> None:
    """Each logged cast's pseudonym as the log has it now, kept before its voter goes."""
    for poll in polls:
        scope, _quiz = scope_of(poll)
        records = CastRecord.objects.filter(poll=poll, pseudonym="").values_list("pk", "voter")
        kept = {pk: pseudonym(scope, voter) for pk, voter in records.iterator(chunk_size=5000)}
        _rows_set(CastRecord, "pseudonym", kept)


def _players_unname(players: QuerySet[Player], unlinked: Func) -> None:
    """Participants become "#1", "#2"… by order of joining: no name, address or account."""
    players.update(voter=unlinked, user=None, email="")
    order = players.order_by("joined_at", "pk").values_list("pk", flat=True)
    names = {pk: f"#{number}" for number, pk in enumerate(order, 1)}
    # Two steps: the new names may be others' old ones, which must not collide.
    players.update(nickname_key=Concat(Value("~"), F("pk")))
    _rows_set(Player, "nickname", names)
    _rows_set(Player, "nickname_key", names)


# Rows _rows_set writes in one statement: a bounded statement, whatever the event.
ROWS_SET_AT_ONCE = 10_000


def _rows_set(model: type[Model], field: str, values: dict[int, str]) -> None:
    """Set a text column of rows of `model`, each to its own value, by primary key.

    Raw SQL, as the ORM has no UPDATE joined to a list of values: its bulk_update
    writes a CASE with a branch per row. Setting the pseudonyms of 30,000 logged casts
    and the names of 10,000 participants (an event of 10,000 participants and three
    questions) took bulk_update 21.4 s, 9.6 s of it building the statements; this
    takes 1.3 s, and the whole purge 2.5 s instead of 24 (2 cores, PostgreSQL 15,
    2026-12-05; the closing note of issue 39 has the script).
    """
    statement = sql.SQL(
        "UPDATE {table} SET {column} = given.value"
        " FROM json_to_recordset(%s) AS given(id bigint, value text)"
        " WHERE {table}.id = given.id"
    ).format(
        table=sql.Identifier(model._meta.db_table),
        column=sql.Identifier(field),  # a text field: its column has its name
    )
    rows = [{"id": pk, "value": value} for pk, value in values.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_SET_AT_ONCE):
            cursor.execute(statement, [json.dumps(rows[start : start + ROWS_SET_AT_ONCE])])


def _redis_forget(polls: list[Poll], event: Event | None) -> None:
    """The Redis copies that still name voters: the event's participants, and the closed
    polls' queued choices."""
    keys = [players_key(event.pk)] if event is not None else []
    for poll in polls:
        if not poll.is_open:
            keys += [choices_key(poll.pk, round_) for round_ in range(1, poll.round + 1)]
    if keys:
        redis_client().delete(*keys)
