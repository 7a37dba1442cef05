"""Numbers in requests are ASCII digits: a superscript, circled or Arabic-Indic digit is
refused as any other text is, with a clear answer and no traceback (isdigit() is true of
them, and int() refuses "²")."""

from __future__ import annotations

import pytest
from django.test import Client

from events.services import event_create, event_move
from polls.services import poll_create
from voting_site.numbers import whole_number

pytestmark = pytest.mark.django_db

NOT_ASCII = ["²", "①", "١٢", "7²"]


@pytest.fixture
def quiz(redis_db):
    poll_create(question="Questions?", options=[], slug="qa", kind="questions")
    one = poll_create(question="One?", options=[("a", "A"), ("b", "B")], slug="one")
    return event_create(title="Quiz", polls=[one], slug="quiz", quiz=True)


def test_only_ascii_digits_make_a_number():
    assert [whole_number(text) for text in ("0", "42", "007")] == [0, 42, 7]
    assert [whole_number(text) for text in [*NOT_ASCII, "", "-1", " 1", "1" * 19]] == [None] * 8


@pytest.mark.parametrize("digits", NOT_ASCII)
def test_unicode_digits_get_a_clear_answer_everywhere(quiz, admin_client, digits):
    survey = event_create(
        title="Survey",
        polls=[poll_create(question="Two?", options=[("a", "A"), ("b", "B")], slug="two")],
        slug="survey",
        pace="audience",
    )
    event_move(event=quiz, action="next")
    phone = Client()
    phone.get("/polls/qa/")

    answers = {
        "survey page": phone.get(f"/events/{survey.slug}/?q={digits}").status_code,
        "upvote": phone.post("/polls/qa/", {"upvote": digits}).status_code,
        "leaderboard": admin_client.get(f"/api/events/quiz/leaderboard?limit={digits}").status_code,
        "clock": admin_client.post("/events/quiz/clock/", {"change": digits}).status_code,
        "control": admin_client.post(
            "/events/quiz/control/", {"action": "goto", "position": digits}
        ).status_code,
    }

    assert answers == {
        "survey page": 200,  # the first question, as for any other text
        "upvote": 400,
        "leaderboard": 400,
        "clock": 400,
        "control": 400,
    }
