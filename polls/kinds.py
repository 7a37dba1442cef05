"""Question kinds: each is one class that says everything its kind does differently.

- what an organiser sets (`has_options`, `scaled`, `takes_text`, `takes_questions`,
  `sets_least`, `sets_most`, `marks_correct`, `choices_problem`), in the admin,
  `createpoll` and the event file alike;
- how its vote form is read and checked (`field`, `clean` or `answers`,
  `choices_allowed`, `instructions`, `one_tap`), by the vote page and the fast vote
  path alike;
- which casts the worker counts (`accepts`) and what a counted cast adds to each
  option's tally (`points`), one rule for the ingest, the recount and the tests;
- how its results read (`figures`, `ordered_for_reading`, `summary`, `figure`), on
  pages, in the JSON and in charts.

Its vote form is the template `polls/_cast_<value>.html`. The ingest, the recount, the
admin and the results pages ask the kind and never name one, so adding a kind is a class
here, its `Poll.Kind` value and its templates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from polls.models import QUESTION_NAME_MAX_LENGTH, Poll
from polls.profanity import profanity_masked
from polls.text import text_cleaned
from voting_site.numbers import whole_number

if TYPE_CHECKING:
    from polls.selectors import Ballot, Choice


class QuestionKind:
    """A kind whose voters choose among the poll's options; the others refine it."""

    value: ClassVar[str]
    # The vote form's field: one value per chosen option, in order.
    field: ClassVar[str] = "option"
    # Whether the order of a cast's options matters (a refused form keeps its gaps).
    ordered: ClassVar[bool] = False
    # Whether a vote is one tap, so that a refused form has no choices to show again.
    one_tap: ClassVar[bool] = False
    # Whether its options are the scores of the poll's scale, made for it, rather than
    # options the organiser writes.
    scaled: ClassVar[bool] = False
    # Whether the organiser sets how many options a cast holds, at least and at most.
    sets_least: ClassVar[bool] = False
    sets_most: ClassVar[bool] = False
    # Whether its voters type answers (`answers` reads them) rather than choose options
    # (`clean`): it has no options, and its results are the answers and their terms.
    takes_text: ClassVar[bool] = False
    # Whether it is a Q&A: its audience asks questions and upvotes them (`ask` and
    # `upvote` read the form), and its results are the questions.
    takes_questions: ClassVar[bool] = False
    # Whether its options can be right answers, marked on the results once voting closes.
    marks_correct: ClassVar[bool] = False
    # Whether it takes anything from the audience: a slide is only shown.
    takes_votes: ClassVar[bool] = True

    @property
    def has_options(self) -> bool:
        """Whether the organiser writes options, or a rating's scale makes them."""
        return self.takes_votes and not (self.takes_text or self.takes_questions)

    @property
    def has_log(self) -> bool:
        """Whether its casts make a published log once it closes (tally/audit.py): every
        kind that takes votes but a Q&A, whose questions and upvotes are not casts."""
        return self.takes_votes and not self.takes_questions

    # --- What the organiser sets --------------------------------------------------

    def choices_problem(self, least: int, most: int | None, options: int) -> str | None:
        """What is wrong with asking for from `least` to `most` of `options` options, if
        anything (`createpoll`'s check, the admin's and the event file's)."""
        return None

    # --- The vote form ------------------------------------------------------------

    def choices_allowed(self, ballot: Ballot) -> tuple[int, int]:
        """How many options a cast holds, at least and at most."""
        return 1, 1

    def instructions(self, ballot: Ballot) -> str:
        return _("Tap an option to vote.")

    def clean(self, ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
        """The options the form's values choose, in order; ValidationError, with the
        page's message, if they break a rule of the poll."""
        given = [slug for slug in given if slug]
        if not given:
            raise ValidationError(_("Choose an option to vote for."))
        if len(given) > 1:
            raise ValidationError(_("Choose one option only."))
        return options_chosen(ballot, given)

    def answers(self, ballot: Ballot, given: list[str]) -> tuple[str, ...]:
        """The answers the form's values give, for a kind that `takes_text`."""
        raise ValidationError(_("This poll takes options, not answers."))

    def ask(self, ballot: Ballot, text: str, name: str) -> tuple[str, str]:
        """A question asked, for a kind that `takes_questions`."""
        raise ValidationError(_("This poll takes votes, not questions."))

    def upvote(self, given: str) -> int:
        """The question an upvote is for, for a kind that `takes_questions`."""
        raise ValidationError(_("This poll takes votes, not questions."))

    # --- Counting -----------------------------------------------------------------

    def accepts(self, choices: Sequence[int], options: Collection[int]) -> bool:
        """Whether the worker counts a cast: options of the poll, each once. The form
        checked the rest when the vote was taken; the poll may have changed since."""
        return (
            len(choices) >= 1
            and len(set(choices)) == len(choices)
            and all(option in options for option in choices)
        )

    def points(self, choices: Sequence[int], options: int) -> Iterator[tuple[int, int]]:
        """What a cast adds to each chosen option's tally, of a poll of `options` options:
        one each."""
        for option in choices:
            yield option, 1

    # --- Results ------------------------------------------------------------------

    def ordered_for_reading(self, options: list[Any]) -> list[Any]:
        """A round's options in the order a chart lists them: the poll's."""
        return options

    def charted(self, results: Mapping[str, Any]) -> list[Any]:
        """The rows a server-drawn chart has, each with a `label`, `votes` and `percent`
        (the bar's share): the options, in the order for reading."""
        return self.ordered_for_reading(list(results["options"]))

    def summary(self, results: Mapping[str, Any]) -> str | None:
        """A figure of the whole round a chart gives after its voters, if any."""
        return None

    def figures(self, figures: dict[str, Any], voters: int) -> None:
        """Complete a round's figures (options with their tallies, `total`, `voters`):
        each option's share of the voters."""
        for option in figures["options"]:
            option["percent"] = percent(option["votes"], voters)

    def figure(self, option: Mapping[str, Any]) -> str:
        """An option's figure as a chart prints it."""
        share = number_format(option.get("percent") or 0, decimal_pos=1)
        return f"{option.get('votes', 0)} · {share}%"


class Single(QuestionKind):
    value = Poll.Kind.SINGLE
    one_tap = True
    marks_correct = True


class Multiple(QuestionKind):
    value = Poll.Kind.MULTIPLE
    sets_least = sets_most = True
    marks_correct = True

    def choices_problem(self, least: int, most: int | None, options: int) -> str | None:
        if 1 <= least <= (most or options) <= options:
            return None
        return _(
            "Choose at least 1 and at most %(n)d options, the least no more than the most."
        ) % {"n": options}

    def choices_allowed(self, ballot: Ballot) -> tuple[int, int]:
        most = most_chosen(ballot)
        return min(ballot.min_choices, most), most

    def instructions(self, ballot: Ballot) -> str:
        least, most = self.choices_allowed(ballot)
        if least == most:
            return ngettext("Choose %(n)d option.", "Choose %(n)d options.", most) % {"n": most}
        return _("Choose from %(least)d to %(most)d options.") % {"least": least, "most": most}

    def clean(self, ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
        chosen = options_chosen(ballot, [slug for slug in given if slug])
        least, most = self.choices_allowed(ballot)
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


class Rating(QuestionKind):
    """A score on a scale: each score is an option, whose slug is the score."""

    value = Poll.Kind.RATING
    field = "score"
    scaled = True

    def instructions(self, ballot: Ballot) -> str:
        return _("Choose a score from %(low)d to %(high)d.") % {
            "low": ballot.scale_min,
            "high": ballot.scale_max,
        }

    def clean(self, ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
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

    def figures(self, figures: dict[str, Any], voters: int) -> None:
        super().figures(figures, voters)
        scores = {option["slug"]: option["votes"] for option in figures["options"]}
        total = figures["total"]
        figures["distribution"] = scores
        figures["count"] = total
        figures["average"] = (
            round(sum(int(score) * n for score, n in scores.items()) / total, 2) if total else None
        )

    def summary(self, results: Mapping[str, Any]) -> str | None:
        average = results.get("average")
        if average is None:
            return None
        return _("Average: %(average)s") % {"average": number_format(average, decimal_pos=1)}

    def figure(self, option: Mapping[str, Any]) -> str:
        return str(option.get("votes", 0))


class Ranking(QuestionKind):
    """Options in order of preference, counted by Borda: of a poll of n options, the
    option ranked k-th earns n - k points."""

    value = Poll.Kind.RANKING
    ordered = True
    sets_most = True

    def choices_problem(self, least: int, most: int | None, options: int) -> str | None:
        if most is None or 2 <= most <= options:
            return None
        return _("A ranking ranks from 2 to %(n)d options (--max).") % {"n": options}

    def choices_allowed(self, ballot: Ballot) -> tuple[int, int]:
        most = most_chosen(ballot)
        return most, most

    def instructions(self, ballot: Ballot) -> str:
        _least, most = self.choices_allowed(ballot)
        return ngettext(
            "Put your favourite first.",
            "Rank %(n)d options: your favourite first.",
            most,
        ) % {"n": most}

    def clean(self, ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
        while given and not given[-1]:
            given.pop()  # the selects left empty at the end
        if "" in given:
            raise ValidationError(_("Rank the options in order, without leaving a place empty."))
        _least, places = self.choices_allowed(ballot)
        if len(set(given)) != len(given):
            raise ValidationError(_("Each option can be ranked only once."))
        ranked = options_chosen(ballot, given)
        if len(ranked) != places:
            raise ValidationError(
                ngettext("Rank %(n)d option.", "Rank %(n)d options, in order.", places)
                % {"n": places}
            )
        return ranked

    def points(self, choices: Sequence[int], options: int) -> Iterator[tuple[int, int]]:
        for place, option in enumerate(choices, start=1):
            yield option, options - place

    def figures(self, figures: dict[str, Any], voters: int) -> None:
        points = [option["votes"] for option in figures["options"]]
        for option in figures["options"]:  # ties share a place: 1, 1, 3
            option["points"] = option["votes"]
            option["position"] = 1 + sum(1 for other in points if other > option["votes"])
            option["percent"] = percent(option["votes"], figures["total"])

    def ordered_for_reading(self, options: list[Any]) -> list[Any]:
        """The best ranked first."""
        return sorted(options, key=lambda option: option.get("position", 0))

    def figure(self, option: Mapping[str, Any]) -> str:
        points = option.get("points", 0)
        return ngettext("%(n)s point", "%(n)s points", points) % {"n": points}


class Open(QuestionKind):
    """Open answers: each voter types up to the poll's number of answers, which the word
    cloud counts by their terms (polls/text.py)."""

    value = Poll.Kind.OPEN
    field = "answer"
    takes_text = True

    def choices_allowed(self, ballot: Ballot) -> tuple[int, int]:
        return 1, ballot.answers_per_voter

    def instructions(self, ballot: Ballot) -> str:
        return ngettext(
            "Type your answer, up to %(length)d characters.",
            "Type up to %(n)d answers, each up to %(length)d characters.",
            ballot.answers_per_voter,
        ) % {"n": ballot.answers_per_voter, "length": ballot.max_length}

    def answers(self, ballot: Ballot, given: list[str]) -> tuple[str, ...]:
        """The answers the form's values give, cleaned (polls/text.py) and, if the poll
        says so, with profanity masked; ValidationError, with the page's message, if
        they break a rule of the poll."""
        answers = [answer for answer in map(text_cleaned, given) if answer]
        if not answers:
            raise ValidationError(_("Type an answer first."))
        most = ballot.answers_per_voter
        if len(answers) > most:
            raise ValidationError(
                ngettext(
                    "This poll takes %(n)d answer from each voter.",
                    "This poll takes up to %(n)d answers from each voter.",
                    most,
                )
                % {"n": most}
            )
        longest = max(len(answer) for answer in answers)
        if longest > ballot.max_length:
            raise ValidationError(
                _("An answer here has up to %(most)d characters; yours has %(n)d. Shorten it.")
                % {"most": ballot.max_length, "n": longest}
            )
        if ballot.masks_profanity:
            # A mask may be longer than the word it hides: still no longer than the poll's.
            answers = [profanity_masked(answer)[: ballot.max_length] for answer in answers]
        return tuple(answers)

    def accepts(self, choices: Sequence[int], options: Collection[int]) -> bool:
        """An open poll counts answers: a cast of options is not for it."""
        return not choices

    def charted(self, results: Mapping[str, Any]) -> list[Any]:
        """The most given terms, each with its share of the voters."""
        voters = results.get("voters") or 0
        return [
            {
                "label": term["term"],
                "votes": term["count"],
                "percent": percent(term["count"], voters),
            }
            for term in results.get("terms", [])[:CHART_ROWS]
        ]

    def points(self, choices: Sequence[int], options: int) -> Iterator[tuple[int, int]]:
        return iter(())


class Questions(QuestionKind):
    """A Q&A: the audience asks questions (field `question`, with an optional `name`) and
    upvotes them (`upvote`, or `unvote` to take one back, each a question's id)."""

    value = Poll.Kind.QUESTIONS
    field = "question"
    takes_questions = True

    def instructions(self, ballot: Ballot) -> str:
        return _(
            "Ask a question, up to %(length)d characters, or upvote the ones you want answered."
        ) % {"length": ballot.max_length}

    def ask(self, ballot: Ballot, text: str, name: str) -> tuple[str, str]:
        """The question and the asker's name (or ""), cleaned (polls/text.py) and, if the
        poll says so, with profanity masked; ValidationError, with the page's message,
        if they break a rule of the poll."""
        text, name = text_cleaned(text), text_cleaned(name)
        if not text:
            raise ValidationError(_("Type your question first."))
        if len(text) > ballot.max_length:
            raise ValidationError(
                _("A question here has up to %(most)d characters; yours has %(n)d. Shorten it.")
                % {"most": ballot.max_length, "n": len(text)}
            )
        if len(name) > QUESTION_NAME_MAX_LENGTH:
            raise ValidationError(
                _("A name has up to %(most)d characters.") % {"most": QUESTION_NAME_MAX_LENGTH}
            )
        if ballot.masks_profanity:
            text = profanity_masked(text)[: ballot.max_length]
            name = profanity_masked(name)[:QUESTION_NAME_MAX_LENGTH]
        return text, name

    def upvote(self, given: str) -> int:
        """The question an upvote (or its withdrawal) is for; ValidationError unless it
        can be one's id (the worker drops an id of no question of the poll)."""
        question = whole_number(given)
        if not question:
            raise ValidationError(_("That is not a question of this poll."))
        return question

    def accepts(self, choices: Sequence[int], options: Collection[int]) -> bool:
        """A Q&A counts no casts: its entries are questions and upvotes."""
        return False

    def charted(self, results: Mapping[str, Any]) -> list[Any]:
        """The top questions, each bar as long as its upvotes are of the most upvoted's."""
        questions = results.get("questions", [])[:CHART_ROWS]
        most = max((question["upvotes"] for question in questions), default=0)
        return [
            {
                "label": Truncator(question["text"]).chars(CHART_LABEL_LENGTH),
                "votes": question["upvotes"],
                "percent": percent(question["upvotes"], most),
            }
            for question in questions
        ]

    def figure(self, option: Mapping[str, Any]) -> str:
        upvotes = option.get("votes", 0)
        return ngettext("%(n)s upvote", "%(n)s upvotes", upvotes) % {"n": upvotes}


class Slide(QuestionKind):
    """A content slide: a title (the poll's question), a text, an image, speaker notes. It
    takes no votes; in an event it steps with next and previous as questions do."""

    value = Poll.Kind.SLIDE
    takes_votes = False

    def instructions(self, ballot: Ballot) -> str:
        return _("Look at the screen.")

    def clean(self, ballot: Ballot, given: list[str]) -> tuple[Choice, ...]:
        raise ValidationError(_("This is a slide: there is nothing to vote on."))

    def answers(self, ballot: Ballot, given: list[str]) -> tuple[str, ...]:
        raise ValidationError(_("This is a slide: there is nothing to vote on."))

    def accepts(self, choices: Sequence[int], options: Collection[int]) -> bool:
        return False

    def charted(self, results: Mapping[str, Any]) -> list[Any]:
        return []


# A chart of typed entries shows this many rows, each label cut to this length.
CHART_ROWS = 10
CHART_LABEL_LENGTH = 60


KINDS: dict[str, QuestionKind] = {
    kind.value: kind
    for kind in (Single(), Multiple(), Rating(), Ranking(), Open(), Questions(), Slide())
}


def kind_of(value: str) -> QuestionKind:
    """The kind of a poll, given its `kind` field."""
    return KINDS[value]


def most_chosen(ballot: Ballot) -> int:
    """The most options a cast may hold: the poll's "at most", or all of its options."""
    return min(ballot.max_choices or len(ballot.options), len(ballot.options))


def options_chosen(ballot: Ballot, slugs: list[str]) -> tuple[Choice, ...]:
    """The ballot's options of these slugs, each once; ValidationError otherwise."""
    choices = tuple(ballot.choice(slug) for slug in slugs)
    if None in choices:
        raise ValidationError(_("That is not an option of this poll; choose one below."))
    if len(set(slugs)) != len(slugs):
        raise ValidationError(_("Each option can be chosen only once."))
    return choices  # type: ignore[return-value]


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
