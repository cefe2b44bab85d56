"""Payload format 1.0 (workbook.front_doors.payload_v1): the REST API proxy event and response mapping."""

import base64
import json
import re

import pytest

from workbook.front_doors.payload_v1 import (
    HttpRequest,
    MalformedProxyResponse,
    ProxyResponse,
    extended_request_id,
    is_binary,
    proxy_event,
    proxy_response,
    request_time,
)

NOW = 1795854877.5831  # 2026-11-28 08:34:37.583 UTC


def event_for(request: HttpRequest, **kwargs) -> dict:
    options = dict(resource_path="/items/{id}", path_parameters={"id": "42"}, stage="prod",
                   api_id="a1b2c3d4e5",
                   account_id="123456789012", resource_id="x1y2z3", request_id="req-1", extended_id="ext-1=",
                   now=NOW)
    options.update(kwargs)
    return proxy_event(request, **options)


def get(path="/items/42", **kwargs) -> HttpRequest:
    kwargs.setdefault("headers", [("Host", "127.0.0.1:8080"), ("User-Agent", "curl/8.5.0")])
    return HttpRequest("GET", path, port=8080, **kwargs)


# ------------------------------------------------------------------ the event


def test_the_event_has_every_top_level_key_of_format_1_0():
    """Does the event carry exactly the keys a REST API proxy event has?"""
    assert set(event_for(get())) == {
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
        "isBase64Encoded"}


def test_resource_path_and_method():
    """Are `resource` the template, `path` the request path without the stage, `httpMethod` the method?"""
    event = event_for(get())
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/items/{id}", "/items/42", "GET")


def test_the_path_stays_percent_encoded_and_parameters_are_decoded():
    """Is `path` as sent (encoded) while pathParameters hold the decoded value?"""
    event = event_for(get("/items/a%20b"), path_parameters={"id": "a b"})
    assert event["path"] == "/items/a%20b"
    assert event["pathParameters"] == {"id": "a b"}
    assert event["requestContext"]["path"] == "/prod/items/a%20b"


def test_headers_hold_the_last_value_and_multi_value_headers_every_value():
    """With Accept sent twice, is headers['Accept'] the last and multiValueHeaders['Accept'] both?"""
    event = event_for(get(headers=[("Host", "127.0.0.1:8080"), ("Accept", "text/html"), ("Accept", "*/*")]))
    assert event["headers"]["Accept"] == "*/*"
    assert event["multiValueHeaders"]["Accept"] == ["text/html", "*/*"]
    assert event["headers"]["Host"] == "127.0.0.1:8080"


def test_api_gateway_adds_forwarding_and_trace_headers():
    """Are X-Forwarded-For/Port/Proto and X-Amzn-Trace-Id added, in headers and multiValueHeaders?"""
    event = event_for(get(source_ip="127.0.0.1"))
    headers = event["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Port"] == "8080"
    assert headers["X-Forwarded-Proto"] == "http"
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", headers["X-Amzn-Trace-Id"])
    assert event["multiValueHeaders"]["X-Forwarded-For"] == ["127.0.0.1"]


def test_a_client_x_forwarded_for_is_kept_first_in_the_chain():
    """Does a client's own X-Forwarded-For come before the caller's address?"""
    event = event_for(get(headers=[("X-Forwarded-For", "203.0.113.9")], source_ip="127.0.0.1"))
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"


def test_query_string_parameters_last_and_every_value_decoded():
    """With ?tag=a&tag=b&q=x%20y, are the single and multi-value query parameters right?"""
    event = event_for(get(query=[("tag", "a"), ("tag", "b"), ("q", "x y")]))
    assert event["queryStringParameters"] == {"tag": "b", "q": "x y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x y"]}


def test_no_query_string_no_path_parameters_no_stage_variables_are_null():
    """Without them, are queryStringParameters, their multi-value twin, pathParameters and stageVariables
    null?"""
    event = event_for(get("/items"), path_parameters=None, resource_path="/items")
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None


def test_stage_variables_are_passed():
    """Are the stage's variables in `stageVariables`?"""
    assert event_for(get(), stage_variables={"alias": "live"})["stageVariables"] == {"alias": "live"}


