"""The image's web and worker commands, exactly as compose.yaml runs them, as local processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from polls.simulator import simulate
from tests.support.compose import SERVICES, image_command
from tests.support.processes import BASE_DIR, collected_static, database_url
from voting_site.processes import free_port, wait_healthy

BIN = Path(sys.executable).parent  # the image has its virtual environment on PATH too


def as_in_compose(service: str, port: int) -> subprocess.Popen:
    command = SERVICES[service].get("command") or image_command()
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "PORT": str(port),
        "DJANGO_SETTINGS_MODULE": "voting_site.settings",
        "DJANGO_STATIC_ROOT": collected_static(),
        # compose.yaml's variables, pointing at the test servers instead of db and redis
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,web",
        "VOTING_PUBLIC_URL": "",  # compose.yaml's default
    }
    assert set(SERVICES[service]["environment"]) <= set(env)
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_votes_go_through_the_web_and_worker_commands_of_the_compose_file(poll, redis_db):
    port = free_port()
    web = as_in_compose("web", port)
    worker = as_in_compose("worker", port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process=web)
        report = asyncio.run(simulate(url=url, poll="cats-vs-dogs", votes=12, concurrency=4))
        assert report.accepted == 12
        deadline = time.monotonic() + 30
        while True:
            with urllib.request.urlopen(f"{url}/api/polls/cats-vs-dogs/results") as answer:
                results = json.load(answer)
            if results["total"] == 12 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for process in (web, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)

    assert {o["slug"]: o["votes"] for o in results["options"]} == {"cats": 6, "dogs": 6}
