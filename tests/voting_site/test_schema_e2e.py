"""A web process that starts before `migrate` has run, as a deployment starts it beside
its one-off migrate step: not ready, and plain 503s, until every migration is applied."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import sql

from tests.support.processes import BASE_DIR, database_url, web_process


@contextmanager
def empty_database() -> Iterator[str]:
    """A new, empty database on the tests' PostgreSQL server; yields its URL."""
    name = f"{connection.settings_dict['NAME']}_unmigrated"[:63]
    database = sql.Identifier(name)  # no ORM statement makes or drops a database
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(database))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(database))
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))


@pytest.mark.django_db(transaction=True)  # CREATE DATABASE runs outside one
def test_not_ready_and_503_until_every_migration_is_applied(tmp_path):
    log = tmp_path / "web.log"
    with empty_database() as url, web_process(log=log, DATABASE_URL=url) as web:
        ready = httpx.get(f"{web.url}/readyz")
        pages = [httpx.get(f"{web.url}{path}") for path in ("/j/ABC234", "/polls/cats-vs-dogs/")]

        assert ready.status_code == 503
        assert ready.json()["down"] == ["migrations"]
        assert ready.json()["checks"] == {
            "postgres": "ok",
            "redis": "ok",
            "migrations": "pending",
        }
        for page in pages:
            assert page.status_code == 503
            assert page.text == (
                "The database is still being set up, so this page cannot be shown; "
                "try again in a moment.\n"
            )
        assert "Traceback" not in web.log_text()
        assert len([line for line in web.log_text().splitlines() if "polls_poll" in line]) == 2

        migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL,
               "DJANGO_SETTINGS_MODULE": "voting_site.settings"}  # fmt: skip
        subprocess.run(migrate, cwd=BASE_DIR, env=env, check=True)

        assert httpx.get(f"{web.url}/readyz").status_code == 200
        assert httpx.get(f"{web.url}/").status_code == 200
