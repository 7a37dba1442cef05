"""The embedded PostgreSQL and Redis: real servers that start, stop and keep their data."""

from __future__ import annotations

import os
import signal
import stat
import threading
import time

import psycopg2
import pytest
import redis

from voting_site import embedded


@pytest.fixture
def postgres(tmp_path):
    server = embedded.Postgres(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def redis_server(tmp_path):
    server = embedded.Redis(tmp_path)
    yield server
    server.stop()


def test_postgres_starts_stops_and_keeps_its_data(postgres, tmp_path):
    url = embedded.postgres_url(tmp_path)
    postgres.start()
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")

    postgres.stop()
    assert not postgres.is_running()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url)

    postgres.start()
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT n FROM kept")
        assert cursor.fetchone() == (42,)


def test_postgres_listens_only_on_a_socket_in_the_data_folder(postgres, tmp_path):
    postgres.start()

    socket = tmp_path / "run" / ".s.PGSQL.5432"
    assert socket.is_socket()
    assert stat.S_IMODE(socket.stat().st_mode) == 0o700  # its owner's alone: trust auth
    settings = (tmp_path / "postgres" / "postmaster.pid").read_text().splitlines()
    assert settings[5] == ""  # listen_addresses: no TCP at all


def test_redis_starts_stops_and_keeps_its_data(redis_server, tmp_path):
    redis_server.start()
    client = redis.Redis.from_url(embedded.redis_url(tmp_path))
    client.set("kept", "yes")

    redis_server.stop()
    assert not redis_server.is_running()
    with pytest.raises(redis.ConnectionError):
        client.ping()

    redis_server.start()
    assert client.get("kept") == b"yes"
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("port") == {"port": "0"}


def test_a_killed_redis_keeps_every_write_it_answered(redis_server, tmp_path):
    redis_server.start()
    client = redis.Redis.from_url(embedded.redis_url(tmp_path))
    answered = 0

    def write():
        nonlocal answered
        try:
            while True:
                answered = client.incr("votes")
        except redis.ConnectionError:
            pass  # killed

    writer = threading.Thread(target=write)
    writer.start()
    while answered < 2000:  # thousands of writes answered, each kept before its answer
        time.sleep(0.01)
    os.kill(int(redis_server.pidfile.read_text()), signal.SIGKILL)
    writer.join()

    redis_server.start()
    assert answered > 0
    assert int(client.get("votes") or 0) >= answered
    assert client.config_get("appendfsync") == {"appendfsync": "always"}


def test_a_long_data_folder_gets_its_sockets_elsewhere(tmp_path):
    deep = tmp_path / ("x" * 120)

    assert len(str(embedded.socket_dir(deep))) < len(str(deep))
    assert embedded.socket_dir(deep) == embedded.socket_dir(deep)


def test_serving_stops_only_what_it_started(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.EMBEDDED_POSTGRES = False
    settings.EMBEDDED_REDIS = True
    already_running = embedded.Redis(tmp_path)
    already_running.start()
    try:
        with embedded.serving() as servers:
            assert [server.name for server in servers] == ["redis"]
        assert already_running.is_running()

        already_running.stop()
        with embedded.serving():
            assert already_running.is_running()
        assert not already_running.is_running()
    finally:
        already_running.stop()
