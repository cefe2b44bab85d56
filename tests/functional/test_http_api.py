"""HTTP APIs (API Gateway v2) in the sandbox: routes, stages and Lambda proxy integrations over plain HTTP."""

import json

import pytest

from workbook import front_doors

from .front_door_helpers import allow_api_gateway, call, door_of
from .lambda_helpers import create_function

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
"""


@pytest.fixture
def apigw(sb):
    return sb.client("apigatewayv2")


def quick_api(sb, apigw, name="echo", code=ECHO, allow=True, **extra):
    arn = create_function(sb, name, code)["FunctionArn"]
    api = apigw.create_api(Name=name, ProtocolType="HTTP", Target=arn, **extra)
    if allow:
        allow_api_gateway(sb.client("lambda"), name, sb.region, sb.account_id, api["ApiId"])
    return api, arn


def test_quick_create_serves_the_function_at_the_loopback_endpoint(sb, apigw):
    """Does create_api(Target=…) give a loopback ApiEndpoint whose every path reaches the function?"""
    api, _ = quick_api(sb, apigw)
    endpoint = api["ApiEndpoint"]
    assert endpoint.startswith("http://127.0.0.1:")
    assert front_doors.api_url(api["ApiId"]) == endpoint + "/"
    assert apigw.get_api(ApiId=api["ApiId"])["ApiEndpoint"] == endpoint
    answer = call(endpoint + "/anything/here?a=1&a=2")
    assert answer.status == 200 and answer.headers["apigw-requestid"]
    event = answer.json()
    assert event["routeKey"] == "$default" and event["rawPath"] == "/anything/here"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["requestContext"]["apiId"] == api["ApiId"]
    assert event["requestContext"]["accountId"] == sb.account_id
    assert event["requestContext"]["stage"] == "$default"
    assert [r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]] == ["$default"]
    assert [s["StageName"] for s in apigw.get_stages(ApiId=api["ApiId"])["Items"]] == ["$default"]


def test_without_permission_api_gateway_answers_500(sb, apigw):
    """Without a statement for apigateway.amazonaws.com matching the SourceArn, is the answer 500?"""
    api, _ = quick_api(sb, apigw, allow=False)
    answer = call(api["ApiEndpoint"] + "/")
    assert (answer.status, answer.body) == (500, b'{"message":"Internal Server Error"}')
    sb.client("lambda").add_permission(
        FunctionName="echo", StatementId="other-api", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{sb.region}:{sb.account_id}:other/*")
    assert call(api["ApiEndpoint"] + "/").status == 500
    allow_api_gateway(sb.client("lambda"), "echo", sb.region, sb.account_id, api["ApiId"])
    assert call(api["ApiEndpoint"] + "/").status == 200


def test_routes_path_parameters_and_priority(sb, apigw):
    """Are requests routed as AWS routes them (exact, then variables, then greedy, then $default), with
    pathParameters?"""
    api, arn = quick_api(sb, apigw)
    api_id = api["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
        IntegrationUri=f"arn:aws:apigateway:{sb.region}:lambda:path/2015-03-31/functions/{arn}/invocations")
    target = f"integrations/{integration['IntegrationId']}"
    for key in ("GET /items/{id}", "GET /items/special", "ANY /files/{path+}"):
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=target)
    endpoint = api["ApiEndpoint"]
    special = call(endpoint + "/items/special").json()
    assert special["routeKey"] == "GET /items/special" and "pathParameters" not in special
    item = call(endpoint + "/items/42").json()
    assert item["routeKey"] == "GET /items/{id}" and item["pathParameters"] == {"id": "42"}
    files = call(endpoint + "/files/a/b.txt", "PUT", b"x").json()
    assert files["routeKey"] == "ANY /files/{path+}" and files["pathParameters"] == {"path": "a/b.txt"}
    assert call(endpoint + "/items/42", "DELETE").json()["routeKey"] == "$default"
    assert list(front_doors.routes(api_id)) == [
        f"Mounting echo at {endpoint}/items/special [GET]",
        f"Mounting echo at {endpoint}/items/{{id}} [GET]",
        f"Mounting echo at {endpoint}/files/{{path+}} [ANY]",
        f"Mounting echo at {endpoint}/ [$default]",
    ]


def test_no_route_and_no_default_is_404(sb, apigw):
    """Without a matching route or a $default route, is the answer 404 {"message":"Not Found"}?"""
    arn = create_function(sb, "echo", ECHO)["FunctionArn"]
    api = apigw.create_api(Name="shop", ProtocolType="HTTP", Target=arn, RouteKey="GET /items")
    allow_api_gateway(sb.client("lambda"), "echo", sb.region, sb.account_id, api["ApiId"])
    assert call(api["ApiEndpoint"] + "/items").status == 200
    answer = call(api["ApiEndpoint"] + "/orders")
    assert (answer.status, answer.body) == (404, b'{"message":"Not Found"}')


def test_named_stage_is_served_under_its_name(sb, apigw):
    """Is a named stage served under /<stage>/, with its stage variables in the event?"""
    api, _ = quick_api(sb, apigw)
    apigw.create_stage(ApiId=api["ApiId"], StageName="prod", StageVariables={"table": "orders"},
                       AutoDeploy=True)
    event = call(api["ApiEndpoint"] + "/prod/items").json()
    assert event["requestContext"]["stage"] == "prod"
    assert event["rawPath"] == "/prod/items"
    assert event["stageVariables"] == {"table": "orders"}
    assert front_doors.api_url(api["ApiId"], "prod") == api["ApiEndpoint"] + "/prod/"
    apigw.delete_stage(ApiId=api["ApiId"], StageName="$default")
    assert call(api["ApiEndpoint"] + "/items").status == 404
    assert call(api["ApiEndpoint"] + "/prod/items").status == 200


def test_errors_as_an_http_api_answers_them(sb, apigw):
    """Is a handler error or a malformed result 500 (not a REST API's 502), and an integration timeout 503?"""
    api, arn = quick_api(sb, apigw, code="""
import time
def handler(event, context):
    if event["rawPath"] == "/raise":
        raise RuntimeError("boom")
    if event["rawPath"] == "/slow":
        time.sleep(3)
    return {"statusCode": "bad"}
""")
    sb.client("lambda").update_function_configuration(FunctionName="echo", Timeout=10)
    failed = call(api["ApiEndpoint"] + "/raise")
    assert (failed.status, failed.body) == (500, b'{"message":"Internal Server Error"}')
    assert call(api["ApiEndpoint"] + "/malformed").status == 500
    integration = apigw.get_integrations(ApiId=api["ApiId"])["Items"][0]["IntegrationId"]
    apigw.update_integration(ApiId=api["ApiId"], IntegrationId=integration, TimeoutInMillis=500)
    timed_out = call(api["ApiEndpoint"] + "/slow")
    assert (timed_out.status, timed_out.body) == (503, b'{"message":"Service Unavailable"}')


def test_throttled_function_is_500(sb, apigw):
    """With reserved concurrency 0, does the API answer 500 (Lambda refused the invoke)?"""
    api, _ = quick_api(sb, apigw)
    sb.client("lambda").put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    answer = call(api["ApiEndpoint"] + "/")
    assert (answer.status, answer.body) == (500, b'{"message":"Internal Server Error"}')


def test_payload_format_1_0(sb, apigw):
    """With PayloadFormatVersion 1.0, does the function get a 1.0 event and a 1.0 response work?"""
    api, arn = quick_api(sb, apigw, code="""
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"version": event["version"], "method": event["httpMethod"],
                                                   "path": event["path"], "params": event["pathParameters"]})}
""")
    integration = apigw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                           IntegrationUri=arn, PayloadFormatVersion="1.0")
    apigw.create_route(ApiId=api["ApiId"], RouteKey="GET /v1/{id}",
                       Target=f"integrations/{integration['IntegrationId']}")
    assert call(api["ApiEndpoint"] + "/v1/7").json() == {"version": "1.0", "method": "GET", "path": "/v1/7",
                                                         "params": {"id": "7"}}


