"""The execution role: a function's credentials carry exactly the role's permissions."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.lambda_runtime import iam

EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture(autouse=True)
def enforcement():
    iam.install_role_enforcement()


def make_role(sb, name, statements, trust=LAMBDA_TRUST_POLICY):
    client = sb.client("iam")
    arn = client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
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


def zipped_handler() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_credentials_identify_as_the_function_session_of_the_role(sb):
    """Who does STS say the function is? assumed-role/<role>/<function name>."""
    role = make_role(sb, "orders-role", [])
    identity = role_client(sb, "sts", role).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{sb.account_id}:assumed-role/orders-role/orders"


def test_one_character_function_names_get_the_lambda_suffix(sb):
    """What session name does a function called "f" get? "f@lambda_function", as on AWS."""
    role = make_role(sb, "short-role", [])
    identity = role_client(sb, "sts", role, function_name="f").get_caller_identity()
    assert identity["Arn"].endswith("assumed-role/short-role/f@lambda_function")


def test_credentials_are_reused_until_the_account_is_reset(sb):
    """Does asking twice for the same function's credentials hand back the same ones?"""
    role = make_role(sb, "reuse-role", [])
    first = iam.execution_role_credentials(sb.account_id, sb.region, role, "orders")
    assert iam.execution_role_credentials(sb.account_id, sb.region, role, "orders") == first
    sb.reset()
    role = make_role(sb, "reuse-role", [])
    assert iam.execution_role_credentials(sb.account_id, sb.region, role, "orders") != first


