"""Frozen between invokes: an idle environment's processes are stopped, and thawed for the next invoke."""

import os
import time

import psutil
import pytest

from workbook import lambda_runtime

from .lambda_helpers import create_function, invoke

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")

TICKER = """
import os, subprocess, threading, time
TICKS = []
CHILD = None

def tick():
    while True:
        TICKS.append(time.time())
        time.sleep(0.01)

def handler(event, context):
    global CHILD
    if event.get("start"):
        threading.Thread(target=tick, daemon=True).start()
        CHILD = subprocess.Popen(["sleep", "60"])
    if event.get("wait"):
        time.sleep(event["wait"])
    return {"pid": os.getpid(), "child": CHILD.pid if CHILD else None, "ticks": TICKS[-400:]}
"""


def _state(pid: int) -> str:
    try:
        return psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        return "gone"


def _until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_idle_environment_and_its_children_are_stopped(sb):
    """After an invoke, are the worker and the process its handler started stopped, until the next invoke?"""
    create_function(sb, "ticker", TICKER, Timeout=10)
    first = invoke(sb, "ticker", {"start": True})["Payload"]
    assert _until(lambda: _state(first["pid"]) == psutil.STATUS_STOPPED)
    assert _until(lambda: _state(first["child"]) == psutil.STATUS_STOPPED)
    response = invoke(sb, "ticker", LogType="Tail")
    assert response["Payload"]["pid"] == first["pid"]
    assert "Init Duration" not in response["Log"]


def test_a_background_thread_makes_no_progress_between_invokes(sb):
    """Does a thread the handler started stop with the handler, and run again only during the next invoke?"""
    create_function(sb, "ticker", TICKER, Timeout=10)
    invoke(sb, "ticker", {"start": True})
    frozen_from = time.time() + 0.05  # the freeze is sent before invoke() returns; a margin for delivery
    time.sleep(0.5)  # idle time in which a running thread would tick about 50 times
    frozen_until = time.time()
    ticks = invoke(sb, "ticker", {"wait": 0.2})["Payload"]["ticks"]
    assert [tick for tick in ticks if frozen_from < tick < frozen_until] == []
    assert any(tick >= frozen_until for tick in ticks)  # thawed: it ticks again during the next invoke


def test_a_frozen_environment_is_reaped_and_killed(sb):
    """Does the idle reaper end a frozen environment, worker and children included?"""
    create_function(sb, "ticker", TICKER, Timeout=10)
    previous = lambda_runtime.configure(idle_timeout=0.3)
    try:
        first = invoke(sb, "ticker", {"start": True})["Payload"]
        assert _until(lambda: _state(first["pid"]) == "gone" and _state(first["child"]) in ("gone", "zombie"))
    finally:
        lambda_runtime.configure(**previous)


def test_reset_kills_frozen_environments(sb):
    """Does sb.reset() end a frozen worker at once?"""
    create_function(sb, "ticker", TICKER, Timeout=10)
    first = invoke(sb, "ticker", {"start": True})["Payload"]
    assert _until(lambda: _state(first["pid"]) == psutil.STATUS_STOPPED)
    sb.reset()
    assert _until(lambda: _state(first["pid"]) == "gone" and _state(first["child"]) in ("gone", "zombie"))


def test_memory_watchdog_works_after_a_thaw(sb):
    """Does a thawed environment's worker still get killed when it goes over MemorySize?"""
    create_function(
        sb, "hungry",
        "def handler(event, context):\n"
        "    if event.get('eat'):\n"
        "        block = bytearray(400 * 1024 * 1024)\n"
        "        for i in range(0, len(block), 4096):\n"
        "            block[i] = 1\n"
        "    return 'ok'\n",
        MemorySize=128, Timeout=20,
    )
    assert invoke(sb, "hungry")["Payload"] == "ok"
    response = invoke(sb, "hungry", {"eat": True})
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"]["errorType"] == "Runtime.ExitError"


def test_provisioned_environment_waits_frozen(sb):
    """Is a pre-warmed provisioned environment frozen until its first invoke, which it then serves warm?"""
    create_function(sb, "warm", "import os\ndef handler(e, c):\n    return os.getpid()\n")
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="warm")
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert _until(lambda: lam.get_provisioned_concurrency_config(
        FunctionName="warm", Qualifier="live")["Status"] == "READY", timeout=30)
    workers = [p for p in psutil.Process().children(recursive=True) if "bootstrap.py" in " ".join(p.cmdline())]
    assert _until(lambda: any(_state(p.pid) == psutil.STATUS_STOPPED for p in workers))
    response = invoke(sb, "warm", Qualifier="live", LogType="Tail")
    assert "Init Duration" not in response["Log"]
    assert _state(response["Payload"]) in (psutil.STATUS_STOPPED, psutil.STATUS_RUNNING, psutil.STATUS_SLEEPING)
