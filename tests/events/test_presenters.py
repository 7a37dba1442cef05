"""Presenters and hosts from the command line: createpresenter, createpoll and createevent
--owner, and hosts list|add|remove (events/presenters.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from events.models import Event
from events.presenters import PRESENTERS, presenters_group
from polls.models import Poll

pytestmark = pytest.mark.django_db


def test_createpresenter_makes_a_staff_account_in_the_presenters_group(monkeypatch, capsys):
    monkeypatch.setenv("PRESENTER_PASSWORD", "a long pass phrase")
    call_command("createpresenter", "ana", "--email", "ana@example.org", "--noinput")

    ana = User.objects.get(username="ana")
    assert capsys.readouterr().out.strip() == "Made presenter ana."
    assert ana.is_staff and not ana.is_superuser and ana.email == "ana@example.org"
    assert ana.check_password("a long pass phrase")
    assert ana.groups.filter(name=PRESENTERS).exists()
    assert ana.has_perm("polls.add_poll") and ana.has_perm("events.add_event")
    assert not ana.has_perm("auth.add_user")


def test_createpresenter_asks_twice_refuses_a_weak_password_and_promotes_an_account(
    monkeypatch, capsys
):
    answers = iter(["one long pass phrase", "another long phrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("createpresenter", "bo")
    monkeypatch.setenv("PRESENTER_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("createpresenter", "bo", "--noinput")
    assert not User.objects.filter(username="bo").exists()

    User.objects.create_user("cy", password="x" * 12)
    monkeypatch.delenv("PRESENTER_PASSWORD")
    call_command("createpresenter", "cy", "--noinput")

    assert "cy is now a presenter." in capsys.readouterr().out
    assert User.objects.get(username="cy").has_perm("polls.change_poll")


def test_the_group_is_made_again_with_its_permissions_should_it_be_gone():
    from django.contrib.auth.models import Group

    Group.objects.filter(name=PRESENTERS).delete()
    assert presenters_group().permissions.filter(codename="add_event").exists()


def test_createpoll_and_createevent_take_an_owner_and_hosts_are_set_by_command(capsys):
    for name in ("ana", "bo"):
        User.objects.create_user(name, email=f"{name}@example.org", password="x" * 12)
    call_command("createpoll", "Cats or dogs?", "cats", "dogs", "--owner", "ana")
    call_command("createpoll", "Tea or coffee?", "tea", "coffee", "--owner", "ana")
    call_command("createevent", "Week 3", "tea-or-coffee", "--owner", "ana", "--slug", "week3")
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("createpoll", "Q?", "a", "b", "--owner", "nobody")
    capsys.readouterr()

    call_command("hosts", "week3", "add", "bo@example.org", "--role", "moderator")
    call_command("hosts", "cats-or-dogs", "add", "bo")
    call_command("hosts", "week3", "list")
    call_command("hosts", "tea-or-coffee", "list")  # a poll in an event: the event's
    said = capsys.readouterr().out.splitlines()

    assert Poll.objects.get(slug="cats-or-dogs").owner.username == "ana"
    assert Event.objects.get(slug="week3").owner.username == "ana"
    assert said == [
        "bo hosts week3 as moderator.",
        "bo hosts cats-or-dogs as co-host.",
        "ana\towner", "bo\tmoderator",
        "ana\towner", "bo\tmoderator",
    ]  # fmt: skip
    bo = User.objects.get(username="bo")
    assert bo.has_perm("events.present_event", Event.objects.get(slug="week3"))
    assert not bo.has_perm("events.change_event", Event.objects.get(slug="week3"))

    call_command("hosts", "week3", "remove", "bo")
    assert not bo.has_perm("events.present_event", Event.objects.get(slug="week3"))
    for args, message in [
        (("week3", "remove", "bo"), "bo does not host week3"),
        (("tea-or-coffee", "add", "bo"), "its hosts are the event's"),
        (("week3", "add", "ana"), "ana owns it"),
        (("nothing", "list"), "No event or poll 'nothing'"),
        (("week3", "add"), "Name the user"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("hosts", *args)
