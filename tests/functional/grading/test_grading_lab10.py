"""Lab 10 graded as an instructor would: a first web API's plausible mistakes, and one written another way."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "10-capstone-web-api"
ALL_PASSED = {"role": "passed", "function": "passed", "api": "passed", "page": "passed"}
ROLE_CELL = "ROLE_ARN = create_execution_role("
HANDLER_CELL = 'ITEMS_PY = """'
API_CELL = "api_id = apigw.create_api("
PAGE_CELL = 'PAGE_PY = """'

# Another way to write the whole lab: a customer managed policy with a statement per action, Powertools'
# Logger and a dispatch dict (405 for a method /items does not have), an API quick-created with Target (one
# $default route, permission on <api id>/*/*), and the page built with string.Template.
MANAGED_POLICY = """
iam.create_role(RoleName="items-api-role", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}))
iam.attach_role_policy(RoleName="items-api-role",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
table_policy = iam.create_policy(PolicyName="items-table", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": action.split(":")[1], "Effect": "Allow", "Action": action, "Resource": TABLE_ARN}
                  for action in ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan")]}))
iam.attach_role_policy(RoleName="items-api-role", PolicyArn=table_policy["Policy"]["Arn"])
ROLE_ARN = iam.get_role(RoleName="items-api-role")["Role"]["Arn"]
"""

POWERTOOLS = '''
ITEMS_PY = """
import json
import os
import uuid

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="items")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def reply(status, payload, **headers):
    return {"statusCode": status, "headers": {"content-type": "application/json; charset=utf-8", **headers},
            "body": json.dumps(payload)}


def add(event):
    try:
        name = json.loads(event.get("body") or "null")["name"]
        assert isinstance(name, str) and name.strip()
    except (ValueError, TypeError, KeyError, AssertionError):
        return reply(400, {"error": "send a JSON object with a non-empty string name"})
    item = {"id": str(uuid.uuid4()), "name": name}
    table.put_item(Item=item)
    return reply(201, item, location=f"/items/{item['id']}")


def other(event, method, path):
    return reply(404, {"error": f"no route {method} {path}"})


@logger.inject_lambda_context
def handler(event, context):
    method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    if path == "/items":
        found = {"POST": add, "GET": lambda e: reply(200, {"items": table.scan()["Items"]})}.get(method)
        response = found(event) if found else reply(405, {"error": f"{method} is not allowed on /items"})
    elif path.startswith("/items/") and method == "GET":
        item = table.get_item(Key={"id": path.split("/")[2]}).get("Item")
        response = reply(200, item) if item else reply(404, {"error": "not found"})
    else:
        response = other(event, method, path)
    logger.info("answered", extra={"method": method, "path": path, "status": response["statusCode"]})
    return response
"""
'''

QUICK_CREATE = """
version = lam.publish_version(FunctionName="items-api")["Version"]
alias_arn = lam.create_alias(FunctionName="items-api", Name="live", FunctionVersion=version)["AliasArn"]
api = apigw.create_api(Name="items-http", ProtocolType="HTTP", Target=alias_arn)
lam.add_permission(FunctionName="items-api", Qualifier="live", StatementId="from-items-http",
                   Action="lambda:InvokeFunction",
                   Principal="apigateway.amazonaws.com",
                   SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api['ApiId']}/*/*")
API_URL = api["ApiEndpoint"]
"""

TEMPLATE_PAGE = '''
ITEMS_V2_PY = ITEMS_PY.replace("    return reply(404, {", """    if (method, path) == ("GET", "/"):
        return show_page()
    return reply(404, {""") + """

from html import escape
from string import Template

PAGE = Template("<html><body><h1>Items</h1><ul>$rows</ul></body></html>")


def show_page():
    rows = "".join("<li>" + escape(item["name"]) + "</li>" for item in table.scan()["Items"])
    return {"statusCode": 200, "headers": {"content-type": "text/html"}, "body": PAGE.substitute(rows=rows)}
"""
'''


def test_a_broad_role_a_crash_on_bad_json_and_an_unescaped_page_each_fail_their_own_steps_only(tmp_path):
    """Do dynamodb:* in the role (role), a handler whose json.loads is not guarded (function and, as a 500
    over HTTP, api) and unescaped names in the page (page) each fail only the steps they are wrong for, naming
    the problem?"""
    submission = (
        Submission(LAB)
        .edit(ROLE_CELL, '["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan"]', '"dynamodb:*"')
        .edit(
            HANDLER_CELL,
            """    try:
        data = json.loads(body)
    except ValueError:
        return respond(400, {"error": 'the body must be JSON, like {"name": "teapot"}'})
""",
            "    data = json.loads(body)\n",
        )
        .edit(PAGE_CELL, "{html.escape(name)}", "{name}")
    )  # fmt: skip
    result = submission.grade(tmp_path, f"{LAB}-broad-crash-unescaped")
    assert statuses(result) == dict.fromkeys(ALL_PASSED, "failed"), result["steps"]
    assert "dynamodb:*" in feedback(result, "role")
    assert "500" in feedback(result, "function") and "500" in feedback(result, "api")
    assert "html.escape" in feedback(result, "page")


def test_a_creation_answered_200_fails_the_handler_and_the_api(tmp_path):
    """Does a POST answered 200 instead of 201 fail the function step and, over HTTP, the API step?"""
    submission = Submission(LAB).edit(HANDLER_CELL, "return respond(201, item,", "return respond(200, item,")
    result = submission.grade(tmp_path, f"{LAB}-200")
    assert statuses(result) == {**ALL_PASSED, "function": "failed", "api": "failed"}, result["steps"]
    assert "201" in feedback(result, "function") and "201" in feedback(result, "api")


def test_an_integration_on_latest_fails_the_api_and_the_page(tmp_path):
    """Does an integration that invokes the unqualified function ($LATEST) fail the api and page steps?"""
    submission = (
        Submission(LAB)
        .edit(
            API_CELL,
            "IntegrationUri=alias_arn",
            'IntegrationUri=alias_arn.removesuffix(":live")',
        )
        .edit(API_CELL, 'Qualifier="live",\n', "")
    )
    result = submission.grade(tmp_path, f"{LAB}-latest")
    assert statuses(result) == {**ALL_PASSED, "api": "failed", "page": "failed"}, result["steps"]
    assert "$LATEST" in feedback(result, "api")


def test_an_api_written_another_way_gets_full_marks(tmp_path):
    """Full marks for a managed policy, Powertools with a 405, a quick-created API, a string.Template page?"""
    submission = (
        Submission(LAB)
        .replace(ROLE_CELL, MANAGED_POLICY)
        .replace(HANDLER_CELL, POWERTOOLS)
        .replace(API_CELL, QUICK_CREATE)
        .replace(PAGE_CELL, TEMPLATE_PAGE)
    )
    result = submission.grade(tmp_path, f"{LAB}-another-way")
    assert statuses(result) == ALL_PASSED, result["steps"]
