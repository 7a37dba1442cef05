"""The vote form: its fields and rules are the poll's kind's (polls/kinds.py)."""

from __future__ import annotations

from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from polls.kinds import QuestionKind, kind_of
from polls.selectors import Ballot, Choice

CSRF_FIELD = "csrfmiddlewaretoken"
# Where the voter goes after a vote: a page of this site (an event's, which the vote form
# of each of its questions names); the poll's own page without it.
NEXT_FIELD = "next"


class VoteForm(forms.Form):
    """Checks a cast against the poll's rules; `cleaned_data["cast"]` is what it gives.

    Every problem is one message for the top of the page: the fields are the
    page's buttons, checkboxes or selects, which show no errors of their own.
    """

    def __init__(self, *args: Any, ballot: Ballot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ballot = ballot

    def clean(self) -> dict[str, Any]:
        return {"cast": cast_given(self.ballot, self.data)}  # type: ignore[arg-type]


class Given(NamedTuple):
    """What a vote form gives: the options chosen, in order, or an open poll's answers;
    or a Q&A's question asked (its text and the asker's name), or a question's id
    upvoted (`up`) or taken back."""

    choices: tuple[Choice, ...] = ()
    answers: tuple[str, ...] = ()
    asked: tuple[str, str] | None = None
    upvote: int | None = None
    up: bool = True


# A Q&A's fields: the asker's name beside the question, and the upvote buttons.
QUESTION_FIELDS = ("name", "upvote", "unvote")


def cast_given(ballot: Ballot, data: QueryDict) -> Given:
    """What a cast (the vote form's data) gives; ValidationError, with the page's message,
    if it breaks a rule of the poll. VoteForm's check, and the fast vote path's
    (polls/fast_vote.py), which has no use for a form."""
    kind = kind_of(ballot.kind)
    fields = {
        CSRF_FIELD,
        NEXT_FIELD,
        kind.field,
        *(QUESTION_FIELDS if kind.takes_questions else ()),
    }
    others = sorted(set(data) - fields)
    if others:
        raise ValidationError(
            _("This poll does not take %(fields)s; use the form below.")
            % {"fields": ", ".join(others)}
        )
    if kind.takes_questions:
        return _question_given(kind, ballot, data)
    given = [value.strip() for value in data.getlist(kind.field)]
    if kind.takes_text:
        return Given(answers=kind.answers(ballot, given))
    return Given(choices=kind.clean(ballot, given))


def text_sent(ballot: Ballot, data: QueryDict) -> bool:
    """Whether the cast carries text to clean and filter (open answers, or a question
    asked): the dear part of reading a cast, so the entries' limit is checked first."""
    kind = kind_of(ballot.kind)
    if kind.takes_questions:
        return not any(field in data for field in ("upvote", "unvote"))
    return kind.takes_text


def _question_given(kind: QuestionKind, ballot: Ballot, data: QueryDict) -> Given:
    """A Q&A's form: an upvote button pressed (`upvote` or `unvote`: a question's id), or
    a question asked. An upvote wins over text typed meanwhile, which the page keeps."""
    for field, up in (("upvote", True), ("unvote", False)):
        if field in data:
            return Given(upvote=kind.upvote(data.get(field, "").strip()), up=up)
    return Given(asked=kind.ask(ballot, data.get(kind.field, ""), data.get("name", "")))
