"""Who the client is behind a proxy, and the Content Security Policy."""

from __future__ import annotations

from typing import Any

import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from voting_site.clients import client_address, client_network
from voting_site.middleware import TrustedProxiesMiddleware

FORWARDED: dict[str, Any] = {
    "HTTP_X_FORWARDED_FOR": "198.51.100.4, 203.0.113.9",
    "HTTP_X_FORWARDED_PROTO": "https",
}


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


def test_superusers_see_the_queues_dashboard_under_the_admin(client, admin_user, redis_db):
    assert client.get("/admin/rq/").status_code == 302  # to the admin's sign-in

    client.force_login(admin_user)
    dashboard = client.get("/admin/rq/")

    assert dashboard.status_code == 200
    assert "default" in dashboard.content.decode()
    assert "Content-Security-Policy" not in dashboard  # its inline scripts run
    assert 'href="/admin/django_rq/dashboard/"' in client.get("/admin/").content.decode()
    assert client.get("/admin/django_rq/dashboard/")["Location"] == "/admin/rq/"


@pytest.fixture
def staff(django_user_model):
    """A staff user with no permission at all."""
    return django_user_model.objects.create_user("staff", password="x" * 12, is_staff=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/rq/"),
        ("get", "/admin/rq/queues/0/"),
        ("get", "/admin/rq/stats.json"),
        ("post", "/admin/rq/queues/0/empty/"),
        ("get", "/admin/django_rq/dashboard/"),
    ],
)
def test_staff_without_the_queues_permission_may_not_touch_them(
    client, staff, redis_db, method, path
):
    queue = django_rq.get_queue("default", commit_mode="auto")
    queue.enqueue(print, "waiting")
    client.force_login(staff)

    answer = getattr(client, method)(path, {"post": "yes"} if method == "post" else None)

    assert answer.status_code == 403
    assert queue.count == 1
    assert "django_rq" not in client.get("/admin/").content.decode()


def test_the_queues_permission_opens_the_dashboard_to_staff(client, staff, redis_db):
    staff.user_permissions.add(
        Permission.objects.get(codename="admin", content_type__app_label="django_rq")
    )
    client.force_login(staff)

    assert client.get("/admin/rq/").status_code == 200


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # a home's or a phone's whole /64
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not an address", "not an address"),
    ],
)
def test_the_limits_count_an_ipv6_client_by_its_64(address, network):
    assert client_network(address) == network
