"""On-failure destinations of stream mappings (Kinesis, DynamoDB Streams): where a batch goes when
Lambda gives up on it.

The record (:func:`.records.stream_failure_record`) describes the batch — shard, first and last
sequence numbers, arrival times, size — without the records themselves. It is sent as the execution
role, as Lambda does, so the role needs ``sqs:SendMessage``, ``sns:Publish`` or ``s3:PutObject``:

* SQS queue — the record is the message body;
* SNS topic — the record is the ``Message``;
* S3 bucket — one object per failed batch, ``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/
  YYYY-MM-DDTHH.MM.SS-<random UUID>``, holding the record plus ``payload`` (the batch's records).

A delivery that fails (no permission, destination gone) is dropped, as on AWS.
This is not the destination of asynchronous invokes (see :mod:`workbook.lambda_runtime`).

Example::

    send_stream_failure(runtime, "arn:aws:sqs:us-east-1:123456789012:failures", role_arn, function_name,
                        record, payload_records, mapping_uuid, shard_id)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import boto3

from workbook.lambda_runtime import iam

log = logging.getLogger(__name__)


def send_stream_failure(
    runtime,
    destination_arn: str,
    role_arn: str,
    function_name: str,
    record: dict,
    payload_records: list[dict],
    mapping_uuid: str,
    shard_id: str,
) -> bool:
    """Deliver one on-failure record; True when the destination accepted it."""
    parts = destination_arn.split(":")
    service = parts[2] if len(parts) > 2 else ""
    region = parts[3] or runtime.region
    account_id = parts[4] if len(parts) > 4 and parts[4] else _account_of(role_arn)
    try:
        credentials = iam.execution_role_credentials(account_id, region, role_arn, function_name)
        session = boto3.session.Session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=credentials["AWS_SESSION_TOKEN"],
            region_name=region,
        )
        client = session.client(service, endpoint_url=runtime.endpoint_url)
        if service == "sqs":
            # the URL is built from the ARN, as Lambda does: the role needs sqs:SendMessage only
            base = runtime.endpoint_url or f"https://sqs.{region}.amazonaws.com"
            queue_url = f"{base.rstrip('/')}/{account_id}/{parts[5]}"
            client.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
        elif service == "sns":
            client.publish(TopicArn=destination_arn, Message=json.dumps(record))
        elif service == "s3":
            client.put_object(
                Bucket=parts[-1],
                Key=s3_failure_key(mapping_uuid, shard_id),
                Body=json.dumps({**record, "payload": {"Records": payload_records}}).encode(),
            )
        else:
            return False
    except Exception as exc:  # the record is lost, as on AWS when delivery fails
        log.info("on-failure destination %s not reached: %s", destination_arn, exc)
        return False
    return True


def s3_failure_key(mapping_uuid: str, shard_id: str, now: dt.datetime | None = None) -> str:
    """``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>``."""
    now = now or dt.datetime.now(dt.UTC)
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{now:%Y/%m/%d}/{now:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"


def _account_of(role_arn: str) -> str:
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 4 else ""
