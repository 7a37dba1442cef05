"""Settings for the test suite: the project's own, on a data folder of its own.

With no DATABASE_URL / REDIS_URL the suite runs its own embedded PostgreSQL and
Redis under `.data/test`, never touching the data of `make up`. With them set,
it uses those servers: PostgreSQL through a `test_` database that pytest-django
creates, Redis as it is (the suite flushes that database: point it at a spare one).
"""

import os
from pathlib import Path

os.environ.setdefault(
    "VOTING_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".data" / "test")
)
os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-secret-key-not-for-any-real-deployment")

from voting_site.settings import *  # noqa: F403

# No collectstatic before tests: hashed file names are not needed to test behaviour.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The abuse limits are counted, as in production, but never reached, but where a
# test sets its own: thousands of test voters come from one address.
VOTING_RATE_NEW_VOTERS = VOTING_RATE_VOTES = VOTING_RATE_SOCKETS = (1_000_000, 1)
VOTING_RATE_INVITE_TRIES = VOTING_RATE_INVITE_TRIES_PER_ADDRESS = (1_000_000, 1)
