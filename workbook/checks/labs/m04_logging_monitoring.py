"""Lab 04 · structured logs for a payments function, one failed request traced, p50/p95 from REPORT lines.

The contract the lab text gives the learner:

- ``payments`` keeps its behaviour (``{"order_id", "charged_cents"}`` back; ``PaymentDeclined`` raised for the
  declined test card) but every line it writes is one JSON object with ``level``, ``message`` and the request id
  (Powertools' ``inject_lambda_context`` names it ``function_request_id``; with the json module, ``request_id``);
  the normal lines are at level ``INFO``, the declined card at ``ERROR``;
- ``checks.step("04-logging-monitoring", "failing").check(request_id, lines)``: the id of the request of the
  customer's failed order (an order id starting ``C-``), and the messages of every log event of
  ``/aws/lambda/payments`` that contain that id;
- ``checks.step("04-logging-monitoring", "percentiles").check({"count": n, "p50": …, "p95": …})``: the median and
  95th percentile of ``Duration`` over **all** ``n`` REPORT lines of payments at the time the answer was computed.
  The check recomputes them from CloudWatch Logs (leaving out the invocations checks made after that moment) and
  accepts any standard percentile definition (pandas', numpy's, ``statistics.quantiles``), within 0.01 ms.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter

from workbook import lambda_logs
from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.log_levels import ERROR_LEVELS, level_of
from workbook.checks.stats import quantile, quantile_range
from workbook.checks.values import as_messages, as_number, type_name

FUNCTION = "payments"
ROLE = "payments-role"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
DECLINED_CARD = "4000-0000-0000-0002"
GOOD_CARD = "4242-4242-4242-4242"
PLATFORM = ("START ", "END ", "REPORT ", "INIT_START ", "INIT_REPORT ", "XRAY ")
QUIET_LEVELS = {"INFO", "DEBUG"}
TOLERANCE_MS = 0.01

__all__ = ["DECLINED_CARD", "lab", "quantile"]

lab = Lab("04-logging-monitoring", "Lab 04 · Logs you can search, numbers you can trust")


# ------------------------------------------------------------------------------------------------ structured


def _own_lines(log: str) -> list[str]:
    """The records the handler wrote in one invocation's log tail (platform lines and the runtime's error left out).

    The runtime's record of an unhandled error (``[ERROR] PaymentDeclined: …`` and its traceback, over several
    lines of the tail) comes last, just before END.
    """
    lines, started, in_error = [], False, False
    for line in log.split("\n"):
        if line.startswith(PLATFORM):
            started = started or line.startswith("START ")  # what Init wrote, before START, is not the request's
            in_error = False
            continue
        in_error = in_error or _runtime_error(line)
        if started and line.strip() and not in_error:
            lines.append(line)
    return lines


def _runtime_error(line: str) -> bool:
    """The record the runtime writes for an unhandled error: ``[ERROR] PaymentDeclined: …`` (a space, not a tab)."""
    return line.startswith("[ERROR] ")


def _as_json(line: str):
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _carries(record: dict, request_id: str) -> bool:
    return any(value == request_id for value in record.values())


@lab.step(
    "structured",
    f"Structured JSON logs with the request id in {FUNCTION}",
    watches=("lambda:payments", "iam-role:payments-role"),
    hints=[
        "Replace each `print` with a logger call that writes one JSON object per line. Powertools' `Logger` does: "
        "`from aws_lambda_powertools import Logger`, `logger = Logger(service='payments')` at module level, "
        "`logger.info('charging order', extra={...})` in the handler.",
        "Decorate the handler with `@logger.inject_lambda_context`: every line then carries the request id "
        "(`function_request_id`), the function name and `cold_start`. Log the declined card with `logger.error(...)` "
        "before raising, so that it is easy to find.",
        "Keep the rest of the handler as it was (same return value, same PaymentDeclined exception), then redeploy: "
        "`deploy_function(lam, 'payments', {'app.py': PAYMENTS_PY}, ROLE_ARN)` updates the function and waits until "
        "it is ready.",
    ],
    solution='''
PAYMENTS_PY = """
import time

