"""Settings, read once from the environment. `.env.example` documents every variable."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

from voting_site import embedded
from voting_site.numbers import whole_number
from voting_site.redis import channel_layer_config

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# --- Core -----------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The port `make up` serves on; the launcher and the container read it from here.
PORT = env.int("PORT", default=8000)
# The address `make up` listens on: this machine only, unless you open it to the
# network (0.0.0.0) so phones can vote; then name this machine's address in
# DJANGO_ALLOWED_HOSTS too.
BIND_HOST = env.str("BIND_HOST", default="127.0.0.1")
# The address phones use, for the join URL and QR code on the projector view
# (which is often opened on localhost); empty: the address of the request.
VOTING_PUBLIC_URL = env.str("VOTING_PUBLIC_URL", default="")
# Set by `make up` (voting_site/launcher.py): the home page links the demo poll it seeds.
VOTING_DEMO = env.bool("VOTING_DEMO", default=False)
# Where the embedded PostgreSQL and Redis keep their data, and a local run its secret key.
DATA_DIR = Path(env.str("VOTING_DATA_DIR", default=str(BASE_DIR / ".data"))).resolve()

# With no DATABASE_URL / REDIS_URL this is a local run on embedded servers.
EMBEDDED_POSTGRES = "DATABASE_URL" not in os.environ
EMBEDDED_REDIS = "REDIS_URL" not in os.environ and "REDIS_HOST" not in os.environ

if "DJANGO_SECRET_KEY" in os.environ:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure")):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak: use at least 32 random characters, e.g. "
            'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
elif DEBUG:
    SECRET_KEY = "django-insecure-development-only"  # noqa: S105
elif EMBEDDED_POSTGRES:
    SECRET_KEY = embedded.secret_key(DATA_DIR)
else:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DATABASE_URL is (a deployment); "
        "only a local run on the embedded database makes its own."
    )

# --- Applications -----------------------------------------------------------

# daphne's app makes `manage.py runserver` an ASGI server (live pages included). It loads
# Twisted on import, a fifth of every Django process's start-up (0.2 s of 0.8 s on a
# 2-core machine), so only runserver has it: the web, the worker and the commands do not.
SERVES_WITH_RUNSERVER = sys.argv[1:2] == ["runserver"]

INSTALLED_APPS = [
    *(["daphne"] if SERVES_WITH_RUNSERVER else []),
    "voting_site.admin.VotingAdminConfig",  # django.contrib.admin, as presenters meet it
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: numbers grouped as the page's language writes them
    "django.contrib.postgres",
    "channels",
    "django_rq",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",  # each app's rules.py: who may do what with what
    "mozilla_django_oidc",  # sign-in through the institution (accounts/institution.py)
    "accounts",
    "polls",
    "tally",
    "events",
]

MIDDLEWARE = [
    "voting_site.middleware.TrustedProxiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "voting_site.middleware.ContentSecurityPolicyMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "voting_site.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Sessions, authentication and messages, under /admin/ only.
    "voting_site.middleware.AdminOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "voting_site.middleware.UnavailableMiddleware",
]
# The admin's checks (and django-axes's) look for their middleware by name;
# AdminOnlyMiddleware runs them.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "axes.W002"]

# Sign-ins (the admin's, and so the presenter's) are guarded by django-axes: after
# AXES_FAILURE_LIMIT failures for one user name from one address, that pair is
# locked out (429) for the cool-off time. The client's address is the one
# TrustedProxiesMiddleware worked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",  # a poll's or an event's own: rules.py
    "django.contrib.auth.backends.ModelBackend",
    "accounts.institution.InstitutionBackend",  # the identity provider's callback only
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "voting_site.clients.request_address"
AXES_VERBOSE = False

ROOT_URLCONF = "voting_site.urls"
# The presenter's pages send anonymous users to the presenters' sign-in; a sign-in whose
# `next` is refused (another site's address) lands on their home.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/host/"

# Sign-in through the institution's identity provider, with OpenID Connect (the guide's
# "Presenters and hosts"); off while VOTING_OIDC_ISSUER is empty.
VOTING_OIDC_ISSUER = env.str("VOTING_OIDC_ISSUER", default="")
VOTING_OIDC_NAME = env.str("VOTING_OIDC_NAME", default="your institution")
# Who becomes a presenter on signing in: all, domain:example.org or claim:NAME=VALUE.
VOTING_OIDC_PRESENTERS = env.str("VOTING_OIDC_PRESENTERS", default="")
# Who may sign in to take part in an event whose participants sign in (same syntax).
VOTING_OIDC_PARTICIPANTS = env.str("VOTING_OIDC_PARTICIPANTS", default="all")
# Whom a person turned away should ask (an e-mail address or a web page), on that page.
VOTING_OIDC_CONTACT = env.str("VOTING_OIDC_CONTACT", default="")
OIDC_RP_CLIENT_ID = env.str("VOTING_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("VOTING_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("VOTING_OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env.str("VOTING_OIDC_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10  # seconds for each request to the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/failed/"
LOGOUT_REDIRECT_URL = "/"  # (accounts/apps.py refuses to start with half of these)
ASGI_APPLICATION = "voting_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- PostgreSQL -------------------------------------------------------------

# dj-database-url, not env.db(): it understands a unix-socket directory as host
# (postgres://user@%2Fpath%2Fto%2Fdir/db), which the embedded server uses.
DATABASE_URL = env.str("DATABASE_URL", default=embedded.postgres_url(DATA_DIR))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory. (The vote path keeps its own copies of polls: polls/selectors.py.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Redis: hit counter, vote stream, RQ queues, channel layer ---------------

if "REDIS_URL" in os.environ:
    REDIS_URL = env.str("REDIS_URL")
elif "REDIS_HOST" in os.environ:  # the course's hit counter was configured this way
    REDIS_URL = f"redis://{env.str('REDIS_HOST')}:{env.int('REDIS_PORT', default=6379)}/0"
else:
    REDIS_URL = embedded.redis_url(DATA_DIR)

RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
# How `rqworker` runs a job: in the worker's own process (RQ's SimpleWorker, as
# tally/worker.py extends it), not in a fork of it per job, which cost a vote arriving
# to an idle worker most of its way to the screen (docs/performance.md). A worker that
# dies is replaced by whatever runs it (make up's launcher, Compose, Kubernetes).
RQ = {"WORKER_CLASS": env.str("RQ_WORKER_CLASS", default="tally.worker.Worker")}
# Worker settings: an entry left pending this long by a worker is presumed
# orphaned (the worker died) and claimed by another.
VOTES_RECLAIM_AFTER_SECONDS = env.float("VOTES_RECLAIM_AFTER_SECONDS", default=30)

# A burst of votes reads the poll from PostgreSQL at most once per web process per
# this many seconds; a change (a presenter closing the poll, say) reaches every
# process's vote path within it. With PostgreSQL down, the next try waits longer.
# Days after a poll's or event's last answer until what links its answers to people is
# removed (events/retention.py); an event may choose fewer.
VOTING_RETENTION_DAYS = env.int("VOTING_RETENTION_DAYS", default=180)
VOTING_BALLOT_CACHE_SECONDS = env.float("VOTING_BALLOT_CACHE_SECONDS", default=0.5)
VOTING_BALLOT_RETRY_SECONDS = env.float("VOTING_BALLOT_RETRY_SECONDS", default=5)

# Abuse limits, each `N/s`, `N/m` or `N/h` (0: off), counted in Redis for every
# web process together (voting_site/limits.py). The defaults let a classroom of
# 300 behind one address join and vote within a minute, twice over.
RATE_PERIODS = {"s": 1, "m": 60, "h": 3600}


def _rate(name: str, default: str) -> tuple[int, int] | None:
    """(uses, per seconds) from the variable `name`; None when it is 0 (no limit)."""
    text = env.str(name, default=default).strip()
    if text == "0":
        return None
    count, _, period = text.partition("/")
    uses = whole_number(count)
    if not (uses and period in RATE_PERIODS):
        raise ImproperlyConfigured(f"{name} must be N/s, N/m or N/h (or 0 for none), not {text!r}")
    return uses, RATE_PERIODS[period]


# New voter cookies per client address; votes per voter; open answers sent per
# voter; WebSockets opened per client address; wrong invite codes per voter, and per
# client address; a quiz's new players per client address. (A client address is an
# IPv4 address, or an IPv6 /64.)
VOTING_RATE_NEW_VOTERS = _rate("VOTING_RATE_NEW_VOTERS", "600/m")
VOTING_RATE_VOTES = _rate("VOTING_RATE_VOTES", "30/m")
VOTING_RATE_ENTRIES = _rate("VOTING_RATE_ENTRIES", "10/m")
VOTING_RATE_SOCKETS = _rate("VOTING_RATE_SOCKETS", "1200/m")
VOTING_RATE_INVITE_TRIES = _rate("VOTING_RATE_INVITE_TRIES", "10/m")
VOTING_RATE_INVITE_TRIES_PER_ADDRESS = _rate("VOTING_RATE_INVITE_TRIES_PER_ADDRESS", "60/m")
# A lecture hall behind one router joins at once: hundreds, not thousands, per quiz.
VOTING_RATE_JOINS = _rate("VOTING_RATE_JOINS", "300/h")
# Live sockets open at once from one client address, in each web process.
VOTING_SOCKETS_PER_ADDRESS = env.int("VOTING_SOCKETS_PER_ADDRESS", default=1000)

CSRF_FAILURE_VIEW = "voting_site.views.csrf_failure"
# The admin's index links to django-rq's dashboard for those who may use it: tally/admin.py
# registers the link, not django-rq, whose own asks only for staff status.
RQ_SHOW_ADMIN_LINK = False

# The profanity filter on text from strangers (polls/profanity.py): words an organiser
# adds to its English and Spanish lists, and words of the lists it lets through.
VOTING_PROFANITY_WORDS = env.list("VOTING_PROFANITY_WORDS", default=[])
VOTING_PROFANITY_ALLOWED = env.list("VOTING_PROFANITY_ALLOWED", default=[])

# /metrics answers loopback freely, anyone else only with this bearer token.
VOTING_METRICS_TOKEN = env.str("VOTING_METRICS_TOKEN", default="")

# How results reach the viewers' sockets: "pubsub" (Redis Pub/Sub) or "core"
# (a Redis sorted set per web process). Both send one Redis message per process;
# Pub/Sub hands it to each socket for less CPU, and with 2,000 viewers of one
# poll its web processes had room left to take twice the votes: docs/performance.md.
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYER = env.str("VOTING_CHANNEL_LAYER", default="pubsub")
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    choices = ", ".join(CHANNEL_LAYER_BACKENDS)
    raise ImproperlyConfigured(
        f"VOTING_CHANNEL_LAYER must be one of {choices}, not {CHANNEL_LAYER!r}"
    )
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
        "CONFIG": channel_layer_config(REDIS_URL),
    }
}

# --- Static files (served by the app itself) -------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))).resolve()
# --- Uploaded images (polls/pictures.py) -----------------------------------------
# Kept in DATA_DIR/media and served by the app, or, with VOTING_MEDIA_S3_BUCKET set, in
# S3-compatible object storage (django-storages), which every web replica then shares.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("VOTING_MEDIA_ROOT", default=str(DATA_DIR / "media"))).resolve()
VOTING_IMAGE_MAX_MB = env.int("VOTING_IMAGE_MAX_MB", default=10)
# A PDF deck made into an event's slides (events/decks.py): its size and pages at most.
VOTING_DECK_MAX_MB = env.int("VOTING_DECK_MAX_MB", default=50)
VOTING_DECK_MAX_PAGES = env.int("VOTING_DECK_MAX_PAGES", default=200)
# The most an admin's form may send with its images (voting_site/body_limit.py).
VOTING_ADMIN_UPLOAD_MB = env.int("VOTING_ADMIN_UPLOAD_MB", default=64)
# Each image of a form in memory up to this, then in a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
VOTING_MEDIA_S3_BUCKET = env.str("VOTING_MEDIA_S3_BUCKET", default="")
MEDIA_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
MEDIA_ORIGINS: list[str] = []
if VOTING_MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": VOTING_MEDIA_S3_BUCKET,
            "endpoint_url": env.str("VOTING_MEDIA_S3_ENDPOINT", default="") or None,
            "region_name": env.str("VOTING_MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("VOTING_MEDIA_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("VOTING_MEDIA_S3_SECRET_KEY", default="") or None,
            "custom_domain": env.str("VOTING_MEDIA_S3_DOMAIN", default="") or None,
            "querystring_auth": False,  # the pictures are public, their names unguessable
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    MEDIA_ORIGINS = [
        env.str("VOTING_MEDIA_S3_ORIGIN", default="")
        or env.str("VOTING_MEDIA_S3_ENDPOINT", default="")
        or f"https://{VOTING_MEDIA_S3_BUCKET}.s3.amazonaws.com"
    ]

STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security -----------------------------------------------------------------

# DJANGO_HTTPS: the site is reached over HTTPS, directly or through a proxy that
# sets X-Forwarded-Proto (an ingress). Cookies then go only over HTTPS.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
# DJANGO_TRUSTED_PROXIES: the proxies in front (addresses or networks, comma-
# separated), the only clients whose X-Forwarded-For (the client's address, for
# the abuse limits) and X-Forwarded-Proto are believed; from anyone else, both
# are dropped (voting_site/middleware.py).
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
# Both reach beyond this site (every subdomain, browsers' preload lists): the
# domain's owner decides.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
# Probes (load balancers, Kubernetes) speak plain HTTP to the process.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"
# No inline script runs, and nothing loads from elsewhere; inline style
# attributes (a bar's share of the votes) are allowed, <style> elements not.
CONTENT_SECURITY_POLICY = {
    # django-rq's dashboard (staff only) has inline scripts of its own.
    "EXCLUDE_URL_PREFIXES": ["/admin/rq/"],
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", *MEDIA_ORIGINS],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# --- Internationalisation -----------------------------------------------------

# English and Spanish. A page is in the language its visitor chose with the switcher
# (a cookie), else the first of their browser's Accept-Language that we have, else
# LANGUAGE_CODE. The translations live in locale/; `make` compiles them.
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Times on the pages (a poll's opening and closing) are shown in this time zone.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    # A request a client got wrong, or Redis down, is one line (voting_site/logs.py).
    "filters": {"expected_errors": {"()": "voting_site.logs.ExpectedErrorsInOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["expected_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # One line per request of the vote simulator is noise; so is one per sign-in.
    "loggers": {"httpx": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
