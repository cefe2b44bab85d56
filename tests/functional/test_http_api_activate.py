"""HTTP APIs inside a plain moto ``mock_aws()`` block with ``lambda_runtime.activate()``."""

import json

import boto3
import pytest
from moto import mock_aws

from workbook import front_doors, lambda_runtime

from .front_door_helpers import allow_api_gateway, call, door_of
from .lambda_helpers import TRUST_POLICY, make_zip

REGION = "us-east-1"


def test_http_api_works_inside_mock_aws(moto_env):
    """Inside mock_aws() + activate(), does a quick-created HTTP API reach the function, and close after?"""
    with mock_aws(), lambda_runtime.activate():
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        arn = lam.create_function(
            FunctionName="items", Runtime="python3.12", Role=role, Handler="handler.handler",
            Code={"ZipFile": make_zip("def handler(event, context):\n    return event['pathParameters']\n")},
        )["FunctionArn"]
        apigw = boto3.client("apigatewayv2", region_name=REGION)
        api = apigw.create_api(Name="shop", ProtocolType="HTTP", Target=arn, RouteKey="GET /items/{id}")
        assert api["ApiEndpoint"].startswith("http://127.0.0.1:")
        assert call(api["ApiEndpoint"] + "/items/7").status == 500
        allow_api_gateway(lam, "items", REGION, "123456789012", api["ApiId"])
        assert call(front_doors.api_url(api["ApiId"]) + "items/7").json() == {"id": "7"}
        door = door_of(api["ApiEndpoint"])
    assert door.closed
