"""Quizzes on the real PostgreSQL and Redis: the clock kept on Redis's, points for speed
and without, nicknames, standings, the leaderboard and a player's own score, the finish
of a question, the recount, the commands and the exports."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from events import services
from events.exports import quiz_players_rows, quiz_questions_rows
from events.models import Event, Player
from events.selectors import standings
from events.services import (
    EventError,
    PlayerError,
    event_clock,
    event_create,
    event_move,
    player_join,
    player_remove,
)
from polls.countdown import LEAST_POINTS, MOST_POINTS, Scoring, deadline_key, redis_now_ms
from polls.exports import csv_lines
from polls.models import Countdown, Poll, Vote
from polls.services import poll_create
from polls.stream import VOTE_STREAM
from tally.ingest import votes_ingest
from tally.recount import tallies_rebuild

pytestmark = pytest.mark.django_db

ABC = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie")]


@pytest.fixture
def quiz(redis_db) -> Event:
    """A quiz of two questions, in its lobby: one right answer (b), then two (a and c)."""
    polls = [
        poll_create(question="One?", options=ABC, slug="one", correct=["b"]),
        poll_create(
            question="Two?", options=ABC, slug="two", kind="multiple", max_choices=3,
            correct=["a", "c"],
        ),
    ]  # fmt: skip
    return event_create(title="Friday quiz", polls=polls, slug="friday", quiz=True, seconds=30)


def player(event: Event, nickname: str) -> tuple[Client, str]:
    """A phone that has opened the quiz's page and joined it: its client and voter key."""
    phone = Client()
    assert phone.get("/events/friday/").status_code == 200
    answer = phone.post("/events/friday/", {"nickname": nickname})
    assert answer.status_code == 303, answer.content
    return phone, Player.objects.get(event=event, nickname=nickname).voter


def answer(phone: Client, poll: str, *options: str) -> int:
    data = {"option": list(options), "next": "/events/friday/"}
    return phone.post(f"/polls/{poll}/", data).status_code


def test_a_quiz_question_starts_its_clock_on_redis_when_shown(quiz):
    before = redis_now_ms()
    event_move(event=quiz, action="next")

    poll = Poll.objects.get(slug="one")
    countdown = Countdown.objects.get(poll=poll, round=1)
    assert before <= countdown.opened_ms <= redis_now_ms()
    assert countdown.deadline_ms == countdown.opened_ms + 30_000
    assert countdown.seconds == 30 and countdown.speed
    # Its results wait for its time, and the rule the presenter chose is kept for after.
    assert poll.is_open and poll.results_shown is False
    assert poll.results_visibility == Poll.Visibility.ALWAYS
    phone, _voter = player(quiz, "Ada")
    page = phone.get("/events/friday/").content.decode()
    state = json.loads(page.split('id="quiz-clock" type="application/json">')[1].split("<")[0])
    assert state["running"] and 28_000 < state["remaining_ms"] <= 30_000
    assert state["seconds_left"] in (29, 30)


def test_questions_without_a_right_answer_sit_between_a_quizs_untimed_and_as_set(redis_db):
    """A quiz question between an opinion and a word cloud: one event, one code. Only the
    question with a right answer is timed and scored; the others keep every setting the
    presenter chose and are asked as in any event (anyone on the page may answer)."""
    opinion = poll_create(question="Ready?", options=ABC, slug="ready", results_visibility="voted")
    scored = poll_create(question="One?", options=ABC, slug="one", correct=["b"])
    cloud = poll_create(question="In a word?", options=[], slug="cloud", kind="open")
    event = event_create(title="Mixed", polls=[opinion, scored, cloud], slug="friday", quiz=True)
    opinion.refresh_from_db()
    cloud.refresh_from_db()
    assert (opinion.is_open, opinion.results_visibility, opinion.results_shown) == (
        True, "voted", None)  # fmt: skip
    assert (cloud.is_open, cloud.results_visibility, cloud.results_shown) == (True, "always", None)
    assert not Poll.objects.get(slug="one").is_open  # closed until it is asked

    event_move(event=event, action="next")  # the opinion: no clock, no points
    assert not Countdown.objects.filter(poll=opinion).exists()
    phone, _voter = player(event, "Ada")
    page = phone.get("/events/friday/").content.decode()
    clock = page.split('id="quiz-clock" type="application/json">')[1].split("<")[0]
    assert json.loads(clock) is None
    assert answer(phone, "ready", "a") == 303
    with pytest.raises(EventError, match="no clock"):
        event_clock(event=event, change=10)

    event_move(event=event, action="next")  # the quiz's question: timed
    assert Countdown.objects.filter(poll=scored).exists()
    event_move(event=event, action="next")  # the word cloud: open, untimed
    assert not Countdown.objects.filter(poll=cloud).exists()
    assert Poll.objects.get(slug="cloud").is_open

    out = io.StringIO()
    call_command("dumpevent", "friday", stdout=out)
    questions = yaml.safe_load(out.getvalue())["questions"]
    assert [q["results"] for q in questions] == ["voted", "always", "always"]
    assert ["seconds" in q for q in questions] == [False, True, False]
    votes_ingest(consumer="test")
    rows = list(csv.reader(io.StringIO("".join(csv_lines(quiz_questions_rows(event))))))
    assert rows[1][2:] == ["1", "", ""]  # the opinion: answered, and no right or wrong


