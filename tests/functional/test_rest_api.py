"""REST APIs in the sandbox: boto3 builds the API, plain HTTP calls it at http://127.0.0.1:<port>/<stage>/<path>."""

import base64
import json
import urllib.error
import urllib.request

import pytest

from workbook import front_doors
from workbook.front_doors import rest_api
from workbook.front_doors.urls import NoFrontDoor

from .lambda_helpers import create_function
from .rest_api_helpers import ECHO, add_method, allow_api, call, echoed, integration_uri, proxy_api

pytestmark = pytest.mark.sandbox

INTERNAL_ERROR = b'{"message": "Internal server error"}'


@pytest.fixture
def shop(sb):
    """An echo function behind GET /items, GET /items/{id} and ANY /{proxy+}, deployed to `prod`, with the
    permission API Gateway needs."""
    fn = create_function(sb, "echo", ECHO)
    account = fn["FunctionArn"].split(":")[4]
    apigw = sb.client("apigateway")
    api = proxy_api(apigw, sb.region, fn["FunctionArn"],
                    routes=[("/items", "GET"), ("/items/{id}", "GET"), ("/{proxy+}", "ANY")])
    allow_api(sb.client("lambda"), "echo", sb.region, account, api["id"])
    return {"api": api["id"], "url": front_doors.api_url(api["id"], "prod"), "account": account, "fn": fn,
            "apigw": apigw, "resources": api["resources"]}


