"""Lab 03 · a batch worker that watches the clock: stop before the timeout, hand back the unfinished items.

The contract the lab text gives the learner:

- the event is ``{"items": [{"id": "inv-01", "work_ms": 250}, ...]}``; processing an item takes ``work_ms``
  milliseconds (the lab's stand-in for real work is ``time.sleep(work_ms / 1000)``);
- ``batch-processor`` (Timeout 2 s) processes the items **in order** and returns
  ``{"processed": [ids], "unprocessed": [the items it did not process, exactly as received]}``;
- before each item it checks ``context.get_remaining_time_in_millis()``; when the time left is less than the item's
  ``work_ms`` plus a safety margin (100–500 ms) it stops and returns, rather than being cut off by the timeout.

Each check invokes the function once with a batch of its own and reads the REPORT line of that invocation;
all three together take about 3 seconds.
"""

from __future__ import annotations

from workbook import lambda_logs
from workbook.checks import Failed, Lab

FUNCTION = "batch-processor"
MAX_TIMEOUT = 3  # seconds: the check's big batch must not fit in the function's timeout

lab = Lab("03-context", "Lab 03 · A batch worker that watches the clock")


def batch(prefix: str, *work_ms: int) -> list[dict]:
    """Items ``{"id": "<prefix>-01", "work_ms": …}`` in order."""
    return [{"id": f"{prefix}-{n:02d}", "work_ms": ms} for n, ms in enumerate(work_ms, start=1)]


SMALL = batch("chk-small", 40, 40, 40)
BIG = batch("chk-big", *[250] * 12)  # 3 s of work
UNEVEN = batch("chk-uneven", 300, 300, 1600, 100)  # the 1600 ms item does not fit after the first two


def _ids(items) -> list:
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def _run(aws, items: list[dict]):
    """Invoke the function with ``items``: (result, REPORT fields of that invocation)."""
    config = aws.function(FUNCTION)
    result = aws.invoke(FUNCTION, {"items": items})
    report = lambda_logs.last_report(result.log) or {}
    return config, result, report


def _shape(result, items: list[dict], described: str) -> tuple[list, list]:
    """The processed ids and unprocessed items of a result, after checking its shape."""
    payload = result.payload
    if result.function_error:
        raise Failed(f"for {described} the invocation failed with {result.error_summary}.")
    if payload is None:
        raise Failed(
            f"your handler returned None; for {described} return "
            "{'processed': [the ids it processed], 'unprocessed': [the items it did not process]}."
        )
    if not isinstance(payload, dict) or not {"processed", "unprocessed"} <= set(payload):
        raise Failed(
            f"for {described} your handler returned {str(payload)[:200]}; return a dict with the keys "
            "'processed' (ids) and 'unprocessed' (items)."
        )
    processed, unprocessed = payload["processed"], payload["unprocessed"]
    if not isinstance(processed, list) or not isinstance(unprocessed, list):
        raise Failed("'processed' and 'unprocessed' must both be lists.")
    if processed + _ids(unprocessed) != _ids(items):
        raise Failed(
            f"for {described} your handler returned processed={processed} and unprocessed ids "
            f"{_ids(unprocessed)}; together they must be every id, in the order of the batch: {_ids(items)}. "
            "Process the items in order and stop at the first one you cannot finish."
        )
    expected_rest = items[len(processed) :]
    if unprocessed != expected_rest:
        raise Failed(
            f"'unprocessed' must hold the items exactly as they came in (e.g. {expected_rest[0]}), "
            "so that the caller can send them again."
        )
    return processed, unprocessed


def _worked(report: dict, items: list[dict], processed: list) -> None:
    """The REPORT line's Duration must cover the work of the items the handler says it processed."""
    work = sum(item["work_ms"] for item in items if item["id"] in set(processed))
    duration = report.get("Duration")
    if duration is not None and duration < 0.9 * work:
        raise Failed(
            f"your handler says it processed {len(processed)} items ({work} ms of work), but the REPORT line says it "
            f"ran {duration} ms. Do the work: time.sleep(item['work_ms'] / 1000) for each processed item."
        )


@lab.step(
    "deploy",
    f"Deploy {FUNCTION} and finish a small batch",
    hints=[
        "Loop over `event['items']`; for each item sleep `item['work_ms'] / 1000` seconds (the stand-in for real work) "
        "and remember its id. At the end return `{'processed': [...ids...], 'unprocessed': []}`.",
        "`time.sleep` takes seconds: 250 ms is `time.sleep(0.25)`. Import `time` at the top of the handler's source.",
        "Deploy with the helper from the setup: `deploy_batch(BATCH_PY)`. It creates batch-processor with "
        "Timeout=2 the first time and updates its code after that.",
    ],
    solution='''
BATCH_PY = """
import time


def handler(event, context):
    processed = []
    for item in event["items"]:
        time.sleep(item["work_ms"] / 1000)  # stands in for the real work on one item
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": []}
"""
deploy_batch(BATCH_PY)
''',
)
def deploy(aws):
    config, result, report = _run(aws, SMALL)
    timeout = config.get("Timeout", 3)
    if timeout > MAX_TIMEOUT:
        raise Failed(
            f"{FUNCTION} has a timeout of {timeout} s; this lab needs a short one so that the batches do not fit: "
            f"set Timeout=2 (deploy_batch does)."
        )
    if _timed_out(result, report):
        raise Failed(
            f"a small batch of {len(SMALL)} items (120 ms of work in all) ran into the {timeout} s timeout. "
            "time.sleep takes seconds: sleep item['work_ms'] / 1000, not item['work_ms']."
        )
    processed, unprocessed = _shape(result, SMALL, f"a small batch of {len(SMALL)} items (120 ms of work)")
    if unprocessed:
        raise Failed(
            f"a batch of {len(SMALL)} items with 40 ms of work each fits easily in {timeout} s, but your handler left "
            f"{_ids(unprocessed)} unprocessed. Only stop when the time left is really short."
        )
    _worked(report, SMALL, processed)
    return f"{FUNCTION} (timeout {timeout} s) finished a batch of {len(SMALL)} items"