from aws_lambda_powertools import Logger

DECLINED_CARDS = {"4000-0000-0000-0002"}
logger = Logger(service="payments")


class PaymentDeclined(Exception):
    pass


@logger.inject_lambda_context
def handler(event, context):
    order_id, amount = event["order_id"], event["amount_cents"]
    logger.append_keys(order_id=order_id)
    logger.info("charging order", extra={"amount_cents": amount})
    time.sleep(event.get("provider_ms", 50) / 1000)
    if event["card"] in DECLINED_CARDS:
        logger.error("card declined")
        raise PaymentDeclined(f"order {order_id}: card declined")
    logger.info("order charged")
    return {"order_id": order_id, "charged_cents": amount}
"""
deploy_function(lam, "payments", {"app.py": PAYMENTS_PY}, ROLE_ARN)
''',
)
def structured(aws):
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    fresh = aws.fresh
    good = {"order_id": fresh.name("CHK-"), "amount_cents": fresh.randint(100, 99_999), "card": GOOD_CARD,
            "provider_ms": fresh.randint(1, 15)}  # fmt: skip
    result = aws.invoke(FUNCTION, good)
    if result.function_error:
        raise Failed(
            f"invoking {FUNCTION} with {good} failed with {result.error_summary}. Logging must not change "
            "what the function does: invoke it yourself with LogType='Tail' and read the traceback."
        )
    expected = {"order_id": good["order_id"], "charged_cents": good["amount_cents"]}
    if result.payload != expected:
        raise Failed(
            f"for {good} {FUNCTION} returned {result.payload!r}; it used to return {expected}. "
            "Add logging without changing the return value."
        )
    lines = _own_lines(result.log)
    if not lines:
        raise Failed(f"{FUNCTION} wrote no log lines of its own for an order; log what it does.")
    records = [_as_json(line) for line in lines]
    if all(record is None for record in records):
        raise NotAttempted(
            f"{FUNCTION} still logs plain text, e.g. {lines[0][:80]!r}. Make every line a JSON object with the "
            "request id (Powertools' Logger with @logger.inject_lambda_context does)."
        )
    _expect_json_lines(lines, result.request_id)
    louder = [line for line in lines if str(level_of(line)) not in QUIET_LEVELS]
    if louder:
        raise Failed(
            f"for an order that was charged, {FUNCTION} logged {louder[0][:100]!r} at level {level_of(louder[0])}. "
            "Log the normal steps at INFO; keep WARNING and ERROR for what needs attention."
        )
    stored = set(_search(aws, result.request_id))
    if not all(line in stored for line in lines):
        raise Failed(f"the JSON lines of request {result.request_id} are not in CloudWatch Logs ({LOG_GROUP}).")

    declined_order = {"order_id": fresh.name("CHK-"), "amount_cents": fresh.randint(100, 99_999),
                      "card": DECLINED_CARD, "provider_ms": fresh.randint(1, 15)}  # fmt: skip
    declined = aws.invoke(FUNCTION, declined_order)
    kind = declined.payload.get("errorType") if isinstance(declined.payload, dict) else None
    if not declined.function_error or kind != "PaymentDeclined":
        outcome = f"failed with {declined.error_summary}" if declined.function_error else f"returned {declined.payload!r}"
        raise Failed(f"for the declined card {DECLINED_CARD} {FUNCTION} should still raise PaymentDeclined; it {outcome}.")
    declined_lines = _own_lines(declined.log)
    _expect_json_lines(declined_lines, declined.request_id)
    errors = [line for line in declined_lines if level_of(line) in ERROR_LEVELS]
    if not errors:
        raise Failed(
            f"{FUNCTION} raised PaymentDeclined for the declined card but logged no JSON line with level ERROR and "
            "the request id: log the decline with logger.error(...) before raising."
        )
    return f"{len(lines)} JSON lines at INFO with the request id for a charged order, an ERROR line for a declined one"


def _expect_json_lines(lines: list[str], request_id: str) -> None:
    for line in lines:
        record = _as_json(line)
        if record is None:
            raise Failed(f"this line of {FUNCTION} is not a JSON object: {line[:100]!r}. Log every line as JSON.")
        missing = [key for key in ("level", "message") if key not in record]
        if missing:
            raise Failed(f"the JSON line {line[:100]!r} has no {' or '.join(missing)}; every line needs both.")
        if not _carries(record, request_id):
            raise Failed(
                f"the JSON line {line[:100]!r} does not carry the request id {request_id}. Decorate the handler with "
                "@logger.inject_lambda_context (or add context.aws_request_id under 'request_id' yourself)."
            )


# ------------------------------------------------------------------------------------------------ failing


def _search(aws, term: str) -> list[str]:
    """Messages of every event of the log group that contains ``term`` (a quoted filter pattern)."""
    return [event["message"].rstrip("\n") for event in aws.log_events(LOG_GROUP, filterPattern=f'"{term}"')]


def _events(aws) -> list[dict]:
    """Every event of the log group, ordered by stream and time (the order within one invocation kept)."""
    events = aws.log_events(LOG_GROUP)
    return sorted(events, key=lambda event: (event.get("logStreamName", ""), event.get("timestamp", 0)))


def _requests(aws) -> dict[str, dict]:
    """request id -> {"failed": bool, "messages": [every message between its START and END]}."""
    found: dict[str, dict] = {}
    current, stream = None, None
    for event in _events(aws):
        if event.get("logStreamName") != stream:
            current, stream = None, event.get("logStreamName")
        message = event["message"]
        if message.startswith("START "):
            current = lambda_logs.request_id(message)
            found[current] = {"failed": False, "messages": []}
        elif current is None:
            continue
        elif message.startswith("END "):
            current = None
        else:
            found[current]["messages"].append(message)
            if _runtime_error(message) or message.startswith("REPORT ") and "Status:" in message:
                found[current]["failed"] = True
    return found


_ORDER_IN_ERROR = re.compile(r"order ([A-Za-z]+-[0-9A-Za-z]+)")


def _orders(messages: list[str]) -> set[str]:
    """The order ids a request's log lines name (JSON order_id fields, or "order X" in the error message)."""
    found = set()
    for message in messages:
        record = _as_json(message)
        if record is not None:
            found |= {str(v) for k, v in _flat(record) if k.split(".")[-1] in ("order_id", "orderId", "order")}
        found |= set(_ORDER_IN_ERROR.findall(message))
    return found


