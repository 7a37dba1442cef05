"""The audience's pages: the poll list with its join-code field, joining by code, the vote page."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from redis import RedisError

from polls import voters
from polls.forms import NEXT_FIELD, Given, VoteForm, text_sent
from polls.invites import InviteRefused, invite_redeem
from polls.kinds import kind_of
from polls.models import DEMO_SLUG, Poll
from polls.selectors import (
    Ballot,
    ballot_for,
    joined_by_code,
    questions_for,
    upvoted_by,
    voter_choice,
)
from polls.services import (
    AddressFull,
    NotPlaying,
    PollClosed,
    TimeUp,
    has_joined,
    question_send,
    vote_cast,
)
from voting_site.clients import client_network, request_address
from voting_site.limits import Limited, Rate, retry_after
from voting_site.metrics import count_refused
from voting_site.middleware import with_user
from voting_site.responses import plain_text, see_other, too_many

logger = logging.getLogger(__name__)


@require_GET
@with_user
def poll_list(request: HttpRequest, *, message: str = "", status: int = 200) -> HttpResponse:
    """The home page: a field for the code on the screen. A room's questions are not an
    index for the world: presenters find theirs at /host/ (and, where `make up` runs
    it, anyone a link to the demo poll)."""
    context: dict[str, Any] = {"message": message, "code": request.GET.get("code", "")}
    if settings.VOTING_DEMO and not request.user.is_staff:
        context["demo"] = Poll.objects.filter(slug=DEMO_SLUG).first()
    return render(request, "polls/poll_list.html", context, status=status)


@require_GET
def join(request: HttpRequest, code: str = "") -> HttpResponseBase:
    """`/j/<code>`, or the home page's field (`/j/?code=`): 302 to the poll (or the event)
    with that code, 404 if none has it."""
    code = code or request.GET.get("code", "")
    if not code.strip(" -"):
        return redirect("polls:list")
    poll = joined_by_code(code)
    if poll is None:
        message = _("No poll has the code “%(code)s”. Check the code on the screen and try again.")
        return poll_list(request, message=message % {"code": code}, status=404)
    return redirect(poll)


@require_http_methods(["GET", "POST"])
async def poll_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The vote page: GET shows the poll and the voter's choice; POST queues a vote, then 303.

    An invitation-only poll first asks for an invite code, which then is the voter.
    """
    ballot = await ballot_for(slug=slug)
    if ballot is None:
        raise Http404(_("There is no poll by that name."))
    token = voters.voter_token(request)
    if token is None:  # a new voter: so many per client address
        refused = await new_voter_refused(request)
        if refused:
            return refused
    voter = voters.voter_key(token) if token else None
    if ballot.requires_invite:
        response = await _invited(request, ballot)
    elif request.method == "POST":
        response = await _vote(request, ballot, voter)
    else:
        response = await _page(request, ballot, voter, form=VoteForm(ballot=ballot))
    # The cookie is renewed by every answer but a vote's 303: the page it leads to renews it.
    if token is None or response.status_code != 303:
        voters.remember_voter(response, token=token or voters.new_voter_token(), request=request)
    return response


async def new_voter_refused(request: HttpRequest) -> HttpResponse | None:
    """A new voter (no cookie yet) counted against their address's limit: the 429 to
    answer if it is used up, else None."""
    wait = await retry_after(
        "new-voters", client_network(request_address(request)), settings.VOTING_RATE_NEW_VOTERS
    )
    if not wait:
        return None
    if request.method == "POST":
        await count_refused("new_voter_limit")
    message = _("Too many new voters have come from your network just now.")
    return too_many(request, retry_after=wait, message=message)


async def _invited(request: HttpRequest, ballot: Ballot) -> HttpResponse:
    """An invitation-only poll: the code the browser entered is its voter."""
    code = voters.invite_code(request.COOKIES, ballot.id)
    if code is not None:
        voter = voters.invite_voter(code)
        if request.method == "POST":
            return await _vote(request, ballot, voter)
        return await _page(request, ballot, voter, form=VoteForm(ballot=ballot))
    if request.method == "GET":
        return render(request, "polls/invite.html", {"ballot": ballot})
    if "invite" not in request.POST:
        await count_refused("invite")
        message = _("This poll is by invitation: enter your invite code first.")
        return render(
            request, "polls/invite.html", {"ballot": ballot, "error": message}, status=403
        )
    typed = request.POST["invite"][:40]
    tries = _invite_tries(request)
    for name, subject, rate in tries:
        if wait := await retry_after(name, subject, rate, count=False):
            await count_refused("invite")
            message = _("Too many wrong invite codes have come from you just now.")
            return too_many(request, retry_after=wait, message=message)
    try:
        code = await sync_to_async(invite_redeem)(poll_id=ballot.id, code=typed)
    except InviteRefused:
        for name, subject, rate in tries:
            await retry_after(name, subject, rate)  # one more wrong code
        await count_refused("invite")
        message = _(
            "The code %(code)s does not open this poll: check it, or ask for another. "
            "Each code lets one person vote."
        )
        context = {"ballot": ballot, "error": message % {"code": typed}, "typed": typed}
        return render(request, "polls/invite.html", context, status=403)
    response = see_other(request.path)
    voters.remember_invite(response, poll_id=ballot.id, code=code, request=request)
    return response


