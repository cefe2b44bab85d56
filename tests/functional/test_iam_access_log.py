"""The access log and the policy engine behind execution roles, against a running sandbox."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.iam.call_log import least_privilege_policy
from workbook.lambda_runtime import iam


@pytest.fixture(autouse=True)
def enforcement():
    iam.install_role_enforcement()


def make_role(sb, name, statements, boundary_arn=None):
    client = sb.client("iam")
    extra = {"PermissionsBoundary": boundary_arn} if boundary_arn else {}
    arn = client.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY), **extra
    )["Role"]["Arn"]
    if statements:
        policy = {"Version": "2012-10-17", "Statement": statements}
        client.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return arn


def role_client(sb, service, role_arn, function_name="orders"):
    creds = iam.execution_role_credentials(sb.account_id, sb.region, role_arn, function_name)
    return sb.client(
        service,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
    )


def error_of(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_each_call_is_logged_with_its_decision_and_statement(sb):
    """Which calls does the log hold? Each call of the session: action, resource, allowed, and the deciding statement."""
    sb.client("s3").create_bucket(Bucket="orders")
    role = make_role(
        sb,
        "orders-role",
        [
            {
                "Sid": "WriteOrders",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::orders/*",
            }
        ],
    )
    s3 = role_client(sb, "s3", role)
    s3.put_object(Bucket="orders", Key="1.json", Body=b"{}")
    error_of(lambda: s3.get_object(Bucket="orders", Key="1.json"))
    sb.client("s3").list_buckets()  # the notebook's own call: not logged
    log = sb.access_log("orders")
    assert log[["action", "resource", "allowed"]].values.tolist() == [
        ["s3:PutObject", "arn:aws:s3:::orders/1.json", True],
        ["s3:GetObject", "arn:aws:s3:::orders/1.json", False],
    ]
    assert log.loc[0, "statement"] == "inline/WriteOrders" and log["statement"].isna().tolist() == [
        False,
        True,
    ]
    assert log.loc[0, "role"] == role and log.loc[1, "decision"] == "implicit-deny"


def test_reset_empties_the_log(sb):
    """Does sb.reset() forget the logged calls? Yes."""
    role = make_role(sb, "r", [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}])
    role_client(sb, "sqs", role).list_queues()
    assert len(sb.access_log()) == 1
    sb.reset()
    assert sb.access_log().empty


def test_managed_policies_are_named_in_the_log(sb):
    """Which statement does the log name for an attached managed policy? Its policy name and index."""
    role = make_role(sb, "reader", [])
    policy_arn = sb.client("iam").create_policy(
        PolicyName="QueueLister",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:List*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    sb.client("iam").attach_role_policy(RoleName="reader", PolicyArn=policy_arn)
    role_client(sb, "sqs", role, "reader-fn").list_queues()
    assert sb.access_log("reader-fn").loc[0, "statement"] == "QueueLister/0"


def test_conditions_are_enforced_on_handler_calls(sb):
    """Does an Allow limited to another source IP range allow the call? No: the loopback address is outside it."""
    role = make_role(
        sb,
        "r",
        [
            {
                "Effect": "Allow",
                "Action": "sqs:ListQueues",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            },
            {
                "Effect": "Allow",
                "Action": "sqs:CreateQueue",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": sb.region}},
            },
        ],
    )
    sqs = role_client(sb, "sqs", role)
    assert error_of(sqs.list_queues)["Code"] in ("AccessDenied", "AccessDeniedException")
    sqs.create_queue(QueueName="jobs")


def test_a_permissions_boundary_caps_the_role(sb):
    """With s3:* in the role and a boundary allowing only GetObject, is PutObject refused, and does the error say why? Yes."""
    sb.client("s3").create_bucket(Bucket="orders")
    boundary = sb.client("iam").create_policy(
        PolicyName="ReadOnlyBoundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    role = make_role(
        sb, "capped", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}], boundary_arn=boundary
    )
    s3 = role_client(sb, "s3", role, "capped-fn")
    error = error_of(lambda: s3.put_object(Bucket="orders", Key="k", Body=b"x"))
    assert error["Code"] == "AccessDenied"
    assert "because no permissions boundary allows the s3:PutObject action" in error["Message"]
    sb.client("s3").put_object(Bucket="orders", Key="k", Body=b"x")
    assert s3.get_object(Bucket="orders", Key="k")["Body"].read() == b"x"


HANDLER = """
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket="orders", Key="a", Body=b"x")
    s3.get_object(Bucket="orders", Key="a")
    return "ok"
"""


@pytest.mark.slow
def test_a_handler_calls_become_a_least_privilege_policy(sb):
    """Does the policy built from a handler's logged calls grant exactly those calls? Yes: the handler still works with it alone."""
    sb.client("s3").create_bucket(Bucket="orders")
    role = make_role(sb, "wide", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    lam = sb.client("lambda")
    lam.create_function(
        FunctionName="writer",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=30,
    )
    assert "FunctionError" not in lam.invoke(FunctionName="writer")
    policy = least_privilege_policy(sb.access_log("writer"))
    assert policy["Statement"] == [
        {
            "Sid": "Used1",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::orders/a",
        }
    ]
    sb.client("iam").put_role_policy(RoleName="wide", PolicyName="inline", PolicyDocument=json.dumps(policy))
    assert "FunctionError" not in lam.invoke(FunctionName="writer")
    assert sb.access_log("writer")["statement"].tolist()[-1] == "inline/Used1"