def _flat(record: dict, prefix: str = ""):
    for key, value in record.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@lab.step(
    "failing",
    "Find the failed request's log lines by its request id",
    hints=[
        "Read the log group into pandas: `log_events(logs, 'payments')` (every page of `filter_log_events`), "
        "keep the messages that start with `{`, and `pd.json_normalize([json.loads(m) for m in ...])` them. "
        "The failed request logged a line with level ERROR.",
        "`structured.loc[structured['level'] == 'ERROR', 'function_request_id']` gives the request ids of the ERROR "
        "lines; the last one is the traffic's declined order. Then ask CloudWatch Logs for everything with that id: "
        "`filterPattern=f'\"{failed_request_id}\"'` (a term in double quotes matches events that contain it).",
        "`failed_lines` is the list of messages of those events: START, your JSON lines, END and REPORT. Pass both: "
        "`checks.step('04-logging-monitoring', 'failing').check(failed_request_id, failed_lines)`.",
    ],
    answers=("failed_request_id", "failed_lines"),
    solution='''
messages = log_events(logs, "payments")["message"]
structured = pd.json_normalize([json.loads(m) for m in messages if m.startswith("{")])
failed_request_id = structured.loc[structured["level"] == "ERROR", "function_request_id"].iloc[-1]
failed_lines = list(log_events(logs, "payments", filterPattern=f'"{failed_request_id}"')["message"])
''',
)
def failing(aws, request_id=None, lines=None):
    if request_id is None:
        raise NotAttempted(
            "find the failed request, then pass its id and its log lines: "
            "checks.step('04-logging-monitoring', 'failing').check(failed_request_id, failed_lines)"
        )
    aws.function(FUNCTION)
    if not isinstance(request_id, str):
        raise Failed(f"pass the request id as a str; you passed a {type_name(request_id)}.")
    request_id = request_id.strip()
    requests = _requests(aws)
    if request_id not in requests:
        raise Failed(
            f"no request of {FUNCTION} has the id {request_id!r} (no START line with it in {LOG_GROUP}). "
            "Take the id from the function's own log lines."
        )
    if not requests[request_id]["failed"]:
        failed = sum(r["failed"] for r in requests.values())
        raise Failed(
            f"request {request_id} of {FUNCTION} succeeded. {failed} request(s) in {LOG_GROUP} failed: look for the "
            "JSON line with level ERROR."
        )
    orders = _orders(requests[request_id]["messages"])
    if orders and not any(order.startswith("C-") for order in orders):
        raise Failed(
            f"request {request_id} failed, but it was for order {sorted(orders)[0]}, not the customer's: the "
            "customer's failed order is one of the afternoon's orders, whose ids start with 'C-'."
        )
    if not orders and request_id in aws.check_invocations_since(0):
        raise Failed(f"request {request_id} was sent by a check, not by the customer: find the failed 'C-' order.")
    if lines is None:
        raise Failed(
            f"{request_id} is the failed request; now pass its log lines too: the messages of the events of "
            f"{LOG_GROUP} that contain the id (filter_log_events with filterPattern)."
        )
    messages = as_messages(lines)
    if messages is None:
        raise Failed(f"pass the lines as a list of str (the messages); you passed a {type_name(lines)}.")
    expected = _search(aws, request_id)
    strangers = [line for line in messages if request_id not in line]
    if strangers:
        raise Failed(f"this line does not belong to request {request_id}: {strangers[0][:100]!r}.")
    missing = Counter(expected) - Counter(messages)
    if missing:
        example = next(iter(missing))
        raise Failed(
            f"{LOG_GROUP} has {len(expected)} events that contain {request_id}; your list has {len(messages)}. "
            f"Missing, for example: {example[:100]!r}. Let filter_log_events find them all (and read every page)."
        )
    extra = Counter(messages) - Counter(expected)
    if extra:
        raise Failed(f"your list has lines CloudWatch Logs does not have for {request_id}: {next(iter(extra))[:100]!r}.")
    return f"request {request_id} is the customer's failed order; its {len(expected)} log events found by its id"


