"""A closed poll's published log: every cast the worker applied in its round, in Redis's
order, chained so that a changed, removed or reordered entry shows.

The log (docs/design.md, "The published log", says each field) is a header and entries:
- the header: the poll's question, kind, options and round, whether first votes are
  final, when it closed on Redis's clock, and for open answers the rule that makes
  terms of them;
- an entry per cast: its stream entry's ID (Redis's clock when it took the cast, then a
  sequence), the voter's pseudonym (a keyed hash of the voter's key and the poll, or the
  quiz a scored question is in: one voter's entries link within it, never across polls
  or quizzes), the SHA-256 of its receipt, its choices (option slugs, in the voter's
  order) or the SHA-256 of each of its answers, its quiz points, and whether it counts.

The chain: h0 = SHA-256(canonical(header)); hᵢ = SHA-256(hᵢ₋₁ ‖ canonical(entryᵢ)),
hᵢ₋₁ as its 32 bytes; the last is the poll's fingerprint. canonical() is JSON with
sorted keys, no spaces and UTF-8 text (not \\u escapes). Beside each entry, outside the
chain, go the answers' texts the room may see: a presenter who hides an answer after
the close changes no fingerprint. tools/verify.py checks all of it with Python's
standard library; the verify page (templates/tally/verify.html) with the browser's.

A cast whose voter erased their data (events/erasure.py) stays in the chain, marked
`erased` beside it: it no longer counts, and the fingerprint is unchanged.

The log is sealed (`Seal`) once every cast Redis took before the close is counted: the
fingerprint is then kept and shown, so the room sees it before anyone could change the
log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils.crypto import salted_hmac

from polls.kinds import kind_of
from polls.models import Answer, CastRecord, Poll, scored_in_quiz
from polls.profanity import MASK
from polls.receipts import receipt_hash
from polls.stop_words import STOP_WORDS
from polls.stream import answers_decode, choices_decode, entry_id_of
from polls.text import PHRASE_WORDS
from tally.models import Seal
from tally.stream import counted_up_to

FORMAT = "voting-audit/1"


def canonical(value: Any) -> bytes:
    """The bytes a log's header or entry is hashed as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pseudonym(scope: str, voter: str) -> str:
    """The voter's name in a log: the same for each of their casts in its scope (a poll,
    or a quiz: its leaderboard sums a player's points over its questions), and
    unlinkable to their name in any other scope's without the site's secret key."""
    return salted_hmac("voting.audit.pseudonym", f"{scope}:{voter}").hexdigest()[:16]


def scope_of(poll: Poll) -> tuple[str, str | None]:
    """Where the poll's pseudonyms hold: (the key, the quiz event's slug or None)."""
    quiz = (
        Poll.objects.filter(pk=poll.pk)
        .filter(scored_in_quiz())
        .values_list("event_question__event_id", "event_question__event__slug")
        .first()
    )
    return (f"event:{quiz[0]}", quiz[1]) if quiz else (f"poll:{poll.pk}", None)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Log:
    header: dict[str, Any]
    entries: list[dict[str, Any]]  # each with its `hash`, and `texts` beside the chain
    fingerprint: str

    def as_json(self) -> dict[str, Any]:
        return {"header": self.header, "entries": self.entries, "fingerprint": self.fingerprint}


def log_of(poll: Poll) -> Log:
    """The poll's log of its current round, as the database holds it now."""
    kind = kind_of(poll.kind)
    options = list(poll.options.all())
    slugs = {option.pk: option.slug for option in options}
    scope, quiz = scope_of(poll)
    header: dict[str, Any] = {
        "format": FORMAT,
        "poll": poll.slug,
        "quiz": quiz,
        "question": poll.question,
        "kind": poll.kind,
        "round": poll.round,
        "final": not poll.voters_may_change,
        "closed_ms": poll.closed_ms,
        "options": [{"slug": o.slug, "label": o.label} for o in options],
    }
    if kind.takes_text:
        header["terms"] = {
            "phrase_words": PHRASE_WORDS,
            "mask": MASK,
            "stop_words": sorted(STOP_WORDS),
        }
    records = list(
        CastRecord.objects.filter(poll=poll, round=poll.round)
        .order_by("stream_order")
        .values_list("stream_order", "voter", "receipt", "cast", "points", "pseudonym", "erased")
    )
    counting = _counting(records, final=not poll.voters_may_change)
    shown = _shown_answers(poll) if kind.takes_text else {}
    digest = hashlib.sha256(canonical(header)).digest()
    entries = []
    for number, (order, voter, receipt, value, points, kept, erased) in enumerate(records, 1):
        entry: dict[str, Any] = {
            "n": number,
            "entry": entry_id_of(order),
            "voter": kept or pseudonym(scope, voter),  # kept once the voter is unlinked
            "receipt": receipt_hash(receipt),
            "points": points,
            "counts": order in counting,
        }
        if kind.takes_text:
            answers = answers_decode(value)
            entry["answers"] = [text_hash(text) for text in answers]
        else:
            entry["choices"] = [slugs.get(option, "") for option in choices_decode(value)]
        digest = hashlib.sha256(digest + canonical(entry)).digest()
        entry["hash"] = digest.hex()
        if kind.takes_text:  # beside the chain: what the room may see of the answers
            seen = shown.get(voter, set()) if order in counting else set()
            entry["texts"] = [text if text in seen else None for text in answers]
        if erased:  # beside the chain: the voter erased it, and it counts no longer
            entry["erased"] = True
        entries.append(entry)
    return Log(header, entries, digest.hex())


def _counting(records: list[tuple[Any, ...]], *, final: bool) -> set[int]:
    """The stream orders of the casts that count: each voter's latest, or their first
    where first votes are final (`records` in stream order)."""
    kept: dict[str, int] = {}
    for order, voter, *_ in records:
        if not final or voter not in kept:
            kept[voter] = order
    return set(kept.values())


def _shown_answers(poll: Poll) -> dict[str, set[str]]:
    """Per voter, the texts of their answers the room may see (not hidden, not waiting)."""
    shown: dict[str, set[str]] = {}
    rows = Answer.objects.filter(poll=poll, round=poll.round, state=Answer.State.SHOWN)
    for voter, text in rows.values_list("voter", "text"):
        shown.setdefault(voter, set()).add(text)
    return shown


def short(fingerprint: str) -> str:
    """The fingerprint as a room reads it aloud: its first eight hex digits, `3F9A-1C2B`."""
    head = fingerprint[:8].upper()
    return f"{head[:4]}-{head[4:]}"


# --- The seal ------------------------------------------------------------------------


def seal_of(poll: Poll) -> Seal | None:
    """The seal of the poll's current close, if it has one."""
    if poll.is_open or poll.closed_ms is None:
        return None
    return Seal.objects.filter(poll=poll, round=poll.round, closed_ms=poll.closed_ms).first()


def log_seal(*, poll_id: int) -> bool | None:
    """Seal the poll's log if it is closed and every cast taken before the close is
    counted: True once sealed (now or before), False if casts are still being counted,
    None if there is nothing to seal (the poll is open, or gone)."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None or poll.is_open or poll.closed_ms is None:
        return None
    if not kind_of(poll.kind).has_log:
        return None
    if seal_of(poll) is not None:
        return True
    if not counted_up_to(poll.closed_ms):
        return False
    log = log_of(poll)
    Seal.objects.get_or_create(
        poll=poll,
        round=poll.round,
        closed_ms=poll.closed_ms,
        defaults={"fingerprint": log.fingerprint, "casts": len(log.entries)},
    )
    return True