@lab.step(
    "deadline",
    "Stop before the timeout and return the unfinished items",
    hints=[
        "Before each item ask `context.get_remaining_time_in_millis()`. If less than a safety margin is left, stop "
        "and return what you processed and the rest of the items.",
        "With a margin of 500 ms: `if context.get_remaining_time_in_millis() < 500: return {'processed': processed, "
        "'unprocessed': items[position:]}` inside `for position, item in enumerate(items):`. The margin must be more "
        "than one item's work (250 ms here), or the last item you start runs into the timeout.",
        "Return the unprocessed items themselves (the dicts), not only their ids: `items[position:]`. "
        "Redeploy with `deploy_batch(BATCH_PY)` and try `run_batch(big_batch)`: no FunctionError any more.",
    ],
    solution='''
BATCH_PY = """
import time

SAFETY_MARGIN_MS = 500


def handler(event, context):
    items, processed = event["items"], []
    for position, item in enumerate(items):
        if context.get_remaining_time_in_millis() < SAFETY_MARGIN_MS:
            return {"processed": processed, "unprocessed": items[position:]}
        time.sleep(item["work_ms"] / 1000)
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": []}
"""
deploy_batch(BATCH_PY)
''',
)
def deadline(aws):
    config, result, report = _run(aws, BIG)
    timeout = config.get("Timeout", 3)
    described = f"a batch of {len(BIG)} items of 250 ms (3 s of work, timeout {timeout} s)"
    if _timed_out(result, report):
        raise Failed(
            f"for {described} your function ran into its timeout ({result.error_summary or 'Status: timeout'}). "
            "Check context.get_remaining_time_in_millis() before each item and stop while more than one item's "
            "work (250 ms) plus a margin is left."
        )
    processed, unprocessed = _shape(result, BIG, described)
    if not unprocessed:
        raise Failed(
            f"for {described} your handler reports every item processed; 3 s of work cannot fit in a {timeout} s "
            "timeout. Is the timeout longer than you think, or is the work skipped?"
        )
    if len(processed) < 3:
        raise Failed(
            f"for {described} your handler stopped after {len(processed)} item(s), with most of the time still left. "
            "Keep the safety margin small (100–500 ms plus the item's work)."
        )
    _worked(report, BIG, processed)
    return f"processed {len(processed)} of {len(BIG)} items in {report.get('Duration', '?')} ms, returned the other {len(unprocessed)}"


@lab.step(
    "uneven",
    "Items of different sizes: make sure the next item fits",
    hints=[
        "A fixed margin is not enough when one item takes longer than the margin: the handler starts it, and the "
        "timeout cuts it off. Compare the time left with *this* item's work.",
        "The test before each item: `context.get_remaining_time_in_millis() < item['work_ms'] + SAFETY_MARGIN_MS`. "
        "A margin of 200–300 ms leaves time to build and return the response.",
        "Stop at the first item that does not fit, even if a later, smaller one would: the items stay in order, so "
        "`unprocessed` is `items[position:]`. Redeploy with `deploy_batch(BATCH_PY)`.",
    ],
    solution='''
BATCH_PY = """
import time

SAFETY_MARGIN_MS = 250


def handler(event, context):
    items, processed = event["items"], []
    for position, item in enumerate(items):
        if context.get_remaining_time_in_millis() < item["work_ms"] + SAFETY_MARGIN_MS:
            return {"processed": processed, "unprocessed": items[position:]}
        time.sleep(item["work_ms"] / 1000)
        processed.append(item["id"])
    return {"processed": processed, "unprocessed": []}
"""
deploy_batch(BATCH_PY)
''',
)
def uneven(aws):
    config, result, report = _run(aws, UNEVEN)
    timeout = config.get("Timeout", 3)
    works = ", ".join(f"{item['work_ms']}" for item in UNEVEN)
    described = f"a batch of items taking {works} ms (timeout {timeout} s)"
    if _timed_out(result, report):
        raise Failed(
            f"for {described} your function ran into its timeout: it started the 1600 ms item with only about "
            "1400 ms left. Before each item, check that the time left covers that item's work_ms plus the margin."
        )
    if isinstance(result.payload, dict) and not result.function_error:
        done = result.payload.get("processed")
        if isinstance(done, list) and UNEVEN[3]["id"] in done and UNEVEN[2]["id"] not in done:
            raise Failed(
                f"your handler skipped {UNEVEN[2]['id']} and went on with {UNEVEN[3]['id']}; items are processed in "
                "order, so stop at the first item that does not fit and return it and everything after it."
            )
    processed, _ = _shape(result, UNEVEN, described)
    expected = _ids(UNEVEN[:2])
    if timeout == 2 and processed != expected:
        raise Failed(
            f"for {described} your handler processed {processed}; expected {expected}: the first two fit easily "
            "(600 ms of 2000), the third (1600 ms) does not fit in what is left."
        )
    _worked(report, UNEVEN, processed)
    return f"processed {processed}, handed back the 1600 ms item and the one after it"


def _timed_out(result, report: dict) -> bool:
    summary = result.error_summary if result.function_error else ""
    return "Timedout" in summary or "timed out" in summary.lower() or report.get("Status") == "timeout"

