"""tools/verify.py, run as anyone would run it: its own Python process, isolated from the
project's packages (-I), on a log written to a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

VERIFY = Path(__file__).resolve().parents[2] / "tools" / "verify.py"


def verify(log: dict[str, Any], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The verifier on this log, written to `folder`."""
    path = folder / "log.json"
    path.write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    return verify_files([path], *args)


def verify_files(paths: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    """The verifier on these logs' files."""
    return subprocess.run(
        [sys.executable, "-I", str(VERIFY), *map(str, paths), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def verified(log: dict[str, Any], folder: Path, *args: str) -> dict[str, Any]:
    """The verifier's outcome as JSON; it must have found nothing wrong."""
    outcome = verify(log, folder, "--json", *args)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    return json.loads(outcome.stdout)
