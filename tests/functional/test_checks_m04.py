"""Lab 04's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks, lambda_logs
from workbook.checks.labs.m04_logging_monitoring import DECLINED_CARD
from workbook.checks.stats import quantile
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "04-logging-monitoring"
check = functools.partial(check_step, LAB)

PRINTING = """
import time


class PaymentDeclined(Exception):
    pass


def handler(event, context):
    print(f"charging order {event['order_id']}")
    time.sleep(event.get("provider_ms", 0) / 1000)
    if event["card"] == "4000-0000-0000-0002":
        print("card declined")
        raise PaymentDeclined("card declined")
    print("charged")
    return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}
"""

# The json module instead of Powertools: the other way the lab allows.
JSON_LOGGING = """
import json
import time


class PaymentDeclined(Exception):
    pass


def log(context, level, message, **fields):
    print(json.dumps({"level": level, "message": message, "request_id": context.aws_request_id, **fields}))


def handler(event, context):
    log(context, "INFO", "charging order", order_id=event["order_id"])
    time.sleep(event.get("provider_ms", 0) / 1000)
    if event["card"] == "4000-0000-0000-0002":
        log(context, "ERROR", "card declined", order_id=event["order_id"])
        raise PaymentDeclined("card declined")
    log(context, "INFO", "charged", order_id=event["order_id"])
    return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}
"""

POWERTOOLS = """
import time

from aws_lambda_powertools import Logger

logger = Logger(service="payments")


class PaymentDeclined(Exception):
    pass


@logger.inject_lambda_context
def handler(event, context):
    logger.append_keys(order_id=event["order_id"])
    logger.info("charging order")
    time.sleep(event.get("provider_ms", 0) / 1000)
    if event["card"] == "4000-0000-0000-0002":
        logger.error("card declined")
        raise PaymentDeclined("card declined")
    logger.info("charged")
    return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}
"""


def deploy(sb, source):
    role_arn = create_execution_role(sb.client("iam"), "payments-role")
    deploy_function(sb.client("lambda"), "payments", {"app.py": source}, role_arn)


def traffic(sb, declined_at=2, count=6) -> tuple[str, list[str]]:
    """Send ``count`` orders (one declined); return the declined request's id and the ids of the others."""
    lam = sb.client("lambda")
    failed, others = None, []
    for n in range(count):
        card = DECLINED_CARD if n == declined_at else "4242-4242-4242-4242"
        order = {"order_id": f"C-{1000 + n}", "amount_cents": 100 + n, "card": card, "provider_ms": 5 * n}
        response = lam.invoke(FunctionName="payments", Payload=json.dumps(order))
        request_id = response["ResponseMetadata"]["RequestId"]
        if card == DECLINED_CARD:
            failed = request_id
        else:
            others.append(request_id)
    return failed, others


def events_with(sb, request_id) -> list[str]:
    page = sb.client("logs").filter_log_events(logGroupName="/aws/lambda/payments", filterPattern=f'"{request_id}"')
    return [event["message"] for event in page["events"]]


def durations(sb) -> list[float]:
    page = sb.client("logs").filter_log_events(logGroupName="/aws/lambda/payments", filterPattern='"REPORT RequestId"')
    return [lambda_logs.parse_report(event["message"])["Duration"] for event in page["events"]]


# structured


def test_every_step_is_not_attempted_before_the_function_exists(sb):
    """Do all three steps say "not done yet" on a fresh sandbox?"""
    report = checks.results(LAB)
    assert [o.status for o in report.outcomes] == [checks.Status.NOT_ATTEMPTED] * 3


def test_structured_is_not_attempted_while_the_function_still_prints(sb):
    """Does the lab's original print-only function say "not done yet", quoting a plain-text line?"""
    deploy(sb, PRINTING)
    outcome = check("structured")
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "plain text" in outcome.feedback and "charging order CHK-‹hidden›" in outcome.feedback


def test_structured_fails_when_one_print_is_left(sb):
    """Does a JSON logger with one print line left fail, quoting the line that is not JSON?"""
    deploy(sb, JSON_LOGGING.replace('log(context, "INFO", "charged", order_id=event["order_id"])', 'print("charged")'))
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "'charged'" in outcome.feedback and "not a JSON object" in outcome.feedback


def test_structured_fails_without_the_request_id(sb):
    """Does JSON without the request id fail, pointing at inject_lambda_context?"""
    deploy(sb, POWERTOOLS.replace("@logger.inject_lambda_context\n", ""))
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "request id" in outcome.feedback and "inject_lambda_context" in outcome.feedback


def test_structured_fails_when_the_decline_is_not_logged_as_an_error(sb):
    """Does logging the decline at INFO fail, asking for level ERROR?"""
    deploy(sb, POWERTOOLS.replace('logger.error("card declined")', 'logger.info("card declined")'))
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "ERROR" in outcome.feedback


def test_structured_fails_when_normal_lines_are_logged_at_error(sb):
    """Does logging a charged order at ERROR (so every order would ring an alarm) fail, asking for INFO?"""
    deploy(sb, POWERTOOLS.replace('logger.info("charged")', 'logger.error("charged")'))
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "at level ERROR" in outcome.feedback and "INFO" in outcome.feedback


