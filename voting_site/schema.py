"""Whether the database has this code's schema yet: every migration applied.

A deployment starts the web beside its one-off `migrate` step (Compose, Swarm,
Kubernetes), so a web process can answer before the tables exist. Readiness says so
(503 until `migrated()`), and a page that meets a missing table answers 503 with one
line of log (voting_site/middleware.py), as when PostgreSQL is down.
"""

from __future__ import annotations

import functools

from django.db import DatabaseError, ProgrammingError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from psycopg2.errors import UndefinedColumn, UndefinedTable

_migrated = False


@functools.cache
def _migrations() -> frozenset[tuple[str, str]]:
    """Every migration of this code, read from the migration files once per process."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def migrated() -> bool:
    """Whether every migration of this code is applied: one query until it is, then
    remembered (a schema does not go back)."""
    global _migrated
    if not _migrated:
        try:
            applied = MigrationRecorder(connection).applied_migrations()
        except DatabaseError:
            return False  # not even the migrations' own table yet
        _migrated = _migrations() <= set(applied)
    return _migrated


def schema_missing(exception: BaseException) -> bool:
    """Whether a query failed because a table or column is not there yet."""
    return isinstance(exception, ProgrammingError) and isinstance(
        exception.__cause__, UndefinedTable | UndefinedColumn
    )
