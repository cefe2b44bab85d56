"""Where finished asynchronous events go: dead-letter queues and destinations, in AWS's formats."""

from __future__ import annotations

import json
import re

import pytest

from .async_helpers import ECHO, FAILING, messages, metric, queue, records, time_scale
from .lambda_helpers import create_function, create_role, log_messages

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def fast(sb):
    with time_scale(sb, 6000):
        yield sb


def invoke_event(sb, name: str, event: dict) -> str:
    response = sb.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event)
    )
    return response["ResponseMetadata"]["RequestId"]


def role_allowing(sb, name: str, *statements: dict) -> str:
    logs = {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}
    return create_role(sb, name, {"Version": "2012-10-17", "Statement": [logs, *statements]})


def on(sb, function: str, **destinations: str) -> None:
    config = {key: {"Destination": arn} for key, arn in destinations.items()}
    sb.client("lambda").put_function_event_invoke_config(FunctionName=function, DestinationConfig=config)


def test_a_success_record_has_the_result_and_no_error(fast):
    """Does OnSuccess receive AWS's record: request, result, ExecutedVersion, one attempt?"""
    url, arn = queue(fast, "done")
    create_function(fast, "echo", ECHO)
    on(fast, "echo", OnSuccess=arn)
    request_id = invoke_event(fast, "echo", {"order": 42})
    assert fast.settle(timeout=20)
    [record] = records(fast, url)
    assert list(record) == [
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    ]
    assert record["version"] == "1.0"
    assert TIMESTAMP.match(record["timestamp"])
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"order": 42}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"got": {"order": 42}}


def test_a_failure_record_tells_the_retries_and_the_error(fast):
    """After three failed attempts, does OnFailure get RetriesExhausted, approximateInvokeCount 3 and the
    error document?"""
    url, arn = queue(fast, "failed")
    create_function(fast, "broken", FAILING)
    on(fast, "broken", OnFailure=arn)
    request_id = invoke_event(fast, "broken", {"n": 3})
    assert fast.settle(timeout=20)
    [record] = records(fast, url)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "broken: 3"
    assert record["responsePayload"]["requestId"] == request_id


def test_the_dead_letter_queue_gets_the_event_as_sent_with_aws_attributes(fast):
    """Is the DLQ message the original event, with RequestID, ErrorCode (Number, 200) and ErrorMessage?"""
    url, arn = queue(fast, "dlq")
    create_function(fast, "broken", FAILING, DeadLetterConfig={"TargetArn": arn})
    payload = '{"n":   5}'
    request_id = fast.client("lambda").invoke(FunctionName="broken", InvocationType="Event", Payload=payload)[
        "ResponseMetadata"
    ]["RequestId"]
    assert fast.settle(timeout=20)
    [message] = messages(fast, url)
    assert message["Body"] == payload
    assert message["MessageAttributes"] == {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "broken: 5"},
    }


def test_a_dead_letter_topic_gets_the_event_too(fast):
    """Does an SNS topic as DLQ publish the event with the same attributes?"""
    sns = fast.client("sns")
    topic = sns.create_topic(Name="dead")["TopicArn"]
    url, queue_arn = queue(fast, "from-topic")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    create_function(fast, "broken", FAILING, DeadLetterConfig={"TargetArn": topic})
    invoke_event(fast, "broken", {"n": 9})
    assert fast.settle(timeout=20)
    [message] = messages(fast, url)
    assert json.loads(message["Body"]) == {"n": 9}
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "broken: 9"


def test_dead_letter_config_is_kept_shown_and_locked_into_a_published_version(fast):
    """Does GetFunctionConfiguration show DeadLetterConfig, and does version 1 keep the queue it was
    published with after $LATEST changes to another?"""
    _, first = queue(fast, "first")
    _, second = queue(fast, "second")
    lam = fast.client("lambda")
    created = create_function(fast, "broken", FAILING, DeadLetterConfig={"TargetArn": first})
    assert created["DeadLetterConfig"] == {"TargetArn": first}
    lam.publish_version(FunctionName="broken")
    lam.update_function_configuration(FunctionName="broken", DeadLetterConfig={"TargetArn": second})
    assert lam.get_function_configuration(FunctionName="broken")["DeadLetterConfig"] == {"TargetArn": second}
    assert lam.get_function_configuration(FunctionName="broken", Qualifier="1")["DeadLetterConfig"] == {
        "TargetArn": first
    }


def test_create_function_refuses_a_dead_letter_queue_the_role_cannot_send_to(fast):
    """Does CreateFunction answer AWS's InvalidParameterValueException when the role lacks sqs:SendMessage?"""
    _, arn = queue(fast, "dlq")
    role = role_allowing(fast, "no-sqs")
    lam = fast.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
        create_function(fast, "broken", FAILING, Role=role, DeadLetterConfig={"TargetArn": arn})
    assert raised.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call SendMessage on SQS"
    )