def _invite_tries(request: HttpRequest) -> list[tuple[str, str, Rate | None]]:
    """The limits on wrong invite codes that a try counts in: its address's, and its
    voter's when the browser has a voter cookie."""
    tries = [
        (
            "invite-tries-address",
            client_network(request_address(request)),
            settings.VOTING_RATE_INVITE_TRIES_PER_ADDRESS,
        )
    ]
    token = voters.voter_token(request)
    if token is not None:
        tries.append(("invite-tries", voters.voter_key(token), settings.VOTING_RATE_INVITE_TRIES))
    return tries


async def _vote(request: HttpRequest, ballot: Ballot, voter: str | None) -> HttpResponse:
    form = VoteForm(request.POST, ballot=ballot)
    if voter is None:
        # Missing, forged or tampered with: never trusted. The page comes back
        # with a fresh cookie, so voting again from it works.
        form.add_error(None, _("Your browser did not send its voter cookie. "
                               "Cookies must be enabled to vote; please vote again."))  # fmt: skip
        await count_refused("no_cookie")
        return await _page(request, ballot, voter, form=form, status=400)
    if ballot.state() != Poll.State.OPEN:
        await count_refused("closed")
        return await _page(request, ballot, voter, form=VoteForm(ballot=ballot), status=409)
    # Text is cleaned and filtered only within the limit: a flood of answers is refused
    # before any is read (it is counted as a use once queued, in the same Redis step).
    if text_sent(ballot, request.POST) and (
        wait := await retry_after("entries", voter, settings.VOTING_RATE_ENTRIES, count=False)
    ):
        await count_refused("vote_limit")
        message = _("You have sent too many answers or questions just now.")
        return too_many(request, retry_after=wait, message=message)
    if not form.is_valid():
        await count_refused("invalid")
        return await _page(request, ballot, voter, form=form, status=400)
    given = form.cleaned_data["cast"]
    if kind_of(ballot.kind).takes_questions:
        return await _question(request, ballot, voter, given, form)
    try:
        queued = await vote_cast(
            ballot=ballot,
            choices=given.choices,
            answers=given.answers,
            voter=voter,
            address=client_network(request_address(request)),
        )
    except Limited as limited:
        await count_refused("vote_limit")
        message = _("You have voted too many times just now.")
        return too_many(request, retry_after=limited.retry_after, message=message)
    except (PollClosed, TimeUp, NotPlaying, AddressFull) as refused:
        return await _refused(request, ballot, voter, form, refused)
    except RedisError as error:
        logger.warning("vote not queued: Redis is unreachable: %s", error)
        message = _("Sorry, your vote was not recorded: the vote queue is unreachable. "
                    "Please go back and try again in a moment.")  # fmt: skip
        return plain_text(message + "\n", status=503)
    if not queued:
        await count_refused("already_voted")
        form.add_error(None, _("You have already voted: in this poll a vote is final."))
        return await _page(request, ballot, voter, form=form, status=409)
    return see_other(after_vote(request))


async def _question(
    request: HttpRequest, ballot: Ballot, voter: str, given: Given, form: VoteForm
) -> HttpResponse:
    """A Q&A's entry: a question asked, or an upvote given or taken back; then 303."""
    try:
        if not await has_joined(ballot=ballot, voter=voter):
            raise NotPlaying
        await question_send(
            ballot=ballot,
            voter=voter,
            address=client_network(request_address(request)),
            asked=given.asked,
            upvote=given.upvote,
            up=given.up,
        )
    except Limited as limited:
        await count_refused("vote_limit")
        message = _("You have sent too many questions or upvotes just now.")
        return too_many(request, retry_after=limited.retry_after, message=message)
    except (PollClosed, AddressFull, NotPlaying) as refused:
        return await _refused(request, ballot, voter, form, refused)
    except RedisError as error:
        logger.warning("question not queued: Redis is unreachable: %s", error)
        message = _("Sorry, that was not recorded: the queue is unreachable. "
                    "Please go back and try again in a moment.")  # fmt: skip
        return plain_text(message + "\n", status=503)
    back = after_vote(request)
    if given.asked is not None:  # the page says the question was sent, and when it shows
        back += ("&" if "?" in back else "?") + "asked=1"
    return see_other(back)


