"""docker/Dockerfile and .dockerignore agree with the project: every folder the image runs
is both sent to the build and copied into the image (no Docker engine needed; `make
check-image` builds and runs it for real)."""

from __future__ import annotations

import fnmatch
import re

import pytest
from django.conf import settings

from tests.support.processes import BASE_DIR

DOCKERFILE = (BASE_DIR / "docker" / "Dockerfile").read_text()
# The project's own apps: those with a folder at the top of the repository.
PROJECT_APPS = [app for app in settings.INSTALLED_APPS if (BASE_DIR / app).is_dir()]
# What the running image needs beside the apps.
RUN_NEEDS = ["voting_site", "templates", "static", "manage.py"]
BUILD_NEEDS = ["pyproject.toml", "README.md", "locale"]


def sent_to_the_build(name: str) -> bool:
    """Whether .dockerignore lets a top-level file or folder into the build context: the
    last pattern that matches it decides, as Docker reads the file."""
    sent = True
    for line in (BASE_DIR / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        allow = pattern.startswith("!")
        if fnmatch.fnmatch(name, pattern.removeprefix("!").rstrip("/")):
            sent = allow
    return sent


def run_stage() -> str:
    """The Dockerfile's last stage: what the image that runs is made of."""
    return DOCKERFILE.rsplit("\nFROM ", 1)[1]


def test_the_project_apps_are_found():
    assert {"polls", "tally", "events"} <= set(PROJECT_APPS)


@pytest.mark.parametrize("name", sorted({*PROJECT_APPS, *RUN_NEEDS, *BUILD_NEEDS}))
def test_each_thing_the_image_needs_is_sent_to_the_build(name):
    assert (BASE_DIR / name).exists()
    assert sent_to_the_build(name), f".dockerignore leaves out {name}"


@pytest.mark.parametrize("name", sorted({*PROJECT_APPS, *RUN_NEEDS}))
def test_each_thing_the_image_runs_is_copied_into_it(name):
    assert re.search(rf"^COPY {re.escape(name)} ", run_stage(), re.MULTILINE), name


@pytest.mark.parametrize("app", PROJECT_APPS)
def test_each_app_is_installed_with_the_dependencies(app):
    build = DOCKERFILE.split("\nFROM ", 2)[1]
    assert re.search(rf"^COPY {app} {app}$", build, re.MULTILINE), app
    assert f"{app}/__init__.py" in build, f"the dependency layer does not stand in for {app}"


def test_what_is_not_needed_stays_out():
    for name in ("tests", ".git", ".venv", ".data", "node_modules", "bench"):
        assert not sent_to_the_build(name), name
