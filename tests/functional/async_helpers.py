"""Helpers for tests of asynchronous invokes: queues to catch records, START lines, async metrics."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime, timedelta

FAILING = "def handler(event, context):\n    raise ValueError('broken: ' + str(event.get('n')))\n"
ECHO = "def handler(event, context):\n    return {'got': event}\n"
EXITING = "import sys\ndef handler(event, context):\n    sys.exit(3)\n"


@contextlib.contextmanager
def time_scale(sb, scale: float):
    """Run the sandbox's AWS waits ``scale`` times faster for the block (put back afterwards)."""
    previous = sb.time_scale
    sb.time_scale = scale
    try:
        yield
    finally:
        sb.time_scale = previous


def queue(sb, name: str) -> tuple[str, str]:
    """A new SQS queue: (URL, ARN)."""
    sqs = sb.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def messages(sb, url: str) -> list[dict]:
    """Every message in a queue (after settle(): nothing is on its way), with its attributes."""
    sqs = sb.client("sqs")
    found = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            return found
        found += batch


def records(sb, url: str) -> list[dict]:
    """The JSON bodies of every message in a queue."""
    return [json.loads(message["Body"]) for message in messages(sb, url)]


def starts(sb, function_name: str) -> list[tuple[int, str]]:
    """(timestamp ms, request id) of every START line of a function, in time order."""
    logs = sb.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
    except logs.exceptions.ResourceNotFoundException:  # the function never ran
        return []
    found = [(e["timestamp"], e["message"].split()[2]) for e in events if e["message"].startswith("START ")]
    return sorted(found)


def metric(sb, name: str, dimensions: dict, stat: str = "Sum") -> float:
    """The ``stat`` of an AWS/Lambda metric over the last minutes (0 when there is no data point)."""
    now = datetime.now(UTC)
    points = sb.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=name,
        Statistics=[stat],
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=10),
        Period=1200,
    )["Datapoints"]
    return (
        sum(point[stat] for point in points)
        if stat in ("Sum", "SampleCount")
        else (points[0][stat] if points else 0)
    )


def wait_for(condition, timeout: float, interval: float = 0.01):
    """The first truthy value of ``condition()``, checked every ``interval`` s; AssertionError after
    ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
