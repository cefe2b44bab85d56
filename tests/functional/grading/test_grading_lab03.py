"""Lab 03 graded as an instructor would: the check changes the timeout, and the handler has to follow the clock."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "03-context"
ALL_PASSED = {"deploy": "passed", "deadline": "passed", "uneven": "passed"}
STEP_1 = 'BATCH_PY = """\nimport time\n\n\ndef handler'


def short(handler_source: str, *, timeout: int = 2) -> Submission:
    """The setup cell, then one cell deploying ``handler_source`` (the lab's demo runs left out, to save time)."""
    submission = Submission(LAB)
    for fragment in ("big_batch = invoices(", "left, rounds = big_batch, 0", "uneven_batch = invoices(",
                     "SAFETY_MARGIN_MS = 500", "SAFETY_MARGIN_MS = 250", 'checks.run("03-context")'):  # fmt: skip
        submission.drop(fragment)
    deploy = f"BATCH_PY = '''{handler_source}'''\n"
    if timeout == 2:
        deploy += "deploy_batch(BATCH_PY)"
    else:
        deploy += f"deploy_function(lam, 'batch-processor', {{'app.py': BATCH_PY}}, ROLE_ARN, Timeout={timeout})"
    return submission.replace(STEP_1, deploy)


NAIVE = """
import time


def handler(event, context):
    for item in event["items"]:
        time.sleep(item["work_ms"] / 1000)
    return {"processed": [item["id"] for item in event["items"]], "unprocessed": []}
"""

COUNTING = """
import time


def handler(event, context):
    items = event["items"]
    for item in items[:6]:
        time.sleep(item["work_ms"] / 1000)
    return {"processed": [item["id"] for item in items[:6]], "unprocessed": items[6:]}
"""

REBUILT = """
import time


def handler(event, context):
    items, done = event["items"], []
    for position, item in enumerate(items):
        if context.get_remaining_time_in_millis() < item["work_ms"] + 300:
            rest = [{"id": i["id"], "work_ms": i["work_ms"]} for i in items[position:]]
            return {"processed": done, "unprocessed": rest}
        time.sleep(item["work_ms"] / 1000)
        done.append(item["id"])
    return {"processed": done, "unprocessed": []}
"""

DEQUE = """
import time
from collections import deque


def fits(context, item, margin_ms=300):
    return context.get_remaining_time_in_millis() >= item["work_ms"] + margin_ms


def handler(event, context):
    queue, done = deque(event["items"]), []
    while queue and fits(context, queue[0]):
        item = queue.popleft()
        time.sleep(item["work_ms"] / 1000)
        done.append(item["id"])
    return {"unprocessed": list(queue), "processed": done}
"""


def test_a_long_timeout_that_dodges_the_exercise_fails_every_step(tmp_path):
    """Does the step-1 handler deployed with Timeout=30 fail step 1 (configuration) and the deadline steps?"""
    result = short(NAIVE, timeout=30).grade(tmp_path, f"{LAB}-long-timeout")
    assert statuses(result) == {"deploy": "failed", "deadline": "failed", "uneven": "failed"}
    assert "Timeout is 30, not 2" in feedback(result, "deploy")
    assert "timeout" in feedback(result, "deadline")


def test_a_handler_that_counts_items_instead_of_asking_the_context_fails(tmp_path):
    """Does stopping after six items (fits 2 s, not 1 s) fail the deadline and uneven steps?"""
    result = short(COUNTING).grade(tmp_path, f"{LAB}-counting")
    assert statuses(result) == {"deploy": "passed", "deadline": "failed", "uneven": "failed"}


def test_handing_back_rebuilt_items_fails(tmp_path):
    """Does returning unprocessed items without their other fields fail the steps that hand items back?"""
    result = short(REBUILT).grade(tmp_path, f"{LAB}-rebuilt")
    assert statuses(result) == {"deploy": "passed", "deadline": "failed", "uneven": "failed"}
    assert "exactly as they came in" in feedback(result, "deadline")


def test_a_deque_a_helper_and_cleanup_at_the_end_pass(tmp_path):
    """Full marks for a differently written handler, deployed once, with the function deleted at the end?"""
    submission = short(DEQUE).append('lam.delete_function(FunctionName="batch-processor")')
    result = submission.grade(tmp_path, f"{LAB}-deque")
    assert statuses(result) == ALL_PASSED, result["steps"]
    deploy_cell = submission.number_of("deploy_batch(BATCH_PY)")
    assert {step["cell"] for step in result["steps"]} == {deploy_cell}  # all three passed after the one deploy
