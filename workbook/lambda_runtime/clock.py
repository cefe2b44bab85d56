"""Sandbox time: AWS's long waits, shortened by the time scale, as the logs tell them.

On AWS a failed asynchronous event is retried after one minute, then two; a throttled one waits
1 s, 2 s, 4 s … up to 5 minutes, for up to 6 hours. The sandbox divides every such wait by its
*time scale* (``sb.time_scale``, 60 unless ``WORKBOOK_TIME_SCALE`` says otherwise), so a one-minute
retry comes after one second.

So that logs still tell AWS's story, the sandbox keeps its own clock, which log events (CloudWatch
Logs) and records (destination records, S3 and SNS events) are stamped with:

* it runs at the real rate, and starts at the real time;
* while some scaled wait is under way, it runs ``time_scale`` times faster — the time the wait
  skipped is added, once, however many events wait at the same moment.

A retry that waited "one minute" (one real second at scale 60) therefore starts 60 s of sandbox time
after the attempt before it, and the next one 120 s after that: the 1 : 2 spacing AWS shows. After
such waits the sandbox clock is ahead of your wall clock; ``sb.reset()`` (which also deletes every
log) sets it back. Metrics keep real timestamps, so CloudWatch queries ending "now" find them.

Example::

    from workbook.lambda_runtime import clock
    clock.now()                      # sandbox time, epoch seconds
    real = clock.wait(60, scale=60)  # -> 1.0: wait one real second; the clock gains 59 s meanwhile
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

DEFAULT_TIME_SCALE = 60.0


def default_time_scale() -> float:
    """``WORKBOOK_TIME_SCALE`` when set to a positive number, else 60."""
    raw = os.environ.get("WORKBOOK_TIME_SCALE", "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIME_SCALE
    return value if value > 0 else DEFAULT_TIME_SCALE


def check_time_scale(value) -> float:
    """``value`` as a float, or a ValueError with one sentence saying what is allowed."""
    try:
        scale = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"time_scale must be a number of at least 1, not {value!r}.") from None
    if not scale >= 1 or scale == float("inf"):
        raise ValueError(f"time_scale must be a number of at least 1 (1 is real time), not {value!r}.")
    return scale


class SandboxClock:
    """Real time plus the time that scaled waits skipped (see the module's docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._epoch = time.time()
        self._mono = time.monotonic()
        self._skipped = 0.0  # sandbox seconds gained in fast segments that are over
        # The fast segment under way (monotonic start/end) and its rate; end <= start: none.
        self._start = self._end = self._mono
        self._scale = 1.0

    def _gained(self, mono: float) -> float:
        covered = min(max(mono - self._start, 0.0), max(self._end - self._start, 0.0))
        return self._skipped + (self._scale - 1.0) * covered

    def now(self, mono: float | None = None) -> float:
        """Sandbox time, epoch seconds."""
        mono = time.monotonic() if mono is None else mono
        with self._lock:
            return self._epoch + (mono - self._mono) + self._gained(mono)

    def wait(self, aws_seconds: float, scale: float) -> float:
        """Record that something waits ``aws_seconds`` of AWS time from now; returns the real seconds."""
        real = max(0.0, float(aws_seconds)) / scale
        if real <= 0 or scale <= 1:
            return real
        mono = time.monotonic()
        with self._lock:
            if mono <= self._end and scale == self._scale:
                self._end = max(self._end, mono + real)
            else:  # close the segment under way at `mono`, start a new one
                self._skipped = self._gained(mono)
                self._start, self._end, self._scale = mono, max(self._end, mono + real), scale
        return real

    def reset(self) -> None:
        """Back to real time (``sb.reset()``: the logs stamped ahead are gone)."""
        with self._lock:
            self._epoch, self._mono = time.time(), time.monotonic()
            self._skipped, self._start, self._end, self._scale = 0.0, self._mono, self._mono, 1.0


_clock = SandboxClock()


def now() -> float:
    """Sandbox time in epoch seconds.

    Example::

        clock.now() - time.time()   # 0.0 until a retry has waited; then the time it skipped
    """
    return _clock.now()


def now_ms() -> int:
    """Sandbox time in epoch milliseconds (what CloudWatch Logs events carry)."""
    return int(_clock.now() * 1000)


def utcnow() -> dt.datetime:
    """Sandbox time as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(_clock.now(), dt.UTC)


def iso_millis(epoch: float | None = None) -> str:
    """``2026-03-14T09:26:53.589Z``: how destination records and S3/SNS events write a time."""
    moment = dt.datetime.fromtimestamp(_clock.now() if epoch is None else epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def wait(aws_seconds: float, scale: float) -> float:
    """Real seconds to wait for ``aws_seconds`` of AWS time at ``scale``; the clock is told."""
    return _clock.wait(aws_seconds, scale)


def reset() -> None:
    _clock.reset()
