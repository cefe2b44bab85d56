"""Policy evaluation and trust policies for execution roles, without a sandbox."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from workbook.lambda_runtime import iam


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_nothing_allows_means_implicit_deny():
    """What does an empty set of policies decide? An implicit deny."""
    assert iam.evaluate([], "s3:GetObject", "arn:aws:s3:::b/k") == "implicit-deny"


def test_action_wildcards_match_case_insensitively():
    """Does "S3:get*" allow s3:GetObject, as AWS treats action names case-insensitively?"""
    documents = [policy({"Effect": "Allow", "Action": "S3:get*", "Resource": "*"})]
    assert iam.evaluate(documents, "s3:GetObject", "arn:aws:s3:::b/k") == "allow"


def test_resource_arns_match_case_sensitively():
    """Does a policy for bucket "Orders" cover bucket "orders"? No: ARNs are case-sensitive."""
    documents = [policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::Orders/*"})]
    assert iam.evaluate(documents, "s3:PutObject", "arn:aws:s3:::orders/k") == "implicit-deny"


def test_explicit_deny_wins_across_documents():
    """Does a Deny in one policy override an Allow in another?"""
    documents = [
        policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        policy({"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}),
    ]
    assert iam.evaluate(documents, "dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:1:table/t") == "deny"


def test_not_action_and_not_resource():
    """Are NotAction and NotResource honoured?"""
    documents = [policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})]
    assert iam.evaluate(documents, "s3:GetObject", "arn:aws:s3:::public/k") == "allow"
    assert iam.evaluate(documents, "s3:GetObject", "arn:aws:s3:::secret/k") == "implicit-deny"
    assert iam.evaluate(documents, "iam:ListRoles", "*") == "implicit-deny"


def test_unknown_resource_matches_any_resource_element():
    """When the request's resource cannot be worked out, do Resource elements still block it? No."""
    documents = [policy({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:*:*:parameter/x"})]
    assert iam.evaluate(documents, "ssm:GetParameter", None) == "allow"


@pytest.mark.parametrize(
    "principal",
    [{"Service": "lambda.amazonaws.com"}, {"Service": ["edgelambda.amazonaws.com", "lambda.amazonaws.com"]}, "*"],
)
def test_trust_policies_that_let_lambda_in(principal):
    """Which Principal forms let Lambda assume the role?"""
    trust = policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    assert iam.trust_policy_allows_lambda(json.dumps(trust))


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:TagSession"},
        {"Effect": "Deny", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ],
)
def test_trust_policies_that_keep_lambda_out(statement):
    """Which trust policies keep Lambda out?"""
    assert not iam.trust_policy_allows_lambda(json.dumps(policy(statement)))


def test_session_name_for_short_function_names():
    """What RoleSessionName does a function get? Its name; one-letter names get a suffix."""
    assert iam.session_name_for("orders") == "orders"
    assert iam.session_name_for("f") == "f@lambda_function"


def test_enforcement_works_with_in_process_mock_aws(monkeypatch):
    """Is the role enforced under plain `mock_aws` (no server), while default credentials stay free?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    iam.install_role_enforcement()
    with mock_aws():
        client = boto3.client("iam", region_name="us-east-1")
        trust = policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
        role = client.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        client.put_role_policy(
            RoleName="r",
            PolicyName="p",
            PolicyDocument=json.dumps(policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})),
        )
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="inproc-bucket")
        creds = iam.execution_role_credentials("123456789012", "us-east-1", role, "fn")
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds["AWS_SESSION_TOKEN"],
        )
        s3.put_object(Bucket="inproc-bucket", Key="k", Body=b"x")
        with pytest.raises(ClientError) as caught:
            s3.delete_bucket(Bucket="inproc-bucket")
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
        assert "assumed-role/r/fn is not authorized to perform: s3:DeleteBucket" in caught.value.response["Error"]["Message"]
