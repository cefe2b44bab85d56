"""SQS event source mappings: a poller per mapping, with Lambda's batching, failure, redrive, FIFO rules."""

import json
import threading

import pytest

from .esm_helpers import (
    bodies,
    drain,
    events,
    queue,
    queue_messages,
    recorder,
    send,
    time_scale,
    wait_for,
    wait_for_state,
)
from .lambda_helpers import create_function, create_role, log_messages


def _map(sb, arn, function="recorder", **kwargs):
    return sb.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function, **kwargs
    )


def test_create_answers_creating_then_becomes_enabled(sb):
    """Does CreateEventSourceMapping answer 202 with State Creating and AWS's defaults, then show Enabled?"""
    recorder(sb)
    _, arn = queue(sb, "orders")
    created = _map(sb, arn)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["State"] == "Creating"
    assert created["StateTransitionReason"] == "USER_INITIATED"
    assert created["BatchSize"] == 10 and created["MaximumBatchingWindowInSeconds"] == 0
    assert created["FunctionResponseTypes"] == []
    assert "StartingPosition" not in created
    wait_for_state(sb, created["UUID"], "Enabled")


def test_batches_hold_up_to_batch_size_and_are_deleted_on_success(sb):
    """Are 25 waiting messages delivered in batches of at most 10, each message once, and deleted?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    send(sb, url, *[f"m{i}" for i in range(25)])
    _map(sb, arn, BatchSize=10)
    assert sb.settle(30)
    batches = bodies(sb)
    assert sorted(len(b) for b in batches) == [5, 10, 10]
    assert sorted(body for batch in batches for body in batch) == sorted(f"m{i}" for i in range(25))
    assert queue_messages(sb, url) == 0


def test_full_batch_is_invoked_without_waiting_for_the_window(sb):
    """With a 300 s window, are messages sent one by one gathered and invoked once BatchSize is reached?"""
    recorder(sb)
    url, arn = queue(sb, "orders", VisibilityTimeout=400)
    _map(sb, arn, BatchSize=3, MaximumBatchingWindowInSeconds=300)
    send(sb, url, "a", "b", "c")
    assert sb.settle(30)
    assert [sorted(batch) for batch in bodies(sb)] == [["a", "b", "c"]]


def test_batching_window_follows_the_time_scale(sb):
    """Does a partial batch wait for the batching window, at the time scale, and then go?"""
    recorder(sb)
    url, arn = queue(sb, "orders", VisibilityTimeout=60)
    with time_scale(sb, 1000):  # the 300 s window lasts 0.3 s: settle() could not wait for 300 s
        _map(sb, arn, BatchSize=50, MaximumBatchingWindowInSeconds=300)
        send(sb, url, "a", "b")
        assert sb.settle(30)
    assert sorted(body for batch in bodies(sb) for body in batch) == ["a", "b"]


def test_function_error_returns_the_batch_after_the_visibility_timeout(sb):
    """After a function error, does the message come back (visibility timeout) with a higher receive count?"""
    create_function(
        sb,
        "flaky",
        """
import json
def handler(event, context):
    record = event["Records"][0]
    print("RECEIVE " + record["messageId"] + " " + record["attributes"]["ApproximateReceiveCount"])
    if record["attributes"]["ApproximateReceiveCount"] == "1":
        raise RuntimeError("first attempt fails")
