"""Helpers for event source mapping tests: queues, streams, a recording handler, waiting on conditions."""

from __future__ import annotations

import contextlib
import json
import time

from .lambda_helpers import create_function, log_messages

# A handler that logs each event as one line ("EVENT {...}"), then fails when told to by the records:
# a body/data containing "fail" raises; "partial:<ids>" returns those itemIdentifiers as failures.
RECORDER = """
import base64, json, time

def _text(record):
    if "body" in record:
        return record["body"]
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode()
    return json.dumps(record.get("dynamodb", {}))

def handler(event, context):
    print("EVENT " + json.dumps({"t": time.time_ns(), **event}))
    texts = [_text(r) for r in event["Records"]]
    if any("fail" in t for t in texts):
        raise RuntimeError("asked to fail")
    for t in texts:
        if t.startswith("answer:"):
            return json.loads(t[len("answer:"):])
    return {"batchItemFailures": [{"itemIdentifier": r.get("messageId") or r["kinesis"]["sequenceNumber"]}
                                  for r, t in zip(event["Records"], texts) if "bad" in t]}
"""


def recorder(sb, name: str = "recorder", **kwargs) -> str:
    create_function(sb, name, RECORDER, **kwargs)
    return name


def events(sb, name: str = "recorder") -> list[dict]:
    """Every event the recorder received, in the order the invocations started (``t``: when, in ns)."""
    found = [json.loads(m[len("EVENT ") :]) for m in _messages(sb, name) if m.startswith("EVENT ")]
    return sorted(found, key=lambda event: event["t"])


def _messages(sb, name: str) -> list[str]:
    try:
        return log_messages(sb, name)
    except sb.client("logs").exceptions.ResourceNotFoundException:
        return []


def bodies(sb, name: str = "recorder") -> list[list[str]]:
    """The bodies of each SQS batch the recorder received."""
    return [[record["body"] for record in event["Records"]] for event in events(sb, name)]


def queue(sb, name: str, **attributes) -> tuple[str, str]:
    """(url, arn) of a new queue; attribute values may be given as ints or dicts."""
    sqs = sb.client("sqs")
    attrs = {
        key: json.dumps(value) if isinstance(value, dict) else str(value) for key, value in attributes.items()
    }
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def send(sb, url: str, *bodies_: str, **kwargs) -> None:
    sqs = sb.client("sqs")
    for body in bodies_:
        sqs.send_message(QueueUrl=url, MessageBody=body, **kwargs)


def queue_messages(sb, url: str) -> int:
    """Messages in the queue, visible or not."""
    attributes = sb.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def drain(sb, url: str) -> list[dict]:
    """Every message of a queue (received, so they become invisible)."""
    sqs = sb.client("sqs")
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not got:
            return found
        found += got


def wait_for(condition, timeout: float = 20.0, interval: float = 0.02):
    """Poll ``condition()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def wait_for_state(sb, uuid: str, state: str, timeout: float = 10.0) -> dict:
    lam = sb.client("lambda")
    return wait_for(lambda: (m := lam.get_event_source_mapping(UUID=uuid))["State"] == state and m, timeout)


@contextlib.contextmanager
def time_scale(sb, scale: float):
    """Run the mapping pollers' clock ``scale`` times faster (visibility timeouts, record age, windows)."""
    manager = next(s for s in sb._runtime.services if type(s).__name__ == "MappingManager")
    manager.time_scale = scale
    try:
        yield
    finally:
        manager.time_scale = None


def stream(sb, name: str, shards: int = 1) -> str:
    kinesis = sb.client("kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def put(sb, stream_name: str, *datas: str, key: str = "p") -> list[str]:
    kinesis = sb.client("kinesis")
    return [
        kinesis.put_record(StreamName=stream_name, Data=d.encode(), PartitionKey=key)["SequenceNumber"]
        for d in datas
    ]


def table(sb, name: str, view: str = "NEW_AND_OLD_IMAGES") -> str:
    dynamodb = sb.client("dynamodb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
