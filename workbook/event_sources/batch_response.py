"""Partial batch responses (``FunctionResponseTypes: ["ReportBatchItemFailures"]``), read as AWS reads them.

The function answers ``{"batchItemFailures": [{"itemIdentifier": "<id>"}, …]}``, where an id is an SQS
``messageId`` or a stream record's ``sequenceNumber``.

* **Complete success**: ``null``, an empty object, or ``batchItemFailures`` missing, null or empty.
* **Complete failure**: a response that is not a JSON object, ``batchItemFailures`` that is not a list,
  an entry without ``itemIdentifier`` (a misspelt key), an empty or null ``itemIdentifier``, or an
  ``itemIdentifier`` that is not in the batch.
* Otherwise only the listed items failed.

Example::

    failed_items(b'{"batchItemFailures": [{"itemIdentifier": "m2"}]}', {"m1", "m2"})   # ['m2']
    failed_items(b'{"batchItemFailures": [{"foo": "m2"}]}', {"m1", "m2"})             # None
"""

from __future__ import annotations

import json

ALL_FAILED = None


def failed_items(payload: bytes, batch_ids: set[str]) -> list[str] | None:
    """The ids the function reported as failed (``[]``: all succeeded), or None: the whole batch failed."""
    try:
        response = json.loads(payload) if payload and payload.strip() else None
    except ValueError:
        return ALL_FAILED
    if response is None:
        return []
    if not isinstance(response, dict):
        return ALL_FAILED
    failures = response.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return ALL_FAILED
    failed = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier or identifier not in batch_ids:
            return ALL_FAILED
        failed.append(identifier)
    return failed