def test_a_get_reaches_the_function_with_a_format_1_0_event(sb, shop):
    """Does GET /prod/items/42?tag=a&tag=b reach the handler with the resource, path, parameters and stage?"""
    assert shop["url"].startswith("http://127.0.0.1:") and shop["url"].endswith("/prod/")
    status, headers, body = call(shop["url"] + "items/42?tag=a&tag=b", headers={"X-Custom": "yes"})
    assert status == 200
    event = echoed(body)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["headers"]["X-Custom"] == "yes"
    assert event["multiValueHeaders"]["X-Custom"] == ["yes"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "prod" and context["path"] == "/prod/items/42"
    assert context["apiId"] == shop["api"] and context["accountId"] == shop["account"]
    assert context["resourcePath"] == "/items/{id}"
    assert context["resourceId"] == shop["resources"]["/items/{id}"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"].startswith("Python-urllib")


def test_the_answer_carries_api_gateways_headers(sb, shop):
    """Are x-amzn-RequestId and x-amz-apigw-id the event's requestId and extendedRequestId, and the
    function's own headers passed on?"""
    status, headers, body = call(shop["url"] + "items")
    event = echoed(body)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["x-amzn-RequestId"] == event["requestContext"]["requestId"]
    assert headers["x-amz-apigw-id"] == event["requestContext"]["extendedRequestId"]
    assert headers["X-Amzn-Trace-Id"].startswith(event["headers"]["X-Amzn-Trace-Id"])
    second = call(shop["url"] + "items")[1]
    assert second["x-amzn-RequestId"] != headers["x-amzn-RequestId"]


def test_any_on_a_greedy_proxy_takes_other_methods_and_paths(sb, shop):
    """Does POST /prod/orders/7/lines reach ANY /{proxy+} with proxy 'orders/7/lines' and the body?"""
    status, _, body = call(shop["url"] + "orders/7/lines", "POST", b'{"qty": 2}',
                           {"Content-Type": "application/json"})
    event = echoed(body)
    assert status == 200
    assert (event["resource"], event["httpMethod"]) == ("/{proxy+}", "POST")
    assert event["pathParameters"] == {"proxy": "orders/7/lines"}
    assert json.loads(event["body"]) == {"qty": 2}


def test_a_path_without_a_resource_or_method_is_missing_authentication_token(sb, shop):
    """Is POST /prod/items (only GET there) a 403 "Missing Authentication Token", as REST APIs answer?"""
    status, headers, body = call(shop["url"] + "items", "POST", b"{}")
    assert (status, body) == (403, b'{"message":"Missing Authentication Token"}')
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert headers["x-amzn-RequestId"] and headers["x-amz-apigw-id"]


def test_a_page_on_another_site_is_refused(sb, shop):
    """Is a request from a page on another site (a foreign Origin) refused with 403, and one from a page on this
    machine answered?"""
    status, _, body = call(shop["url"] + "items/42", "POST", b"{}", {"Origin": "https://evil.example"})
    assert status == 403 and b"another site" in body
    assert call(shop["url"] + "items/42", headers={"Origin": "http://localhost:8888"})[0] == 200


def test_an_unknown_stage_is_forbidden(sb, shop):
    """Is /dev/items (no such stage) and the bare root a 403 Forbidden?"""
    base = shop["url"][: -len("prod/")]
    assert call(base + "dev/items")[::2] == (403, b'{"message":"Forbidden"}')
    assert call(base)[::2] == (403, b'{"message":"Forbidden"}')


def test_without_the_resource_policy_the_api_answers_500(sb):
    """Without a statement for apigateway.amazonaws.com, or with one for another method, is it a 500?"""
    fn = create_function(sb, "locked", ECHO)
    account = fn["FunctionArn"].split(":")[4]
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/items/{id}", "GET")])
    url = front_doors.api_url(api["id"], "prod") + "items/1"
    status, headers, body = call(url)
    assert (status, body) == (500, INTERNAL_ERROR)
    assert headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    lam = sb.client("lambda")
    allow_api(lam, "locked", sb.region, account, api["id"], "*/POST/items/*", sid="post-only")
    assert call(url)[0] == 500
    allow_api(lam, "locked", sb.region, account, api["id"], "prod/GET/items/{id}", sid="exact")
    assert call(url)[0] == 200


def test_the_source_arn_names_stage_method_and_resource_path(sb):
    """Is a statement for another stage refused and one for this stage's resource path accepted?"""
    fn = create_function(sb, "staged", ECHO)
    account = fn["FunctionArn"].split(":")[4]
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/items", "GET")])
    allow_api(sb.client("lambda"), "staged", sb.region, account, api["id"], "test/GET/items")
    url = front_doors.api_url(api["id"], "prod") + "items"
    assert call(url)[0] == 500
    allow_api(sb.client("lambda"), "staged", sb.region, account, api["id"], "prod/GET/items", sid="prod")
    assert call(url)[0] == 200


def test_a_throttled_function_is_a_500(sb, shop):
    """With reserved concurrency 0 (every invoke throttled), does the API answer 500 Internal server error?"""
    sb.client("lambda").put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    assert call(shop["url"] + "items")[::2] == (500, INTERNAL_ERROR)


def test_an_event_over_lambdas_6_mb_limit_is_a_500(sb, shop):
    """Is a 7 MB request body (an event Lambda refuses) a 500 Internal server error?"""
    status, _, body = call(shop["url"] + "items/1", "GET", b"x" * (7 * 1024 * 1024))
    assert (status, body) == (500, INTERNAL_ERROR)


FAILING = """
def handler(event, context):
    if event["path"] == "/raise":
        raise ValueError("boom")
    if event["path"] == "/string":
        return "just a string"
    if event["path"] == "/nostatus":
        return {"body": "no status"}
    if event["path"] == "/dictbody":
        return {"statusCode": 200, "body": {"not": "a string"}}
    return {"statusCode": 418, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "headers": {"X-Tea": "yes", "Content-Length": "99", "Server": "teapot"},
            "body": "short and stout"}
"""


@pytest.mark.parametrize("path", ["raise", "string", "nostatus", "dictbody"])
def test_a_function_error_or_malformed_response_is_a_502(sb, path):
    """Is a handler that raises, or returns something that is not a proxy response, a 502?"""
    fn = create_function(sb, "failing", FAILING)
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/{proxy+}", "ANY")])
    allow_api(sb.client("lambda"), "failing", sb.region, fn["FunctionArn"].split(":")[4], api["id"])
    status, headers, body = call(front_doors.api_url(api["id"], "prod") + path)
    assert (status, body) == (502, INTERNAL_ERROR)
    assert headers["Content-Type"] == "application/json"


def test_status_and_multi_value_headers_are_passed_on(sb):
    """Does a 418 with multiValueHeaders Set-Cookie [a, b] and headers X-Tea come back as sent, and the
    headers the server sets itself (Content-Length, Server) as x-amzn-Remapped-…?"""
    fn = create_function(sb, "teapot", FAILING)
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/{proxy+}", "ANY")])
    allow_api(sb.client("lambda"), "teapot", sb.region, fn["FunctionArn"].split(":")[4], api["id"])
    status, headers, body = call(front_doors.api_url(api["id"], "prod") + "tea")
    assert (status, body) == (418, b"short and stout")
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers["X-Tea"] == "yes"
    assert (headers["x-amzn-Remapped-Content-Length"], headers["x-amzn-Remapped-Server"]) == ("99", "teapot")
    assert headers["Content-Length"] == str(len(b"short and stout"))


SLOW = """
import time

def handler(event, context):
    time.sleep(float(event["queryStringParameters"]["sleep"]))
    return {"statusCode": 200, "body": "done"}
"""


def test_the_integration_timeout_is_a_504(sb, monkeypatch):
    """With the integration timeout lowered to 0.5 s, is a handler still sleeping a 504
    "Endpoint request timed out"?"""
    fn = create_function(sb, "slow", SLOW, Timeout=10)
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/wait", "GET")])
    allow_api(sb.client("lambda"), "slow", sb.region, fn["FunctionArn"].split(":")[4], api["id"])
    url = front_doors.api_url(api["id"], "prod") + "wait?sleep="
    assert call(url + "0")[::2] == (200, b"done")  # within the real 29 s
    monkeypatch.setattr(rest_api, "INTEGRATION_TIMEOUT", 0.5)
    status, headers, body = call(url + "3")
    assert (status, body) == (504, b'{"message": "Endpoint request timed out"}')
    assert headers["x-amzn-RequestId"]


VERSIONED = """
def handler(event, context):
    return {"statusCode": 200, "body": context.invoked_function_arn + " v" + context.function_version}
"""


def test_an_alias_in_the_integration_uri_and_a_stage_variable_are_honoured(sb):
    """With the URI naming `orders:${stageVariables.alias}` and alias live -> version 1, does version 1
    answer, with the permission given on the alias?"""
    fn = create_function(sb, "orders", VERSIONED)
    lam = sb.client("lambda")
    version = lam.publish_version(FunctionName="orders")["Version"]
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion=version)
    account = fn["FunctionArn"].split(":")[4]
    uri = integration_uri(sb.region, fn["FunctionArn"] + ":${stageVariables.alias}")
    apigw = sb.client("apigateway")
    api = proxy_api(apigw, sb.region, fn["FunctionArn"], routes=[("/orders", "GET")], uri=uri, stage=None)
    apigw.create_deployment(restApiId=api["id"], stageName="prod", variables={"alias": "live"})
    allow_api(lam, "orders", sb.region, account, api["id"], qualifier="live")
    status, _, body = call(front_doors.api_url(api["id"], "prod") + "orders")
    assert (status, body.decode()) == (200, fn["FunctionArn"] + ":live v1")


def test_a_stage_serves_its_deployment_until_the_next_one(sb, shop):
    """Is a method added after the deployment unseen (403) until create_deployment, and do the stage's
    variables survive the new deployment?"""
    apigw = shop["apigw"]
    apigw.update_stage(restApiId=shop["api"], stageName="prod",
                       patchOperations=[{"op": "replace", "path": "/variables/color", "value": "blue"}])
    add_method(apigw, shop["api"], shop["resources"], "/items", "POST",
               integration_uri(sb.region, shop["fn"]["FunctionArn"]))
    assert call(shop["url"] + "items", "POST", b"{}")[0] == 403
    first = apigw.get_stage(restApiId=shop["api"], stageName="prod")["deploymentId"]
    apigw.create_deployment(restApiId=shop["api"], stageName="prod")
    status, _, body = call(shop["url"] + "items", "POST", b"{}")
    assert status == 200
    assert echoed(body)["stageVariables"] == {"color": "blue"}
    apigw.update_stage(restApiId=shop["api"], stageName="prod",  # roll the stage back to the first deployment
                       patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}])
    assert call(shop["url"] + "items", "POST", b"{}")[0] == 403


