"""Reads: a poll's results, as the JSON API, the results page and the WebSocket give them."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict, cast

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from polls import voters
from polls.kinds import kind_of
from polls.models import Answer, Option, Poll, Question
from polls.selectors import QuestionListed, questions_for, voted_if_it_matters
from tally.audit import seal_of
from tally.models import OptionTally, PollTally, RoundTally, TermTally

# What an open poll's results carry: the most given terms (a projector at 1920x1080
# shows fifty legibly), and the newest shown answers. Bounded, so that a message to
# every screen stays small however many answer.
TERMS_SHOWN = 50
ANSWERS_SHOWN = 20


class OptionResult(TypedDict):
    slug: str
    label: str
    votes: NotRequired[int]  # how many chose it (a ranking: its points, also as `points`)
    percent: NotRequired[float]  # of the voters (a ranking: of all points given)
    points: NotRequired[int]
    position: NotRequired[int]
    correct: NotRequired[bool]  # a right answer, once voting is closed (never before)


class TermResult(TypedDict):
    term: str
    count: int  # how many voters gave it


class AnswerResult(TypedDict):
    id: int
    text: str


class Results(TypedDict):
    poll: str
    question: str
    kind: str
    state: str
    is_open: bool
    visible: bool
    round: int
    total: int | None
    voters: int | None
    version: int
    options: list[OptionResult]
    # A rating's: a count per score, their average, how many scores.
    distribution: NotRequired[dict[str, int]]
    average: NotRequired[float | None]
    count: NotRequired[int]
    # An open poll's: its terms, the most given first, and its answers, the newest first.
    terms: NotRequired[list[TermResult]]
    answers: NotRequired[list[AnswerResult]]
    # A Q&A's: its open questions (pinned first, then the most upvoted), the newest,
    # the latest answered (polls/selectors.py's `questions_for`).
    questions: NotRequired[list[QuestionListed]]
    newest: NotRequired[list[QuestionListed]]
    answered: NotRequired[list[QuestionListed]]
    answering: NotRequired[QuestionListed | None]
    # A closed poll's sealed log's fingerprint (tally/audit.py); None until it is sealed.
    fingerprint: NotRequired[str | None]


def results_for(*, poll: Poll) -> Results:
    """The current round's tallies and their version, read in one statement so they agree."""
    if not kind_of(poll.kind).has_options:
        return _typed_results(poll)
    version = PollTally.objects.filter(poll_id=OuterRef("poll_id")).values("version")
    voters = RoundTally.objects.filter(poll_id=OuterRef("poll_id"), round=poll.round)
    votes = OptionTally.objects.filter(option_id=OuterRef("pk"), round=poll.round).values("votes")
    rows = list(
        Option.objects.filter(poll=poll)
        .annotate(
            count=Coalesce(Subquery(votes), Value(0)),
            version=Coalesce(Subquery(version), Value(0)),
            voters=Coalesce(Subquery(voters.values("voters")), Value(0)),
        )
        .values_list("slug", "label", "count", "version", "voters", "correct")
    )
    version_now, voters_now = (rows[0][3], rows[0][4]) if rows else (0, 0)
    counts = counted(poll.kind, [(slug, label, n) for slug, label, n, *_ in rows], voters_now)
    correct = {slug for slug, *_, right in rows if right}
    if correct and poll.state_at() == Poll.State.CLOSED:  # never while votes are taken
        for option in counts["options"]:
            option["correct"] = option["slug"] in correct
    return cast(Results, _heading(poll, version_now) | counts)


def _heading(poll: Poll, version: int) -> dict[str, Any]:
    """What every poll's results begin with: the poll, its state and round, the version."""
    state = poll.state_at()
    sealed = {}
    if kind_of(poll.kind).has_log:
        seal = seal_of(poll) if state == Poll.State.CLOSED else None
        sealed["fingerprint"] = seal.fingerprint if seal is not None else None
    return sealed | {
        "poll": poll.slug,
        "question": poll.question,
        "kind": poll.kind,
        "state": state.value,
        "is_open": state == Poll.State.OPEN,
        "visible": True,
        "round": poll.round,
        "version": version,
    }


def _typed_results(poll: Poll) -> Results:
    """An open poll's results: its voters, its top terms and its newest answers; a Q&A's,
    its questions (`voters`: how many it has, shown or not). The version is read first:
    what follows is at least as new as it says."""
    version = PollTally.objects.filter(poll=poll).values_list("version", flat=True).first()
    results = _heading(poll, version or 0) | {"options": []}
    if kind_of(poll.kind).takes_questions:
        # The questions the room may see: not those waiting for approval, nor hidden ones.
        asked = (
            Question.objects.filter(poll=poll, round=poll.round)
            .exclude(state__in=[Question.State.PENDING, Question.State.HIDDEN])
            .count()
        )
        lists = questions_for(poll.pk, poll.round)
        return cast(Results, results | {"total": asked, "voters": asked} | lists)
    voters = (
        RoundTally.objects.filter(poll=poll, round=poll.round)
        .values_list("voters", flat=True)
        .first()
    ) or 0
    terms = {"terms": terms_for(poll), "answers": answers_for(poll)}
    return cast(Results, results | {"total": voters, "voters": voters} | terms)


