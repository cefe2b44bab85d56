"""Versions and aliases as resources of their own: their policies, their protection, their qualified names."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from .front_door_helpers import call
from .lambda_helpers import TRUST_POLICY, create_function, make_zip

CODE = "def handler(event, context):\n    return {'statusCode': 200, 'body': context.function_version}\n"
OTHER = "210987654321"
INVOKE = {"Action": "lambda:InvokeFunction"}
ONLY_LATEST = ("Current operation does not support versions other than $LATEST. "
               "Please set the version to $LATEST or do not set a version in your request.")


def deploy(sb, name="items-api"):
    """``name`` with versions 1 and 2 and an alias ``live`` on version 1; returns its unqualified ARN."""
    arn = create_function(sb, name, CODE)["FunctionArn"]
    lam = sb.client("lambda")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(CODE + "# v2\n"))
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return arn


def error(raised) -> tuple[str, str]:
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def policy(lam, name="items-api", **kwargs) -> list[tuple[str, str]]:
    """(Sid, Resource) of each statement get_policy returns."""
    statements = json.loads(lam.get_policy(FunctionName=name, **kwargs)["Policy"])["Statement"]
    return [(statement["Sid"], statement["Resource"]) for statement in statements]


def test_add_permission_on_an_alias_arn_goes_to_the_alias(sb):
    """Does AddPermission with the alias' ARN (or name:alias) as FunctionName act as Qualifier=alias?"""
    arn = deploy(sb)
    lam = sb.client("lambda")
    s3 = {"Principal": "s3.amazonaws.com", **INVOKE}
    added = lam.add_permission(FunctionName=f"{arn}:live", StatementId="by-arn", **s3)
    assert json.loads(added["Statement"])["Resource"] == f"{arn}:live"
    lam.add_permission(FunctionName="items-api:live", StatementId="by-name", **s3)
    assert policy(lam, Qualifier="live") == [("by-arn", f"{arn}:live"), ("by-name", f"{arn}:live")]
    assert policy(lam, name=f"{arn}:live") == policy(lam, Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_policy(FunctionName="items-api")
    assert error(raised)[1] == "The resource you requested does not exist."


def test_the_function_each_version_and_each_alias_have_their_own_policy(sb):
    """Is a statement returned by GetPolicy of its own qualifier only, and may a Sid repeat across them?"""
    arn = deploy(sb)
    lam = sb.client("lambda")
    for qualifier in ({}, {"Qualifier": "1"}, {"Qualifier": "live"}):
        lam.add_permission(FunctionName="items-api", StatementId="s3", Principal="s3.amazonaws.com", **INVOKE,
                           **qualifier)
    assert policy(lam) == [("s3", arn)]
    assert policy(lam, Qualifier="$LATEST") == [("s3", arn)]
    assert policy(lam, Qualifier="1") == [("s3", f"{arn}:1")]
    assert policy(lam, Qualifier="live") == [("s3", f"{arn}:live")]
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_policy(FunctionName="items-api", Qualifier="2")
    assert error(raised) == ("ResourceNotFoundException", "The resource you requested does not exist.")


def test_remove_permission_by_qualified_name_removes_only_that_statement(sb):
    """Does RemovePermission with the alias' ARN remove the alias' statement and leave the function's?"""
    arn = deploy(sb)
    lam = sb.client("lambda")
    lam.add_permission(FunctionName="items-api", StatementId="s3", Principal="s3.amazonaws.com", **INVOKE)
    lam.add_permission(FunctionName=f"{arn}:live", StatementId="s3", Principal="s3.amazonaws.com", **INVOKE)
    lam.remove_permission(FunctionName=f"{arn}:live", StatementId="s3")
    assert policy(lam) == [("s3", arn)]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="items-api", Qualifier="live")


PERMISSION = {"StatementId": "s3", "Principal": "s3.amazonaws.com", **INVOKE}


