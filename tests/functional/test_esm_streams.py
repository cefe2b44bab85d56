"""Kinesis and DynamoDB Streams event source mappings: positions, order per shard, retries, bisect,
partial batch responses, on-failure destinations and record shapes."""

import base64
import datetime as dt
import json
import time

import pytest

from .esm_helpers import (
    drain,
    events,
    put,
    queue,
    recorder,
    stream,
    table,
    time_scale,
    wait_for,
    wait_for_state,
)
from .lambda_helpers import create_role


def _map(sb, arn, function="recorder", **kwargs):
    kwargs.setdefault("StartingPosition", "TRIM_HORIZON")
    return sb.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function, **kwargs
    )


def _datas(event) -> list[str]:
    return [base64.b64decode(record["kinesis"]["data"]).decode() for record in event["Records"]]


def _batches(sb, function="recorder") -> list[list[str]]:
    return [_datas(event) for event in events(sb, function)]


def test_create_answers_creating_with_aws_defaults(sb):
    """Does a stream mapping answer 202, State Creating and AWS's stream defaults, then show Enabled?"""
    recorder(sb)
    arn = stream(sb, "clicks")
    created = _map(sb, arn, StartingPosition="LATEST")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (created["State"], created["StateTransitionReason"]) == ("Creating", "User action")
    assert created["BatchSize"] == 100 and created["ParallelizationFactor"] == 1
    assert (created["MaximumRetryAttempts"], created["MaximumRecordAgeInSeconds"]) == (-1, -1)
    assert created["BisectBatchOnFunctionError"] is False and created["TumblingWindowInSeconds"] == 0
    assert created["DestinationConfig"] == {"OnFailure": {}}
    assert created["LastProcessingResult"] == "No records processed"
    enabled = wait_for_state(sb, created["UUID"], "Enabled")
    assert enabled["StartingPosition"] == "LATEST"


def test_starting_positions(sb):
    """Does TRIM_HORIZON start at the oldest record, LATEST after creation, AT_TIMESTAMP at a time?"""
    for name in ("oldest", "latest", "from-time"):
        recorder(sb, name)
    arn = stream(sb, "clicks")
    put(sb, "clicks", "old-1", "old-2")
    # The timestamp falls clearly between the two groups of records (boto3 sends it to the millisecond).
    after_old = time.time()
    wait_for(lambda: time.time() > after_old + 0.005)
    moment = dt.datetime.now(dt.UTC)
    wait_for(lambda: time.time() > moment.timestamp() + 0.005)
    put(sb, "clicks", "mid")
    _map(sb, arn, "oldest", StartingPosition="TRIM_HORIZON")
    _map(sb, arn, "latest", StartingPosition="LATEST")
    _map(sb, arn, "from-time", StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=moment)
    put(sb, "clicks", "new-1", "new-2")
    assert sb.settle(30)
    seen = {
        name: [d for batch in _batches(sb, name) for d in batch] for name in ("oldest", "latest", "from-time")
    }
    assert seen == {
        "oldest": ["old-1", "old-2", "mid", "new-1", "new-2"],
        "latest": ["new-1", "new-2"],
        "from-time": ["mid", "new-1", "new-2"],
    }


def test_records_arrive_in_order_per_shard_in_batches(sb):
    """With two shards and BatchSize 3, is every record delivered once, in sequence order within its shard?"""
    recorder(sb)
    arn = stream(sb, "clicks", shards=2)
    for i in range(12):
        put(sb, "clicks", f"r{i}", key=f"key-{i}")
    _map(sb, arn, BatchSize=3)
    assert sb.settle(30)
    per_shard: dict[str, list[int]] = {}
    for event in events(sb):
        assert 1 <= len(event["Records"]) <= 3
        for record in event["Records"]:
            shard, sequence = record["eventID"].split(":")
            per_shard.setdefault(shard, []).append(int(sequence))
    assert sum(len(s) for s in per_shard.values()) == 12
    for sequences in per_shard.values():
        assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_put_records_are_delivered_like_put_record(sb):
    """Do records written with PutRecords (a batch) reach the function in order?"""
    recorder(sb)
    arn = stream(sb, "clicks")
    _map(sb, arn, StartingPosition="LATEST")
    sb.client("kinesis").put_records(
        StreamName="clicks", Records=[{"Data": f"r{i}".encode(), "PartitionKey": "p"} for i in range(3)]
    )
    assert sb.settle(30)
    assert [d for batch in _batches(sb) for d in batch] == ["r0", "r1", "r2"]


