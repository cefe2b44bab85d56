"""A handler can't hurt the kernel: crashes cost one runtime, and the next invoke works."""

import os
import sys

import psutil
import pytest

from .lambda_helpers import create_function, invoke

CRASHERS = {
    "os_exit": ("import os\n", "os._exit(3)", "Runtime exited with error: exit status 3"),
    "sys_exit_0": ("import sys\n", "sys.exit(0)", "Runtime exited without providing a reason"),
    "sys_exit_1": ("import sys\n", "sys.exit(1)", "Runtime exited with error: exit status 1"),
    "segfault": ("import ctypes\n", "ctypes.string_at(0)", "Runtime exited with error: signal: segmentation fault"),
    "memory": ("", "data = b'x' * (400 * 1024 * 1024)", "Runtime exited with error: signal: killed"),
}


@pytest.mark.parametrize("kind", sorted(CRASHERS))
def test_runtime_exit_is_reported_and_the_next_invoke_works(sb, kind):
    """Do os._exit, sys.exit, a segfault and memory past MemorySize give Runtime.ExitError, then recover?"""
    imports, crash, reason = CRASHERS[kind]
    code = imports + "def handler(event, context):\n    if event.get('crash'):\n        " + crash + "\n    return 'alive'\n"
    create_function(sb, "crashy", code, MemorySize=128)
    assert invoke(sb, "crashy", {})["Payload"] == "alive"
    response = invoke(sb, "crashy", {"crash": True}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}
    assert response["Log"].splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert "\tMax Memory Used: 0 MB" not in response["Log"]
    assert invoke(sb, "crashy", {})["Payload"] == "alive"


def test_printing_100_mb_is_capped(sb):
    """Does printing 100 MB still answer, with the captured log capped and a note?"""
    create_function(
        sb,
        "chatty",
        "import sys\ndef handler(event, context):\n    line = 'y' * 1023 + '\\n'\n"
        "    for _ in range(100 * 1024):\n        sys.stdout.write(line)\n    return 'done'\n",
        Timeout=30,
    )
    response = invoke(sb, "chatty", LogType="Tail")
    assert response["Payload"] == "done"
    assert "[workbook] log truncated:" in response["Log"]
    assert invoke(sb, "chatty")["Payload"] == "done"


def test_background_thread_outlives_the_invoke(sb):
    """Does a thread still running after the handler returns leave the environment usable?"""
    create_function(
        sb,
        "threads",
        "import threading, time\ndef handler(event, context):\n"
        "    threading.Thread(target=time.sleep, args=(30,)).start()\n    return 'ok'\n",
    )
    assert invoke(sb, "threads")["Payload"] == "ok"
    response = invoke(sb, "threads", LogType="Tail")
    assert response["Payload"] == "ok"
    assert "Init Duration" not in response["Log"]


def test_handler_deleting_its_own_function(sb):
    """Can a handler delete its own function and still answer?"""
    create_function(
        sb,
        "selfdestruct",
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('lambda').delete_function(FunctionName=context.function_name)\n    return 'bye'\n",
    )
    assert invoke(sb, "selfdestruct")["Payload"] == "bye"
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="selfdestruct")
    create_function(sb, "selfdestruct", "def handler(e, c):\n    return 'again'\n")
    assert invoke(sb, "selfdestruct")["Payload"] == "again"


def _workers():
    return [p for p in psutil.Process().children(recursive=True) if "bootstrap.py" in " ".join(p.cmdline())]


def test_reset_reaps_every_worker_and_temp_dir(sb):
    """Does sb.reset() end every worker process and delete the environments' temp dirs?"""
    create_function(sb, "reaped", "import os\ndef handler(e, c):\n    return os.environ['TMPDIR']\n")
    tmpdir = invoke(sb, "reaped")["Payload"]
    assert os.path.isdir(tmpdir)
    assert _workers()
    sb.reset()
    psutil.wait_procs(_workers(), timeout=5)
    assert _workers() == []
    assert not os.path.exists(tmpdir)


STUCK = (
    "import ctypes, os\n"
    "def handler(event, context):\n"
    "    with open(os.path.join(os.environ['TMPDIR'], 'stuck'), 'w') as marker:\n"
    "        marker.write(str(os.getpid()))\n"
    "    ctypes.PyDLL(None).sleep(600)  # a C call that keeps the GIL: no Python thread runs meanwhile\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="elsewhere workers poll for their parent")
def test_workers_exit_when_their_parent_dies(tmp_path):
    """Do workers die at once when the process that started them is killed, even one stuck in a C call,
    and does the next runtime remove the folder the dead process left?"""
    import subprocess
    import textwrap
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import glob, os, sys, time
            from workbook import sandbox
            sys.path.insert(0, sys.argv[1])
            from tests.functional.lambda_helpers import create_function, invoke
            sb = sandbox.start()
            create_function(sb, "orphan", "import os\\ndef handler(e, c):\\n    return [os.getpid(), os.environ['TMPDIR']]\\n")
            pid, tmpdir = invoke(sb, "orphan")["Payload"]
            create_function(sb, "stuck", {STUCK!r}, Timeout=900)
            sb.client("lambda").invoke(FunctionName="stuck", InvocationType="Event", Payload=b"{{}}")
            markers = os.path.join(sb._runtime.root, "environments", "*", "stuck")
            deadline = time.monotonic() + 30
            while not glob.glob(markers) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)  # well inside the C call by now
            stuck = open(glob.glob(markers)[0]).read()
            print(pid, stuck, tmpdir, flush=True)
            time.sleep(60)
            """
        )
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parent = subprocess.Popen([sys.executable, str(script), root], stdout=subprocess.PIPE, cwd=root)
    try:
        orphan, stuck, tmpdir = parent.stdout.readline().split()
        workers = [int(orphan), int(stuck)]
        assert all(psutil.pid_exists(worker) for worker in workers)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(worker) for worker in workers)
    runtime_root = os.path.dirname(os.path.dirname(tmpdir))
    from workbook.lambda_runtime.runtime import Runtime

    Runtime("http://127.0.0.1:9", "us-east-1").close()
    assert not os.path.exists(runtime_root)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_exit_during_init_names_the_invoke(sb):
    """Does sys.exit(0) in module code give Runtime.ExitError with the invoke's request id, as AWS does?"""
    create_function(sb, "quitter", "import sys\nsys.exit(0)\ndef handler(event, context):\n    return 1\n")
    response = invoke(sb, "quitter", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing a reason",
    }
    assert list(response["Payload"]) == ["errorType", "errorMessage"]


def test_a_killed_processes_runtime_folder_is_removed_by_the_next_runtime():
    """When a kernel is killed before it can clean up, does the next runtime remove its leftover folder?"""
    import subprocess
    import sys
    import tempfile

    from workbook.lambda_runtime.runtime import Runtime

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tempfile.mkdtemp(prefix=f"workbook-lambda-{int(dead.stdout)}-")
    runtime = Runtime("http://127.0.0.1:9", "us-east-1")
    try:
        assert not os.path.exists(leftover)
        assert os.path.basename(runtime.root).startswith(f"workbook-lambda-{os.getpid()}-")
    finally:
        runtime.close()
