"""Event source mapping records, partial batch responses and create-time validation, without a sandbox."""

import pytest

from workbook.event_sources import batch_response, records, validation
from workbook.event_sources.stream_destinations import s3_failure_key

QUEUE_ARN = "arn:aws:sqs:us-east-2:123456789012:my-queue"


def test_sqs_record_keys_in_aws_order():
    """Is an SQS record shaped as Lambda's, key by key, with attributes as strings?"""
    attributes = records.sqs_system_attributes(
        receive_count=1,
        sent_timestamp=1545082649183,
        sender_id="AIDAIENQZJOLO23YVJ4VO",
        first_receive_timestamp=1545082649185,
    )
    record = records.sqs_record(
        message_id="059f36b4",
        receipt_handle="AQEB",
        body="Test message.",
        attributes=attributes,
        message_attributes={},
        md5_of_body="e4e68fb7bd0e697a0ae8f1bb342846b3",
        md5_of_message_attributes=None,
        queue_arn=QUEUE_ARN,
        region="us-east-2",
    )
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    }
    assert record["eventSource"] == "aws:sqs"


def test_sqs_record_with_message_attributes_and_fifo():
    """Are message attributes lower-camel with md5OfMessageAttributes, and do FIFO attributes appear?"""
    attributes = records.sqs_system_attributes(
        receive_count=2,
        sent_timestamp=1,
        sender_id="S",
        first_receive_timestamp=2,
        group_id="g",
        deduplication_id="d",
        sequence_number="18849496460467696128",
    )
    assert attributes["MessageGroupId"] == "g" and attributes["SequenceNumber"] == "18849496460467696128"
    record = records.sqs_record(
        message_id="m",
        receipt_handle="r",
        body="b",
        attributes=attributes,
        message_attributes={
            "Author": {"DataType": "String", "StringValue": "John"},
            "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
        md5_of_body="x",
        md5_of_message_attributes="y",
        queue_arn=QUEUE_ARN,
        region="us-east-2",
    )
    assert list(record)[4:6] == ["messageAttributes", "md5OfMessageAttributes"]
    assert record["messageAttributes"]["Author"] == {
        "stringValue": "John",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["Blob"]["binaryValue"] == "AAE="


def test_kinesis_record_shape():
    """Is a Kinesis record Lambda's (data base64, eventID = shard:sequence, role as invokeIdentityArn)?"""
    record = records.kinesis_record(
        shard_id="shardId-000000000006",
        sequence_number="4959",
        partition_key="1",
        data_b64="aGVsbG8=",
        arrival=1545084650.9871,
        role_arn="arn:aws:iam::123456789012:role/lambda-role",
        stream_arn="arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
        region="us-east-2",
    )
    assert record["kinesis"] == {
        "kinesisSchemaVersion": "1.0",
        "partitionKey": "1",
        "sequenceNumber": "4959",
        "data": "aGVsbG8=",
        "approximateArrivalTimestamp": 1545084650.987,
    }
    assert record["eventID"] == "shardId-000000000006:4959"
    assert record["eventName"] == "aws:kinesis:record" and record["eventVersion"] == "1.0"
    assert record["invokeIdentityArn"].endswith(":role/lambda-role")


def test_dynamodb_record_shape():
    """Is a DynamoDB record Lambda's (eventVersion 1.1, creation time in seconds, keys in AWS order)?"""
    record = records.dynamodb_record(
        event_id="e1",
        event_name="MODIFY",
        created=1773480475.6,
        change={
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "SequenceNumber": "111",
            "SizeBytes": 26,
            "Keys": {"Id": {"N": "101"}},
            "NewImage": {"Id": {"N": "101"}},
            "OldImage": {"Id": {"N": "101"}},
        },
        region="us-east-1",
        stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026",
    )
    assert list(record) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert record["eventVersion"] == "1.1"
    assert list(record["dynamodb"]) == [
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "OldImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    ]
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1773480475


def test_stream_failure_record_shape():
    """Does the on-failure record hold requestContext, responseContext, version, timestamp, batch info?"""
    record = records.stream_failure_record(
        source="kinesis",
        request_id="req",
        function_arn="arn:fn",
        condition="RetryAttemptsExhausted",
        invoke_count=3,
        response={"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        shard_id="shardId-000000000001",
        first=("5", 1573691884.835),
        last=("7", 1573691885.58),
        batch_size=3,
        stream_arn="arn:stream",
        now=1573691886.021,
    )
    assert list(record) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]
    assert record["timestamp"] == "2019-11-14T00:38:06.021Z"
    assert record["KinesisBatchInfo"] == {
        "shardId": "shardId-000000000001",
        "startSequenceNumber": "5",
        "endSequenceNumber": "7",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:38:04.835Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:38:05.580Z",
        "batchSize": 3,
        "streamArn": "arn:stream",
    }
    never_invoked = records.stream_failure_record(
        source="dynamodb",
        request_id=None,
        function_arn="arn:fn",
        condition="RecordAgeExceeded",
        invoke_count=0,
        response=None,
        shard_id="s",
        first=("1", 0.0),
        last=("1", 0.0),
        batch_size=1,
        stream_arn="arn:s",
        now=0.0,
    )
    assert "responseContext" not in never_invoked and "DDBStreamBatchInfo" in never_invoked


def test_s3_failure_key_follows_aws_naming():
    """Is the S3 object key aws/lambda/<UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>?"""
    import datetime as dt

    key = s3_failure_key("u-1", "shardId-0", dt.datetime(2026, 3, 1, 12, 30, 5, tzinfo=dt.UTC))
    assert key.startswith("aws/lambda/u-1/shardId-0/2026/03/01/2026-03-01T12.30.05-")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"null", []),
        (b"", []),
        (b"{}", []),
        (b'{"batchItemFailures": []}', []),
        (b'{"batchItemFailures": null}', []),
        (b'{"batchItemFailures": [{"itemIdentifier": "m2"}]}', ["m2"]),
        (b'{"batchItemFailures": [{"foo": "m2"}]}', None),
        (b'{"batchItemFailures": [{"itemIdentifier": ""}]}', None),
        (b'{"batchItemFailures": [{"itemIdentifier": null}]}', None),
        (b'{"batchItemFailures": [{"itemIdentifier": "nope"}]}', None),
        (b'{"batchItemFailures": "m2"}', None),
        (b'"done"', None),
        (b"not json", None),
    ],
)
def test_partial_batch_responses(payload, expected):
    """Is each ReportBatchItemFailures answer read as AWS reads it (None: the whole batch failed)?"""
    assert batch_response.failed_items(payload, {"m1", "m2"}) == expected


