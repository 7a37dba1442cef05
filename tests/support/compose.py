"""docker/compose.yaml and the image's command, as the deployment tests read them."""

from __future__ import annotations

import re

import yaml

from tests.support.processes import BASE_DIR

COMPOSE = yaml.safe_load((BASE_DIR / "docker" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def image_command() -> list[str]:
    """The image's CMD (docker/Dockerfile), as a list."""
    dockerfile = (BASE_DIR / "docker" / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd is not None
    return yaml.safe_load(cmd.group(1))
