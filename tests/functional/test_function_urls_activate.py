"""Function URLs inside a plain moto ``mock_aws()`` block with ``lambda_runtime.activate()``."""

import json

import boto3
import pytest
from botocore.credentials import Credentials
from moto import mock_aws

from workbook import lambda_runtime

from .front_door_helpers import allow_public_url, call, door_of, signed_call
from .lambda_helpers import TRUST_POLICY, make_zip

REGION = "us-east-1"


def deploy(lam):
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    lam.create_function(FunctionName="hello", Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": make_zip(
                            "def handler(event, context):\n"
                            "    context = event['requestContext']\n"
                            "    return {'path': event['rawPath'], 'who': context['accountId']}\n")})


def test_function_url_works_inside_mock_aws(moto_env):
    """Inside mock_aws() + activate(), is the URL served, listed, and closed when the block ends?"""
    with mock_aws(), lambda_runtime.activate():
        lam = boto3.client("lambda", region_name=REGION)
        deploy(lam)
        url = lam.create_function_url_config(FunctionName="hello", AuthType="NONE")["FunctionUrl"]
        assert url.startswith("http://127.0.0.1:")
        assert call(url).status == 403
        allow_public_url(lam, "hello")
        assert call(url + "hi").json() == {"path": "/hi", "who": "anonymous"}
        listed = lam.list_function_url_configs(FunctionName="hello")["FunctionUrlConfigs"]
        assert [c["FunctionUrl"] for c in listed] == [url]
        door = door_of(url)
    assert door.closed


def test_aws_iam_url_inside_mock_aws(moto_env):
    """Inside mock_aws(), does an AWS_IAM URL take moto's default credentials and refuse unsigned requests?"""
    with mock_aws(), lambda_runtime.activate():
        lam = boto3.client("lambda", region_name=REGION)
        deploy(lam)
        url = lam.create_function_url_config(FunctionName="hello", AuthType="AWS_IAM")["FunctionUrl"]
        assert call(url).status == 403
        answer = signed_call(url, Credentials("testing", "testing"), REGION)
        assert answer.status == 200 and answer.json()["who"] == "123456789012"