def test_a_vote_after_the_deadline_is_refused_and_nothing_is_queued(quiz, redis_db):
    phone, _voter = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    poll = Poll.objects.get(slug="one")
    # The deadline as Redis holds it, a moment ago: the poll is still open in PostgreSQL.
    redis_db.set(deadline_key(poll.pk, 1), redis_now_ms() - 1)

    refused = phone.post("/polls/one/", {"option": "b"})

    assert refused.status_code == 409
    assert "Time is up" in refused.content.decode()
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_points_fall_from_1000_to_500_over_the_time_limit():
    scoring = Scoring(correct=frozenset({1}), opened_ms=1_000_000, seconds=20, speed=True)

    def at(ms: int) -> int:
        return (1_000_000 + ms) << 20  # a stream order at that many ms after the opening

    assert scoring.points((1,), at(0)) == MOST_POINTS
    assert scoring.points((1,), at(10_000)) == 750
    assert scoring.points((1,), at(20_000)) == LEAST_POINTS
    assert scoring.points((1,), at(25_000)) == LEAST_POINTS  # added time: still 500
    assert scoring.points((2,), at(0)) == 0
    slow = Scoring(correct=frozenset({1}), opened_ms=1_000_000, seconds=20, speed=False)
    assert slow.points((1,), at(19_999)) == MOST_POINTS


def test_a_multiple_choice_question_is_right_only_with_exactly_the_right_options():
    scoring = Scoring(correct=frozenset({1, 3}), opened_ms=0, seconds=0, speed=True)

    assert scoring.points((3, 1), 0) == MOST_POINTS
    assert scoring.points((1,), 0) == 0
    assert scoring.points((1, 2, 3), 0) == 0


def test_the_worker_scores_each_vote_by_redis_timestamps(quiz):
    ada, ada_key = player(quiz, "Ada")
    bob, bob_key = player(quiz, "Bob")
    cy, cy_key = player(quiz, "Cy")
    event_move(event=quiz, action="next")
    assert answer(ada, "one", "b") == 303
    assert answer(bob, "one", "a") == 303
    assert answer(cy, "one", "a") == 303
    assert answer(cy, "one", "b") == 303  # changed before the deadline: the last counts
    votes_ingest(consumer="test")

    points = dict(Vote.objects.values_list("voter", "points"))
    assert 990 <= points[ada_key] <= MOST_POINTS  # answered within a few ms of the opening
    assert points[bob_key] == 0
    assert 990 <= points[cy_key] <= points[ada_key]


def test_without_speed_every_right_answer_earns_1000(redis_db):
    poll = poll_create(question="One?", options=ABC, slug="one", correct=["b"])
    event = event_create(title="Fair", polls=[poll], slug="friday", quiz=True, speed=False)
    ada, ada_key = player(event, "Ada")
    event_move(event=event, action="next")
    answer(ada, "one", "b")
    votes_ingest(consumer="test")

    assert Vote.objects.get(voter=ada_key).points == MOST_POINTS


def test_the_multiple_choice_question_scores_exact_answers_only(quiz):
    ada, ada_key = player(quiz, "Ada")
    bob, bob_key = player(quiz, "Bob")
    event_move(event=quiz, action="goto", position=2)
    answer(ada, "two", "a", "c")
    answer(bob, "two", "a")
    votes_ingest(consumer="test")

    points = dict(Vote.objects.values_list("voter", "points"))
    assert points[ada_key] > 0 and points[bob_key] == 0


