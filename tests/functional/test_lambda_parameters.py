"""Configuration from a handler: SSM Parameter Store and Secrets Manager, through boto3 and Powertools."""

from __future__ import annotations

import json

import pytest

from tests.functional.lambda_helpers import create_role, invoke, make_zip

pytestmark = pytest.mark.sandbox

ACCOUNT, REGION = "123456789012", "us-east-1"

HANDLER = """
import boto3
from aws_lambda_powertools.utilities import parameters

CALLS = {
    "ssm": lambda: boto3.client("ssm").get_parameter(Name="/orders/table")["Parameter"]["Value"],
    "secure": lambda: boto3.client("ssm").get_parameter(Name="/orders/api-key", WithDecryption=True)[
        "Parameter"]["Value"],
    "secret": lambda: boto3.client("secretsmanager").get_secret_value(SecretId="orders/db")["SecretString"],
    "pt-param": lambda: parameters.get_parameter("/orders/table", max_age=300),
    "pt-secure": lambda: parameters.get_parameter("/orders/api-key", decrypt=True),
    "pt-secret": lambda: parameters.get_secret("orders/db", transform="json"),
    "pt-path": lambda: parameters.get_parameters("/orders", decrypt=True),
    "cmk": lambda: boto3.client("ssm").get_parameter(Name="/orders/cmk", WithDecryption=True)["Parameter"][
        "Value"],
    "both": lambda: [p["Value"] for p in boto3.client("ssm").get_parameters(
        Names=["/orders/table", "/orders/api-key"], WithDecryption=True)["Parameters"]],
}

def handler(event, context):
    out = {}
    for name in event["calls"]:
        try:
            out[name] = CALLS[name]()
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            out[name] = {"error": code or type(error).__name__, "message": str(error)}
    return out
"""


@pytest.fixture
def config(sb):
    """Two parameters (one SecureString) and a JSON secret; returns the secret's ARN."""
    ssm = sb.client("ssm")
    ssm.put_parameter(Name="/orders/table", Value="orders-dev", Type="String")
    ssm.put_parameter(Name="/orders/api-key", Value="s3cr3t", Type="SecureString")
    secret = sb.client("secretsmanager").create_secret(
        Name="orders/db", SecretString=json.dumps({"user": "app"})
    )
    return secret["ARN"]


def deploy(sb, name: str, role_arn: str) -> None:
    sb.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Timeout=10,
        Handler="handler.handler",
        Code={"ZipFile": make_zip(HANDLER)},
    )


def test_boto3_and_powertools_read_parameters_and_secrets(sb, config):
    """Do SSM parameters (decrypted SecureString too) and secrets reach a handler via boto3 and Powertools?"""
    deploy(sb, "config", create_role(sb))
    out = invoke(
        sb, "config", {"calls": ["ssm", "secure", "secret", "pt-param", "pt-secure", "pt-secret", "pt-path"]}
    )["Payload"]
    assert out == {
        "ssm": "orders-dev",
        "secure": "s3cr3t",
        "secret": '{"user": "app"}',
        "pt-param": "orders-dev",
        "pt-secure": "s3cr3t",
        "pt-secret": {"user": "app"},
        "pt-path": {"table": "orders-dev", "api-key": "s3cr3t"},
    }


def test_powertools_serves_a_second_read_within_max_age_from_its_cache(sb, config):
    """Does a warm environment's second parameters.get_parameter within max_age skip SSM (access log)?"""
    deploy(sb, "cached", create_role(sb))
    assert invoke(sb, "cached", {"calls": ["pt-param"]})["Payload"] == {"pt-param": "orders-dev"}
    assert invoke(sb, "cached", {"calls": ["pt-param"]})["Payload"] == {"pt-param": "orders-dev"}
    log = sb.access_log("cached")
    assert list(log.action) == ["ssm:GetParameter"]
    assert invoke(sb, "cached", {"calls": ["ssm"]})["Payload"] == {"ssm": "orders-dev"}  # boto3: no cache
    assert list(sb.access_log("cached").action) == ["ssm:GetParameter"] * 2


