"""The poller behind an SQS event source mapping.

* It receives messages (long-polling: it sleeps until a message arrives), up to ``BatchSize``, for at
  most ``MaximumBatchingWindowInSeconds`` once the first message is in (divided by the time scale), and
  stops short of a 6 MB event. Received messages are invisible for the queue's visibility timeout
  (or window + function timeout + 30 s, when that is longer, as Lambda does).
* Messages that match no ``FilterCriteria`` filter are deleted without invoking the function.
* It invokes the function synchronously with ``{"Records": [...]}``. Success deletes the batch; a
  function error (or a function that could not run) leaves every message to come back after the
  visibility timeout, its ``ApproximateReceiveCount`` one higher. The queue's redrive policy then
  moves a message to its dead-letter queue after ``maxReceiveCount`` receives (moto's SQS does that
  when the message is received once more).
* With ``ReportBatchItemFailures``, only the listed ``itemIdentifier``s come back; an invalid answer
  fails the whole batch (:mod:`.batch_response`).
* Up to ``ScalingConfig.MaximumConcurrency`` batches (default 5, never more than the function's reserved
  concurrency) run at once. On a FIFO queue a message group is in one batch at a time, in order.
"""

from __future__ import annotations

import json
import threading
import time

from . import batch_response, filters, moto_hooks
from .poller import IDLE_RECHECK_SECONDS, Poller

MAX_EVENT_BYTES = 6 * 1024 * 1024
EXTRA_VISIBILITY_SECONDS = 30  # Lambda's margin when the batching window is long
RETURNED_KEPT = 1000


class SqsPoller(Poller):
    def __init__(self, manager, config):
        super().__init__(manager, config)
        self.queue = moto_hooks.SqsQueue(config.source_arn)
        self._returned: set[str] = set()  # ids of messages given back after a failure, not yet done
        self._returned_lock = threading.Lock()
        self._slots = threading.Condition()

    # ------------------------------------------------------------------ settle

    def busy(self) -> bool:
        if self.in_flight:
            return True
        if self.stopping.is_set() or self.orphaned() or not self._can_poll():
            return False
        with self._returned_lock:
            returned = set(self._returned)
        if returned:
            still = self.queue.present(returned)
            with self._returned_lock:
                self._returned -= returned - still
        return self.queue.pending(returned)

    def _can_poll(self) -> bool:
        fn = self.function()
        return fn is not None and self.concurrency_allowed(fn) > 0

    # ------------------------------------------------------------------ the loop

    def loop(self) -> None:
        while not self.stopping.is_set():
            if self.stop_if_orphaned():
                return
            fn = self.function()
            limit = self.concurrency_allowed(fn) if fn is not None else 0
            if limit <= 0 or not self.queue.exists():
                self.wait(moto_hooks.generation(), IDLE_RECHECK_SECONDS)
                continue
            with self._slots:
                while self.in_flight >= limit and not self.stopping.is_set():
                    self._slots.wait(IDLE_RECHECK_SECONDS)
            batch, visibility, received_at = self._collect(fn)
            if not batch:
                continue
            if limit == 1:
                self._process_and_release(batch, visibility, received_at)
            else:
                threading.Thread(
                    target=self._process_and_release,
                    args=(batch, visibility, received_at),
                    name=f"esm-batch-{self.config.uuid[:8]}",
                    daemon=True,
                ).start()

    def _release(self) -> None:
        self.end_batch()
        with self._slots:
            self._slots.notify_all()
        moto_hooks.notify_change()  # the receiver may be sleeping until a message it just hid again

    def _process_and_release(self, batch, visibility: int, received_at: float) -> None:
        try:
            self._process(batch, visibility, received_at)
        finally:
            self._release()

    def _visibility(self, fn) -> int:
        visibility = self.queue.visibility_timeout
        window = self.config.window
        timeout = float(getattr(fn, "timeout", 3) or 3)
        if window and window + timeout > visibility:
            visibility = int(window + timeout + EXTRA_VISIBILITY_SECONDS)
        return visibility

    def _collect(self, fn):
        """``(messages, visibility timeout, when the first one was received)``: a batch of received
        messages that pass the filters, counted in flight once non-empty.

        Empty when the poller stops first. The count goes up before each receive that could start a
        batch, so ``settle()`` never sees a received message that belongs to no batch.
        """
        config = None
        visibility = self._visibility(fn)
        batch, size, deadline, received_at = [], 0, None, 0.0
        while not self.stopping.is_set() and not self.stop_if_orphaned():
            seen = moto_hooks.generation()
            starting = not batch
            if starting:
                if config is not self.config:  # UpdateEventSourceMapping applies from the next batch
                    config = self.config
                    accepts = filters.record_filter(config.filter_criteria, "sqs")
                    visibility = self._visibility(fn)
                self.begin_batch()
            room = config.batch_size - len(batch)
            received, too_big = self.queue.receive(room, visibility, MAX_EVENT_BYTES - size)
            dropped = [m.receipt_handle for m in received if not accepts(m.record)]
            if dropped:
                self.queue.delete(dropped)
            for message in received:
                if not accepts(message.record):
                    continue
                if batch and size + message.size > MAX_EVENT_BYTES:  # no room left: back to the queue
                    self.queue.hide([message.receipt_handle], time.time())
                    too_big = True
                    continue
                batch.append(message)
                size += message.size
            if starting and not batch:
                self.end_batch()
            now = time.monotonic()
            if batch and deadline is None:
                received_at = now
                deadline = now + config.window / self.manager.time_scale
            if batch and (len(batch) >= config.batch_size or too_big):  # full, by count or by size
                return batch, visibility, received_at
            if received and len(received) == room:
                continue  # there may be more right now
            if batch and now >= deadline:
                return batch, visibility, received_at
            if batch:
                timeout = deadline - now
            else:
                upcoming = self.queue.next_visible_in()
                timeout = IDLE_RECHECK_SECONDS if upcoming is None else upcoming + 0.001
            self.wait(seen, timeout)
        if batch and (self.abandoned or self.orphaned()):  # they come back after their visibility timeout
            self._release()
            return [], visibility, 0.0
        return batch, visibility, received_at

    def _process(self, batch, visibility: int, received_at: float) -> None:
        fn = self.function()
        payload = json.dumps({"Records": [m.record for m in batch]}).encode()
        outcome, _reason = (
            (None, "gone") if fn is None else self.invoke(fn, payload, received_at + visibility - 1)
        )
        if self.abandoned:
            return
        ids = {m.message_id for m in batch}
        if outcome is None or outcome.function_error:
            failed = ids
        elif self.config.report_failures:
            listed = batch_response.failed_items(outcome.payload, ids)
            failed = ids if listed is None else set(listed)
        else:
            failed = set()
        self.queue.delete([m.receipt_handle for m in batch if m.message_id not in failed])
        if failed:
            with self._returned_lock:
                self._returned |= failed
                if len(self._returned) > RETURNED_KEPT:  # forget those deleted or moved to the DLQ since
                    self._returned &= self.queue.present(self._returned)
            scale = self.manager.time_scale
            if scale > 1:  # sandbox time: the visibility timeout passes faster too
                handles = [m.receipt_handle for m in batch if m.message_id in failed]
                self.queue.hide(handles, time.time() - (time.monotonic() - received_at) + visibility / scale)