def test_kinesis_record_shape(sb):
    """Is the Kinesis record Lambda's: data base64, eventID shard:sequence, the role as invokeIdentityArn?"""
    role = create_role(sb)
    recorder(sb, Role=role)
    arn = stream(sb, "clicks")
    (sequence,) = put(sb, "clicks", "hello", key="user-1")
    _map(sb, arn)
    assert sb.settle(30)
    (record,) = events(sb)[0]["Records"]
    assert record["kinesis"]["data"] == base64.b64encode(b"hello").decode()
    assert record["kinesis"]["partitionKey"] == "user-1" and record["kinesis"]["sequenceNumber"] == sequence
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert record["eventID"] == f"shardId-000000000000:{sequence}"
    assert (record["eventSource"], record["eventName"], record["eventVersion"]) == (
        "aws:kinesis",
        "aws:kinesis:record",
        "1.0",
    )
    assert (record["invokeIdentityArn"], record["eventSourceARN"], record["awsRegion"]) == (
        role,
        arn,
        sb.region,
    )


def test_failing_batch_blocks_the_shard_until_retries_run_out(sb):
    """Is a failing batch retried MaximumRetryAttempts times, then sent to the destination before the next?"""
    recorder(sb)
    failures_url, failures_arn = queue(sb, "failures")
    arn = stream(sb, "clicks")
    sequences = put(sb, "clicks", "a", "please fail", "c", "d")
    uuid = _map(
        sb,
        arn,
        BatchSize=3,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )["UUID"]
    assert sb.settle(30)
    assert _batches(sb) == [["a", "please fail", "c"]] * 3 + [["d"]]
    (message,) = drain(sb, failures_url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:recorder")
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    info = record["KinesisBatchInfo"]
    assert (info["shardId"], info["batchSize"], info["streamArn"]) == ("shardId-000000000000", 3, arn)
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (sequences[0], sequences[2])
    assert "Records" not in record and "payload" not in record
    assert sb.client("lambda").get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"


def test_bisect_isolates_the_bad_record(sb):
    """With BisectBatchOnFunctionError, is the failing batch split until the bad record is alone?"""
    recorder(sb)
    failures_url, failures_arn = queue(sb, "failures")
    arn = stream(sb, "clicks")
    sequences = put(sb, "clicks", "a", "please fail", "c", "d")
    _map(
        sb,
        arn,
        BatchSize=4,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )
    assert sb.settle(30)
    assert _batches(sb) == [
        ["a", "please fail", "c", "d"],
        ["a", "please fail"],
        ["a"],
        ["please fail"],
        ["c", "d"],
    ]
    (message,) = drain(sb, failures_url)
    info = json.loads(message["Body"])["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        sequences[1],
        sequences[1],
    )


def test_report_batch_item_failures_checkpoints_at_the_lowest_failure(sb):
    """With ReportBatchItemFailures, are records retried from the lowest reported sequence number on?"""
    recorder(sb)
    failures_url, failures_arn = queue(sb, "failures")
    arn = stream(sb, "clicks")
    sequences = put(sb, "clicks", "a", "bad-b", "c", "bad-d")
    _map(
        sb,
        arn,
        BatchSize=4,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )
    assert sb.settle(30)
    assert _batches(sb) == [["a", "bad-b", "c", "bad-d"], ["bad-b", "c", "bad-d"]]
    record = json.loads(drain(sb, failures_url)[0]["Body"])
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    info = record["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        3,
        sequences[1],
        sequences[3],
    )


def test_records_older_than_the_maximum_age_are_given_up(sb):
    """Is a record that keeps failing dropped to the destination once older than MaximumRecordAgeInSeconds?"""
    recorder(sb)
    failures_url, failures_arn = queue(sb, "failures")
    arn = stream(sb, "clicks")
    put(sb, "clicks", "please fail")
    with time_scale(sb, 1000):  # 60 s of record age pass in 60 ms
        _map(
            sb,
            arn,
            MaximumRecordAgeInSeconds=60,
            DestinationConfig={"OnFailure": {"Destination": failures_arn}},
        )
        assert sb.settle(30)
    record = json.loads(drain(sb, failures_url)[0]["Body"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"


def test_iterator_age_is_published(sb):
    """Does a stream mapping publish IteratorAge for its function?"""
    recorder(sb)
    arn = stream(sb, "clicks")
    put(sb, "clicks", "a")
    _map(sb, arn)
    assert sb.settle(30)
    now = dt.datetime.now(dt.UTC)
    stats = sb.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="IteratorAge",
        Dimensions=[{"Name": "FunctionName", "Value": "recorder"}],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=5),
        Period=600,
        Statistics=["Maximum"],
    )
    assert stats["Datapoints"] and stats["Datapoints"][0]["Maximum"] >= 0


def test_kinesis_filter_on_data(sb):
    """Are records whose JSON data does not match the filter skipped, the shard moving past them?"""
    recorder(sb)
    arn = stream(sb, "readings")
    put(sb, "readings", '{"temperature": 61}', '{"temperature": 12}', "not json", '{"temperature": 70}')
    _map(
        sb,
        arn,
        FilterCriteria={
            "Filters": [{"Pattern": json.dumps({"data": {"temperature": [{"numeric": [">", 50]}]}})}]
        },
    )
    assert sb.settle(30)
    assert [d for batch in _batches(sb) for d in batch] == ['{"temperature": 61}', '{"temperature": 70}']


def test_disabled_stream_mapping_resumes_where_it_stopped(sb):
    """Does a disabled stream mapping stop reading, and continue from its checkpoint when enabled again?"""
    recorder(sb)
    lam = sb.client("lambda")
    arn = stream(sb, "clicks")
    put(sb, "clicks", "one")
    uuid = _map(sb, arn)["UUID"]
    assert sb.settle(30)
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    wait_for_state(sb, uuid, "Disabled")
    put(sb, "clicks", "two")
    assert sb.settle(30)
    assert _batches(sb) == [["one"]]
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_for_state(sb, uuid, "Enabled")
    assert sb.settle(30)
    assert _batches(sb) == [["one"], ["two"]]


# ---------------------------------------------------------------- DynamoDB Streams


def _dynamodb_changes(sb):
    dynamodb = sb.client("dynamodb")
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "A-1"}, "status": {"S": "placed"}})
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "A-1"}, "status": {"S": "shipped"}})
    dynamodb.delete_item(TableName="orders", Key={"id": {"S": "A-1"}})


