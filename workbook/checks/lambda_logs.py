"""Reading the platform lines Lambda writes around every invocation (START, END, REPORT).

Example::

    parse_report("REPORT RequestId: 8f5c…\\tDuration: 1.23 ms\\tBilled Duration: 2 ms\\t"
                 "Memory Size: 128 MB\\tMax Memory Used: 40 MB\\t")
    # {'RequestId': '8f5c…', 'Duration': 1.23, 'Billed Duration': 2,
    #  'Memory Size': 128, 'Max Memory Used': 40}
"""

from __future__ import annotations

import re

REPORT_FIELDS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration")
_NUMBER_WITH_UNIT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(ms|MB)$")
_REQUEST_ID = re.compile(r"RequestId:\s*([0-9a-fA-F-]{8,})")


def parse_report(line: str) -> dict:
    """The fields of one REPORT line as a dict of numbers (ms and MB, units dropped).

    Durations are floats, Billed Duration and memory sizes ints; ``Init Duration`` only on a cold start,
    ``Status`` only when the invocation did not finish normally (e.g. ``"timeout"``).
    """
    line = line.strip("\n")
    if not line.startswith("REPORT "):
        raise ValueError(f"not a REPORT line: {line[:60]!r}")
    report: dict = {}
    for part in filter(None, (p.strip() for p in line[len("REPORT ") :].split("\t"))):
        name, _, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if name == "RequestId":
            report[name] = value
            continue
        match = _NUMBER_WITH_UNIT.match(value)
        if match and name in ("Billed Duration", "Memory Size", "Max Memory Used"):
            report[name] = int(float(match.group(1)))
        elif match:
            report[name] = float(match.group(1))
        else:
            report[name] = value
    return report


def request_id(line: str) -> str | None:
    """The request id in a START, END or REPORT line, or None."""
    match = _REQUEST_ID.search(line)
    return match.group(1) if match else None


def platform_lines(text: str, kind: str) -> list[str]:
    """The lines of ``text`` that start with ``kind`` ("START", "END" or "REPORT")."""
    return [line for line in text.splitlines() if line.startswith(kind + " ")]
