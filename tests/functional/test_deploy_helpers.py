"""workbook.deploy.create_execution_role and deploy_function against the sandbox."""

from __future__ import annotations

import json

import pytest

from workbook.deploy import LAMBDA_TRUST_POLICY, create_execution_role, deploy_function
from workbook.lambda_logs import log_events, report_from_tail

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
APP_PY = """
def handler(event, context):
    print("release", RELEASE)
    return {"release": RELEASE, "timeout_ms": context.get_remaining_time_in_millis()}
"""


def app(release: str) -> dict[str, str]:
    return {"app.py": f"RELEASE = {release!r}\n" + APP_PY}


def invoke(lam, name: str) -> dict:
    return json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())


def attached(iam, role: str) -> list[str]:
    return sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])


def test_execution_role_trusts_lambda_and_gets_basic_execution(sb):
    """Does the role trust lambda.amazonaws.com and carry AWSLambdaBasicExecutionRole, as in AWS tutorials?"""
    iam = sb.client("iam")
    arn = create_execution_role(iam, "orders-role")
    role = iam.get_role(RoleName="orders-role")["Role"]
    assert arn == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    assert (json.loads(trust) if isinstance(trust, str) else trust) == LAMBDA_TRUST_POLICY
    assert attached(iam, "orders-role") == [BASIC]
    assert iam.list_role_policies(RoleName="orders-role")["PolicyNames"] == []


def test_statements_become_one_inline_policy_and_managed_names_are_resolved(sb):
    """Do extra statements land in an inline policy, and short managed names become AWS policy ARNs?"""
    iam = sb.client("iam")
    statement = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    create_execution_role(iam, "lister", statements=[statement], managed=["AmazonS3ReadOnlyAccess", BASIC])
    document = iam.get_role_policy(RoleName="lister", PolicyName="permissions")["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document["Statement"] == [statement]
    assert attached(iam, "lister") == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", BASIC]


def test_creating_the_role_again_is_safe(sb):
    """Can a learner run the setup cell twice without EntityAlreadyExists?"""
    iam = sb.client("iam")
    first = create_execution_role(iam, "twice")
    assert create_execution_role(iam, "twice") == first
    assert attached(iam, "twice") == [BASIC]


def test_a_function_deployed_with_the_role_runs_and_writes_its_logs(sb):
    """Is the role enough for a function to run and log to CloudWatch Logs?"""
    iam, lam = sb.client("iam"), sb.client("lambda")
    role_arn = create_execution_role(iam, "hello-role")
    config = deploy_function(lam, "hello", app("one"), role_arn)
    assert (config["State"], config["Handler"], config["Runtime"], config["Role"]) == (
        "Active",
        "app.handler",
        "python3.12",
        role_arn,
    )
    response = lam.invoke(FunctionName="hello", Payload=b"{}", LogType="Tail")
    assert json.loads(response["Payload"].read())["release"] == "one"
    assert report_from_tail(response)["Memory Size"] == 128
    sb.settle()
    assert "release one" in list(log_events(sb.client("logs"), "hello")["message"])


def test_deploying_again_updates_code_and_configuration(sb):
    """Does a second deploy_function update the code and the settings instead of failing with a conflict?"""
    lam = sb.client("lambda")
    role_arn = create_execution_role(sb.client("iam"), "update-role")
    deploy_function(lam, "release", app("one"), role_arn, Timeout=3)
    config = deploy_function(
        lam, "release", app("two"), role_arn, Timeout=9, Environment={"Variables": {"STAGE": "test"}}
    )
    assert (config["Timeout"], config["Environment"]["Variables"], config["LastUpdateStatus"]) == (
        9,
        {"STAGE": "test"},
        "Successful",
    )
    answer = invoke(lam, "release")
    assert answer["release"] == "two" and answer["timeout_ms"] > 3000


def test_handler_and_publish_are_applied_on_update(sb):
    """Do a new handler setting and Publish=True reach an existing function?"""
    lam = sb.client("lambda")
    role_arn = create_execution_role(sb.client("iam"), "publish-role")
    deploy_function(lam, "pub", app("one"), role_arn)
    config = deploy_function(
        lam, "pub", {"main.py": app("two")["app.py"]}, role_arn, handler="main.handler", Publish=True
    )
    assert config["Handler"] == "main.handler"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="pub")["Versions"]]
    assert versions[-1] == "1"
    assert invoke(lam, "pub")["release"] == "two"


def test_a_role_lambda_cannot_assume_is_refused_with_aws_error(sb):
    """Does deploy_function pass on CreateFunction's own error rather than hide it?"""
    iam = sb.client("iam")
    trust = json.dumps(LAMBDA_TRUST_POLICY).replace("lambda.amazonaws.com", "ec2.amazonaws.com")
    arn = iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="cannot be assumed"):
        deploy_function(lam, "nope", app("one"), arn)