""",
        Timeout=1,
    )
    url, arn = queue(sb, "orders", VisibilityTimeout=3)
    with time_scale(sb, 10):
        _map(sb, arn, function="flaky", BatchSize=1)
        send(sb, url, "once")
        assert sb.settle(30)
    receives = [m.split()[1:] for m in log_messages(sb, "flaky") if m.startswith("RECEIVE ")]
    assert [count for _, count in sorted(receives, key=lambda r: r[1])] == ["1", "2"]
    assert receives[0][0] == receives[1][0]  # the same message
    assert queue_messages(sb, url) == 0


def test_redrive_policy_moves_a_poison_message_to_the_dead_letter_queue(sb):
    """With maxReceiveCount 2, is a message that always fails tried twice and then moved to the DLQ?"""
    recorder(sb, Timeout=1)
    dlq_url, dlq_arn = queue(sb, "orders-dlq")
    url, arn = queue(
        sb,
        "orders",
        VisibilityTimeout=2,
        RedrivePolicy={"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2},
    )
    with time_scale(sb, 10):
        _map(sb, arn, BatchSize=1)
        send(sb, url, "please fail")
        assert sb.settle(30)
    assert [
        record["attributes"]["ApproximateReceiveCount"] for event in events(sb) for record in event["Records"]
    ] == ["1", "2"]
    assert [m["Body"] for m in drain(sb, dlq_url)] == ["please fail"]
    assert queue_messages(sb, url) == 0


def test_report_batch_item_failures_returns_only_listed_messages(sb):
    """With ReportBatchItemFailures, does only the listed message come back, the others being deleted?"""
    recorder(sb, Timeout=1)
    dlq_url, dlq_arn = queue(sb, "orders-dlq")
    url, arn = queue(
        sb,
        "orders",
        VisibilityTimeout=2,
        RedrivePolicy={"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1},
    )
    send(sb, url, "ok-1", "bad-2", "ok-3")
    with time_scale(sb, 10):
        _map(sb, arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
        assert sb.settle(30)
    assert [sorted(batch) for batch in bodies(sb)] == [["bad-2", "ok-1", "ok-3"]]
    assert [m["Body"] for m in drain(sb, dlq_url)] == ["bad-2"]


def test_invalid_batch_response_fails_the_whole_batch(sb):
    """Does an itemIdentifier under a wrong key (an invalid response) send every message of the batch back?"""
    recorder(sb, Timeout=1)
    dlq_url, dlq_arn = queue(sb, "orders-dlq")
    url, arn = queue(
        sb,
        "orders",
        VisibilityTimeout=2,
        RedrivePolicy={"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1},
    )
    send(sb, url, "ok", 'answer:{"batchItemFailures": [{"foo": "x"}]}')
    with time_scale(sb, 10):
        _map(sb, arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
        assert sb.settle(30)
    assert sorted(m["Body"] for m in drain(sb, dlq_url)) == [
        'answer:{"batchItemFailures": [{"foo": "x"}]}',
        "ok",
    ]


def test_batch_item_failures_are_ignored_without_the_response_type(sb):
    """Without FunctionResponseTypes, is a batchItemFailures answer ignored and the whole batch deleted?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    send(sb, url, "bad-1", "ok-2")
    _map(sb, arn)
    assert sb.settle(30)
    assert queue_messages(sb, url) == 0


def test_filter_criteria_deletes_messages_that_do_not_match(sb):
    """Do only messages matching the filter reach the function, the others being deleted from the queue?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    send(sb, url, '{"kind": "order", "n": 1}', '{"kind": "refund"}', "plain text")
    _map(sb, arn, FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    assert sb.settle(30)
    assert bodies(sb) == [['{"kind": "order", "n": 1}']]
    assert queue_messages(sb, url) == 0


FIFO_HANDLER = """
import json, time
def handler(event, context):
    start = time.time_ns()
    time.sleep(0.05)  # long enough for two batches of one group to overlap, were they allowed to
    records = [[r["attributes"]["MessageGroupId"], r["body"], sorted(r["attributes"])]
               for r in event["Records"]]
    print("BATCH " + json.dumps({"start": start, "end": time.time_ns(), "records": records}))