@pytest.mark.parametrize(
    ("view", "images"),
    [
        ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
        ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
        ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
        ("KEYS_ONLY", [set(), set(), set()]),
    ],
)
def test_dynamodb_records_follow_the_stream_view_type(sb, view, images):
    """Are INSERT, MODIFY and REMOVE delivered in order with the images the StreamViewType carries?"""
    recorder(sb)
    arn = table(sb, "orders", view)
    _map(sb, arn, StartingPosition="LATEST")
    _dynamodb_changes(sb)
    assert sb.settle(30)
    records = [record for event in events(sb) for record in event["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert [set(r["dynamodb"]) & {"NewImage", "OldImage"} for r in records] == images
    first = records[0]
    assert (first["eventSource"], first["eventVersion"], first["eventSourceARN"], first["awsRegion"]) == (
        "aws:dynamodb",
        "1.1",
        arn,
        sb.region,
    )
    assert first["dynamodb"]["Keys"] == {"id": {"S": "A-1"}}
    assert first["dynamodb"]["StreamViewType"] == view
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)


def test_dynamodb_filter_on_event_name(sb):
    """Can a DynamoDB mapping let only INSERT records through?"""
    recorder(sb)
    arn = table(sb, "orders")
    _map(
        sb,
        arn,
        StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
    )
    _dynamodb_changes(sb)
    assert sb.settle(30)
    assert [r["eventName"] for event in events(sb) for r in event["Records"]] == ["INSERT"]


def test_s3_and_sns_on_failure_destinations(sb):
    """Does a DynamoDB mapping send DDBStreamBatchInfo to SNS, and the record plus payload to an S3 object?"""
    recorder(sb)
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="failures")
    topic = sb.client("sns").create_topic(Name="failures")["TopicArn"]
    inbox_url, inbox_arn = queue(sb, "inbox")
    sb.client("sns").subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"}
    )
    arn = table(sb, "orders")
    table(sb, "payments")
    payments = sb.client("dynamodb").describe_table(TableName="payments")["Table"]["LatestStreamArn"]
    recorder(sb, "second")
    to_s3 = _map(
        sb,
        arn,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
    )["UUID"]
    _map(
        sb,
        payments,
        "second",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    sb.client("dynamodb").put_item(TableName="orders", Item={"id": {"S": "please fail"}})
    sb.client("dynamodb").put_item(TableName="payments", Item={"id": {"S": "please fail"}})
    assert sb.settle(30)
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="failures")["Contents"]]
    assert key.startswith(f"aws/lambda/{to_s3}/shardId-")
    stored = json.loads(s3.get_object(Bucket="failures", Key=key)["Body"].read())
    assert stored["DDBStreamBatchInfo"]["batchSize"] == 1
    assert stored["payload"]["Records"][0]["dynamodb"]["Keys"] == {"id": {"S": "please fail"}}
    notification = json.loads(wait_for(lambda: drain(sb, inbox_url))[0]["Body"])
    assert notification["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert notification["DDBStreamBatchInfo"]["streamArn"] == payments


def test_an_sqs_destination_needs_only_send_message(sb):
    """Does an on-failure record reach an SQS queue when the role may only sqs:SendMessage to it, as AWS documents
    (no sqs:GetQueueUrl)?"""
    failures_url, failures_arn = queue(sb, "failures")
    stream_arn = stream(sb, "clicks")
    reads = ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
             "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"]
    role = create_role(sb, "send-only", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": reads, "Resource": stream_arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": failures_arn},
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
    ]})
    recorder(sb, Role=role)
    put(sb, "clicks", "please fail")
    _map(sb, stream_arn, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    assert sb.settle(30)
    (message,) = wait_for(lambda: drain(sb, failures_url))
    assert json.loads(message["Body"])["requestContext"]["condition"] == "RetryAttemptsExhausted"


# ---------------------------------------------------------------- create-time validation


def _error(sb, **kwargs):
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ClientError) as caught:
        lam.create_event_source_mapping(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_stream_create_errors(sb):
    """Are a missing StartingPosition, AT_TIMESTAMP on DynamoDB and a missing stream refused as AWS does?"""
    recorder(sb)
    kinesis_arn = stream(sb, "clicks")
    dynamodb_arn = table(sb, "orders")
    code, message = _error(sb, EventSourceArn=kinesis_arn, FunctionName="recorder")
    assert "Value null at 'startingPosition'" in message
    assert _error(
        sb,
        EventSourceArn=dynamodb_arn,
        FunctionName="recorder",
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=dt.datetime.now(dt.UTC),
    ) == ("InvalidParameterValueException", f"Unsupported starting position for arn type: {dynamodb_arn}")
    missing = kinesis_arn.replace("clicks", "nope")
    assert (
        _error(sb, EventSourceArn=missing, FunctionName="recorder", StartingPosition="LATEST")[1]
        == f"Stream not found: {missing}"
    )


def test_parallelization_and_tumbling_windows_are_refused(sb):
    """Are ParallelizationFactor > 1 and TumblingWindowInSeconds refused with a clear message, not ignored?"""
    recorder(sb)
    arn = stream(sb, "clicks")
    code, message = _error(
        sb, EventSourceArn=arn, FunctionName="recorder", StartingPosition="LATEST", ParallelizationFactor=2
    )
    assert code == "InvalidParameterValueException" and "ParallelizationFactor" in message
    code, message = _error(
        sb, EventSourceArn=arn, FunctionName="recorder", StartingPosition="LATEST", TumblingWindowInSeconds=60
    )
    assert "tumbling windows" in message


def test_execution_role_must_read_the_stream(sb):
    """Is a role that cannot read the stream refused with AWS's 'Cannot access stream' message?"""
    arn = stream(sb, "clicks")
    role = create_role(
        sb,
        "weak",
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator"],
                    "Resource": arn,
                }
            ],
        },
    )
    recorder(sb, Role=role)
    assert _error(sb, EventSourceArn=arn, FunctionName="recorder", StartingPosition="LATEST") == (
        "InvalidParameterValueException",
        f"Cannot access stream {arn}. Please ensure the role can perform the GetRecords, GetShardIterator, "
        "DescribeStream, ListShards, and ListStreams Actions on your stream in IAM.",
    )
