"""docker/compose.yaml checked against the project it deploys (no Docker engine needed)."""

from __future__ import annotations

import re
import shlex

import pytest
from django.core.management import get_commands
from django.urls import resolve

from tests.support.compose import COMPOSE, SERVICES, image_command
from tests.support.processes import BASE_DIR

APP_SERVICES = ["migrate", "web", "worker", "cron", "seed"]
LONG_RUNNING = ["db", "redis", "web", "worker", "cron"]
SETTINGS_SOURCE = (BASE_DIR / "voting_site" / "settings.py").read_text()


def commands_of(service: str) -> list[list[str]]:
    """Each program a service runs: its command, or the image's, with `sh -c` chains split."""
    command = SERVICES[service].get("command") or image_command()
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part.replace("exec ", "")) for part in command[2].split("&&")]
    return [command]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_app_service_runs_a_real_entry_point(service):
    for program in commands_of(service):
        if program[:2] == ["python", "manage.py"]:
            assert program[2] in get_commands(), f"{service}: no command {program[2]}"
        else:  # the web server as deployed, with the project's limits
            assert program == ["python", "-m", "voting_site.serve"]


def test_the_cron_service_loads_the_projects_periodic_jobs():
    assert SERVICES["cron"]["command"][-1] == "voting_site.cron"
    assert (BASE_DIR / "tally" / "cron.py").exists()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_an_app_service_sets_is_one_the_settings_read(service):
    for name in SERVICES[service]["environment"]:
        assert f'"{name}"' in SETTINGS_SOURCE, f"{service} sets {name}, which no setting reads"


def test_the_web_health_check_hits_a_real_endpoint():
    test = " ".join(SERVICES["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*?)'", test).group(1)

    assert resolve(path).url_name == "healthz"


def test_networks_in_the_courses_shape():
    assert set(COMPOSE["networks"]) == {"front-tier", "back-tier"}
    assert set(SERVICES["web"]["networks"]) == {"front-tier", "back-tier"}
    for service in ("db", "redis", "worker", "cron", "migrate"):
        assert SERVICES[service]["networks"] == ["back-tier"], service


def test_votes_hits_and_images_live_on_named_volumes():
    assert set(COMPOSE["volumes"]) == {"db-data", "redis-data", "media"}
    for service in ("web", "worker", "migrate"):
        assert SERVICES[service]["volumes"] == ["media:/media"], service
    assert SERVICES["db"]["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert SERVICES["redis"]["volumes"] == ["redis-data:/data"]
    command = SERVICES["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "always"  # on disk when answered


def test_only_the_web_port_is_published():
    assert [name for name, service in SERVICES.items() if "ports" in service] == ["web"]


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_health_checks_and_restart(service):
    assert "test" in SERVICES[service]["healthcheck"]
    assert SERVICES[service]["restart"] == "unless-stopped"


def test_services_wait_for_what_they_need():
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for service in ("web", "worker", "cron"):
        assert (
            SERVICES[service]["depends_on"]["migrate"]["condition"]
            == "service_completed_successfully"
        )
    assert SERVICES["seed"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_no_secret_is_written_in_the_file():
    text = (BASE_DIR / "docker" / "compose.yaml").read_text()

    assert "${DJANGO_SECRET_KEY:?" in text and "${POSTGRES_PASSWORD:?" in text
    example = (BASE_DIR / "docker" / ".env.example").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=$", example, re.MULTILINE)
