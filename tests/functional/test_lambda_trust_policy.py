"""sts:AssumeRole from a function's role honours the target role's trust policy, as on AWS."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from workbook import lambda_runtime
from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.lambda_runtime import iam

from .lambda_helpers import create_function, invoke

ACCOUNT = "123456789012"
ALLOW_ASSUME_ANY = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}


@pytest.fixture(autouse=True)
def enforcement():
    iam.install_role_enforcement()


def trust(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trusting(principal, effect="Allow") -> dict:
    return trust({"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"})


EC2_ONLY = trusting({"Service": "ec2.amazonaws.com"})


def make_role(iam_client, name: str, trust_policy: dict, *statements) -> str:
    arn = iam_client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy))["Role"][
        "Arn"
    ]
    if statements:
        iam_client.put_role_policy(
            RoleName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    return arn


def session_sts(sb, role_arn: str, function_name: str = "orders"):
    """An STS client signed with the function's execution-role session, over HTTP to the sandbox."""
    creds = iam.execution_role_credentials(sb.account_id, sb.region, role_arn, function_name)
    return sb.client(
        "sts",
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
    )


def denial(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def not_authorized(caller_role: str, session: str, target: str) -> str:
    return (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{caller_role}/{session} is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT}:role/{target}"
    )


# ---------------------------------------------------------------- signed with a function's role session


