"""Open answers through the real pipeline: the vote page queues them in Redis, the worker
counts their terms in PostgreSQL, the presenter's moderation moves the word cloud, and
the recount agrees."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from events.services import event_create, event_move
from polls.exports import csv_lines, votes_rows
from polls.models import Answer, Poll
from polls.services import PollError, poll_create
from polls.stream import VOTE_STREAM, Cast, entry_fields
from tally.exports import results_rows
from tally.ingest import casts_apply, votes_ingest
from tally.models import TermTally
from tally.moderation import answers_moderate
from tally.recount import tallies_rebuild
from tally.selectors import results_for, results_hidden
from tests.tally.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_poll(redis_db):
    return poll_create(question="One word for today?", options=[], slug="word", kind="open")


def answer(poll: Poll, entry_id: str, voter: str, *answers: str) -> Cast:
    return Cast(entry_id, poll.pk, poll.round, (), voter, at(0), tuple(answers))


def terms(poll: Poll, round_number: int = 1) -> dict[str, int]:
    rows = TermTally.objects.filter(poll=poll, round=round_number).values_list("term", "voters")
    return dict(rows)


def sent(data: dict, *, slug: str = "word", status: int = 303) -> tuple[Client, str]:
    browser = Client()
    browser.get(f"/polls/{slug}/")
    response = browser.post(f"/polls/{slug}/", data)
    assert response.status_code == status, response.content.decode()[:2000]
    return browser, response.content.decode()


def test_an_answer_is_queued_counted_and_its_terms_tallied(open_poll, redis_db):
    browser, _ = sent({"answer": "  Machine   learning!  "})

    [(_, fields)] = redis_db.xrange(VOTE_STREAM)
    assert fields[b"answers"] == b"Machine learning!"
    assert b"choices" not in fields
    page = browser.get("/polls/word/").content.decode()
    assert 'You answered <strong dir="auto">Machine learning!</strong>' in page
    assert "It is being counted." in page

    votes_ingest(consumer="test")

    assert terms(open_poll) == {"machine": 1, "learning": 1, "machine learning": 1}
    results = json.loads(browser.get("/api/polls/word/results").content)
    assert results["voters"] == 1
    assert results["terms"][0] == {"term": "learning", "count": 1}  # ties: by term
    assert [a["text"] for a in results["answers"]] == ["Machine learning!"]
    assert "It is counted." in browser.get("/polls/word/").content.decode()


def test_a_changed_answer_replaces_the_old_one_and_its_terms(open_poll):
    casts_apply([answer(open_poll, "1-0", "ana", "cats"), answer(open_poll, "1-1", "bo", "cats")])
    casts_apply([answer(open_poll, "2-0", "ana", "dogs rule")])

    assert terms(open_poll) == {"cats": 1, "dogs": 1, "rule": 1, "dogs rule": 1}
    assert list(Answer.objects.filter(voter="ana").values_list("text", flat=True)) == ["dogs rule"]
    # A redelivered older entry changes nothing.
    assert casts_apply([answer(open_poll, "1-0", "ana", "cats")]).changed == set()
    assert terms(open_poll)["cats"] == 1


def test_a_term_counts_voters_not_repetitions(redis_db):
    poll = poll_create(question="Q?", options=[], slug="q", kind="open", answers_per_voter=3)
    casts_apply([answer(poll, "1-0", "ana", "Python", "python rocks", "PYTHON!")])
    casts_apply([answer(poll, "1-1", "bo", "python")])

    assert terms(poll)["python"] == 2
    casts_apply([answer(poll, "2-0", "ana", "Rust")])  # fewer answers than before
    assert Answer.objects.filter(voter="ana").count() == 1
    assert terms(poll) == {"python": 1, "rust": 1}


def test_the_form_checks_length_count_and_emptiness_before_queueing(open_poll, redis_db):
    _, page = sent({"answer": "x" * 101}, status=400)
    assert "An answer here has up to 100 characters; yours has 101." in page
    _, page = sent({"answer": ["a", "b"]}, status=400)
    assert "This poll takes 1 answer from each voter." in page
    _, page = sent({"answer": " \u200b\u202e "}, status=400)
    assert "Type an answer first." in page
    _, page = sent({"option": "a"}, status=400)
    assert "This poll does not take option" in page
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_text_is_cleaned_and_shown_as_text(open_poll, redis_db):
    browser, _ = sent({"answer": "<script>alert(1)</script> \u202eevil\u202c"})
    votes_ingest(consumer="test")

    [text] = Answer.objects.values_list("text", flat=True)
    assert text == "<script>alert(1)</script> evil"
    for page in ("/polls/word/", "/polls/word/results/"):
        html = browser.get(page).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_profanity_is_masked_unless_the_poll_says_not(redis_db):
    poll_create(question="Q?", options=[], slug="q", kind="open")
    poll_create(question="Q?", options=[], slug="free", kind="open", masks_profanity=False)
    sent({"answer": "this is shit"}, slug="q")
    sent({"answer": "this is shit"}, slug="free")

    texts = [fields[b"answers"].decode() for _, fields in redis_db.xrange(VOTE_STREAM)]
    assert texts == ["this is ***", "this is shit"]


def test_with_approval_nothing_is_shown_before_the_presenter_approves(redis_db):
    poll = poll_create(question="Q?", options=[], slug="q", kind="open", moderation="approve")
    casts_apply([answer(poll, "1-0", "ana", "cats"), answer(poll, "1-1", "bo", "dogs")])

    assert terms(poll) == {}
    assert results_for(poll=poll)["answers"] == []
    cats = Answer.objects.get(text="cats")
    assert cats.state == Answer.State.PENDING

    assert answers_moderate(answer_ids=[cats.pk], action="show") == 1
    assert terms(poll) == {"cats": 1}
    assert [a["text"] for a in results_for(poll=poll)["answers"]] == ["cats"]


def test_a_hidden_answer_leaves_the_cloud_and_stays_hidden_when_sent_again(open_poll):
    casts_apply([answer(open_poll, "1-0", "ana", "cats"), answer(open_poll, "1-1", "bo", "cats")])
    cats = Answer.objects.get(voter="ana")

    answers_moderate(answer_ids=[cats.pk], action="hide")

    assert terms(open_poll) == {"cats": 1}
    assert [a["text"] for a in results_for(poll=open_poll)["answers"]] == ["cats"]  # bo's
    casts_apply([answer(open_poll, "2-0", "ana", "cats")])  # the same, sent again
    assert Answer.objects.get(voter="ana").state == Answer.State.HIDDEN
    assert terms(open_poll) == {"cats": 1}
    answers_moderate(answer_ids=[cats.pk], action="show")
    assert terms(open_poll) == {"cats": 2}


def test_a_hidden_answer_stays_hidden_after_another_or_in_another_place(redis_db):
    poll = poll_create(question="Three words?", options=[], slug="words", kind="open",
                       answers_per_voter=3)  # fmt: skip
    casts_apply([answer(poll, "1-0", "ana", "Rude thing")])
    answers_moderate(answer_ids=[Answer.objects.get().pk], action="hide")

    casts_apply([answer(poll, "2-0", "ana", "fine")])  # the hidden text is gone…
    casts_apply([answer(poll, "3-0", "ana", "fine", "rude THING!")])  # …and back, elsewhere
    casts_apply([answer(poll, "4-0", "bo", "Rude thing")])  # another voter's is their own

    states = dict(Answer.objects.values_list("text", "state").filter(voter="ana"))
    assert states == {"fine": "shown", "rude THING!": "hidden"}
    assert terms(poll) == {"fine": 1, "rude": 1, "thing": 1, "rude thing": 1}  # bo's; ana's fine
    hidden = Answer.objects.get(voter="ana", state="hidden")
    answers_moderate(answer_ids=[hidden.pk], action="show")  # shown again: forgotten
    casts_apply([answer(poll, "5-0", "ana", "Rude thing")])
    assert Answer.objects.get(voter="ana").state == "shown"


def test_the_recount_agrees_and_mends_a_broken_term_tally(open_poll):
    casts_apply(
        [
            answer(open_poll, "1-0", "ana", "Café con leche"),
            answer(open_poll, "1-1", "bo", "el café"),
        ]
    )
    assert terms(open_poll)["café"] == 2  # accents kept, "el" a stop word
    assert tallies_rebuild(polls=[open_poll], fix=False) == []

    TermTally.objects.filter(term="café").update(voters=7)
    [difference] = tallies_rebuild(polls=[open_poll])

    assert (difference.option, difference.tallied, difference.counted) == ("“café”", 7, 2)
    assert terms(open_poll)["café"] == 2


def test_hidden_results_carry_no_terms_nor_answers(open_poll):
    casts_apply([answer(open_poll, "1-0", "ana", "cats")])

    hidden = results_hidden(results_for(poll=open_poll))

    assert "terms" not in hidden and "answers" not in hidden
    assert hidden["voters"] is None


def test_a_new_round_starts_an_empty_cloud(open_poll):
    from polls.services import poll_reset

    casts_apply([answer(open_poll, "1-0", "ana", "cats")])
    poll_reset(poll=open_poll)
    casts_apply([answer(open_poll, "2-0", "ana", "dogs")])

    assert terms(open_poll, 1) == {"cats": 1}
    assert terms(open_poll, 2) == {"dogs": 1}
    assert results_for(poll=open_poll)["terms"] == [{"term": "dogs", "count": 1}]


def test_an_entry_of_answers_for_a_choice_poll_is_dropped(poll):
    dropped = casts_apply([Cast("1-0", poll.pk, 1, (), "ana", at(0), ("cats",))])

    assert dropped.changed == set()


def test_open_polls_take_no_options():
    with pytest.raises(PollError, match="Open answers, Q&As and slides take no options"):
        poll_create(question="Q?", options=[("a", "A"), ("b", "B")], kind="open")


def test_entries_round_trip_through_the_stream_fields():
    fields = entry_fields(
        poll_id=1, round_number=1, choices=[], voter="v", cast_at=at(0), answers=("a b", "c")
    )
    parsed = Cast.parse("1-0", {k.encode(): v.encode() for k, v in fields.items()})

    assert parsed is not None and parsed.answers == ("a b", "c") and parsed.choices == ()
    broken = {**fields, "answers": "x" * 281}
    assert Cast.parse("1-0", {k.encode(): v.encode() for k, v in broken.items()}) is None


def test_the_remote_lists_the_queue_and_its_buttons_moderate(admin_client, redis_db):
    poll = poll_create(question="Q?", options=[], slug="q", kind="open", moderation="approve")
    casts_apply([answer(poll, "1-0", "ana", "<b>cats</b>"), answer(poll, "1-1", "bo", "dogs")])
    cats = Answer.objects.get(voter="ana")

    page = admin_client.get("/polls/q/remote/").content.decode()
    assert "Waiting for your approval" in page and "&lt;b&gt;cats&lt;/b&gt;" in page
    response = admin_client.post("/polls/q/moderate/", {"answer": cats.pk, "action": "show"})

    assert response.status_code == 303
    assert response["Location"] == "/polls/q/remote/#moderation"
    assert "cats" in terms(poll)
    fragment = admin_client.get("/polls/q/moderation/").content.decode()
    assert fragment.count("<li>") == 2  # dogs waiting, cats shown
    assert (
        admin_client.post("/polls/q/moderate/", {"answer": "x", "action": "show"}).status_code
        == 400
    )
    assert (
        Client().post("/polls/q/moderate/", {"answer": cats.pk, "action": "hide"}).status_code
        == 302
    )
    assert Answer.objects.get(pk=cats.pk).state == Answer.State.SHOWN


def test_the_admin_hides_answers_with_its_action(admin_client, open_poll):
    casts_apply([answer(open_poll, "1-0", "ana", "cats")])
    cats = Answer.objects.get()

    admin_client.post(
        "/admin/polls/answer/", {"action": "hide_answers", "_selected_action": [cats.pk]}
    )

    assert Answer.objects.get().state == Answer.State.HIDDEN
    assert terms(open_poll) == {}
    assert "cats" in admin_client.get("/admin/polls/answer/").content.decode()


def test_exports_neutralise_formulas_and_keep_state_and_round(open_poll):
    casts_apply(
        [answer(open_poll, "1-0", "ana", '=HYPERLINK("x")'), answer(open_poll, "1-1", "bo", "+1")]
    )
    answers_moderate(answer_ids=[Answer.objects.get(voter="bo").pk], action="hide")

    votes = "".join(csv_lines(votes_rows(open_poll)))
    results = "".join(csv_lines(results_rows(open_poll)))

    lines = votes.splitlines()
    assert lines[0] == "round,answer,state,cast_at"
    assert lines[1].startswith('1,"\'=HYPERLINK(""x"")",shown,')
    assert lines[2].startswith("1,'+1,hidden,")
    assert "1,,hyperlink,1,50.0," in results.splitlines()  # terms carry no punctuation


def test_the_chart_of_an_open_poll_draws_its_top_terms(admin_client, open_poll):
    casts_apply([answer(open_poll, "1-0", "ana", "<Cats>"), answer(open_poll, "1-1", "bo", "cats")])

    svg = admin_client.get("/polls/word/results.svg").content.decode()

    assert "2 voters" in svg and ">cats</text>" in svg and "2 · 100.0%" in svg
    assert "<Cats>" not in svg


def test_the_voter_is_told_when_their_answer_waits_or_is_hidden(redis_db):
    poll = poll_create(question="Q?", options=[], slug="q", kind="open", moderation="approve")
    browser, _ = sent({"answer": "cats"}, slug="q")
    votes_ingest(consumer="test")

    page = browser.get("/polls/q/").content.decode()
    assert "It waits for the presenter's approval before anyone sees it." in page
    answers_moderate(answer_ids=Answer.objects.values_list("pk", flat=True), action="hide")
    page = browser.get("/polls/q/").content.decode()
    assert "The presenter has hidden it from the screens." in page
    assert poll.answers.get().state == Answer.State.HIDDEN


def test_the_events_remote_moderates_the_question_shown_and_stays(admin_client, redis_db):
    moderated = poll_create(question="Words?", options=[], slug="words", kind="open",
                            moderation="approve")  # fmt: skip
    event = event_create(title="Week 3", polls=[moderated], slug="week3")
    event_move(event=event, action="next")
    casts_apply([answer(moderated, "1-0", "ana", "needs approval")])
    waiting = Answer.objects.get()

    remote = admin_client.get("/events/week3/remote/").content.decode()
    approved = admin_client.post(
        "/polls/words/moderate/",
        {"answer": waiting.pk, "action": "show", "next": "/events/week3/remote/"},
    )
    elsewhere = admin_client.post(
        "/polls/words/moderate/", {"answer": waiting.pk, "action": "show", "next": "//evil.test/"}
    )
    queue = admin_client.get("/polls/words/moderation/?back=/events/week3/remote/")

    assert "needs approval" in remote and "Approve" in remote
    assert 'name="next" value="/events/week3/remote/"' in remote
    assert approved["Location"] == "/events/week3/remote/#moderation"
    assert Answer.objects.get().state == Answer.State.SHOWN
    assert elsewhere["Location"] == "/polls/words/remote/#moderation"
    assert 'name="next" value="/events/week3/remote/"' in queue.content.decode() or (
        "Nothing is waiting" in queue.content.decode()
    )
    assert "back=/events/week3/remote/" in queue.content.decode()
