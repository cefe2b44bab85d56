"""Lab 03's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools

import pytest

from workbook import checks
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "03-context"
check = functools.partial(check_step, LAB)

NAIVE = """
import time


def handler(event, context):
    processed = []
    for item in event["items"]:
        time.sleep(item["work_ms"] / 1000)
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": []}
"""

FIXED_MARGIN = """
import time

MARGIN = 500


def handler(event, context):
    items, processed = event["items"], []
    for position, item in enumerate(items):
        if context.get_remaining_time_in_millis() < MARGIN:
            return {"processed": processed, "unprocessed": items[position:]}
        time.sleep(item["work_ms"] / 1000)
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": []}
"""

ITEM_AWARE = FIXED_MARGIN.replace("< MARGIN", '< item["work_ms"] + MARGIN').replace("MARGIN = 500", "MARGIN = 250")


def deploy(sb, source, timeout=2):
    role_arn = create_execution_role(sb.client("iam"), "batch-processor-role")
    deploy_function(sb.client("lambda"), "batch-processor", {"app.py": source}, role_arn, Timeout=timeout)


# deploy


def test_every_step_is_not_attempted_before_the_function_exists(sb):
    """Do all three steps say "not done yet" on a fresh sandbox, naming the function?"""
    report = checks.results(LAB)
    assert [o.status for o in report.outcomes] == [checks.Status.NOT_ATTEMPTED] * 3
    assert all("batch-processor" in o.feedback for o in report.outcomes)


def test_deploy_fails_when_the_handler_returns_none(sb):
    """Does the starter handler (return None) fail with "your handler returned None" and the expected shape?"""
    deploy(sb, "def handler(event, context):\n    return None\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "returned None" in outcome.feedback and "unprocessed" in outcome.feedback


def test_deploy_fails_with_a_long_timeout(sb):
    """Does a function with a 30-second timeout (dodging the exercise) fail, asking for Timeout=2?"""
    deploy(sb, NAIVE, timeout=30)
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "Timeout is 30, not 2" in outcome.feedback and "deploy_batch" in outcome.feedback


def test_deploy_fails_when_the_function_runs_as_another_role(sb):
    """Does batch-processor running as a role other than batch-processor-role fail?"""
    create_execution_role(sb.client("iam"), "batch-processor-role")
    other = create_execution_role(sb.client("iam"), "power-user", managed=["AdministratorAccess"])
    deploy_function(sb.client("lambda"), "batch-processor", {"app.py": NAIVE}, other, Timeout=2)
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "power-user" in outcome.feedback and "batch-processor-role" in outcome.feedback


def test_deploy_fails_when_the_work_is_skipped(sb):
    """Does a handler that claims every item without doing the work fail on the REPORT duration?"""
    deploy(sb, NAIVE.replace('time.sleep(item["work_ms"] / 1000)', "pass"))
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "REPORT" in outcome.feedback


def test_deploy_fails_when_sleep_is_given_milliseconds(sb):
    """Does sleeping work_ms seconds (a timeout on the small batch) fail, saying time.sleep takes seconds?"""
    deploy(sb, NAIVE.replace('item["work_ms"] / 1000', 'item["work_ms"]'))
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "time.sleep takes seconds" in outcome.feedback


def test_deploy_passes_with_a_handler_that_processes_everything(sb):
    """Does the step-1 handler pass step 1 (and only step 1: it runs into the timeout on a big batch)?"""
    deploy(sb, NAIVE)
    assert check("deploy").status is checks.Status.PASSED
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED
    assert "timeout" in outcome.feedback and "get_remaining_time_in_millis" in outcome.feedback


# deadline


def test_deadline_fails_when_only_ids_are_handed_back(sb):
    """Does returning the ids of the unprocessed items instead of the items fail, saying to return them as received?"""
    deploy(sb, FIXED_MARGIN.replace('"unprocessed": items[position:]', '"unprocessed": [i["id"] for i in items[position:]]'))
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED
    assert "exactly as they came in" in outcome.feedback or "not the items" in outcome.feedback


def test_deadline_fails_when_the_margin_is_smaller_than_an_item(sb):
    """Does a handler that only stops when no time is left (a margin of 0 ms, less than any item) run into the
    timeout and fail? (A margin of 50 ms fails too, except when the check's random item sizes happen to add up to
    within 50 ms of the timeout in both runs, about one run in sixteen, so the test does not use it.)"""
    deploy(sb, FIXED_MARGIN.replace("MARGIN = 500", "MARGIN = 0"))
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED
    assert "timeout" in outcome.feedback


def test_deadline_fails_when_the_handler_counts_items_instead_of_asking_the_context(sb):
    """Does a handler that stops after a fixed number of items (tuned to 2 s) fail when the check changes the timeout?"""
    counting = NAIVE.replace(
        "    for item in event[\"items\"]:\n",
        "    for item in event[\"items\"][:6]:\n",
    ).replace('"unprocessed": []', '"unprocessed": event["items"][6:]')
    deploy(sb, counting)
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED
    assert "timeout" in outcome.feedback


def test_deadline_fails_when_the_handler_watches_a_fixed_clock(sb):
    """Does a handler that stops after 1.5 s of its own clock (not the context's) fail at a 1 s timeout?"""
    clock = FIXED_MARGIN.replace(
        "import time\n", "import time\nSTART = None\n"
    ).replace(
        "    items, processed = event[\"items\"], []\n",
        "    items, processed, started = event[\"items\"], [], time.monotonic()\n",
    ).replace("context.get_remaining_time_in_millis() < MARGIN", "(time.monotonic() - started) * 1000 > 1500")
    deploy(sb, clock)
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED


def test_deadline_fails_when_unprocessed_items_lose_their_other_fields(sb):
    """Does handing back rebuilt items ({"id", "work_ms"} only) fail, asking for the items as received?"""
    rebuilt = FIXED_MARGIN.replace(
        '"unprocessed": items[position:]', '"unprocessed": [{"id": i["id"], "work_ms": i["work_ms"]} for i in items[position:]]'
    )
    deploy(sb, rebuilt)
    outcome = check("deadline")
    assert outcome.status is checks.Status.FAILED
    assert "exactly as they came in" in outcome.feedback


def test_deadline_passes_with_a_fixed_margin_and_puts_the_timeout_back(sb):
    """Does the step-2 handler pass step 2 (fail step 3), and is the function's timeout 2 s again afterwards?"""
    deploy(sb, FIXED_MARGIN)
    outcome = check("deadline")
    assert outcome.status is checks.Status.PASSED, outcome.feedback
    outcome = check("uneven")
    assert outcome.status is checks.Status.FAILED
    assert "ran into its timeout" in outcome.feedback
    assert sb.client("lambda").get_function_configuration(FunctionName="batch-processor")["Timeout"] == 2


# uneven


def test_uneven_fails_when_a_later_small_item_is_processed_out_of_order(sb):
    """Does skipping the big item and doing the small one after it fail, saying items stay in order?"""
    skipping = """
import time


def handler(event, context):
    processed, unprocessed = [], []
    for item in event["items"]:
        if context.get_remaining_time_in_millis() < item["work_ms"] + 250:
            unprocessed.append(item)
            continue
        time.sleep(item["work_ms"] / 1000)
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": unprocessed}
"""
    deploy(sb, skipping)
    outcome = check("uneven")
    assert outcome.status is checks.Status.FAILED
    assert "in order" in outcome.feedback


def test_uneven_fails_when_big_items_are_refused_by_size(sb):
    """Does a handler that stops at any item over 500 ms (a rule about sizes, not time) fail?"""
    by_size = ITEM_AWARE.replace(
        'context.get_remaining_time_in_millis() < item["work_ms"] + MARGIN',
        'item["work_ms"] > 500 or context.get_remaining_time_in_millis() < MARGIN',
    )
    deploy(sb, by_size)
    outcome = check("uneven")
    assert outcome.status is checks.Status.FAILED
    assert "stopped early" in outcome.feedback


def test_uneven_passes_with_an_item_aware_margin(sb):
    """Does the step-3 handler pass every step?"""
    deploy(sb, ITEM_AWARE)
    report = checks.results(LAB)
    assert report.score == 1.0, str(report)


def test_uneven_passes_with_a_while_loop_and_a_deque(sb):
    """Is a differently written handler (a deque, a while loop, a helper) that follows the rule right too?"""
    other_style = """
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
    deploy(sb, other_style)
    report = checks.results(LAB)
    assert report.score == 1.0, str(report)