def test_a_nickname_is_short_clean_and_unique_in_the_event(quiz):
    player_join(event=quiz, voter="v1", nickname="  Ada  ")
    with pytest.raises(PlayerError, match="taken"):
        player_join(event=quiz, voter="v2", nickname="ADA")
    with pytest.raises(PlayerError, match="at most 20"):
        player_join(event=quiz, voter="v2", nickname="x" * 21)
    with pytest.raises(PlayerError, match="not for a room"):
        player_join(event=quiz, voter="v2", nickname="shit happens")
    with pytest.raises(PlayerError, match="Choose a nickname"):
        player_join(event=quiz, voter="v2", nickname="\u202e ")
    player_join(event=quiz, voter="v1", nickname="Ada L")  # the same browser: renamed

    assert list(Player.objects.values_list("voter", "nickname")) == [("v1", "Ada L")]


@pytest.mark.parametrize(
    "look_alike",
    [
        "Ada\ufe0f",  # a variation selector
        "\u0410da",  # a Cyrillic A
        "Ad\u0430",  # a Cyrillic a
        "\uff21\uff44\uff41",  # fullwidth letters
        "\u0391DA",  # a Greek Alpha
    ],
)
def test_a_nickname_that_looks_like_one_taken_is_taken(quiz, look_alike):
    player_join(event=quiz, voter="v1", nickname="Ada")

    with pytest.raises(PlayerError, match="taken"):
        player_join(event=quiz, voter="v2", nickname=look_alike)


@pytest.mark.parametrize(
    "hiding",
    [
        "Ada\u034f",  # the combining grapheme joiner
        "Ada\u3164",  # a Hangul filler
        "\u3164",
        "\u2800",  # a blank Braille pattern
        "\u0301\u0301",  # combining marks alone
        "Ada \u0301",
    ],
)
def test_a_nickname_that_hides_characters_is_refused(quiz, hiding):
    with pytest.raises(PlayerError, match="shows"):
        player_join(event=quiz, voter="v1", nickname=hiding)


def test_nicknames_in_other_scripts_and_with_accents_are_their_own(quiz):
    for voter, nickname in enumerate(["José", "Jose", "Zoë", "李雷", "Олег", "❤️ Ana"]):
        player_join(event=quiz, voter=f"v{voter}", nickname=nickname)

    assert Player.objects.count() == 6


def test_the_page_asks_for_a_nickname_and_keeps_it_across_visits(quiz):
    phone = Client()
    page = phone.get("/events/friday/").content.decode()
    assert 'name="nickname"' in page
    assert "data-live" not in page  # no socket until it has joined: nothing to follow yet

    refused = phone.post("/events/friday/", {"nickname": "<b>x</b>" * 5})
    assert refused.status_code == 400
    assert "at most 20 characters" in refused.content.decode()
    assert "<b>x</b>" not in refused.content.decode()  # the typed text, escaped

    assert phone.post("/events/friday/", {"nickname": "<b>Ada</b>"}).status_code == 303
    page = phone.get("/events/friday/").content.decode()
    assert 'name="nickname"' not in page
    assert "&lt;b&gt;Ada&lt;/b&gt;" in page


def test_a_removed_player_is_asked_for_a_new_nickname_and_keeps_the_score(quiz):
    ada, _voter = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    answer(ada, "one", "b")
    event_clock(event=quiz, change="end")
    services.finish_when_due(Poll.objects.get(slug="one").pk, 1)
    removed = Player.objects.get(nickname="Ada")
    assert player_remove(event=quiz, player_id=removed.pk)

    assert standings(quiz) == []
    assert 'name="nickname"' in ada.get("/events/friday/").content.decode()
    ada.post("/events/friday/", {"nickname": "Ada again"})
    assert [(row.nickname, row.points > 0) for row in standings(quiz)] == [("Ada again", True)]