@pytest.mark.parametrize(
    "operation, kwargs, code, message",
    [
        ("add_permission", {"FunctionName": "items-api:live", "Qualifier": "1", **PERMISSION},
         "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        ("add_permission", {"FunctionName": "items-api", "Qualifier": "$LATEST", **PERMISSION},
         "InvalidParameterValueException", "We currently do not support adding policies for $LATEST."),
        ("add_permission", {"FunctionName": "items-api:nope", **PERMISSION}, "ResourceNotFoundException",
         "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:items-api:nope"),
        ("add_permission", {"FunctionName": "items-api", "Qualifier": "42", **PERMISSION},
         "ResourceNotFoundException",
         "Function not found: arn:aws:lambda:us-east-1:123456789012:function:items-api:42"),
        ("add_permission", {"FunctionName": "missing", **PERMISSION}, "ResourceNotFoundException",
         "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"),
        ("add_permission", {"FunctionName": "items-api", **PERMISSION}, "ResourceConflictException",
         "The statement id (s3) provided already exists. "
         "Please provide a new statement id, or remove the existing statement."),
        ("remove_permission", {"FunctionName": "items-api", "Qualifier": "live", "StatementId": "s3"},
         "ResourceNotFoundException", "No policy is associated with the given resource."),
        ("remove_permission", {"FunctionName": "items-api", "Qualifier": "nope", "StatementId": "s3"},
         "ResourceNotFoundException",
         "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:items-api:nope"),
        ("remove_permission", {"FunctionName": "missing", "StatementId": "s3"}, "ResourceNotFoundException",
         "No policy found for: arn:aws:lambda:us-east-1:123456789012:function:missing"),
        ("get_policy", {"FunctionName": "items-api", "Qualifier": "77"}, "ResourceNotFoundException",
         "The resource you requested does not exist."),
    ],
    ids=["qualifier-mismatch", "latest", "missing-alias", "missing-version", "missing-function", "sid-taken",
         "remove-missing-sid", "remove-missing-alias", "remove-missing-function", "get-missing-version"],
)
def test_policy_operations_refuse_what_aws_refuses(sb, operation, kwargs, code, message):
    """Do AddPermission, RemovePermission and GetPolicy answer AWS's error for each invalid request?"""
    deploy(sb)
    lam = sb.client("lambda")
    lam.add_permission(FunctionName="items-api", **PERMISSION)
    with pytest.raises(ClientError) as raised:
        getattr(lam, operation)(**kwargs)
    assert error(raised) == (code, message)


def test_a_deleted_alias_takes_its_policy_along(sb):
    """Does an alias deleted and created again start without the old alias' statements?"""
    deploy(sb)
    lam = sb.client("lambda")
    lam.add_permission(FunctionName="items-api", Qualifier="live", **PERMISSION)
    lam.delete_alias(FunctionName="items-api", Name="live")
    lam.create_alias(FunctionName="items-api", Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="items-api", Qualifier="live")


def test_another_account_may_invoke_the_alias_a_permission_names_by_arn(sb):
    """After AddPermission(FunctionName=<alias ARN>), may the partner invoke the alias, and only the alias?"""
    arn = deploy(sb)
    lam = sb.client("lambda")
    lam.add_permission(FunctionName=f"{arn}:live", StatementId="partner", Principal=OTHER, **INVOKE)
    partner = sb.client("lambda", account=OTHER)
    assert partner.invoke(FunctionName=f"{arn}:live", InvocationType="DryRun")["StatusCode"] == 204
    for other in (arn, f"{arn}:1"):
        with pytest.raises(ClientError) as raised:
            partner.invoke(FunctionName=other, InvocationType="DryRun")
        assert raised.value.response["Error"]["Code"] == "AccessDeniedException"


def test_an_http_api_may_invoke_the_alias_its_permission_names_by_arn(sb):
    """Is an HTTP API integration on the alias 500 until a permission names the alias (by ARN), then 200?"""
    arn = deploy(sb)
    lam = sb.client("lambda")
    api = sb.client("apigatewayv2").create_api(Name="items", ProtocolType="HTTP", Target=f"{arn}:live")
    source = f"arn:aws:execute-api:{sb.region}:{sb.account_id}:{api['ApiId']}/*"
    apigw = {"Principal": "apigateway.amazonaws.com", "SourceArn": source, **INVOKE}
    lam.add_permission(FunctionName="items-api", StatementId="function", **apigw)
    assert call(api["ApiEndpoint"] + "/items").status == 500  # the function's policy does not cover the alias
    lam.add_permission(FunctionName=f"{arn}:live", StatementId="alias", **apigw)
    answer = call(api["ApiEndpoint"] + "/items")
    assert (answer.status, answer.body) == (200, b"1")


