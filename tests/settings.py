"""Settings for the test suite: the project's own, on a data folder of its own.

With no DATABASE_URL / REDIS_URL the suite runs its own embedded PostgreSQL and
Redis under `.data/test`, never touching the data of `make up`. With them set,
it uses those servers: PostgreSQL through a `test_` database that pytest-django
creates, Redis as it is (the suite flushes that database: point it at a spare one).

`make test` runs the tests in parallel processes (pytest-xdist's workers gw0, gw1, …):
each has its own PostgreSQL database (pytest-django's `test_…_gw1`) and its own Redis
database, the one given for gw0, the one below it for gw1, and so on.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.connection import parse_url

from voting_site import embedded

os.environ.setdefault(
    "VOTING_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".data" / "test")
)
os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-secret-key-not-for-any-real-deployment")


def _workers_redis(url: str, worker: str) -> str:
    """The URL of this xdist worker's Redis database: gw0's is `url`'s, gw1's the one
    below it (the 16 of Redis's default in a circle)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    db = str((parse_url(url).get("db", 0) - int(worker.removeprefix("gw"))) % 16)
    if parts.scheme == "unix":  # urlunsplit would drop the empty host's "//"
        return f"unix://{parts.path}?{urlencode({**query, 'db': db})}"
    if "db" in query:
        return urlunsplit(parts._replace(query=urlencode({**query, "db": db})))
    return urlunsplit(parts._replace(path=f"/{db}"))


if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # The embedded Redis, if no other is given, was started by the run's first process.
    given = os.environ.get("REDIS_URL") or embedded.redis_url(Path(os.environ["VOTING_DATA_DIR"]))
    os.environ["REDIS_URL"] = _workers_redis(given, worker)

from voting_site.settings import *  # noqa: E402, F403

# No collectstatic before tests: hashed file names are not needed to test behaviour.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The abuse limits are counted, as in production, but never reached, but where a
# test sets its own: thousands of test voters come from one address.
VOTING_RATE_NEW_VOTERS = VOTING_RATE_VOTES = VOTING_RATE_SOCKETS = (1_000_000, 1)
VOTING_RATE_INVITE_TRIES = VOTING_RATE_INVITE_TRIES_PER_ADDRESS = (1_000_000, 1)
VOTING_RATE_JOINS = (1_000_000, 1)
VOTING_SOCKETS_PER_ADDRESS = 1_000_000

PASSWORD_HASHERS = ["tests.support.hashers.QuickPBKDF2PasswordHasher"]
