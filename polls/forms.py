"""The vote form: its fields and rules are the poll's kind's (polls/kinds.py)."""

from __future__ import annotations

from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from polls.kinds import kind_of
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
    """What a vote form gives: the options chosen, in order, or an open poll's answers."""

    choices: tuple[Choice, ...] = ()
    answers: tuple[str, ...] = ()


def cast_given(ballot: Ballot, data: QueryDict) -> Given:
    """What a cast (the vote form's data) gives; ValidationError, with the page's message,
    if it breaks a rule of the poll. VoteForm's check, and the fast vote path's
    (polls/fast_vote.py), which has no use for a form."""
    kind = kind_of(ballot.kind)
    others = sorted(set(data) - {CSRF_FIELD, NEXT_FIELD, kind.field})
    if others:
        raise ValidationError(
            _("This poll does not take %(fields)s; use the form below.")
            % {"fields": ", ".join(others)}
        )
    given = [value.strip() for value in data.getlist(kind.field)]
    if kind.takes_text:
        return Given(answers=kind.answers(ballot, given))
    return Given(choices=kind.clean(ballot, given))