"""


def test_fifo_groups_are_delivered_in_order_one_batch_at_a_time(sb):
    """On a FIFO queue, does each message group arrive in order, its batches never overlapping?"""
    create_function(sb, "fifo", FIFO_HANDLER)
    url, arn = queue(sb, "orders.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    sqs = sb.client("sqs")
    for i in range(6):
        for group in ("a", "b"):
            sqs.send_message(QueueUrl=url, MessageBody=f"{group}{i}", MessageGroupId=group)
    _map(sb, arn, function="fifo", BatchSize=2)
    assert sb.settle(30)
    logged = [json.loads(m[len("BATCH ") :]) for m in log_messages(sb, "fifo") if m.startswith("BATCH ")]
    batches = sorted(logged, key=lambda batch: batch["start"])
    for group in ("a", "b"):
        mine = [batch for batch in batches if any(r[0] == group for r in batch["records"])]
        delivered = [r[1] for batch in mine for r in batch["records"] if r[0] == group]
        assert delivered == [f"{group}{i}" for i in range(6)]
        assert all(before["end"] <= after["start"] for before, after in zip(mine, mine[1:], strict=False))
    assert {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} <= set(batches[0]["records"][0][2])


FIFO_STOP_AT_FIRST_FAILURE = """
import json
def handler(event, context):
    print("BATCH " + json.dumps([r["body"] for r in event["Records"]]))
    for index, record in enumerate(event["Records"]):
        if "bad" in record["body"] and record["attributes"]["ApproximateReceiveCount"] == "1":
            # AWS's advice for FIFO queues: report the failed message and every one after it
            failed = event["Records"][index:]
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}
"""


def test_fifo_partial_failure_keeps_the_group_in_order(sb):
    """On a FIFO queue, are a reported failure and the messages after it retried, in order?"""
    create_function(sb, "fifo", FIFO_STOP_AT_FIRST_FAILURE, Timeout=1)
    url, arn = queue(
        sb, "orders.fifo", FifoQueue="true", ContentBasedDeduplication="true", VisibilityTimeout=2
    )
    for body in ("g0", "bad-g1", "g2"):
        sb.client("sqs").send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    with time_scale(sb, 10):
        _map(sb, arn, function="fifo", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
        assert sb.settle(30)
    batches = [json.loads(m[len("BATCH ") :]) for m in log_messages(sb, "fifo") if m.startswith("BATCH ")]
    assert batches == [["g0", "bad-g1", "g2"], ["bad-g1", "g2"]]
    assert queue_messages(sb, url) == 0


def test_maximum_concurrency_caps_batches_in_flight(sb):
    """With ScalingConfig.MaximumConcurrency 2, do at most two environments process the queue?"""
    create_function(
        sb,
        "slow",
        """
import time
def handler(event, context):
    time.sleep(0.2)
""",
    )
    url, arn = queue(sb, "orders")
    send(sb, url, *[f"m{i}" for i in range(6)])
    _map(sb, arn, function="slow", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    assert sb.settle(30)
    streams = sb.client("logs").describe_log_streams(logGroupName="/aws/lambda/slow")["logStreams"]
    assert 1 <= len(streams) <= 2
    assert queue_messages(sb, url) == 0


def test_disabled_mapping_does_not_poll_until_enabled_again(sb):
    """Does Enabled=False answer Disabling, become Disabled and leave messages alone; Enabled=True resume?"""
    recorder(sb)
    lam = sb.client("lambda")
    url, arn = queue(sb, "orders")
    uuid = _map(sb, arn)["UUID"]
    wait_for_state(sb, uuid, "Enabled")
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    wait_for_state(sb, uuid, "Disabled")
    send(sb, url, "waiting")
    assert sb.settle(30)
    assert bodies(sb) == [] and queue_messages(sb, url) == 1
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    wait_for_state(sb, uuid, "Enabled")
    assert sb.settle(30)
    assert bodies(sb) == [["waiting"]]


def test_created_disabled_mapping_answers_disabled(sb):
    """Is a mapping created with Enabled=False Disabled from the start, and idle?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    created = _map(sb, arn, Enabled=False)
    assert created["State"] == "Disabled"
    send(sb, url, "waiting")
    assert sb.settle(30)
    assert queue_messages(sb, url) == 1


def test_update_answers_updating_and_applies_the_new_settings(sb):
    """Does an update answer Updating, and do later batches use the new BatchSize?"""
    recorder(sb)
    lam = sb.client("lambda")
    url, arn = queue(sb, "orders")
    uuid = _map(sb, arn, BatchSize=1)["UUID"]
    wait_for_state(sb, uuid, "Enabled")
    updated = lam.update_event_source_mapping(UUID=uuid, BatchSize=5, MaximumBatchingWindowInSeconds=300)
    assert updated["State"] == "Updating" and updated["BatchSize"] == 5
    wait_for_state(sb, uuid, "Enabled")
    send(sb, url, *[f"m{i}" for i in range(5)])
    assert sb.settle(30)
    assert [len(batch) for batch in bodies(sb)] == [5]


