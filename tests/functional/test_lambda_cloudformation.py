"""Functions deployed with CloudFormation (moto's) run in the local runtime; stack updates ship new code."""

from __future__ import annotations

import json

import pytest

from tests.functional.lambda_helpers import TRUST_POLICY, invoke, make_zip

pytestmark = pytest.mark.sandbox

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
ROLE = {"Fn::GetAtt": ["Role", "Arn"]}
READ_TABLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def template(inline: str = "def handler(e, c):\n    return 'inline'\n", key: str = "v1.zip") -> str:
    def function(name: str, handler: str, code: dict, **more) -> dict:
        properties = {"FunctionName": name, "Runtime": "python3.12", "Role": ROLE, "Handler": handler}
        return {"Type": "AWS::Lambda::Function", "Properties": {**properties, "Code": code, **more}}

    resources = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "stack-role",
                "AssumeRolePolicyDocument": TRUST_POLICY,
                "Policies": [{"PolicyName": "read-table", "PolicyDocument": READ_TABLE}],
                "ManagedPolicyArns": [BASIC],
            },
        },
        "Tools": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {"LayerName": "tools", "Content": {"S3Bucket": "artifacts", "S3Key": "tools.zip"}},
        },
        "Inline": function("stack-inline", "index.handler", {"ZipFile": inline}),
        "Packaged": function(
            "stack-packaged",
            "handler.handler",
            {"S3Bucket": "artifacts", "S3Key": key},
            Layers=[{"Ref": "Tools"}],
        ),
        "FromS3": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": "Packaged"},
                "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com",
            },
        },
        "Published": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Packaged"}}},
        "Live": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {
                "FunctionName": {"Ref": "Packaged"},
                "Name": "live",
                "FunctionVersion": {"Fn::GetAtt": ["Published", "Version"]},
            },
        },
    }
    return json.dumps({"Resources": resources})


HANDLER = """
import tools

def handler(event, context):
    return tools.tag({release!r})
"""


@pytest.fixture
def artifacts(sb):
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="artifacts")
    tools = make_zip("def tag(text):\n    return f'<{text}>'\n", "python/tools.py")
    s3.put_object(Bucket="artifacts", Key="tools.zip", Body=tools)
    for release in ("v1", "v2"):
        s3.put_object(
            Bucket="artifacts", Key=f"{release}.zip", Body=make_zip(HANDLER.format(release=release))
        )
    return s3


def status(sb, stack: str) -> str:
    return sb.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def failed_events(sb, stack: str) -> list[tuple[str, str, str]]:
    events = sb.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in events
        if e["ResourceStatus"].endswith("_FAILED")
    ]