def test_the_role_is_checked_against_the_parameter_and_secret_arns(sb, config):
    """Is a role allowed one parameter's and one secret's ARN refused the other parameter (AccessDenied)?"""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/table",
            },
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": config},
        ],
    }
    deploy(sb, "narrow", create_role(sb, "narrow-role", policy))
    out = invoke(sb, "narrow", {"calls": ["ssm", "secure", "secret", "pt-secure"]})["Payload"]
    assert (out["ssm"], out["secret"]) == ("orders-dev", '{"user": "app"}')
    assert out["secure"] == {
        "error": "AccessDeniedException",
        "message": (
            "An error occurred (AccessDeniedException) when calling the GetParameter operation: "
            f"User: arn:aws:sts::{ACCOUNT}:assumed-role/narrow-role/narrow is not authorized to perform: "
            f"ssm:GetParameter on resource: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/api-key "
            "because no identity-based policy allows the ssm:GetParameter action"
        ),
    }
    assert out["pt-secure"]["error"] == "GetParameterError"  # Powertools wraps the AccessDeniedException
    assert "AccessDeniedException" in out["pt-secure"]["message"]
    log = sb.access_log("narrow")
    refused = log[~log.allowed]
    assert set(refused.resource) == {f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/api-key"}
    assert set(log[log.action == "secretsmanager:GetSecretValue"].resource) == {config}


def test_a_secret_policy_with_a_wildcard_suffix_matches_the_secret(sb, config):
    """Does `secret:orders/db-*` (the usual way to name a secret in a policy) allow GetSecretValue?"""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/db-*",
            },
        ],
    }
    deploy(sb, "wild", create_role(sb, "wild-role", policy))
    out = invoke(sb, "wild", {"calls": ["secret", "ssm"]})["Payload"]
    assert out["secret"] == '{"user": "app"}'
    assert out["ssm"]["error"] == "AccessDeniedException"


def allow(*statements) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": action, "Resource": resource} for action, resource in statements
        ],
    }


def test_a_customer_managed_key_needs_kms_decrypt_and_the_aws_managed_key_does_not(sb, config):
    """Does a SecureString under a customer managed key need kms:Decrypt on it, unlike one under aws/ssm?"""
    key_arn = sb.client("kms").create_key()["KeyMetadata"]["Arn"]
    sb.client("ssm").put_parameter(Name="/orders/cmk", Value="cmk-value", Type="SecureString", KeyId=key_arn)
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/*"
    deploy(sb, "no-kms", create_role(sb, "no-kms-role", allow(("ssm:GetParameter", parameter))))
    out = invoke(sb, "no-kms", {"calls": ["secure", "cmk"]})["Payload"]
    assert out["secure"] == "s3cr3t"  # aws/ssm: every principal of the account may decrypt through SSM
    assert out["cmk"]["error"] == "AccessDeniedException"
    assert out["cmk"]["message"].startswith(
        "An error occurred (AccessDeniedException) when calling the GetParameter operation: "
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/no-kms-role/no-kms is not authorized to perform: "
        "kms:Decrypt "
        f"on resource: {key_arn} because no identity-based policy allows the kms:Decrypt action "
        "(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: "
    )
    log = sb.access_log("no-kms")
    assert list(log[~log.allowed].action) == ["kms:Decrypt"]

    deploy(
        sb,
        "with-kms",
        create_role(sb, "kms-role", allow(("ssm:GetParameter", parameter), ("kms:Decrypt", key_arn))),
    )
    assert invoke(sb, "with-kms", {"calls": ["cmk"]})["Payload"] == {"cmk": "cmk-value"}
    assert list(sb.access_log("with-kms").action) == ["ssm:GetParameter", "kms:Decrypt"]


def test_get_parameters_is_authorized_for_every_name(sb, config):
    """Is GetParameters refused when the role may read only one of the names it asks for?"""
    table = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/table"
    deploy(sb, "one", create_role(sb, "one-role", allow(("ssm:GetParameters", table))))
    out = invoke(sb, "one", {"calls": ["both"]})["Payload"]["both"]
    assert out["error"] == "AccessDeniedException"
    assert (
        f"ssm:GetParameters on resource: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/api-key"
        in (out["message"])
    )
    deploy(sb, "two", create_role(sb, "two-role", allow(("ssm:GetParameters", "*"))))
    assert sorted(invoke(sb, "two", {"calls": ["both"]})["Payload"]["both"]) == ["orders-dev", "s3cr3t"]
