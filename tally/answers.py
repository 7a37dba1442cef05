"""Open answers as the ingest and the presenter's moderation keep them: each voter's
answers in a poll's round, and the word cloud's term tallies, which follow the shown ones.

A term counts voters: a voter whose shown answers give it (once or more) adds one.
So every change to a voter's answers (a new cast, one hidden, shown or approved) moves
the tallies by the difference between the terms of their shown answers before and
after. Both callers hold the polls' locks (tally/ingest.py's `polls_lock`), so the rows
read are the rows written, as for the option tallies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import groupby
from operator import itemgetter

from django.db.models import Q

from polls.models import ANSWER_MAX_LENGTH, Answer, HiddenAnswer
from polls.stream import Cast
from polls.text import answer_key, answer_terms
from tally.counts import counts_add
from tally.models import TermTally

# One voter's answers in one poll's round, and their places.
VoterKey = tuple[int, int, str]  # poll, round, voter
Answers = dict[int, tuple[str, str]]  # position: (text, state)
# A term's tally: poll, round, term.
TermKey = tuple[int, int, str]


def answers_stored(keys: Iterable[VoterKey]) -> dict[VoterKey, Answers]:
    """These voters' stored answers."""
    keys = set(keys)
    if not keys:
        return {}
    rows = Answer.objects.filter(
        poll__in={poll for poll, _, _ in keys},
        round__in={round_ for _, round_, _ in keys},
        voter__in={voter for _, _, voter in keys},
    ).values_list("poll_id", "round", "voter", "position", "text", "state")
    stored: dict[VoterKey, Answers] = {}
    for poll, round_, voter, position, text, state in rows:
        if (poll, round_, voter) in keys:
            stored.setdefault((poll, round_, voter), {})[position] = (text, state)
    return stored


def shown_terms(answers: Mapping[int, tuple[str, str]]) -> frozenset[str]:
    """The terms a voter's shown answers give, each once."""
    terms: set[str] = set()
    for text, state in answers.values():
        if state == Answer.State.SHOWN:
            terms |= {term[:ANSWER_MAX_LENGTH] for term in answer_terms(text)}
    return frozenset(terms)


def terms_moved(deltas: Counter[TermKey], key: VoterKey, before: Answers, after: Answers) -> None:
    """Add to `deltas` what a voter's answers changing from `before` to `after` moves."""
    poll, round_, _voter = key
    was, now = shown_terms(before), shown_terms(after)
    for term in now - was:
        deltas[poll, round_, term] += 1
    for term in was - now:
        deltas[poll, round_, term] -= 1


def answers_apply(casts: Iterable[Cast], *, moderated: set[int]) -> Counter[TermKey]:
    """Each cast's answers as its voter's, replacing those stored (the casts won against
    the stored votes); returns how the term tallies move.

    An answer sent again unchanged, in the same place, keeps its state: a hidden one
    stays hidden, and so does one whose text the presenter hid from this voter in this
    round, in whatever place it comes back. A new one is shown at once, or waits for
    approval on a poll in `moderated`.
    """
    casts = [cast for cast in casts if cast.answers]
    stored = answers_stored((cast.poll_id, cast.round, cast.voter) for cast in casts)
    hidden = _hidden_texts((cast.poll_id, cast.round, cast.voter) for cast in casts)
    deltas: Counter[TermKey] = Counter()
    rows: list[Answer] = []
    fewer = Q()  # the places a voter no longer fills
    for cast in casts:
        key = (cast.poll_id, cast.round, cast.voter)
        before = stored.get(key, {})
        new_state = Answer.State.PENDING if cast.poll_id in moderated else Answer.State.SHOWN
        after: Answers = {}
        for position, text in enumerate(cast.answers):
            kept = before.get(position)
            if kept and kept[0] == text:
                state = kept[1]
            elif (*key, answer_key(text)) in hidden:
                state = Answer.State.HIDDEN
            else:
                state = new_state
            after[position] = (text, state)
            rows.append(
                Answer(
                    poll_id=cast.poll_id,
                    round=cast.round,
                    voter=cast.voter,
                    position=position,
                    text=text,
                    state=after[position][1],
                    cast_at=cast.cast_at,
                    stream_order=cast.stream_order,
                )
            )
        if len(before) > len(after):
            fewer |= Q(
                poll=cast.poll_id, round=cast.round, voter=cast.voter, position__gte=len(after)
            )
        terms_moved(deltas, key, before, after)
    if fewer:
        Answer.objects.filter(fewer).delete()
    Answer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["poll", "round", "voter", "position"],
        update_fields=["text", "state", "cast_at", "stream_order"],
    )
    return deltas


def _hidden_texts(keys: Iterable[VoterKey]) -> set[tuple[int, int, str, str]]:
    """The texts the presenter hid from these voters: (poll, round, voter, answer_key)."""
    keys = set(keys)
    if not keys:
        return set()
    rows = HiddenAnswer.objects.filter(
        poll__in={poll for poll, _, _ in keys},
        round__in={round_ for _, round_, _ in keys},
        voter__in={voter for _, _, voter in keys},
    ).values_list("poll_id", "round", "voter", "text")
    return {row for row in rows if row[:3] in keys}


def hidden_texts_remember(answers: Iterable[tuple[int, int, str, str]], *, hidden: bool) -> None:
    """Remember (or, once shown again, forget) these answers' texts as hidden from their
    voters: (poll, round, voter, text) each."""
    rows = [
        HiddenAnswer(poll_id=poll, round=round_, voter=voter, text=answer_key(text))
        for poll, round_, voter, text in answers
    ]
    if hidden:
        HiddenAnswer.objects.bulk_create(rows, ignore_conflicts=True)
        return
    forgotten = Q()
    for row in rows:
        forgotten |= Q(poll=row.poll_id, round=row.round, voter=row.voter, text=row.text)
    if forgotten:
        HiddenAnswer.objects.filter(forgotten).delete()


def terms_add(deltas: Mapping[TermKey, int]) -> None:
    """Add each delta to its term's tally: made on first use, removed at zero."""
    counts_add(TermTally, ("poll_id", "round", "term"), "voters", deltas, drop_zero=True)


def terms_counted(poll_id: int) -> Counter[tuple[int, str]]:
    """A poll's term tallies counted afresh from its shown answers: (round, term): voters."""
    counted: Counter[tuple[int, str]] = Counter()
    rows = (
        Answer.objects.filter(poll=poll_id, state=Answer.State.SHOWN)
        .order_by("round", "voter")
        .values_list("round", "voter", "text")
    )
    for (round_, _voter), answers in groupby(rows.iterator(chunk_size=10_000), itemgetter(0, 1)):
        shown = {place: (text, Answer.State.SHOWN) for place, (_, _, text) in enumerate(answers)}
        counted.update((round_, term) for term in shown_terms(shown))
    return counted
