"""A Q&A through the real pipeline: the page queues questions and upvotes in Redis, the
worker makes each question once and counts upvotes as votes (the latest of a voter's
wins, in Redis's order), the presenter moderates, and the recount agrees."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from events.exports import event_results_rows
from events.services import event_create
from polls.exports import csv_lines, votes_rows
from polls.models import Poll, Question, Upvote
from polls.services import poll_create
from polls.stream import VOTE_STREAM, Asked, Cast, Upvoted, entry_parse, upvotes_key
from tally.exports import results_rows
from tally.ingest import casts_apply, votes_ingest
from tally.moderation import questions_moderate
from tally.recount import tallies_rebuild
from tally.selectors import results_for, results_hidden
from tests.tally.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(redis_db):
    return poll_create(question="Questions?", options=[], slug="qa", kind="questions")


def asked(poll: Poll, entry_id: str, voter: str, text: str, name: str = "") -> Asked:
    return Asked(entry_id, poll.pk, poll.round, text, name, voter, at(0))


def upvoted(poll: Poll, entry_id: str, voter: str, question: Question, up: bool = True) -> Upvoted:
    return Upvoted(entry_id, poll.pk, poll.round, question.pk, up, voter, at(0))


def sent(browser: Client, data: dict, *, status: int | None = 303) -> Any:
    """The page's answer to a Q&A's form: its text, or its status when `status` is None."""
    browser.get("/polls/qa/")
    response = browser.post("/polls/qa/", data)
    if status is None:
        return response.status_code
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def upvotes(poll: Poll) -> dict[str, int]:
    return dict(Question.objects.filter(poll=poll).values_list("text", "upvotes"))


def test_a_question_asked_on_the_page_is_queued_made_once_and_listed(qa, redis_db):
    browser = Client()
    sent(browser, {"question": "  Why   <b>Redis</b>? ", "name": "Ana"})

    [(entry_id, fields)] = redis_db.xrange(VOTE_STREAM)
    assert (fields[b"ask"], fields[b"name"]) == (b"Why <b>Redis</b>?", b"Ana")
    entry = entry_parse(entry_id.decode(), fields)
    assert isinstance(entry, Asked)
    votes_ingest(consumer="test")
    assert casts_apply([], [entry]).changed <= {qa.pk}  # redelivered: nothing made twice

    [question] = Question.objects.all()
    assert (question.text, question.name, question.state) == ("Why <b>Redis</b>?", "Ana", "shown")
    results = json.loads(browser.get("/api/polls/qa/results").content)
    assert [(q["text"], q["upvotes"]) for q in results["questions"]] == [("Why <b>Redis</b>?", 0)]
    page = browser.get("/polls/qa/").content.decode()
    assert "Why &lt;b&gt;Redis&lt;/b&gt;?" in page and "<b>Redis</b>" not in page


def test_upvotes_count_once_per_voter_and_the_latest_wins(qa):
    casts_apply([], [asked(qa, "1-0", "ana", "First?"), asked(qa, "1-1", "bo", "Second?")])
    first, second = Question.objects.order_by("stream_order")

    casts_apply(
        [],
        [],
        [
            upvoted(qa, "2-0", "bo", first),
            upvoted(qa, "2-1", "cy", first),
            upvoted(qa, "2-2", "cy", first),  # twice: once
            upvoted(qa, "2-3", "cy", second),
        ],
    )
    assert upvotes(qa) == {"First?": 2, "Second?": 1}

    casts_apply([], [], [upvoted(qa, "3-0", "cy", first, up=False)])  # taken back
    casts_apply([], [], [upvoted(qa, "2-9", "cy", first)])  # older, delivered late: no
    assert upvotes(qa) == {"First?": 1, "Second?": 1}
    results = results_for(poll=qa)
    assert [q["text"] for q in results["questions"]] == ["First?", "Second?"]  # ties: oldest
    assert tallies_rebuild(polls=[qa], fix=False) == []


def test_an_upvote_of_another_polls_question_is_dropped(qa):
    other = poll_create(question="Other?", options=[], slug="other", kind="questions")
    casts_apply([], [asked(other, "1-0", "ana", "Elsewhere?")])
    elsewhere = Question.objects.get()

    assert casts_apply([], [], [upvoted(qa, "2-0", "bo", elsewhere)]).changed == set()
    assert not Upvote.objects.exists()


def test_the_page_upvotes_and_takes_back_and_shows_the_voters_own(qa, redis_db):
    casts_apply([], [asked(qa, "1-0", "ana", "First?")])
    question = Question.objects.get()
    browser = Client()
    sent(browser, {"upvote": str(question.pk)})

    page = browser.get("/polls/qa/").content.decode()
    assert f'name="unvote" value="{question.pk}"' in page
    assert 'aria-pressed="true"' in page
    votes_ingest(consumer="test")
    assert upvotes(qa) == {"First?": 1}

    sent(browser, {"unvote": str(question.pk), "question": "typed meanwhile"})
    votes_ingest(consumer="test")
    assert upvotes(qa) == {"First?": 0}
    assert Question.objects.count() == 1  # the upvote button wins over the text
    assert not any(redis_db.smembers(key) for key in redis_db.scan_iter(upvotes_key(qa.pk, 1, "*")))


def test_bad_input_gets_a_clear_400_and_queues_nothing(qa, redis_db):
    browser = Client()
    assert "That is not a question of this poll." in sent(browser, {"upvote": "x"}, status=400)
    assert "Type your question first." in sent(browser, {"question": " \u200b "}, status=400)
    page = sent(browser, {"question": "x" * 101}, status=400)
    assert "A question here has up to 100 characters; yours has 101." in page
    assert "x" * 101 in page  # kept for the asker to shorten
    assert "A name has up to 40 characters." in sent(
        browser, {"question": "Why?", "name": "n" * 41}, status=400
    )
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_the_asker_is_told_the_question_was_sent_and_when_it_shows(redis_db):
    poll_create(question="Q?", options=[], slug="qa", kind="questions", moderation="approve")
    browser = Client()
    browser.get("/polls/qa/")

    response = browser.post("/polls/qa/", {"question": "Why?"})

    assert response["Location"] == "/polls/qa/?asked=1"
    page = browser.get(response["Location"]).content.decode()
    assert "Your question was sent. It appears once the presenter approves it." in page


def test_with_approval_a_question_waits_and_the_presenter_moves_it(redis_db):
    poll = poll_create(question="Q?", options=[], slug="qa", kind="questions", moderation="approve")
    casts_apply([], [asked(poll, "1-0", "ana", "First?"), asked(poll, "1-1", "bo", "Second?")])
    first, second = Question.objects.order_by("stream_order")

    assert results_for(poll=poll)["questions"] == []
    questions_moderate(question_ids=[first.pk, second.pk], action="show")
    questions_moderate(question_ids=[second.pk], action="pin")
    assert [q["text"] for q in results_for(poll=poll)["questions"]] == ["Second?", "First?"]

    questions_moderate(question_ids=[first.pk], action="answering")
    assert results_for(poll=poll)["answering"]["text"] == "First?"
    questions_moderate(question_ids=[second.pk], action="answering")  # one at a time
    results = results_for(poll=poll)
    assert results["answering"]["text"] == "Second?"
    assert [q["text"] for q in results["answered"]] == ["First?"]
    questions_moderate(question_ids=[second.pk], action="hide")
    results = results_for(poll=poll)
    assert (results["answering"], results["questions"]) == (None, [])
    hidden = results_hidden(results)
    assert not {"questions", "newest", "answered", "answering"} & set(hidden)


def test_the_recount_mends_a_question_count(qa):
    casts_apply([], [asked(qa, "1-0", "ana", "First?")])
    question = Question.objects.get()
    casts_apply([], [], [upvoted(qa, "2-0", "bo", question)])
    Question.objects.update(upvotes=5)

    [difference] = tallies_rebuild(polls=[qa])

    assert (difference.tallied, difference.counted) == (5, 1)
    assert upvotes(qa) == {"First?": 1}


def test_the_remote_moderates_questions(admin_client, qa):
    casts_apply([], [asked(qa, "1-0", "ana", "=cmd|' /C calc'!A0")])
    question = Question.objects.get()

    assert "Open, the most upvoted first" in admin_client.get("/polls/qa/remote/").content.decode()
    response = admin_client.post(
        "/polls/qa/moderate/", {"question": question.pk, "action": "answering"}
    )

    assert response.status_code == 303
    assert Question.objects.get().state == "answering"
    lines = "".join(csv_lines(votes_rows(qa))).splitlines()
    assert lines[0] == "round,question,name,upvotes,state,pinned,asked_at"
    assert lines[1].startswith("1,'=cmd|' /C calc'!A0,,0,answering,False,")


def test_the_admin_lists_questions_and_marks_them_answered(admin_client, qa):
    casts_apply([], [asked(qa, "1-0", "ana", "<i>Why?</i>")])
    question = Question.objects.get()

    page = admin_client.get("/admin/polls/question/").content.decode()
    admin_client.post(
        "/admin/polls/question/", {"action": "mark_answered", "_selected_action": [question.pk]}
    )

    assert "&lt;i&gt;Why?&lt;/i&gt;" in page
    assert Question.objects.get().state == Question.State.ANSWERED


def test_an_event_takes_open_answers_and_a_qa_and_exports_what_was_typed(admin_client, qa):
    from events.exports import event_entries_rows
    from events.services import event_create, event_move

    word = poll_create(question="One word?", options=[], slug="word", kind="open")
    event = event_create(title="Week 3", polls=[word, qa], slug="week")
    event_move(event=event, action="goto", position=2)
    casts_apply(
        [Cast("1-0", word.pk, 1, (), "ana", at(0), ("=SUM(A1)",))],
        [asked(qa, "1-1", "bo", "Why?", "Bo")],
    )

    page = Client().get("/events/week/").content.decode()
    assert "Your question" in page and "Why?" in page
    assert admin_client.get("/events/week/report/").status_code == 200
    lines = "".join(csv_lines(event_entries_rows(event))).splitlines()
    assert lines[0] == "question,poll,round,entry,text,name,upvotes,state,at"
    assert lines[1].startswith("1,word,1,answer,'=SUM(A1),,,shown,")
    assert lines[2].startswith("2,qa,1,question,Why?,Bo,0,shown,")


def test_the_chart_of_a_qa_draws_its_top_questions(admin_client, qa):
    casts_apply([], [asked(qa, "1-0", "ana", "Why <svg>?" + "x" * 80)])
    casts_apply([], [], [upvoted(qa, "2-0", "bo", Question.objects.get())])

    svg = admin_client.get("/polls/qa/results.svg").content.decode()

    assert "1 question" in svg and "1 upvote" in svg
    assert "Why &lt;svg&gt;?" in svg and "x" * 80 not in svg  # cut to fit


def test_the_cap_of_voters_per_address_holds_for_questions_and_upvotes(redis_db):
    capped = poll_create(
        question="Questions?", options=[], slug="qa", kind="questions", voters_per_address=2
    )
    casts_apply([], [asked(capped, "1-0", "ana", "First?")])
    question = Question.objects.get()
    browsers = [Client() for _ in range(4)]  # new cookies, one address

    answers = [sent(b, {"upvote": str(question.pk)}, status=None) for b in browsers[:3]]
    asking = sent(browsers[3], {"question": "Me too?"}, status=None)

    assert answers == [303, 303, 403]
    assert asking == 403
    votes_ingest(consumer="test", idle_ms=None)
    assert upvotes(capped) == {"First?": 2}


def test_a_question_with_a_noncharacter_still_makes_a_valid_chart(admin_client, qa, redis_db):
    sent(Client(), {"question": "Why\uffff XML\ufffe?"})
    votes_ingest(consumer="test", idle_ms=None)

    chart = admin_client.get("/polls/qa/results.svg")

    assert chart.status_code == 200
    svg = ElementTree.fromstring(chart.content)  # noqa: S314 (our own chart, well-formed XML)
    assert "Why XML?" in "".join(svg.itertext())


def test_the_results_csvs_list_only_the_questions_the_room_may_see(redis_db):
    moderated = poll_create(
        question="Questions?", options=[], slug="qa", kind="questions", moderation="approve"
    )
    event = event_create(title="Week 3", polls=[moderated], slug="week3")
    casts_apply([], [asked(moderated, f"1-{n}", f"v{n}", text) for n, text in enumerate(
        ["Shown?", "Hidden?", "Waiting?"]
    )])  # fmt: skip
    shown, hidden, _waiting = Question.objects.order_by("stream_order")
    questions_moderate(question_ids=[shown.pk], action="show")
    questions_moderate(question_ids=[hidden.pk], action="hide")

    for export in (results_rows(moderated), event_results_rows(event)):
        text = "".join(csv_lines(export))
        assert "Shown?" in text
        assert "Hidden?" not in text and "Waiting?" not in text


def test_an_ended_events_page_shows_its_qas_questions(qa):
    """The phone's end page holds every question's results: a Q&A's, its questions."""
    from events.services import event_create, event_move

    event = event_create(title="Week 3", polls=[qa], slug="week")
    event_move(event=event, action="next")
    casts_apply([], [asked(qa, "1-1", "bo", "Why?", "Bo")])
    event_move(event=event, action="end")

    page = Client().get("/events/week/").content.decode()

    final = page.split('class="event-final"')[1]
    assert "Why?" in final and "No questions yet." not in final.split("Newest")[0]
