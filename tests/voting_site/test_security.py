"""Who the client is behind a proxy, and the Content Security Policy."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from voting_site.clients import client_address
from voting_site.middleware import TrustedProxiesMiddleware

FORWARDED = {"HTTP_X_FORWARDED_FOR": "198.51.100.4, 203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https"}


async def seen(request):
    """What a view behind the middleware sees of the request."""
    got = {}

    async def view(request):
        got.update(request.META)

    await TrustedProxiesMiddleware(view)(request)
    return got


@pytest.mark.asyncio
async def test_forwarded_headers_from_anyone_but_a_trusted_proxy_are_dropped(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **FORWARDED)

    meta = await seen(request)

    assert meta["REMOTE_ADDR"] == "192.0.2.1"
    assert "HTTP_X_FORWARDED_FOR" not in meta and "HTTP_X_FORWARDED_PROTO" not in meta


@pytest.mark.asyncio
async def test_behind_a_trusted_proxy_the_client_is_the_one_it_names(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", **FORWARDED)

    meta = await seen(request)

    assert meta["REMOTE_ADDR"] == "203.0.113.9"  # the address the proxy heard from
    assert meta["HTTP_X_FORWARDED_PROTO"] == "https"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.5", "203.0.113.9, 10.0.0.7", "203.0.113.9"),  # two proxies of ours
        ("10.0.0.5", "evil, 203.0.113.9", "203.0.113.9"),  # what the client wrote is ignored
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        ("10.0.0.5", None, "10.0.0.5"),
        ("192.0.2.1", "203.0.113.9", "192.0.2.1"),  # not a proxy of ours
    ],
)
def test_client_address(settings, peer, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_address(peer, forwarded) == client


@pytest.mark.django_db
def test_pages_forbid_inline_and_foreign_scripts(client, poll):
    policy = client.get("/polls/cats-vs-dogs/")["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_staff_see_the_queues_dashboard_under_the_admin(client, admin_user, redis_db):
    assert client.get("/admin/rq/").status_code == 302  # to the admin's sign-in

    client.force_login(admin_user)
    dashboard = client.get("/admin/rq/")

    assert dashboard.status_code == 200
    assert "default" in dashboard.content.decode()
    assert "Content-Security-Policy" not in dashboard  # its inline scripts run
