"""Event source mappings: their lifecycle, their ``State``, and the poller behind each enabled one.

moto stores the mappings (Create/Get/List/Update/DeleteEventSourceMapping); the :class:`MappingManager`
of the active runtime validates requests as AWS does and runs a poller per enabled mapping
(:mod:`.sqs_poller`, :mod:`.stream_poller`):

* ``CreateEventSourceMapping`` answers ``State: Creating`` (``Disabled`` with ``Enabled=False``); the
  mapping is ``Enabled`` as soon as its poller runs.
* ``UpdateEventSourceMapping`` answers ``Enabling``, ``Disabling`` or ``Updating``; a disabled mapping
  finishes the batch in flight, becomes ``Disabled`` and polls no more.
* ``DeleteEventSourceMapping`` answers ``Deleting`` and stops the poller.

Pollers start with the runtime (mappings already in moto are picked up), stop with ``sb.reset()``,
``sb.stop()`` and the end of ``lambda_runtime.activate()``, and ``settle()`` waits for them.

Example::

    sb = sandbox.start()
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="orders", BatchSize=10)
    sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
    sb.settle()   # the function has processed the message, and the queue is empty
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

from workbook.lambda_runtime import iam
from workbook.lambda_runtime.invoke import function_arn, split_function_name

from . import moto_hooks, validation
from .sqs_poller import SqsPoller
from .stream_poller import StreamPoller

DEFAULT_CONCURRENCY = 5  # batches an SQS mapping runs at once without ScalingConfig (AWS starts with 5)
SETTLE_RECHECK_SECONDS = 0.05


@dataclasses.dataclass(frozen=True)
class MappingConfig:
    """The settings of one mapping, as its poller uses them (a snapshot; updates make a new one)."""

    uuid: str
    account_id: str
    region: str
    source_arn: str
    kind: str  # sqs, sqs-fifo, kinesis, dynamodb
    function_name: str
    qualifier: str | None
    function_arn: str
    batch_size: int
    window: float
    enabled: bool
    filter_criteria: dict | None
    report_failures: bool
    max_concurrency: int | None
    starting_position: str | None
    starting_timestamp: float | None
    bisect: bool
    max_retries: int
    max_record_age: int
    on_failure: str | None

    @property
    def is_sqs(self) -> bool:
        return validation.is_sqs(self.kind)


def config_of(esm) -> MappingConfig:
    """A :class:`MappingConfig` from moto's ``EventSourceMapping``."""
    name, qualifier = split_function_name(esm.function_name, None)
    kind = moto_hooks.source_kind(esm.event_source_arn)
    scaling = esm.scaling_config or {}
    destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
    return MappingConfig(
        uuid=esm.uuid,
        account_id=esm.account_id,
        region=esm.region,
        source_arn=esm.event_source_arn,
        kind=kind,
        function_name=name,
        qualifier=qualifier,
        function_arn=function_arn(esm.region, esm.account_id, name, qualifier),
        batch_size=int(esm.batch_size),
        window=float(esm.max_batch_window or 0),
        enabled=bool(esm.enabled),
        filter_criteria=esm.filter_criteria or None,
        report_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
        max_concurrency=scaling.get("MaximumConcurrency"),
        starting_position=esm.starting_position,
        starting_timestamp=_epoch(esm.starting_position_timestamp),
        bisect=bool(esm.bisect_on_error),
        max_retries=-1 if esm.max_retry_attempts is None else int(esm.max_retry_attempts),
        max_record_age=-1 if esm.max_record_age is None else int(esm.max_record_age),
        on_failure=destination or None,
    )


def _epoch(value) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


