"""Managing polls in the Django admin."""

from __future__ import annotations

import pytest
from django.utils import timezone

from polls.models import Poll, Vote
from tests.support.admin_forms import POLL_DEFAULTS, add_form

pytestmark = pytest.mark.django_db


def test_the_add_page_opens(admin_client):
    """A poll being added has no pages to link to yet; the form still shows."""
    page = admin_client.get("/admin/polls/poll/add/")

    assert page.status_code == 200
    assert 'name="question"' in page.content.decode()


def test_the_admin_creates_a_poll_with_three_options_that_appears_on_the_list(
    admin_client, redis_db
):
    options = [("red", "Red"), ("green", "Green"), ("blue", "Blue")]
    form = add_form("Favourite colour?", "colour", options)

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    poll = Poll.objects.get(slug="colour")
    assert list(poll.options.values_list("slug", flat=True)) == ["red", "green", "blue"]
    assert poll.owner.username == "admin"  # who made it owns it
    listing = admin_client.get("/host/").content.decode()  # the maker's own
    assert "Favourite colour?" in listing and 'href="/polls/colour/present/"' in listing


def test_the_admin_refuses_a_poll_with_one_option(admin_client):
    form = {
        "question": "Lonely?",
        "slug": "lonely",
        **POLL_DEFAULTS,
        "options-TOTAL_FORMS": "1",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
        "options-0-slug": "yes",
        "options-0-label": "Yes",
        "options-0-position": "0",
    }

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 200
    assert "A poll needs at least two options." in response.content.decode()
    assert not Poll.objects.exists()


def test_the_poll_list_shows_vote_counts_and_public_links(admin_client, poll):
    poll.votes.create(choices=[poll.options.first().pk], voter="c" * 64, cast_at=timezone.now())

    page = admin_client.get("/admin/polls/poll/").content.decode()

    assert '<td class="field-vote_count">1</td>' in page
    assert 'href="/polls/cats-vs-dogs/results/"' in page


def test_the_close_action_closes_polls(admin_client, poll):
    admin_client.post(
        "/admin/polls/poll/", {"action": "close_polls", "_selected_action": [poll.pk]}
    )

    poll.refresh_from_db()
    assert poll.is_open is False


def test_votes_are_read_only(admin_client, poll):
    vote = poll.votes.create(
        choices=[poll.options.first().pk], voter="d" * 64, cast_at=timezone.now()
    )

    assert admin_client.get("/admin/polls/vote/").status_code == 200
    assert admin_client.get("/admin/polls/vote/add/").status_code == 403
    admin_client.post(f"/admin/polls/vote/{vote.pk}/delete/", {"post": "yes"})
    assert Vote.objects.filter(pk=vote.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_reaches_the_polls_open_pages(admin_client, poll, redis_db, settings):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"poll.{poll.pk}", channel)

    admin_client.post(
        "/admin/polls/poll/",
        {"action": "close_polls", "_selected_action": [poll.pk]},
    )

    message = async_to_sync(layer.receive)(channel)
    assert (message["type"], message["state"]) == ("poll.update", "closed")


def test_the_admin_actions_run_the_presenters_controls(admin_client, poll, redis_db):
    for action, check in [
        ("reveal_results", lambda p: p.results_shown is True),
        ("hide_results", lambda p: p.results_shown is False),
        ("reset_polls", lambda p: p.round == 2 and p.results_shown is None),
        ("close_polls", lambda p: not p.is_open),
        ("open_polls", lambda p: p.is_open),
    ]:
        response = admin_client.post(
            "/admin/polls/poll/", {"action": action, "_selected_action": [poll.pk]}, follow=True
        )
        poll.refresh_from_db()
        assert check(poll), action
        assert "1 poll" in response.content.decode()


def test_the_change_page_shows_the_code_and_each_rounds_results(admin_client, poll, redis_db):
    from polls.services import poll_control
    from tally.ingest import casts_apply
    from tests.tally.conftest import at, cast

    casts_apply([cast("1-0", poll.pk, 1, (poll.options.get(slug="cats").pk,), "ann", at(1))])
    poll_control(poll=poll, action="reset")

    page = admin_client.get(f"/admin/polls/poll/{poll.pk}/change/").content.decode()

    assert poll.code in page
    assert "Round 1: 1 vote (Cats 1, Dogs 0)" in page
    assert "Round 2: 0 votes (Cats 0, Dogs 0)" in page
    assert f'href="/polls/{poll.slug}/present/"' in page


