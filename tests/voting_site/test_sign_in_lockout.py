"""Brute force against the presenters' sign-in and the admin's is locked out by django-axes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def sign_in(browser: Client, username: str, password: str, login: str = LOGIN) -> int:
    return browser.post(login, {"username": username, "password": password}).status_code


@pytest.mark.parametrize("login", [LOGIN, "/accounts/login/?next=/host/"])
def test_after_five_failures_even_the_right_password_is_refused(settings, redis_db, login):
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    browser = Client()

    failures = [sign_in(browser, "teacher", f"guess {n}", login) for n in range(5)]
    locked = browser.post(login, {"username": "teacher", "password": "a long pass phrase"})

    assert failures == [200] * 4 + [429]  # the form again with its error, then the lockout
    assert locked.status_code == 429
    assert "too many" in locked.content.decode().lower()
    assert sign_in(Client(), "someone-else", "a guess") == 200  # only that user, from there


def test_a_success_before_the_limit_starts_the_count_again(settings, redis_db):
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    browser = Client()

    for n in range(4):
        sign_in(browser, "teacher", f"guess {n}")
    assert sign_in(browser, "teacher", "a long pass phrase") == 302
    browser.logout()

    assert [sign_in(browser, "teacher", f"again {n}") for n in range(4)] == [200] * 4