class MappingManager:
    """The pollers of one runtime. Attached by :func:`workbook.event_sources.attach`."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.api_lock = threading.RLock()  # one mapping request at a time
        self.default_concurrency = DEFAULT_CONCURRENCY
        self._time_scale: float | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._pollers: dict[str, object] = {}  # uuid -> running poller
        self._stopping: list = []  # pollers finishing their last batch
        self._states: dict[str, str] = {}
        self._transitions: dict[str, str] = {}  # the state UpdateEventSourceMapping answered
        self._results: dict[str, str] = {}  # LastProcessingResult of stream mappings
        self._positions: dict[str, dict[str, int]] = {}  # stream mappings: shard id -> checkpoint
        self.closed = False
        moto_hooks.activate(self)
        for backend, esm in moto_hooks.all_mappings():  # mappings made before this runtime started
            moto_hooks.silence_moto_delivery(backend, esm)
            self.created(backend, esm)

    # ------------------------------------------------------------------ sandbox time

    @property
    def time_scale(self) -> float:
        """How much faster than AWS sandbox time runs (the runtime's ``time_scale``; 1 by default)."""
        scale = (
            self._time_scale if self._time_scale is not None else getattr(self.runtime, "time_scale", None)
        )
        return float(scale) if scale and scale > 0 else 1.0

    @time_scale.setter
    def time_scale(self, value: float | None) -> None:
        self._time_scale = value

    # ------------------------------------------------------------------ the API (called by moto_hooks)

    def check_create(self, backend, spec: dict) -> None:
        """Raise :class:`validation.Rejected` for a request AWS would refuse."""
        arn = spec.get("EventSourceArn") or ""
        kind = moto_hooks.source_kind(arn)
        if kind not in ("sqs", "sqs-fifo", "kinesis", "dynamodb"):
            return  # moto answers for sources it does not support
        validation.check_parameters(kind, spec)
        queue = moto_hooks.queue_facts(arn) if validation.is_sqs(kind) else None
        if (queue is None) if validation.is_sqs(kind) else not moto_hooks.stream_exists(arn):
            raise validation.source_missing(kind, arn)
        name, qualifier = split_function_name(spec.get("FunctionName") or "", None)
        fn = moto_hooks.function(backend.account_id, backend.region_name, name, qualifier)
        if fn is None:
            return  # moto answers 404 for a missing function
        validation.check_duplicate(kind, arn, name, self._existing(backend, arn, name))
        self._check_function(backend, kind, arn, fn, queue)

    def check_update(self, backend, esm, spec: dict) -> None:
        kind = moto_hooks.source_kind(esm.event_source_arn)
        merged = {
            "EventSourceArn": esm.event_source_arn,
            "BatchSize": esm.batch_size,
            "MaximumBatchingWindowInSeconds": esm.max_batch_window,
            "StartingPosition": esm.starting_position,
            "StartingPositionTimestamp": esm.starting_position_timestamp,
            "FilterCriteria": esm.filter_criteria,
            "ParallelizationFactor": esm.parallelization_factor,
            "TumblingWindowInSeconds": esm.tumbling_window,
            "DestinationConfig": esm.destination_config,
            **spec,
        }
        if validation.is_sqs(kind):
            merged["StartingPosition"] = None
        validation.check_parameters(kind, merged)
        if spec.get("FunctionName"):
            name, qualifier = split_function_name(spec["FunctionName"], None)
            fn = moto_hooks.function(backend.account_id, backend.region_name, name, qualifier)
            if fn is not None:
                queue = moto_hooks.queue_facts(esm.event_source_arn) if validation.is_sqs(kind) else None
                self._check_function(backend, kind, esm.event_source_arn, fn, queue)

    def _check_function(self, backend, kind: str, arn: str, fn, queue: dict | None) -> None:
        if queue is not None:
            validation.check_visibility_timeout(queue["visibility_timeout"], float(fn.timeout or 3))
        documents = moto_hooks.role_policy_documents(backend.account_id, backend.region_name, fn.role)
        validation.check_role(
            kind, arn, lambda action, resource: iam.evaluate(documents, action, resource) == "allow"
        )

    @staticmethod
    def _existing(backend, arn: str, function_name: str) -> str | None:
        for _, esm in moto_hooks.all_mappings():
            if esm.event_source_arn == arn and esm.account_id == backend.account_id:
                if split_function_name(esm.function_name, None)[0] == function_name:
                    return esm.uuid
        return None

    def created(self, backend, esm) -> None:
        config = config_of(esm)
        if not config.is_sqs:
            self._positions[config.uuid] = self._starting_positions(config)
        with self._lock:
            self._states[config.uuid] = "Creating" if config.enabled else "Disabled"
        if config.enabled:
            self._start(config)

    def _starting_positions(self, config: MappingConfig) -> dict[str, int]:
        stream = moto_hooks.stream_for(config.source_arn)
        positions = {}
        for shard_id in stream.shard_ids():
            if config.starting_position == "LATEST":
                positions[shard_id] = stream.latest(shard_id)
            elif config.starting_position == "AT_TIMESTAMP" and config.starting_timestamp is not None:
                positions[shard_id] = stream.position_at(shard_id, config.starting_timestamp)
            else:
                positions[shard_id] = stream.first_position(shard_id)
        return positions

    def updated(self, backend, esm, spec: dict) -> None:
        if spec.get("FunctionName"):
            esm.function_name = spec["FunctionName"]  # moto keeps only the ARN of the new function
        config = config_of(esm)
        with self._lock:
            poller = self._pollers.get(config.uuid)
        if "Enabled" in spec and config.enabled and poller is None:
            self._set_state(config.uuid, "Enabling", transition=True)
            self._start(config)
        elif "Enabled" in spec and not config.enabled and poller is not None:
            self._set_state(config.uuid, "Disabling", transition=True)
            self._stop(config.uuid, abandon=False)
        else:
            self._set_state(config.uuid, self._states.get(config.uuid, "Enabled"))
            self._transitions[config.uuid] = "Updating"
            if poller is not None:
                poller.reconfigure(config)

    def deleted(self, uuid: str) -> None:
        self._stop(uuid, abandon=False)
        with self._lock:
            self._states.pop(uuid, None)
            self._transitions.pop(uuid, None)
            self._results.pop(uuid, None)
            self._positions.pop(uuid, None)

    def transition_of(self, uuid: str) -> str | None:
        """The state UpdateEventSourceMapping answers (``Enabling``, ``Disabling`` or ``Updating``)."""
        return self._transitions.pop(uuid, None)

    def describe(self, esm, configuration: dict) -> None:
        """Add the poller's ``State`` and AWS's defaults to a mapping's configuration."""
        kind = moto_hooks.source_kind(esm.event_source_arn)
        if kind not in ("sqs", "sqs-fifo", "kinesis", "dynamodb"):
            return
        name, qualifier = split_function_name(esm.function_name, None)
        configuration["FunctionArn"] = function_arn(esm.region, esm.account_id, name, qualifier)
        configuration.setdefault("FunctionResponseTypes", [])
        configuration.setdefault("MaximumBatchingWindowInSeconds", 0)
        if validation.is_sqs(kind):
            configuration["StateTransitionReason"] = "USER_INITIATED"
        else:
            configuration["StateTransitionReason"] = "User action"
            configuration.setdefault("BisectBatchOnFunctionError", False)
            configuration.setdefault("DestinationConfig", {"OnFailure": {}})
            configuration.setdefault("MaximumRecordAgeInSeconds", -1)
            configuration.setdefault("MaximumRetryAttempts", -1)
            configuration.setdefault("ParallelizationFactor", 1)
            configuration.setdefault("TumblingWindowInSeconds", 0)
            configuration["LastProcessingResult"] = self._results.get(esm.uuid, "No records processed")
        state = self._states.get(esm.uuid)
        if state is not None:
            configuration["State"] = state

    def set_result(self, uuid: str, result: str) -> None:
        self._results[uuid] = result

    # ------------------------------------------------------------------ pollers

    def _start(self, config: MappingConfig) -> None:
        if self.closed:
            return
        if config.is_sqs:
            poller = SqsPoller(self, config)
        else:
            poller = StreamPoller(self, config, self._positions.setdefault(config.uuid, {}))
        with self._lock:
            self._pollers[config.uuid] = poller
        poller.start()

    def _stop(self, uuid: str, abandon: bool) -> None:
        with self._lock:
            poller = self._pollers.pop(uuid, None)
            if poller is not None:
                self._stopping.append(poller)
        if poller is not None:
            poller.stop(abandon)

    def poller_running(self, poller) -> None:
        uuid = poller.config.uuid
        with self._lock:
            if self._pollers.get(uuid) is poller and self._states.get(uuid) in ("Creating", "Enabling", None):
                self._states[uuid] = "Enabled"

    def poller_stopped(self, poller) -> None:
        uuid = poller.config.uuid
        with self._lock:
            if poller in self._stopping:
                self._stopping.remove(poller)
            if self._states.get(uuid) == "Disabling" and uuid not in self._pollers:
                self._states[uuid] = "Disabled"
        self.changed()

    def _set_state(self, uuid: str, state: str, transition: bool = False) -> None:
        with self._lock:
            self._states[uuid] = state
            if transition:
                self._transitions[uuid] = state

    def changed(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ the runtime's handle

    def busy(self) -> bool:
        with self._lock:
            pollers = list(self._pollers.values()) + list(self._stopping)
        return any(poller.busy() for poller in pollers)

    def settle(self, timeout: float) -> bool:
        """Wait until no batch is in flight and no poller has records to pick up (at most ``timeout`` s).

        A message that keeps failing (and has no dead-letter queue), or a shard blocked by a failing
        batch, keeps this waiting until the timeout: then it returns False.
        """
        deadline = time.monotonic() + timeout
        while self.busy():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                self._changed.wait(min(remaining, SETTLE_RECHECK_SECONDS))
        return True

    def reset(self) -> None:
        """Stop every poller now (batches in flight are abandoned) and forget every mapping."""
        with self._lock:
            uuids = list(self._pollers)
        for uuid in uuids:
            self._stop(uuid, abandon=True)
        with self._lock:
            for poller in self._stopping:
                poller.stop(abandon=True)
            self._states.clear()
            self._transitions.clear()
            self._results.clear()
            self._positions.clear()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        moto_hooks.deactivate(self)
        self.reset()
