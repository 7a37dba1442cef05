"""Settings are read once from the environment; each case loads them afresh."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.processes import BASE_DIR, database_url

VARIABLES = [
    "DATABASE_URL", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS", "PORT", "DJANGO_HTTPS", "VOTING_DATA_DIR",
    "DJANGO_TRUSTED_PROXIES",
    "VOTING_CHANNEL_LAYER", "VOTES_RECLAIM_AFTER_SECONDS", "VOTING_BALLOT_CACHE_SECONDS",
    "VOTING_BALLOT_RETRY_SECONDS",
]  # fmt: skip
STRONG_KEY = "k" * 20 + "-a-long-random-looking-secret-key"


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    def load(**env: str) -> ModuleType:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VOTING_DATA_DIR", str(tmp_path / "data"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(
            "settings_under_test", BASE_DIR / "voting_site" / "settings.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def test_a_local_run_uses_embedded_servers_in_the_data_folder(load_settings, tmp_path):
    settings = load_settings()

    assert settings.EMBEDDED_POSTGRES and settings.EMBEDDED_REDIS
    assert tmp_path / "data" == settings.DATA_DIR
    assert settings.DATABASES["default"]["HOST"] == str(tmp_path / "data" / "run")
    assert f"unix://{tmp_path}/data/run/redis.sock?db=0" == settings.REDIS_URL
    assert settings.DEBUG is False
    assert settings.PORT == 8000


def test_a_local_run_keeps_the_secret_key_it_made(load_settings, tmp_path):
    first = load_settings().SECRET_KEY

    assert len(first) >= 50
    assert first == load_settings().SECRET_KEY
    assert (tmp_path / "data" / "secret_key").read_text() == first


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://vote:s3cret@db.example:5433/votes",
            {"USER": "vote", "PASSWORD": "s3cret", "HOST": "db.example", "PORT": 5433},
        ),
        ("postgresql://vote@db/votes", {"USER": "vote", "HOST": "db", "NAME": "votes"}),
        ("postgres://vote@%2Fvar%2Frun%2Fpostgresql/votes", {"HOST": "/var/run/postgresql"}),
    ],
)
def test_database_url_forms(load_settings, url, expected):
    settings = load_settings(DATABASE_URL=url, DJANGO_SECRET_KEY=STRONG_KEY)

    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert {key: database[key] for key in expected} == expected
    assert not settings.EMBEDDED_POSTGRES


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REDIS_URL": "redis://cache.example:6380/2"}, "redis://cache.example:6380/2"),
        ({"REDIS_URL": "unix:///run/redis.sock?db=1"}, "unix:///run/redis.sock?db=1"),
        ({"REDIS_HOST": "db", "REDIS_PORT": "6379"}, "redis://db:6379/0"),
        ({"REDIS_HOST": "db"}, "redis://db:6379/0"),
        ({"REDIS_URL": "redis://a:1/0", "REDIS_HOST": "b"}, "redis://a:1/0"),
    ],
)
def test_redis_from_url_or_host_and_port(load_settings, env, expected):
    settings = load_settings(**env)

    assert expected == settings.REDIS_URL
    assert not settings.EMBEDDED_REDIS
    assert settings.RQ_QUEUES["default"]["URL"] == expected
    [host] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert host["address"] == expected


def test_a_deployment_refuses_to_start_without_a_secret_key(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        load_settings(DATABASE_URL="postgres://vote@db/votes")


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 40])
def test_a_deployment_refuses_a_weak_secret_key(load_settings, key):
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        load_settings(DATABASE_URL="postgres://vote@db/votes", DJANGO_SECRET_KEY=key)


def test_debug_runs_with_a_development_key(load_settings):
    settings = load_settings(DATABASE_URL="postgres://vote@db/votes", DJANGO_DEBUG="true")

    assert settings.DEBUG is True
    assert settings.SECRET_KEY.startswith("django-insecure")


def test_hosts_port_and_https(load_settings):
    settings = load_settings(
        DJANGO_ALLOWED_HOSTS="vote.example.com,.example.org", PORT="9000", DJANGO_HTTPS="yes"
    )

    assert settings.ALLOWED_HOSTS == ["vote.example.com", ".example.org"]
    assert settings.PORT == 9000
    assert (
        settings.SESSION_COOKIE_SECURE
        and settings.CSRF_COOKIE_SECURE
        and settings.SECURE_SSL_REDIRECT
    )
    assert not hasattr(settings, "SECURE_PROXY_SSL_HEADER")  # no proxy named: nobody's word
    assert settings.SECURE_HSTS_SECONDS == 31_536_000


def test_x_forwarded_proto_is_believed_only_behind_named_proxies(load_settings):
    settings = load_settings(DJANGO_HTTPS="yes", DJANGO_TRUSTED_PROXIES="10.0.0.0/8,192.0.2.7")

    assert settings.TRUSTED_PROXIES == ["10.0.0.0/8", "192.0.2.7"]
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize(
    ("name", "backend"),
    [
        ("pubsub", "channels_redis.pubsub.RedisPubSubChannelLayer"),
        ("core", "channels_redis.core.RedisChannelLayer"),
    ],
)
def test_the_channel_layer_is_chosen_by_name(load_settings, name, backend):
    assert load_settings(VOTING_CHANNEL_LAYER=name).CHANNEL_LAYERS["default"]["BACKEND"] == backend


def test_an_unknown_channel_layer_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="VOTING_CHANNEL_LAYER must be one of"):
        load_settings(VOTING_CHANNEL_LAYER="carrier-pigeon")


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "vote.example.com",
        "DJANGO_HTTPS": "true",
        "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_HSTS_PRELOAD": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
