"""Can learners attach the AWS managed policies a Lambda course uses?"""

import json

import pytest

from workbook.deploy import LAMBDA_TRUST_POLICY

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def test_basic_execution_role_can_be_attached(sb):
    """Does attach_role_policy with AWSLambdaBasicExecutionRole work, as in every Lambda tutorial?"""
    iam = sb.client("iam")
    iam.create_role(RoleName="logs-only", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))
    iam.attach_role_policy(RoleName="logs-only", PolicyArn=BASIC)
    attached = iam.list_attached_role_policies(RoleName="logs-only")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [BASIC]


def test_basic_execution_role_allows_exactly_the_log_actions(sb):
    """Is the managed policy's document AWS's own (the three CloudWatch Logs actions)?"""
    iam = sb.client("iam")
    version = iam.get_policy(PolicyArn=BASIC)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=BASIC, VersionId=version)["PolicyVersion"]["Document"]
    if isinstance(document, str):
        document = json.loads(document)
    actions = document["Statement"][0]["Action"]
    assert sorted(actions) == ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


@pytest.mark.parametrize("name", ["service-role/AWSLambdaSQSQueueExecutionRole", "AmazonS3ReadOnlyAccess"])
def test_other_course_policies_exist(sb, name):
    """Are the other managed policies the course mentions there too?"""
    assert sb.client("iam").get_policy(PolicyArn=f"arn:aws:iam::aws:policy/{name}")["Policy"]["Arn"].endswith(name)
