"""An event with its images as one file: `dumpevent --archive` then `loadevent` gives an
equal event; the YAML alone still makes a text-only one; an archive that is not one is
refused and makes nothing (events/files.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from events.models import Event
from events.services import event_create
from polls.models import Poll
from polls.pictures import picture_read, picture_store
from polls.services import poll_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def _picture(colour: tuple[int, int, int], size: tuple[int, int] = (900, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return picture_store(picture_read(io.BytesIO(out.getvalue())))


def _event_with_images() -> Event:
    cells = poll_create(question="Which cell is it?", slug="cells",
                        options=[("plant", "Plant"), ("animal", "Animal")])  # fmt: skip
    cells.image, cells.image_alt = _picture((30, 120, 40), (1600, 1200)), "A cell, drawn"
    cells.save()
    for option, colour in zip(cells.options.all(), [(0, 200, 0), (200, 0, 0)], strict=True):
        option.image, option.image_alt = _picture(colour), f"A {option.label.lower()} cell"
        option.save()
    words = poll_create(question="One word?", options=[], slug="words", kind="open")
    slide = poll_create(question="What we saw", options=[], slug="saw", kind="slide",
                        slide=("Cells make **energy**.", "Ask who knows.", True))  # fmt: skip
    slide.image, slide.image_alt = _picture((90, 90, 200), (1920, 1080)), "A summary drawn"
    slide.save()
    return event_create(title="Biology, week 3", polls=[cells, words, slide], slug="bio-3")


def _shape(event: Event) -> list[tuple]:
    """What an equal event has the same of: each question, option and image (its size
    and its description; written again on loading, its bytes may differ)."""
    rows = []
    for poll in event.polls():
        image = (poll.image.width, poll.image.height, poll.image_alt) if poll.image else None
        options = [(o.slug, o.label, (o.image.width, o.image.height, o.image_alt)
                    if o.image else None) for o in poll.options.all()]  # fmt: skip
        slide = (poll.body, poll.notes, poll.shown_on_phones)
        rows.append((poll.question, poll.kind, image, options, slide))
    return rows


def test_an_archive_carries_the_images_and_loads_an_equal_event(media, capsys):
    event = _event_with_images()
    archive = media / "bio.zip"

    call_command("dumpevent", "bio-3", "--archive", str(archive))
    names = sorted(zipfile.ZipFile(archive).namelist())
    assert names[0] == "event.yaml" and len(names) == 5  # the file and four images
    call_command("loadevent", str(archive))

    copy = Event.objects.exclude(pk=event.pk).get()
    assert copy.title == event.title and _shape(copy) == _shape(event)
    assert all(poll.image is None or poll.image.large.storage.exists(poll.image.large.name)
               for poll in copy.polls())  # fmt: skip


def test_the_yaml_alone_names_no_image_and_still_loads(media, capsys):
    _event_with_images()
    call_command("dumpevent", "bio-3")
    text = capsys.readouterr().out
    assert "image:" not in text
    (media / "bio.yaml").write_text(text)

    call_command("loadevent", str(media / "bio.yaml"))

    assert Poll.objects.filter(question="Which cell is it?", image__isnull=True).count() == 1


def test_an_archive_that_is_not_one_is_refused_and_makes_nothing(media):
    event = _event_with_images()
    good = media / "good.zip"
    call_command("dumpevent", "bio-3", "--archive", str(good))
    originals = zipfile.ZipFile(good)
    svg = media / "svg.zip"
    with zipfile.ZipFile(svg, "w") as bad:
        for name in originals.namelist():
            content = originals.read(name)
            if name.startswith("images/"):
                content = b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
            bad.writestr(name, content)
    empty = media / "empty.zip"
    with zipfile.ZipFile(empty, "w") as bad:
        bad.writestr("notes.txt", "nothing")

    for path, says in ((svg, "Upload a JPEG, PNG, WebP or GIF image."), (empty, "no event.yaml")):
        with pytest.raises(CommandError, match=says):
            call_command("loadevent", str(path))
    assert Event.objects.get() == event and Poll.objects.count() == 3
