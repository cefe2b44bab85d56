"""Lab 05's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import threading

import pytest
from botocore.config import Config

from workbook import checks, sandbox
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "05-execution-environment"
check = functools.partial(check_step, LAB)

RESIZER = """
import time


def handler(event, context):
    end = time.process_time() + event["cpu_ms"] / 1000
    while time.process_time() < end:
        pass
    time.sleep(event["wait_ms"] / 1000)
    return "resized"
"""
WRITER = "import time\n\ndef handler(event, context):\n    time.sleep(0.5)\n    return 'written'\n"


@pytest.fixture
def lab(sb):
    """The lab's setup: both functions deployed, memory buying CPU."""
    sandbox.start(cpu="proportional")
    lam = sb.client("lambda")
    role_arn = create_execution_role(sb.client("iam"), "lab-05-role")
    deploy_function(lam, "image-resizer", {"app.py": RESIZER}, role_arn, Timeout=10)
    deploy_function(lam, "orders-writer", {"app.py": WRITER}, role_arn, Timeout=10)
    yield lam
    sandbox.start(cpu=None)


def _memory(lam, size: int) -> None:
    lam.update_function_configuration(FunctionName="image-resizer", MemorySize=size)
    lam.get_waiter("function_updated_v2").wait(FunctionName="image-resizer")


def _throttle(sb, reserved: int, requests: int) -> list[str]:
    lam = sb.client("lambda")
    lam.put_function_concurrency(FunctionName="orders-writer", ReservedConcurrentExecutions=reserved)
    no_retries = sb.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    reasons: list[str] = []

    def call():
        try:
            no_retries.invoke(FunctionName="orders-writer")["Payload"].read()
        except no_retries.exceptions.TooManyRequestsException as error:
            reasons.append(error.response["Reason"])

    threads = [threading.Thread(target=call) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reasons


def test_every_step_is_not_attempted_on_a_fresh_sandbox(sb):
    """Does each step say "not done yet" before its function exists?"""
    report = checks.results(LAB)
    assert [outcome.status for outcome in report.outcomes] == ["not_attempted", "not_attempted"]


# tune


def test_the_cheapest_size_within_the_target_passes(lab):
    """Does 512 MB (the smallest size within 250 ms when memory buys CPU) pass, once configured?"""
    _memory(lab, 512)
    assert check("tune", 512).status == "passed"


def test_the_fastest_size_fails_as_too_expensive(lab):
    """Does 1,769 MB, the fastest but not the cheapest within the target, fail on cost?"""
    _memory(lab, 1769)
    outcome = check("tune", 1769)
    assert outcome.status == "failed"
    assert "costs less" in outcome.feedback


def test_the_cheapest_size_overall_fails_as_too_slow(lab):
    """Does 128 MB, the cheapest but far over 250 ms, fail on the target?"""
    _memory(lab, 128)
    outcome = check("tune", 128)
    assert outcome.status == "failed"
    assert "over the" in outcome.feedback


def test_an_answer_not_configured_fails(lab):
    """Does the right answer fail while the function still runs at another size (power_tune's last)?"""
    _memory(lab, 1769)
    outcome = check("tune", 512)
    assert outcome.status == "failed"
    assert "MemorySize" in outcome.feedback


def test_a_numpy_answer_passes(lab):
    """Does a numpy integer (what idxmin returns) count as the number it holds?"""
    numpy = pytest.importorskip("numpy")
    _memory(lab, 512)
    assert check("tune", numpy.int64(512)).status == "passed"


# protect


def test_reserved_concurrency_and_its_reason_pass(sb, lab):
    """Do reserved concurrency 3 and the Reason of a 429 it caused pass?"""
    reasons = _throttle(sb, 3, 6)
    assert reasons
    assert check("protect", reasons[0]).status == "passed"


def test_the_wrong_reserved_concurrency_fails(sb, lab):
    """Does reserved concurrency other than the database's 3 connections fail, naming the number?"""
    reasons = _throttle(sb, 2, 6)
    outcome = check("protect", reasons[0])
    assert outcome.status == "failed"
    assert "3" in outcome.feedback


def test_a_made_up_reason_fails(sb, lab):
    """Does a reason not taken from the 429 (the account-level one) fail?"""
    _throttle(sb, 3, 6)
    outcome = check("protect", "ConcurrentInvocationLimitExceeded")
    assert outcome.status == "failed"


def test_zero_reserved_concurrency_fails(sb, lab):
    """Does reserved concurrency 0 (every request throttled) fail?"""
    reasons = _throttle(sb, 0, 2)
    outcome = check("protect", reasons[0])
    assert outcome.status == "failed"
    assert "0" in outcome.feedback
