"""Where event source mappings plug into moto: the only module of this package that imports moto internals.

moto keeps the mappings themselves (Create/Get/List/Update/DeleteEventSourceMapping); while a
runtime is active, the mapping manager (:mod:`.mappings`) takes over what happens behind them:

* ``LambdaBackend.create/update/delete_event_source_mapping`` — AWS's validation first, then the
  manager starts, reconfigures or stops the mapping's poller. moto's own delivery (it invokes the
  function inside ``SendMessage``, ``PutRecord`` or ``PutItem``, one record at a time) is switched
  off by taking the mapping out of the queue's, stream's or table's list of listeners.
* ``EventSourceMapping.get_configuration`` — the ``State`` the poller is in, and AWS's defaults.
* ``LambdaResponse.create/update_event_source_mapping`` — 202, with ``State`` ``Creating``/``Enabling``/
  ``Disabling``/``Updating`` as AWS answers.
* ``Queue.add_message``, Kinesis ``Shard.put_record`` and DynamoDB ``StreamShard.add`` — wake the pollers.

The classes :class:`SqsQueue`, :class:`KinesisStream` and :class:`DynamoStream` read sources the way a
poller needs (receive, delete, records after a position) without HTTP round trips.
With no runtime active every patch calls moto's original.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import threading
from typing import Any

from moto.core.exceptions import JsonRESTError

from . import records
from .validation import Rejected

_lock = threading.Lock()
_installed = False
_managers: list = []  # active mapping managers, most recent last

# Pollers wait on this for "something changed in some source" instead of busy-polling.
_changes = threading.Condition()
_generation = 0


# ---------------------------------------------------------------- the active manager


def active():
    return _managers[-1] if _managers else None


def activate(manager) -> None:
    install()
    with _lock:
        _managers.append(manager)


def deactivate(manager) -> None:
    with _lock:
        if manager in _managers:
            _managers.remove(manager)


# ---------------------------------------------------------------- change notification


def generation() -> int:
    """A counter that moves whenever a message, stream record or stream item is added."""
    return _generation


def notify_change() -> None:
    global _generation
    with _changes:
        _generation += 1
        _changes.notify_all()


def wait_for_change(seen: int, timeout: float) -> None:
    """Return when :func:`generation` differs from ``seen``, or after ``timeout`` seconds."""
    if timeout <= 0:
        return
    with _changes:
        _changes.wait_for(lambda: _generation != seen, timeout)


# ---------------------------------------------------------------- API errors


class MappingApiError(JsonRESTError):
    """An error Lambda's event-source-mapping API answers with (``InvalidParameterValueException`` …)."""

    def __init__(self, error_type: str, message: str, status: int = 400):
        self.code = status
        super().__init__(error_type, message)
        self.description = json.dumps({"__type": error_type, "Type": "User", "message": message})


@contextlib.contextmanager
def _as_api_error():
    try:
        yield
    except Rejected as rejected:
        raise MappingApiError(rejected.error_type, str(rejected), rejected.status) from None


# ---------------------------------------------------------------- patches