def test_route_changes_apply_to_the_next_request(sb, apigw):
    """Does a route added or deleted after the first request change where the next one goes?"""
    api, arn = quick_api(sb, apigw)
    endpoint = api["ApiEndpoint"]
    assert call(endpoint + "/new").json()["routeKey"] == "$default"
    integration = apigw.get_integrations(ApiId=api["ApiId"])["Items"][0]["IntegrationId"]
    route = apigw.create_route(ApiId=api["ApiId"], RouteKey="GET /new", Target=f"integrations/{integration}")
    assert call(endpoint + "/new").json()["routeKey"] == "GET /new"
    apigw.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
    assert call(endpoint + "/new").json()["routeKey"] == "$default"


def test_deleting_the_api_closes_its_endpoint(sb, apigw):
    """Does delete_api stop the endpoint answering, and api_url say so in one sentence?"""
    api, _ = quick_api(sb, apigw)
    door = door_of(api["ApiEndpoint"])
    apigw.delete_api(ApiId=api["ApiId"])
    assert door.closed
    with pytest.raises(front_doors.urls.NoFrontDoor, match="no API with id"):
        front_doors.api_url(api["ApiId"])


def test_request_body_reaches_the_function(sb, apigw):
    """Does a POST body reach the function as the event's body?"""
    api, _ = quick_api(sb, apigw)
    event = call(api["ApiEndpoint"] + "/orders", "POST", json.dumps({"id": 1}).encode(),
                 {"Content-Type": "application/json"}).json()
    assert json.loads(event["body"]) == {"id": 1} and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"


