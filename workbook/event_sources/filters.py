"""``FilterCriteria`` of an event source mapping: which records reach the function.

A record reaches the function when it matches any of the mapping's filters (AWS's pattern syntax,
:mod:`.patterns`). What a pattern sees depends on the source:

* **SQS** — the record; ``body`` is the message body, parsed when the pattern expects JSON. A
  pattern that filters ``body`` as JSON drops plain-text messages, and one that filters it as a
  plain string drops JSON messages (AWS's rule). Dropped messages are deleted from the queue.
* **Kinesis** — the record's ``kinesis`` object, ``data`` base64-decoded and parsed as JSON; a
  pattern on ``data`` drops records whose data is not JSON.
* **DynamoDB Streams** — the record (``eventName``, ``dynamodb.NewImage`` …).

Stream records that are filtered out are skipped: the shard's position moves past them.

Example::

    accepts = record_filter({"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]}, "sqs")
    accepts({"body": '{"kind": "order"}', "attributes": {}})   # True
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

from .patterns import InvalidPattern, matches, parse

INVALID_FILTER = "Invalid filter pattern definition."
DATA_KEYS = {"sqs": "body", "kinesis": "data", "dynamodb": "dynamodb"}


def patterns_of(criteria: dict | None, source: str) -> list[dict]:
    """The parsed patterns of a ``FilterCriteria``; raises ``ValueError(INVALID_FILTER)`` like AWS."""
    filters = (criteria or {}).get("Filters") or []
    patterns = []
    for entry in filters:
        text = entry.get("Pattern") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text:
            raise ValueError(INVALID_FILTER)
        try:
            pattern = parse(text)
        except InvalidPattern:
            raise ValueError(INVALID_FILTER) from None
        if source in ("kinesis", "dynamodb") and DATA_KEYS[source] in pattern:
            if not isinstance(pattern[DATA_KEYS[source]], dict):  # stream data must be filtered as JSON
                raise ValueError(INVALID_FILTER)
        patterns.append(pattern)
    return patterns


def record_filter(criteria: dict | None, source: str) -> Callable[[dict], bool]:
    """A function telling whether a record (as the function would receive it) passes the filters.

    ``source`` is ``"sqs"``, ``"kinesis"`` or ``"dynamodb"``. With no filters every record passes.
    """
    patterns = patterns_of(criteria, source)
    if not patterns:
        return lambda record: True
    view = {"sqs": _sqs_view, "kinesis": _kinesis_view, "dynamodb": _dynamodb_view}[source]

    def accepts(record: dict) -> bool:
        return any(_accepts(pattern, view, record) for pattern in patterns)

    return accepts


def _accepts(pattern: dict, view, record: dict) -> bool:
    event = view(record, pattern)
    return event is not None and matches(pattern, event)


def _sqs_view(record: dict, pattern: dict):
    if "body" not in pattern:
        return record
    body = _json_object(record.get("body"))
    if isinstance(pattern["body"], dict):  # the pattern expects a JSON body
        return None if body is None else {**record, "body": body}
    return record if body is None else None  # the pattern expects a plain-text body


def _kinesis_view(record: dict, pattern: dict):
    kinesis = dict(record.get("kinesis") or {})
    if "data" in pattern:
        try:
            kinesis["data"] = json.loads(base64.b64decode(kinesis.get("data") or "", validate=True))
        except (ValueError, binascii.Error):
            return None
    return kinesis


def _dynamodb_view(record: dict, pattern: dict):
    return record


def _json_object(text):
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