def test_a_second_stage_serves_at_its_own_prefix(sb, shop):
    """Does create_stage from the same deployment serve under /<new stage>/ on the same port?"""
    apigw = shop["apigw"]
    deployment = apigw.get_stage(restApiId=shop["api"], stageName="prod")["deploymentId"]
    apigw.create_stage(restApiId=shop["api"], stageName="beta", deploymentId=deployment, variables={"v": "2"})
    url = front_doors.api_url(shop["api"], "beta")
    assert url.replace("/beta/", "/prod/") == shop["url"]
    event = echoed(call(url + "items/9")[2])
    assert (event["requestContext"]["stage"], event["stageVariables"]) == ("beta", {"v": "2"})
    apigw.delete_stage(restApiId=shop["api"], stageName="beta")
    assert call(url + "items/9")[0] == 403


def test_binary_media_types_base64_the_request_and_a_base64_answer_is_decoded(sb):
    """With binaryMediaTypes image/png, is a PNG body base64 in the event, and an isBase64Encoded answer
    sent as bytes?"""
    code = """
import base64

def handler(event, context):
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else b""
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
            "body": base64.b64encode(data[::-1]).decode()}
"""
    fn = create_function(sb, "images", code)
    api = proxy_api(sb.client("apigateway"), sb.region, fn["FunctionArn"], routes=[("/images", "POST")],
                    binaryMediaTypes=["image/png"])
    allow_api(sb.client("lambda"), "images", sb.region, fn["FunctionArn"].split(":")[4], api["id"])
    png = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"
    status, headers, body = call(front_doors.api_url(api["id"], "prod") + "images", "POST", png,
                                 {"Content-Type": "image/png"})
    assert (status, headers["Content-Type"], body) == (200, "image/png", png[::-1])


