"""S3 event notifications to Lambda: permission-checked, asynchronous, in S3's event format."""

from __future__ import annotations

import json

import pytest

from .async_helpers import queue, records, starts, time_scale
from .lambda_helpers import create_function, log_messages

RECORDER = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"
SOURCE_ARN = "arn:aws:s3:::photos"


@pytest.fixture
def fast(sb):
    with time_scale(sb, 6000):
        yield sb


def received(sb, name: str) -> list[dict]:
    return [json.loads(m[len("EVENT ") :]) for m in log_messages(sb, name) if m.startswith("EVENT ")]


def allow_s3(sb, function: str, bucket: str = "photos") -> None:
    sb.client("lambda").add_permission(
        FunctionName=function,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount="123456789012",
    )


def notify(sb, function_arn: str, bucket: str = "photos", **rules) -> None:
    configuration = {"Id": "uploads", "LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}
    if rules:
        configuration["Filter"] = {
            "Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in rules.items()]}
        }
    sb.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [configuration]}
    )


def test_the_configuration_is_refused_until_s3_may_invoke_the_function(fast):
    """Is PutBucketNotificationConfiguration refused with InvalidArgument until AddPermission lets S3 in?"""
    arn = create_function(fast, "thumbs", RECORDER)["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    with pytest.raises(s3.exceptions.ClientError) as raised:
        notify(fast, arn)
    assert raised.value.response["Error"]["Code"] == "InvalidArgument"
    assert (
        raised.value.response["Error"]["Message"]
        == "Unable to validate the following destination configurations"
    )
    allow_s3(fast, "thumbs")
    notify(fast, arn)
    configured = s3.get_bucket_notification_configuration(Bucket="photos")["LambdaFunctionConfigurations"]
    assert configured[0]["LambdaFunctionArn"] == arn


def test_a_permission_for_another_bucket_does_not_count(fast):
    """Does a statement whose SourceArn names another bucket leave the configuration refused?"""
    arn = create_function(fast, "thumbs", RECORDER)["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    allow_s3(fast, "thumbs", bucket="other")
    with pytest.raises(s3.exceptions.ClientError):
        notify(fast, arn)


def test_an_upload_sends_s3s_event_asynchronously(fast):
    """Does PutObject return before the handler runs, and does the handler get S3's record with the key
    URL-encoded and eventName ObjectCreated:Put?"""
    slow = RECORDER.replace(
        "def handler(event, context):\n", "def handler(event, context):\n    time.sleep(1)\n"
    )
    arn = create_function(fast, "thumbs", "import time\n" + slow)["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    allow_s3(fast, "thumbs")
    notify(fast, arn)
    s3.put_object(Bucket="photos", Key="cats/tom & jerry.jpg", Body=b"meow")
    assert starts(fast, "thumbs") == []  # the handler sleeps 1 s: PutObject did not wait for it
    assert fast.settle(timeout=20)
    [event] = received(fast, "thumbs")
    [record] = event["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventVersion"] == "2.1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1"
    assert record["s3"]["configurationId"] == "uploads"
    assert record["s3"]["bucket"]["name"] == "photos"
    assert record["s3"]["bucket"]["arn"] == SOURCE_ARN
    assert record["s3"]["object"]["key"] == "cats/tom+%26+jerry.jpg"
    assert record["s3"]["object"]["size"] == 4
    assert set(record) >= {"eventTime", "userIdentity", "requestParameters", "responseElements"}


def test_prefix_and_suffix_filters_choose_the_objects(fast):
    """Do only keys with the prefix and suffix trigger the function?"""
    arn = create_function(fast, "thumbs", RECORDER)["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    allow_s3(fast, "thumbs")
    notify(fast, arn, prefix="in/", suffix=".jpg")
    for key in ("in/a.jpg", "in/b.png", "out/c.jpg"):
        s3.put_object(Bucket="photos", Key=key, Body=b"x")
    assert fast.settle(timeout=20)
    assert [e["Records"][0]["s3"]["object"]["key"] for e in received(fast, "thumbs")] == ["in/a.jpg"]


def test_a_failing_handler_is_retried_and_dead_lettered(fast):
    """Is an S3 event retried like an Event invoke, and then sent to the DLQ?"""
    url, dlq = queue(fast, "dlq")
    failing = "def handler(event, context):\n    raise RuntimeError('no thumbnails today')\n"
    arn = create_function(fast, "thumbs", failing, DeadLetterConfig={"TargetArn": dlq})["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    allow_s3(fast, "thumbs")
    notify(fast, arn)
    s3.put_object(Bucket="photos", Key="a.jpg", Body=b"x")
    assert fast.settle(timeout=20)
    assert len(starts(fast, "thumbs")) == 3
    [event] = records(fast, url)
    assert event["Records"][0]["s3"]["object"]["key"] == "a.jpg"


LOOPER = """
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    s3.put_object(Bucket="photos", Key=key + "x", Body=b"again")
"""


def test_a_function_writing_to_its_own_bucket_is_stopped_after_16_hops(fast):
    """Does recursive loop detection stop a function that writes back to its trigger bucket, and send the
    event to the failure destination?"""
    url, failures = queue(fast, "failures")
    arn = create_function(fast, "looper", LOOPER, Timeout=10)["FunctionArn"]
    fast.client("lambda").put_function_event_invoke_config(
        FunctionName="looper", DestinationConfig={"OnFailure": {"Destination": failures}}
    )
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    allow_s3(fast, "looper")
    notify(fast, arn)
    s3.put_object(Bucket="photos", Key="k", Body=b"start")
    assert fast.settle(timeout=60)
    assert len(starts(fast, "looper")) == 16
    [record] = records(fast, url)
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "k" + "x" * 16


def test_skip_destination_validation_stores_the_configuration_anyway(fast):
    """With SkipDestinationValidation, is the configuration stored (and events still need the permission)?"""
    arn = create_function(fast, "thumbs", RECORDER)["FunctionArn"]
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_notification_configuration(
        Bucket="photos",
        SkipDestinationValidation=True,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    s3.put_object(Bucket="photos", Key="a.jpg", Body=b"x")
    assert fast.settle(timeout=20)
    assert starts(fast, "thumbs") == []
