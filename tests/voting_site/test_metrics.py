"""/metrics: Prometheus text, counted in Redis across every web process and the worker;
loopback without a token, anyone else with it."""

from __future__ import annotations

import pytest
from django.test import Client

from polls.services import poll_control
from tally.ingest import votes_ingest
from tests.support.pages import samples

pytestmark = pytest.mark.django_db

PAGE = "/polls/cats-vs-dogs/"


def test_metrics_after_votes_counted_and_refused(poll, redis_db):
    browser = Client()
    browser.get(PAGE)
    assert browser.post(PAGE, {"option": "cats"}).status_code == 303
    assert browser.post(PAGE, {"option": "dogs"}).status_code == 303
    assert browser.post(PAGE, {"option": "owls"}).status_code == 400
    poll_control(poll=poll, action="close")
    assert browser.post(PAGE, {"option": "cats"}).status_code == 409
    votes_ingest(consumer="test")

    answer = Client().get("/metrics")  # from 127.0.0.1

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    got = samples(answer.content.decode())
    assert got["voting_votes_accepted_total"] == 2
    assert got['voting_votes_refused_total{reason="invalid"}'] == 1
    assert got['voting_votes_refused_total{reason="closed"}'] == 1
    assert got["voting_votes_counted_total"] == 2
    assert got["voting_queue_depth"] == got["voting_queue_pending"] == 0
    assert got["voting_ingest_batch_seconds_count"] == 1
    assert got['voting_ingest_batch_seconds_bucket{le="+Inf"}'] == 1
    assert got["voting_publish_lag_seconds_count"] == 1
    assert got["voting_viewers"] == 0


def test_queued_votes_show_as_the_queue_depth(poll, redis_db):
    browser = Client()
    browser.get(PAGE)
    browser.post(PAGE, {"option": "cats"})

    assert samples(Client().get("/metrics").content.decode())["voting_queue_depth"] == 1


@pytest.mark.parametrize(
    ("address", "headers", "token", "status"),
    [
        ("203.0.113.5", {}, "", 403),  # no token set: off loopback, nobody
        ("203.0.113.5", {"HTTP_AUTHORIZATION": "Bearer wrong"}, "s3cret", 403),
        ("203.0.113.5", {"HTTP_AUTHORIZATION": "Bearer s3cret"}, "s3cret", 200),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "", 403),  # a proxy on loopback
        ("::1", {}, "", 200),
    ],
)
def test_off_loopback_metrics_need_the_token(settings, redis_db, address, headers, token, status):
    settings.VOTING_METRICS_TOKEN = token

    assert Client(REMOTE_ADDR=address, **headers).get("/metrics").status_code == status