def install() -> None:
    """Patch moto once (idempotent); every patch calls the original while no manager is active."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    _patch_backend()
    _patch_responses()
    _patch_sources()


def _patch_backend() -> None:
    from moto.awslambda.models import EventSourceMapping, LambdaBackend

    original_create = LambdaBackend.create_event_source_mapping
    original_update = LambdaBackend.update_event_source_mapping
    original_delete = LambdaBackend.delete_event_source_mapping
    original_configuration = EventSourceMapping.get_configuration

    @functools.wraps(original_create)
    def create_event_source_mapping(self, spec):
        manager = active()
        if manager is None:
            return original_create(self, spec)
        with manager.api_lock:
            with _as_api_error():
                manager.check_create(self, dict(spec))
            esm = original_create(self, spec)
            silence_moto_delivery(self, esm)
            manager.created(self, esm)
        return esm

    @functools.wraps(original_update)
    def update_event_source_mapping(self, uuid, spec):
        manager = active()
        esm = self.get_event_source_mapping(uuid)
        if manager is None or esm is None:
            return original_update(self, uuid, spec)
        with manager.api_lock:
            with _as_api_error():
                manager.check_update(self, esm, dict(spec))
            result = original_update(self, uuid, spec)
            manager.updated(self, esm, dict(spec))
        return result

    @functools.wraps(original_delete)
    def delete_event_source_mapping(self, uuid):
        esm = original_delete(self, uuid)
        manager = active()
        if manager is not None and esm is not None:
            manager.deleted(esm.uuid)
        return esm

    @functools.wraps(original_configuration)
    def get_configuration(self):
        configuration = original_configuration(self)
        manager = active()
        if manager is not None:
            manager.describe(self, configuration)
        return configuration

    LambdaBackend.create_event_source_mapping = create_event_source_mapping
    LambdaBackend.update_event_source_mapping = update_event_source_mapping
    LambdaBackend.delete_event_source_mapping = delete_event_source_mapping
    EventSourceMapping.get_configuration = get_configuration


def _patch_responses() -> None:
    from moto.awslambda.responses import LambdaResponse

    original_create = LambdaResponse.create_event_source_mapping
    original_update = LambdaResponse.update_event_source_mapping

    def create_event_source_mapping(self):
        manager = active()
        if manager is None:
            return original_create(self)
        esm = self.backend.create_event_source_mapping(self.json_body)
        configuration = esm.get_configuration()
        configuration["State"] = "Creating" if esm.enabled else "Disabled"
        return 202, {"status": 202}, json.dumps(configuration)

    def update_event_source_mapping(self):
        manager = active()
        if manager is None:
            return original_update(self)
        uuid = self.path.split("/")[-1]
        esm = self.backend.update_event_source_mapping(uuid, self.json_body)
        if esm is None:
            raise MappingApiError(
                "ResourceNotFoundException", "The resource you requested does not exist.", 404
            )
        configuration = esm.get_configuration()
        configuration["State"] = manager.transition_of(esm.uuid) or configuration.get("State")
        return 202, {"status": 202}, json.dumps(configuration)

    LambdaResponse.create_event_source_mapping = create_event_source_mapping
    LambdaResponse.update_event_source_mapping = update_event_source_mapping


def _patch_sources() -> None:
    from moto.dynamodb.models.table import StreamShard
    from moto.kinesis.models import Shard
    from moto.sqs.models import Queue

    original_add_message = Queue.add_message
    original_put_record = Shard.put_record
    original_stream_add = StreamShard.add
    sequence = iter(range(10**19, 10**20))  # FIFO sequence numbers: 20 digits, increasing
    sequence_lock = threading.Lock()

    def add_message(self, message):
        if active() is not None and self.fifo_queue and message.sequence_number is None:
            with sequence_lock:
                message.sequence_number = str(next(sequence))
        original_add_message(self, message)
        notify_change()

    def put_record(self, *args, **kwargs):
        result = original_put_record(self, *args, **kwargs)
        notify_change()
        return result

    def stream_add(self, old, new):
        original_stream_add(self, old, new)
        notify_change()

    Queue.add_message = add_message
    Shard.put_record = put_record
    StreamShard.add = stream_add


def silence_moto_delivery(backend, esm) -> None:
    """Take the mapping out of the lists moto pushes to (the poller delivers instead)."""
    kind = source_kind(esm.event_source_arn)
    holders = []
    if kind in ("sqs", "sqs-fifo"):
        queue = _queue_by_arn(backend.account_id, backend.region_name, esm.event_source_arn)
        holders = [queue] if queue is not None else []
    elif kind == "kinesis":
        stream = _kinesis_stream_by_arn(backend.account_id, backend.region_name, esm.event_source_arn)
        holders = [stream] if stream is not None else []
    elif kind == "dynamodb":
        table = _table_by_stream_arn(backend.account_id, backend.region_name, esm.event_source_arn)
        holders = [table] if table is not None else []
    for holder in holders:
        listeners = holder.lambda_event_source_mappings
        for key in [key for key, value in listeners.items() if value is esm]:
            del listeners[key]


# ---------------------------------------------------------------- mappings and functions


def source_kind(arn: str) -> str:
    """``sqs``, ``sqs-fifo``, ``kinesis``, ``dynamodb`` (or another service name) from a source ARN."""
    parts = (arn or "").split(":")
    service = parts[2].lower() if len(parts) > 2 else ""
    if service == "sqs" and arn.endswith(".fifo"):
        return "sqs-fifo"
    return service


def all_mappings() -> list[tuple[Any, Any]]:
    """Every (backend, mapping) moto knows of, in every account and region."""
    from moto.awslambda.models import lambda_backends

    found = []
    for regions in list(lambda_backends.values()):
        for backend in list(regions.values()):
            for esm in list(backend._event_source_mappings.values()):
                found.append((backend, esm))
    return found


def mapping(account_id: str, region: str, uuid: str):
    """moto's mapping ``uuid``, or None (looked up in both Lambda backends: the one in use may change)."""
    from moto.awslambda.models import lambda_backends
    from moto.awslambda_simple.models import lambda_simple_backends

    for backends in (lambda_backends, lambda_simple_backends):
        if account_id in backends and region in backends[account_id]:
            found = backends[account_id][region].get_event_source_mapping(uuid)
            if found is not None:
                return found
    return None


