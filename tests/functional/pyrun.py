"""Run a snippet of Python in a fresh interpreter, with an environment free of AWS settings.

Sandbox tests that start, stop or reconfigure a sandbox run in their own process, so they never
disturb the sandbox the rest of the test session shares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def hermetic_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any ``AWS_*`` variable (a running sandbox sets several), plus overrides."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(overrides)
    return env


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    """Run ``code`` with this interpreter from the repository root; fail with its stderr if it fails."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env if env is not None else hermetic_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"snippet failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
    return result


def run_python_json(code: str, env: dict[str, str] | None = None, timeout: float = 90):
    """Run ``code``, which prints one JSON document as its last line, and return it decoded."""
    return json.loads(run_python(code, env, timeout).stdout.strip().splitlines()[-1])
