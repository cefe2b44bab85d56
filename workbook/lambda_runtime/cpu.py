"""Memory buys CPU: a worker gets CPU time in proportion to its function's MemorySize, as on AWS.

On AWS a function with 1,769 MB has the equivalent of one vCPU, and one with 128 MB about 7 % of one.
With ``sandbox.start(cpu="proportional")`` the runtime does the same while an invoke runs (the init
phase is not throttled, as on AWS's default compute): the thread waiting for the worker's answer reads
the worker's CPU time (its CPU-time clock, every thread included) and, when the worker has used more than
its share of the wall-clock time since the invoke began, stops its process group (SIGSTOP) for as long as
it takes the share to catch up, then lets it go on (SIGCONT). A CPU-bound handler at 128 MB therefore
takes about 1,769 / 128 = 13.8 times as long as at 1,769 MB. A handler that waits (I/O, sleep) uses
little CPU and is slowed little, as on AWS.

Example::

    from workbook.lambda_runtime import cpu
    cpu.share(128)          # -> 0.0723…, the fraction of one vCPU a 128 MB function gets
    cpu.pause(0.05, 0.1, cpu.share(128))   # -> 0.59…: seconds to stay stopped after 50 ms CPU in 100 ms
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

VCPU_MEMORY_MB = 1769  # the memory size at which a function has the equivalent of one full vCPU
CHECK_INTERVAL = 0.02  # seconds between two looks at a running worker's CPU time
MODES = (None, "proportional")


def share(memory_mb: int) -> float:
    """The vCPUs a function with ``memory_mb`` of memory gets (1.0 = one full vCPU).

    Example::

        share(1769)   # -> 1.0
        share(3538)   # -> 2.0 (a single-threaded handler still uses one)
    """
    return max(float(memory_mb), 1.0) / VCPU_MEMORY_MB


def pause(cpu_seconds: float, elapsed: float, vcpus: float) -> float:
    """How long a worker that used ``cpu_seconds`` of CPU in ``elapsed`` wall-clock seconds must stay
    stopped so that its CPU time is no more than ``vcpus`` × the wall-clock time (0 when it is within it).

    Example::

        pause(0.2, 0.2, 1.0)    # -> 0.0: one vCPU allows a CPU-bound second per second
        pause(0.1, 0.1, 0.5)    # -> 0.1: half a vCPU needs as long again, stopped
    """
    return max(cpu_seconds / vcpus - elapsed, 0.0)


def check_mode(mode: str | None) -> str | None:
    """``mode`` if it is a CPU mode the runtime knows (None or "proportional"); else a one-sentence error."""
    if mode not in MODES:
        raise ValueError(f'cpu must be None or "proportional", not {mode!r}.')
    return mode


_libc = None


def _cpu_clock(pid: int) -> int | None:
    """The id of ``pid``'s CPU-time clock (nanosecond precision), or None where there is none."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        clock = ctypes.c_int()
        if _libc.clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
            return None
        return clock.value
    except (OSError, AttributeError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int, clock: int | None = None) -> float | None:
    """CPU time ``pid`` has used (every thread), in seconds; None when it is gone."""
    if clock is not None:
        try:
            return time.clock_gettime(clock)
        except OSError:
            return None
    try:  # /proc: user + system time in clock ticks (10 ms steps)
        with open(f"/proc/{pid}/stat", "rb") as stat:
            data = stat.read()
        fields = data[data.rindex(b")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


class Throttle:
    """Holds one worker to its CPU share during one invoke. :meth:`tick` is called by the thread that
    waits for the worker's answer and says when to call it again; :meth:`release` lets the worker go."""

    def __init__(self, pid: int, memory_mb: int):
        self.pid = pid
        self.vcpus = share(memory_mb)
        self.stopped = False
        self._clock = _cpu_clock(pid)
        self._started = time.monotonic()
        self._cpu_at_start = cpu_seconds(pid, self._clock) or 0.0

    def tick(self) -> float:
        """Stop or resume the worker as its share requires; returns the seconds until the next look."""
        used = cpu_seconds(self.pid, self._clock)
        if used is None:
            return CHECK_INTERVAL
        wait = pause(used - self._cpu_at_start, time.monotonic() - self._started, self.vcpus)
        if wait > 0:
            if not self.stopped:
                self._signal(signal.SIGSTOP)
                self.stopped = True
            return wait
        if self.stopped:
            self._signal(signal.SIGCONT)
            self.stopped = False
        return CHECK_INTERVAL

    def debt(self) -> float:
        """Seconds the worker still owes its share now (0 within it): more than 0 when the thread that calls
        :meth:`tick` could not look in time (a busy machine) and the worker ran ahead of its share."""
        used = cpu_seconds(self.pid, self._clock)
        if used is None:
            return 0.0
        return pause(used - self._cpu_at_start, time.monotonic() - self._started, self.vcpus)

    def release(self) -> None:
        if self.stopped:
            self._signal(signal.SIGCONT)
            self.stopped = False

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)  # the worker leads its own process group
        except (ProcessLookupError, PermissionError):
            pass