def test_structured_fails_when_the_answer_is_hard_coded(sb):
    """Does a handler that returns a fixed order (the lab's example) fail on the check's own order?"""
    deploy(sb, POWERTOOLS.replace(
        'return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}',
        'return {"order_id": "A-0001", "charged_cents": 2500}',
    ))  # fmt: skip
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "A-0001" in outcome.feedback


def test_structured_fails_when_the_function_runs_as_another_role(sb):
    """Does payments running as a role other than payments-role fail?"""
    create_execution_role(sb.client("iam"), "payments-role")
    other = create_execution_role(sb.client("iam"), "other-role")
    deploy_function(sb.client("lambda"), "payments", {"app.py": POWERTOOLS}, other)
    outcome = check("structured")
    assert outcome.status is checks.Status.FAILED
    assert "other-role" in outcome.feedback


def test_structured_passes_with_stdlib_logging_and_a_json_formatter(sb):
    """Is the stdlib logging module with a JSON formatter of one's own right too?"""
    stdlib = """
import json
import logging
import time


class JsonFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps({"level": record.levelname, "message": record.getMessage(),
                           "request_id": getattr(record, "aws_request_id", None), **getattr(record, "fields", {})})


logger = logging.getLogger("payments")
logger.setLevel(logging.INFO)
logger.propagate = False
handler_ = logging.StreamHandler()
handler_.setFormatter(JsonFormatter())
logger.addHandler(handler_)


class PaymentDeclined(Exception):
    pass


def handler(event, context):
    extra = {"aws_request_id": context.aws_request_id, "fields": {"order_id": event["order_id"]}}
    logger.info("charging order", extra=extra)
    time.sleep(event.get("provider_ms", 0) / 1000)
    if event["card"] == "4000-0000-0000-0002":
        logger.error("card declined", extra=extra)
        raise PaymentDeclined("card declined")
    logger.info("charged", extra=extra)
    return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}
"""
    deploy(sb, stdlib)
    outcome = check("structured")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_structured_ignores_what_the_init_phase_logged(sb):
    """Is a JSON line logged at import time (no request yet, so no request id) left out of the request's lines?"""
    deploy(sb, POWERTOOLS.replace('logger = Logger(service="payments")\n',
                                  'logger = Logger(service="payments")\nlogger.info("module loaded")\n'))  # fmt: skip
    outcome = check("structured")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_structured_passes_with_powertools(sb):
    """Does the Powertools Logger solution pass?"""
    deploy(sb, POWERTOOLS)
    outcome = check("structured")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_structured_passes_with_the_json_module(sb):
    """Does hand-made JSON with a request_id field pass too?"""
    deploy(sb, JSON_LOGGING)
    outcome = check("structured")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# failing


def test_failing_is_not_attempted_without_an_id(sb):
    """Does passing None (the starter's value) say "not done yet"?"""
    assert check("failing", None, None).status is checks.Status.NOT_ATTEMPTED


def test_failing_fails_for_a_request_that_succeeded(sb):
    """Does the id of a successful request fail, saying it succeeded?"""
    deploy(sb, POWERTOOLS)
    _, others = traffic(sb)
    outcome = check("failing", others[0], events_with(sb, others[0]))
    assert outcome.status is checks.Status.FAILED
    assert "succeeded" in outcome.feedback


def test_failing_fails_for_the_checks_own_declined_order(sb):
    """Does the failed request of the check's declined order (not the customer's) fail?"""
    deploy(sb, POWERTOOLS)
    traffic(sb)
    assert check("structured").status is checks.Status.PASSED
    events = sb.client("logs").filter_log_events(logGroupName="/aws/lambda/payments", filterPattern='"CHK-"')["events"]
    request_id = next(json.loads(e["message"])["function_request_id"] for e in events if '"ERROR"' in e["message"])
    outcome = check("failing", request_id, events_with(sb, request_id))
    assert outcome.status is checks.Status.FAILED
    assert "not the customer's" in outcome.feedback


def test_failing_fails_for_another_declined_order_of_the_learners(sb):
    """Does a request of a declined test order of one's own (A-…) fail: the step asks for the customer's?"""
    deploy(sb, POWERTOOLS)
    traffic(sb)
    order = {"order_id": "A-0002", "amount_cents": 1, "card": DECLINED_CARD}
    own = sb.client("lambda").invoke(FunctionName="payments", Payload=json.dumps(order))
    request_id = own["ResponseMetadata"]["RequestId"]
    outcome = check("failing", request_id, events_with(sb, request_id))
    assert outcome.status is checks.Status.FAILED
    assert "A-0002" in outcome.feedback


def test_failing_fails_for_an_unknown_id(sb):
    """Does a made-up id fail, saying no request has it?"""
    deploy(sb, POWERTOOLS)
    traffic(sb)
    outcome = check("failing", "00000000-0000-4000-8000-000000000000", [])
    assert outcome.status is checks.Status.FAILED
    assert "no request" in outcome.feedback


