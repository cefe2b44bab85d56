"""Lab 04 · structured logs for a payments function, one failed request traced, p50/p95 from REPORT lines.

The contract the lab text gives the learner:

- ``payments`` keeps its behaviour (``{"order_id", "charged_cents"}`` back; ``PaymentDeclined`` raised for the
  declined test card) but every line it writes is one JSON object with ``level``, ``message`` and the request id
  (Powertools' ``inject_lambda_context`` names it ``function_request_id``; with the json module, ``request_id``);
  a declined card is logged at level ``ERROR``;
- ``checks.step("04-logging-monitoring", "failing").check(request_id, lines)``: the id of a request of payments
  that failed, and the messages of every log event of ``/aws/lambda/payments`` that contain that id;
- ``checks.step("04-logging-monitoring", "percentiles").check({"count": n, "p50": …, "p95": …})``: the median and
  95th percentile of ``Duration`` over the ``n`` REPORT lines of payments (all of them when you computed), with
  pandas' default (linear) interpolation. The check recomputes them from the first ``n`` REPORT lines in CloudWatch
  Logs, so invocations made later (by checks, say) do not change the answer.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from workbook import lambda_logs
from workbook.checks import Failed, Lab, NotAttempted

FUNCTION = "payments"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
DECLINED_CARD = "4000-0000-0000-0002"
GOOD_ORDER = {"order_id": "CHK-OK", "amount_cents": 1234, "card": "4242-4242-4242-4242", "provider_ms": 5}
DECLINED_ORDER = {"order_id": "CHK-DECLINED", "amount_cents": 999, "card": DECLINED_CARD, "provider_ms": 5}
PLATFORM = ("START ", "END ", "REPORT ", "INIT_START ", "INIT_REPORT ", "XRAY ")

lab = Lab("04-logging-monitoring", "Lab 04 · Logs you can search, numbers you can trust")


# ------------------------------------------------------------------------------------------------ structured


def _own_lines(log: str) -> list[str]:
    """The lines the handler wrote in one invocation's log tail (platform lines left out)."""
    return [line for line in log.splitlines() if line.strip() and not line.startswith(PLATFORM)]


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
    aws.function(FUNCTION)
    result = aws.invoke(FUNCTION, GOOD_ORDER)
    if result.function_error:
        raise Failed(
            f"invoking {FUNCTION} with {GOOD_ORDER} failed with {result.error_summary}. Logging must not change "
            "what the function does: invoke it yourself with LogType='Tail' and read the traceback."
        )
    expected = {"order_id": GOOD_ORDER["order_id"], "charged_cents": GOOD_ORDER["amount_cents"]}
    if result.payload != expected:
        raise Failed(
            f"for {GOOD_ORDER} {FUNCTION} returned {result.payload!r}; it used to return {expected}. "
            "Add logging without changing the return value."
        )
    lines = _own_lines(result.log)
    if not lines:
        raise Failed(f"{FUNCTION} wrote no log lines of its own for {GOOD_ORDER['order_id']}; log what it does.")
    records = [_as_json(line) for line in lines]
    if all(record is None for record in records):
        raise NotAttempted(
            f"{FUNCTION} still logs plain text, e.g. {lines[0][:80]!r}. Make every line a JSON object with the "
            "request id (Powertools' Logger with @logger.inject_lambda_context does)."
        )
    for line, record in zip(lines, records, strict=True):
        if record is None:
            raise Failed(f"this line of {FUNCTION} is not a JSON object: {line[:100]!r}. Log every line as JSON.")
    request_id = result.request_id
    for line, record in zip(lines, records, strict=True):
        missing = [key for key in ("level", "message") if key not in record]
        if missing:
            raise Failed(f"the JSON line {line[:100]!r} has no {' or '.join(missing)}; every line needs both.")
        if not _carries(record, request_id):
            raise Failed(
                f"the JSON line {line[:100]!r} does not carry the request id {request_id}. Decorate the handler with "
                "@logger.inject_lambda_context (or add context.aws_request_id under 'request_id' yourself)."
            )
    stored = set(_search(aws, request_id))
    if not all(line in stored for line in lines):
        raise Failed(f"the JSON lines of request {request_id} are not in CloudWatch Logs ({LOG_GROUP}).")

    declined = aws.invoke(FUNCTION, DECLINED_ORDER)
    kind = declined.payload.get("errorType") if isinstance(declined.payload, dict) else None
    if not declined.function_error or kind != "PaymentDeclined":
        raise Failed(
            f"for the declined card {DECLINED_CARD} {FUNCTION} should still raise PaymentDeclined; "
            f"it {'failed with ' + declined.error_summary if declined.function_error else 'returned ' + repr(declined.payload)}."
        )
    errors = [
        record
        for record in map(_as_json, _own_lines(declined.log))
        if record and str(record.get("level", "")).upper() == "ERROR" and _carries(record, declined.request_id)
    ]
    if not errors:
        raise Failed(
            f"{FUNCTION} raised PaymentDeclined for the declined card but logged no JSON line with level ERROR and "
            "the request id: log the decline with logger.error(...) before raising."
        )
    return f"{len(lines)} JSON lines with the request id for a charged order, an ERROR line for a declined one"


# ------------------------------------------------------------------------------------------------ failing