def test_a_role_trusting_only_ec2_cannot_be_assumed(sb):
    """Can a function whose role may sts:AssumeRole on * assume a role trusting only EC2? No: AccessDenied."""
    iam_client = sb.client("iam")
    caller = make_role(iam_client, "caller", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
    target = make_role(iam_client, "ec2-only", EC2_ONLY)
    error = denial(lambda: session_sts(sb, caller).assume_role(RoleArn=target, RoleSessionName="hop"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == not_authorized("caller", "orders", "ec2-only")


def test_a_trust_policy_naming_the_caller_role_lets_it_in(sb):
    """Does naming the function's role ARN in the trust policy let it assume the role (same account)?"""
    iam_client = sb.client("iam")
    caller = make_role(iam_client, "caller", LAMBDA_TRUST_POLICY)  # no identity policy needed in one account
    target = make_role(iam_client, "reports", trusting({"AWS": caller}))
    credentials = session_sts(sb, caller).assume_role(RoleArn=target, RoleSessionName="hop")["Credentials"]
    hopped = sb.client(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert hopped.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reports/hop"


def test_a_trust_policy_naming_the_session_lets_it_in(sb):
    """Does naming the assumed-role session ARN work as well?"""
    iam_client = sb.client("iam")
    caller = make_role(iam_client, "caller", LAMBDA_TRUST_POLICY)
    target = make_role(
        iam_client, "reports", trusting({"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/caller/orders"})
    )
    session_sts(sb, caller).assume_role(RoleArn=target, RoleSessionName="hop")
    error = denial(
        lambda: session_sts(sb, caller, "invoices").assume_role(RoleArn=target, RoleSessionName="hop")
    )
    assert error["Message"] == not_authorized("caller", "invoices", "reports")


@pytest.mark.parametrize("root", [f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT])
def test_trusting_the_account_needs_an_identity_policy_too(sb, root):
    """When the trust policy names the account, do the caller's own policies decide? Yes, both ways."""
    iam_client = sb.client("iam")
    allowed = make_role(iam_client, "allowed", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
    bare = make_role(iam_client, "bare", LAMBDA_TRUST_POLICY)
    target = make_role(iam_client, "reports", trusting({"AWS": root}))
    session_sts(sb, allowed).assume_role(RoleArn=target, RoleSessionName="hop")
    error = denial(lambda: session_sts(sb, bare).assume_role(RoleArn=target, RoleSessionName="hop"))
    assert error["Message"] == not_authorized("bare", "orders", "reports")


def test_an_explicit_deny_wins_on_either_side(sb):
    """Does a Deny in the caller's policy, or in the trust policy, refuse a role the trust names?"""
    iam_client = sb.client("iam")
    denied = make_role(
        iam_client,
        "denied",
        LAMBDA_TRUST_POLICY,
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
    )
    caller = make_role(iam_client, "caller", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
    target = make_role(
        iam_client,
        "reports",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": [denied, f"arn:aws:iam::{ACCOUNT}:root"]},
                "Action": "sts:AssumeRole",
            },
            {"Effect": "Deny", "Principal": {"AWS": caller}, "Action": "sts:*"},
        ),
    )
    for role, name in ((denied, "denied"), (caller, "caller")):
        error = denial(
            lambda role=role: session_sts(sb, role).assume_role(RoleArn=target, RoleSessionName="hop")
        )
        assert error["Message"] == not_authorized(name, "orders", "reports")


def test_a_missing_target_role_is_access_denied(sb):
    """What does assuming a role that does not exist give a function? The same AccessDenied (AWS hides it)."""
    caller = make_role(sb.client("iam"), "caller", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
    ghost = f"arn:aws:iam::{ACCOUNT}:role/ghost"
    error = denial(lambda: session_sts(sb, caller).assume_role(RoleArn=ghost, RoleSessionName="hop"))
    assert error["Message"] == not_authorized("caller", "orders", "ghost")


def test_the_notebook_can_still_assume_any_role(sb):
    """Do the notebook's own calls (the sandbox's key, the account's administrator) work as before?"""
    target = make_role(sb.client("iam"), "ec2-only", EC2_ONLY)
    assumed = sb.client("sts").assume_role(RoleArn=target, RoleSessionName="admin")
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/ec2-only/admin"


@pytest.mark.parametrize("operation", ["get_session_token", "get_federation_token"])
def test_a_session_cannot_mint_long_term_style_tokens(sb, operation):
    """Can a function's session call GetSessionToken or GetFederationToken? No, as on AWS."""
    caller = make_role(
        sb.client("iam"), "caller", LAMBDA_TRUST_POLICY, {"Effect": "Allow", "Action": "*", "Resource": "*"}
    )
    sts = session_sts(sb, caller)
    kwargs = {"Name": "someone"} if operation == "get_federation_token" else {}
    error = denial(lambda: getattr(sts, operation)(**kwargs))
    name = "GetSessionToken" if operation == "get_session_token" else "GetFederationToken"
    assert error == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": f"Cannot call {name} with session credentials",
    }


def test_urls_presigned_by_a_session_carry_its_permissions(sb):
    """Does a URL presigned with the function's credentials reach only what its role allows?"""
    s3 = sb.client("s3")
    for bucket in ("public", "private"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=bucket.encode())
    caller = make_role(
        sb.client("iam"),
        "reader",
        LAMBDA_TRUST_POLICY,
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"},
    )
    creds = iam.execution_role_credentials(sb.account_id, sb.region, caller, "orders")
    role_s3 = sb.client(
        "s3",
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
    )
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fetch(bucket):
        url = role_s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
        try:
            with opener.open(url, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    assert fetch("public") == (200, b"public")
    status, body = fetch("private")
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body


# ---------------------------------------------------------------- from a real handler

HOPPER = """
import boto3

def handler(event, context):
    try:
        assumed = boto3.client("sts").assume_role(RoleArn=event["target"], RoleSessionName="hop")
    except Exception as exc:
        return {"error": exc.response["Error"]}
    return {"arn": assumed["AssumedRoleUser"]["Arn"]}
"""


@pytest.mark.slow
def test_a_handler_cannot_hop_into_a_role_that_does_not_trust_it(sb):
    """From a handler, is AssumeRole refused on an EC2-only role and allowed on a role trusting it?"""
    iam_client = sb.client("iam")
    caller = make_role(iam_client, "hopper-role", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
    ec2_only = make_role(iam_client, "ec2-only", EC2_ONLY)
    trusting_role = make_role(iam_client, "reports", trusting({"AWS": caller}))
    create_function(sb, "hopper", HOPPER, Role=caller, Timeout=30)
    assert invoke(sb, "hopper", {"target": ec2_only})["Payload"] == {
        "error": {
            "Type": "Sender",
            "Code": "AccessDenied",
            "Message": not_authorized("hopper-role", "hopper", "ec2-only"),
        }
    }
    assert invoke(sb, "hopper", {"target": trusting_role})["Payload"] == {
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/reports/hop"
    }


@pytest.mark.slow
def test_trust_policies_hold_under_mock_aws_and_activate(moto_env):
    """With `mock_aws()` and `lambda_runtime.activate()`, is the trust policy enforced for the handler too?"""
    from .lambda_helpers import make_zip

    with mock_aws(), lambda_runtime.activate():
        iam_client = boto3.client("iam", region_name="us-east-1")
        caller = make_role(iam_client, "hopper-role", LAMBDA_TRUST_POLICY, ALLOW_ASSUME_ANY)
        ec2_only = make_role(iam_client, "ec2-only", EC2_ONLY)
        lam = boto3.client("lambda", region_name="us-east-1")
        lam.create_function(
            FunctionName="hopper",
            Runtime="python3.12",
            Role=caller,
            Handler="handler.handler",
            Code={"ZipFile": make_zip(HOPPER)},
            Timeout=30,
        )
        response = lam.invoke(FunctionName="hopper", Payload=json.dumps({"target": ec2_only}).encode())
        assert json.loads(response["Payload"].read())["error"]["Message"] == not_authorized(
            "hopper-role", "hopper", "ec2-only"
        )
        # the test's own in-process calls keep moto's behaviour: the "testing" key may assume anything
        assert boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=ec2_only, RoleSessionName="tester"
        )
    assert "AWS_ENDPOINT_URL" not in os.environ


# ---------------------------------------------------------------- the decision itself


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/me"},
                    "Action": "sts:AssumeRole",
                }
            ],
            "allow",
        ),
        ([{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}], "allow"),
        ([{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}], "account"),
        (
            [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
            "none",
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
            "none",
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/me"},
                    "Action": "sts:TagSession",
                }
            ],
            "none",
        ),
        (
            [
                {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            ],
            "deny",
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/other"},
                    "Action": "sts:AssumeRole",
                }
            ],
            "allow",
        ),
    ],
)
def test_trust_decisions(statements, expected):
    """How does a trust policy answer AssumeRole by role "me" of account 123456789012?"""
    document = json.dumps(trust(*statements))
    assert iam.trust_decision(document, ACCOUNT, {"arn:aws:iam::123456789012:role/me"}) == expected
