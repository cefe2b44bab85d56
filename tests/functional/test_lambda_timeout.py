"""Timeouts: the platform stops the handler, reports Sandbox.Timedout and resets the runtime."""

from .lambda_helpers import create_function, invoke

COUNTER = """
import os, time
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    path = os.path.join(os.environ["TMPDIR"], "marker")
    existed = os.path.exists(path)
    open(path, "w").close()
    if event.get("hang"):
        while True:
            time.sleep(0.01)
    return {"count": COUNT, "tmp_existed": existed}
"""


def test_endless_loop_times_out(sb):
    """Is an endless loop stopped at the timeout with Sandbox.Timedout and REPORT Status: timeout?"""
    create_function(sb, "loop", "def handler(event, context):\n    while True:\n        pass\n", Timeout=1)
    response = invoke(sb, "loop", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    report = response["Log"].splitlines()[-1]
    assert report.startswith(f"REPORT RequestId: {request_id}\tDuration: 1000.00 ms\tBilled Duration: ")
    assert report.endswith("\tStatus: timeout")


def test_timeout_resets_globals_but_keeps_tmp(sb):
    """After a timeout, are module globals re-initialised while the temp dir keeps its files?"""
    create_function(sb, "reset", COUNTER, Timeout=1)
    assert invoke(sb, "reset", {})["Payload"] == {"count": 1, "tmp_existed": False}
    assert invoke(sb, "reset", {})["Payload"] == {"count": 2, "tmp_existed": True}
    assert invoke(sb, "reset", {"hang": True})["Payload"]["errorType"] == "Sandbox.Timedout"
    response = invoke(sb, "reset", {}, LogType="Tail")
    assert response["Payload"] == {"count": 1, "tmp_existed": True}
    assert "Init Duration" in response["Log"]


def test_remaining_time_counts_down_from_the_timeout(sb):
    """Does context.get_remaining_time_in_millis() start near the configured timeout?"""
    create_function(sb, "clock", "def handler(event, context):\n    return context.get_remaining_time_in_millis()\n", Timeout=2)
    remaining = invoke(sb, "clock")["Payload"]
    assert 1000 < remaining <= 2000


def test_timed_out_report_shows_the_memory_the_runtime_used(sb):
    """Does the REPORT of a timed-out invoke show the runtime's real peak memory, not 0 MB?"""
    create_function(
        sb, "hog", "def handler(event, context):\n    data = bytearray(40 * 1024 * 1024)\n    while True:\n        pass\n",
        Timeout=1, MemorySize=256,
    )
    report = invoke(sb, "hog", LogType="Tail")["Log"].splitlines()[-1]
    assert report.endswith("\tStatus: timeout")
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 40 <= used <= 256


def test_remaining_time_at_handler_start_is_below_the_timeout(sb):
    """Is the time left at the very start of the handler already below the timeout (the deadline
    was fixed when the invoke was dispatched)?"""
    create_function(sb, "early", "def handler(event, context):\n    return context.get_remaining_time_in_millis()\n", Timeout=3)
    for _ in range(5):
        remaining = invoke(sb, "early")["Payload"]
        assert 0 < remaining < 3000