def test_a_stack_creates_functions_that_run_and_an_update_ships_new_code(sb, artifacts):
    """Do inline (index.py) and S3 functions of a stack run, and does update_stack ship both new codes?"""
    cfn, lam = sb.client("cloudformation"), sb.client("lambda")
    cfn.create_stack(
        StackName="orders",
        TemplateBody=template("def handler(e, c):\n    return 1\n"),
        Capabilities=CAPABILITIES,
    )
    assert status(sb, "orders") == "CREATE_COMPLETE"
    assert invoke(sb, "stack-inline")["Payload"] == 1
    assert invoke(sb, "stack-packaged")["Payload"] == "<v1>"  # the layer from the stack is on the path
    assert invoke(sb, "stack-packaged", Qualifier="1")["Payload"] == "<v1>"
    assert invoke(sb, "stack-packaged", Qualifier="live")["ExecutedVersion"] == "1"
    statement = json.loads(lam.get_policy(FunctionName="stack-packaged")["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}

    cfn.update_stack(
        StackName="orders",
        TemplateBody=template("def handler(e, c):\n    return 2\n", "v2.zip"),
        Capabilities=CAPABILITIES,
    )
    assert status(sb, "orders") == "UPDATE_COMPLETE"
    assert invoke(sb, "stack-inline")["Payload"] == 2
    assert invoke(sb, "stack-packaged")["Payload"] == "<v2>"

    cfn.delete_stack(StackName="orders")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == []


def test_inline_code_is_written_to_index_py(sb, artifacts):
    """Is a stack's inline ZipFile code the file index.py of the package (handler index.handler)?"""
    source = "import os\n\ndef handler(e, c):\n    return sorted(os.listdir('.'))\n"
    sb.client("cloudformation").create_stack(
        StackName="inline", TemplateBody=template(source), Capabilities=CAPABILITIES
    )
    assert "index.py" in invoke(sb, "stack-inline")["Payload"]


def test_stack_resources_keep_their_names_refs_and_policies(sb, artifacts):
    """Do the layer keep its LayerName, Refs give ARNs, and the role get JSON inline and managed policies?"""
    cfn, lam, iam = sb.client("cloudformation"), sb.client("lambda"), sb.client("iam")
    cfn.create_stack(StackName="named", TemplateBody=template(), Capabilities=CAPABILITIES)
    assert [layer["LayerName"] for layer in lam.list_layers()["Layers"]] == ["tools"]
    physical = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId")
        for r in cfn.describe_stack_resources(StackName="named")["StackResources"]
    }
    assert physical["Live"] == lam.get_alias(FunctionName="stack-packaged", Name="live")["AliasArn"]
    assert physical["Published"].endswith(":function:stack-packaged:1")
    assert iam.get_role_policy(RoleName="stack-role", PolicyName="read-table")["PolicyDocument"] == READ_TABLE
    attached = iam.list_attached_role_policies(RoleName="stack-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [BASIC]


def test_a_resource_lambda_refuses_rolls_the_stack_back(sb, artifacts):
    """Does a missing S3 key fail the function's resource with Lambda's message and roll the stack back?"""
    cfn, lam = sb.client("cloudformation"), sb.client("lambda")
    cfn.create_stack(StackName="broken", TemplateBody=template(key="missing.zip"), Capabilities=CAPABILITIES)
    assert status(sb, "broken") == "ROLLBACK_COMPLETE"
    [(logical_id, resource_status, reason)] = failed_events(sb, "broken")
    assert (logical_id, resource_status) == ("Packaged", "CREATE_FAILED")
    assert reason.startswith(
        'Resource handler returned message: "Error occurred while GetObject. S3 Error Code: NoSuchKey. '
        "S3 Error Message: The specified key does not exist. (Service: Lambda, Status Code: 400, Request ID: "
    )
    assert reason.endswith(", HandlerErrorCode: InvalidRequest)")
    assert lam.list_functions()["Functions"] == []  # what the stack had created is deleted


def test_a_function_name_already_taken_fails_the_stack(sb, artifacts):
    """Does a stack whose function name exists fail that resource as AWS does, leaving the function alone?"""
    lam = sb.client("lambda")
    role = sb.client("iam").create_role(RoleName="own", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    lam.create_function(
        FunctionName="stack-inline",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": make_zip("def handler(e, c):\n    return 0\n")},
    )
    sb.client("cloudformation").create_stack(
        StackName="taken", TemplateBody=template(), Capabilities=CAPABILITIES
    )
    assert status(sb, "taken") == "ROLLBACK_COMPLETE"
    assert failed_events(sb, "taken") == [
        (
            "Inline",
            "CREATE_FAILED",
            "Resource of type 'AWS::Lambda::Function' with identifier 'stack-inline' already exists.",
        )
    ]
    assert invoke(sb, "stack-inline")["Payload"] == 0


def test_a_failed_update_keeps_the_running_code(sb, artifacts):
    """Does an update naming a missing S3 key end UPDATE_ROLLBACK_COMPLETE with the old code still running?"""
    cfn = sb.client("cloudformation")
    cfn.create_stack(StackName="keep", TemplateBody=template(), Capabilities=CAPABILITIES)
    cfn.update_stack(StackName="keep", TemplateBody=template(key="missing.zip"), Capabilities=CAPABILITIES)
    assert status(sb, "keep") == "UPDATE_ROLLBACK_COMPLETE"
    assert [event[:2] for event in failed_events(sb, "keep")] == [("Packaged", "UPDATE_FAILED")]
    assert invoke(sb, "stack-packaged")["Payload"] == "<v1>"
