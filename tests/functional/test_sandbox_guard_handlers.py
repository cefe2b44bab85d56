"""A handler cannot step around its execution role with credentials the sandbox never issued."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from workbook import lambda_runtime
from workbook.deploy import LAMBDA_TRUST_POLICY

from .lambda_helpers import create_function, invoke, make_zip

# The handler lists buckets (its role does not allow it) with whatever credentials the event names.
SIDESTEP = """
import os
import boto3

def handler(event, context):
    key = event.get("key") or os.environ["AWS_ACCESS_KEY_ID"]
    kwargs = {"aws_access_key_id": key, "aws_secret_access_key": "x" * 40}
    if event.get("with_token"):
        kwargs["aws_session_token"] = os.environ["AWS_SESSION_TOKEN"]
    try:
        buckets = boto3.client(event["service"], **kwargs).list_buckets()["Buckets"]
        return {"buckets": [bucket["Name"] for bucket in buckets]}
    except Exception as exc:
        return {"error": exc.response["Error"]["Code"]}
"""
LOGS_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}


def role_allowing_only_logs(iam_client) -> str:
    arn = iam_client.create_role(RoleName="narrow", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))
    iam_client.put_role_policy(RoleName="narrow", PolicyName="logs", PolicyDocument=json.dumps(LOGS_ONLY))
    return arn["Role"]["Arn"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"key": "AKIAINVENTEDKEY12345"}, "InvalidAccessKeyId"),  # S3's answer to a key it never issued
        ({}, "InvalidAccessKeyId"),  # its own session key without the session token
        ({"with_token": True}, "SignatureDoesNotMatch"),  # its own key and token, but not its secret
    ],
)
def test_a_handler_cannot_sidestep_its_role(sb, event, expected):
    """Can a handler escape its role with an invented key, or its own key without its token? No."""
    sb.client("s3").create_bucket(Bucket="private")
    create_function(sb, "sidestep", SIDESTEP, Role=role_allowing_only_logs(sb.client("iam")), Timeout=30)
    assert invoke(sb, "sidestep", {"service": "s3", **event})["Payload"] == {"error": expected}


@pytest.mark.slow
def test_invented_keys_from_a_handler_are_refused_under_mock_aws(moto_env):
    """Under `mock_aws()` + `activate()`, is a handler's invented key refused, and the test's calls not?"""
    with mock_aws(), lambda_runtime.activate():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="private")
        role = role_allowing_only_logs(boto3.client("iam", region_name="us-east-1"))
        lam = boto3.client("lambda", region_name="us-east-1")
        lam.create_function(
            FunctionName="sidestep",
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": make_zip(SIDESTEP)},
            Timeout=30,
        )
        event = {"service": "s3", "key": "AKIAINVENTEDKEY12345"}
        response = lam.invoke(FunctionName="sidestep", Payload=json.dumps(event).encode())
        assert json.loads(response["Payload"].read()) == {"error": "InvalidAccessKeyId"}
        # In-process, moto behaves as usual: any key may do anything.
        mine = boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="AKIAINVENTEDKEY12345", aws_secret_access_key="x"
        )
        assert [b["Name"] for b in mine.list_buckets()["Buckets"]] == ["private"]