def test_deleting_a_mapping_stops_its_poller(sb):
    """Does DeleteEventSourceMapping answer Deleting, and are later messages left in the queue?"""
    recorder(sb)
    lam = sb.client("lambda")
    url, arn = queue(sb, "orders")
    uuid = _map(sb, arn)["UUID"]
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_event_source_mapping(UUID=uuid)
    send(sb, url, "after")
    assert sb.settle(30)
    assert queue_messages(sb, url) == 1 and bodies(sb) == []


WHO_RUNS = """
def handler(event, context):
    print("RAN " + context.invoked_function_arn + " " + context.function_version)
"""


def test_mapping_on_an_alias_invokes_the_alias(sb):
    """Does a mapping on `name:alias` show the alias ARN and invoke the version the alias points to?"""
    lam = sb.client("lambda")
    create_function(sb, "who", WHO_RUNS)
    version = lam.publish_version(FunctionName="who")["Version"]
    lam.create_alias(FunctionName="who", Name="live", FunctionVersion=version)
    url, arn = queue(sb, "orders")
    created = _map(sb, arn, function="who:live")
    assert created["FunctionArn"].endswith(":function:who:live")
    send(sb, url, "x")
    assert sb.settle(30)
    ran = [m.split()[1:] for m in log_messages(sb, "who") if m.startswith("RAN ")]
    assert ran == [[created["FunctionArn"], version]]


def test_update_function_name_moves_the_mapping(sb):
    """After UpdateEventSourceMapping(FunctionName=…), do new messages go to the new function?"""
    lam = sb.client("lambda")
    recorder(sb, "first")
    recorder(sb, "second")
    url, arn = queue(sb, "orders")
    uuid = _map(sb, arn, function="first")["UUID"]
    send(sb, url, "one")
    assert sb.settle(30)
    updated = lam.update_event_source_mapping(UUID=uuid, FunctionName="second")
    assert updated["FunctionArn"].endswith(":function:second")
    send(sb, url, "two")
    assert sb.settle(30)
    assert (bodies(sb, "first"), bodies(sb, "second")) == ([["one"]], [["two"]])


def test_reserved_concurrency_zero_stops_polling(sb):
    """With reserved concurrency 0, are messages left in the queue, without keeping settle() waiting?"""
    recorder(sb)
    sb.client("lambda").put_function_concurrency(FunctionName="recorder", ReservedConcurrentExecutions=0)
    url, arn = queue(sb, "orders")
    _map(sb, arn)
    send(sb, url, "waiting")
    assert sb.settle(30)
    assert queue_messages(sb, url) == 1 and bodies(sb) == []


def test_settle_gives_up_on_a_message_that_keeps_failing(sb):
    """With a message failing forever and no DLQ, does settle() return False at its timeout, not hang?"""
    recorder(sb, Timeout=1)
    url, arn = queue(sb, "orders", VisibilityTimeout=1)
    uuid = _map(sb, arn, BatchSize=1)["UUID"]
    with time_scale(sb, 10):
        send(sb, url, "always fail")
        wait_for(lambda: events(sb))
        assert sb.settle(timeout=0.5) is False
        sb.client("lambda").delete_event_source_mapping(UUID=uuid)
        assert sb.settle(30)