def test_binary_media_types_added_by_update_rest_api_take_effect_with_the_next_deployment(sb, shop):
    """After update_rest_api adds /binaryMediaTypes/image~1png and a new deployment, is a PNG body base64?"""
    apigw = shop["apigw"]
    apigw.update_rest_api(restApiId=shop["api"],
                          patchOperations=[{"op": "add", "path": "/binaryMediaTypes/image~1png"}])
    assert apigw.get_rest_api(restApiId=shop["api"])["binaryMediaTypes"] == ["image/png"]
    png = b"\x89PNG\x00"
    before = echoed(call(shop["url"] + "items", body=png, headers={"Content-Type": "image/png"})[2])
    assert before["isBase64Encoded"] is False
    apigw.create_deployment(restApiId=shop["api"], stageName="prod")
    after = echoed(call(shop["url"] + "items", body=png, headers={"Content-Type": "image/png"})[2])
    assert after["isBase64Encoded"] is True and base64.b64decode(after["body"]) == png


def test_an_integration_that_is_not_a_lambda_proxy_says_so(sb):
    """Is a MOCK integration answered with a 500 that names what the workbook serves?"""
    fn = create_function(sb, "plain", ECHO)
    apigw = sb.client("apigateway")
    api = proxy_api(apigw, sb.region, fn["FunctionArn"], routes=[("/ok", "GET")], stage=None)
    add_method(apigw, api["id"], api["resources"], "/mock", "GET", "", integration_type="MOCK")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    status, _, body = call(front_doors.api_url(api["id"], "prod") + "mock")
    assert status == 500 and "AWS_PROXY" in json.loads(body)["message"]


def test_the_invoke_is_an_ordinary_invoke_with_logs(sb, shop):
    """Does a request through the API leave START/END/REPORT lines in the function's log group?"""
    call(shop["url"] + "items/1")
    from .lambda_helpers import log_messages

    assert any(m.startswith("REPORT RequestId:") for m in log_messages(sb, "echo"))


def test_deleting_the_api_closes_its_port(sb, shop):
    """After delete_rest_api, is the port closed and api_url an error that says what to create?"""
    shop["apigw"].delete_rest_api(restApiId=shop["api"])
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(shop["url"] + "items", timeout=5)
    with pytest.raises(NoFrontDoor, match="create_rest_api"):
        front_doors.api_url(shop["api"], "prod")


def test_reset_closes_every_rest_api_port(sb, shop):
    """After sb.reset(), is the API's port closed?"""
    sb.reset()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(shop["url"] + "items", timeout=5)


def test_mounts_lists_what_a_stage_serves_like_sam_local_start_api(sb, shop):
    """Does rest_api.mounts print one 'Mounting <function> at <url> [METHODS]' line per resource?"""
    lines = rest_api.mounts(shop["api"], "prod")
    base = shop["url"].rstrip("/")
    assert list(lines) == [f"Mounting echo at {base}/items [GET]",
                           f"Mounting echo at {base}/items/{{id}} [GET]",
                           f"Mounting echo at {base}/{{proxy+}} [ANY]"]
    assert repr(lines) == "\n".join(lines)
    with pytest.raises(NoFrontDoor, match="create_deployment"):
        rest_api.mounts(shop["api"], "dev")


def test_a_rest_api_url_needs_its_stage(sb, shop):
    """Does api_url without a stage say that a REST API's URL names its stage?"""
    with pytest.raises(NoFrontDoor, match="stage"):
        front_doors.api_url(shop["api"])
