"""Where finished asynchronous events go: dead-letter queues and destinations, sent as the execution role.

* **Dead-letter queue** (the function's ``DeadLetterConfig``, an SQS queue or SNS topic): a failed
  event, as it was sent, with the message attributes ``RequestID``, ``ErrorCode`` (the HTTP status of
  the last attempt, e.g. ``200`` for a function error) and ``ErrorMessage`` (its first 1 KB).
* **Destinations** (``DestinationConfig`` of the event invoke config): an *invocation record*
  (:func:`invocation_record`) to an SQS queue or SNS topic (the message body), a Lambda function
  (invoked asynchronously with the record as its event), an EventBridge bus (the record is the
  event's ``detail``; ``source`` is ``lambda``) or, on failure only, an S3 bucket (one object per record).

Lambda sends as the function's execution role: the role needs ``sqs:SendMessage``, ``sns:Publish``,
``lambda:InvokeFunction``, ``events:PutEvents`` or ``s3:PutObject`` on the target. Anything that keeps a
delivery from happening (no permission, the target is gone, a FIFO queue or topic) loses the message:
the caller counts it in ``DeadLetterErrors`` or ``DestinationDeliveryFailures``.

Deliveries go straight into moto's backends (no HTTP), after checking the role's policies as the
loopback server would check a request signed with its credentials.

Example::

    record = invocation_record(request_id, function_arn, "RetriesExhausted", 3, event, outcome)
    deliver_record(destination_arn, record, role_arn, function_arn, success=False, submit=queue.submit_record)
"""

from __future__ import annotations

import json
import logging
import uuid

from . import clock
from . import iam as role_iam

log = logging.getLogger(__name__)

ERROR_MESSAGE_BYTES = 1024
SUCCESS_DETAIL_TYPE = "Lambda Function Invocation Result - Success"
FAILURE_DETAIL_TYPE = "Lambda Function Invocation Result - Failure"


class Undeliverable(Exception):
    """A dead-letter message or record could not be delivered (the reason is the message)."""


# ---------------------------------------------------------------- the execution role's permissions


