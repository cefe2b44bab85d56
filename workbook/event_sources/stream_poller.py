"""The poller behind a Kinesis or DynamoDB Streams event source mapping.

Each shard is read in order, one batch at a time, from the mapping's ``StartingPosition``
(``TRIM_HORIZON``: the oldest record; ``LATEST``: records added after the mapping was created;
``AT_TIMESTAMP``: records that arrived from that time on, Kinesis only). A batch holds up to
``BatchSize`` records, gathered for at most ``MaximumBatchingWindowInSeconds`` (divided by the time
scale); records that match no filter are skipped.

A failing batch **blocks its shard** and is retried (after 0.1 s, 0.2 s, … at most 1 s, real time)
until it succeeds, until ``MaximumRetryAttempts`` retries were made, or until its records are older
than ``MaximumRecordAgeInSeconds`` (record age runs at the sandbox's time scale); then it goes to the
on-failure destination (:mod:`.stream_destinations`) and the shard moves on.

* ``BisectBatchOnFunctionError``: a failed batch of more than one record is split in two halves,
  retried one after the other; splitting does not count as a retry.
* ``ReportBatchItemFailures``: the shard's checkpoint moves to the lowest reported sequence number;
  the records from there on are retried (an invalid answer fails the whole batch).
* ``IteratorAge`` (ms: how old the last record of a batch was when it was invoked) is published.
"""

from __future__ import annotations

import collections
import json
import threading
import time

from . import batch_response, filters, moto_hooks, records, stream_destinations
from .poller import IDLE_RECHECK_SECONDS, Poller

RETRY_BACKOFF = (0.1, 1.0)  # first wait, longest wait (seconds)
NEVER = float("inf")