def test_validation_messages_are_aws_messages():
    """Do the create-time checks answer with AWS's own messages?"""
    with pytest.raises(
        validation.Rejected,
        match="^Maximum batch window in seconds must be greater than 0 if "
        "maximum batch size is greater than 10$",
    ):
        validation.check_parameters("sqs", {"BatchSize": 11})
    validation.check_parameters("sqs", {"BatchSize": 11, "MaximumBatchingWindowInSeconds": 1})
    with pytest.raises(validation.Rejected, match="^StartingPosition is not valid for SQS event sources.$"):
        validation.check_parameters("sqs", {"StartingPosition": "LATEST"})
    with pytest.raises(validation.Rejected, match="Value null at 'startingPosition'"):
        validation.check_parameters("kinesis", {})
    with pytest.raises(validation.Rejected, match="^Unsupported starting position for arn type: arn:t$"):
        validation.check_parameters(
            "dynamodb", {"StartingPosition": "AT_TIMESTAMP", "EventSourceArn": "arn:t"}
        )
    with pytest.raises(
        validation.Rejected,
        match=r"^Queue visibility timeout: 30 seconds is less than Function "
        r"timeout: 60 seconds$",
    ):
        validation.check_visibility_timeout(30, 60)
    with pytest.raises(
        validation.Rejected,
        match="^The function execution role does not have permissions to call DeleteMessage on SQS$",
    ):
        validation.check_role("sqs", QUEUE_ARN, lambda action, resource: action == "sqs:ReceiveMessage")
    with pytest.raises(
        validation.Rejected,
        match=r"Please ensure the role can perform the GetRecords, "
        r"GetShardIterator, DescribeStream, and ListStreams Actions",
    ):
        validation.check_role("dynamodb", "arn:s", lambda action, resource: False)


def test_unsupported_stream_features_are_refused_clearly():
    """Are ParallelizationFactor > 1 and tumbling windows refused with a message saying what to do?"""
    base = {"StartingPosition": "LATEST"}
    with pytest.raises(validation.Rejected, match="leave ParallelizationFactor at 1"):
        validation.check_parameters("kinesis", {**base, "ParallelizationFactor": 2})
    with pytest.raises(validation.Rejected, match="tumbling windows"):
        validation.check_parameters("dynamodb", {**base, "TumblingWindowInSeconds": 60})
    validation.check_parameters("kinesis", {**base, "ParallelizationFactor": 1})
