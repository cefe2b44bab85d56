"""The asynchronous half of Lambda: what happens to an event after the API answered 202.

Every ``Event`` invoke and every service trigger (S3, SNS, EventBridge, a Lambda destination) is an
event on the function's queue (:mod:`.dispatcher`). For each event:

* **Function errors** — an exception, ``Sandbox.Timedout``, a runtime that exits — are retried
  ``MaximumRetryAttempts`` times (default 2): one minute after the first attempt, two minutes after
  the second. Retries keep the request id.
* **Throttles** (reserved concurrency reached, no room on the machine) put the event back after
  1 s, 2 s, 4 s … at most 5 minutes, for as long as the event is younger than
  ``MaximumEventAgeInSeconds`` (default 6 hours).
* An event that is **too old** when its turn comes is given up (``EventAgeExceeded``), as is one whose
  retries are used up (``RetriesExhausted``). A function with **reserved concurrency 0** never runs it
  (``ZeroReservedConcurrency``, ``approximateInvokeCount`` 0).
* A given-up event goes to the function's **dead-letter queue** and to the **OnFailure** destination
  (both, when both are set); a successful run sends a record to the **OnSuccess** destination
  (:mod:`.destinations`).

Every wait is AWS's wait divided by the runtime's time scale, and the sandbox clock is told
(:mod:`.clock`): log lines of a retry carry the time AWS would have waited.

Metrics: ``AsyncEventsReceived``, ``AsyncEventAge`` (per attempt), ``AsyncEventsDropped``,
``DeadLetterErrors``, ``DestinationDeliveryFailures`` (see :mod:`.metrics`).

Example::

    lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"id": 1}')
    sb.settle()   # every attempt, retry and delivery is done
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import zipfile

from . import clock, destinations, event_invoke_config, metrics
from .dispatcher import AsyncInvocation
from .iam import RoleCannotBeAssumed
from .pool import Throttled

log = logging.getLogger(__name__)

RETRY_WAITS = (60.0, 120.0)  # seconds of AWS time before the first and second retry
THROTTLE_FIRST_WAIT = 1.0
THROTTLE_MAX_WAIT = 300.0
MAX_HOPS = 16  # recursive loop detection: invocations of one chain before Lambda stops it
LOOP_SOURCES = ("s3", "sns")  # triggers AWS's loop detection follows (SQS: the event source mapping)

THROTTLED_STATUS = 429
THROTTLED_MESSAGE = "Rate Exceeded."
RECURSION_MESSAGE = "Recursive invocation loop detected; the event was not sent to the function."


class AsyncEvents:
    """The event queue of one runtime: accepts events, runs attempts, retries, gives up, delivers."""

    def __init__(self, runtime, dispatcher):
        self.runtime = runtime
        self.dispatcher = dispatcher
        self._lock = threading.Lock()
        self._running_hops: dict[tuple[str, str, str], list[int]] = {}  # function -> hops of events running

    def hops_of_running(self, function_key: tuple[str, str, str]) -> int:
        """The largest hop count of the function's events running now (0 when none: a synchronous invoke)."""
        with self._lock:
            return max(self._running_hops.get(function_key) or [0])

    # ------------------------------------------------------------------ accepting

    def submit(self, invocation: AsyncInvocation) -> None:
        """Queue a new event (counted in ``AsyncEventsReceived``) and return at once."""
        self._metric(invocation, "AsyncEventsReceived")
        self.dispatcher.submit(invocation)

    def submit_new(self, fn, payload: bytes, invoked_arn: str, qualifier: str | None, *,
                   source: str | None = None, hops: int = 0) -> AsyncInvocation:
        """Queue an event for ``fn`` from a service (S3, SNS, EventBridge, a destination)."""
        invocation = AsyncInvocation(str(uuid.uuid4()), fn, payload, invoked_arn, qualifier,
                                     source=source, hops=hops)
        self.submit(invocation)
        return invocation

    # ------------------------------------------------------------------ one turn of an event

    def run(self, invocation: AsyncInvocation) -> None:
        """Give ``invocation`` its turn (called by the dispatcher's workers)."""
        if not _still_exists(invocation.function):  # deleted while its event waited: nothing left to run
            log.info("event %s dropped: its function was deleted", invocation.request_id)
            return
        config = self._config(invocation)
        if invocation.source in LOOP_SOURCES and invocation.hops >= MAX_HOPS:
            self.stop_loop(invocation)
            return
        if _reserved_concurrency(invocation.function) == 0:
            self._give_up(invocation, config, "ZeroReservedConcurrency")
            return
        if self._age(invocation) >= config.max_age:
            self._give_up(invocation, config, "EventAgeExceeded")
            return
        self._metric(invocation, "AsyncEventAge", self._age(invocation) * 1000)
        fn = invocation.function
        key = invocation.function_key
        with self._lock:
            self._running_hops.setdefault(key, []).append(invocation.hops)
        try:
            outcome = self.runtime.execute(fn, invocation.payload, invocation.invoked_arn,
                                           invocation.qualifier, request_id=invocation.request_id)
        except Throttled:
            invocation.throttles += 1
            wait = min(THROTTLE_FIRST_WAIT * 2 ** (invocation.throttles - 1), THROTTLE_MAX_WAIT)
            wait = min(wait, max(config.max_age - self._age(invocation), 0.0))
            self._retry_after(invocation, wait)
            return
        except RoleCannotBeAssumed:
            log.info("event %s dropped: Lambda cannot assume the role of %s", invocation.request_id,
                     fn.function_name)
            self._metric(invocation, "AsyncEventsDropped")
            return
        except zipfile.BadZipFile:
            log.info("event %s dropped: the code of %s is not a zip file", invocation.request_id,
                     fn.function_name)
            self._metric(invocation, "AsyncEventsDropped")
            return
        finally:
            with self._lock:
                running = self._running_hops.get(key) or []
                if invocation.hops in running:
                    running.remove(invocation.hops)
                if not running:
                    self._running_hops.pop(key, None)
        invocation.attempts += 1
        invocation.last_outcome = outcome
        if not outcome.function_error:
            if config.on_success:
                self._deliver(invocation, config.on_success, "Success", success=True)
            return
        if invocation.attempts > config.retries:
            self._give_up(invocation, config, "RetriesExhausted")
            return
        self._retry_after(invocation, RETRY_WAITS[min(invocation.attempts, len(RETRY_WAITS)) - 1])

    def _retry_after(self, invocation: AsyncInvocation, aws_seconds: float) -> None:
        real = clock.wait(aws_seconds, self.runtime.time_scale)
        self.dispatcher.submit(invocation, delay=real)

    # ------------------------------------------------------------------ giving up

    def _give_up(self, invocation: AsyncInvocation, config, condition: str) -> None:
        self._metric(invocation, "AsyncEventsDropped")
        self._to_dead_letter_queue(invocation, condition)
        if config.on_failure:
            self._deliver(invocation, config.on_failure, condition, success=False)

    def stop_loop(self, invocation: AsyncInvocation) -> None:
        """Recursive loop detection stopped this event: it goes where a failed one goes, never runs."""
        self._metric(invocation, "RecursiveInvocationsDropped")
        self._give_up(invocation, self._config(invocation), "RetriesExhausted")

    def _to_dead_letter_queue(self, invocation: AsyncInvocation, condition: str) -> None:
        fn = invocation.function
        target = dead_letter_target(fn)
        if not target:
            return
        outcome = invocation.last_outcome
        if outcome is not None:
            status, message = 200, _error_message(outcome.payload)
        elif condition == "RetriesExhausted":  # stopped by loop detection before it ran
            status, message = 400, RECURSION_MESSAGE
        else:
            status, message = THROTTLED_STATUS, THROTTLED_MESSAGE
        try:
            destinations.send_dead_letter(target, fn.role, invocation.payload, invocation.request_id, status,
                                          message)
        except destinations.Undeliverable as exc:
            log.info("dead-letter queue of %s not reached: %s", fn.function_name, exc)
            self._metric(invocation, "DeadLetterErrors")

    def _deliver(self, invocation: AsyncInvocation, destination: str, condition: str, success: bool) -> None:
        fn = invocation.function
        record = destinations.invocation_record(
            invocation.request_id, self._record_arn(invocation), condition, invocation.attempts,
            invocation.payload, invocation.last_outcome,
        )
        try:
            destinations.deliver_record(destination, record, fn.role, self._record_arn(invocation), success,
                                        self._submit_destination(invocation))
        except destinations.Undeliverable as exc:
            log.info("destination %s of %s not reached: %s", destination, fn.function_name, exc)
            self._metric(invocation, "DestinationDeliveryFailures")

    def _submit_destination(self, invocation: AsyncInvocation):
        def submit(fn, payload: bytes, invoked_arn: str, qualifier: str | None) -> None:
            self.submit_new(fn, payload, invoked_arn, qualifier, source="lambda", hops=invocation.hops + 1)

        return submit

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _age(invocation: AsyncInvocation) -> float:
        return max(0.0, clock.now() - invocation.enqueued_at)

    @staticmethod
    def _config(invocation: AsyncInvocation):
        from moto.awslambda.utils import get_backend

        fn = invocation.function
        try:
            backend = get_backend(fn.account_id, fn.region)
        except Exception:
            return event_invoke_config.DEFAULTS
        return event_invoke_config.lookup(backend, fn.function_name, invocation.qualifier)

    @staticmethod
    def _record_arn(invocation: AsyncInvocation) -> str:
        """``functionArn`` of a record: what was invoked, qualified (``…:$LATEST`` when it was not)."""
        fn = invocation.function
        qualifier = invocation.qualifier or "$LATEST"
        return f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}:{qualifier}"

    @staticmethod
    def _metric(invocation: AsyncInvocation, name: str, value: float = 1.0) -> None:
        fn = invocation.function
        resource = f"{fn.function_name}:{invocation.qualifier}" if invocation.qualifier else fn.function_name
        try:
            metrics.publish_async(fn.account_id, fn.region, fn.function_name, resource, name, value)
        except Exception:  # metrics never break the queue (the account may have been reset)
            pass


def dead_letter_target(fn) -> str | None:
    """The ``DeadLetterConfig.TargetArn`` of a moto function version, or None."""
    return getattr(fn, "_workbook_dead_letter_target", None) or None


def _still_exists(fn) -> bool:
    from moto.awslambda.utils import get_backend

    try:
        backend = get_backend(fn.account_id, fn.region)
        return backend.get_function(fn.function_name, str(fn.version)) is not None
    except Exception:
        return False


def _error_message(payload: bytes) -> str:
    try:
        document = json.loads(payload)
    except (TypeError, ValueError):
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if isinstance(document, dict) and "errorMessage" in document:
        return str(document["errorMessage"])
    return json.dumps(document)


def _reserved_concurrency(fn) -> int | None:
    from .runtime import _reserved_concurrency as reserved

    return reserved(fn)