def test_failing_fails_when_lines_are_missing(sb):
    """Does passing only the JSON lines (without START/END/REPORT) fail, naming a missing line?"""
    deploy(sb, POWERTOOLS)
    failed, _ = traffic(sb)
    json_only = [m for m in events_with(sb, failed) if m.startswith("{")]
    outcome = check("failing", failed, json_only)
    assert outcome.status is checks.Status.FAILED
    assert "Missing" in outcome.feedback


def test_failing_passes_with_the_id_and_every_line(sb):
    """Does the failed request's id with every event that contains it pass?"""
    deploy(sb, POWERTOOLS)
    failed, _ = traffic(sb)
    outcome = check("failing", failed, events_with(sb, failed))
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# percentiles


def test_percentiles_is_not_attempted_without_an_answer(sb):
    """Does passing None (the starter's value) say "not done yet"?"""
    assert check("percentiles", None).status is checks.Status.NOT_ATTEMPTED


def test_percentiles_fails_with_billed_duration(sb):
    """Do percentiles of Billed Duration fail with advice to use Duration?"""
    deploy(sb, POWERTOOLS)
    traffic(sb)
    page = sb.client("logs").filter_log_events(logGroupName="/aws/lambda/payments", filterPattern='"REPORT RequestId"')
    billed = [lambda_logs.parse_report(e["message"])["Billed Duration"] for e in page["events"]]
    answer = {"count": len(billed), "p50": quantile(billed, 0.5), "p95": quantile(billed, 0.95)}
    outcome = check("percentiles", answer)
    assert outcome.status is checks.Status.FAILED
    assert "Billed Duration" in outcome.feedback


def test_percentiles_fails_with_the_mean_instead_of_the_median(sb):
    """Does the mean passed as p50 fail, saying which value is wrong?"""
    deploy(sb, POWERTOOLS)
    traffic(sb, count=8)
    values = durations(sb)
    answer = {"count": len(values), "p50": max(values) + 5, "p95": quantile(values, 0.95)}
    outcome = check("percentiles", answer)
    assert outcome.status is checks.Status.FAILED
    assert "p50" in outcome.feedback and "p95 is right" in outcome.feedback


def test_percentiles_fails_when_count_exceeds_the_report_lines(sb):
    """Does a count larger than the number of REPORT lines fail (e.g. every log line counted)?"""
    deploy(sb, POWERTOOLS)
    traffic(sb)
    outcome = check("percentiles", {"count": 500, "p50": 1.0, "p95": 2.0})
    assert outcome.status is checks.Status.FAILED
    assert "only" in outcome.feedback


def test_percentiles_fail_with_partial_data(sb):
    """Do percentiles of only some REPORT lines (one log stream, say) fail, asking for all of them?"""
    deploy(sb, POWERTOOLS)
    traffic(sb, count=8)
    values = durations(sb)[2:]
    answer = {"count": len(values), "p50": quantile(values, 0.5), "p95": quantile(values, 0.95)}
    outcome = check("percentiles", answer)
    assert outcome.status is checks.Status.FAILED
    assert "use all of them" in outcome.feedback


def test_percentiles_pass_with_numpy_and_statistics_definitions(sb):
    """Are numpy scalars, numpy's percentile and statistics.quantiles' default method all accepted?"""
    import statistics

    import numpy as np

    deploy(sb, POWERTOOLS)
    traffic(sb, count=8)
    values = durations(sb)
    answer = {"count": np.int64(len(values)), "p50": np.median(values), "p95": np.percentile(values, 95)}
    assert check("percentiles", answer).status is checks.Status.PASSED
    checks._remembered.clear()
    answer = {"count": len(values), "p50": statistics.median(values), "p95": statistics.quantiles(values, n=20)[-1]}
    outcome = check("percentiles", answer)
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_percentiles_stay_right_after_invocations_of_ones_own(sb):
    """Does an answer stay right when the learner invokes payments again after computing it?"""
    deploy(sb, POWERTOOLS)
    traffic(sb, count=6)
    values = durations(sb)
    answer = {"count": len(values), "p50": quantile(values, 0.5), "p95": quantile(values, 0.95)}
    assert check("percentiles", answer).status is checks.Status.PASSED
    traffic(sb, count=2)
    outcome = checks.run(LAB).outcomes[-1]
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_percentiles_pass_and_stay_right_after_more_invocations(sb):
    """Do correct p50/p95 pass, and still pass after the checks' own invocations add REPORT lines?"""
    deploy(sb, POWERTOOLS)
    traffic(sb, count=8)
    values = durations(sb)
    answer = {"count": len(values), "p50": quantile(values, 0.5), "p95": quantile(values, 0.95)}
    assert check("percentiles", answer).status is checks.Status.PASSED
    assert check("structured").status is checks.Status.PASSED  # the check invokes payments twice more
    outcome = checks.run(LAB).outcomes[-1]
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_quantile_matches_pandas():
    """Does the check's quantile give what pandas' Series.quantile gives?"""
    import pandas as pd

    values = [12.5, 3.25, 40.0, 7.75, 7.75, 100.5, 1.0]
    for q in (0.5, 0.95, 0.0, 1.0):
        assert quantile(values, q) == pytest.approx(pd.Series(values).quantile(q))
