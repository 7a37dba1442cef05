"""Events kept as files: `dumpevent` writes one, `loadevent` makes a new event from one.

A presenter keeps a session in a file, shares it, and runs it again next term. The
file (YAML, or JSON, which is YAML too) holds the questions and their settings,
never votes, codes or rounds; docs/event-example.yaml is one, and docs/guide.md says
each field. An event with images travels as an archive: a zip of its `event.yaml`,
whose questions and options name their images (`image: images/<hash>.webp`), and those
images; each is read and written again on loading, as an upload is.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from events.models import Event
from events.services import EventError, event_create, free_slug
from polls.kinds import kind_of
from polls.models import Option, Picture, Poll
from polls.pictures import PictureError, picture_read, picture_store
from polls.services import PollError, poll_create, slug_for

FORMAT = "live-voting/event/1"
ARCHIVE_EVENT = "event.yaml"
# An archive's event file and its images, each read only up to its limit: a zip that
# says its files are small and is lying is stopped there.
EVENT_FILE_MAX = 1024 * 1024
ARCHIVE_FILES_MAX = 1000


def event_dump(event: Event, images: dict[str, Picture] | None = None) -> dict[str, Any]:
    """The event and its questions as a file holds them; with `images` (an archive's),
    each image named and gathered there by its name in the archive."""
    return {
        "format": FORMAT,
        "title": event.title,
        "slug": event.slug,
        "pace": event.pace,
        "opens_questions": event.opens_questions,
        **({"mode": event.mode, "speed": event.speed} if event.is_quiz else {}),
        **(
            {
                "participation": event.participation,
                "participants_may_erase": event.participants_may_erase,
            }
            if event.identifies
            else {}
        ),
        **({"retention_days": event.retention_days} if event.retention_days else {}),
        "questions": [_question(poll, event.scores(poll), images) for poll in event.polls()],
    }


def _image(thing: Poll | Option, images: dict[str, Picture] | None) -> dict[str, Any]:
    if thing.image is None or images is None:
        return {}
    name = f"images/{thing.image.sha256}.webp"
    images[name] = thing.image
    return {"image": name, "image_alt": thing.image_alt}


def _question(poll: Poll, scored: bool, images: dict[str, Picture] | None) -> dict[str, Any]:
    question: dict[str, Any] = {"question": poll.question, "kind": poll.kind}
    question |= _image(poll, images)
    kind = kind_of(poll.kind)
    if kind.scaled:
        question["scale"] = [poll.scale_min, poll.scale_max]
        if poll.scale_min_label or poll.scale_max_label:
            question["scale_labels"] = [poll.scale_min_label, poll.scale_max_label]
    elif not kind.takes_votes:
        question["text"] = poll.body
        if poll.notes:
            question["notes"] = poll.notes
        question["phones"] = poll.shown_on_phones
        return question
    elif not kind.has_options:
        question["max_length"] = poll.max_length
        question["answers"] = poll.answers_per_voter
        question["moderation"] = poll.moderation
        question["mask_profanity"] = poll.masks_profanity
    else:
        question["options"] = [
            {"slug": option.slug, "label": option.label}
            | ({"correct": True} if option.correct else {})
            | _image(option, images)
            for option in poll.options.select_related("image")
        ]
    if kind.sets_least:
        question["min"] = poll.min_choices
    if kind.sets_most and poll.max_choices is not None:
        question["max"] = poll.max_choices
    if scored:
        question["seconds"] = poll.seconds
    question["results"] = poll.results_visibility
    question["final"] = not poll.voters_may_change
    if not poll.receipts:
        question["receipts"] = False
    question["invites"] = poll.requires_invite
    if poll.voters_per_address is not None:
        question["voters_per_address"] = poll.voters_per_address
    return question


def event_dumps(event: Event) -> str:
    """The event's file, as YAML."""
    return yaml.safe_dump(event_dump(event), allow_unicode=True, sort_keys=False)


def event_archive(event: Event) -> bytes:
    """The event's archive: its file and its images, zipped."""
    images: dict[str, Picture] = {}
    text = yaml.safe_dump(event_dump(event, images), allow_unicode=True, sort_keys=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ARCHIVE_EVENT, text)
        for name, picture in images.items():
            with picture.large.open("rb") as image:
                archive.writestr(name, image.read(), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def event_unarchive(content: bytes) -> Event:
    """A new event from an archive (see event_archive); EventError if it is not one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
        if len(names) > ARCHIVE_FILES_MAX or ARCHIVE_EVENT not in names:
            raise EventError(_("That archive holds no event.yaml: dumpevent --archive writes one."))
        text = _read(archive, ARCHIVE_EVENT, EVENT_FILE_MAX).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError):
        raise EventError(
            _("That archive is damaged: write it again with dumpevent --archive.")
        ) from None
    return event_loads(text, archive)


def _read(archive: zipfile.ZipFile, name: str, most: int) -> bytes:
    """A file of the archive, refused past `most` bytes whatever the archive says."""
    with archive.open(name) as opened:
        content = opened.read(most + 1)
    if len(content) > most:
        raise EventError(_("%(name)s in that archive is too large.") % {"name": name})
    return content


def event_loads(text: str, archive: zipfile.ZipFile | None = None) -> Event:
    """A new event from a file's text (new slugs where taken, new codes, no votes), its
    images from `archive`; EventError, saying where, for a file that is not one."""
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
        polls = [_poll(question, n, archive) for n, question in enumerate(questions, start=1)]
        wanted = slug_for(str(data.get("slug") or "")) or slug_for(title)
        return event_create(
            title=title,
            polls=polls,
            slug=free_slug(Event, wanted) if wanted else "",
            pace=str(data.get("pace", Event.Pace.PRESENTER)),
            opens_questions=bool(data.get("opens_questions", True)),
            quiz=data.get("mode") == Event.Mode.QUIZ,
            speed=bool(data.get("speed", True)),
            participation=str(data.get("participation", Event.Participation.ANONYMOUS)),
            participants_may_erase=bool(data.get("participants_may_erase", True)),
            retention_days=_days(data.get("retention_days")),
        )


def _days(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(_("“retention_days” is a whole number of days."))
    return value


def _poll(question: Any, n: int, archive: zipfile.ZipFile | None) -> Poll:
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
            receipts=bool(question.get("receipts", True)),
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
            slide=(
                str(question.get("text") or ""),
                str(question.get("notes") or ""),
                bool(question.get("phones", False)),
            ),
        )
        _images_load(poll, question, options, archive)
    except (PollError, PictureError, TypeError, ValueError, IndexError, KeyError) as error:
        raise EventError(f"{where}: {error}") from None
    return poll


def _images_load(poll: Poll, question: dict[str, Any], options: list[Any],
                 archive: zipfile.ZipFile | None) -> None:  # fmt: skip
    """The question's and its options' images, from the archive (a file alone has none:
    its image names are left aside)."""
    if archive is None:
        return
    found: list[tuple[Poll | Option, Any]] = [(poll, question)]
    found += zip(poll.options.order_by("position", "id"), options, strict=False)
    for thing, fields in found:
        name = fields.get("image") if isinstance(fields, dict) else None
        if not name:
            continue
        if str(name) not in archive.namelist():
            raise PictureError(_("the archive has no %(name)s.") % {"name": name})
        content = _read(archive, str(name), settings.VOTING_IMAGE_MAX_MB * 1024 * 1024)
        thing.image = picture_store(picture_read(io.BytesIO(content)))
        thing.image_alt = str(fields.get("image_alt") or "")[:250]
        thing.save(update_fields=["image", "image_alt"])
