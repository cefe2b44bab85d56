"""Function URLs in the sandbox: the URL boto3 returns is served on loopback and reaches the function."""

import base64
import json
import socket
import urllib.request

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from workbook import front_doors

from .front_door_helpers import allow_public_url, call, door_of, signed_call
from .lambda_helpers import create_function

ECHO = """
import base64, json
def handler(event, context):
    return {"event": event, "arn": context.invoked_function_arn, "version": context.function_version}
"""

RESPONDER = """
import base64, json
def handler(event, context):
    return json.loads(event["body"])
"""


@pytest.fixture
def lam(sb):
    return sb.client("lambda")


def public_url(sb, lam, name="echo", code=ECHO, **config):
    create_function(sb, name, code)
    allow_public_url(lam, name)
    return lam.create_function_url_config(FunctionName=name, AuthType="NONE", **config)["FunctionUrl"]


def respond_with(url, result):
    return call(url, "POST", json.dumps(result).encode(), {"Content-Type": "application/json"})


def test_url_is_loopback_and_reaches_the_function(sb, lam):
    """Is FunctionUrl http://127.0.0.1:<port>/, and does a GET to it run the handler with a 2.0 event?"""
    url = public_url(sb, lam)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    answer = call(url + "orders/7?x=1&x=2", headers={"Cookie": "a=1; b=2", "X-Tag": "t"})
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    event = answer.json()["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7" and event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"] and event["headers"]["x-tag"] == "t"
    context = event["requestContext"]
    assert context["accountId"] == "anonymous"
    assert context["http"]["method"] == "GET" and context["http"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] == answer.headers["x-amzn-RequestId"]
    assert front_doors.function_url("echo") == url


def test_config_api_is_consistent(sb, lam):
    """Do Get, List, Update and Delete agree with what Create made, with AWS's errors for the rest?"""
    url = public_url(sb, lam, Cors={"AllowOrigins": ["*"]})
    got = lam.get_function_url_config(FunctionName="echo")
    assert got["FunctionUrl"] == url and got["AuthType"] == "NONE" and got["Cors"] == {"AllowOrigins": ["*"]}
    assert got["InvokeMode"] == "BUFFERED" and got["FunctionArn"].endswith(":function:echo")
    listed = lam.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]
    updated = lam.update_function_url_config(FunctionName="echo", AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM" and updated["Cors"] == {"AllowOrigins": ["*"]}
    assert updated["FunctionUrl"] == url
    with pytest.raises(ClientError) as conflict:
        lam.create_function_url_config(FunctionName="echo", AuthType="NONE")
    assert conflict.value.response["Error"]["Code"] == "ResourceConflictException"
    door = door_of(url)
    lam.delete_function_url_config(FunctionName="echo")
    assert door.closed
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="echo")
    assert lam.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"] == []


def test_create_refuses_bad_requests(sb, lam):
    """Are a missing function, a version qualifier and an unknown AuthType refused as AWS refuses them?"""
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function_url_config(FunctionName="nobody", AuthType="NONE")
    create_function(sb, "echo", ECHO)
    lam.publish_version(FunctionName="echo")
    with pytest.raises(ClientError) as version:
        lam.create_function_url_config(FunctionName="echo", Qualifier="1", AuthType="NONE")
    assert version.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as auth:
        lam.create_function_url_config(FunctionName="echo", AuthType="PUBLIC")
    assert auth.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function_url_config(FunctionName="echo", Qualifier="live", AuthType="NONE")


def test_alias_url_runs_the_alias_version(sb, lam):
    """Does a URL created with Qualifier=<alias> run the alias' version, with the alias ARN?"""
    create_function(sb, "echo", ECHO)
    version = lam.publish_version(FunctionName="echo")["Version"]
    lam.create_alias(FunctionName="echo", Name="live", FunctionVersion=version)
    allow_public_url(lam, "echo", qualifier="live")
    created = lam.create_function_url_config(FunctionName="echo", Qualifier="live", AuthType="NONE")
    url = created["FunctionUrl"]
    config = lam.get_function_url_config(FunctionName="echo", Qualifier="live")
    assert config["FunctionArn"].endswith(":echo:live")
    answer = call(url).json()
    assert answer["version"] == version and answer["arn"].endswith(":function:echo:live")
    door = door_of(url)
    lam.delete_alias(FunctionName="echo", Name="live")
    assert door.closed


def test_none_auth_needs_both_permissions(sb, lam):
    """Without InvokeFunctionUrl and InvokeFunction for anyone, is the answer 403 {"Message":"Forbidden"}?"""
    create_function(sb, "echo", ECHO)
    url = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    refused = call(url)
    assert (refused.status, refused.body) == (403, b'{"Message":"Forbidden"}')
    lam.add_permission(FunctionName="echo", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    assert call(url).status == 403  # since October 2025, InvokeFunction is needed too
    lam.add_permission(FunctionName="echo", StatementId="invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)
    assert call(url).status == 200
    policy = json.loads(lam.get_policy(FunctionName="echo")["Policy"])
    conditions = [s["Condition"] for s in policy["Statement"]]
    assert {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}} in conditions
    assert {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}} in conditions


