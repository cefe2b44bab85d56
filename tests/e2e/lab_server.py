"""`make lab` as a learner starts it, on a free loopback port, serving a throwaway copy of the course.

The copy keeps the repository's notebooks untouched (JupyterLab autosaves outputs); the attempt log
goes to a throwaway ``WORKBOOK_HOME``, and JupyterLab's settings, workspaces and runtime files to
throwaway folders too, so the test sees JupyterLab as a first-time learner does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"  # the learners' environment, where the workbook is installed
COURSE = ("notebooks", "labs", "solutions", "README.md")
START_SECONDS = 90
# JupyterLab settings for a test: every cell in the page (no virtual scrolling, so every diagram and output
# is rendered), and no news or update toasts over the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabServer:
    """A running `make lab`: its base URL, token, the URL it printed, and the folders it uses."""

    base_url: str
    token: str
    printed_url: str
    home: Path
    course: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def api(self, method: str, path: str) -> object:
        """Call the Jupyter server's REST API; the decoded JSON answer (None for an empty one)."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Stop every kernel (each notebook's sandbox and its workers go with it)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def workbook(self, *args: str) -> str:
        """`python -m workbook ARGS` in the learners' .venv, with this server's WORKBOOK_HOME: its output."""
        result = subprocess.run(
            [str(PYTHON), "-m", "workbook", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, f"python -m workbook {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start(tmp: Path) -> LabServer:
    """Copy the course into ``tmp``, start `make lab` on it, and wait until it prints its URL."""
    course = tmp / "course"
    for name in COURSE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            course.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, course / name)
    settings = tmp / "lab-settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    home = tmp / "workbook-home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "JUPYTER"))}
    env.update(
        HOME=str(tmp),
        WORKBOOK_HOME=str(home),
        WORKBOOK_LEARNER="e2e-learner",
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
    )
    port = free_loopback_port()
    lab_args = " ".join([
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        # no token given: the server makes one and prints it in its URL, as for a learner
        # window.jupyterapp: the test runs JupyterLab commands (Run All) as the menus do
        "--LabApp.expose_app_in_browser=True",
    ])  # fmt: skip
    log_path = tmp / "make-lab.log"
    with open(log_path, "w") as log:
        # -o: .venv as it is (`make e2e` has just brought it up to date); a process group of its own, to stop
        # make, JupyterLab and the kernels together
        command = ["make", "--no-print-directory", "-o", ".venv/.requirements-installed", "lab"]
        process = subprocess.Popen(
            [*command, f"LAB_ROOT={course}", f"LAB_ARGS={lab_args}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = LabServer(f"http://127.0.0.1:{port}", "", "", home, course, env, log_path, process)
    url = re.compile(rf"http://127\.0\.0\.1:{port}/\S*\?token=([0-9a-f]+)")
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make lab exited with {process.returncode}:\n{server.log()[-3000:]}")
        printed = url.search(server.log())
        if printed:
            server.printed_url, server.token = printed.group(0), printed.group(1)
            try:
                server.api("GET", "/api/status")
                return server
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.2)  # polling a log file and a port: there is nothing to wait on instead
    stop(server)
    raise RuntimeError(f"make lab printed no URL within {START_SECONDS} s:\n{server.log()[-3000:]}")


def stop(server: LabServer) -> None:
    """Stop make and the JupyterLab (and kernels) it started: they share one process group."""
    process = server.process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