def test_allowed_action_on_the_allowed_bucket_succeeds(sb):
    """Can the role put an object where its policy allows it?"""
    sb.client("s3").create_bucket(Bucket="orders-in")
    role = make_role(sb, "s3-role", [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::orders-in/*"}])
    role_client(sb, "s3", role).put_object(Bucket="orders-in", Key="a.json", Body=b"{}")
    assert sb.client("s3").get_object(Bucket="orders-in", Key="a.json")["Body"].read() == b"{}"


def test_same_action_on_another_bucket_is_denied_with_the_aws_message(sb):
    """What does the handler see when it writes to a bucket its role does not cover?"""
    for bucket in ("orders-in", "orders-archive"):
        sb.client("s3").create_bucket(Bucket=bucket)
    role = make_role(sb, "s3-role", [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::orders-in/*"}])
    error = error_of(lambda: role_client(sb, "s3", role).put_object(Bucket="orders-archive", Key="a", Body=b""))
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:sts::{sb.account_id}:assumed-role/s3-role/orders is not authorized to perform: "
        "s3:PutObject on resource: arn:aws:s3:::orders-archive/a "
        "because no identity-based policy allows the s3:PutObject action"
    )


def test_actions_the_policy_does_not_name_are_denied(sb):
    """Is a DynamoDB DeleteTable denied when the role only allows PutItem?"""
    sb.client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table_arn = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/orders"
    role = make_role(sb, "ddb-role", [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn}])
    dynamodb = role_client(sb, "dynamodb", role)
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "1"}})
    error = error_of(lambda: dynamodb.delete_table(TableName="orders"))
    assert error["Code"] == "AccessDeniedException"
    assert "is not authorized to perform: dynamodb:DeleteTable on resource: " + table_arn in error["Message"]


def test_resource_scoped_permission_does_not_reach_other_tables(sb):
    """Does PutItem allowed on one table stop at that table?"""
    for name in ("orders", "invoices"):
        sb.client("dynamodb").create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    table_arn = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/orders"
    role = make_role(sb, "ddb-role", [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn}])
    error = error_of(
        lambda: role_client(sb, "dynamodb", role).put_item(TableName="invoices", Item={"id": {"S": "1"}})
    )
    assert error["Code"] == "AccessDeniedException"


def test_attached_managed_policies_count(sb):
    """Does a customer-managed policy attached to the role grant its permissions?"""
    sb.client("sqs").create_queue(QueueName="jobs")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
    policy_arn = sb.client("iam").create_policy(PolicyName="sqs-all", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
    role = make_role(sb, "sqs-role", [])
    sb.client("iam").attach_role_policy(RoleName="sqs-role", PolicyArn=policy_arn)
    sqs = role_client(sb, "sqs", role)
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="jobs")["QueueUrl"], MessageBody="hi")


def test_an_explicit_deny_beats_an_allow(sb):
    """Does a Deny statement win over a broader Allow, with AWS's explicit-deny wording?"""
    sb.client("s3").create_bucket(Bucket="vault")
    role = make_role(
        sb,
        "deny-role",
        [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::vault"},
        ],
    )
    error = error_of(lambda: role_client(sb, "s3", role).delete_bucket(Bucket="vault"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"].endswith("with an explicit deny in an identity-based policy")


def test_the_notebook_own_calls_are_never_restricted(sb):
    """Do the learner's notebook calls (fake long-term keys) still do anything, roles or not?"""
    make_role(sb, "nothing-allowed", [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="mine")
    s3.put_object(Bucket="mine", Key="k", Body=b"v")
    s3.delete_object(Bucket="mine", Key="k")
    sb.client("sqs").create_queue(QueueName="mine")
    sb.client("lambda").list_functions()


def test_get_caller_identity_is_always_allowed(sb):
    """Can a role with an explicit Deny on everything still ask who it is? Yes, as on AWS."""
    role = make_role(sb, "denied-role", [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    assert "assumed-role/denied-role/" in role_client(sb, "sts", role).get_caller_identity()["Arn"]


def create_victim(sb, name="victim"):
    role = make_role(sb, "victim-role", [])
    sb.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": zipped_handler()}
    )
    return f"arn:aws:lambda:{sb.region}:{sb.account_id}:function:{name}"


def test_role_allowed_delete_function_can_delete(sb):
    """Can a role allowed lambda:DeleteFunction delete a function (a signed DELETE without a body)?"""
    create_victim(sb)
    role = make_role(sb, "deleter", [{"Effect": "Allow", "Action": "lambda:DeleteFunction", "Resource": "*"}])
    role_client(sb, "lambda", role).delete_function(FunctionName="victim")
    assert "victim" not in [f["FunctionName"] for f in sb.client("lambda").list_functions()["Functions"]]


def test_role_without_delete_function_is_denied(sb):
    """What does a role without lambda:DeleteFunction get when it deletes a function? AccessDenied."""
    function_arn = create_victim(sb)
    role = make_role(sb, "reader", [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}])
    error = error_of(lambda: role_client(sb, "lambda", role).delete_function(FunctionName="victim"))
    assert error["Code"] == "AccessDeniedException"
    assert f"is not authorized to perform: lambda:DeleteFunction on resource: {function_arn}" in error["Message"]
    assert sb.client("lambda").get_function(FunctionName="victim")["Configuration"]["FunctionName"] == "victim"


def test_missing_role_cannot_be_assumed(sb):
    """What happens when the runtime asks for credentials of a role that does not exist?"""
    with pytest.raises(iam.RoleCannotBeAssumed):
        iam.execution_role_credentials(sb.account_id, sb.region, f"arn:aws:iam::{sb.account_id}:role/ghost", "fn")


def test_role_that_does_not_trust_lambda_cannot_be_assumed(sb):
    """What happens when the role's trust policy names another service?"""
    role = make_role(sb, "ec2-role", [], trust=EC2_TRUST)
    with pytest.raises(iam.RoleCannotBeAssumed):
        iam.execution_role_credentials(sb.account_id, sb.region, role, "fn")


def test_create_function_rejects_a_role_lambda_cannot_assume(sb):
    """What does CreateFunction say when the role does not trust lambda.amazonaws.com?"""
    role = make_role(sb, "ec2-role", [], trust=EC2_TRUST)
    error = error_of(
        lambda: sb.client("lambda").create_function(
            FunctionName="orders", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": zipped_handler()},
        )
    )
    assert error == {
        "Code": "InvalidParameterValueException",
        "Message": "The role defined for the function cannot be assumed by Lambda.",
    }


def test_update_function_configuration_rejects_a_role_lambda_cannot_assume(sb):
    """Can a function be switched to a role Lambda cannot assume? No, same error as CreateFunction."""
    good = make_role(sb, "lambda-role", [])
    bad = make_role(sb, "ec2-role", [], trust=EC2_TRUST)
    lam = sb.client("lambda")
    lam.create_function(
        FunctionName="orders", Runtime="python3.12", Role=good, Handler="app.handler",
        Code={"ZipFile": zipped_handler()},
    )
    error = error_of(lambda: lam.update_function_configuration(FunctionName="orders", Role=bad))
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "The role defined for the function cannot be assumed by Lambda."
    assert lam.get_function_configuration(FunctionName="orders")["Role"] == good


WRITER = '''
import boto3

def handler(event, context):
    try:
        boto3.client("s3").put_object(Bucket=event["bucket"], Key="from-lambda", Body=b"x")
    except Exception as exc:
        return {"error": exc.response["Error"]}
    return {"who": boto3.client("sts").get_caller_identity()["Arn"]}
'''


def deploy_writer(sb, role):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", WRITER)
    sb.client("lambda").create_function(
        FunctionName="writer", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()}, Timeout=30,
    )


def invoke(sb, payload):
    response = sb.client("lambda").invoke(FunctionName="writer", Payload=json.dumps(payload).encode())
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read())


@pytest.mark.slow
def test_handler_runs_as_its_execution_role(sb):
    """Inside a handler, who is the caller? The function's session of its execution role."""
    sb.client("s3").create_bucket(Bucket="orders-in")
    role = make_role(sb, "writer-role", [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::orders-in/*"}])
    deploy_writer(sb, role)
    assert invoke(sb, {"bucket": "orders-in"}) == {"who": f"arn:aws:sts::{sb.account_id}:assumed-role/writer-role/writer"}
    assert sb.client("s3").get_object(Bucket="orders-in", Key="from-lambda")["Body"].read() == b"x"


@pytest.mark.slow
def test_handler_is_denied_what_its_role_does_not_allow(sb):
    """What does a handler see when it writes outside its role's permissions? AWS's AccessDenied."""
    for bucket in ("orders-in", "orders-archive"):
        sb.client("s3").create_bucket(Bucket=bucket)
    role = make_role(sb, "writer-role", [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::orders-in/*"}])
    deploy_writer(sb, role)
    error = invoke(sb, {"bucket": "orders-archive"})["error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(
        f"User: arn:aws:sts::{sb.account_id}:assumed-role/writer-role/writer is not authorized to perform: s3:PutObject"
    )
