"""A real identity provider for the sign-in tests: the node `oidc-provider` package (npm),
started on a free port with its accounts and one client (tests/support/oidc_provider.mjs),
and the project's web process signing people in through it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

from tests.support.processes import asgi_server
from voting_site.processes import free_port, start_group, stop_group, wait_healthy

PROVIDER_SCRIPT = Path(__file__).parent / "oidc_provider.mjs"
PROVIDER_PACKAGE = Path(settings.BASE_DIR) / "node_modules" / "oidc-provider"
NODE = shutil.which("node")
INSTITUTION = "Example University"

needs_provider = pytest.mark.skipif(
    NODE is None or not PROVIDER_PACKAGE.exists(), reason="no node, or no oidc-provider: npm ci"
)


@contextmanager
def provider_site(**env: str) -> Iterator[str]:
    """The project's web process, signing people in through the provider, which lets only
    verified addresses at school.example present; yields its URL."""
    web_port, provider_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    callback = f"http://127.0.0.1:{web_port}/accounts/oidc/callback/"
    provider = start_group(
        [str(NODE), str(PROVIDER_SCRIPT), str(provider_port), callback],
        env={"PATH": os.environ.get("PATH", "")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"{issuer}/.well-known/openid-configuration", process=provider)
        with asgi_server(
            web_port,
            VOTING_OIDC_ISSUER=issuer,
            VOTING_OIDC_CLIENT_ID="voting",
            VOTING_OIDC_CLIENT_SECRET="voting-secret",
            VOTING_OIDC_NAME=INSTITUTION,
            VOTING_OIDC_PRESENTERS="domain:school.example",
            VOTING_OIDC_CONTACT="help@school.example",
            **env,
        ) as url:
            yield url
    finally:
        stop_group(provider)


def through_the_provider(page: Page, login: str) -> None:
    """From a page with the button: the button, the provider's login page, its consent page."""
    page.get_by_role("link", name=f"Sign in with {INSTITUTION}").click()
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
