"""SNS subscriptions with protocol lambda: permission-checked, asynchronous, in SNS's event format."""

from __future__ import annotations

import json

import pytest

from .async_helpers import metric, starts, time_scale
from .lambda_helpers import create_function, log_messages

RECORDER = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"


@pytest.fixture
def fast(sb):
    with time_scale(sb, 6000):
        yield sb


def received(sb, name: str) -> list[dict]:
    return [json.loads(m[len("EVENT ") :]) for m in log_messages(sb, name) if m.startswith("EVENT ")]


def subscribed(sb, name: str = "notify") -> tuple[str, str, str]:
    """A topic with the function subscribed: (topic ARN, function ARN, subscription ARN)."""
    sns = sb.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    arn = create_function(sb, name, RECORDER)["FunctionArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]
    return topic, arn, subscription


def allow_sns(sb, topic: str, name: str = "notify") -> None:
    sb.client("lambda").add_permission(
        FunctionName=name,
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )


def test_a_message_reaches_the_function_only_with_a_matching_permission(fast):
    """Is a message lost without AddPermission for the topic, and delivered once it exists?"""
    topic, _, _ = subscribed(fast)
    sns = fast.client("sns")
    sns.publish(TopicArn=topic, Message="before")
    assert fast.settle(timeout=20)
    assert starts(fast, "notify") == []
    allow_sns(fast, topic)
    sns.publish(TopicArn=topic, Message="after")
    assert fast.settle(timeout=20)
    assert [e["Records"][0]["Sns"]["Message"] for e in received(fast, "notify")] == ["after"]


def test_a_permission_for_another_topic_does_not_count(fast):
    """Does a statement whose SourceArn names another topic keep the function from being invoked?"""
    topic, _, _ = subscribed(fast)
    allow_sns(fast, topic.replace(":orders", ":other"))
    fast.client("sns").publish(TopicArn=topic, Message="hello")
    assert fast.settle(timeout=20)
    assert starts(fast, "notify") == []


def test_the_event_has_snss_shape(fast):
    """Does the handler get Records[0].Sns with the message, subject, attributes, ids and topic?"""
    topic, _, subscription = subscribed(fast)
    allow_sns(fast, topic)
    message_id = fast.client("sns").publish(
        TopicArn=topic,
        Message='{"order": 1}',
        Subject="New order",
        MessageAttributes={"priority": {"DataType": "String", "StringValue": "high"}},
    )["MessageId"]
    assert fast.settle(timeout=20)
    [event] = received(fast, "notify")
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == message_id
    assert sns["TopicArn"] == topic
    assert sns["Subject"] == "New order"
    assert sns["Message"] == '{"order": 1}'
    assert sns["MessageAttributes"] == {"priority": {"Type": "String", "Value": "high"}}
    assert {"Timestamp", "Signature", "SigningCertUrl", "UnsubscribeUrl", "SignatureVersion"} <= set(sns)


def test_a_filter_policy_still_chooses_the_messages(fast):
    """Does the subscription's filter policy decide which messages invoke the function?"""
    topic, _, subscription = subscribed(fast)
    allow_sns(fast, topic)
    sns = fast.client("sns")
    sns.set_subscription_attributes(
        SubscriptionArn=subscription,
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"kind": ["order"]}),
    )
    for kind in ("order", "refund"):
        sns.publish(
            TopicArn=topic,
            Message=kind,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    assert fast.settle(timeout=20)
    assert [e["Records"][0]["Sns"]["Message"] for e in received(fast, "notify")] == ["order"]


def test_publish_returns_before_the_handler_runs(fast):
    """Does Publish return at once while the subscribed handler is still running?"""
    sns = fast.client("sns")
    topic = sns.create_topic(Name="slow")["TopicArn"]
    arn = create_function(fast, "slow", "import time\ndef handler(event, context):\n    time.sleep(1)\n")[
        "FunctionArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    allow_sns(fast, topic, name="slow")
    sns.publish(TopicArn=topic, Message="x")
    assert starts(fast, "slow") == []
    assert fast.settle(timeout=20)
    assert len(starts(fast, "slow")) == 1


REPUBLISHER = """
import boto3
def handler(event, context):
    record = event["Records"][0]["Sns"]
    boto3.client("sns").publish(TopicArn=record["TopicArn"], Message=record["Message"] + "+")
"""


def test_a_function_publishing_to_its_own_topic_is_stopped_after_16_hops(fast):
    """Does recursive loop detection stop a function that republishes to the topic it is subscribed to?"""
    sns = fast.client("sns")
    topic = sns.create_topic(Name="echo-chamber")["TopicArn"]
    arn = create_function(fast, "again", REPUBLISHER, Timeout=10)["FunctionArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    allow_sns(fast, topic, name="again")
    sns.publish(TopicArn=topic, Message="go")
    assert fast.settle(timeout=60)
    assert len(starts(fast, "again")) == 16
    assert metric(fast, "RecursiveInvocationsDropped", {"FunctionName": "again"}) == 1
