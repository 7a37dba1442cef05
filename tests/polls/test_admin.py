"""Managing polls in the Django admin."""

from __future__ import annotations

import pytest
from django.utils import timezone

from polls.models import Poll, Vote

pytestmark = pytest.mark.django_db


def test_the_admin_creates_a_poll_with_three_options_that_appears_on_the_list(
    admin_client, redis_db
):
    options = [("red", "Red"), ("green", "Green"), ("blue", "Blue")]
    form = {
        "question": "Favourite colour?",
        "slug": "colour",
        "is_open": "on",
        "results_visibility": "always",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "2",
        "options-MAX_NUM_FORMS": "1000",
    }
    for i, (slug, label) in enumerate(options):
        form |= {
            f"options-{i}-slug": slug,
            f"options-{i}-label": label,
            f"options-{i}-position": str(i),
        }

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 302, response.content.decode()
    poll = Poll.objects.get(slug="colour")
    assert list(poll.options.values_list("slug", flat=True)) == ["red", "green", "blue"]
    listing = admin_client.get("/").content.decode()
    assert "Favourite colour?" in listing and 'href="/polls/colour/"' in listing


def test_the_admin_refuses_a_poll_with_one_option(admin_client):
    form = {
        "question": "Lonely?",
        "slug": "lonely",
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "0",
        "options-0-slug": "yes",
        "options-0-label": "Yes",
        "options-0-position": "0",
    }

    response = admin_client.post("/admin/polls/poll/add/", form)

    assert response.status_code == 200
    assert "Please submit at least 2 forms" in response.content.decode()
    assert not Poll.objects.exists()


def test_the_poll_list_shows_vote_counts_and_public_links(admin_client, poll):
    poll.votes.create(option=poll.options.first(), voter="c" * 64, cast_at=timezone.now())

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
    vote = poll.votes.create(option=poll.options.first(), voter="d" * 64, cast_at=timezone.now())

    assert admin_client.get("/admin/polls/vote/").status_code == 200
    assert admin_client.get("/admin/polls/vote/add/").status_code == 403
    admin_client.post(f"/admin/polls/vote/{vote.pk}/delete/", {"post": "yes"})
    assert Vote.objects.filter(pk=vote.pk).exists()