def test_a_cloudformation_permission_on_an_alias_arn_goes_to_the_alias(sb):
    """Does AWS::Lambda::Permission naming the alias' ARN add to the alias' policy, not the function's?"""
    arn = deploy(sb)
    permission = {"Type": "AWS::Lambda::Permission",
                  "Properties": {"FunctionName": f"{arn}:live", "Principal": "apigateway.amazonaws.com",
                                 **INVOKE}}
    cfn = sb.client("cloudformation")
    template = {"Resources": {"LivePermission": permission}}
    cfn.create_stack(StackName="permissions", TemplateBody=json.dumps(template))
    assert cfn.describe_stacks(StackName="permissions")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    lam = sb.client("lambda")
    [(_, resource)] = policy(lam, Qualifier="live")
    assert resource == f"{arn}:live"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="items-api")


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        ({"FunctionName": "items-api", "Qualifier": "1"}, "ResourceConflictException",
         "Unable to delete version because the following aliases reference it: [canary, live]"),
        ({"FunctionName": "items-api:2"}, "ResourceConflictException",
         "Unable to delete version because the following aliases reference it: [canary]"),
        ({"FunctionName": "items-api", "Qualifier": "live"}, "InvalidParameterValueException",
         "Deletion of aliases is not currently supported."),
        ({"FunctionName": "items-api", "Qualifier": "$LATEST"}, "InvalidParameterValueException",
         "$LATEST version cannot be deleted without deleting the function."),
        ({"FunctionName": "items-api:1", "Qualifier": "2"}, "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
    ],
    ids=["aliased", "weighted", "alias", "latest", "mismatch"],
)
def test_a_version_an_alias_uses_cannot_be_deleted(sb, kwargs, code, message):
    """Does DeleteFunction refuse a version an alias points or routes to (or an alias, $LATEST) like AWS?"""
    deploy(sb)
    lam = sb.client("lambda")
    lam.create_alias(FunctionName="items-api", Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    with pytest.raises(ClientError) as raised:
        lam.delete_function(**kwargs)
    assert error(raised) == (code, message)
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="items-api")["Versions"]] == [
        "$LATEST", "1", "2"]
    assert lam.get_function(FunctionName="items-api", Qualifier="live")["Configuration"]["Version"] == "1"


def test_a_version_no_alias_uses_can_be_deleted(sb):
    """Once no alias uses it, is a version deleted with its policy, and is deleting a missing one a no-op?"""
    deploy(sb)
    lam = sb.client("lambda")
    lam.add_permission(FunctionName="items-api", Qualifier="2", **PERMISSION)
    lam.delete_function(FunctionName="items-api", Qualifier="2")
    lam.delete_function(FunctionName="items-api", Qualifier="2")  # AWS: nothing to delete is a success
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="items-api")["Versions"]] == [
        "$LATEST", "1"]
    lam.update_function_code(FunctionName="items-api", ZipFile=make_zip(CODE + "# v3\n"))
    assert lam.publish_version(FunctionName="items-api")["Version"] == "2"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="items-api", Qualifier="2")


@pytest.mark.parametrize("name", ["items-api:1", "items-api:live",
                                  "arn:aws:lambda:us-east-1:123456789012:function:items-api:live"])
def test_a_published_version_cannot_be_changed(sb, name):
    """Are UpdateFunctionConfiguration and UpdateFunctionCode of a version or alias refused, it unchanged?"""
    deploy(sb)
    lam = sb.client("lambda")
    before = lam.get_function_configuration(FunctionName="items-api", Qualifier="1")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
        lam.update_function_configuration(FunctionName=name, Timeout=9)
    assert error(raised)[1] == ONLY_LATEST
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
        lam.update_function_code(FunctionName=name, ZipFile=make_zip(CODE + "# changed\n"))
    assert error(raised)[1] == ONLY_LATEST
    after = lam.get_function_configuration(FunctionName="items-api", Qualifier="1")
    assert (after["Timeout"], after["CodeSha256"]) == (before["Timeout"], before["CodeSha256"])
    assert lam.get_function_configuration(FunctionName="items-api")["Timeout"] == before["Timeout"]


def test_an_event_invoke_config_for_a_missing_version_is_not_found(sb):
    """Does PutFunctionEventInvokeConfig with a Qualifier naming no version answer AWS's 404?"""
    deploy(sb)
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.put_function_event_invoke_config(FunctionName="items-api", Qualifier="9", MaximumRetryAttempts=1)
    assert error(raised)[1] == "The function doesn't exist."


def test_plain_moto_answers_its_own_way_without_a_runtime(monkeypatch):
    """With no runtime active, does moto answer its own way (one policy, an aliased version deletable)?"""
    from workbook.lambda_runtime import moto_patch

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws(), moto_patch.suspended():
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        lam = boto3.client("lambda", region_name="us-east-1")
        lam.create_function(FunctionName="plain", Runtime="python3.12", Role=role, Handler="handler.handler",
                            Code={"ZipFile": make_zip(CODE)})
        lam.publish_version(FunctionName="plain")
        lam.create_alias(FunctionName="plain", Name="live", FunctionVersion="1")
        lam.add_permission(FunctionName="plain", Qualifier="live", **PERMISSION)
        assert len(json.loads(lam.get_policy(FunctionName="plain")["Policy"])["Statement"]) == 1
        lam.delete_function(FunctionName="plain", Qualifier="1")
