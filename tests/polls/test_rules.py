"""Who may do what with a poll or an event (polls/rules.py, events/rules.py): each of
anonymous, another presenter, a moderator, a co-host, the owner and a superuser, asked
through Django's own `has_perm` with the object, as the admin, views and sockets ask."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from events.models import Event, EventHost
from events.services import event_create
from polls.models import HostRole, Poll, PollHost
from polls.services import poll_create

TWO = [("cats", "Cats"), ("dogs", "Dogs")]
ACTIONS = ("view", "present", "change", "delete", "host")
# What each may do, in the order of ACTIONS.
ALLOWED = {
    "anonymous": (False, False, False, False, False),
    "another presenter": (False, False, False, False, False),
    "moderator": (True, True, False, False, False),
    "co-host": (True, True, True, False, False),
    "owner": (True, True, True, True, True),
    "superuser": (True, True, True, True, True),
}


@pytest.fixture
def people(db) -> dict[str, object]:
    made = {
        name: User.objects.create_user(name.replace(" ", "-"), password="x")
        for name in ("another presenter", "moderator", "co-host", "owner")
    }
    return {
        "anonymous": AnonymousUser(),
        **made,
        "superuser": User.objects.create_superuser("root", password="x"),
    }


def answers(user, app: str, model: str, thing) -> tuple[bool, ...]:
    return tuple(user.has_perm(f"{app}.{action}_{model}", thing) for action in ACTIONS)


@pytest.mark.parametrize("who", ALLOWED)
def test_a_poll_is_run_by_its_owner_and_hosts_by_role(people, who):
    poll = poll_create(question="Cats or dogs?", options=TWO, slug="cats")
    Poll.objects.filter(pk=poll.pk).update(owner=people["owner"])
    PollHost.objects.create(poll=poll, user=people["moderator"], role=HostRole.MODERATOR)
    PollHost.objects.create(poll=poll, user=people["co-host"], role=HostRole.CO_HOST)
    poll.refresh_from_db()

    assert answers(people[who], "polls", "poll", poll) == ALLOWED[who]


@pytest.mark.parametrize("who", ALLOWED)
def test_an_event_and_its_questions_are_run_by_the_events_owner_and_hosts(people, who):
    question = poll_create(question="Cats or dogs?", options=TWO, slug="cats")
    event = event_create(title="Week 3", polls=[question], slug="week3")
    event.owner = people["owner"]
    event.save(update_fields=["owner"])
    EventHost.objects.create(event=event, user=people["moderator"], role=HostRole.MODERATOR)
    EventHost.objects.create(event=event, user=people["co-host"], role=HostRole.CO_HOST)
    # The poll's own owner is no one's here: the event decides for its questions.
    PollHost.objects.create(poll=question, user=people["another presenter"], role="co-host")
    question.refresh_from_db()

    assert answers(people[who], "events", "event", event) == ALLOWED[who]
    assert answers(people[who], "polls", "poll", question) == ALLOWED[who]


def test_without_an_object_the_model_permissions_answer_as_before(people):
    assert people["superuser"].has_perm("polls.change_poll")
    assert not people["owner"].has_perm("polls.change_poll")  # no presenter's group yet


BEFORE_OWNERS = [
    ("polls", "0016_hidden_answers"),
    ("events", "0005_quiz_scores_questions_with_a_right_answer"),
]


@pytest.mark.django_db(transaction=True)  # the migrations run back and forth
def test_what_was_made_before_owners_is_the_earliest_superusers():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_OWNERS)
    before = executor.loader.project_state(BEFORE_OWNERS).apps
    User.objects.create_superuser("first", password="x")
    User.objects.create_superuser("later", password="x")
    User.objects.create_user("staff", is_staff=True, date_joined=timezone.now() - timedelta(1))
    before.get_model("polls", "Poll").objects.create(question="Cats or dogs?", slug="cats")
    before.get_model("events", "Event").objects.create(title="Week 3", slug="week3", code="ABCDEF")

    executor = MigrationExecutor(connection)  # the graph as it is now
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Poll.objects.get().owner.username == "first"
    assert Event.objects.get().owner.username == "first"
