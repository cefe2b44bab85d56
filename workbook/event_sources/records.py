"""The records an event source mapping hands to a function, and the failure records it sends on.

Shapes and key order are those Lambda uses:

* SQS: ``messageId``, ``receiptHandle``, ``body``, ``attributes`` (``ApproximateReceiveCount`` …, FIFO
  adds ``SequenceNumber``, ``MessageGroupId``, ``MessageDeduplicationId``), ``messageAttributes`` in
  lower-camel keys, ``md5OfMessageAttributes`` (only with message attributes), ``md5OfBody``,
  ``eventSource``, ``eventSourceARN``, ``awsRegion``.
* Kinesis: ``kinesis`` (``data`` base64, ``approximateArrivalTimestamp`` in seconds), ``eventID`` =
  ``<shard id>:<sequence number>``, ``invokeIdentityArn`` = the execution role.
* DynamoDB Streams: ``eventName`` INSERT / MODIFY / REMOVE, ``dynamodb`` with ``Keys`` and the images
  the stream's ``StreamViewType`` carries.
* The on-failure record of a stream mapping: ``requestContext``, ``responseContext``, ``version``,
  ``timestamp`` and ``KinesisBatchInfo`` / ``DDBStreamBatchInfo`` — without the records themselves.

Example::

    kinesis_record(shard_id="shardId-000000000000", sequence_number="1", partition_key="p",
                   data_b64="aGk=", arrival=1700000000.123, role_arn=ROLE_ARN,
                   stream_arn=STREAM_ARN, region="us-east-1")["eventID"]   # 'shardId-000000000000:1'
"""

from __future__ import annotations

import base64
import datetime as dt

RECORD_VERSION = "1.0"


# ---------------------------------------------------------------- SQS


def sqs_record(
    *,
    message_id: str,
    receipt_handle: str,
    body: str,
    attributes: dict,
    message_attributes: dict,
    md5_of_body: str,
    md5_of_message_attributes: str | None,
    queue_arn: str,
    region: str,
) -> dict:
    """One SQS message as Lambda delivers it. ``message_attributes`` as SQS's API returns them."""
    record = {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": sqs_message_attributes(message_attributes),
    }
    if message_attributes:
        record["md5OfMessageAttributes"] = md5_of_message_attributes
    record.update(
        {"md5OfBody": md5_of_body, "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region}
    )
    return record


def sqs_system_attributes(
    *,
    receive_count: int,
    sent_timestamp: int,
    sender_id: str,
    first_receive_timestamp: int,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    sequence_number: str | None = None,
    trace_header: str | None = None,
) -> dict:
    """The ``attributes`` of an SQS record, every value a string as AWS sends them."""
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent_timestamp),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(first_receive_timestamp),
    }
    if trace_header:
        attributes["AWSTraceHeader"] = trace_header
    if group_id is not None:
        attributes["SequenceNumber"] = sequence_number or ""
        attributes["MessageGroupId"] = group_id
        attributes["MessageDeduplicationId"] = deduplication_id or ""
    return attributes


def sqs_message_attributes(attributes: dict) -> dict:
    """SQS message attributes in Lambda's lower-camel form (``stringValue``, ``dataType`` …)."""
    converted = {}
    for name, attribute in (attributes or {}).items():
        entry: dict = {}
        if attribute.get("StringValue") is not None:
            entry["stringValue"] = attribute["StringValue"]
        if attribute.get("BinaryValue") is not None:
            value = attribute["BinaryValue"]
            entry["binaryValue"] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
        entry["stringListValues"] = list(attribute.get("StringListValues") or [])
        entry["binaryListValues"] = list(attribute.get("BinaryListValues") or [])
        entry["dataType"] = attribute.get("DataType")
        converted[name] = entry
    return converted


# ---------------------------------------------------------------- streams


def kinesis_record(
    *,
    shard_id: str,
    sequence_number: str,
    partition_key: str,
    data_b64: str,
    arrival: float,
    role_arn: str,
    stream_arn: str,
    region: str,
) -> dict:
    """One Kinesis record as Lambda delivers it (``data`` stays base64)."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": data_b64,
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": RECORD_VERSION,
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


_DYNAMODB_ORDER = (
    "ApproximateCreationDateTime",
    "Keys",
    "NewImage",
    "OldImage",
    "SequenceNumber",
    "SizeBytes",
    "StreamViewType",
)


def dynamodb_record(
    *,
    event_id: str,
    event_name: str,
    created: float,
    change: dict,
    region: str,
    stream_arn: str,
) -> dict:
    """One DynamoDB stream record as Lambda delivers it. ``change`` holds ``Keys``, the images the
    stream view type carries, ``SequenceNumber``, ``SizeBytes`` and ``StreamViewType``."""
    dynamodb = {"ApproximateCreationDateTime": int(created)}
    dynamodb.update({key: change[key] for key in _DYNAMODB_ORDER[1:] if key in change})
    return {
        "eventID": event_id,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def stream_failure_record(
    *,
    source: str,
    request_id: str | None,
    function_arn: str,
    condition: str,
    invoke_count: int,
    response: dict | None,
    shard_id: str,
    first: tuple[str, float],
    last: tuple[str, float],
    batch_size: int,
    stream_arn: str,
    now: float,
) -> dict:
    """What a stream mapping sends to its on-failure destination for a batch it gives up on.

    ``source`` is ``"kinesis"`` or ``"dynamodb"``; ``first`` and ``last`` are the (sequence number,
    arrival time) of the batch's first and last records; ``response`` is the last invocation's
    ``responseContext`` (None when the batch was never invoked, e.g. its records were too old).
    """
    record: dict = {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        }
    }
    if response is not None:
        record["responseContext"] = response
    record["version"] = RECORD_VERSION
    record["timestamp"] = iso_millis(now)
    info_key = "KinesisBatchInfo" if source == "kinesis" else "DDBStreamBatchInfo"
    record[info_key] = {
        "shardId": shard_id,
        "startSequenceNumber": first[0],
        "endSequenceNumber": last[0],
        "approximateArrivalOfFirstRecord": iso_millis(first[1]),
        "approximateArrivalOfLastRecord": iso_millis(last[1]),
        "batchSize": batch_size,
        "streamArn": stream_arn,
    }
    return record


def iso_millis(epoch_seconds: float) -> str:
    """``2019-11-14T18:16:05.568Z``: the timestamp format of Lambda's invocation records."""
    moment = dt.datetime.fromtimestamp(epoch_seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
