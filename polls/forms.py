"""The vote, by the poll's kind: `option` (one; several; in order of preference) or `score`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from polls.models import Poll
from polls.selectors import Ballot, Choice

CSRF_FIELD = "csrfmiddlewaretoken"
# Where the voter goes after a vote: a page of this site (an event's, which the vote form
# of each of its questions names); the poll's own page without it.
NEXT_FIELD = "next"


class VoteForm(forms.Form):
    """Checks a cast against the poll's rules; `cleaned_data["choices"]` is what it chose.

    Every problem is one message for the top of the page: the fields are the
    page's buttons, checkboxes or selects, which show no errors of their own.
    """

    def __init__(self, *args: Any, ballot: Ballot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ballot = ballot

    def clean(self) -> dict[str, Any]:
        return {"choices": cast_choices(self.ballot, self.data)}  # type: ignore[arg-type]


def cast_choices(ballot: Ballot, data: QueryDict) -> tuple[Choice, ...]:
    """The options a cast (the vote form's data) chooses, in order; ValidationError, with
    the page's message, if it breaks a rule of the poll. VoteForm's check, and the fast
    vote path's (polls/fast_vote.py), which has no use for a form."""
    field = "score" if ballot.kind == Poll.Kind.RATING else "option"
    others = sorted(set(data) - {CSRF_FIELD, NEXT_FIELD, field})
    if others:
        raise ValidationError(
            _("This poll does not take %(fields)s; use the form below.")
            % {"fields": ", ".join(others)}
        )
    given = [value.strip() for value in data.getlist(field)]
    check = {
        Poll.Kind.SINGLE: _single,
        Poll.Kind.MULTIPLE: _multiple,
        Poll.Kind.RATING: _rating,
        Poll.Kind.RANKING: _ranking,
    }[Poll.Kind(ballot.kind)]
    return check(ballot, given)


def _options(ballot: Ballot, slugs: list[str]) -> tuple[Choice, ...]:
    choices = tuple(ballot.choice(slug) for slug in slugs)
    if None in choices:
        raise ValidationError(_("That is not an option of this poll; choose one below."))
    if len(set(slugs)) != len(slugs):
        raise ValidationError(_("Each option can be chosen only once."))
    return choices  # type: ignore[return-value]


def _single(ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
    given = [slug for slug in given if slug]
    if not given:
        raise ValidationError(_("Choose an option to vote for."))
    if len(given) > 1:
        raise ValidationError(_("Choose one option only."))
    return _options(ballot, given)


def _multiple(ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
    chosen = _options(ballot, [slug for slug in given if slug])
    least, most = ballot.choices_allowed()
    if len(chosen) < least:
        raise ValidationError(
            ngettext("Choose at least %(n)d option.", "Choose at least %(n)d options.", least)
            % {"n": least}
        )
    if len(chosen) > most:
        raise ValidationError(
            ngettext("Choose at most %(n)d option.", "Choose at most %(n)d options.", most)
            % {"n": most}
        )
    return chosen


def _rating(ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
    given = [score for score in given if score]
    if not given:
        raise ValidationError(_("Choose a score."))
    choice = ballot.choice(given[0]) if len(given) == 1 else None
    if choice is None:
        raise ValidationError(
            _("Choose one score from %(low)d to %(high)d.")
            % {"low": ballot.scale_min, "high": ballot.scale_max}
        )
    return (choice,)


def _ranking(ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
    while given and not given[-1]:
        given.pop()  # the selects left empty at the end
    if "" in given:
        raise ValidationError(_("Rank the options in order, without leaving a place empty."))
    _least, places = ballot.choices_allowed()
    if len(set(given)) != len(given):
        raise ValidationError(_("Each option can be ranked only once."))
    ranked = _options(ballot, given)
    if len(ranked) != places:
        raise ValidationError(
            ngettext("Rank %(n)d option.", "Rank %(n)d options, in order.", places) % {"n": places}
        )
    return ranked
