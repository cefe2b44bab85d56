"""Does `make lab LAB_ARGS=--no-browser …` start a JupyterLab that serves the welcome notebook?"""

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
import urllib.parse
import urllib.request

import pytest

from tests.functional.pyrun import ROOT, hermetic_env

pytestmark = pytest.mark.slow

STAMP = ".venv/.requirements-installed"
DEADLINE_SECONDS = 45


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def stop(process: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started (they share the process group we created)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """`make lab` running headless on a free loopback port; yields (base URL, token, the process, its log).

    No token is given: the server makes one and prints it in the URL, as for a learner."""
    tmp_path = tmp_path_factory.mktemp("make-lab")
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("needs make and the project's .venv (created by `make lab` / `make test`)")
    port = free_loopback_port()
    lab_args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0"
    # -o STAMP: use the .venv as it is; the test must never start a package install.
    command = ["make", "--no-print-directory", "-o", STAMP, "lab", f"LAB_ARGS={lab_args}"]
    env = hermetic_env(
        HOME=str(tmp_path),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    log = open(tmp_path / "lab.log", "w+")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = printed_url(process, tmp_path / "lab.log")
        token = urllib.parse.parse_qs(url.query)["token"][0]
        yield f"http://127.0.0.1:{port}", token, process, tmp_path / "lab.log"
    finally:
        stop(process)
        log.close()


def printed_url(process: subprocess.Popen, log_path) -> urllib.parse.ParseResult:
    """The URL `make lab` prints for the learner to open (waits until it is printed)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make lab exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        found = re.search(r"http://127\.0\.0\.1:\d+/\S*\?token=\w+", log_path.read_text())
        if found:
            return urllib.parse.urlparse(found.group(0))
        time.sleep(0.2)
    pytest.fail(f"make lab printed no URL within {DEADLINE_SECONDS} s:\n{log_path.read_text()[-3000:]}")


def wait_for(url: str, token: str, process: subprocess.Popen, log_path) -> tuple[int, str, bytes]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make lab exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            return get(url, token)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = exc
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {DEADLINE_SECONDS} s ({last_error}):\n{log_path.read_text()[-3000:]}")


def test_make_lab_serves_the_welcome_notebook(lab_server):
    """Does the server started by `make lab` list notebooks/00-welcome.ipynb through its contents API?"""
    base, token, process, log_path = lab_server
    url = f"{base}/api/contents/notebooks/00-welcome.ipynb?content=0"
    status, content_type, body = wait_for(url, token, process, log_path)
    assert status == 200 and "json" in content_type
    model = json.loads(body)
    assert (model["name"], model["type"]) == ("00-welcome.ipynb", "notebook")


def test_make_lab_serves_the_jupyterlab_page(lab_server):
    """Does the same server answer /lab with JupyterLab's HTML page?"""
    base, token, process, log_path = lab_server
    status, content_type, body = wait_for(f"{base}/lab", token, process, log_path)
    assert status == 200 and "text/html" in content_type
    assert b"JupyterLab" in body


def test_make_lab_shows_the_whole_course(lab_server):
    """Is the server rooted at the repository, so labs/ and solutions/ are in the file browser too?"""
    base, token, process, log_path = lab_server
    for folder in ("labs", "solutions", "notebooks"):
        status, _, body = wait_for(f"{base}/api/contents/{folder}?content=0", token, process, log_path)
        assert (status, json.loads(body)["type"]) == (200, "directory")


def test_make_lab_prints_the_welcome_notebooks_url(lab_server):
    """Does `make lab LAB_ARGS=--no-browser` print the URL of notebooks/00-welcome.ipynb with its token, and
    does that URL open it (not the Launcher)?"""
    base, token, process, log_path = lab_server
    url = printed_url(process, log_path)
    assert url.path == "/lab/tree/notebooks/00-welcome.ipynb"
    assert urllib.parse.parse_qs(url.query) == {"token": [token]}
    status, content_type, body = wait_for(f"{base}{url.path}", token, process, log_path)
    assert status == 200 and "text/html" in content_type
    assert b'"treePath": "notebooks/00-welcome.ipynb"' in body
