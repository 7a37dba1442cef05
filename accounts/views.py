"""The presenters' sign-in page (a password, or the institution's provider), the page
that says why a sign-in through the provider did not happen, and sign-out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.institution import FAILURE_KEY, configured
from polls import voters


class SignIn(LoginView):
    """`/accounts/login/`: "Sign in with NAME" where a provider is configured, and the
    password form for local accounts (django-axes locks out repeated failures)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["institution"] = settings.VOTING_OIDC_NAME if configured() else None
        return context


@require_GET
@never_cache
def sign_in_failed(request: HttpRequest) -> HttpResponse:
    """Why the provider's sign-in did not happen: this person may not present here (and
    whom to ask), the provider could not be reached, or the sign-in did not complete."""
    failure = request.session.get(FAILURE_KEY) or {"why": "incomplete", "who": ""}
    context = {
        "why": failure["why"],
        "who": failure["who"],
        "contact": settings.VOTING_OIDC_CONTACT,
        "institution": settings.VOTING_OIDC_NAME,
    }
    return render(request, "accounts/failed.html", context, status=403)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends the session (its data gone, its key with it), then to the home page. The
    browser gets a new voter cookie too: a participant of a signed-in event votes by a
    cookie made from their account, which the next person at a shared computer must not
    inherit."""
    logout(request)
    response = redirect("polls:list")
    voters.remember_voter(response, token=voters.new_voter_token(), request=request)
    return response
