"""The management commands for people who script their polls."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from polls.models import Poll

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_leaves_one_demo_poll():
    call_command("seed_demo")
    call_command("seed_demo")

    poll = Poll.objects.get()
    assert (poll.slug, poll.question) == ("cats-vs-dogs", "Cats or dogs?")
    assert [(o.slug, o.label) for o in poll.options.all()] == [("cats", "Cats"), ("dogs", "Dogs")]


def test_seed_demo_if_no_polls_leaves_existing_polls_alone():
    call_command("createpoll", "Tea or coffee?", "Tea", "Coffee")

    call_command("seed_demo", "--if-no-polls")

    assert list(Poll.objects.values_list("slug", flat=True)) == ["tea-or-coffee"]


def test_createpoll_derives_slugs(capsys):
    call_command("createpoll", "Best season?", "Spring", "Summer", "Autumn", "Winter")

    poll = Poll.objects.get(slug="best-season")
    assert poll.state_at() == Poll.State.OPEN
    assert list(poll.options.values_list("slug", "position")) == [
        ("spring", 0),
        ("summer", 1),
        ("autumn", 2),
        ("winter", 3),
    ]
    assert "/polls/best-season/" in capsys.readouterr().out


def test_createpoll_takes_given_slugs():
    call_command("createpoll", "Cats or dogs?", "c=Cats", "d=Dogs", "--slug", "pets")

    assert list(Poll.objects.get(slug="pets").options.values_list("slug", flat=True)) == ["c", "d"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Lonely?", "Yes"], "at least two options"),
        (["Same?", "A", "a"], "clash"),
        (["!!!", "A", "B"], "needs a slug"),
    ],
)
def test_createpoll_refuses_bad_polls_and_makes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createpoll", *args)

    assert not Poll.objects.exists()


def test_createpoll_refuses_a_slug_in_use(poll):
    with pytest.raises(CommandError, match="exists already"):
        call_command("createpoll", "Cats or dogs again?", "Cats", "Dogs", "--slug", "cats-vs-dogs")


def test_closepoll_closes_it(poll, capsys):
    call_command("closepoll", "cats-vs-dogs")

    poll.refresh_from_db()
    assert poll.state_at() == Poll.State.CLOSED
    assert "Closed cats-vs-dogs" in capsys.readouterr().out


def test_closepoll_names_an_unknown_poll():
    with pytest.raises(CommandError, match="no poll 'nope'"):
        call_command("closepoll", "nope")