def test_cors_configuration_answers_preflights_and_adds_headers(sb, apigw):
    """With CorsConfiguration, is a preflight answered 204 before any route, and does an answer carry the
    allow headers; and without it, none?"""
    api, _ = quick_api(sb, apigw, CorsConfiguration={"AllowOrigins": ["https://shop.example"],
                                                     "AllowMethods": ["GET", "POST"], "MaxAge": 30})
    endpoint = api["ApiEndpoint"]
    preflight = call(endpoint + "/items", "OPTIONS", headers={"Origin": "https://shop.example",
                                                              "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert preflight.headers["Access-Control-Max-Age"] == "30"
    answer = call(endpoint + "/items", headers={"Origin": "https://shop.example"})
    assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    apigw.delete_cors_configuration(ApiId=api["ApiId"])
    answer = call(endpoint + "/items", headers={"Origin": "https://shop.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_urls_come_from_the_sandbox_when_this_process_serves_none(sb, apigw, monkeypatch):
    """In a kernel attached to a grader's sandbox (no listeners of its own), do api_url and function_url ask
    the sandbox for the loopback URLs?"""
    api, _ = quick_api(sb, apigw)
    sb.client("lambda").create_function_url_config(FunctionName="echo", AuthType="NONE")
    url = front_doors.function_url("echo")
    monkeypatch.setattr(front_doors.listener, "open_listeners", lambda: [])
    assert front_doors.api_url(api["ApiId"]) == api["ApiEndpoint"] + "/"
    assert front_doors.api_url(api["ApiId"], "prod") == api["ApiEndpoint"] + "/prod/"
    assert front_doors.function_url("echo") == url
    with pytest.raises(front_doors.urls.NoFrontDoor, match="no API with id"):
        front_doors.api_url("nosuchapi")


def test_stage_without_auto_deploy_serves_its_deployment(sb, apigw):
    """Does a stage without AutoDeploy answer 404 until deployed, then serve the routes of its deployment
    (not later changes) until the next deployment?"""
    api, arn = quick_api(sb, apigw)
    api_id, endpoint = api["ApiId"], api["ApiEndpoint"]
    apigw.create_stage(ApiId=api_id, StageName="prod")
    assert call(endpoint + "/prod/items").status == 404
    first = apigw.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert first["DeploymentStatus"] == "DEPLOYED"
    assert apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == first["DeploymentId"]
    assert call(endpoint + "/prod/items").json()["routeKey"] == "$default"
    integration = apigw.get_integrations(ApiId=api_id)["Items"][0]["IntegrationId"]
    apigw.create_route(ApiId=api_id, RouteKey="GET /items", Target=f"integrations/{integration}")
    assert call(endpoint + "/prod/items").json()["routeKey"] == "$default"  # not deployed yet
    assert call(endpoint + "/items").json()["routeKey"] == "GET /items"     # $default deploys itself
    apigw.create_deployment(ApiId=api_id, StageName="prod")
    assert call(endpoint + "/prod/items").json()["routeKey"] == "GET /items"
    assert len(apigw.get_deployments(ApiId=api_id)["Items"]) == 2
    apigw.update_stage(ApiId=api_id, StageName="prod", DeploymentId=first["DeploymentId"])
    assert call(endpoint + "/prod/items").json()["routeKey"] == "$default"  # rolled back
    apigw.update_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
    assert call(endpoint + "/prod/items").json()["routeKey"] == "GET /items"


def test_requests_count_in_the_api_metrics(sb, apigw):
    """Does every request count in AWS/ApiGateway Count (per API and stage), a failed one in 5xx?"""
    import datetime

    api, _ = quick_api(sb, apigw, code="def handler(event, context):\n    raise ValueError('no')\n")
    assert call(api["ApiEndpoint"] + "/").status == 500
    cloudwatch = sb.client("cloudwatch")
    now = datetime.datetime.now(datetime.UTC)

    def total(name, dimensions):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApiGateway", MetricName=name, Dimensions=dimensions,
            StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5),
            Period=600, Statistics=["Sum"])["Datapoints"]
        return sum(p["Sum"] for p in points)

    by_api = [{"Name": "ApiId", "Value": api["ApiId"]}]
    assert (total("Count", by_api), total("5xx", by_api), total("4xx", by_api)) == (1, 1, 0)
    assert total("Count", by_api + [{"Name": "Stage", "Value": "$default"}]) == 1
