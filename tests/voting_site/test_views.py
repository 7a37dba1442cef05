"""The hit counter and the health probes, against real Redis and PostgreSQL."""

from __future__ import annotations

import pytest

from voting_site import embedded
from voting_site.processes import free_port


def test_hits_count_up_in_redis(client, redis_db):
    first = client.get("/hits/")
    second = client.get("/hits/")

    assert first.status_code == 200
    assert first.content.decode() == "Hello from Redis! I have been seen 1 times."
    assert second.content.decode() == "Hello from Redis! I have been seen 2 times."
    assert redis_db.get("hits") == b"2"


def test_hits_answer_503_while_redis_is_down_and_recover_with_the_count(client, settings, tmp_path):
    server = embedded.Redis(tmp_path)
    settings.REDIS_URL = embedded.redis_url(tmp_path)
    server.start()
    try:
        assert client.get("/hits/").content.decode().endswith("seen 1 times.")
        server.stop()

        down = client.get("/hits/")
        assert down.status_code == 503
        assert down["Content-Type"].startswith("text/plain")
        assert down.content.decode().count("\n") == 1
        assert "Redis is unreachable" in down.content.decode()

        server.start()
        assert client.get("/hits/").content.decode().endswith("seen 2 times.")
    finally:
        server.stop()


def test_hits_only_answer_get(client, redis_db):
    assert client.post("/hits/").status_code == 405
    assert redis_db.get("hits") is None


def test_healthz_answers_while_the_process_runs(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_ok_when_both_answer(client, redis_db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "down": [],
        "checks": {"postgres": "ok", "redis": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
