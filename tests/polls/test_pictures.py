"""Images uploaded in the admin (polls/pictures.py): written again from their pixels alone,
turned as the camera meant, in two sizes under their content's hash; whatever is not a
JPEG, PNG, WebP or GIF, a bomb or a truncated file is refused on the form, and nothing
is stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from polls.models import Picture, Poll
from tests.support.admin_forms import add_form

pytestmark = pytest.mark.django_db

TWO = [("a", "A"), ("b", "B")]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _jpeg_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    """A camera's photograph: GPS position, camera model, and turned a quarter (the
    orientation tag 6: the pixels lie on their side)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that says it has width by height pixels: its header and a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _truncated_jpeg() -> bytes:
    image = Image.effect_noise((800, 600), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()[: len(out.getvalue()) // 2]


def _post(client: Client, name: str, content: bytes, **fields: str):
    form = add_form("Which cell?", "cell", TWO, image_alt="A plant cell", **fields)
    form["image_file"] = SimpleUploadedFile(name, content)
    return client.post("/admin/polls/poll/add/", form)


def test_a_photograph_comes_out_without_its_metadata_turned_and_in_two_sizes(
    admin_client, media, redis_db
):
    answer = _post(admin_client, "holiday.jpg", _jpeg_with_gps())

    assert answer.status_code == 302, answer.content.decode()
    picture = Poll.objects.get(slug="cell").image
    assert picture is not None and (picture.width, picture.height) == (1280, 1920)
    stored = sorted(str(p.relative_to(media)) for p in media.rglob("*.webp"))
    assert stored == [f"pictures/{picture.sha256[:2]}/{picture.sha256}-{side}.webp"
                      for side in (1920, 800)]  # fmt: skip
    for path in media.rglob("*.webp"):
        image = Image.open(path)
        assert image.format == "WEBP" and max(image.size) in (1920, 800)
        assert image.height > image.width  # the camera's quarter turn applied
        assert not image.getexif() and "icc_profile" not in image.info and "xmp" not in image.info
        assert b"Secret Camera" not in path.read_bytes() and b"GPS" not in path.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "Upload a JPEG, PNG, WebP or GIF image."),
        ("page.png", b"<!doctype html><script>alert(1)</script>",
         "Upload a JPEG, PNG, WebP or GIF image."),
        ("bomb.png", _png_header(20_000, 20_000), "Upload a JPEG, PNG, WebP or GIF image."),
        ("big.png", _png_header(9_000, 6_000), "too many pixels"),
        ("cut.jpg", _truncated_jpeg(), "damaged or incomplete"),
    ],
)  # fmt: skip
def test_what_is_not_a_whole_image_is_refused_on_the_form_and_nothing_stored(
    admin_client, media, redis_db, name, content, says
):
    answer = _post(admin_client, name, content)

    assert answer.status_code == 200
    assert says in answer.content.decode()
    assert not Poll.objects.exists() and not Picture.objects.exists()
    assert list(media.rglob("*")) == []


def test_an_image_needs_its_description_and_the_same_image_is_stored_once(
    admin_client, media, redis_db, settings
):
    photo = _jpeg_with_gps(600, 400)
    form = add_form("Which cell?", "cell", TWO)
    form["image_file"] = SimpleUploadedFile("cell.jpg", photo)
    answer = admin_client.post("/admin/polls/poll/add/", form)
    assert "Describe the image for people who cannot see it" in answer.content.decode()
    assert not Picture.objects.exists()

    assert _post(admin_client, "cell.jpg", photo).status_code == 302
    form = add_form("Which cell again?", "cell-2", TWO, image_alt="The same cell")
    form["image_file"] = SimpleUploadedFile("copy.jpg", photo)
    assert admin_client.post("/admin/polls/poll/add/", form).status_code == 302
    assert Picture.objects.count() == 1 and len(list(media.rglob("*.webp"))) == 2

    settings.VOTING_IMAGE_MAX_MB = 0
    form = add_form("Which cell, once more?", "cell-3", TWO, image_alt="The cell")
    form["image_file"] = SimpleUploadedFile("cell.jpg", photo)
    too_big = admin_client.post("/admin/polls/poll/add/", form)
    assert "larger than 0 MB" in too_big.content.decode()


def test_the_pictures_are_served_to_be_kept_and_nothing_else_is(admin_client, media, redis_db):
    _post(admin_client, "cell.jpg", _jpeg_with_gps(600, 400))
    picture = Picture.objects.get()

    served = Client().get(f"/media/{picture.small.name}")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served["X-Content-Type-Options"] == "nosniff"
    (media / "pictures" / "notes.txt").write_text("private")
    for name in ("pictures/notes.txt", "pictures/../../etc/passwd", "other/x.webp",
                 "pictures/none.webp"):  # fmt: skip
        assert Client().get(f"/media/{name}").status_code == 404


def test_the_chart_and_the_report_show_the_pictures(admin_client, media, redis_db):
    from events.services import event_create
    from polls.pictures import picture_read, picture_store

    assert _post(admin_client, "cell.jpg", _jpeg_with_gps(600, 400)).status_code == 302
    poll = Poll.objects.get(slug="cell")
    for option, colour in zip(poll.options.all(), ("red", "blue"), strict=True):
        out = io.BytesIO()
        Image.new("RGB", (300, 200), colour).save(out, "PNG")
        option.image = picture_store(picture_read(io.BytesIO(out.getvalue())))
        option.image_alt = f"A {colour} cell"
        option.save()
    event_create(title="Cells", polls=[poll], slug="cells")

    svg = admin_client.get("/polls/cell/results.svg").content.decode()
    report = admin_client.get("/events/cells/report/").content.decode()

    assert svg.count('<image href="/media/pictures/') == 2
    assert report.count('<image href="/media/pictures/') == 2
    assert 'class="report-figure"' in report and 'alt="A plant cell"' in report