def test_the_admin_makes_a_rating_with_one_option_per_score(admin_client, redis_db):
    form = {
        "question": "How was the talk?",
        "slug": "talk",
        "is_open": "on",
        **POLL_DEFAULTS,
        "kind": "rating",
        "scale_min": "0",
        "scale_max": "3",
        "options-TOTAL_FORMS": "0",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
    }

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    poll = Poll.objects.get(slug="talk")
    assert list(poll.options.values_list("slug", flat=True)) == ["0", "1", "2", "3"]


def test_the_admin_refuses_a_scale_that_does_not_go_up(admin_client):
    form = {
        "question": "How?",
        "slug": "how",
        **POLL_DEFAULTS,
        "kind": "rating",
        "scale_min": "5",
        "scale_max": "1",
        "options-TOTAL_FORMS": "0",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
    }

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 200
    assert "A scale goes up from 0 or more" in response.content.decode()
    assert not Poll.objects.exists()


def test_the_admin_warns_of_more_options_than_the_projector_fits(admin_client, redis_db):
    options = [(f"o{n}", f"Option {n}") for n in range(13)]

    response = admin_client.post(
        "/admin/polls/poll/add/", add_form("Thirteen?", "thirteen", options), follow=True
    )

    assert Poll.objects.get(slug="thirteen").options.count() == 13
    assert "the projector shows 12 at once" in response.content.decode()


def test_the_poll_list_links_the_projector_and_the_remote_first(admin_client, poll):
    page = admin_client.get("/admin/polls/poll/").content.decode()

    links = page[page.index('href="/polls/cats-vs-dogs/present/"') :]
    assert (
        links.index("/present/") < links.index("/remote/") < links.index('"/polls/cats-vs-dogs/"')
    )


def test_the_add_form_shows_no_join_code_and_the_change_form_the_polls_own(admin_client, poll):
    add = admin_client.get("/admin/polls/poll/add/").content.decode()
    change = admin_client.get(f"/admin/polls/poll/{poll.pk}/change/").content.decode()

    assert "field-code" not in add  # a code shown here would not be the one the poll gets
    assert poll.code in change


@pytest.mark.parametrize("path", ["/admin/polls/poll/add/", "change"])
def test_the_poll_forms_help_texts_are_text_not_markup(admin_client, poll, path):
    if path == "change":
        path = f"/admin/polls/poll/{poll.pk}/change/"

    page = admin_client.get(path).content.decode()

    assert "<code>" not in page and "<code" not in page.split("<body")[1]


def test_the_admin_refuses_more_choices_than_options(admin_client, redis_db):
    options = [("a", "A"), ("b", "B"), ("c", "C")]
    form = add_form("Pick?", "pick", options, kind="multiple", min_choices="2", max_choices="9")

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 200
    assert "Choose at least 1 and at most 3 options" in response.content.decode()
    assert not Poll.objects.exists()


def test_a_rating_is_added_without_options_and_gets_one_per_score(admin_client, redis_db):
    form = add_form("How was it?", "how", [], kind="rating", scale_min="1", scale_max="5")
    form["options-MIN_NUM_FORMS"] = "0"

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    assert list(Poll.objects.get().options.values_list("slug", flat=True)) == list("12345")


def test_a_scale_off_the_limits_is_refused_with_a_message(admin_client, redis_db):
    form = add_form("How?", "how", [], kind="rating", scale_min="0", scale_max="20")
    form["options-MIN_NUM_FORMS"] = "0"

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 200
    assert "at most 11 points" in response.content.decode()


def test_slugs_left_empty_are_made_from_text_in_any_script(admin_client, redis_db):
    form = add_form("ما هو لونك المفضل؟", "", [("", "أحمر"), ("", "Москва")])

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    poll = Poll.objects.get()
    assert poll.slug and poll.slug.isascii()
    assert list(poll.options.values_list("slug", flat=True)) == ["hmr", "moskva"]


def test_the_admin_makes_open_answers_without_options_and_refuses_options(admin_client, redis_db):
    form = add_form("One word?", "word", [], kind="open", moderation="approve", max_length="40")

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    poll = Poll.objects.get(slug="word")
    assert (poll.kind, poll.moderation, poll.max_length) == ("open", "approve", 40)
    form = add_form("Two words?", "words", [("a", "A")], kind="open")
    page = admin_client.post("/admin/polls/poll/add/", form).content.decode()
    assert "Open answers, Q&amp;As and slides take no options: remove these." in page
