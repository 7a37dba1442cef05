"""Sign-in through the institution's identity provider, with OpenID Connect:
mozilla-django-oidc's authorization code flow (with PKCE, state and nonce), the
provider's endpoints found by discovery, and this server's rule of who may present.

Configured by VOTING_OIDC_ISSUER, VOTING_OIDC_CLIENT_ID, VOTING_OIDC_CLIENT_SECRET,
VOTING_OIDC_NAME (the button's word), VOTING_OIDC_PRESENTERS and, for the events whose
participants sign in, VOTING_OIDC_PARTICIPANTS (all, unless set), each a rule:

    all                     everyone the provider signs in
    domain:example.org      a verified e-mail address in that domain
    claim:groups=teachers   a claim with that value (or a list that holds it)

Whoever passes the presenters' rule becomes a presenter on first sign-in
(events/presenters.py). A sign-in started from an event's page (`?participant=1`) also
lets in whom the participants' rule passes, with an account that only takes part
(events/participants.py). Anyone else is turned back with a page that says so, and no
session.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from events.presenters import presenter_make

logger = logging.getLogger(__name__)

# The session's note of why a sign-in did not happen ("refused", "unreachable") and
# who was turned back, for the page that says so.
FAILURE_KEY = "oidc_failure"
# The session's note that the sign-in under way is a participant's (an event's page
# started it): VOTING_OIDC_PARTICIPANTS lets them in, and no one becomes a presenter.
PARTICIPANT_KEY = "oidc_participant"
# How long the provider's discovery document is kept before it is read again.
DISCOVERY_SECONDS = 3600
# The provider's endpoints this client uses, by mozilla-django-oidc's setting names.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def configured() -> bool:
    return bool(settings.VOTING_OIDC_ISSUER)


class _Discovery:
    """The provider's `/.well-known/openid-configuration`, read when first needed and
    kept for DISCOVERY_SECONDS: one small document, whatever the traffic."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read_at = -float("inf")
        self.issuer = ""
        self.document: dict[str, Any] = {}

    def endpoint(self, setting: str) -> str:
        issuer = settings.VOTING_OIDC_ISSUER.rstrip("/")
        with self.lock:
            if self.issuer != issuer or time.monotonic() - self.read_at > DISCOVERY_SECONDS:
                self.document = self._read(issuer)
                self.issuer, self.read_at = issuer, time.monotonic()
            return str(self.document[ENDPOINTS[setting]])

    @staticmethod
    def _read(issuer: str) -> dict[str, Any]:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        if document.get("issuer", "").rstrip("/") != issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer asked.
            raise ImproperlyConfigured(
                f"{issuer} describes another issuer: {document.get('issuer')}"
            )
        missing = [name for name in ENDPOINTS.values() if not document.get(name)]
        if missing:
            raise ImproperlyConfigured(f"{issuer} names no {', '.join(missing)}")
        return document


discovery = _Discovery()


def _setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings: the provider's endpoints by discovery, the rest
    from Django's settings."""
    if attr in ENDPOINTS:
        return discovery.endpoint(attr)
    return getattr(settings, attr, *default)


def allowed(rule: str, claims: dict[str, Any]) -> bool:
    """Whether a rule (all, domain:…, claim:…=…) lets the person these claims describe in."""
    if rule == "all":
        return True
    kind, _colon, wanted = rule.partition(":")
    if kind == "domain":
        email = str(claims.get("email", ""))
        verified = claims.get("email_verified") is True
        return verified and email.lower().endswith("@" + wanted.lower().lstrip("@"))
    if kind == "claim":
        name, _equals, value = wanted.partition("=")
        held = claims.get(name)
        return held == value or (isinstance(held, list) and value in held)
    return False


def presenter_allowed(claims: dict[str, Any]) -> bool:
    """Whether VOTING_OIDC_PRESENTERS lets the person these claims describe present."""
    return allowed(settings.VOTING_OIDC_PRESENTERS, claims)


