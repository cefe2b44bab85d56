"""Event source mappings inside a plain moto ``mock_aws()`` block with ``lambda_runtime.activate()``."""

import json
import threading

import boto3
import pytest
from moto import mock_aws

from workbook import lambda_runtime

from .esm_helpers import RECORDER
from .lambda_helpers import TRUST_POLICY, make_zip

REGION = "us-east-1"


pytestmark = pytest.mark.usefixtures("moto_env")


def _function(name: str = "recorder") -> None:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="exec",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": make_zip(RECORDER)},
    )


def _esm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("esm-")]


def test_sqs_mapping_polls_inside_mock_aws():
    """Inside mock_aws() + activate(), do batches arrive, and does leaving the block stop the poller?"""
    with mock_aws(), lambda_runtime.activate() as runtime:
        _function()
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for body in ("a", "b", "c"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="recorder", BatchSize=10)
        assert runtime.settle(30)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0"
        assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        logs = boto3.client("logs", region_name=REGION)
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/recorder")["logStreams"]
        messages = [
            e["message"]
            for s in streams
            for e in logs.get_log_events(
                logGroupName="/aws/lambda/recorder", logStreamName=s["logStreamName"]
            )["events"]
        ]
        delivered = [
            r["body"]
            for m in messages
            if m.startswith("EVENT ")
            for r in json.loads(m[len("EVENT ") :])["Records"]
        ]
        assert sorted(delivered) == ["a", "b", "c"]
        assert _esm_threads()
    for thread in _esm_threads():
        thread.join(timeout=10)
    assert not _esm_threads()


def test_moto_no_longer_invokes_inside_send_message():
    """While a runtime is active, are messages sent one by one batched by the poller (moto alone would invoke
    the function inside each SendMessage, one message at a time)?"""
    with mock_aws(), lambda_runtime.activate() as runtime:
        _function()
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "400"})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="recorder", BatchSize=2, MaximumBatchingWindowInSeconds=300
        )
        sqs.send_message(QueueUrl=url, MessageBody="one")
        sqs.send_message(QueueUrl=url, MessageBody="two")
        assert runtime.settle(30)
        logs = boto3.client("logs", region_name=REGION)
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/recorder")["logStreams"]
        batches = [
            [r["body"] for r in json.loads(e["message"][len("EVENT ") :])["Records"]]
            for s in streams
            for e in logs.get_log_events(
                logGroupName="/aws/lambda/recorder", logStreamName=s["logStreamName"]
            )["events"]
            if e["message"].startswith("EVENT ")
        ]
        assert batches == [["one", "two"]]