def function(account_id: str, region: str, name: str, qualifier: str | None):
    """The moto function a mapping invokes now (alias routing applied), or None when it is gone."""
    from moto.awslambda.utils import get_backend

    from workbook.lambda_runtime import errors
    from workbook.lambda_runtime.invoke import resolve

    try:
        return resolve(get_backend(account_id, region), account_id, region, name, qualifier)
    except (errors.ResourceNotFound, JsonRESTError):
        return None


def role_policy_documents(account_id: str, region: str, role_arn: str) -> list[dict]:
    """The inline and attached policies of a role, parsed (empty when the role does not exist)."""
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    from workbook.lambda_runtime import iam

    backend = iam_backends[account_id][get_partition(region)]
    role_name = role_arn.rsplit("/", 1)[-1]

    class _Role:  # what iam.role_policy_documents reads: moto's access-key interface
        @staticmethod
        def collect_policies():
            inline = [
                backend.get_role_policy(role_name, name)[1] for name in backend.list_role_policies(role_name)
            ]
            attached, _ = backend.list_attached_role_policies(role_name)
            return inline + list(attached)

    try:
        backend.get_role_by_arn(role_arn)
    except Exception:
        return []
    return iam.role_policy_documents(_Role())


def put_metric(
    account_id: str, region: str, function_name: str, resource: str | None, name: str, value: float, unit: str
) -> None:
    """One AWS/Lambda data point (e.g. IteratorAge) under the function's dimension sets."""
    from moto.cloudwatch.models import Dimension, MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    from workbook.lambda_runtime import metrics

    now = utcnow()
    data = []
    for dimensions in metrics.dimension_sets(function_name, resource, None)[1:]:
        datum = MetricDatum(metrics.NAMESPACE, name, float(value), [], now, unit)
        datum.dimensions = [Dimension(d["Name"], d["Value"]) for d in dimensions]
        data.append(datum)
    cloudwatch_backends[account_id][region].metric_data.extend(data)


# ---------------------------------------------------------------- SQS


def _queue_by_arn(account_id: str, region: str, arn: str):
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    if len(parts) < 6:
        return None
    return sqs_backends[parts[4] or account_id][parts[3] or region].queues.get(parts[5])


RECORD_OVERHEAD_BYTES = 1024  # what a record adds around a message body (ids, attributes, ARNs)


@dataclasses.dataclass
class Received:
    """One message a poller received: its id, receipt handle, FIFO group and Lambda record."""

    message_id: str
    receipt_handle: str
    group_id: str | None
    record: dict
    size: int


