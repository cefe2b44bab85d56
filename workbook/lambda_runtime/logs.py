"""The platform's log lines (START / END / REPORT) and their trip to CloudWatch Logs.

Formats follow what AWS prints for the Python runtime (text log format)::

    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t

A cold start adds ``Init Duration: 97.12 ms\t`` at the end of REPORT, and since August 2025
the init time is billed too: ``Billed Duration = ceil(Duration + Init Duration)``.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import uuid

from . import clock

LOG_TAIL_BYTES = 4096  # LogResult holds the last 4 KB of the invocation's log


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def billed_duration(duration_ms: float, init_ms: float | None = None) -> int:
    """Whole milliseconds, rounded up; a cold start's init time is billed as well."""
    total = duration_ms + (init_ms or 0.0)
    return max(1, math.ceil(round(total, 6)))


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """The REPORT line: tab-separated fields, Init Duration last, then the Status of a failed run."""
    duration_ms = round(duration_ms, 2)
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_duration(duration_ms, init_ms)} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_ms is not None:
        fields.append(f"Init Duration: {init_ms:.2f} ms")
    if status is None:
        return "\t".join(fields) + "\t"
    fields.append(f"Status: {status}")
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def init_start_line(runtime: str, region: str) -> str:
    """CloudWatch-only line written when an environment starts its init phase."""
    name = (runtime or "python3.12").replace("python", "python:")
    digest = hashlib.sha256(f"workbook:{runtime}".encode()).hexdigest()
    return f"INIT_START Runtime Version: {name}.workbook\tRuntime Version ARN: arn:aws:lambda:{region}::runtime:{digest}"


def log_stream_name(version: str, now: datetime.datetime | None = None) -> str:
    """``YYYY/MM/DD/[version]<32 hex>``: one stream per execution environment."""
    now = now or datetime.datetime.now(datetime.UTC)
    return f"{now:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def split_output(output: bytes) -> list[str]:
    """Handler output as log lines; a multi-line record (joined with ``\\r``) stays one event."""
    text = output.decode("utf-8", errors="replace")
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.replace("\r", "\n") for line in lines]


def tail(text: str) -> bytes:
    """The last 4 KB of an invocation's log, as returned (base64-encoded) in LogResult."""
    return text.encode("utf-8")[-LOG_TAIL_BYTES:]


class CloudWatchWriter:
    """Writes log lines into moto's CloudWatch Logs backend, in-process (no HTTP)."""

    def __init__(self, account_id: str, region: str, group: str, stream: str):
        self.account_id, self.region, self.group, self.stream = account_id, region, group, stream

    def write(self, lines: list[str]) -> None:
        """Append ``lines`` to the stream (created, with its group, when missing).

        Straight into the stream, as PutLogEvents stores events after checking them: the events
        are built here, in order and stamped with sandbox time (:mod:`.clock`), so the checks cannot
        fail. Subscription filters still see them.
        """
        if not lines:
            return
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account_id][self.region]
        group = backend.groups.get(self.group)
        stream = group.streams.get(self.stream) if group is not None else None
        if stream is None:
            backend.ensure_log_group(self.group)
            backend.ensure_log_stream(self.group, self.stream)
            stream = backend.groups[self.group].streams[self.stream]
        stamp = clock.now_ms()  # sandbox time: a retry's lines show the wait AWS would make
        events = [{"timestamp": stamp, "message": line} for line in lines]
        for start in range(0, len(events), 5000):
            stream.put_log_events(events[start : start + 5000])