# ------------------------------------------------------------------------------------------------ percentiles


def _reports_when_answered(aws, count: int) -> list[dict]:
    """The REPORT lines there were when the learner's answer was taken.

    Two ways to tell, both right: every line but those of the invocations checks made since (checks run
    after the answer, in the notebook's table or in a grader), or every line written before that moment.
    The one with ``count`` lines is the learner's (so a later invocation of their own does not count).
    """
    later = aws.check_invocations_since(aws.answered_at)
    events = _report_events(aws)
    without_checks = [r for _, r in events if r.get("RequestId") not in later]
    before = [r for stamp, r in events if stamp <= aws.answered_at_epoch * 1000]
    return before if len(before) == count and len(without_checks) != count else without_checks


def _report_events(aws) -> list[tuple[int, dict]]:
    """(timestamp, parsed REPORT line) for each REPORT line of payments, in the order they were written."""
    events = sorted(
        (e for e in _events(aws) if e["message"].startswith("REPORT ")), key=lambda e: e.get("timestamp", 0)
    )
    return [(event.get("timestamp", 0), lambda_logs.parse_report(event["message"])) for event in events]


@lab.step(
    "percentiles",
    "p50 and p95 duration from the REPORT lines",
    hints=[
        "Ask CloudWatch Logs for the REPORT lines only: `log_events(logs, 'payments', "
        "filterPattern='\"REPORT RequestId\"')`. From each, take the `Duration` (not `Billed Duration`), as a float: "
        "`parse_report(line)['Duration']`.",
        "Put the durations in a pandas Series: `durations.quantile(0.5)` is the median (p50), "
        "`durations.quantile(0.95)` the 95th percentile. Do not round them.",
        "Pass a dict with the number of REPORT lines you used: `answer = {'count': len(durations), "
        "'p50': durations.quantile(0.5), 'p95': durations.quantile(0.95)}`, then "
        "`checks.step('04-logging-monitoring', 'percentiles').check(answer)`.",
    ],
    answers=("answer",),
    solution='''
reports = log_events(logs, "payments", filterPattern='"REPORT RequestId"')["message"]
durations = pd.Series([parse_report(line)["Duration"] for line in reports])
answer = {"count": len(durations), "p50": durations.quantile(0.5), "p95": durations.quantile(0.95)}
''',
)
def percentiles(aws, answer=None):
    if answer is None:
        raise NotAttempted(
            "compute p50 and p95 of Duration over payments' REPORT lines, then: "
            "checks.step('04-logging-monitoring', 'percentiles').check({'count': n, 'p50': ..., 'p95': ...})"
        )
    if not isinstance(answer, dict):
        raise Failed(f"pass a dict {{'count': ..., 'p50': ..., 'p95': ...}}; you passed a {type_name(answer)}.")
    missing = [key for key in ("count", "p50", "p95") if key not in answer]
    if missing:
        raise Failed(f"your dict has no {', '.join(repr(k) for k in missing)}.")
    numbers = {key: as_number(answer[key]) for key in ("count", "p50", "p95")}
    for key, value in numbers.items():
        if value is None or not math.isfinite(value) or (key == "count" and value != int(value)):
            raise Failed(f"{key} is {answer[key]!r}; it must be a number{' (a whole one)' if key == 'count' else ''}.")
    aws.function(FUNCTION)
    count = int(numbers["count"])
    if count < 1:
        raise Failed("count is the number of REPORT lines you used; it must be at least 1.")
    reports = _reports_when_answered(aws, count)
    if count > len(reports):
        raise Failed(
            f"you used {count} REPORT lines, but {LOG_GROUP} had only {len(reports)} when you computed. Count the "
            "REPORT lines, not every log line."
        )
    if count < len(reports):
        raise Failed(
            f"you used {count} REPORT lines, but {LOG_GROUP} had {len(reports)} when you computed: use all of them. "
            "filter_log_events answers a page at a time; log_events(logs, 'payments', ...) reads every page."
        )
    durations = [r["Duration"] for r in reports]
    ranges = {"p50": quantile_range(durations, 0.5), "p95": quantile_range(durations, 0.95)}
    wrong = [key for key, (low, high) in ranges.items() if not low - TOLERANCE_MS <= numbers[key] <= high + TOLERANCE_MS]
    if not wrong:
        return (
            f"p50 {numbers['p50']:.2f} ms, p95 {numbers['p95']:.2f} ms over all {count} invocations "
            f"(pandas' quantile gives {quantile(durations, 0.5):.2f} and {quantile(durations, 0.95):.2f})"
        )
    billed = [r.get("Billed Duration", 0) for r in reports]
    if all(
        quantile_range(billed, q)[0] - TOLERANCE_MS <= numbers[key] <= quantile_range(billed, q)[1] + TOLERANCE_MS
        for key, q in (("p50", 0.5), ("p95", 0.95))
    ):
        raise Failed("those are percentiles of Billed Duration; use the Duration field (the time the handler ran).")
    right = [key for key in ("p50", "p95") if key not in wrong]
    also = f" Your {right[0]} is right." if right else ""
    raise Failed(
        f"{' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not what the {count} REPORT lines of "
        f"{FUNCTION} give.{also} Use the Duration field of every REPORT line and pandas' quantile(0.5) / "
        "quantile(0.95) (numpy's percentile and statistics.quantiles are fine too), without rounding."
    )