class SqsQueue:
    """A poller's view of one queue (it may be deleted and re-created: it is looked up by ARN each time)."""

    def __init__(self, arn: str):
        self.arn = arn
        parts = arn.split(":")
        self.region, self.account_id, self.name = parts[3], parts[4], parts[5]

    def _queue(self):
        return _queue_by_arn(self.account_id, self.region, self.arn)

    def exists(self) -> bool:
        return self._queue() is not None

    @property
    def visibility_timeout(self) -> int:
        queue = self._queue()
        return int(queue.visibility_timeout) if queue is not None else 30

    @property
    def fifo(self) -> bool:
        queue = self._queue()
        return bool(queue is not None and queue.fifo_queue)

    @property
    def maximum_message_size(self) -> int:
        queue = self._queue()
        return int(getattr(queue, "maximum_message_size", 262144) or 262144)

    def receive(self, count: int, visibility_timeout: int, max_bytes: int) -> tuple[list[Received], bool]:
        """Up to ``count`` visible messages, now invisible for ``visibility_timeout`` seconds (no waiting),
        and whether more were left because their records would pass ``max_bytes`` (one is always taken).

        What moto's ``ReceiveMessage`` does, in one pass over the queue (moto's own takes time
        proportional to the queue's length for every message it returns): each message received counts
        towards ``ApproximateReceiveCount``; a message already received ``maxReceiveCount`` times moves
        to the dead-letter queue instead; on a FIFO queue, groups with a message in flight are skipped;
        messages past the retention period are not delivered.
        """
        from moto.core.utils import unix_time_millis

        queue = self._queue()
        if queue is None:
            return [], False
        now = unix_time_millis()
        retention_ms = int(queue.message_retention_period) * 1000
        redrive = queue.redrive_policy if queue.dead_letter_queue is not None else None
        max_receives = int(redrive["maxReceiveCount"]) if redrive else None
        taken, to_dead_letters, total, too_big = [], [], 0, False
        with queue._messages_lock:
            pending = queue.pending_messages
            busy_groups = {m.group_id for m in pending if m.group_id is not None and not now > m.visible_at}
            for message in list(queue._messages):
                if len(taken) >= count:
                    break
                if not now > message.visible_at or now < message.delayed_until:
                    continue
                pending.discard(message)  # visible again: a consumer gave up on it
                if queue.fifo_queue and message.group_id in busy_groups:
                    continue
                if max_receives is not None and message.approximate_receive_count >= max_receives:
                    to_dead_letters.append(message)
                    continue
                if message.sent_timestamp is not None and message.sent_timestamp + retention_ms <= now:
                    continue
                total += len(message.body) + RECORD_OVERHEAD_BYTES
                if taken and total > max_bytes:
                    too_big = True
                    break
                pending.add(message)
                message.mark_received(visibility_timeout=max(1, int(visibility_timeout)))
                taken.append(self._received(message))
            for message in to_dead_letters:
                queue._messages.remove(message)
        for message in to_dead_letters:
            queue.dead_letter_queue.add_message(message)
        return taken, too_big

    def _received(self, message) -> Received:
        trace = (message.system_attributes or {}).get("AWSTraceHeader")
        attributes = records.sqs_system_attributes(
            receive_count=message.approximate_receive_count,
            sent_timestamp=message.sent_timestamp,
            sender_id=message.sender_id,
            first_receive_timestamp=message.approximate_first_receive_timestamp,
            group_id=message.group_id if self.arn.endswith(".fifo") else None,
            deduplication_id=message.deduplication_id,
            sequence_number=message.sequence_number,
            trace_header=trace.get("StringValue") if isinstance(trace, dict) else trace,
        )
        record = records.sqs_record(
            message_id=message.id,
            receipt_handle=message.receipt_handle,
            body=message.body,
            attributes=attributes,
            message_attributes=message.message_attributes,
            md5_of_body=message.body_md5,
            md5_of_message_attributes=message.attribute_md5 if message.message_attributes else None,
            queue_arn=self.arn,
            region=self.region,
        )
        return Received(message.id, message.receipt_handle, message.group_id, record, len(json.dumps(record)))

    def delete(self, receipt_handles: list[str]) -> None:
        """Delete these messages (one pass over the queue; handles of messages already gone are ignored)."""
        queue = self._queue()
        if queue is None or not receipt_handles:
            return
        handles = set(receipt_handles)
        with queue._messages_lock:
            kept = []
            for message in queue._messages:
                if message.receipt_handle in handles or handles.intersection(message._old_receipt_handles):
                    queue.pending_messages.discard(message)
                    queue.deleted_messages.update(message.all_receipt_handles)
                else:
                    kept.append(message)
            queue._messages = kept

    def hide(self, receipt_handles: list[str], until: float) -> None:
        """Keep these messages invisible until epoch time ``until`` (finer than moto's whole seconds)."""
        queue = self._queue()
        if queue is None:
            return
        wanted = set(receipt_handles)
        for message in list(queue._messages):
            if message.receipt_handle in wanted:
                message.visible_at = until * 1000

    def pending(self, returned_ids: set[str]) -> bool:
        """Whether a poller still has work here: a message visible, delayed, or returned after a failure."""
        from moto.core.utils import unix_time_millis

        queue = self._queue()
        if queue is None:
            return False
        now = unix_time_millis()
        for message in list(queue._messages):
            if now > message.visible_at or now < message.delayed_until or message.id in returned_ids:
                return True
        return False

    def present(self, message_ids: set[str]) -> set[str]:
        """Which of these messages are still in the queue."""
        queue = self._queue()
        if queue is None:
            return set()
        return {message.id for message in list(queue._messages) if message.id in message_ids}

    def next_visible_in(self) -> float | None:
        """Seconds until the next invisible or delayed message can be received (None: there is none)."""
        from moto.core.utils import unix_time_millis

        queue = self._queue()
        if queue is None:
            return None
        now = unix_time_millis()
        times = [
            max(m.visible_at, m.delayed_until)
            for m in list(queue._messages)
            if not now > m.visible_at or now < m.delayed_until
        ]
        return max(0.0, (min(times) - now) / 1000) if times else None