def test_a_dead_letter_queue_the_role_can_no_longer_reach_counts_a_dead_letter_error(fast):
    """When the role loses sqs:SendMessage after CreateFunction, is the event dropped and
    DeadLetterErrors 1?"""
    url, arn = queue(fast, "dlq")
    send = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}
    role = role_allowing(fast, "sender", send)
    create_function(fast, "broken", FAILING, Role=role, DeadLetterConfig={"TargetArn": arn})
    fast.client("iam").put_role_policy(
        RoleName="sender",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
        ),
    )
    invoke_event(fast, "broken", {})
    assert fast.settle(timeout=20)
    assert messages(fast, url) == []
    assert metric(fast, "DeadLetterErrors", {"FunctionName": "broken"}) == 1


def test_dead_letter_queue_and_failure_destination_both_receive(fast):
    """With a DLQ and an OnFailure destination, does a failed event reach both?"""
    dlq_url, dlq = queue(fast, "dlq")
    dest_url, dest = queue(fast, "dest")
    create_function(fast, "broken", FAILING, DeadLetterConfig={"TargetArn": dlq})
    on(fast, "broken", OnFailure=dest)
    invoke_event(fast, "broken", {})
    assert fast.settle(timeout=20)
    assert len(messages(fast, dlq_url)) == 1
    assert len(messages(fast, dest_url)) == 1


def test_an_sns_destination_publishes_the_record(fast):
    """Is the record the Message of an SNS destination?"""
    sns = fast.client("sns")
    topic = sns.create_topic(Name="results")["TopicArn"]
    url, queue_arn = queue(fast, "inbox")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    create_function(fast, "echo", ECHO)
    on(fast, "echo", OnSuccess=topic)
    invoke_event(fast, "echo", {"a": 1})
    assert fast.settle(timeout=20)
    [record] = records(fast, url)
    assert record["requestContext"]["condition"] == "Success"


def test_a_lambda_destination_is_invoked_with_the_record(fast):
    """Does a Lambda destination run with the record as its event?"""
    create_function(
        fast, "audit", "import json\ndef handler(event, context):\n    print('GOT ' + json.dumps(event))\n"
    )
    create_function(fast, "broken", FAILING)
    fast.client("lambda").put_function_event_invoke_config(
        FunctionName="broken",
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnFailure": {"Destination": "arn:aws:lambda:us-east-1:123456789012:function:audit"}
        },
    )
    invoke_event(fast, "broken", {"n": 1})
    assert fast.settle(timeout=20)
    [line] = [m for m in log_messages(fast, "audit") if m.startswith("GOT ")]
    record = json.loads(line[4:])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"n": 1}


def test_an_eventbridge_destination_puts_an_event_with_the_record_as_detail(fast):
    """Does an event bus receive source "lambda", AWS's detail-type and resources, and the record as
    detail?"""
    events = fast.client("events")
    bus = events.create_event_bus(Name="results")["EventBusArn"]
    url, queue_arn = queue(fast, "bus-inbox")
    events.put_rule(Name="all", EventBusName="results", EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="all", EventBusName="results", Targets=[{"Id": "q", "Arn": queue_arn}])
    create_function(fast, "echo", ECHO)
    on(fast, "echo", OnSuccess=bus)
    invoke_event(fast, "echo", {"a": 1})
    assert fast.settle(timeout=20)
    [event] = records(fast, url)
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [bus, "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST"]
    assert event["detail"]["responsePayload"] == {"got": {"a": 1}}


def test_an_s3_failure_destination_stores_one_object_per_record(fast):
    """Does an S3 bucket as OnFailure destination get the record under aws/lambda/async/<function>/…?"""
    s3 = fast.client("s3")
    s3.create_bucket(Bucket="failures")
    create_function(fast, "broken", FAILING)
    fast.client("lambda").put_function_event_invoke_config(
        FunctionName="broken",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
    )
    invoke_event(fast, "broken", {"n": 2})
    assert fast.settle(timeout=20)
    [stored] = s3.list_objects_v2(Bucket="failures")["Contents"]
    assert re.match(
        r"^aws/lambda/async/broken/\d{4}/\d\d/\d\d/\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{36}$",
        stored["Key"],
    )
    record = json.loads(s3.get_object(Bucket="failures", Key=stored["Key"])["Body"].read())
    assert record["requestPayload"] == {"n": 2}


def test_a_destination_the_role_may_not_send_to_counts_a_delivery_failure(fast):
    """When the role lacks sqs:SendMessage on the destination, is the record lost and counted?"""
    url, arn = queue(fast, "done")
    role = role_allowing(fast, "no-sqs")
    create_function(fast, "echo", ECHO, Role=role)
    on(fast, "echo", OnSuccess=arn)
    invoke_event(fast, "echo", {})
    assert fast.settle(timeout=20)
    assert messages(fast, url) == []
    assert metric(fast, "DestinationDeliveryFailures", {"FunctionName": "echo"}) == 1
