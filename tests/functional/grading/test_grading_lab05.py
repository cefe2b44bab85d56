"""Lab 05 graded as an instructor would: the check measures the sizes itself, and reads the reserved concurrency."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "05-execution-environment"
STEP_1 = "tuning = power_tune("
STEP_2 = "lam.put_function_concurrency("

LARGEST_WITHIN_TARGET = """
tuning = power_tune(lam, FUNCTION_NAME, MEMORY_SIZES, payload=WORKLOAD, runs=2)
cheapest_memory = int(tuning[tuning["Duration"] <= TARGET_MS].index.max())  # "safe": the most headroom
lam.update_function_configuration(FunctionName=FUNCTION_NAME, MemorySize=cheapest_memory)
lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION_NAME)
tuning
"""

NOT_CONFIGURED = """
tuning = power_tune(lam, FUNCTION_NAME, MEMORY_SIZES, payload=WORKLOAD, runs=2)
cheapest_memory = int(tuning[tuning["Duration"] <= TARGET_MS]["cost"].idxmin())
tuning
"""

LOOPED = """
measured = []
for memory in MEMORY_SIZES:
    row = power_tune(lam, FUNCTION_NAME, [memory], payload=WORKLOAD, runs=3).iloc[0]
    measured.append((row["cost"], memory, row["Duration"]))
cheapest_memory = min((cost, memory) for cost, memory, duration in measured if duration <= TARGET_MS)[1]
lam.update_function_configuration(FunctionName=FUNCTION_NAME, MemorySize=cheapest_memory)
lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION_NAME)
"""

TOO_FEW = """
from concurrent.futures import ThreadPoolExecutor

lam.put_function_concurrency(FunctionName="orders-writer", ReservedConcurrentExecutions=1)


def call(_):
    try:
        lam_no_retries.invoke(FunctionName="orders-writer", Payload=b"{}")["Payload"].read()
    except lam_no_retries.exceptions.TooManyRequestsException as error:
        return error.response["Reason"]


with ThreadPoolExecutor(4) as pool:
    throttle_reason = next(reason for reason in pool.map(call, range(4)) if reason)
"""

POOL = TOO_FEW.replace("ReservedConcurrentExecutions=1", "ReservedConcurrentExecutions=DB_CONNECTIONS").replace(
    "ThreadPoolExecutor(4)", "ThreadPoolExecutor(8)").replace("range(4)", "range(8)")


def test_the_largest_size_within_the_target_fails_on_cost(tmp_path):
    """Does taking the size with the most headroom (within the target, not the cheapest) fail step 1 only?"""
    result = Submission(LAB).replace(STEP_1, LARGEST_WITHIN_TARGET).grade(tmp_path, f"{LAB}-largest")
    assert statuses(result) == {"tune": "failed", "protect": "passed"}
    assert "costs less" in feedback(result, "tune")


def test_an_answer_left_unconfigured_and_a_reserved_concurrency_below_the_connections_fail(tmp_path):
    """Does the right size never set on the function (left at power_tune's last size) fail step 1, and
    reserved concurrency 1 (it throttles, but wastes two connections) fail step 2, each for its own reason?"""
    submission = Submission(LAB).replace(STEP_1, NOT_CONFIGURED).replace(STEP_2, TOO_FEW)
    result = submission.grade(tmp_path, f"{LAB}-unconfigured-too-few")
    assert statuses(result) == {"tune": "failed", "protect": "failed"}
    assert "MemorySize" in feedback(result, "tune")
    assert "reserved concurrency 1" in feedback(result, "protect")


def test_a_loop_and_a_thread_pool_pass(tmp_path):
    """Full marks for one power_tune call per size chosen in plain Python, and a thread pool for the burst?"""
    submission = Submission(LAB).replace(STEP_1, LOOPED).replace(STEP_2, POOL)
    result = submission.grade(tmp_path, f"{LAB}-looped")
    assert statuses(result) == {"tune": "passed", "protect": "passed"}, [s["feedback"] for s in result["steps"]]