# ---------------------------------------------------------------- streams


@dataclasses.dataclass
class StreamItem:
    """One record of a shard: its sequence number (an int, for ordering), arrival time and Lambda record."""

    sequence: int
    arrival: float
    record: dict

    @property
    def sequence_number(self) -> str:
        return str(self.sequence)


def _kinesis_stream_by_arn(account_id: str, region: str, arn: str):
    from moto.kinesis.models import kinesis_backends

    parts = arn.split(":")
    if len(parts) < 6:
        return None
    backend = kinesis_backends[parts[4] or account_id][parts[3] or region]
    return next((stream for stream in list(backend.streams.values()) if stream.arn == arn), None)


def _table_by_stream_arn(account_id: str, region: str, arn: str):
    from moto.dynamodb.models import dynamodb_backends

    parts = arn.split(":")
    if len(parts) < 6 or "/stream/" not in arn:
        return None
    table_name = parts[5].split("/")[1]
    table = dynamodb_backends[parts[4] or account_id][parts[3] or region].tables.get(table_name)
    if (
        table is None
        or table.stream_shard is None
        or arn != f"{table.table_arn}/stream/{table.latest_stream_label}"
    ):
        return None
    return table


class KinesisStream:
    """A poller's view of a Kinesis stream: its shards and the records after a position."""

    source = "kinesis"

    def __init__(self, arn: str):
        self.arn = arn
        parts = arn.split(":")
        self.region, self.account_id = parts[3], parts[4]

    def _stream(self):
        return _kinesis_stream_by_arn(self.account_id, self.region, self.arn)

    def exists(self) -> bool:
        return self._stream() is not None

    def shard_ids(self) -> list[str]:
        stream = self._stream()
        return sorted(stream.shards) if stream is not None else []

    def latest(self, shard_id: str) -> int:
        shard = self._shard(shard_id)
        return shard.get_max_sequence_number() if shard is not None else 0

    def first_position(self, shard_id: str) -> int:
        return 0

    def position_at(self, shard_id: str, timestamp: float) -> int:
        """The position just before the first record that arrived at or after ``timestamp``."""
        shard = self._shard(shard_id)
        if shard is None:
            return 0
        earlier = [seq for seq, record in list(shard.records.items()) if record.created_at < timestamp]
        return max(earlier) if earlier else 0

    def _shard(self, shard_id: str):
        stream = self._stream()
        return stream.shards.get(shard_id) if stream is not None else None

    def after(self, shard_id: str, position: int, limit: int, role_arn: str = "") -> list[StreamItem]:
        """Up to ``limit`` records after sequence number ``position``, in order (``role_arn``: the
        execution role, which Kinesis records name as ``invokeIdentityArn``)."""
        shard = self._shard(shard_id)
        if shard is None:
            return []
        items = []
        sequence = position + 1
        while len(items) < limit:
            record = shard.records.get(sequence)
            if record is None:
                break
            items.append(
                StreamItem(
                    sequence,
                    record.created_at,
                    records.kinesis_record(
                        shard_id=shard_id,
                        sequence_number=str(sequence),
                        partition_key=record.partition_key,
                        data_b64=record.data,
                        arrival=record.created_at,
                        role_arn=role_arn,
                        stream_arn=self.arn,
                        region=self.region,
                    ),
                )
            )
            sequence += 1
        return items


