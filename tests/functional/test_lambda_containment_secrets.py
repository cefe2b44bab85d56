"""A handler cannot read the kernel's secrets, or another function's, from /proc."""

import os
import sys

import pytest

from .lambda_helpers import create_function, invoke

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")

PEEK = """
import os

def read(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return "read" if environ.read() else "empty"
    except PermissionError:
        return "denied"

def handler(event, context):
    return {"kernel": read(os.getppid()), "other": read(event["pid"])}
"""

WHO_AM_I = "import os\ndef handler(event, context):\n    return os.getpid()\n"


def _contained(sb) -> None:
    """Skip when the machine runs workers as root (nothing then stops a handler reading /proc)."""
    runtime = sb._runtime
    if os.geteuid() == 0 and runtime.worker_users is None:
        pytest.skip(runtime.isolation)


def test_kernel_is_not_dumpable(sb):
    """Is the process that runs the sandbox non-dumpable, so /proc hides its environment from its own user?"""
    import ctypes

    pr_get_dumpable = 3
    assert ctypes.CDLL(None).prctl(pr_get_dumpable, 0, 0, 0, 0) == 0


def test_handler_cannot_read_the_kernels_or_another_functions_environment(sb):
    """Does reading /proc/<pid>/environ of the kernel or of another function's worker fail in a handler?"""
    _contained(sb)
    create_function(sb, "other", WHO_AM_I, Environment={"Variables": {"DB_PASSWORD": "hunter2"}})
    create_function(sb, "peek", PEEK)
    other_pid = invoke(sb, "other")["Payload"]
    assert invoke(sb, "peek", {"pid": other_pid})["Payload"] == {"kernel": "denied", "other": "denied"}


def test_secrets_never_reach_a_workers_startup_environment(sb):
    """Are credentials and variables kept out of the environment a worker started with (what /proc shows)?"""
    create_function(sb, "other", WHO_AM_I, Environment={"Variables": {"DB_PASSWORD": "hunter2"}})
    pid = invoke(sb, "other")["Payload"]
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            startup = environ.read()
    except PermissionError:
        pytest.skip("this test process may not read the worker's /proc entry")
    assert b"hunter2" not in startup
    assert b"AWS_SECRET_ACCESS_KEY" not in startup and b"AWS_SESSION_TOKEN" not in startup


def test_workers_run_as_their_own_unprivileged_users(sb):
    """When the course runs as root, does each environment run as its own user, unable to signal others?"""
    from concurrent.futures import ThreadPoolExecutor

    if os.geteuid() != 0:
        pytest.skip("the course does not run as root: workers run as your own user")
    _contained(sb)
    create_function(
        sb,
        "whoami",
        "import os, time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n"
        "    return {'uid': os.getuid(), 'groups': os.getgroups(), 'pid': os.getpid(),\n"
        "            'tmp_owner': os.stat(os.environ['TMPDIR']).st_uid}\n",
    )
    create_function(
        sb,
        "signaller",
        "import os\ndef handler(event, context):\n    denied = []\n"
        "    for pid in event['pids'] + [os.getppid()]:\n        try:\n            os.kill(pid, 0)\n"
        "        except PermissionError:\n            denied.append(pid)\n    return denied\n",
    )
    with ThreadPoolExecutor(2) as pool:  # two invokes at once: two environments
        first, second = pool.map(lambda _: invoke(sb, "whoami", {"sleep": 0.5})["Payload"], range(2))
    assert first["pid"] != second["pid"]
    assert 0 != first["uid"] != second["uid"] != 0
    assert first["groups"] == second["groups"] == []
    assert (first["tmp_owner"], second["tmp_owner"]) == (first["uid"], second["uid"])
    pids = [first["pid"], second["pid"]]
    assert invoke(sb, "signaller", {"pids": pids})["Payload"] == pids + [os.getpid()]
