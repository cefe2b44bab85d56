"""S3 event notifications to Lambda: the check at configuration time and the event S3 sends.

``PutBucketNotificationConfiguration`` with ``LambdaFunctionConfigurations`` is refused, as on AWS,
with ``InvalidArgument`` "Unable to validate the following destination configurations" until the
function's resource-based policy lets ``s3.amazonaws.com`` invoke it for this bucket
(``AddPermission`` with ``SourceArn`` = the bucket's ARN, ideally ``SourceAccount`` too); the header
``x-amz-skip-destination-validation: true`` skips the check, as it does on AWS.

Each matching object event (prefix and suffix filters, ``s3:ObjectCreated:*`` …) is then sent to the
function asynchronously in S3's event format (:func:`s3_event`): ``PutObject`` returns at once, and
the event is retried, dead-lettered or sent to a destination like an ``Event`` invoke.

Example::

    lam.add_permission(FunctionName="thumbs", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::photos",
                       SourceAccount="123456789012")
    s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn_arn, "Events": ["s3:ObjectCreated:*"]}]})
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from urllib.parse import quote_plus

from workbook.lambda_runtime import clock

from . import triggers

SERVICE = "s3.amazonaws.com"
UNABLE_TO_VALIDATE = "Unable to validate the following destination configurations"

_sequence_lock = threading.Lock()
_sequence = itertools.count(time.time_ns())


def bucket_arn(bucket_name: str) -> str:
    return f"arn:aws:s3:::{bucket_name}"


def unvalidated(function_arns: list[str], bucket_name: str, bucket_account: str) -> list[str]:
    """The function ARNs S3 may not invoke for this bucket (missing, or no permission)."""
    refused = []
    for arn in function_arns:
        if triggers.target(arn) is None or not triggers.service_may_invoke(
            arn, SERVICE, bucket_arn(bucket_name), bucket_account
        ):
            refused.append(arn)
    return refused


def sequencer() -> str:
    """A value that orders the events of one key (hexadecimal, increasing), as S3's ``sequencer``."""
    with _sequence_lock:
        return f"{next(_sequence):018X}"


def s3_event(event_name: str, bucket, key, configuration_id: str, principal_id: str, region: str,
             source_ip: str = "127.0.0.1") -> dict:
    """The event S3 sends to Lambda for ``event_name`` (``s3:ObjectCreated:Put`` …) on ``key``.

    The object key is URL-encoded as S3 does (spaces become ``+``, slashes stay); ``size`` and ``eTag``
    are left out of ``ObjectRemoved`` events; ``versionId`` is there when the bucket is versioned.
    """
    obj: dict = {"key": quote_plus(key.name, safe="/")}
    if not event_name.startswith("s3:ObjectRemoved"):
        obj["size"] = int(key.size)
        obj["eTag"] = (key.etag or "").replace('"', "")
    version_id = getattr(key, "version_id", None)
    if version_id and str(version_id) != "null":
        obj["versionId"] = str(version_id)
    obj["sequencer"] = sequencer()
    owner = _owner_id(bucket)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": clock.iso_millis(),
                "eventName": event_name[len("s3:"):] if event_name.startswith("s3:") else event_name,
                "userIdentity": {"principalId": principal_id},
                "requestParameters": {"sourceIPAddress": source_ip},
                "responseElements": {
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": uuid.uuid4().hex + uuid.uuid4().hex,
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": owner},
                        "arn": bucket_arn(bucket.name),
                    },
                    "object": obj,
                },
            }
        ]
    }


def _owner_id(bucket) -> str:
    """A canonical-user-like id for the bucket's owner (stable per account)."""
    account = str(getattr(bucket, "account_id", "") or "")
    return "A" + (uuid.uuid5(uuid.NAMESPACE_URL, f"s3-owner:{account}").hex[:13].upper())