def test_places_are_shared_by_equal_points_and_the_leaderboard_is_public_once_shown(quiz):
    phones = {name: player(quiz, name) for name in ("Ada", "Bob", "Cy", "Di")}
    event_move(event=quiz, action="next")
    quiz.refresh_from_db()
    poll = Poll.objects.get(slug="one")
    Vote.objects.bulk_create(
        Vote(poll=poll, round=1, voter=phones[name][1], choices=[], points=points,
             cast_at="2026-01-01T00:00Z")
        for name, points in [("Ada", 900), ("Bob", 700), ("Cy", 900)]
    )  # fmt: skip
    # While the question takes answers, its points count for nobody: a total that moved
    # would tell a player whether they were right.
    assert {row.points for row in standings(quiz)} == {0}
    Poll.objects.filter(slug="one").update(is_open=False)

    rows = [(row.nickname, row.points, row.place) for row in standings(quiz)]
    assert rows == [("Ada", 900, 1), ("Cy", 900, 1), ("Bob", 700, 3), ("Di", 0, 4)]

    stranger = Client()
    assert stranger.get("/api/events/friday/leaderboard").status_code == 403
    staff = Client()
    staff.force_login(User.objects.create_superuser("presenter", password="x"))
    assert len(json.loads(staff.get("/api/events/friday/leaderboard").content)) == 4
    event_move(event=quiz, action="leaderboard")
    board = json.loads(stranger.get("/api/events/friday/leaderboard?limit=2").content)
    assert board == [
        {"nickname": "Ada", "points": 900, "place": 1},
        {"nickname": "Cy", "points": 900, "place": 1},
    ]
    assert stranger.get("/api/events/friday/leaderboard?limit=0").status_code == 400

    me = json.loads(phones["Bob"][0].get("/api/events/friday/me").content)
    assert me == {"nickname": "Bob", "points": 700, "place": 3, "of": 4}
    assert stranger.get("/api/events/friday/me").status_code == 404


def test_the_finish_job_counts_every_vote_then_closes_and_scores(quiz, redis_db):
    ada, ada_key = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    answer(ada, "one", "b")  # queued, not yet counted
    event_clock(event=quiz, change="end")
    poll = Poll.objects.get(slug="one")
    assert answer(ada, "one", "a") == 409  # after the end: refused

    services.finish_when_due(poll.pk, 1)

    poll.refresh_from_db()
    assert not poll.is_open
    assert Vote.objects.get(voter=ada_key).points > 0
    # Shown again, a question whose time is up stays closed.
    event_move(event=quiz, action="next")
    event_move(event=quiz, action="previous")
    assert not Poll.objects.get(slug="one").is_open


def test_the_safety_net_finishes_a_question_whose_job_was_lost(quiz, redis_db):
    ada, ada_key = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    answer(ada, "one", "b")
    poll = Poll.objects.get(slug="one")
    assert services.finish_overdue() == 0  # its time is not up
    past = redis_now_ms() - 1
    redis_db.set(deadline_key(poll.pk, 1), past)
    Countdown.objects.filter(poll=poll).update(deadline_ms=past)

    assert services.finish_overdue() == 1

    assert not Poll.objects.get(slug="one").is_open
    assert Vote.objects.get(voter=ada_key).points > 0
    assert services.finish_overdue() == 0


def test_added_time_moves_the_deadline_and_untimed_removes_it(quiz, redis_db):
    event_move(event=quiz, action="next")
    poll = Poll.objects.get(slug="one")
    first = Countdown.objects.get(poll=poll).deadline_ms
    assert first is not None

    event_clock(event=quiz, change=15)
    assert Countdown.objects.get(poll=poll).deadline_ms == first + 15_000
    assert int(redis_db.get(deadline_key(poll.pk, 1))) == first + 15_000

    event_clock(event=quiz, change="untimed")
    assert Countdown.objects.get(poll=poll).deadline_ms is None
    assert redis_db.get(deadline_key(poll.pk, 1)) is None
    with pytest.raises(EventError, match="untimed"):
        event_clock(event=quiz, change=10)
    event_clock(event=quiz, change="end")
    with pytest.raises(EventError, match="up already"):
        event_clock(event=quiz, change="end")
    with pytest.raises(EventError, match="1 to 240"):
        event_clock(event=quiz, change=241)


def test_recount_rebuilds_the_points_and_agrees(quiz):
    ada, ada_key = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    answer(ada, "one", "b")
    votes_ingest(consumer="test")
    earned = Vote.objects.get(voter=ada_key).points
    poll = Poll.objects.get(slug="one")
    assert tallies_rebuild(polls=[poll], fix=False) == []

    Vote.objects.filter(voter=ada_key).update(points=1)
    differences = tallies_rebuild(polls=[poll])

    assert [(d.option, d.tallied, d.counted) for d in differences] == [("(points)", 1, earned)]
    assert Vote.objects.get(voter=ada_key).points == earned
    assert tallies_rebuild(polls=[poll], fix=False) == []


