"""Site-wide views: the course's hit counter, the health probes, and the error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from redis import RedisError

from voting_site import schema
from voting_site.metrics import count_refused_sync
from voting_site.redis import redis_client
from voting_site.responses import plain_text

logger = logging.getLogger(__name__)

HITS_KEY = "hits"


# The error pages. Django's own are wrapped in `requires_csrf_token`, whose check reads
# the request's form again: a body Django cannot parse (a form that is not UTF-8)
# raised anew in each, a dozen chained tracebacks and a 500. These render without
# reading the request; CsrfViewMiddleware, which runs on every request, still gives
# the pages' forms their token.
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a request that cannot be read (a malformed body, a forbidden host)."""
    message = _("That request could not be read, so nothing was recorded.")
    return plain_text(message + "\n", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, rendered without the request, which may be what failed."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403: the form had expired or came from elsewhere; nothing was recorded."""
    match = request.resolver_match
    if match is not None and match.view_name == "polls:detail":
        count_refused_sync("csrf")
    return render(request, "403_csrf.html", status=403)


@require_GET
def hits(request: HttpRequest) -> HttpResponse:
    """The course's hit counter: INCR a Redis key and say how many times we were seen."""
    count = redis_client().incr(HITS_KEY)  # Redis down: 503 from UnavailableMiddleware
    return plain_text(f"Hello from Redis! I have been seen {count} times.")


FAVICON = (settings.BASE_DIR / "static" / "favicon.svg").read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's)."""
    response = HttpResponse(FAVICON, content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=86400"
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up and answering."""
    return plain_text("ok\n")


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: PostgreSQL and Redis both answer, and every migration is applied; 503
    names what is not ready ("migrations" only once PostgreSQL answers)."""
    postgres = _postgres_ok()
    checks = {
        "postgres": "ok" if postgres else "down",
        "redis": "ok" if _redis_ok() else "down",
        "migrations": ("ok" if schema.migrated() else "pending") if postgres else "unknown",
    }
    down = [name for name, state in checks.items() if state in ("down", "pending")]
    body = {"status": "unavailable" if down else "ok", "down": down, "checks": checks}
    return JsonResponse(body, status=503 if down else 200)


def _postgres_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("readiness: PostgreSQL is down: %s", error)
        return False
    return True


def _redis_ok() -> bool:
    try:
        redis_client().ping()
    except RedisError as error:
        logger.warning("readiness: Redis is down: %s", error)
        return False
    return True
