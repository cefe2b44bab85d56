"""Function and layer code from S3 (S3Bucket, S3Key, S3ObjectVersion): what runs is what S3 holds."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functional.lambda_helpers import TRUST_POLICY, create_role, invoke, make_zip
from workbook import lambda_runtime

pytestmark = pytest.mark.sandbox

S3_ERROR = "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}"


def returning(value: str) -> bytes:
    return make_zip(f"def handler(event, context):\n    return {value!r}\n")


def test_create_and_update_from_s3_run_that_code(sb):
    """Does a function created from an S3 object run it, and does UpdateFunctionCode from S3 replace it?"""
    s3, lam = sb.client("s3"), sb.client("lambda")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="v1.zip", Body=returning("one"))
    s3.put_object(Bucket="artifacts", Key="v2.zip", Body=returning("two"))
    lam.create_function(
        FunctionName="from-s3",
        Runtime="python3.12",
        Role=create_role(sb),
        Handler="handler.handler",
        Code={"S3Bucket": "artifacts", "S3Key": "v1.zip"},
    )
    assert invoke(sb, "from-s3")["Payload"] == "one"
    assert "Init Duration" not in invoke(sb, "from-s3", LogType="Tail")["Log"]  # warm
    lam.update_function_code(FunctionName="from-s3", S3Bucket="artifacts", S3Key="v2.zip")
    lam.get_waiter("function_updated_v2").wait(FunctionName="from-s3")
    after = invoke(sb, "from-s3", LogType="Tail")
    assert after["Payload"] == "two"
    assert "Init Duration" in after["Log"]  # a new environment: the warm one of v1 is retired


def test_an_object_version_is_the_code_that_runs(sb):
    """With S3ObjectVersion, does the function run that version even when the key has a newer one?"""
    s3, lam = sb.client("s3"), sb.client("lambda")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket="versioned", Key="app.zip", Body=returning("old"))["VersionId"]
    new = s3.put_object(Bucket="versioned", Key="app.zip", Body=returning("new"))["VersionId"]
    lam.create_function(
        FunctionName="pinned",
        Runtime="python3.12",
        Role=create_role(sb),
        Handler="handler.handler",
        Code={"S3Bucket": "versioned", "S3Key": "app.zip", "S3ObjectVersion": old},
    )
    assert invoke(sb, "pinned")["Payload"] == "old"
    lam.update_function_code(
        FunctionName="pinned", S3Bucket="versioned", S3Key="app.zip", S3ObjectVersion=new
    )
    assert invoke(sb, "pinned")["Payload"] == "new"
    config = lam.update_function_code(
        FunctionName="pinned", S3Bucket="versioned", S3Key="app.zip", S3ObjectVersion=old
    )
    assert invoke(sb, "pinned")["Payload"] == "old"
    assert config["CodeSha256"] == lam.get_function(FunctionName="pinned")["Configuration"]["CodeSha256"]


def test_a_missing_bucket_or_key_gives_aws_error(sb):
    """Is a missing bucket or key refused with InvalidParameterValueException quoting S3's error?"""
    s3, lam, role = sb.client("s3"), sb.client("lambda"), create_role(sb)
    s3.create_bucket(Bucket="artifacts")
    cases = [
        (
            {"S3Bucket": "no-such-bucket", "S3Key": "app.zip"},
            S3_ERROR.format("NoSuchBucket", "The specified bucket does not exist"),
        ),
        (
            {"S3Bucket": "artifacts", "S3Key": "missing.zip"},
            S3_ERROR.format("NoSuchKey", "The specified key does not exist."),
        ),
    ]
    for code, message in cases:
        with pytest.raises(ClientError) as caught:
            lam.create_function(
                FunctionName="missing", Runtime="python3.12", Role=role, Handler="handler.handler", Code=code
            )
        assert caught.value.response["Error"] == {
            "Code": "InvalidParameterValueException",
            "Message": message,
        }
        with pytest.raises(ClientError) as caught:
            lam.publish_layer_version(LayerName="missing", Content=code)
        assert caught.value.response["Error"]["Message"] == message
    s3.put_object(Bucket="artifacts", Key="ok.zip", Body=returning("ok"))
    lam.create_function(
        FunctionName="ok",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"S3Bucket": "artifacts", "S3Key": "ok.zip"},
    )
    with pytest.raises(ClientError) as caught:
        lam.update_function_code(FunctionName="ok", S3Bucket="artifacts", S3Key="missing.zip")
    assert caught.value.response["Error"]["Message"] == S3_ERROR.format(
        "NoSuchKey", "The specified key does not exist."
    )
    assert invoke(sb, "ok")["Payload"] == "ok"


def test_a_layer_from_s3_is_on_the_path(sb):
    """Does a layer published from an S3 object give its python/ modules to the function?"""
    s3, lam = sb.client("s3"), sb.client("lambda")
    s3.create_bucket(Bucket="layers")
    s3.put_object(Bucket="layers", Key="greet.zip", Body=make_zip("WORD = 'hi from s3'", "python/greet.py"))
    layer = lam.publish_layer_version(LayerName="greet", Content={"S3Bucket": "layers", "S3Key": "greet.zip"})
    lam.create_function(
        FunctionName="greeter",
        Runtime="python3.12",
        Role=create_role(sb),
        Handler="handler.handler",
        Layers=[layer["LayerVersionArn"]],
        Code={"ZipFile": make_zip("import greet\ndef handler(e, c):\n    return greet.WORD\n")},
    )
    assert invoke(sb, "greeter")["Payload"] == "hi from s3"


def test_s3_code_and_its_errors_under_mock_aws_with_activate(monkeypatch):
    """Under mock_aws() + lambda_runtime.activate(), does S3 code run and a missing key give AWS's error?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # set by a sandbox an earlier test left running
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(), lambda_runtime.activate():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        s3, lam = boto3.client("s3", region_name="us-east-1"), boto3.client("lambda", region_name="us-east-1")
        s3.create_bucket(Bucket="artifacts")
        s3.put_object(Bucket="artifacts", Key="app.zip", Body=returning("from s3"))
        lam.create_function(
            FunctionName="s3fn",
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"S3Bucket": "artifacts", "S3Key": "app.zip"},
        )
        assert json.loads(lam.invoke(FunctionName="s3fn")["Payload"].read()) == "from s3"
        with pytest.raises(ClientError) as caught:
            lam.update_function_code(FunctionName="s3fn", S3Bucket="artifacts", S3Key="nope.zip")
        assert caught.value.response["Error"]["Message"] == S3_ERROR.format(
            "NoSuchKey", "The specified key does not exist."
        )
