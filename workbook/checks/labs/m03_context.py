"""Lab 03 · a batch worker that watches the clock: stop before the timeout, hand back the unfinished items.

The contract the lab text gives the learner:

- the event is ``{"items": [{"id": "inv-01", "work_ms": 250}, ...]}``; processing an item takes ``work_ms``
  milliseconds (the lab's stand-in for real work is ``time.sleep(work_ms / 1000)``);
- ``batch-processor`` (Timeout 2 s, role ``batch-processor-role``) processes the items
  **in order** and returns ``{"processed": [ids], "unprocessed": [the items it did not process, exactly as
  received]}``;
- before each item it checks ``context.get_remaining_time_in_millis()``; when the time left is less than the item's
  ``work_ms`` plus a safety margin (100–500 ms) it stops and returns, rather than being cut off by the timeout.

The checks send batches of their own (new ids, sizes and extra fields every run). Where a step teaches the
remaining-time pattern, the check changes the function's Timeout for its invocations (and puts it back) and
expects the handler to follow: a handler that counts items instead of asking the context does not pass.
"""

from __future__ import annotations

from workbook import lambda_logs
from workbook.checks import Failed, Lab

FUNCTION = "batch-processor"
ROLE = "batch-processor-role"
TIMEOUT = 2  # seconds: the lab's timeout, which deploy_batch sets

lab = Lab("03-context", "Lab 03 · A batch worker that watches the clock")


def batch(fresh, *work_ms: int) -> list[dict]:
    """Items of the check's own: new ids, and an extra field the handler must hand back unchanged."""
    return [{"id": fresh.name("inv-"), "work_ms": ms, "customer": fresh.name("cust-")} for ms in work_ms]


def _ids(items) -> list:
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def _run(aws, items: list[dict]):
    """Invoke the function with ``items``: (result, REPORT fields of that invocation)."""
    result = aws.invoke(FUNCTION, {"items": items})
    report = lambda_logs.last_report(result.log) or {}
    return result, report


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
            f"for {described} your handler returned {len(processed)} processed ids and {len(unprocessed)} unprocessed "
            f"items; together they must be the ids of every item, in the order of the batch. Process the items in "
            "order, stop at the first one you cannot finish, and return the ids you processed "
            "(e.g. 'inv-01'), not the items."
        )
    expected_rest = items[len(processed) :]
    if unprocessed != expected_rest:
        raise Failed(
            "'unprocessed' must hold the items exactly as they came in, every field included (the check's items "
            "carry more than 'id' and 'work_ms'), so that the caller can send them again: items[position:]."
        )
    return processed, unprocessed


def _worked(report: dict, items: list[dict], processed: list) -> None:
    """The REPORT line's Duration must cover the work of the items the handler says it processed."""
    done = set(processed)
    work = sum(item["work_ms"] for item in items if item["id"] in done)
    duration = report.get("Duration")
    if duration is not None and duration < 0.9 * work:
        raise Failed(
            f"your handler says it processed {len(processed)} items ({work} ms of work), but the REPORT line says it "
            f"ran {duration} ms. Do the work: time.sleep(item['work_ms'] / 1000) for each processed item."
        )


def _timed_out(result, report: dict) -> bool:
    summary = result.error_summary if result.function_error else ""
    return "Timedout" in summary or "timed out" in summary.lower() or report.get("Status") == "timeout"


def _lab_function(aws) -> dict:
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    return config


