"""The access log: every AWS call a handler made with its execution role, and what IAM decided.

Each entry says when, which function, which action on which resource, whether it was allowed, and
which policy statement decided (``policy name/Sid``, or the statement's index when it has no Sid).
It plays the part CloudTrail plays on AWS, and :func:`least_privilege_policy` builds from it the policy
IAM Access Analyzer's policy generation would propose.

Only calls signed with a function's execution-role credentials are logged (the notebook's own calls
are not). The log keeps the latest :data:`MAX_ENTRIES` entries and empties on ``sb.reset()``.

Example::

    from workbook.iam.call_log import access_log, least_privilege_policy
    log = access_log()                    # a pandas DataFrame, one row per call (also sb.access_log())
    log[~log.allowed][["function", "action", "resource", "statement"]]
    least_privilege_policy(log, function="orders")
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import NamedTuple

MAX_ENTRIES = 10_000
COLUMNS = ["time", "function", "action", "resource", "allowed", "decision", "statement", "role"]


class AccessEntry(NamedTuple):
    """One AWS call by a handler: ``decision`` is ``allow``, ``deny`` (explicit) or ``implicit-deny``."""

    time: datetime
    function: str
    action: str
    resource: str | None
    allowed: bool
    decision: str
    statement: str | None
    role: str


_lock = threading.Lock()
_entries: deque[AccessEntry] = deque(maxlen=MAX_ENTRIES)


def record(
    function: str, action: str, resource: str | None, decision: str, statement: str | None, role: str
) -> None:
    """Add one decision to the log (called by the runtime's role enforcement)."""
    entry = AccessEntry(
        datetime.now(UTC), function, action, resource, decision == "allow", decision, statement, role
    )
    with _lock:
        _entries.append(entry)


def entries(function: str | None = None) -> list[AccessEntry]:
    """The logged calls, oldest first; only ``function``'s when given.

    Example::

        [e.action for e in entries("orders") if not e.allowed]   # -> ["dynamodb:DeleteItem"]
    """
    with _lock:
        logged = list(_entries)
    return [entry for entry in logged if function is None or entry.function == function]


def records(function: str | None = None) -> list[dict]:
    """The logged calls as JSON-ready dicts (``time`` in ISO 8601): what an attached kernel is sent."""
    return [{**entry._asdict(), "time": entry.time.isoformat()} for entry in entries(function)]


def table(rows: list) -> object:
    """A DataFrame with the log's columns from entries or from :func:`records` (times parsed back)."""
    import pandas as pd

    frame = pd.DataFrame([row._asdict() if isinstance(row, AccessEntry) else row for row in rows], columns=COLUMNS)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def clear() -> None:
    """Forget every logged call (``sb.reset()`` does this)."""
    with _lock:
        _entries.clear()


def access_log(function: str | None = None):
    """The access log as a pandas DataFrame with columns time, function, action, resource, allowed,
    decision, statement and role; only ``function``'s calls when given.

    Example::

        access_log("orders").groupby(["action", "allowed"]).size()
    """
    return table(entries(function))


def least_privilege_policy(log=None, function: str | None = None, include_denied: bool = False) -> dict:
    """A policy allowing exactly the calls in ``log`` (a DataFrame from :func:`access_log`, a list of
    entries, or None for the whole log), one statement per resource, actions sorted.

    Like IAM Access Analyzer's policy generation it grants what was used, nothing more: review it
    before you attach it (a call your tests never made is missing from it). ``include_denied`` also
    grants the calls that were refused, for a function that cannot work yet.

    Example::

        policy = least_privilege_policy(access_log("orders"))
        iam_client.put_role_policy(RoleName="orders-role", PolicyName="used",
                                   PolicyDocument=json.dumps(policy))
    """
    rows = _rows(log, function)
    by_resource: dict[str, set[str]] = {}
    for row in rows:
        if row["allowed"] or include_denied:
            resource = (
                row["resource"] if isinstance(row["resource"], str) else "*"
            )  # None, or NaN in a DataFrame
            by_resource.setdefault(resource, set()).add(row["action"])
    statements = []
    for number, (resource, actions) in enumerate(sorted(by_resource.items()), start=1):
        ordered = sorted(actions)
        statements.append(
            {
                "Sid": f"Used{number}",
                "Effect": "Allow",
                "Action": ordered[0] if len(ordered) == 1 else ordered,
                "Resource": resource,
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _rows(log, function: str | None) -> list[dict]:
    if log is None:
        log = entries()
    if hasattr(log, "to_dict"):  # a DataFrame
        rows = log.to_dict("records")
    else:
        rows = [entry._asdict() if isinstance(entry, AccessEntry) else dict(entry) for entry in log]
    return [row for row in rows if function is None or row["function"] == function]