def participant_allowed(claims: dict[str, Any]) -> bool:
    """Whether VOTING_OIDC_PARTICIPANTS lets them take part in a signed-in event."""
    return allowed(settings.VOTING_OIDC_PARTICIPANTS, claims)


def rule_check(setting: str, rule: str) -> str:
    """The rule as settings hold it; ImproperlyConfigured if it is none of the three."""
    kind, colon, wanted = rule.partition(":")
    if rule == "all" or (kind == "domain" and colon and wanted):
        return rule
    if kind == "claim" and "=" in wanted and wanted.partition("=")[0]:
        return rule
    raise ImproperlyConfigured(
        f"{setting}={rule!r}: say whom it lets in with all, domain:example.org or claim:NAME=VALUE"
    )


class InstitutionBackend(OIDCAuthenticationBackend):
    """Signs in whom the provider vouches for, by their verified e-mail address, if the
    rule lets them present (or, from an event's page, take part); makes them a presenter
    on first sign-in when they may present, else an account that only takes part.

    It answers only the provider's callback (a `code` and a `state`), and reads the
    provider's endpoints only then: a password sign-in never waits for the provider.
    """

    get_settings = staticmethod(_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()  # the endpoints wait for a callback

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if request is None or not configured() or "code" not in request.GET:
            return None
        try:
            OIDCAuthenticationBackend.__init__(self)  # the endpoints, by discovery, now
            return super().authenticate(request, **kwargs)
        except (
            requests.RequestException,
            ValueError,
            SuspiciousOperation,
            ImproperlyConfigured,
        ) as error:
            # A code used twice, a token that does not verify, a provider unreachable:
            # no sign-in, one line of log, and the page that says it did not work.
            logger.warning("sign-in through %s refused: %s", settings.VOTING_OIDC_ISSUER, error)
            return None

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        participant = bool(self.request.session.get(PARTICIPANT_KEY))
        if (
            claims.get("email_verified") is True
            and claims.get("email")
            and (presenter_allowed(claims) or (participant and participant_allowed(claims)))
        ):
            return True
        who = str(claims.get("email") or claims.get("sub", ""))[:254]
        why = "refused-participant" if participant else "refused"
        self.request.session[FAILURE_KEY] = {"why": why, "who": who}
        return False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(email__iexact=claims["email"])

    def create_user(self, claims: dict[str, Any]) -> Any:
        email = claims["email"].lower()
        taken = self.UserModel.objects.filter(username=email).exists()
        username = f"{email}-{claims['sub']}"[:150] if taken else email
        if presenter_allowed(claims):
            user, _made = presenter_make(username=username, email=email, password=None)
        else:  # a participant: an account that takes part, and no more
            user = self.UserModel.objects.create_user(username, email, password=None)
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        """A presenter if the rule says so today, with the name the provider gives."""
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.save(update_fields=["first_name", "last_name"])
        if presenter_allowed(claims):
            presenter_make(username=user.username, email=user.email, password=None)
        return user


class SignInStart(OIDCAuthenticationRequestView):
    """To the provider's sign-in page, with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # View's own, not the library's: that one reads the provider's endpoint at once,
        # where `get` cannot answer for a provider out of reach.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: Any) -> Any:
        request.session.pop(FAILURE_KEY, None)
        request.session[PARTICIPANT_KEY] = request.GET.get("participant") == "1"
        if not configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = _setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError, ImproperlyConfigured) as error:
            logger.warning("%s unreachable: %s", settings.VOTING_OIDC_ISSUER, error)
            request.session[FAILURE_KEY] = {"why": "unreachable", "who": ""}
            return redirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        return super().get(request)


class SignInCallback(OIDCAuthenticationCallbackView):
    """Back from the provider: signed in (a new session key) and on to `next` or /host/,
    or to the page that says why not."""

    get_settings = staticmethod(_setting)
