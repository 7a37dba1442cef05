from __future__ import annotations

from typing import Any

from django import forms

from polls.selectors import Ballot


class VoteForm(forms.Form):
    """The vote: one field, `option`, the slug of one of the poll's options."""

    option = forms.ChoiceField(
        error_messages={
            "required": "Choose an option to vote for.",
            "invalid_choice": "That is not an option of this poll; choose one below.",
        }
    )

    def __init__(self, *args: Any, ballot: Ballot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        field: forms.ChoiceField = self.fields["option"]  # type: ignore[assignment]
        field.choices = [(option.slug, option.label) for option in ballot.options]