class StreamPoller(Poller):
    def __init__(self, manager, config, positions: dict[str, int]):
        super().__init__(manager, config)
        self.stream = moto_hooks.stream_for(config.source_arn)
        self.positions = (
            positions  # shard id -> sequence number of the last record done (shared with the manager)
        )
        self._readers: dict[str, threading.Thread] = {}

    # ------------------------------------------------------------------ settle

    def busy(self) -> bool:
        if self.in_flight:
            return True
        if self.stopping.is_set() or self.orphaned() or not self._can_poll():
            return False
        for shard_id in self.stream.shard_ids():
            position = self.positions.get(shard_id, self.stream.first_position(shard_id))
            if self.stream.latest(shard_id) > position:
                return True
        return False

    def _can_poll(self) -> bool:
        fn = self.function()
        return fn is not None and self.concurrency_allowed(fn) > 0

    # ------------------------------------------------------------------ the loop: one reader per shard

    def loop(self) -> None:
        while not self.stopping.is_set():
            if self.stop_if_orphaned():
                break
            seen = moto_hooks.generation()
            for shard_id in self.stream.shard_ids():
                if shard_id not in self._readers:
                    self.positions.setdefault(shard_id, self.stream.first_position(shard_id))
                    reader = threading.Thread(
                        target=self._read_shard,
                        args=(shard_id,),
                        name=f"esm-{self.config.uuid[:8]}-{shard_id[-4:]}",
                        daemon=True,
                    )
                    self._readers[shard_id] = reader
                    reader.start()
            self.wait(seen, IDLE_RECHECK_SECONDS)
        for reader in self._readers.values():
            reader.join()

    def _read_shard(self, shard_id: str) -> None:
        while not self.stopping.is_set() and not self.stop_if_orphaned():
            seen = moto_hooks.generation()
            fn = self.function()
            if fn is None or self.concurrency_allowed(fn) <= 0:
                self.wait(seen, IDLE_RECHECK_SECONDS)
                continue
            config = self.config
            items = self.stream.after(shard_id, self.positions[shard_id], config.batch_size, fn.role)
            if not items:
                self.wait(seen, IDLE_RECHECK_SECONDS)
                continue
            self.begin_batch()
            try:
                items = self._fill(shard_id, items, fn.role)
                accepts = filters.record_filter(config.filter_criteria, self.stream.source)
                kept = [item for item in items if accepts(item.record)]
                if not kept or self._deliver(shard_id, kept):
                    self.positions[shard_id] = items[-1].sequence
            finally:
                self.end_batch()

    def _fill(self, shard_id: str, items: list, role_arn: str) -> list:
        """More records for the batch, until it is full or the batching window has passed."""
        config = self.config
        deadline = time.monotonic() + config.window / self.manager.time_scale
        while len(items) < config.batch_size and not self.stopping.is_set():
            seen = moto_hooks.generation()
            more = self.stream.after(shard_id, items[-1].sequence, config.batch_size - len(items), role_arn)
            items += more
            remaining = deadline - time.monotonic()
            if more:
                continue
            if remaining <= 0:
                break
            self.wait(seen, remaining)
        return items

    # ------------------------------------------------------------------ one batch, with retries

    def _deliver(self, shard_id: str, batch: list) -> bool:
        """Invoke until the batch is done (or given up); False when the poller stopped first."""
        config = self.config
        pending = collections.deque([(batch, 0, None)])  # (records, retries made, last outcome)
        while pending:
            records_, retries, last = pending.popleft()
            records_ = self._drop_expired(shard_id, records_, retries, last)
            if not records_:
                continue
            if self.stopping.is_set():
                return False
            fn = self.function()
            if fn is None:  # the function was deleted: the shard waits where it is
                return False
            payload = json.dumps({"Records": [item.record for item in records_]}).encode()
            outcome, _reason = self.invoke(fn, payload, NEVER)
            if self.abandoned:
                return False
            self._publish_iterator_age(records_[-1])
            ok, remainder = self._result(records_, outcome)
            if ok:
                self.positions[shard_id] = records_[-1].sequence
                self.manager.set_result(config.uuid, "OK")
                continue
            self.manager.set_result(config.uuid, "PROBLEM: Function call failed")
            partial = remainder is not records_
            done = records_[: len(records_) - len(remainder)]
            if done:
                self.positions[shard_id] = done[-1].sequence
            if config.bisect and not partial and len(remainder) > 1:
                middle = len(remainder) // 2
                pending.appendleft((remainder[middle:], retries, outcome))
                pending.appendleft((remainder[:middle], retries, outcome))
                continue
            if 0 <= config.max_retries <= retries:
                self._give_up(shard_id, remainder, "RetryAttemptsExhausted", retries + 1, outcome)
                self.positions[shard_id] = remainder[-1].sequence
                continue
            self.stopping.wait(min(RETRY_BACKOFF[0] * 2**retries, RETRY_BACKOFF[1]))
            pending.appendleft((remainder, retries + 1, outcome))
        return True

    def _result(self, batch: list, outcome) -> tuple[bool, list]:
        """``(True, [])`` on success, else ``(False, records to retry)``."""
        if outcome is None or outcome.function_error:
            return False, batch
        if not self.config.report_failures:
            return True, []
        failed = batch_response.failed_items(outcome.payload, {item.sequence_number for item in batch})
        if failed is None:
            return False, batch
        if not failed:
            return True, []
        lowest = min(int(sequence) for sequence in failed)
        index = next(i for i, item in enumerate(batch) if item.sequence == lowest)
        return False, batch[index:] if index else list(batch)  # a new list even from 0: a reported failure

    def _drop_expired(self, shard_id: str, batch: list, retries: int, last_outcome) -> list:
        max_age = self.config.max_record_age
        if max_age is None or max_age < 0:
            return batch
        now = time.time()
        scale = self.manager.time_scale
        expired = [item for item in batch if (now - item.arrival) * scale > max_age]
        if not expired:
            return batch
        self._give_up(shard_id, expired, "RecordAgeExceeded", retries, last_outcome)
        self.positions[shard_id] = max(self.positions[shard_id], expired[-1].sequence)
        gone = {id(item) for item in expired}
        return [item for item in batch if id(item) not in gone]

    def _give_up(self, shard_id: str, batch: list, condition: str, invoke_count: int, outcome) -> None:
        config = self.config
        destination = config.on_failure
        if not destination:
            return
        fn = self.function()
        if fn is None:
            return
        response = None
        if outcome is not None and invoke_count:
            response = {"statusCode": 200, "executedVersion": outcome.version}
            if outcome.function_error:
                response["functionError"] = "Unhandled"
        record = records.stream_failure_record(
            source=self.stream.source,
            request_id=outcome.request_id if outcome is not None and invoke_count else None,
            function_arn=config.function_arn,
            condition=condition,
            invoke_count=invoke_count,
            response=response,
            shard_id=shard_id,
            first=(batch[0].sequence_number, batch[0].arrival),
            last=(batch[-1].sequence_number, batch[-1].arrival),
            batch_size=len(batch),
            stream_arn=config.source_arn,
            now=time.time(),
        )
        stream_destinations.send_stream_failure(
            self.runtime,
            destination,
            fn.role,
            fn.function_name,
            record,
            [item.record for item in batch],
            config.uuid,
            shard_id,
        )

    def _publish_iterator_age(self, last) -> None:
        config = self.config
        resource = f"{config.function_name}:{config.qualifier}" if config.qualifier else config.function_name
        try:
            moto_hooks.put_metric(
                config.account_id,
                config.region,
                config.function_name,
                resource,
                "IteratorAge",
                max(0.0, (time.time() - last.arrival) * 1000),
                "Milliseconds",
            )
        except Exception:  # metrics never stop a poller
            pass
