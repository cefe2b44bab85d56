"""The scheduler behind asynchronous invokes (``InvocationType="Event"``) and service triggers.

``submit`` puts an :class:`AsyncInvocation` on the queue and returns at once (the API answers 202);
worker threads take invocations off the queue when they are due and hand them to ``handle``
(:meth:`workbook.lambda_runtime.async_invoke.AsyncEvents.run`), which may put one back with a
delay (``submit(inv, delay=…)``, real seconds): that is how a failed event waits for its retry and a
throttled one for its turn. :meth:`settle` waits until nothing is queued, waiting or running.
Events of every function share the workers; each event knows its function
(:attr:`AsyncInvocation.function_key`), so what is pending can be counted per function.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from . import clock


@dataclasses.dataclass
class AsyncInvocation:
    request_id: str
    function: Any  # the moto LambdaFunction resolved when the event was accepted
    payload: bytes
    invoked_arn: str
    qualifier: str | None
    enqueued_at: float = dataclasses.field(default_factory=clock.now)  # sandbox time
    attempts: int = 0  # function runs so far
    throttles: int = 0  # times it was put back because of concurrency limits
    last_outcome: Any = None  # the Outcome of the last run
    hops: int = 0  # how many trigger hops (function -> S3/SNS -> function …) led to this event
    source: str | None = None  # "s3", "sns", "events", "lambda" (a destination), None (Invoke API)

    @property
    def function_key(self) -> tuple[str, str, str]:
        return (self.function.account_id, self.function.region, self.function.function_name)


class Dispatcher:
    def __init__(self, handle: Callable[[AsyncInvocation], None], max_workers: int = 64):
        self._handle = handle
        self._max_workers = max_workers
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, AsyncInvocation]] = []
        self._order = itertools.count()
        self._running = 0
        self._idle_workers = 0
        self._workers: list[threading.Thread] = []
        self._generation = 0
        self._closed = False

    def submit(self, invocation: AsyncInvocation, delay: float = 0.0) -> None:
        with self._cond:
            if self._closed:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), invocation))
            if self._idle_workers == 0 and len(self._workers) < self._max_workers:
                worker = threading.Thread(target=self._work, name="lambda-async", daemon=True)
                self._workers.append(worker)
                worker.start()
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                self._idle_workers += 1
                while True:
                    if self._closed:
                        self._idle_workers -= 1
                        return
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        _, _, invocation = heapq.heappop(self._heap)
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
                self._idle_workers -= 1
                self._running += 1
                generation = self._generation
            try:
                if generation == self._generation:
                    self._handle(invocation)
            except Exception:  # pragma: no cover - a failed event must not stop the queue
                import logging

                logging.getLogger(__name__).exception("asynchronous invoke failed")
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._running

    def waiting(self, function_key: tuple[str, str, str]) -> int:
        """Events of one function that are queued or waiting for a retry (not those running)."""
        with self._cond:
            return sum(1 for _, _, invocation in self._heap if invocation.function_key == function_key)

    def settle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def reset(self) -> None:
        """Forget every queued event (running ones finish; their environments are being killed).

        No event waits any more, so the sandbox clock goes back to real time (:func:`.clock.reset`).
        """
        with self._cond:
            self._heap.clear()
            self._generation += 1
            self._cond.notify_all()
        clock.reset()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()
