"""The fixtures every test may ask for; the helpers they use are in tests/support/.

Markers: `e2e` for a test that starts the project's processes, `browser` for one
that drives Chromium, given by the file's name (`*_e2e.py`, `*_browser.py`);
`pytest -m "not e2e"` runs the rest, the quick ones.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import connection, connections
from playwright.sync_api import Browser, sync_playwright

from tests.support.browser import CHROMIUM
from tests.support.links import Link
from tests.support.processes import web_process
from voting_site import embedded
from voting_site.processes import free_port, stop_group
from voting_site.redis import redis_client

_servers = ExitStack()
SHARED_APPLICATION = "tests.support.shared_asgi:application"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: starts the project's processes (web, worker)")
    config.addinivalue_line("markers", "browser: drives Chromium (and starts processes)")
    config.addinivalue_line(
        "markers", "servers: tries the servers themselves (storage, the queue, the channel layer)"
    )


# The tests of what PostgreSQL and Redis do themselves: the ingest's upserts and locks,
# constraints, the vote script and the close in Redis's order, the limits' windows, the
# channel layer and its heartbeat, the pipeline through sockets, an erasure's recount and
# retention's purge. `.ci/run` runs these a second time, against the machine's own
# servers (`make test PYTEST_ARGS="-m servers"`); the rest (pages, browsers, commands)
# are the same whichever servers answer.
SERVER_TESTS = {
    "tests/polls/test_closing.py",
    "tests/polls/test_closing_e2e.py",
    "tests/polls/test_fast_vote.py",
    "tests/polls/test_limits.py",
    "tests/polls/test_models.py",
    "tests/tally/test_audit.py",
    "tests/tally/test_e2e.py",
    "tests/tally/test_heartbeat.py",
    "tests/tally/test_hub.py",
    "tests/tally/test_ingest.py",
    "tests/tally/test_receipts_e2e.py",
    "tests/events/test_participants.py",
    "tests/events/test_sockets.py",
    "tests/voting_site/test_metrics.py",
    "tests/voting_site/test_redis.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test file's name says what it starts: `*_e2e.py` the project's processes,
    `*_browser.py` those and Chromium; SERVER_TESTS are marked `servers`.

    The browser tests run first, then the other end-to-end ones, then the rest: the
    long tests start while every xdist worker is free, and the quick ones fill the end
    (run last, one long test would keep the run waiting for it alone)."""
    root = Path(__file__).resolve().parent.parent
    for item in items:
        if item.path.relative_to(root).as_posix() in SERVER_TESTS:
            item.add_marker(pytest.mark.servers)
        if item.path.stem.endswith("_browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)
        elif item.path.stem.endswith("_e2e"):
            item.add_marker(pytest.mark.e2e)
    items.sort(
        key=lambda item: 0 if "browser" in item.keywords else 1 if "e2e" in item.keywords else 2
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    # The embedded PostgreSQL and Redis (when DATABASE_URL / REDIS_URL are unset), for
    # the whole run, started by its first process (not by xdist's workers, which it
    # starts after this); stopped at the end if this run started them.
    if not hasattr(session.config, "workerinput"):
        _servers.enter_context(embedded.serving())


def pytest_sessionfinish(session: pytest.Session) -> None:
    _servers.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, dropped at the end once nothing else uses it, as
    PostgreSQL asks: the thread where the async tests' ORM calls ran (asgiref's) closes
    its connection, and the sessions of the processes the last tests stopped, which the
    server ends a moment after them, are waited for."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)


@pytest.fixture(scope="session")
def _shared_web_process(django_db_setup: None) -> Iterator[str]:
    """This xdist worker's web process (daphne), started when a test first asks for it and
    stopped before the test database is dropped. It serves the project's application
    through tests/support/shared_asgi.py, which has each request forget the rows of the
    tests before it (the polls' copies, the content types)."""
    with web_process(application=SHARED_APPLICATION) as web:
        yield web.url


@pytest.fixture
def site_url(_shared_web_process: str, transactional_db: None) -> str:
    """The URL of a real web process on the tests' database and Redis, with the project's
    settings: shared by the tests that change none (one process per xdist worker, not one
    per test). A test that needs its own settings, log or restarts starts its own
    (tests/support/processes.py)."""
    return _shared_web_process


@pytest.fixture
def redis_db() -> redis.Redis:
    """The test Redis, emptied first."""
    client = redis_client()
    client.flushdb()
    return client


@pytest.fixture
def poll(db):
    """The demo poll, open: cats or dogs."""
    from polls.services import poll_create

    return poll_create(
        question="Cats or dogs?", options=[("cats", "Cats"), ("dogs", "Dogs")], slug="cats-vs-dogs"
    )


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """A test client's request activates its language for the thread, where the next test
    (a command's output, say) would still speak it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_ballot_cache():
    """Each test sees its own polls, not one cached by a test before it."""
    from polls.selectors import ballot_forget

    ballot_forget()


@pytest.fixture
def postgres_link() -> Iterator[Link]:
    """PostgreSQL (the tests' database) through a link a test can cut."""
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        target: dict[str, Any] = {"path": f"{db['HOST']}/.s.PGSQL.{db['PORT'] or 5432}"}
    else:
        target = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432)}
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}"
    link = Link(target, f"postgres://{credentials}@127.0.0.1:{{port}}/{db['NAME']}")
    yield link
    link.close()


@pytest.fixture
def redis_link() -> Iterator[Link]:
    """Redis (the tests' database on it) through a link a test can cut."""
    options = redis_client().connection_pool.connection_kwargs
    if "path" in options:
        target: dict[str, Any] = {"path": options["path"]}
    else:
        target = {"host": options["host"], "port": options["port"]}
    link = Link(target, f"redis://127.0.0.1:{{port}}/{options.get('db', 0)}")
    yield link
    link.close()


@pytest.fixture(scope="session")
def chromium_address() -> Iterator[str]:
    """The address of the run's Chromium (one per xdist worker), started when a test
    first asks for it (tests/support/chromium_server.py). Skipped without Chromium."""
    if CHROMIUM is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM to its path")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.chromium_server", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(server)


@pytest.fixture
def chromium(chromium_address: str) -> Iterator[Browser]:
    """The run's Chromium, for this test: the contexts and pages it opens close with it.

    Playwright's sync API holds an event loop in this thread while it runs, which Django's
    async-safety check would then see in every later test, so this connection does not
    outlive the test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(chromium_address)
        yield browser
        browser.close()