def test_the_commands_make_and_run_a_quiz(redis_db):
    poll_create(question="One?", options=ABC, slug="one", correct=["b"])
    call_command("createpoll", "Two?", "Yes", "No", "--correct", "yes", "--seconds", "45")
    assert Poll.objects.get(slug="two").seconds == 45
    call_command("createevent", "Fri", "one", "two", "--slug", "fri", "--quiz", "--seconds", "10",
                 "--no-speed")  # fmt: skip
    event = Event.objects.get(slug="fri")
    assert event.is_quiz and not event.speed
    assert set(Poll.objects.values_list("seconds", flat=True)) == {10}

    out = io.StringIO()
    call_command("event", "fri", "next", stdout=out)
    assert "s left" in out.getvalue()
    call_command("event", "fri", "time", "+20", stdout=out)
    countdown = Countdown.objects.get(poll__slug="one")
    assert countdown.deadline_ms == countdown.opened_ms + 30_000
    call_command("event", "fri", "end-question", stdout=out)
    with pytest.raises(CommandError, match="up already") as refused:
        call_command("event", "fri", "end-question")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="as \\+30"):
        call_command("event", "fri", "time", "soon")
    with pytest.raises(CommandError, match="add --quiz"):
        call_command("createevent", "X", "one", "--seconds", "10")


def test_the_players_and_questions_exports(quiz):
    ada, ada_key = player(quiz, "=Ada")
    event_move(event=quiz, action="next")
    answer(ada, "one", "b")
    event_move(event=quiz, action="next")  # leaving it ends it
    services.finish_when_due(Poll.objects.get(slug="one").pk, 1)
    staff = Client()
    staff.force_login(User.objects.create_superuser("presenter", password="x"))
    for export in ("players", "questions"):
        assert staff.get(f"/events/friday/{export}.csv").status_code == 200
        assert Client().get(f"/events/friday/{export}.csv").status_code == 302  # to sign in

    players = list(csv.reader(io.StringIO("".join(csv_lines(quiz_players_rows(quiz))))))
    points = Vote.objects.get(voter=ada_key).points
    assert players == [
        ["place", "nickname", "q1", "q2", "total"],
        ["1", "'=Ada", str(points), "0", str(points)],
    ]
    questions = list(csv.reader(io.StringIO("".join(csv_lines(quiz_questions_rows(quiz))))))
    assert questions[1:] == [["1", "one", "1", "1", "100.0"], ["2", "two", "0", "0", ""]]


