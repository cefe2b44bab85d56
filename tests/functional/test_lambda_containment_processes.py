"""Processes a handler starts count against its memory and die with its environment."""

import json
import sys
import threading
import time
import uuid

import psutil
import pytest

from .lambda_helpers import create_function, invoke

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="containment uses Linux's prctl")


def _tagged(tag: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(tag in part for part in process.info["cmdline"] or ()):
            if process.pid != psutil.Process().pid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def _gone(tag: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _tagged(tag)


HOGS = """
import subprocess, sys, time

def handler(event, context):
    hog = "import time; data = b'x' * (60 << 20); print('ready', flush=True); time.sleep(60)  # "
    hog += event["tag"]
    children = [subprocess.Popen([sys.executable, "-c", hog], stdout=subprocess.PIPE) for _ in range(4)]
    for child in children:
        child.stdout.readline()
    time.sleep(20)
    return "survived"
"""


def test_child_processes_count_against_memory_size(sb):
    """Do four children using 60 MB each end a 128 MB environment (Runtime.ExitError), and die with it?"""
    tag = f"hog-{uuid.uuid4().hex}"
    create_function(sb, "hogs", HOGS, MemorySize=128, Timeout=30)
    response = invoke(sb, "hogs", {"tag": tag})
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["Payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    assert _gone(tag)


DAEMON = """
import os, subprocess, sys, time

def handler(event, context):
    # A grandchild in its own session, whose parent exits at once: a daemon.
    starter = (
        "import subprocess, sys; child = subprocess.Popen("
        "[sys.executable, '-c', 'import time; time.sleep(300)  # " + event["tag"] + "'], "
        "start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(child.pid)"
    )
    pid = int(subprocess.run([sys.executable, "-c", starter], capture_output=True, text=True).stdout)
    print("daemon", pid, flush=True)
    if event.get("crash"):
        os._exit(1)
    if event.get("hang"):
        time.sleep(60)
    return pid
"""


@pytest.mark.parametrize("ending", ["reset", "delete"])
def test_a_setsid_grandchild_dies_with_its_environment(sb, ending):
    """Does a daemon a handler started (setsid, parent gone) die when its environment is reset or deleted?"""
    tag = f"daemon-{uuid.uuid4().hex}"
    create_function(sb, "daemon", DAEMON)
    pid = invoke(sb, "daemon", {"tag": tag})["Payload"]
    assert psutil.pid_exists(pid) and _tagged(tag)
    if ending == "reset":
        sb.reset()
    else:
        sb.client("lambda").delete_function(FunctionName="daemon")
    assert _gone(tag)


def test_a_setsid_grandchild_dies_when_the_invoke_times_out(sb):
    """When the invoke that started a daemon times out, is the daemon stopped with the runtime process?"""
    tag = f"daemon-{uuid.uuid4().hex}"
    create_function(sb, "daemon", DAEMON, Timeout=5)
    response = invoke(sb, "daemon", {"tag": tag, "hang": True}, LogType="Tail")
    assert response["Payload"]["errorType"] == "Sandbox.Timedout"
    assert "daemon " in response["Log"]  # it had started
    assert _gone(tag)


def test_a_daemon_started_before_a_crash_dies_too(sb):
    """When the handler starts a daemon and then the runtime process exits, is the daemon killed as well?"""
    if sb._runtime.worker_users is None:
        pytest.skip("needs a user per environment (the course running as root): " + sb._runtime.isolation)
    tag = f"daemon-{uuid.uuid4().hex}"
    create_function(sb, "crasher", DAEMON)
    response = invoke(sb, "crasher", {"tag": tag, "crash": True})
    assert response["Payload"]["errorType"] == "Runtime.ExitError"
    assert _gone(tag)


WHO = "import os\ndef handler(event, context):\n    return os.getpid()\n"


def test_a_worker_outlives_the_request_thread_that_started_it(sb, monkeypatch):
    """Is the environment still warm after the server thread that handled its first invoke has ended?"""
    create_function(sb, "survivor", WHO)
    runtime = sb._runtime
    execute, threads = runtime.execute, []

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return execute(*args, **kwargs)

    monkeypatch.setattr(runtime, "execute", spy)
    first_client = sb.client("lambda")
    pid = json.loads(first_client.invoke(FunctionName="survivor")["Payload"].read())
    first_client.close()  # its connection closes, and the server thread serving it ends
    threads[0].join(timeout=10)
    assert not threads[0].is_alive()
    response = invoke(sb, "survivor", LogType="Tail")
    assert response["Payload"] == pid
    assert "Init Duration" not in response["Log"]
