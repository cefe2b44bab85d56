"""Invoking a function from a second account: denied until the function's resource-based policy allows it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.sandbox.core import SandboxError

OTHER = "210987654321"


def deploy(sb, name="orders"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return context.invoked_function_arn\n")
    role = sb.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
    )
    lam = sb.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=30,
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return f"arn:aws:lambda:{sb.region}:{sb.account_id}:function:{name}"


def denied(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    return caught.value.response["Error"]["Message"]


def test_a_second_account_client_acts_in_that_account(sb):
    """Which account does sb.client(..., account=...) act in? That one: it sees none of the first account's functions."""
    deploy(sb)
    assert sb.client("sts", account=OTHER).get_caller_identity()["Account"] == OTHER
    assert sb.client("lambda", account=OTHER).list_functions()["Functions"] == []


def test_a_malformed_account_id_is_refused_in_one_sentence(sb):
    """What does sb.client(account="me") say? That an account id is 12 digits."""
    with pytest.raises(SandboxError, match="12 digits"):
        sb.client("lambda", account="me")


@pytest.mark.slow
def test_invoke_from_another_account_needs_the_function_policy(sb):
    """Can another account invoke the alias before and after AddPermission names it? Denied, then allowed."""
    arn = deploy(sb)
    other = sb.client("lambda", account=OTHER)
    message = denied(lambda: other.invoke(FunctionName=f"{arn}:live"))
    assert message == (
        f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: lambda:InvokeFunction on "
        f"resource: {arn}:live because no resource-based policy allows the lambda:InvokeFunction action"
    )
    sb.client("lambda").add_permission(
        FunctionName="orders",
        Qualifier="live",
        StatementId="partner",
        Action="lambda:InvokeFunction",
        Principal=OTHER,
    )
    answer = other.invoke(FunctionName=f"{arn}:live")
    assert json.loads(answer["Payload"].read()) == f"{arn}:live"
    denied(lambda: other.invoke(FunctionName=arn))  # the permission names the alias, not the function
    sb.client("lambda").remove_permission(FunctionName="orders", Qualifier="live", StatementId="partner")
    denied(lambda: other.invoke(FunctionName=f"{arn}:live"))


def test_a_third_account_stays_out(sb):
    """Does a permission for one account let a third account invoke? No."""
    arn = deploy(sb)
    sb.client("lambda").add_permission(
        FunctionName="orders",
        StatementId="partner",
        Action="lambda:InvokeFunction",
        Principal=f"arn:aws:iam::{OTHER}:root",
    )
    denied(
        lambda: sb.client("lambda", account="111122223333").invoke(FunctionName=arn, InvocationType="DryRun")
    )
    assert (
        sb.client("lambda", account=OTHER).invoke(FunctionName=arn, InvocationType="DryRun")["StatusCode"]
        == 204
    )