def role_allows(account_id: str, region: str, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role's identity policies (within its permissions boundary) allow ``action`` on
    ``resource``.

    Conditions in the role's policies are taken as holding: Lambda's own delivery has no request context
    a learner's condition could test.

    Example::

        role_allows("123456789012", "us-east-1", role_arn, "sqs:SendMessage", queue_arn)   # -> True
    """
    from moto.utilities.utils import get_partition

    from workbook.iam import policy as policy_engine

    class _Session:  # the part of moto's access-key interface role_policies reads
        partition = get_partition(region)
        _owner_role_name = (role_arn or "").rsplit("/", 1)[-1]

    _Session.account_id = account_id
    policies, boundary = role_iam.role_policies(_Session())
    return policy_engine.evaluate(policies, action, resource, None, boundary).effect == "allow"


def _require(role_arn: str, region: str, action: str, resource: str) -> None:
    if not role_allows(role_account(role_arn), region, role_arn, action, resource):
        raise Undeliverable(f"{role_arn} is not allowed {action} on {resource}")


# ---------------------------------------------------------------- dead-letter queues


def dead_letter_attributes(request_id: str, status_code: int, error_message: str) -> dict:
    """``RequestID``, ``ErrorCode`` and ``ErrorMessage`` as SQS message attributes."""
    message = error_message.encode("utf-8")[:ERROR_MESSAGE_BYTES].decode("utf-8", errors="ignore")
    return {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": str(status_code)},
        "ErrorMessage": {"DataType": "String", "StringValue": message},
    }


def send_dead_letter(target_arn: str, role_arn: str, payload: bytes, request_id: str, status_code: int,
                     error_message: str) -> None:
    """Send a failed event to the function's dead-letter queue or topic; raises :class:`Undeliverable`."""
    service, region, account_id, name = _parse(target_arn)
    attributes = dead_letter_attributes(request_id, status_code, error_message)
    body = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if service == "sqs":
        _require(role_arn, region, "sqs:SendMessage", target_arn)
        _send_sqs(account_id, region, name, body, attributes)
    elif service == "sns":
        _require(role_arn, region, "sns:Publish", target_arn)
        sns_attributes = {key: {"Type": value["DataType"], "Value": value["StringValue"]}
                          for key, value in attributes.items()}
        _publish_sns(account_id, region, target_arn, body, sns_attributes)
    else:
        raise Undeliverable(f"{target_arn} is neither an SQS queue nor an SNS topic")


# ---------------------------------------------------------------- destinations


def invocation_record(request_id: str, function_arn: str, condition: str, invoke_count: int, payload: bytes,
                      outcome=None) -> dict:
    """The record a destination receives, as AWS writes it.

    ``outcome`` (the last attempt's :class:`~.environment.Outcome`) is None when the function never ran
    (``ZeroReservedConcurrency``, or an event that grew too old while throttled): the record then has no
    ``responseContext`` and ``responsePayload``.
    """
    record = {
        "version": "1.0",
        "timestamp": clock.iso_millis(),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json_or_text(payload),
    }
    if outcome is not None:
        context = {"statusCode": 200, "executedVersion": outcome.version}
        if outcome.function_error:
            context["functionError"] = "Unhandled"
        record["responseContext"] = context
        record["responsePayload"] = _json_or_text(outcome.payload)
    return record


def deliver_record(destination_arn: str, record: dict, role_arn: str, function_arn: str, success: bool,
                   submit_lambda) -> None:
    """Send ``record`` to a destination as the execution role; raises :class:`Undeliverable`.

    ``submit_lambda(function, payload, invoked_arn, qualifier)`` queues the invoke of a Lambda destination.
    """
    service, region, account_id, name = _parse(destination_arn)
    region = region or function_arn.split(":")[3]
    account_id = account_id or role_account(role_arn)
    body = json.dumps(record)
    if service == "sqs":
        _require(role_arn, region, "sqs:SendMessage", destination_arn)
        _send_sqs(account_id, region, name, body, None)
    elif service == "sns":
        _require(role_arn, region, "sns:Publish", destination_arn)
        _publish_sns(account_id, region, destination_arn, body, None)
    elif service == "lambda":
        _require(role_arn, region, "lambda:InvokeFunction", destination_arn)
        _invoke_lambda(account_id, region, destination_arn, body, submit_lambda)
    elif service == "events":
        _require(role_arn, region, "events:PutEvents", destination_arn)
        _put_event(account_id, region, destination_arn, record, function_arn, success)
    elif service == "s3" and not success:
        key = s3_record_key(function_arn)
        bucket = destination_arn.split(":::", 1)[-1]
        _require(role_arn, region, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
        _put_object(account_id, bucket, key, body.encode())
    else:
        raise Undeliverable(f"{destination_arn} is not a destination Lambda can deliver to")


def s3_record_key(function_arn: str) -> str:
    """``aws/lambda/async/<function name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`` (sandbox time)."""
    name = function_arn.split(":function:", 1)[-1].split(":", 1)[0]
    now = clock.utcnow()
    return f"aws/lambda/async/{name}/{now:%Y/%m/%d}/{now:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"


# ---------------------------------------------------------------- moto backends


def _parse(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource name) of an ARN."""
    parts = (arn or "").split(":")
    if len(parts) < 6:
        raise Undeliverable(f"{arn!r} is not an ARN")
    return parts[2], parts[3], parts[4], ":".join(parts[5:])


def role_account(role_arn: str) -> str:
    parts = (role_arn or "").split(":")
    return parts[4] if len(parts) > 4 else ""


def _send_sqs(account_id: str, region: str, name: str, body: str, attributes: dict | None) -> None:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account_id][region]
    queue = backend.queues.get(name)
    if queue is None:
        raise Undeliverable(f"queue {name} does not exist")
    if queue.fifo_queue:
        raise Undeliverable(f"queue {name} is a FIFO queue, which Lambda does not deliver to")
    try:
        backend.send_message(name, body, message_attributes=attributes)
    except Exception as exc:  # too large, …
        raise Undeliverable(str(exc)) from None


def _publish_sns(account_id: str, region: str, topic_arn: str, body: str, attributes: dict | None) -> None:
    from moto.sns.models import sns_backends

    backend = sns_backends[account_id][region]
    topic = backend.topics.get(topic_arn)
    if topic is None:
        raise Undeliverable(f"topic {topic_arn} does not exist")
    if topic.fifo_topic:
        raise Undeliverable(f"topic {topic_arn} is a FIFO topic, which Lambda does not deliver to")
    try:
        backend.publish(body, arn=topic_arn, message_attributes=attributes)
    except Exception as exc:
        raise Undeliverable(str(exc)) from None


def _invoke_lambda(account_id: str, region: str, arn: str, body: str, submit_lambda) -> None:
    from moto.awslambda.utils import get_backend

    from .invoke import function_arn, resolve, split_function_name

    name, qualifier = split_function_name(arn, None)
    try:
        fn = resolve(get_backend(account_id, region), account_id, region, name, qualifier)
    except Exception:
        raise Undeliverable(f"function {arn} does not exist") from None
    submit_lambda(fn, body.encode(), function_arn(region, account_id, name, qualifier), qualifier)


def _put_event(account_id: str, region: str, bus_arn: str, record: dict, function_arn: str,
               success: bool) -> None:
    from moto.events.models import events_backends

    backend = events_backends[account_id][region]
    bus_name = bus_arn.split("/", 1)[-1]
    try:
        backend.describe_event_bus(bus_name)
        entries = backend.put_events([{
            "Source": "lambda",
            "DetailType": SUCCESS_DETAIL_TYPE if success else FAILURE_DETAIL_TYPE,
            "Detail": json.dumps(record),
            "Resources": [bus_arn, function_arn],
            "EventBusName": bus_arn,
        }])
    except Exception as exc:
        raise Undeliverable(str(exc)) from None
    if entries and entries[0].get("ErrorCode"):
        raise Undeliverable(entries[0].get("ErrorMessage") or entries[0]["ErrorCode"])


def _put_object(account_id: str, bucket: str, key: str, body: bytes) -> None:
    from moto.s3.models import s3_backends

    backend = s3_backends[account_id]["aws"]
    try:
        backend.put_object(bucket, key, body)
    except Exception as exc:
        raise Undeliverable(str(exc)) from None


def _json_or_text(payload):
    if payload is None:
        return None
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, (bytes, bytearray)) else payload
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
