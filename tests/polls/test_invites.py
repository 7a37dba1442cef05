"""Invitation-only polls: staff make one-time codes; a code, once entered, is its voter."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import AsyncClient, Client

from polls.models import Invite, Poll
from polls.stream import VOTE_STREAM
from polls.voters import invite_voter
from tests.support.processes import streamed

pytestmark = pytest.mark.django_db

PAGE = "/polls/cats-vs-dogs/"
SHOWN = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


def test_the_command_prints_new_codes_and_makes_the_poll_invitation_only(poll, codes):
    assert len(codes) == len(set(codes)) == 3
    assert all(SHOWN.match(code) for code in codes)
    assert Poll.objects.get().requires_invite
    assert Invite.objects.filter(poll=poll, used_at__isnull=True).count() == 3


@pytest.mark.parametrize(("slug", "count"), [("no-such-poll", "3"), ("cats-vs-dogs", "0")])
def test_the_command_refuses_a_poll_it_cannot_find_or_a_count_out_of_range(poll, slug, count):
    with pytest.raises(CommandError):
        call_command("invites", slug, count, stdout=io.StringIO())
    assert not Invite.objects.exists()


def test_createpoll_makes_an_invitation_only_poll(db):
    call_command("createpoll", "Board?", "Ann", "Bo", "--invites", stdout=io.StringIO())

    assert Poll.objects.get().requires_invite


def test_a_voter_enters_a_code_once_then_votes_as_the_code(poll, codes, redis_db):
    browser = Client()
    assert "by invitation" in browser.get(PAGE).content.decode()

    entered = browser.post(PAGE, {"invite": codes[0].lower().replace("-", " ")})  # as typed
    voted = browser.post(PAGE, {"option": "dogs"})
    changed = browser.post(PAGE, {"option": "cats"})

    assert entered.status_code == voted.status_code == changed.status_code == 303
    assert 'You voted for <strong dir="auto">Cats</strong>' in browser.get(PAGE).content.decode()
    voter = invite_voter(codes[0].replace("-", ""))
    assert {fields[b"voter"].decode() for _, fields in redis_db.xrange(VOTE_STREAM)} == {voter}
    assert Invite.objects.get(code=codes[0].replace("-", "")).used_at is not None


def test_an_unknown_or_used_code_is_403_the_same_way_and_queues_nothing(poll, codes, redis_db):
    Client().post(PAGE, {"invite": codes[0]})  # someone else's now

    answers = [Client().post(PAGE, {"invite": typed}) for typed in ("ZZZZ-ZZZZ", codes[0])]

    assert [answer.status_code for answer in answers] == [403, 403]
    unknown, used = (ALERT.search(answer.content.decode()).group(1) for answer in answers)
    # Which of the two it was is not said: a guess would learn it had found a code.
    assert unknown.replace("ZZZZ-ZZZZ", codes[0]) == used
    assert "does not open this poll" in used
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_wrong_codes_are_limited_per_voter(poll, codes, redis_db, settings):
    settings.VOTING_RATE_INVITE_TRIES = (3, 60)
    browser = Client()
    browser.get(PAGE)

    wrong = [browser.post(PAGE, {"invite": f"ZZZZ-ZZZ{n}"}).status_code for n in range(4)]
    right = browser.post(PAGE, {"invite": codes[0]})

    assert wrong == [403, 403, 403, 429]
    assert right.status_code == 429  # until the wait is over, not even the right one
    assert "Too many wrong invite codes" in right.content.decode()
    assert Client().post(PAGE, {"invite": codes[1]}).status_code == 303  # another voter


def test_wrong_codes_are_limited_per_address_whatever_the_cookies(poll, codes, redis_db, settings):
    settings.VOTING_RATE_INVITE_TRIES_PER_ADDRESS = (3, 60)

    wrong = [Client().post(PAGE, {"invite": f"ZZZZ-ZZZ{n}"}).status_code for n in range(4)]

    assert wrong == [403, 403, 403, 429]


def test_a_vote_without_a_code_is_403_and_queues_nothing(poll, codes, redis_db):
    browser = Client()
    browser.get(PAGE)

    answer = browser.post(PAGE, {"option": "cats"})

    assert answer.status_code == 403
    assert "enter your invite code first" in answer.content.decode()
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_a_code_of_another_poll_lets_nobody_in(poll, codes, redis_db):
    from polls.services import poll_create

    other = poll_create(question="Tea?", options=[("tea", "Tea"), ("coffee", "Coffee")])
    other.requires_invite = True
    other.save()

    assert Client().post(f"/polls/{other.slug}/", {"invite": codes[0]}).status_code == 403


@pytest.mark.django_db(transaction=True)  # the CSV streams from another thread
def test_staff_export_the_codes_and_print_the_unused_ones(poll, codes, admin_user, client):
    Client().post(PAGE, {"invite": codes[0]})
    assert client.get("/polls/cats-vs-dogs/invites.csv").status_code == 302  # sign in first
    client.force_login(admin_user)
    staff = AsyncClient()
    staff.force_login(admin_user)

    async def download() -> str:
        response = await staff.get("/polls/cats-vs-dogs/invites.csv")
        return b"".join([part async for part in streamed(response)]).decode()

    csv = asyncio.run(download())
    slips = client.get("/polls/cats-vs-dogs/invites/").content.decode()

    lines = csv.splitlines()
    assert lines[0] == "code,used_at"
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(codes)
    assert [line.split(",")[1] != "" for line in lines[1:]].count(True) == 1
    assert codes[0] not in slips and all(code in slips for code in codes[1:])
    assert "http://testserver/polls/cats-vs-dogs/" in slips


def test_the_admin_makes_codes_and_shows_how_many_are_used(poll, admin_user, client):
    client.force_login(admin_user)
    changelist = "/admin/polls/poll/"

    asked = client.post(changelist, {"action": "make_invites", "_selected_action": [poll.pk]})
    made = client.post(
        changelist,
        {"action": "make_invites", "_selected_action": [poll.pk], "apply": "1", "count": "5"},
        follow=True,
    )
    Client().post(PAGE, {"invite": str(Invite.objects.first())})

    assert "How many codes" in asked.content.decode()
    assert "Made 5 invite codes" in made.content.decode()
    assert Poll.objects.get().requires_invite
    assert "1 / 5" in client.get(changelist).content.decode()


ALERT = re.compile(r'<p class="alert"[^>]*>(.*?)</p>', re.DOTALL)
