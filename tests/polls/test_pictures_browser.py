"""A question with an image and four image options, built in the admin and met where
people meet it, in Chromium against a real web process and worker: the phone (390x844)
shows the pictures as tiles and votes by tapping one; the projector shows them at
1920x1080 and 1280x720 without anything overflowing; the results page shows them."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, FilePayload, Page, expect

from polls.models import Poll
from tests.support.browser import LIVE, PHONE, SCREENSHOTS, in_thread, sign_in
from tests.support.processes import rq_worker

CELLS = [("Nucleus", (200, 60, 60)), ("Mitochondrion", (60, 140, 60)),
         ("Chloroplast", (40, 160, 90)), ("Vacuole", (60, 90, 200))]  # fmt: skip


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (1200, 900)) -> bytes:
    image = Image.new("RGB", size, (245, 245, 240))
    ImageDraw.Draw(image).ellipse((size[0] // 6, size[1] // 6, size[0] * 5 // 6,
                                   size[1] * 5 // 6), fill=colour)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _file(name: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/png", "buffer": content}


def _nothing_overflows(page: Page) -> None:
    """No scrolling sideways, and every image shown inside the window and drawn."""
    page.wait_for_function(  # a loaded machine may still be fetching one
        "() => [...document.querySelectorAll('main img')].filter(i => i.checkVisibility())"
        ".every(i => i.complete)",
        timeout=LIVE,
    )
    sizes = page.evaluate(
        """() => ({
            wide: document.scrollingElement.scrollWidth, window: window.innerWidth,
            images: [...document.querySelectorAll("main img:not(.join-qr)")]
                .filter(i => i.checkVisibility()).map(i => ({
                right: i.getBoundingClientRect().right, drawn: i.complete && i.naturalWidth > 0,
            })),
        })"""
    )
    assert sizes["wide"] <= sizes["window"], sizes
    assert sizes["images"] and all(i["drawn"] for i in sizes["images"]), sizes
    assert all(i["right"] <= sizes["window"] + 0.5 for i in sizes["images"]), sizes


@pytest.fixture
def teacher(db) -> User:
    return User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")


@pytest.mark.django_db(transaction=True)  # the processes must see the user and the poll
def test_an_image_question_with_image_options_from_the_admin_to_phone_and_projector(
    site_url, teacher, redis_db, chromium: Browser
):
    admin = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(admin, site_url, username="teacher", password="a long pass phrase", then="/admin/")
    admin.goto(f"{site_url}/admin/polls/poll/add/")
    admin.fill("#id_question", r"Which part turns $C_6H_{12}O_6$ into energy?")
    admin.set_input_files("#id_image_file", _file("cell.png", _png((120, 90, 160), (1600, 1000))))
    admin.fill("#id_image_alt", "A plant cell with its parts drawn")
    for _ in range(2):
        admin.locator("#options-group .add-row a").click()
    for row, (label, colour) in enumerate(CELLS):
        admin.fill(f"#id_options-{row}-label", label)
        admin.fill(f"#id_options-{row}-position", str(row))
        admin.set_input_files(f"#id_options-{row}-image_file", _file(f"{label}.png", _png(colour)))
        admin.fill(f"#id_options-{row}-image_alt", f"The {label.lower()}, drawn")
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
    poll = in_thread(lambda: Poll.objects.get())
    slug = poll.slug

    with rq_worker():
        phone = chromium.new_context(**PHONE).new_page()
        phone.goto(f"{site_url}/polls/{slug}/")
        expect(phone.locator(".question-image img")).to_have_attribute(
            "alt", "A plant cell with its parts drawn"
        )
        expect(phone.locator(".vote-form.pictured button.option img")).to_have_count(4)
        _nothing_overflows(phone)
        phone.screenshot(path=SCREENSHOTS / "image-options-phone.png", full_page=True)
        narrow = chromium.new_page(viewport={"width": 320, "height": 640}, is_mobile=True)
        narrow.goto(f"{site_url}/polls/{slug}/")  # the narrowest phone
        _nothing_overflows(narrow)
        phone.get_by_role("img", name="The mitochondrion, drawn").click()  # the tile is the button
        expect(phone.locator(".your-vote")).to_contain_text("Mitochondrion")

        for width, height in ((1920, 1080), (1280, 720)):
            projector = chromium.new_page(viewport={"width": width, "height": height})
            sign_in(projector, site_url, username="teacher", password="a long pass phrase",
                    then=f"/polls/{slug}/present/")  # fmt: skip
            expect(projector.locator(".present-figure img")).to_be_visible()
            expect(projector.locator('[data-option="mitochondrion"] [data-votes]')).to_have_text(
                "1", timeout=LIVE
            )
            _nothing_overflows(projector)
            overflow = projector.evaluate(
                "() => document.scrollingElement.scrollHeight - window.innerHeight"
            )
            assert overflow <= 0, (width, height, overflow)
            projector.screenshot(path=SCREENSHOTS / f"image-question-projector-{width}.png")

        results = chromium.new_page(viewport={"width": 1280, "height": 900})
        results.goto(f"{site_url}/polls/{slug}/results/")
        expect(results.locator(".question-image img")).to_be_visible()
        expect(results.locator(".bar-name .option-image")).to_have_count(4)
        _nothing_overflows(results)