def test_record_shape_matches_lambda(sb):
    """Is the SQS record Lambda's: attributes, lower-camel message attributes and SQS's own MD5s?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    sent = sb.client("sqs").send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={
            "Author": {"DataType": "String", "StringValue": "John"},
            "WeeksOn": {"DataType": "Number", "StringValue": "6"},
        },
    )
    _map(sb, arn)
    assert sb.settle(30)
    (record,) = events(sb)[0]["Records"]
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfMessageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["messageId"] == sent["MessageId"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["messageAttributes"]["WeeksOn"] == {
        "stringValue": "6",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Number",
    }
    assert list(record["attributes"]) == [
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    ]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        arn,
        sb.region,
    )


def test_mapping_invokes_appear_in_logs_and_metrics(sb):
    """Are batches invoked like any other invoke: START/END/REPORT in the log group, Invocations counted?"""
    recorder(sb)
    url, arn = queue(sb, "orders")
    send(sb, url, "a")
    _map(sb, arn)
    assert sb.settle(30)
    messages = log_messages(sb, "recorder")
    assert any(m.startswith("START RequestId:") for m in messages)
    assert any(m.startswith("REPORT RequestId:") for m in messages)
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    stats = sb.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": "recorder"}],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=5),
        Period=600,
        Statistics=["Sum"],
    )
    assert sum(point["Sum"] for point in stats["Datapoints"]) == 1


def test_reset_stops_every_poller(sb):
    """After sb.reset(), are the mapping's poller threads gone?"""
    recorder(sb)
    _, arn = queue(sb, "orders")
    uuid = _map(sb, arn)["UUID"]
    wait_for_state(sb, uuid, "Enabled")
    sb.reset()
    wait_for(lambda: not [t for t in threading.enumerate() if t.name.startswith(f"esm-{uuid[:8]}")])


# ---------------------------------------------------------------- create-time validation


def _error(sb, **kwargs):
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ClientError) as caught:
        lam.create_event_source_mapping(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_batch_size_over_10_needs_a_batching_window(sb):
    """Is BatchSize > 10 without a window refused with AWS's message?"""
    recorder(sb)
    _, arn = queue(sb, "orders")
    assert _error(sb, EventSourceArn=arn, FunctionName="recorder", BatchSize=11) == (
        "InvalidParameterValueException",
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
    )


def test_queue_visibility_timeout_must_cover_the_function_timeout(sb):
    """Is a queue whose visibility timeout is shorter than the function timeout refused, as AWS words it?"""
    recorder(sb, Timeout=60)
    _, arn = queue(sb, "orders", VisibilityTimeout=30)
    assert _error(sb, EventSourceArn=arn, FunctionName="recorder") == (
        "InvalidParameterValueException",
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds",
    )


def test_execution_role_must_read_the_queue(sb):
    """Is a role without sqs:ReceiveMessage (or DeleteMessage) refused with AWS's message?"""
    _, arn = queue(sb, "orders")
    role = create_role(
        sb,
        "reader",
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
                    "Resource": arn,
                }
            ],
        },
    )
    recorder(sb, Role=role)
    assert _error(sb, EventSourceArn=arn, FunctionName="recorder") == (
        "InvalidParameterValueException",
        "The function execution role does not have permissions to call DeleteMessage on SQS",
    )
    sb.client("iam").put_role_policy(
        RoleName="reader",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                        "Resource": arn,
                    }
                ],
            }
        ),
    )
    assert _map(sb, arn)["State"] == "Creating"


def test_other_create_errors(sb):
    """Are a missing queue, a StartingPosition, a duplicate mapping and a bad filter refused as AWS does?"""
    recorder(sb)
    _, arn = queue(sb, "orders")
    code, message = _error(sb, EventSourceArn=arn.replace("orders", "nope"), FunctionName="recorder")
    assert message.startswith(
        "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue."
    )
    assert (
        _error(sb, EventSourceArn=arn, FunctionName="recorder", StartingPosition="LATEST")[1]
        == "StartingPosition is not valid for SQS event sources."
    )
    assert _error(
        sb,
        EventSourceArn=arn,
        FunctionName="recorder",
        FilterCriteria={"Filters": [{"Pattern": "{not json"}]},
    ) == ("InvalidParameterValueException", "Invalid filter pattern definition.")
    uuid = _map(sb, arn)["UUID"]
    code, message = _error(sb, EventSourceArn=arn, FunctionName="recorder")
    assert code == "ResourceConflictException" and message.endswith(f"existing mapping with UUID {uuid}")
    with pytest.raises(sb.client("lambda").exceptions.ResourceConflictException) as conflict:
        _map(sb, arn)
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