def test_request_context():
    """Does requestContext carry the ids, paths, stage, time and protocol API Gateway sends?"""
    context = event_for(get())["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "a1b2c3d4e5"
    assert context["resourceId"] == "x1y2z3"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/prod/items/42"
    assert context["stage"] == "prod"
    assert context["requestId"] == "req-1"
    assert context["extendedRequestId"] == "ext-1="
    assert context["requestTime"] == "28/Nov/2026:08:34:37 +0000"
    assert context["requestTimeEpoch"] == 1795854877583
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == "127.0.0.1"
    assert context["domainPrefix"] == "127"


def test_identity_has_the_source_ip_and_user_agent_and_nulls_elsewhere():
    """Is identity {sourceIp, userAgent} with the caller fields null (no authorizer, no IAM)?"""
    identity = event_for(get(source_ip="127.0.0.1"))["requestContext"]["identity"]
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "curl/8.5.0"
    for key in ("accessKey", "accountId", "caller", "cognitoIdentityId", "cognitoIdentityPoolId", "user",
                "userArn"):
        assert identity[key] is None


def test_a_text_body_is_passed_as_a_string():
    """Is a JSON body passed as text with isBase64Encoded false?"""
    request = HttpRequest("POST", "/items", headers=[("Content-Type", "application/json")], body=b'{"a": 1}')
    event = event_for(request)
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)


def test_no_body_is_null():
    """Is a request without a body `body: null`?"""
    event = event_for(get())
    assert (event["body"], event["isBase64Encoded"]) == (None, False)


def test_a_binary_media_type_body_is_base64():
    """With binaryMediaTypes ['image/png'], is a PNG body base64-encoded with isBase64Encoded true?"""
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    request = HttpRequest("PUT", "/items", headers=[("Content-Type", "image/png")], body=png)
    event = event_for(request, binary_media_types=["image/png"])
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == png


def test_without_a_matching_binary_media_type_the_body_is_text():
    """Without a matching binaryMediaTypes entry, is the body text (invalid UTF-8 replaced)?"""
    request = HttpRequest("PUT", "/items", headers=[("Content-Type", "image/png")], body=b"ab\xff")
    event = event_for(request, binary_media_types=["application/pdf"])
    assert event["isBase64Encoded"] is False
    assert event["body"] == "ab\ufffd"


@pytest.mark.parametrize(
    ("content_type", "types", "binary"),
    [
        ("image/png", ["image/png"], True),
        ("image/png; charset=x", ["image/png"], True),
        ("IMAGE/PNG", ["image/png"], True),
        ("image/jpeg", ["image/*"], True),
        ("application/json", ["*/*"], True),
        ("text/plain", [], False),
        ("application/json", ["image/*"], False),
        (None, ["*/*"], False),
        ("image/png", ["image~1png"], True),  # how a PATCH path spells the slash
    ],
)
def test_is_binary(content_type, types, binary):
    """Does is_binary match exact types, wildcards and */* (ignoring parameters and case)?"""
    assert is_binary(content_type, types) is binary


def test_the_event_is_json_serialisable():
    """Can the event be sent as a Lambda payload?"""
    json.dumps(event_for(get()))


def test_request_ids_are_fresh_and_shaped_like_api_gateways():
    """Is each extendedRequestId new, 16 characters ending in '=', and each requestId a new UUID?"""
    ids = {extended_request_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9]{15}=", value) for value in ids)
    first = proxy_event(get(), resource_path="/", path_parameters=None, stage="s", api_id="a", account_id="1",
                        resource_id="r")["requestContext"]["requestId"]
    second = proxy_event(get(), resource_path="/", path_parameters=None, stage="s", api_id="a",
                         account_id="1",
                         resource_id="r")["requestContext"]["requestId"]
    assert first != second and re.fullmatch(r"[0-9a-f-]{36}", first)


def test_request_time_format():
    """Is requestTime in CLF format, day/Mon/year:hh:mm:ss +0000?"""
    assert request_time(0) == "01/Jan/1970:00:00:00 +0000"


# ------------------------------------------------------------------ the response


def respond(result) -> ProxyResponse:
    return proxy_response(json.dumps(result).encode())


