"""Fixtures of the polls app's tests."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def codes(poll) -> list[str]:
    out = io.StringIO()
    call_command("invites", "cats-vs-dogs", "3", stdout=out, stderr=io.StringIO())
    return out.getvalue().split()
