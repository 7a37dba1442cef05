"""The project's middleware: plain 503s for outages, and the admin's own stack (also for
the presenter's views, through `staff_only`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import markcoroutinefunction
from axes.middleware import AxesMiddleware
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.decorators import decorator_from_middleware
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import LANGUAGE_CODE_MAX_LENGTH
from django.views.decorators.cache import never_cache
from redis import RedisError

from voting_site.clients import forwarded_resolve
from voting_site.responses import plain_text
from voting_site.schema import schema_missing

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

logger = logging.getLogger(__name__)

MESSAGES: list[tuple[type[Exception] | tuple[type[Exception], ...], StrPromise]] = [
    (RedisError, _("Redis is unreachable right now, so this page cannot be shown. "
                   "It comes back by itself once Redis does; try again in a moment.")),
    ((OperationalError, InterfaceError), _("The database is unreachable right now, so this page "
                                           "cannot be shown; try again in a moment.")),
]  # fmt: skip
SCHEMA_MISSING = _("The database is still being set up, so this page cannot be shown; "
                   "try again in a moment.")  # fmt: skip


class UnavailableMiddleware(MiddlewareMixin):
    """503 with one plain line when a view finds Redis or PostgreSQL down, and one line of
    log: every request meets the outage, and a traceback apiece would flood the log."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        message = next((text for kinds, text in MESSAGES if isinstance(exception, kinds)), None)
        if message is None and schema_missing(exception):
            message = SCHEMA_MISSING  # before `migrate` has run: readiness says so too
        if message is None:
            return None
        first_line = str(exception).strip().partition("\n")[0]  # PostgreSQL adds the query
        logger.warning("%s %s: %s", request.method, request.path, first_line)
        return plain_text(f"{message}\n", status=503)


class TrustedProxiesMiddleware:
    """The client's address in REMOTE_ADDR; X-Forwarded-* kept only from a trusted proxy.

    From anyone else, X-Forwarded-For and X-Forwarded-Proto are dropped before
    anything reads them (SECURE_PROXY_SSL_HEADER, the abuse limits).
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        forwarded_resolve(request.META)
        return await self.get_response(request)


class HooksOnTheLoop:
    """For a sync-only middleware whose hooks only read the request and set headers,
    without I/O: they run on the event loop.

    Under ASGI, Django ran such a middleware's two hooks in a thread on every
    request, and the first such hop of a request starts a thread of its own;
    django-csp's alone cut the vote POST rate to a third (docs/performance.md).
    """

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        hooks: Any = self
        response = hooks.process_request(request)
        if response is None:
            response = await hooks.get_response(request)
        return hooks.process_response(request, response)


class ContentSecurityPolicyMiddleware(HooksOnTheLoop, CSPMiddleware):
    """django-csp's middleware (the Content-Security-Policy header), on the loop."""


class LanguageMiddleware(HooksOnTheLoop, LocaleMiddleware):
    """Django's LocaleMiddleware (each page in its visitor's language), on the loop.

    Without language prefixes in the URLs, a request's language depends only on its
    language cookie and its Accept-Language header: Django's choice for each pair is
    kept. Working it out again on every request (for a browser without a language
    cookie, Django raises and catches a LookupError each time) was 5-7 % of a vote's
    time on the fast path.
    """

    def process_request(self, request: HttpRequest) -> None:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_request(request)
        translation.activate(
            _language_chosen(
                *_what_django_reads(
                    request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
                    request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
                )
            )
        )
        request.LANGUAGE_CODE = translation.get_language()
        return None


def _what_django_reads(cookie: str | None, accept: str) -> tuple[str | None, str]:
    """The parts of a language cookie and an Accept-Language header that Django's choice
    depends on: a key for the cache below no longer than Django's limit, whatever a
    client sends. Django ignores a language code longer than the limit, and reads a
    longer header only up to its last comma within the limit."""
    if cookie is not None and len(cookie) > LANGUAGE_CODE_MAX_LENGTH:
        cookie = None
    if len(accept) > LANGUAGE_CODE_MAX_LENGTH:
        accept = accept[: max(0, accept.rfind(",", 0, LANGUAGE_CODE_MAX_LENGTH))]
    return cookie, accept


@functools.lru_cache(maxsize=1024)
def _language_chosen(cookie: str | None, accept: str) -> str:
    """Django's choice of language for a request with this cookie and header."""
    request = HttpRequest()
    request.COOKIES = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
    request.META = {"HTTP_ACCEPT_LANGUAGE": accept}
    return translation.get_language_from_request(request)


@receiver(setting_changed)
def _languages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS"}:
        _language_chosen.cache_clear()


class AdminOnlyMiddleware:
    """Sessions, users, messages and sign-in lockouts, for the admin's pages and the
    presenters' sign-in only.

    Only the admin needs them. Under ASGI, Django runs each of them in a thread
    on every request; skipping them on the vote path served about 14 % more
    votes per second (docs/performance.md).
    """

    sync_capable = False
    async_capable = True
    prefix = ("/admin/", "/accounts/")  # the admin, and the presenters' sign-in
    stack = (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware, AxesMiddleware)

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        admin: Any = get_response
        for middleware in reversed(self.stack):
            admin = middleware(admin)
        self.admin = admin
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.prefix):
            return await self.admin(request)
        return await self.get_response(request)


def staff_only(
    find: Callable[[str], Any], permission: str
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A presenter's view of one poll or event, named by the URL's `slug`: the admin's
    session and user, and the object's own rule `permission` (polls/rules.py,
    events/rules.py: its owner, its hosts by role, superusers).

    Anonymous users go to the presenters' sign-in and come back; a slug `find` does not find
    is 404; anyone else the rule refuses gets 403. No answer may be kept by a browser's
    or a proxy's cache (invite codes, votes, hidden counts), as the admin's are not.
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @never_cache
        @functools.wraps(view)
        def checked(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            found = find(slug)
            if found is None:
                raise Http404
            if not request.user.has_perm(permission, found):
                raise PermissionDenied
            return view(request, slug, *args, **kwargs)

        return with_user(checked)

    return decorate


def with_user(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view that needs to know who is signed in (request.user), off the admin's pages,
    where the sessions middleware does not run (AdminOnlyMiddleware)."""
    return decorator_from_middleware(SessionMiddleware)(
        decorator_from_middleware(AuthenticationMiddleware)(view)
    )
