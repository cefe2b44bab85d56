"""The asynchronous half in plain moto tests (``mock_aws()`` + ``activate()``), and moto plain after it."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from workbook import lambda_runtime

from .async_helpers import FAILING
from .lambda_helpers import TRUST_POLICY, make_zip

REGION = "us-east-1"
pytestmark = pytest.mark.usefixtures("moto_env")
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def without_sandbox():
    """moto as a plain test sees it: a sandbox another test left running in this process steps aside."""
    from workbook.lambda_runtime import moto_patch

    with moto_patch.suspended():
        yield


def role() -> str:
    iam = boto3.client("iam", region_name=REGION)
    arn = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName="exec", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    return arn


def test_a_failed_event_is_retried_and_dead_lettered_inside_mock_aws():
    """In a moto test, is a failing Event invoke retried twice and then sent to its DLQ?"""
    with mock_aws(), lambda_runtime.activate(time_scale=6000) as runtime:
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_function(
            FunctionName="first",
            Runtime="python3.12",
            Role=role(),
            Handler="handler.handler",
            Code={"ZipFile": make_zip(FAILING)},
            DeadLetterConfig={"TargetArn": dlq},
        )
        lam.invoke(FunctionName="first", InvocationType="Event", Payload=b'{"n": 4}')
        assert runtime.settle(timeout=20)
        [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
        assert json.loads(message["Body"]) == {"n": 4}
        assert message["MessageAttributes"]["ErrorCode"]["StringValue"] == "200"
        events = boto3.client("logs", region_name=REGION).filter_log_events(logGroupName="/aws/lambda/first")
        assert sum(e["message"].startswith("START") for e in events["events"]) == 3


def test_a_package_that_is_not_a_zip_is_refused_when_uploaded():
    """Do CreateFunction, UpdateFunctionCode and PublishLayerVersion refuse bytes that are not a zip, with
    AWS's InvalidParameterValueException?"""
    message = "Could not unzip uploaded file. Please check your file, then try to upload again."
    with mock_aws(), lambda_runtime.activate():
        lam = boto3.client("lambda", region_name=REGION)
        arn = role()
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
            lam.create_function(
                FunctionName="bad",
                Runtime="python3.12",
                Role=arn,
                Handler="handler.handler",
                Code={"ZipFile": b"this is not a zip"},
            )
        assert raised.value.response["Error"]["Message"] == message
        lam.create_function(
            FunctionName="good",
            Runtime="python3.12",
            Role=arn,
            Handler="handler.handler",
            Code={"ZipFile": make_zip("def handler(e, c):\n    return 1\n")},
        )
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
            lam.update_function_code(FunctionName="good", ZipFile=b"still not a zip")
        assert raised.value.response["Error"]["Message"] == message
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
            lam.publish_layer_version(LayerName="libs", Content={"ZipFile": b"nor this"})
        assert raised.value.response["Error"]["Message"] == message


def test_invoking_a_function_whose_package_is_not_a_zip_is_an_api_error_not_a_crash(without_sandbox):
    """For a function moto stored before the runtime checked packages, is Invoke a 502 InvalidZipFileException
    (never an HTTP 500 with a BadZipFile)?"""
    with mock_aws():
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_function(
            FunctionName="junk",
            Runtime="python3.12",
            Role=role(),
            Handler="handler.handler",
            Code={"ZipFile": b"not a zip at all"},
        )
        with lambda_runtime.activate():
            with pytest.raises(lam.exceptions.InvalidZipFileException) as raised:
                lam.invoke(FunctionName="junk")
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502


def test_moto_is_plain_again_after_the_activate_block(without_sandbox):
    """After `with activate():` ends, does moto answer as it does without the workbook: no alias routing
    checks, no package checks, DeadLetterConfig dropped, its own event invoke configs?"""
    with mock_aws(), lambda_runtime.activate():
        pass
    with mock_aws():
        lam = boto3.client("lambda", region_name=REGION)
        arn = role()
        lam.create_function(
            FunctionName="plain",
            Runtime="python3.12",
            Role=arn,
            Handler="handler.handler",
            Code={"ZipFile": b"moto takes any bytes"},
            DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:nowhere"},
        )
        assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="plain")
        lam.create_alias(
            FunctionName="plain",
            Name="live",
            FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"7": 0.5}},
        )  # AWS would refuse this
        lam.put_function_event_invoke_config(FunctionName="plain", MaximumRetryAttempts=1)
        config = lam.get_function_event_invoke_config(FunctionName="plain")
        assert (
            config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:plain"
        )  # moto's answer
        ec2_only = boto3.client("iam", region_name=REGION).create_role(
            RoleName="ec2-only",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        )["Role"]["Arn"]
        lam.create_function(  # moto does not check the trust policy; only an active runtime does
            FunctionName="untrusted", Runtime="python3.12", Role=ec2_only, Handler="handler.handler",
            Code={"ZipFile": b"moto takes any bytes"},
        )


def test_activate_replaces_the_simple_backend_of_use_docker_false():
    """Under moto's `use_docker: False`, does activate() run the handler instead of moto's canned answer?"""
    with mock_aws(config={"lambda": {"use_docker": False}}), lambda_runtime.activate():
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_function(
            FunctionName="real",
            Runtime="python3.12",
            Role=role(),
            Handler="handler.handler",
            Code={"ZipFile": make_zip("def handler(e, c):\n    return {'ran': True}\n")},
        )
        assert json.loads(lam.invoke(FunctionName="real")["Payload"].read()) == {"ran": True}
