"""The presenters' sign-in page with a password, the rule of who may present when
signing in through the identity provider, and what a half-configured provider does
(accounts/; the whole flow with a real provider: test_sign_in_browser.py)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from accounts.institution import presenter_allowed
from voting_site.processes import free_port

pytestmark = pytest.mark.django_db


def test_a_password_signs_a_presenter_in_and_the_page_offers_no_provider_unless_set(settings):
    User.objects.create_user("ana", password="a long pass phrase", is_staff=True)
    browser = Client()
    page = browser.get("/accounts/login/?next=/host/").content.decode()
    assert "Sign in to present" in page and "Sign in with" not in page

    wrong = browser.post("/accounts/login/", {"username": "ana", "password": "nope"})
    assert wrong.status_code == 200 and "do not match an account here" in wrong.content.decode()
    right = browser.post(
        "/accounts/login/", {"username": "ana", "password": "a long pass phrase", "next": "/host/"}
    )
    assert (right.status_code, right["Location"]) == (302, "/host/")
    assert browser.get("/host/").status_code == 200
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/host/").status_code == 302  # signed out

    settings.VOTING_OIDC_ISSUER, settings.VOTING_OIDC_NAME = "https://id.example", "Example U"
    assert "Sign in with Example U" in Client().get("/accounts/login/").content.decode()


@pytest.mark.parametrize(
    ("rule", "claims", "allowed"),
    [
        ("all", {"email": "x@any.example", "email_verified": True}, True),
        ("domain:school.example", {"email": "t@School.example", "email_verified": True}, True),
        ("domain:school.example", {"email": "t@school.example", "email_verified": False}, False),
        ("domain:school.example", {"email": "t@school.example.x", "email_verified": True}, False),
        ("domain:school.example", {"email": "t@notschool.example", "email_verified": True}, False),
        ("claim:groups=teachers", {"groups": ["staff", "teachers"]}, True),
        ("claim:groups=teachers", {"groups": ["students"]}, False),
        ("claim:role=teacher", {"role": "teacher"}, True),
        ("claim:role=teacher", {}, False),
    ],
)
def test_who_may_present_after_signing_in(settings, rule, claims, allowed):
    settings.VOTING_OIDC_PRESENTERS = rule
    assert presenter_allowed(claims) is allowed


@pytest.mark.parametrize(
    ("presenters", "client_id", "says"),
    [
        ("", "voting", "VOTING_OIDC_PRESENTERS=''"),
        ("domain:", "voting", "VOTING_OIDC_PRESENTERS='domain:'"),
        ("everyone", "voting", "VOTING_OIDC_PRESENTERS='everyone'"),
        ("all", "", "VOTING_OIDC_CLIENT_ID"),
    ],
)
def test_a_half_configured_provider_stops_the_process_at_start(settings, presenters, client_id,
                                                                says):  # fmt: skip
    settings.VOTING_OIDC_ISSUER = "https://id.example"
    settings.VOTING_OIDC_PRESENTERS = presenters
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = client_id, "secret"
    with pytest.raises(ImproperlyConfigured, match=says.replace("'", ".")):
        apps.get_app_config("accounts").ready()


def test_a_provider_out_of_reach_gets_a_page_that_says_so(settings):
    settings.VOTING_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings.VOTING_OIDC_PRESENTERS, settings.VOTING_OIDC_NAME = "all", "Example U"
    browser = Client()
    start = browser.get("/accounts/oidc/start/")
    assert (start.status_code, start["Location"]) == (302, "/accounts/failed/")
    page = browser.get("/accounts/failed/")
    assert page.status_code == 403
    assert "Example U cannot be reached right now to sign you in." in page.content.decode()
    settings.VOTING_OIDC_ISSUER = ""
    assert Client().get("/accounts/oidc/start/").status_code == 404