def terms_for(
    poll: Poll, round_number: int | None = None, limit: int | None = TERMS_SHOWN
) -> list[TermResult]:
    """A round's terms (the current one's by default), the most given first."""
    rows = TermTally.objects.filter(poll=poll, round=round_number or poll.round, voters__gt=0)
    ordered = rows.order_by("-voters", "term").values_list("term", "voters")
    return [{"term": term, "count": n} for term, n in (ordered[:limit] if limit else ordered)]


def answers_for(poll: Poll) -> list[AnswerResult]:
    """The current round's newest shown answers."""
    rows = Answer.objects.filter(poll=poll, round=poll.round, state=Answer.State.SHOWN)
    newest = rows.order_by("-stream_order", "position").values_list("pk", "text")
    return [{"id": pk, "text": text} for pk, text in newest[:ANSWERS_SHOWN]]


# How many answers of each state the remote's moderation queue lists, the newest first.
QUEUE_SHOWN = 50


def questions_queue(poll: Poll) -> dict[str, list[QuestionListed]]:
    """The current round's questions for the presenter, by state: those waiting for
    approval (the oldest first), then the open, answered and hidden ones."""
    rows = Question.objects.filter(poll=poll, round=poll.round)
    fields = ("pk", "text", "name", "upvotes", "state", "pinned")
    orders = {
        Question.State.PENDING: ("stream_order",),
        Question.State.SHOWN: ("-pinned", "-upvotes", "stream_order"),
        Question.State.ANSWERING: ("stream_order",),
        Question.State.ANSWERED: ("-stream_order",),
        Question.State.HIDDEN: ("-stream_order",),
    }
    return {
        state: [
            {"id": pk, "text": text, "name": name, "upvotes": n, "state": st, "pinned": pin}
            for pk, text, name, n, st, pin in rows.filter(state=state)
            .order_by(*order)
            .values_list(*fields)[:QUEUE_SHOWN]
        ]
        for state, order in orders.items()
    }


def moderation_queue(poll: Poll) -> dict[str, list[AnswerResult]]:
    """The current round's answers for the presenter: those waiting for approval (the
    oldest first, as a queue is worked), the shown and the hidden ones (the newest first)."""
    rows = Answer.objects.filter(poll=poll, round=poll.round)
    queue: dict[str, list[AnswerResult]] = {}
    for state, order in (
        (Answer.State.PENDING, "stream_order"),
        (Answer.State.SHOWN, "-stream_order"),
        (Answer.State.HIDDEN, "-stream_order"),
    ):
        found = rows.filter(state=state).order_by(order, "position").values_list("pk", "text")
        queue[state] = [{"id": pk, "text": text} for pk, text in found[:QUEUE_SHOWN]]
    return queue


def counted(kind: str, rows: list[tuple[str, str, int]], voters: int) -> dict[str, Any]:
    """A round's figures from its tallies, (slug, label, tally) per option, as the poll's
    kind reads them."""
    options: list[dict[str, Any]] = [
        {"slug": slug, "label": label, "votes": tally} for slug, label, tally in rows
    ]
    figures: dict[str, Any] = {
        "total": sum(tally for _, _, tally in rows),
        "voters": voters,
        "options": options,
    }
    kind_of(kind).figures(figures, voters)
    return figures


# What a requester who may not see the results gets none of: every figure of a kind's.
HIDDEN_FIGURES = frozenset(
    {"distribution", "average", "count", "terms", "answers", "questions", "newest", "answered",
     "answering", "fingerprint"}
)  # fmt: skip


def results_hidden(results: Results) -> Results:
    """The results as a requester who may not see them gets them: no count leaves the server,
    nor the version, which every counted vote moves (it would tell the turnout)."""
    hidden: dict[str, Any] = {
        key: value for key, value in results.items() if key not in HIDDEN_FIGURES
    }
    hidden |= {
        "visible": False,
        "total": None,
        "voters": None,
        "version": None,
        "options": [{"slug": o["slug"], "label": o["label"]} for o in results["options"]],
    }
    return hidden  # type: ignore[return-value]


def results_seen_by(*, cookies: dict[str, str], poll: Poll) -> Results:
    """The poll's results as the browser with these cookies may see them."""
    voter = voters.voter_in(cookies, poll_id=poll.pk, requires_invite=poll.requires_invite)
    has_voted = voted_if_it_matters(poll=poll, voter=voter)
    results = results_for(poll=poll)
    return results if poll.results_visible(has_voted=has_voted) else results_hidden(results)


class RoundResults(TypedDict):
    round: int
    total: int
    voters: int
    options: list[OptionResult]


def rounds_for(*, poll: Poll) -> list[RoundResults]:
    """Every round's results, the first first: a finished round's are its final ones."""
    options = list(poll.options.values_list("pk", "slug", "label"))
    tallies = {
        (option_id, number): votes
        for option_id, number, votes in OptionTally.objects.filter(poll=poll).values_list(
            "option_id", "round", "votes"
        )
    }
    voters = dict(RoundTally.objects.filter(poll=poll).values_list("round", "voters"))
    return [
        {
            "round": number,
            **counted(  # type: ignore[typeddict-item]
                poll.kind,
                [(slug, label, tallies.get((pk, number), 0)) for pk, slug, label in options],
                voters.get(number, 0),
            ),
        }
        for number in range(1, poll.round + 1)
    ]


def average_at(poll: Poll, results: Results) -> float | None:
    """Where a rating's average lies between its lowest and highest score, in percent."""
    average = results.get("average")
    if average is None:
        return None
    return round(100 * (average - poll.scale_min) / (poll.scale_max - poll.scale_min), 1)
