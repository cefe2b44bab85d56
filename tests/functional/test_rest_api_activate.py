"""REST APIs inside a plain moto ``mock_aws()`` block with ``lambda_runtime.activate()``."""

import json
import urllib.error
import urllib.request

import boto3
import pytest
from moto import mock_aws

from workbook import front_doors, lambda_runtime
from workbook.front_doors.urls import NoFrontDoor
from workbook.lambda_runtime import moto_patch

from .lambda_helpers import TRUST_POLICY, make_zip
from .rest_api_helpers import ECHO, allow_api, call, echoed, proxy_api

REGION = "us-east-1"


def echo_function() -> dict:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="echo", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": make_zip(ECHO)})


def test_a_rest_api_answers_inside_mock_aws_and_closes_with_the_block(moto_env):
    """Inside mock_aws() + activate(), does GET /prod/items/7 reach the handler, is a missing route a 403,
    and is the port closed when the block ends?"""
    with mock_aws(), lambda_runtime.activate():
        fn = echo_function()
        apigw = boto3.client("apigateway", region_name=REGION)
        api = proxy_api(apigw, REGION, fn["FunctionArn"], routes=[("/items/{id}", "GET")])
        url = front_doors.api_url(api["id"], "prod")
        no_permission_yet = call(url + "items/7")
        assert no_permission_yet[::2] == (500, b'{"message": "Internal server error"}')
        allow_api(boto3.client("lambda", region_name=REGION), "echo", REGION, fn["FunctionArn"].split(":")[4],
                  api["id"], "prod/GET/items/*")
        status, headers, body = call(url + "items/7?x=1")
        assert status == 200
        event = echoed(body)
        assert (event["pathParameters"], event["queryStringParameters"]) == ({"id": "7"}, {"x": "1"})
        assert headers["x-amzn-RequestId"] == event["requestContext"]["requestId"]
        assert call(url + "nothing")[::2] == (403, b'{"message":"Missing Authentication Token"}')
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "items/7", timeout=5)


def test_without_a_runtime_moto_keeps_rest_apis_to_itself(moto_env):
    """In mock_aws() without activate(), does create_rest_api open no port (plain moto behaviour)?"""
    with mock_aws(), moto_patch.suspended():  # a sandbox another test started may be active
        apigw = boto3.client("apigateway", region_name=REGION)
        api = apigw.create_rest_api(name="plain")
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "add", "path": "/binaryMediaTypes/image~1png", "value": "image/png"}])
        with pytest.raises(NoFrontDoor):
            front_doors.api_url(api["id"], "prod")
