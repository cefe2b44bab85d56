"""Lab 04 graded as an instructor would: the customer's request, every REPORT line, the levels the lab asks for."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "04-logging-monitoring"
ALL_PASSED = {"structured": "passed", "failing": "passed", "percentiles": "passed"}
STEP_1 = "from aws_lambda_powertools import Logger"
STEP_2 = "messages = log_events(logs, \"payments\")"
STEP_3 = "reports = log_events(logs, \"payments\", filterPattern="


def test_the_first_failed_request_in_the_log_is_not_the_customers(tmp_path):
    """Does taking the first ERROR line (the step 1 check's declined order) fail step 2, saying it is not the customer's?"""
    first_error = Submission(LAB).replace(
        STEP_2,
        """
        messages = log_events(logs, "payments")["message"]
        structured = pd.json_normalize([json.loads(m) for m in messages if m.startswith("{")])
        failed_request_id = structured.loc[structured["level"] == "ERROR", "function_request_id"].iloc[0]
        failed_lines = list(log_events(logs, "payments", filterPattern=f'"{failed_request_id}"')["message"])
        """,
    )
    result = first_error.grade(tmp_path, f"{LAB}-first-error")
    assert statuses(result) == {**ALL_PASSED, "failing": "failed"}
    assert "not the customer's" in feedback(result, "failing")


def test_percentiles_of_part_of_the_data_and_a_decline_logged_as_a_warning_fail(tmp_path):
    """Do p50/p95 of the last ten REPORT lines fail step 3, and a decline at WARNING step 1?"""
    partial = (
        Submission(LAB)
        .edit(STEP_1, 'logger.error("card declined")', 'logger.warning("card declined")')
        .edit(STEP_3, "durations = pd.Series([parse_report(line)[\"Duration\"] for line in reports])",
              "durations = pd.Series([parse_report(line)[\"Duration\"] for line in reports]).tail(10)")  # fmt: skip
    )
    partial.edit(STEP_2, 'structured["level"] == "ERROR"', 'structured["level"].isin(["ERROR", "WARNING"])')
    result = partial.grade(tmp_path, f"{LAB}-partial")
    assert statuses(result) == {"structured": "failed", "failing": "passed", "percentiles": "failed"}
    assert "ERROR" in feedback(result, "structured") and "use all of them" in feedback(result, "percentiles")


def test_stdlib_logging_statistics_and_pages_read_by_hand_pass(tmp_path):
    """Full marks with stdlib logging and a JSON formatter, statistics, and filter_log_events paged by hand?"""
    other_way = (
        Submission(LAB)
        .replace(
            STEP_1,
            '''
            PAYMENTS_PY = """
            import json
            import logging
            import time

            DECLINED_CARDS = {"4000-0000-0000-0002"}


            class JsonLines(logging.Formatter):
                def format(self, record):
                    return json.dumps({"level": record.levelname, "message": record.getMessage(),
                                       "request_id": record.aws_request_id, "order_id": record.order_id})


            logger = logging.getLogger("payments")
            logger.setLevel(logging.INFO)
            logger.propagate = False
            stream = logging.StreamHandler()
            stream.setFormatter(JsonLines())
            logger.addHandler(stream)


            class PaymentDeclined(Exception):
                pass


            def handler(event, context):
                order_id, amount = event["order_id"], event["amount_cents"]
                fields = {"aws_request_id": context.aws_request_id, "order_id": order_id}
                logger.info("charging order", extra=fields)
                time.sleep(event.get("provider_ms", 50) / 1000)
                if event["card"] in DECLINED_CARDS:
                    logger.error("card declined", extra=fields)
                    raise PaymentDeclined(f"order {order_id}: card declined")
                logger.info("order charged", extra=fields)
                return {"order_id": order_id, "charged_cents": amount}
            """
            deploy_function(lam, "payments", {"app.py": PAYMENTS_PY}, ROLE_ARN)
            ''',
        )
        .replace(
            STEP_2,
            """
            def all_events(**filters):
                kwargs = {"logGroupName": "/aws/lambda/payments", **filters}
                while True:
                    page = logs.filter_log_events(**kwargs)
                    yield from page["events"]
                    if not page.get("nextToken"):
                        return
                    kwargs["nextToken"] = page["nextToken"]

            errors = [json.loads(e["message"]) for e in all_events(filterPattern='"ERROR"') if e["message"].startswith("{")]
            failed_request_id = next(e["request_id"] for e in errors if e["order_id"].startswith("C-"))
            failed_lines = [e["message"] for e in all_events(filterPattern=f'"{failed_request_id}"')]
            """,
        )
        .replace(
            STEP_3,
            """
            import statistics

            durations = [parse_report(e["message"])["Duration"] for e in all_events(filterPattern='"REPORT RequestId"')]
            answer = {"count": len(durations), "p50": statistics.median(durations),
                      "p95": statistics.quantiles(durations, n=20)[-1]}
            answer
            """,
        )
    )
    result = other_way.grade(tmp_path, f"{LAB}-stdlib")
    assert statuses(result) == ALL_PASSED, result["steps"]


def test_hand_made_json_numpy_and_the_runtimes_error_record_pass(tmp_path):
    """Full marks with json.dumps lines, the failure found by its [ERROR] record, and numpy percentiles?"""
    numpy_way = (
        Submission(LAB)
        .replace(
            STEP_1,
            '''
            PAYMENTS_PY = """
            import json
            import time


            class PaymentDeclined(Exception):
                pass


            def log(context, level, message, **fields):
                print(json.dumps({"level": level, "message": message, "request_id": context.aws_request_id, **fields}))


            def handler(event, context):
                log(context, "INFO", "charging order", order_id=event["order_id"])
                time.sleep(event.get("provider_ms", 50) / 1000)
                if event["card"] == "4000-0000-0000-0002":
                    log(context, "ERROR", "card declined", order_id=event["order_id"])
                    raise PaymentDeclined(f"order {event['order_id']}: card declined")
                log(context, "INFO", "order charged", order_id=event["order_id"])
                return {"order_id": event["order_id"], "charged_cents": event["amount_cents"]}
            """
            deploy_function(lam, "payments", {"app.py": PAYMENTS_PY}, ROLE_ARN)
            ''',
        )
        .replace(
            STEP_2,
            """
            frame = log_events(logs, "payments")
            current, failures = None, []
            for message in frame["message"]:
                if message.startswith("START "):
                    current = message.split()[2]
                elif message.startswith("[ERROR] PaymentDeclined") and "order C-" in message:
                    failures.append(current)
            failed_request_id = failures[-1]
            failed_lines = log_events(logs, "payments", filterPattern=f'"{failed_request_id}"')["message"]
            """,
        )
        .replace(
            STEP_3,
            """
            import numpy as np

            reports = log_events(logs, "payments", filterPattern='"REPORT RequestId"')["message"]
            values = np.array([parse_report(line)["Duration"] for line in reports])
            answer = {"count": values.size, "p50": np.percentile(values, 50), "p95": np.percentile(values, 95)}
            durations = pd.Series(values)
            """,
        )
    )
    result = numpy_way.grade(tmp_path, f"{LAB}-numpy")
    assert statuses(result) == ALL_PASSED, result["steps"]