def test_the_admin_says_which_questions_a_quiz_scores_and_changes_no_other(redis_db):
    """An event made a quiz in the admin: the presenter reads which questions are scored
    (those with a right answer); the opinion keeps its results rule, and stays open."""
    opinion = poll_create(question="Ready?", options=ABC, slug="ready", results_visibility="voted")
    scored = poll_create(question="One?", options=ABC, slug="one", correct=["b"])
    event = event_create(title="Mixed", polls=[opinion, scored], slug="friday")
    staff = Client()
    staff.force_login(User.objects.create_superuser("teacher", "t@example.com", "pass phrase"))
    rows = list(event.questions.all())
    form = {
        "title": "Mixed", "slug": "friday", "pace": "presenter", "opens_questions": "on",
        "mode": "quiz", "speed": "on", "participation": "anonymous",
        "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "2",
        "hosts-TOTAL_FORMS": "0", "hosts-INITIAL_FORMS": "0",
        "decks-TOTAL_FORMS": "0", "decks-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, row in enumerate(rows):
        fields = {"id": row.pk, "event": event.pk, "position": n + 1, "poll": row.poll_id}
        form |= {f"questions-{n}-{name}": str(value) for name, value in fields.items()}
    answer = staff.post(f"/admin/events/event/{event.pk}/change/", form, follow=True)
    assert answer.status_code == 200
    said = [str(message) for message in answer.context["messages"]]
    assert any(m.startswith("Question 2 has a right answer: it is timed and scored") for m in said)
    opinion.refresh_from_db()
    scored.refresh_from_db()
    assert (opinion.is_open, opinion.results_visibility, opinion.results_shown) == (
        True, "voted", None)  # fmt: skip
    assert (scored.is_open, scored.results_shown) == (False, False)


def test_points_are_written_as_the_pages_language_writes_numbers(quiz):
    """1,886 points in English, 1 886 in Spanish (Django's es: a no-break space), as the
    help text writes 1,000; and after a wrong answer, the right one."""
    phone, voter = player(quiz, "Ada")
    one, two = Poll.objects.get(slug="one"), Poll.objects.get(slug="two")
    Poll.objects.filter(pk__in=[one.pk, two.pk]).update(is_open=False)
    right = [one.options.get(slug="b").pk]
    for poll, points in ((one, 986), (two, 900)):
        Vote.objects.create(poll=poll, voter=voter, choices=right, cast_at=timezone.now(),
                            points=points)  # fmt: skip
    page = phone.get("/events/friday/").content.decode()
    assert "<span data-points>1,886</span>" in page
    page = phone.get("/events/friday/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<span data-points>1\xa0886</span>" in page


def test_a_wrong_answer_learns_the_right_one(quiz, redis_db):
    phone, _voter = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    assert answer(phone, "one", "a") == 303
    event_clock(event=quiz, change="end")
    services.finish_when_due(Poll.objects.get(slug="one").pk, 1)
    page = phone.get("/events/friday/").content.decode()
    assert "Not this time." in page
    assert 'The right answer: <strong dir="auto" data-answer>Bravo</strong>' in page


def test_the_lobby_shows_no_place_until_a_question_ranks_the_players(quiz, redis_db):
    """In the lobby everyone would be "first of" however many had joined when the page
    loaded, which soon reads wrong: the place shows once a question has ranked them."""
    phone, _voter = player(quiz, "Ada")
    player(quiz, "Bob")
    assert "<span data-place-line hidden>" in phone.get("/events/friday/").content.decode()
    event_move(event=quiz, action="next")
    event_clock(event=quiz, change="end")
    services.finish_when_due(Poll.objects.get(slug="one").pk, 1)
    page = phone.get("/events/friday/").content.decode()
    assert "data-place-line hidden" not in page and "<span data-of>2</span>" in page


def test_the_quiz_report_marks_right_answers_and_has_the_leaderboard(quiz, redis_db):
    """The report after a quiz: the leaderboard, each chart's right answers marked (and
    a long question wrapped, not cut), and the downloads, each as a spreadsheet too."""
    long = "¿Cómo te sentiste en la clase de hoy, después de todo lo que vimos juntos?"
    Poll.objects.filter(slug="two").update(question=long)
    phone, _voter = player(quiz, "Ada")
    event_move(event=quiz, action="next")
    assert answer(phone, "one", "b") == 303
    event_clock(event=quiz, change="end")
    services.finish_when_due(Poll.objects.get(slug="one").pk, 1)
    staff = Client()
    staff.force_login(User.objects.create_superuser("teacher", "t@example.com", "pass phrase"))

    report = staff.get("/events/friday/report/").content.decode()

    board = report.split('class="report-board"')[1].split("</table>")[0]
    assert '<td>1</td><td dir="auto">Ada</td>' in board
    first_chart = report.split("<svg")[1]
    assert "Bravo<tspan" in first_chart and "✓ correct" in first_chart
    assert first_chart.count("✓ correct") == 1
    second_chart = report.split("<svg")[2]
    title = re.findall(r"<tspan x=\"24\" y=\"\d+\">([^<]*)</tspan>", second_chart)
    assert len(title) == 2 and " ".join(title) == long
    for name in ("results", "entries", "players", "questions"):
        assert f'href="/events/friday/{name}.xlsx"' in report
        assert f'href="/events/friday/{name}.csv"' in report


def test_an_export_as_a_spreadsheet_keeps_numbers_and_never_runs_text(quiz, redis_db):
    Option = Poll.objects.get(slug="one").options.model
    Option.objects.filter(poll__slug="one", slug="a").update(label='=HYPERLINK("x")')
    staff = Client()
    staff.force_login(User.objects.create_superuser("teacher", "t@example.com", "pass phrase"))

    download = staff.get("/events/friday/results.xlsx")

    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="friday-results.xlsx"' in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "question", "poll", "round", "option", "label", "votes", "percent", "fingerprint"
    )  # fmt: skip
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert rows[1][:6] == (1, "one", 1, "a", '=HYPERLINK("x")', 0)
    assert sheet["E2"].data_type == "s"  # text, not a formula