def test_status_body_and_headers_are_mapped():
    """Does {statusCode, headers, body} become that status, those headers and that body?"""
    response = respond({"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-Id": "7"},
                        "body": "made"})
    assert response.status == 201
    assert response.headers == [("Content-Type", "text/plain"), ("X-Id", "7")]
    assert response.body == b"made"


def test_the_content_type_defaults_to_json():
    """Without a Content-Type header, does the answer say application/json?"""
    assert respond({"statusCode": 200, "body": "{}"}).headers == [("Content-Type", "application/json")]


def test_a_status_code_as_a_digit_string_is_accepted():
    """Is statusCode "404" read as 404?"""
    assert respond({"statusCode": "404"}).status == 404


def test_no_body_is_an_empty_body():
    """Is a missing or null body an empty answer?"""
    assert respond({"statusCode": 204}).body == b""
    assert respond({"statusCode": 200, "body": None}).body == b""


def test_multi_value_headers_are_sent_as_repeated_headers():
    """Does multiValueHeaders {'Set-Cookie': [a, b]} send two Set-Cookie headers?"""
    response = respond({"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}})
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_headers_and_multi_value_headers_are_merged_multi_value_winning():
    """For a name in both, are only the multiValueHeaders values sent, and the others merged in?"""
    response = respond({"statusCode": 200, "headers": {"X-A": "single", "X-B": "b"},
                        "multiValueHeaders": {"x-a": ["m1", "m2"], "X-C": ["c"]}})
    assert [(k, v) for k, v in response.headers if k.lower() != "content-type"] == [
        ("X-B", "b"), ("x-a", "m1"), ("x-a", "m2"), ("X-C", "c")]


def test_scalar_header_values_become_strings_and_null_ones_are_dropped():
    """Are 5, true and null header values sent as '5', 'true' and not at all?"""
    response = respond({"statusCode": 200, "headers": {"X-Count": 5, "X-Ok": True, "X-None": None}})
    assert ("X-Count", "5") in response.headers and ("X-Ok", "true") in response.headers
    assert all(k != "X-None" for k, _ in response.headers)


def test_a_base64_body_is_decoded():
    """With isBase64Encoded true, is the body sent as the decoded bytes?"""
    png = b"\x89PNG\x00\xff"
    response = respond({"statusCode": 200, "headers": {"Content-Type": "image/png"},
                        "body": base64.b64encode(png).decode(), "isBase64Encoded": True})
    assert response.body == png


@pytest.mark.parametrize(
    "result",
    [
        "hello",  # a bare string
        42,
        None,
        ["statusCode", 200],
        {"body": "no status"},
        {"statusCode": None},
        {"statusCode": "abc"},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 600},
        {"statusCode": 200.5},
        {"statusCode": 200, "body": {"a": 1}},  # a body that is not a string
        {"statusCode": 200, "body": 5},
        {"statusCode": 200, "headers": ["X-A"]},
        {"statusCode": 200, "headers": {"X-A": {"nested": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X-A": "not a list"}},
        {"statusCode": 200, "multiValueHeaders": ["X-A"]},
        {"statusCode": 200, "cookies": ["a=1"]},  # a payload format 2.0 key
        {"statusCode": 200, "statusDescription": "OK"},  # an ALB key
        {"statusCode": 200, "isBase64Encoded": "true"},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    ],
)
def test_anything_else_is_a_malformed_proxy_response(result):
    """Is every result that is not a Lambda proxy response refused as malformed (502 on AWS)?"""
    with pytest.raises(MalformedProxyResponse):
        respond(result)


def test_a_result_that_is_not_json_is_malformed():
    """Is a payload that is not JSON at all malformed?"""
    with pytest.raises(MalformedProxyResponse):
        proxy_response(b"not json")


def test_added_headers_follow_a_lower_case_request():
    """When every request header is lower case (HTTP/2, HTTP APIs), are the added headers lower case too?"""
    event = event_for(get(headers=[("host", "127.0.0.1:8080"), ("user-agent", "curl/8.5.0")]))
    added = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"}
    assert added <= set(event["headers"])
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8.5.0"
