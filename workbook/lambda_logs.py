"""Reading a function's logs: the platform lines Lambda writes (START, END, REPORT) and CloudWatch Logs.

Every invocation ends with a REPORT line, its receipt: how long the handler ran, what was billed, how much
memory it used. These helpers turn such lines into numbers, and a function's log group into a DataFrame.

Example::

    from workbook.lambda_logs import log_events, parse_report, report_from_tail

    parse_report("REPORT RequestId: 8f5c…\\tDuration: 1.23 ms\\tBilled Duration: 2 ms\\t"
                 "Memory Size: 128 MB\\tMax Memory Used: 40 MB\\t")
    # {'RequestId': '8f5c…', 'Duration': 1.23, 'Billed Duration': 2,
    #  'Memory Size': 128, 'Max Memory Used': 40}

    response = lam.invoke(FunctionName="hello", Payload=b"{}", LogType="Tail")
    report_from_tail(response)["Billed Duration"]             # 2

    log_events(logs, "hello", filterPattern='"REPORT RequestId"')   # one row per REPORT line

Only boto3 responses go in, so the same calls work against a real AWS account.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

REPORT_FIELDS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration")
_WHOLE_NUMBERS = ("Billed Duration", "Memory Size", "Max Memory Used")
_NUMBER_WITH_UNIT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(ms|MB)$")
_REQUEST_ID = re.compile(r"RequestId:\s*([0-9a-fA-F-]{8,})")


def parse_report(line: str) -> dict:
    """The fields of one REPORT line as a dict, numbers without their unit (ms, MB).

    ``RequestId`` stays a string; durations are floats; ``Billed Duration`` and the memory sizes are ints.
    ``Init Duration`` is there only on a cold start, ``Status`` only when the invocation did not finish
    normally (``"timeout"``, say).

    Example::

        >>> parse_report("REPORT RequestId: 3f1c2a7e-1111-4222-8333-944445555666\\tDuration: 1.52 ms\\t"
        ...              "Billed Duration: 97 ms\\tMemory Size: 128 MB\\tMax Memory Used: 41 MB\\t"
        ...              "Init Duration: 95.03 ms\\t")["Init Duration"]
        95.03
    """
    line = line.strip("\n")
    if not line.startswith("REPORT "):
        raise ValueError(f"not a REPORT line: {line[:60]!r}")
    report: dict = {}
    for part in filter(None, (p.strip() for p in line[len("REPORT ") :].split("\t"))):
        name, _, value = part.partition(":")
        name, value = name.strip(), value.strip()
        match = _NUMBER_WITH_UNIT.match(value)
        if name == "RequestId" or not match:
            report[name] = value
        elif name in _WHOLE_NUMBERS:
            report[name] = int(float(match.group(1)))
        else:
            report[name] = float(match.group(1))
    return report


def request_id(line: str) -> str | None:
    """The request id in a START, END or REPORT line, or None."""
    match = _REQUEST_ID.search(line)
    return match.group(1) if match else None


def platform_lines(text: str, kind: str) -> list[str]:
    """The lines of ``text`` that start with ``kind`` ("START", "END" or "REPORT")."""
    return [line for line in text.splitlines() if line.startswith(kind + " ")]


def last_report(text: str) -> dict | None:
    """The last REPORT line of a log text, parsed; None when the text has none."""
    reports = platform_lines(text, "REPORT")
    return parse_report(reports[-1]) if reports else None


def report_from_tail(response: dict) -> dict:
    """The parsed REPORT line of an invoke made with ``LogType="Tail"``.

    The response's ``LogResult`` holds the last 4 KB of the invocation's log, base64-encoded; its REPORT
    line is the invocation's receipt.

    Example::

        response = lam.invoke(FunctionName="hello", Payload=b"{}", LogType="Tail")
        report = report_from_tail(response)
        report["Duration"], report["Billed Duration"], report.get("Init Duration")   # (1.52, 97, 95.03)
    """
    if "LogResult" not in response:
        raise ValueError("the response has no LogResult: invoke synchronously with LogType='Tail'")
    report = last_report(base64.b64decode(response["LogResult"]).decode("utf-8", "replace"))
    if report is None:
        raise ValueError("the log tail has no REPORT line")
    return report


def filter_events(logs, log_group: str, **filters) -> Iterator[dict]:
    """Every event of ``log_group`` that ``filter_log_events`` returns for ``filters``, page after page.

    Raises the client's ``ResourceNotFoundException`` when the log group does not exist (yet).
    """
    kwargs = {"logGroupName": log_group, **filters}
    while True:
        page = logs.filter_log_events(**kwargs)
        yield from page.get("events", [])
        if not page.get("nextToken") or not page.get("events"):
            return
        kwargs["nextToken"] = page["nextToken"]


def log_events(logs, function_name: str, **filters):
    """The log events of a function as a pandas DataFrame: ``timestamp``, ``logStreamName``, ``message``.

    Reads the log group ``/aws/lambda/<function_name>`` with ``filter_log_events``, every page of it.
    ``filters`` go to ``filter_log_events`` unchanged: ``filterPattern='"<request id>"'`` (events that
    contain the id), ``logStreamNames=[...]``, ``startTime=...``. Timestamps become UTC datetimes and
    messages lose their trailing newline.

    Example::

        logs = sb.client("logs")
        events = log_events(logs, "checkout")
        events[events["message"].str.startswith("REPORT")]
        log_events(logs, "checkout", filterPattern='"REPORT RequestId"')["message"].map(parse_report)
    """
    import pandas as pd  # here, so that checks can use this module without importing pandas

    events = list(filter_events(logs, f"/aws/lambda/{function_name}", **filters))
    frame = pd.DataFrame(events, columns=["timestamp", "logStreamName", "message"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="ms", utc=True)
    frame["message"] = frame["message"].str.rstrip("\n")
    return frame
