"""Start-up noise a learner reads as errors, silenced where it is ours: pip's box about the workbook's own
editable install (`make lab`'s first run) and ipykernel's warning about unencrypted TCP (every kernel)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.functional.pyrun import ROOT, hermetic_env

pytestmark = pytest.mark.slow

# How setuptools words its note when pip builds the workbook in editable mode; pip 26 shows it as a box.
SETUPTOOLS_NOTE = (
    "Editable installation.\n!!\n\n        " + "*" * 80 + "\n        Please be careful with folders in your"
    " working directory with the same\n        name as your package as they may take precedence during"
    " imports.\n"
)


def make_dry_run(*args: str) -> str:
    """What `make -n ARGS` would run (every target's prerequisites taken as changed with -B)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    result = subprocess.run(["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_install_filters_setuptools_editable_note():
    """Does the install recipe run pip with a warning filter that hides setuptools' editable-install note, and
    nothing else (another warning still shows)?"""
    recipe = make_dry_run("venv")
    found = re.search(
        r'PYTHONWARNINGS="([^"]+)"\s*\\?\s*\S+ -m pip install [^\n]*-r requirements\.txt', recipe
    )
    assert found, recipe
    code = "import warnings, sys; warnings.warn_explicit(sys.argv[1], UserWarning, 'editable_wheel.py', 1)"
    shown = [
        subprocess.run([sys.executable, "-c", code, message], env=hermetic_env(PYTHONWARNINGS=found.group(1)),
                       capture_output=True, text=True, timeout=60).stderr
        for message in (SETUPTOOLS_NOTE, "Some other warning from a build backend.")
    ]  # fmt: skip
    assert shown[0] == "" and "Some other warning" in shown[1]


def kernel_stderr(transport: str, tmp_path) -> str:
    """Start a kernel over ``transport``, wait until it answers, stop it; what it wrote to stderr."""
    from jupyter_client import KernelManager

    log = tmp_path / f"kernel-{transport}.log"
    manager = KernelManager(transport=transport, connection_file=str(tmp_path / f"k-{transport}.json"))
    with open(log, "w") as stderr:
        manager.start_kernel(stderr=stderr, stdout=stderr, env=hermetic_env())
        try:
            client = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            client.stop_channels()
        finally:
            manager.shutdown_kernel(now=True)
    return log.read_text()


def test_lab_kernels_use_local_sockets_without_the_tcp_warning(tmp_path):
    """Does `make lab` start kernels over ipc, and does a kernel started that way print no warning about
    unencrypted TCP (while one over TCP, the default, does)?"""
    found = re.search(r"--KernelManager\.transport=(\w+)", make_dry_run("lab"))
    assert found and found.group(1) == "ipc"
    assert "without encryption" not in kernel_stderr("ipc", tmp_path)
    assert "without encryption" in kernel_stderr("tcp", tmp_path)