def test_binary_request_and_response_bodies(sb, lam):
    """Does a binary body arrive base64-encoded, and a base64 response body leave as bytes?"""
    url = public_url(sb, lam, "png", """
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "image/png"}, "body": event["body"],
            "isBase64Encoded": event["isBase64Encoded"]}
""")
    data = bytes(range(256))
    answer = call(url, "POST", data, {"Content-Type": "image/png"})
    assert answer.status == 200 and answer.body == data
    assert answer.headers["content-type"] == "image/png"


def test_response_mapping(sb, lam):
    """Are statusCode, headers, cookies and body honoured, and a bare string sent as JSON with 200?"""
    url = public_url(sb, lam, "responder", RESPONDER)
    answer = respond_with(url, {"statusCode": 201, "headers": {"x-made": "yes"}, "cookies": ["a=1", "b=2"],
                                "body": "made"})
    assert (answer.status, answer.body) == (201, b"made")
    assert answer.headers["x-made"] == "yes"
    answer = respond_with(url, "hello")
    assert (answer.status, answer.body, answer.headers["Content-Type"]) == (200, b"hello", "application/json")
    assert respond_with(url, {"answer": 42}).json() == {"answer": 42}


def test_cookies_each_get_a_set_cookie_header(sb, lam):
    """Does each cookie of the response become its own Set-Cookie header on the wire?"""
    url = public_url(sb, lam, "responder", RESPONDER)
    result = {"statusCode": 200, "cookies": ["a=1", "b=2"]}
    request = urllib.request.Request(url, data=json.dumps(result).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get_all("Set-Cookie") == ["a=1", "b=2"]


def test_errors_as_a_function_url_answers_them(sb, lam):
    """Is a handler error or a malformed response 502, and a function timeout 504?"""
    url = public_url(sb, lam, "responder", """
import json, time
def handler(event, context):
    ask = json.loads(event["body"])
    if ask == "raise":
        raise ValueError("boom")
    if ask == "sleep":
        time.sleep(5)
    return {"statusCode": "not a number"}
""")
    lam.update_function_configuration(FunctionName="responder", Timeout=1)
    failed = respond_with(url, "raise")
    assert (failed.status, failed.body) == (502, b'{"message":"Internal Server Error"}')
    assert respond_with(url, "malformed").status == 502
    assert respond_with(url, "sleep").status == 504


def test_throttled_function_is_429(sb, lam):
    """With reserved concurrency 0, does the URL answer 429 without running the handler?"""
    url = public_url(sb, lam)
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    assert call(url).status == 429


def test_request_over_6_mb_is_413(sb, lam):
    """Is a request body over 6 MB refused with 413 before the function runs?"""
    url = public_url(sb, lam)
    assert call(url, "POST", b"x" * (6 * 1024 * 1024 + 1), {"Content-Type": "text/plain"}).status == 413


def test_cors_preflight_is_answered_by_the_front_door(sb, lam):
    """Is a preflight answered from the Cors configuration, and do answers carry the allow headers?"""
    create_function(sb, "echo", ECHO)
    url = lam.create_function_url_config(
        FunctionName="echo", AuthType="NONE",
        Cors={"AllowOrigins": ["https://shop.example"], "AllowMethods": ["POST"], "MaxAge": 60,
              "ExposeHeaders": ["x-total"]})["FunctionUrl"]
    # no permission yet: the preflight never reaches the function
    preflight = call(url, "OPTIONS", headers={"Origin": "https://shop.example",
                                              "Access-Control-Request-Method": "POST"})
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert preflight.headers["Access-Control-Max-Age"] == "60"
    allow_public_url(lam, "echo")
    answer = call(url, headers={"Origin": "https://shop.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert answer.headers["Access-Control-Expose-Headers"] == "x-total"
    assert "Access-Control-Allow-Origin" not in call(url, headers={"Origin": "https://evil.example"}).headers


def test_no_cors_headers_without_configuration(sb, lam):
    """Without Cors configured, does no answer carry Access-Control-* headers (to a page on this machine)?"""
    url = public_url(sb, lam)
    answer = call(url, headers={"Origin": "http://localhost:8888"})
    assert answer.status == 200
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


def test_a_page_on_another_site_is_refused_unless_cors_names_it(sb, lam):
    """Is a request from a page on another site (its Origin) refused with 403, even with AllowOrigins ["*"],
    while the origin the Cors configuration names and pages on this machine are answered?"""
    url = public_url(sb, lam, Cors={"AllowOrigins": ["*"]})
    refused = call(url, "POST", b"{}", {"Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert refused.status == 403 and b"another site" in refused.body
    assert call(url, headers={"Origin": "null"}).status == 403
    assert call(url, headers={"Origin": "http://127.0.0.1:8888"}).status == 200
    assert call(url).status == 200  # no Origin: curl, urllib, a notebook
    lam.update_function_url_config(FunctionName="echo", Cors={"AllowOrigins": ["https://shop.example"]})
    assert call(url, headers={"Origin": "https://shop.example"}).status == 200
    assert call(url, headers={"Origin": "https://evil.example"}).status == 403


def test_only_loopback_host_names_are_answered(sb, lam):
    """Is a request whose Host is not a loopback name (DNS rebinding) refused with 403?"""
    url = public_url(sb, lam)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 403")
    assert call(url.replace("127.0.0.1", "localhost")).status == 200


def test_aws_iam_url_needs_a_valid_signature_by_someone_allowed(sb, lam):
    """Does AWS_IAM refuse unsigned and badly signed requests and callers without permission, and pass the
    signer to the function in requestContext.authorizer.iam?"""
    create_function(sb, "echo", ECHO)
    url = lam.create_function_url_config(FunctionName="echo", AuthType="AWS_IAM")["FunctionUrl"]
    assert call(url).status == 403
    iam = sb.client("iam")
    iam.create_user(UserName="ada")
    key = iam.create_access_key(UserName="ada")["AccessKey"]
    ada = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    assert signed_call(url, ada, sb.region).status == 403  # no permission yet
    assert signed_call(url, Credentials(key["AccessKeyId"], "wrong-secret"), sb.region).status == 403
    iam.put_user_policy(UserName="ada", PolicyName="url", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"],
                       "Resource": "*"}]}))
    answer = signed_call(url + "?q=1", ada, sb.region, "POST", b'{"a": 1}',
                         {"Content-Type": "application/json"})
    assert answer.status == 200
    context = answer.json()["event"]["requestContext"]
    assert context["authorizer"]["iam"]["userArn"] == f"arn:aws:iam::{sb.account_id}:user/ada"
    assert context["accountId"] == sb.account_id


def test_aws_iam_url_accepts_the_notebook_own_credentials(sb, lam):
    """Can the notebook's own sandbox credentials (the account's root) call an AWS_IAM URL?"""
    create_function(sb, "echo", ECHO)
    url = lam.create_function_url_config(FunctionName="echo", AuthType="AWS_IAM")["FunctionUrl"]
    credentials = lam._request_signer._credentials.get_frozen_credentials()
    answer = signed_call(url, Credentials(credentials.access_key, credentials.secret_key), sb.region)
    assert answer.status == 200
    assert answer.json()["event"]["requestContext"]["authorizer"]["iam"]["userArn"].endswith(":root")


def test_listeners_close_when_the_function_goes_and_on_reset(sb, lam):
    """Does deleting the function close its URL, and sb.reset() close every URL?"""
    door = door_of(public_url(sb, lam))
    lam.delete_function(FunctionName="echo")
    assert door.closed
    door = door_of(public_url(sb, lam, "again"))
    sb.reset()
    assert door.closed


def test_the_invoke_is_logged_like_any_other(sb, lam):
    """Does a URL request write START/END/REPORT lines with the request id the client saw?"""
    url = public_url(sb, lam)
    request_id = call(url).headers["x-amzn-RequestId"]
    logs = sb.client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/echo")["logStreams"]
    messages = [e["message"] for s in streams
                for e in logs.get_log_events(logGroupName="/aws/lambda/echo",
                                             logStreamName=s["logStreamName"])["events"]]
    assert any(m.startswith(f"REPORT RequestId: {request_id}") for m in messages)


def test_binary_body_base64_in_event(sb, lam):
    """Is a form body sent as text, and an octet-stream body base64 in the event?"""
    url = public_url(sb, lam)
    form = call(url, "POST", b"a=1&b=2",
                {"Content-Type": "application/x-www-form-urlencoded"}).json()["event"]
    assert form["body"] == "a=1&b=2" and form["isBase64Encoded"] is False
    raw = call(url, "POST", b"\x00\x01", {"Content-Type": "application/octet-stream"}).json()["event"]
    assert raw["isBase64Encoded"] is True and base64.b64decode(raw["body"]) == b"\x00\x01"


def test_requests_count_in_the_url_metrics(sb, lam):
    """Does every request count in UrlRequestCount, and a refused one in Url4xxCount, as on AWS?"""
    import datetime

    url = public_url(sb, lam)
    assert call(url).status == 200
    assert call(url, "POST", b"x" * (6 * 1024 * 1024 + 1)).status == 413
    cloudwatch = sb.client("cloudwatch")
    now = datetime.datetime.now(datetime.UTC)

    def total(name):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=name, Dimensions=[{"Name": "FunctionName", "Value": "echo"}],
            StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5),
            Period=600, Statistics=["Sum"])["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert (total("UrlRequestCount"), total("Url4xxCount"), total("Url5xxCount")) == (2, 1, 0)