class DynamoStream:
    """A poller's view of a DynamoDB stream (one shard in moto)."""

    source = "dynamodb"

    def __init__(self, arn: str):
        self.arn = arn
        parts = arn.split(":")
        self.region, self.account_id = parts[3], parts[4]

    def _shard(self, shard_id: str | None = None):
        table = _table_by_stream_arn(self.account_id, self.region, self.arn)
        shard = table.stream_shard if table is not None else None
        return shard if shard is not None and shard_id in (None, shard.id) else None

    def exists(self) -> bool:
        return self._shard() is not None

    def shard_ids(self) -> list[str]:
        shard = self._shard()
        return [shard.id] if shard is not None else []

    def latest(self, shard_id: str) -> int:
        shard = self._shard(shard_id)
        return shard.starting_sequence_number + len(shard.items) - 1 if shard is not None else 0

    def position_at(self, shard_id: str, timestamp: float) -> int:
        raise ValueError("DynamoDB streams have no AT_TIMESTAMP position")

    def after(self, shard_id: str, position: int, limit: int, role_arn: str = "") -> list[StreamItem]:
        shard = self._shard(shard_id)
        if shard is None:
            return []
        start = max(0, position + 1 - shard.starting_sequence_number)
        items = []
        for stream_record in shard.items[start : start + limit]:
            record = stream_record.record
            change = record["dynamodb"]
            created = change["ApproximateCreationDateTime"]
            created = created.timestamp() if hasattr(created, "timestamp") else float(created)
            items.append(
                StreamItem(
                    int(change["SequenceNumber"]),
                    created,
                    records.dynamodb_record(
                        event_id=record["eventID"],
                        event_name=record["eventName"],
                        created=created,
                        change=change,
                        region=self.region,
                        stream_arn=self.arn,
                    ),
                )
            )
        return items

    def first_position(self, shard_id: str) -> int:
        shard = self._shard(shard_id)
        return shard.starting_sequence_number - 1 if shard is not None else 0


def stream_for(arn: str):
    """A :class:`KinesisStream` or :class:`DynamoStream` for a mapping's source ARN."""
    return KinesisStream(arn) if source_kind(arn) == "kinesis" else DynamoStream(arn)


# ---------------------------------------------------------------- what validation needs to know


def queue_facts(arn: str) -> dict | None:
    """``{"visibility_timeout": …, "fifo": …}`` of a queue, or None when it does not exist."""
    queue = _queue_by_arn("", "", arn)
    if queue is None:
        return None
    return {"visibility_timeout": int(queue.visibility_timeout), "fifo": bool(queue.fifo_queue)}


def stream_exists(arn: str) -> bool:
    if source_kind(arn) == "kinesis":
        return _kinesis_stream_by_arn("", "", arn) is not None
    return _table_by_stream_arn("", "", arn) is not None
