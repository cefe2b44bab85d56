"""Lab 10's checks against a sandbox and its HTTP API: each fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "10-capstone-web-api"
check = functools.partial(check_step, LAB)
NOT_ATTEMPTED, FAILED, PASSED = checks.Status.NOT_ATTEMPTED, checks.Status.FAILED, checks.Status.PASSED
ROUTE_KEYS = ("POST /items", "GET /items", "GET /items/{id}", "GET /")

HANDLER = """
import base64
import html
import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def respond(status, body, headers=None):
    return {"statusCode": status, "headers": {"Content-Type": "application/json", **(headers or {})},
            "body": json.dumps(body)}


def create(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    try:
        data = json.loads(body)
    except ValueError:
        return respond(400, {"error": "the body is not JSON"})
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return respond(400, {"error": "name must be a non-empty string"})
    item = {"id": uuid.uuid4().hex, "name": name}
    table.put_item(Item=item)
    return respond(CREATED, item, {"Location": "/items/" + item["id"]})


def page():
    names = [item["name"] for item in table.scan()["Items"]]
    rows = "".join("<li>" + ESCAPE(name) + "</li>" for name in names)
    return {"statusCode": 200, "headers": {"Content-Type": "text/html"}, "body": "<ul>" + rows + "</ul>"}


def route(method, path, event):
    if (method, path) == ("POST", "/items"):
        return create(event)
    if (method, path) == ("GET", "/items"):
        return respond(200, {"items": table.scan()["Items"]})
    if method == "GET" and path.startswith("/items/"):
        item = table.get_item(Key={"id": path.removeprefix("/items/")}).get("Item")
        return respond(200, item) if item else respond(404, {"error": "there is no such item"})
    if PAGE and (method, path) == ("GET", "/"):
        return page()
    return respond(404, {"error": "there is no route " + method + " " + path})


def handler(event, context):
    method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    response = route(method, path, event)
    if LOG:
        print(json.dumps({"request_id": context.aws_request_id, "status": response["statusCode"]}))
    return response
"""


def source(*, created=201, escape="html.escape", page=False, log=True) -> str:
    """The lab's handler, right by default, with one thing changed."""
    constants = f"CREATED = {created}\nESCAPE = {escape}\nPAGE = {page}\nLOG = {log}\n"
    return HANDLER.replace("\ndef respond", constants + "\n\ndef respond", 1)


# The same API written another way: Powertools' Logger, a dispatch table, and a 405 for a known path.
POWERTOOLS = """
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
        return reply(400, {"error": "send {\\"name\\": \\"a non-empty string\\"}"})
    item = {"id": str(uuid.uuid4()), "name": name}
    table.put_item(Item=item)
    return reply(201, item, location=f"/items/{item['id']}")


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
        response = reply(404, {"error": f"no route {method} {path}"})
    logger.info("answered", extra={"status": response["statusCode"]})
    return response
"""


# ------------------------------------------------------------------------------------------------ building


def table_arn(sb) -> str:
    dynamodb = sb.client("dynamodb")
    arn = dynamodb.create_table(
        TableName="items", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]  # fmt: skip
    dynamodb.get_waiter("table_exists").wait(TableName="items")
    return arn


def role(sb, actions=("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan"), resource=None) -> str:
    arn = table_arn(sb)
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": resource or arn}
    return create_execution_role(sb.client("iam"), "items-api-role", statements=[statement])


def deploy(sb, code: str, role_arn: str) -> None:
    deploy_function(sb.client("lambda"), "items-api", {"app.py": code}, role_arn,
                    Environment={"Variables": {"TABLE_NAME": "items"}})  # fmt: skip


def function_done(sb, code: str | None = None) -> str:
    """Steps 1 and 2 done (with ``code``); the role's ARN."""
    role_arn = role(sb)
    deploy(sb, code or source(), role_arn)
    return role_arn


def account(sb) -> str:
    return sb.client("sts").get_caller_identity()["Account"]


def publish_live(sb) -> str:
    """Version published and live on it; the alias's ARN."""
    lam = sb.client("lambda")
    version = lam.publish_version(FunctionName="items-api")["Version"]
    return lam.create_alias(FunctionName="items-api", Name="live", FunctionVersion=version)["AliasArn"]


def api(sb, target: str, *, source_arn: str | None = "scoped", qualifier: str | None = "live") -> str:
    """The HTTP API items-http with the lab's routes to ``target`` and the permission; its id."""
    apigw, lam = sb.client("apigatewayv2"), sb.client("lambda")
    api_id = apigw.create_api(Name="items-http", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=target,
                                           PayloadFormatVersion="2.0")["IntegrationId"]  # fmt: skip
    for key in ROUTE_KEYS:
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    arn = (
        f"arn:aws:execute-api:{sb.region}:{account(sb)}:{api_id}/*" if source_arn == "scoped" else source_arn
    )
    where = {"Qualifier": qualifier} if qualifier else {}
    lam.add_permission(FunctionName="items-api", StatementId="items-http", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", **where,
                       **({"SourceArn": arn} if arn else {}))  # fmt: skip
    return api_id


def api_done(sb, code: str | None = None) -> str:
    """Steps 1-3 done; the API's id."""
    function_done(sb, code)
    return api(sb, publish_live(sb))


def ship(sb, code: str) -> str:
    """Deploy ``code``, publish it and move live to it; the new version."""
    lam = sb.client("lambda")
    deploy(sb, code, sb.client("iam").get_role(RoleName="items-api-role")["Role"]["Arn"])
    version = lam.publish_version(FunctionName="items-api")["Version"]
    lam.update_alias(FunctionName="items-api", Name="live", FunctionVersion=version)
    return version


def items_in_table(sb) -> int:
    return sb.client("dynamodb").scan(TableName="items", Select="COUNT")["Count"]


# ------------------------------------------------------------------------------------------------ every step


def test_every_step_is_not_attempted_on_the_labs_setup(sb):
    """With only the setup's table, does every step say "not done yet"?"""
    table_arn(sb)
    report = checks.results(LAB)
    assert [o.status for o in report.outcomes] == [NOT_ATTEMPTED] * 4


# ------------------------------------------------------------------------------------------------ role


def test_role_passes_with_exactly_the_three_actions_on_the_table(sb):
    """Do PutItem, GetItem and Scan on the table's ARN, plus the logs, pass?"""
    role(sb)
    outcome = check("role")
    assert outcome.status is PASSED, outcome.feedback


def test_role_passes_with_a_managed_policy_and_one_statement_per_action(sb):
    """Is a customer managed policy with a statement per action, attached to the role, right too?"""
    arn = table_arn(sb)
    iam = sb.client("iam")
    create_execution_role(iam, "items-api-role")
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": action.split(":")[1], "Effect": "Allow", "Action": action, "Resource": arn}
        for action in ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan")]}  # fmt: skip
    policy = iam.create_policy(PolicyName="items-table", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="items-api-role", PolicyArn=policy)
    assert check("role").status is PASSED


def test_role_fails_with_every_dynamodb_action(sb):
    """Does dynamodb:* on the table fail, naming it?"""
    role(sb, actions=("dynamodb:*",))
    outcome = check("role")
    assert outcome.status is FAILED
    assert "dynamodb:*" in outcome.feedback


def test_role_fails_on_every_table(sb):
    """Do the right actions on Resource '*' fail, naming the resource?"""
    role(sb, resource="*")
    outcome = check("role")
    assert outcome.status is FAILED
    assert "'*'" in outcome.feedback


def test_role_fails_without_scan(sb):
    """Does a role that cannot list the items fail, saying what to add?"""
    role(sb, actions=("dynamodb:PutItem", "dynamodb:GetItem"))
    outcome = check("role")
    assert outcome.status is FAILED
    assert "dynamodb:Scan" in outcome.feedback


# ------------------------------------------------------------------------------------------------ function


def test_function_passes_with_the_labs_handler(sb):
    """Does the right handler pass, and leave no item of the check's behind?"""
    function_done(sb)
    outcome = check("function")
    assert outcome.status is PASSED, outcome.feedback
    assert items_in_table(sb) == 0


def test_function_passes_written_with_powertools_and_a_405(sb):
    """Is a handler with Powertools' Logger (function_request_id), a 405 for DELETE /items, right too?"""
    function_done(sb, POWERTOOLS)
    outcome = check("function")
    assert outcome.status is PASSED, outcome.feedback


def test_function_fails_when_a_creation_answers_200(sb):
    """Does a POST that stores the item but answers 200 fail, saying 201, and leave no item behind?"""
    function_done(sb, source(created=200))
    outcome = check("function")
    assert outcome.status is FAILED
    assert "201" in outcome.feedback
    assert items_in_table(sb) == 0


def test_function_fails_when_a_malformed_body_crashes_it(sb):
    """Does a handler whose json.loads raises on a bad body fail, saying the caller would get a 500?"""
    guarded = '    except ValueError:\n        return respond(400, {"error": "the body is not JSON"})\n'
    function_done(sb, source().replace(guarded, "    finally:\n        pass\n"))
    outcome = check("function")
    assert outcome.status is FAILED
    assert "500" in outcome.feedback and "400" in outcome.feedback


def test_function_fails_without_a_json_log_line(sb):
    """Does a handler that answers right but logs nothing fail, asking for one JSON line per request?"""
    function_done(sb, source(log=False))
    outcome = check("function")
    assert outcome.status is FAILED
    assert "JSON line" in outcome.feedback


def test_function_fails_without_the_table_name_variable(sb):
    """Is TABLE_NAME=items, which the step names, checked?"""
    role_arn = role(sb)
    code = source().replace('os.environ["TABLE_NAME"]', '"items"')
    deploy_function(sb.client("lambda"), "items-api", {"app.py": code}, role_arn)
    outcome = check("function")
    assert outcome.status is FAILED
    assert "TABLE_NAME" in outcome.feedback


# ------------------------------------------------------------------------------------------------ api


def test_api_passes_with_routes_to_live_and_a_scoped_permission(sb):
    """Does the lab's API pass over HTTP, and leave no item of the check's behind?"""
    api_done(sb)
    outcome = check("api")
    assert outcome.status is PASSED, outcome.feedback
    assert items_in_table(sb) == 0


def test_api_passes_quick_created_with_a_default_route(sb):
    """Is an API quick-created with Target=the alias (one $default route; the handler's own 404/405) right?"""
    function_done(sb, POWERTOOLS)
    alias_arn = publish_live(sb)
    api_id = sb.client("apigatewayv2").create_api(Name="items-http", ProtocolType="HTTP", Target=alias_arn)[
        "ApiId"
    ]
    sb.client("lambda").add_permission(
        FunctionName="items-api", Qualifier="live", StatementId="items-http", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{sb.region}:{account(sb)}:{api_id}/*/*",
    )  # fmt: skip
    outcome = check("api")
    assert outcome.status is PASSED, outcome.feedback


def test_api_fails_when_the_integration_runs_latest(sb):
    """Does an integration on the unqualified function ($LATEST) fail, saying why?"""
    function_done(sb)
    publish_live(sb)
    function_arn = sb.client("lambda").get_function_configuration(FunctionName="items-api")["FunctionArn"]
    api(sb, function_arn, qualifier=None)
    outcome = check("api")
    assert outcome.status is FAILED
    assert "$LATEST" in outcome.feedback


def test_api_fails_when_the_integration_names_a_version(sb):
    """Does an integration on items-api:1 fail, asking for the alias?"""
    function_done(sb)
    publish_live(sb)
    function_arn = sb.client("lambda").get_function_configuration(FunctionName="items-api")["FunctionArn"]
    api(sb, function_arn + ":1", qualifier="1")
    outcome = check("api")
    assert outcome.status is FAILED
    assert "items-api:1" in outcome.feedback and "alias" in outcome.feedback


def test_api_fails_when_any_api_may_invoke_the_alias(sb):
    """Does a permission without SourceArn fail, saying any API could invoke it?"""
    function_done(sb)
    api(sb, publish_live(sb), source_arn=None)
    outcome = check("api")
    assert outcome.status is FAILED
    assert "any API" in outcome.feedback


def test_api_fails_when_the_source_arn_matches_every_api(sb):
    """Does SourceArn 'arn:aws:execute-api:<region>:<account>:*' fail, saying it matches other APIs?"""
    function_done(sb)
    api(sb, publish_live(sb), source_arn=f"arn:aws:execute-api:{sb.region}:{account(sb)}:*")
    outcome = check("api")
    assert outcome.status is FAILED
    assert "other APIs" in outcome.feedback


def test_api_fails_when_live_points_at_latest(sb):
    """Does an alias on $LATEST fail?"""
    function_done(sb)
    lam = sb.client("lambda")
    api(sb, lam.create_alias(FunctionName="items-api", Name="live", FunctionVersion="$LATEST")["AliasArn"])
    outcome = check("api")
    assert outcome.status is FAILED
    assert "$LATEST" in outcome.feedback


def test_api_fails_over_http_when_the_published_handler_answers_200(sb):
    """Does the check over HTTP see a creation answered 200 through the API?"""
    api_done(sb, source(created=200))
    outcome = check("api")
    assert outcome.status is FAILED
    assert "201" in outcome.feedback


# ------------------------------------------------------------------------------------------------ page


def test_page_is_not_attempted_while_live_runs_version_1_without_a_page(sb):
    """Before the page is shipped, does the page step say "not done yet"?"""
    api_done(sb)
    assert check("page").status is NOT_ATTEMPTED


def test_page_passes_when_version_2_serves_it_through_live(sb):
    """Does a page of every name, escaped, shipped as version 2 by moving live, pass?"""
    api_done(sb)
    assert ship(sb, source(page=True)) == "2"
    outcome = check("page")
    assert outcome.status is PASSED, outcome.feedback
    assert items_in_table(sb) == 0


def test_page_fails_when_names_are_not_escaped(sb):
    """Does a page that puts names into HTML as they are fail, naming html.escape?"""
    api_done(sb)
    ship(sb, source(page=True, escape="str"))
    outcome = check("page")
    assert outcome.status is FAILED
    assert "html.escape" in outcome.feedback


def test_page_fails_when_it_is_not_html(sb):
    """Does a page served as text/plain fail, naming text/html?"""
    api_done(sb)
    ship(sb, source(page=True).replace('"Content-Type": "text/html"', '"Content-Type": "text/plain"'))
    outcome = check("page")
    assert outcome.status is FAILED
    assert "text/html" in outcome.feedback


def test_page_fails_when_the_integration_was_moved_instead_of_the_alias(sb):
    """Is a release shipped by pointing the integration at version 2, live left behind, a fail?"""
    api_id = api_done(sb)
    lam, apigw = sb.client("lambda"), sb.client("apigatewayv2")
    deploy(sb, source(page=True), sb.client("iam").get_role(RoleName="items-api-role")["Role"]["Arn"])
    version = lam.publish_version(FunctionName="items-api")["Version"]
    function_arn = lam.get_function_configuration(FunctionName="items-api")["FunctionArn"]
    integration = apigw.get_integrations(ApiId=api_id)["Items"][0]["IntegrationId"]
    apigw.update_integration(
        ApiId=api_id, IntegrationId=integration, IntegrationUri=f"{function_arn}:{version}"
    )
    outcome = check("page")
    assert outcome.status is FAILED
    assert f"items-api:{version}" in outcome.feedback
