"""Memory buys CPU (opt-in): with cpu="proportional" a 128 MB function computes at a fraction of a vCPU."""

import os

import pytest

from workbook import sandbox
from workbook.sandbox.core import SandboxError

from .lambda_helpers import create_function, invoke

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="throttles by the worker's CPU time")

BUSY = """
import time

def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

burn(float(__import__("os").environ.get("INIT_CPU", "0")))

def handler(event, context):
    started = time.perf_counter()
    burn(event["cpu"])
    return time.perf_counter() - started
"""


def _report(log: str, field: str) -> float:
    """A REPORT line's ``field`` ("Duration", "Init Duration") in ms."""
    line = next(line for line in log.splitlines() if line.startswith("REPORT"))
    return float(line.split(f"\t{field}: ")[1].split(" ms")[0])


@pytest.fixture
def proportional(sb):
    sandbox.start(cpu="proportional")
    yield sb
    sandbox.start(cpu=None)


def test_less_memory_computes_slower(proportional):
    """Does the same CPU-bound work take several times as long at 128 MB as at 1,769 MB?"""
    for memory in (128, 1769):
        create_function(proportional, f"busy-{memory}", BUSY, MemorySize=memory, Timeout=30)
    small = invoke(proportional, "busy-128", {"cpu": 0.08})["Payload"]
    large = invoke(proportional, "busy-1769", {"cpu": 0.08})["Payload"]
    assert small / large > 3  # 13.8 expected; generous, the machine is shared


def test_init_phase_is_not_throttled(proportional):
    """Is the init phase of a 128 MB function unthrottled, while its invoke is?"""
    create_function(proportional, "busy-init", BUSY, MemorySize=128, Timeout=30,
                    Environment={"Variables": {"INIT_CPU": "0.08"}})
    log = invoke(proportional, "busy-init", {"cpu": 0.12}, LogType="Tail")["Log"]
    assert _report(log, "Duration") > 3 * _report(log, "Init Duration")


def test_default_is_unthrottled(sb):
    """Without the option, does a 128 MB function compute as fast as a 1,769 MB one?"""
    for memory in (128, 1769):
        create_function(sb, f"busy-{memory}", BUSY, MemorySize=memory, Timeout=30)
    small = min(invoke(sb, "busy-128", {"cpu": 0.08})["Payload"] for _ in range(2))
    large = min(invoke(sb, "busy-1769", {"cpu": 0.08})["Payload"] for _ in range(2))
    assert small / large < 3  # 1 expected; a busy machine only ever slows a run down


def test_unknown_cpu_mode_is_refused(sb):
    """Is a misspelt cpu mode refused with one sentence?"""
    with pytest.raises(SandboxError, match="proportional"):
        sandbox.start(cpu="fast")


def test_a_share_not_enforced_in_time_is_owed_at_the_end(proportional, monkeypatch):
    """When the throttle cannot look in time (a busy machine), does the invoke still last at least what the
    function's CPU share allows, in its REPORT Duration?"""
    from workbook.lambda_runtime import cpu

    monkeypatch.setattr(cpu.Throttle, "tick", lambda self: 60.0)  # never looks again during the invoke
    create_function(proportional, "busy-late", BUSY, MemorySize=128, Timeout=30)
    log = invoke(proportional, "busy-late", {"cpu": 0.03}, LogType="Tail")["Log"]
    assert _report(log, "Duration") >= 0.03 / cpu.share(128) * 1000  # 415 ms of the share for 30 ms of CPU