@lab.step(
    "deploy",
    f"Deploy {FUNCTION} and finish a small batch",
    watches=("lambda:batch-processor", "iam-role:batch-processor-role"),
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
    config = _lab_function(aws)
    aws.expect_configuration(config, Timeout=TIMEOUT, how="deploy_batch(BATCH_PY) deploys it with Timeout=2")
    fresh = aws.fresh
    items = batch(fresh, *(fresh.randint(20, 60) for _ in range(fresh.randint(3, 5))))
    work = sum(item["work_ms"] for item in items)
    described = f"a small batch of {len(items)} items ({work} ms of work)"
    result, report = _run(aws, items)
    if _timed_out(result, report):
        raise Failed(
            f"{described} ran into the {TIMEOUT} s timeout. "
            "time.sleep takes seconds: sleep item['work_ms'] / 1000, not item['work_ms']."
        )
    processed, unprocessed = _shape(result, items, described)
    if unprocessed:
        raise Failed(
            f"{described} fits easily in {TIMEOUT} s, but your handler left {len(unprocessed)} of them unprocessed. "
            "Only stop when the time left is really short."
        )
    _worked(report, items, processed)
    return f"{FUNCTION} (timeout {TIMEOUT} s) finished a batch of {len(items)} items of the check's own"


@lab.step(
    "deadline",
    "Stop before the timeout and return the unfinished items",
    watches=("lambda:batch-processor", "iam-role:batch-processor-role"),
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
    _lab_function(aws)
    fresh = aws.fresh
    counts = {}
    for timeout in (1, TIMEOUT):
        items = batch(fresh, *(fresh.randint(150, 250) for _ in range(fresh.randint(13, 16))))
        work = sum(item["work_ms"] for item in items)
        described = f"a batch of {len(items)} items of about 200 ms ({work} ms of work) with the timeout at {timeout} s"
        with aws.configured(FUNCTION, Timeout=timeout):
            result, report = _run(aws, items)
        if _timed_out(result, report):
            raise Failed(
                f"for {described} your function ran into its timeout ({result.error_summary or 'Status: timeout'}). "
                "Check context.get_remaining_time_in_millis() before each item and stop while more than one item's "
                "work plus a margin is left."
            )
        processed, unprocessed = _shape(result, items, described)
        if not unprocessed:
            raise Failed(
                f"for {described} your handler reports every item processed; that much work cannot fit. "
                "Is the work skipped?"
            )
        if not processed:
            raise Failed(
                f"for {described} your handler stopped before the first item, with the whole timeout left. "
                "Keep the safety margin small (100–500 ms)."
            )
        _worked(report, items, processed)
        counts[timeout] = len(processed)
    if counts[TIMEOUT] <= counts[1]:
        raise Failed(
            f"the check ran your function with a 1 s and a {TIMEOUT} s timeout, and it processed {counts[1]} and "
            f"{counts[TIMEOUT]} items: with twice the time it should do more. Decide with "
            "context.get_remaining_time_in_millis(), not with a fixed number of items or a fixed clock."
        )
    return (
        f"with the timeout at 1 s it processed {counts[1]} items, at {TIMEOUT} s {counts[TIMEOUT]}, "
        "and handed back the rest each time"
    )


@lab.step(
    "uneven",
    "Items of different sizes: make sure the next item fits",
    watches=("lambda:batch-processor", "iam-role:batch-processor-role"),
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
    _lab_function(aws)
    fresh = aws.fresh
    # 1 s timeout: a big item that cannot fit after the small ones (but would under a fixed 500 ms margin).
    smalls = [fresh.randint(100, 200) for _ in range(fresh.randint(1, 2))]
    big = 1000 - sum(smalls) + fresh.randint(50, 200)
    items = batch(fresh, *smalls, big, fresh.randint(50, 100))
    described = (
        f"a batch of {len(smalls)} small item(s), then one of {big} ms and a small one, with the timeout at 1 s"
    )
    with aws.configured(FUNCTION, Timeout=1):
        result, report = _run(aws, items)
    if _timed_out(result, report):
        raise Failed(
            f"for {described} your function ran into its timeout: it started the {big} ms item without enough time "
            "left. Before each item, check that the time left covers that item's work_ms plus the margin."
        )
    if isinstance(result.payload, dict) and not result.function_error:
        done = result.payload.get("processed")
        if isinstance(done, list) and items[-1]["id"] in done and items[-2]["id"] not in done:
            raise Failed(
                "your handler skipped the item that did not fit and went on with the one after it; items are "
                "processed in order, so stop at the first item that does not fit and return it and everything after it."
            )
    processed, _ = _shape(result, items, described)
    if len(processed) != len(smalls):
        raise Failed(
            f"for {described} your handler processed {len(processed)} item(s); expected the {len(smalls)} small "
            f"one(s) before the {big} ms item, which does not fit in what is left."
        )
    _worked(report, items, processed)
    # The lab's 2 s timeout: now the big item fits, and the handler must not stop early.
    smalls = [fresh.randint(100, 200) for _ in range(fresh.randint(1, 2))]
    last = fresh.randint(50, 100)
    big = fresh.randint(500, 2000 - sum(smalls) - last - 650)
    items = batch(fresh, *smalls, big, last)
    described = f"a batch of {len(items)} items with {sum(i['work_ms'] for i in items)} ms of work in all, timeout {TIMEOUT} s"
    with aws.configured(FUNCTION, Timeout=TIMEOUT):
        result, report = _run(aws, items)
    if _timed_out(result, report):
        raise Failed(f"for {described} your function ran into its timeout.")
    processed, unprocessed = _shape(result, items, described)
    if unprocessed:
        raise Failed(
            f"for {described} your handler stopped early and handed back {len(unprocessed)} item(s), though they all "
            "fit with time to spare. Stop only when the next item's work plus the margin does not fit."
        )
    _worked(report, items, processed)
    return "stopped before an item too big for the time left (1 s), and finished a batch that fits (2 s)"