def _search(aws, term: str) -> list[str]:
    """Messages of every event of the log group that contains ``term`` (a quoted filter pattern)."""
    return [event["message"].rstrip("\n") for event in aws.log_events(LOG_GROUP, filterPattern=f'"{term}"')]


def _events(aws) -> list[dict]:
    """Every event of the log group, ordered by stream and time (the order within one invocation kept)."""
    events = aws.log_events(LOG_GROUP)
    return sorted(events, key=lambda event: (event.get("logStreamName", ""), event.get("timestamp", 0)))


def _requests(aws) -> dict[str, bool]:
    """request id -> did it fail (an unhandled-error record between its START and END)?"""
    outcome: dict[str, bool] = {}
    current, stream = None, None
    for event in _events(aws):
        if event.get("logStreamName") != stream:
            current, stream = None, event.get("logStreamName")
        message = event["message"]
        if message.startswith("START "):
            current = lambda_logs.request_id(message)
            outcome[current] = False
        elif message.startswith("END "):
            current = None
        elif current and (message.startswith("[ERROR]") or message.startswith("REPORT ") and "Status:" in message):
            outcome[current] = True
    return outcome


def _as_messages(lines) -> list[str] | None:
    """A list of str from a list, tuple, pandas Series or a DataFrame with a "message" column."""
    if hasattr(lines, "columns") and "message" in getattr(lines, "columns", []):
        lines = lines["message"]
    if hasattr(lines, "tolist"):
        lines = lines.tolist()
    if isinstance(lines, (list, tuple)) and all(isinstance(line, str) for line in lines):
        return [line.rstrip("\n") for line in lines]
    return None


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
        raise Failed(f"pass the request id as a str; you passed a {type(request_id).__name__}.")
    request_id = request_id.strip()
    requests = _requests(aws)
    if request_id not in requests:
        raise Failed(
            f"no request of {FUNCTION} has the id {request_id!r} (no START line with it in {LOG_GROUP}). "
            "Take the id from the function's own log lines."
        )
    if not requests[request_id]:
        failed = sum(requests.values())
        raise Failed(
            f"request {request_id} of {FUNCTION} succeeded. {failed} request(s) in {LOG_GROUP} failed: look for the "
            "JSON line with level ERROR."
        )
    if lines is None:
        raise Failed(
            f"{request_id} is a failed request; now pass its log lines too: the messages of the events of {LOG_GROUP} "
            "that contain the id (filter_log_events with filterPattern)."
        )
    messages = _as_messages(lines)
    if messages is None:
        raise Failed(f"pass the lines as a list of str (the messages); you passed a {type(lines).__name__}.")
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
    return f"request {request_id} failed; its {len(expected)} log events found by its id"


# ------------------------------------------------------------------------------------------------ percentiles


def quantile(values: list[float], q: float) -> float:
    """The q-quantile with linear interpolation between closest ranks (pandas' and numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _reports(aws) -> list[dict]:
    """The REPORT lines of payments, parsed, in the order they were written."""
    events = sorted(
        (e for e in _events(aws) if e["message"].startswith("REPORT ")), key=lambda e: e.get("timestamp", 0)
    )
    return [lambda_logs.parse_report(event["message"]) for event in events]


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
        raise Failed(f"pass a dict {{'count': ..., 'p50': ..., 'p95': ...}}; you passed a {type(answer).__name__}.")
    missing = [key for key in ("count", "p50", "p95") if key not in answer]
    if missing:
        raise Failed(f"your dict has no {', '.join(repr(k) for k in missing)}.")
    for key in ("count", "p50", "p95"):
        value = answer[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (key == "count" and value != int(value)):
            raise Failed(f"{key} is {value!r}; it must be a number{' (a whole one)' if key == 'count' else ''}.")
    aws.function(FUNCTION)
    reports = _reports(aws)
    count = int(answer["count"])
    if count < 1:
        raise Failed("count is the number of REPORT lines you used; it must be at least 1.")
    if count > len(reports):
        raise Failed(
            f"you used {count} REPORT lines, but {LOG_GROUP} has only {len(reports)}. Count the REPORT lines, "
            "not every log line."
        )
    used = reports[:count]
    durations = [r["Duration"] for r in used]
    expected = {"p50": quantile(durations, 0.5), "p95": quantile(durations, 0.95)}
    wrong = [key for key in ("p50", "p95") if not math.isclose(answer[key], expected[key], abs_tol=0.01)]
    if not wrong:
        return f"p50 {expected['p50']:.2f} ms, p95 {expected['p95']:.2f} ms over {count} invocations"
    billed = [r.get("Billed Duration", 0) for r in used]
    if all(math.isclose(answer[k], quantile(billed, q), abs_tol=0.01) for k, q in (("p50", 0.5), ("p95", 0.95))):
        raise Failed("those are percentiles of Billed Duration; use the Duration field (the time the handler ran).")
    if all(math.isclose(answer[key], expected[key], abs_tol=0.6) for key in wrong):
        raise Failed(f"{' and '.join(wrong)} are close but rounded; pass the values as quantile() returns them.")
    right = [key for key in ("p50", "p95") if key not in wrong]
    also = f" Your {right[0]} is right." if right else ""
    raise Failed(
        f"{' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not what the first {count} REPORT lines of "
        f"{FUNCTION} give.{also} Use every REPORT line (count = how many), the Duration field, and pandas' "
        "quantile(0.5) / quantile(0.95)."
    )
