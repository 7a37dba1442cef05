"""Events kept as files: `dumpevent` writes one, `loadevent` makes a new event from one.

A presenter keeps a session in a file, shares it, and runs it again next term. The
file (YAML, or JSON, which is YAML too) holds the questions and their settings,
never votes, codes or rounds; docs/event-example.yaml is one, and docs/guide.md says
each field.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from events.models import Event
from events.services import EventError, event_create, free_slug
from polls.kinds import kind_of
from polls.models import Poll
from polls.services import PollError, poll_create, slug_for

FORMAT = "live-voting/event/1"


def event_dump(event: Event) -> dict[str, Any]:
    """The event and its questions as a file holds them."""
    return {
        "format": FORMAT,
        "title": event.title,
        "slug": event.slug,
        "pace": event.pace,
        "opens_questions": event.opens_questions,
        **({"mode": event.mode, "speed": event.speed} if event.is_quiz else {}),
        "questions": [_question(poll, event.scores(poll)) for poll in event.polls()],
    }


def _question(poll: Poll, scored: bool) -> dict[str, Any]:
    question: dict[str, Any] = {"question": poll.question, "kind": poll.kind}
    kind = kind_of(poll.kind)
    if kind.scaled:
        question["scale"] = [poll.scale_min, poll.scale_max]
        if poll.scale_min_label or poll.scale_max_label:
            question["scale_labels"] = [poll.scale_min_label, poll.scale_max_label]
    elif not kind.has_options:
        question["max_length"] = poll.max_length
        question["answers"] = poll.answers_per_voter
        question["moderation"] = poll.moderation
        question["mask_profanity"] = poll.masks_profanity
    else:
        question["options"] = [
            {"slug": option.slug, "label": option.label}
            | ({"correct": True} if option.correct else {})
            for option in poll.options.all()
        ]
    if kind.sets_least:
        question["min"] = poll.min_choices
    if kind.sets_most and poll.max_choices is not None:
        question["max"] = poll.max_choices
    if scored:
        question["seconds"] = poll.seconds
    question["results"] = poll.results_visibility
    question["final"] = not poll.voters_may_change
    question["invites"] = poll.requires_invite
    if poll.voters_per_address is not None:
        question["voters_per_address"] = poll.voters_per_address
    return question


def event_dumps(event: Event) -> str:
    """The event's file, as YAML."""
    return yaml.safe_dump(event_dump(event), allow_unicode=True, sort_keys=False)


def event_loads(text: str) -> Event:
    """A new event from a file's text (new slugs where taken, new codes, no votes);
    EventError, saying where, for a file that is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise EventError(_("That file is not YAML or JSON: %(error)s") % {"error": error}) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EventError(
            _("That file is not an event's: it has no “format: %(format)s”.") % {"format": FORMAT}
        )
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise EventError(_("An event's file lists its questions under “questions”."))
    title = str(data.get("title") or "").strip()
    if not title:
        raise EventError(_("An event's file gives its title under “title”."))
    with transaction.atomic():
        polls = [_poll(question, n) for n, question in enumerate(questions, start=1)]
        wanted = slug_for(str(data.get("slug") or "")) or slug_for(title)
        return event_create(
            title=title,
            polls=polls,
            slug=free_slug(Event, wanted) if wanted else "",
            pace=str(data.get("pace", Event.Pace.PRESENTER)),
            opens_questions=bool(data.get("opens_questions", True)),
            quiz=data.get("mode") == Event.Mode.QUIZ,
            speed=bool(data.get("speed", True)),
        )


def _poll(question: Any, n: int) -> Poll:
    where = _("Question %(n)d") % {"n": n}
    if not isinstance(question, dict):
        raise EventError(f"{where}: " + _("a question is a mapping of its fields."))
    text = str(question.get("question") or "").strip()
    options = question.get("options") or []
    try:
        if not isinstance(options, list):
            raise PollError(_("“options” is a list."))
        pairs = [
            (str(o.get("slug") or ""), str(o.get("label") or ""))
            if isinstance(o, dict)
            else ("", str(o))
            for o in options
        ]
        correct = [
            slug or slug_for(label)
            for (slug, label), o in zip(pairs, options, strict=True)
            if isinstance(o, dict) and o.get("correct") is True
        ]
        scale = question.get("scale", [1, 5])
        labels = question.get("scale_labels", ["", ""])
        poll = poll_create(
            question=text,
            options=pairs,
            slug=free_slug(Poll, slug_for(text)) if slug_for(text) else "",
            kind=str(question.get("kind", Poll.Kind.SINGLE)),
            min_choices=int(question.get("min", 1)),
            max_choices=int(question["max"]) if question.get("max") is not None else None,
            scale=(int(scale[0]), int(scale[1])),
            scale_labels=(str(labels[0] or ""), str(labels[1] or "")),
            voters_may_change=not question.get("final", False),
            results_visibility=str(question.get("results", Poll.Visibility.ALWAYS)),
            requires_invite=bool(question.get("invites", False)),
            voters_per_address=(
                int(question["voters_per_address"])
                if question.get("voters_per_address") is not None
                else None
            ),
            max_length=int(question.get("max_length", 100)),
            answers_per_voter=int(question.get("answers", 1)),
            moderation=str(question.get("moderation", Poll.Moderation.NONE)),
            masks_profanity=bool(question.get("mask_profanity", True)),
            correct=correct,
            seconds=int(question.get("seconds", 20)),
        )
    except (PollError, TypeError, ValueError, IndexError, KeyError) as error:
        raise EventError(f"{where}: {error}") from None
    return poll