async def _refused(
    request: HttpRequest,
    ballot: Ballot,
    voter: str,
    form: VoteForm,
    refused: PollClosed | TimeUp | NotPlaying | AddressFull,
) -> HttpResponse:
    """The page again, saying why Redis refused the vote (nothing was queued)."""
    if isinstance(refused, PollClosed):
        await count_refused("closed")
        # Closed in Redis a moment before this process's copy of the poll knew it.
        closed = dataclasses.replace(ballot, is_open=False)
        return await _page(request, closed, voter, form=VoteForm(ballot=closed), status=409)
    if isinstance(refused, TimeUp):
        await count_refused("time_up")
        form.add_error(None, _("Time is up: this answer came too late to count."))
        return await _page(request, ballot, voter, form=form, status=409)
    if isinstance(refused, NotPlaying):
        await count_refused("not_playing")
        form.add_error(
            None,
            _("Join the quiz with a nickname first: this answer was not recorded.")
            if ballot.quiz_id
            else _("Join the event first, on its page: this answer was not recorded."),
        )
        return await _page(request, ballot, voter, form=form, status=403)
    await count_refused("address_cap")
    form.add_error(
        None,
        ngettext(
            "This poll takes %(n)d voter from each network, and one has voted from yours.",
            "This poll takes %(n)d voters from each network, and that many have voted from yours.",
            refused.cap,
        )
        % {"n": refused.cap},
    )
    return await _page(request, ballot, voter, form=form, status=403)


def after_vote(request: HttpRequest) -> str:
    """Where a vote's 303 leads: the page the form names (`next`, a path of this site: an
    event's page), else the poll's own."""
    wanted = request.POST.get(NEXT_FIELD, "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return request.path


async def _page(
    request: HttpRequest, ballot: Ballot, voter: str | None, *, form: VoteForm, status: int = 200
) -> HttpResponse:
    vote = await vote_context(ballot, voter, form=form) | {"asked": asked_now(request)}
    context = {"vote": vote, "ballot": ballot, "state": vote["state"]}
    return render(request, "polls/poll_detail.html", context, status=status)


def asked_now(request: HttpRequest) -> bool:
    """Whether the page follows a question just asked (the 303's `?asked=1`): it says
    the question was sent, and when it will show."""
    return request.GET.get("asked") == "1"


async def vote_context(
    ballot: Ballot, voter: str | None, *, form: VoteForm | None = None
) -> dict[str, Any]:
    """What a poll's vote form (polls/_cast_*.html) needs: the poll, its state, the voter's
    vote (a refused form's choices instead), and the kind's instructions."""
    form = form or VoteForm(ballot=ballot)
    choice = await voter_choice(ballot=ballot, voter=voter) if voter else None
    chosen: list[int | None] = list(choice.ids()) if choice else []
    if form.is_bound and form.errors and not kind_of(ballot.kind).one_tap:
        # A refused form keeps the ticks, the score or the order the voter chose (a single
        # choice is one tap: its button would say "your vote" of a vote not taken).
        chosen = _submitted(ballot, form.data)
    least, most = ballot.choices_allowed()
    kind = kind_of(ballot.kind)
    # An open poll's text fields, one per answer it takes: the voter's answers, or what a
    # refused form had typed.
    typed = form.data.getlist(kind.field) if form.is_bound and form.errors else []  # type: ignore[attr-defined]
    texts = list(typed or (choice.answers if choice else ()))
    return {
        **(await _questions_context(ballot, voter, form) if kind.takes_questions else {}),
        "ballot": ballot,
        "state": ballot.state(),
        "form": form,
        "voter_choice": choice,
        "chosen": chosen,
        # A ranking's selects, one per place, preset to the voter's order.
        "places": [*chosen, *[None] * (most - len(chosen))][:most],
        "least": least,
        "most": most,
        "instructions": kind.instructions(ballot),
        "answer_fields": [*texts, *[""] * most][:most] if kind.takes_text else [],
    }


async def _questions_context(ballot: Ballot, voter: str | None, form: VoteForm) -> dict[str, Any]:
    """A Q&A's vote page: its questions, if the voter may see them (with PostgreSQL down,
    none), the voter's upvotes, and what a refused form had typed."""
    qa: dict[str, Any] | None = None
    if ballot.results_visible(has_voted=False):
        try:
            lists = await sync_to_async(questions_for)(ballot.id, ballot.round)
            qa = {"visible": True, "poll": ballot.slug, **lists}
        except DatabaseError:
            logger.warning("PostgreSQL is unreachable: a Q&A's page without its questions")
    mine = await upvoted_by(ballot=ballot, voter=voter) if voter else set()
    refused = form.is_bound and form.errors
    return {
        "qa": qa,
        "mine": mine,
        "mine_json": json.dumps(sorted(mine)),
        "typed_question": form.data.get("question", "") if refused else "",
        "typed_name": form.data.get("name", "") if refused else "",
    }


def _submitted(ballot: Ballot, data: Any) -> list[int | None]:
    """The options a refused form had chosen, in its order (a ranking's places: None for
    one left empty), so that the page shows them again; what is no option is left out."""
    kind = kind_of(ballot.kind)
    given = [slug.strip() for slug in data.getlist(kind.field)]
    picked = [ballot.choice(slug) if slug else None for slug in given]
    if not kind.ordered:
        return [choice.id for choice in picked if choice is not None]
    return [choice.id if choice is not None else None for choice in picked]
