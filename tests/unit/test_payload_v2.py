"""Payload format 2.0: the event function URLs and HTTP APIs send, and how a result becomes an HTTP answer."""

import base64
import json

import pytest

from workbook.front_doors import payload_v2
from workbook.front_doors.payload_v2 import MalformedResponse, http_response, request_event

EPOCH_MS = 1795855060301  # 28 Nov 2026 08:37:40.301 UTC


def event(**overrides):
    arguments = dict(method="get", raw_path="/items/7", raw_query="", headers=[], body=b"",
                     source_ip="127.0.0.1", account_id="123456789012", api_id="a1b2c3d4",
                     domain_name="127.0.0.1:50123", request_id="req-1", time_epoch_ms=EPOCH_MS)
    arguments.update(overrides)
    return request_event(**arguments)


def test_headers_are_lower_cased_and_repeated_headers_comma_joined():
    """Are header names lower-cased, and a header sent twice one entry with its values joined by commas?"""
    headers = event(headers=[("X-Tag", "a"), ("Accept", "text/html"), ("x-tag", "b")])["headers"]
    assert headers == {"x-tag": "a,b", "accept": "text/html"}


def test_cookie_headers_become_the_cookies_list():
    """Do Cookie headers leave `headers` and become the `cookies` list, one entry per cookie?"""
    sent = event(headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")])
    assert sent["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in sent["headers"]
    assert "cookies" not in event()


def test_query_string_raw_and_decoded_with_repeated_names_joined():
    """Is rawQueryString kept as sent, and are repeated parameters comma-joined and values decoded?"""
    sent = event(raw_query="x=1&x=2&name=Ada%20L&flag")
    assert sent["rawQueryString"] == "x=1&x=2&name=Ada%20L&flag"
    assert sent["queryStringParameters"] == {"x": "1,2", "name": "Ada L", "flag": ""}


def test_no_query_string_means_an_empty_raw_query_and_no_parameters():
    """Without a query, is rawQueryString "" and queryStringParameters absent?"""
    sent = event()
    assert sent["rawQueryString"] == ""
    assert "queryStringParameters" not in sent


def test_text_body_is_sent_as_text():
    """Does a JSON or text body reach the function as a string, with isBase64Encoded false?"""
    sent = event(headers=[("Content-Type", "application/json; charset=utf-8")], body=b'{"a": 1}')
    assert (sent["body"], sent["isBase64Encoded"]) == ('{"a": 1}', False)


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "application/pdf"])
def test_binary_body_is_base64(content_type):
    """Does a binary content type reach the function base64-encoded, with isBase64Encoded true?"""
    data = bytes(range(256))
    sent = event(headers=[("Content-Type", content_type)], body=data)
    assert sent["isBase64Encoded"] is True
    assert base64.b64decode(sent["body"]) == data


def test_text_content_type_that_is_not_utf8_is_base64():
    """Is a "text" body that is not UTF-8 sent base64 rather than mangled?"""
    sent = event(headers=[("Content-Type", "text/plain")], body=b"\xff\xfe")
    assert sent["isBase64Encoded"] is True and base64.b64decode(sent["body"]) == b"\xff\xfe"


def test_no_body_means_no_body_key():
    """Without a body, is `body` absent and isBase64Encoded false?"""
    sent = event()
    assert "body" not in sent and sent["isBase64Encoded"] is False


def test_request_context_fields():
    """Does requestContext carry account, API id, domain, HTTP details, request id, route, stage and time?"""
    sent = event(headers=[("User-Agent", "curl/8.5.0")], route_key="GET /items/{id}", stage="prod",
                 path="/prod/items/7")
    context = sent["requestContext"]
    assert sent["version"] == "2.0" and sent["routeKey"] == "GET /items/{id}"
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "a1b2c3d4" and context["domainPrefix"] == "a1b2c3d4"
    assert context["domainName"] == "127.0.0.1:50123"
    assert context["http"] == {"method": "GET", "path": "/prod/items/7", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"}
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == "GET /items/{id}" and context["stage"] == "prod"
    assert context["time"] == "28/Nov/2026:08:37:40 +0000"
    assert context["timeEpoch"] == EPOCH_MS
    assert "authorizer" not in context


def test_defaults_for_a_function_url():
    """Without a route or stage, are routeKey and stage "$default" and http.path the raw path?"""
    sent = event()
    assert sent["routeKey"] == sent["requestContext"]["routeKey"] == "$default"
    assert sent["requestContext"]["stage"] == "$default"
    assert sent["requestContext"]["http"]["path"] == "/items/7"


def test_path_parameters_and_stage_variables_only_when_given():
    """Are pathParameters and stageVariables present only when there are some?"""
    assert "pathParameters" not in event() and "stageVariables" not in event()
    sent = event(path_parameters={"id": "7"}, stage_variables={"table": "orders"})
    assert sent["pathParameters"] == {"id": "7"} and sent["stageVariables"] == {"table": "orders"}


def test_iam_authorizer():
    """Does an AWS_IAM request carry who signed it in requestContext.authorizer.iam?"""
    authorizer = payload_v2.iam_authorizer(access_key="AKIAEXAMPLE", account_id="123456789012",
                                           caller_id="ada", user_arn="arn:aws:iam::123456789012:user/ada",
                                           user_id="ada")
    sent = event(authorizer=authorizer)
    iam = sent["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIAEXAMPLE" and iam["userArn"].endswith(":user/ada")
    assert iam["cognitoIdentity"] is None


# ---------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "hi"}, b'{"message": "hi"}'),
        ([1, 2], b"[1, 2]"),
        (42, b"42"),
        ("Hello (world)", b"Hello (world)"),
        (None, b"null"),
    ],
)
def test_result_without_status_code_is_json_with_200(result, body):
    """Is a result without statusCode (an object, list, number, string) sent as JSON with 200?"""
    status, headers, data = http_response(json.dumps(result).encode())
    assert status == 200
    assert ("Content-Type", "application/json") in headers
    assert data == body


def test_status_code_headers_and_body_are_honoured():
    """Are statusCode, headers and body of a response object what the client gets?"""
    payload = {"statusCode": 201, "headers": {"content-type": "text/plain", "x-count": 3}, "body": "made"}
    status, headers, data = http_response(json.dumps(payload).encode())
    assert status == 201
    assert headers == [("content-type", "text/plain"), ("x-count", "3")]
    assert data == b"made"


def test_cookies_become_set_cookie_headers():
    """Does each entry of `cookies` become its own Set-Cookie header?"""
    payload = {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": ""}
    _, headers, _ = http_response(json.dumps(payload).encode())
    assert headers == [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")]


def test_base64_body_is_decoded():
    """With isBase64Encoded true, is the body decoded to bytes before it is sent?"""
    png = b"\x89PNG\r\n\x1a\n"
    payload = {"statusCode": 200, "headers": {"content-type": "image/png"},
               "body": base64.b64encode(png).decode(), "isBase64Encoded": True}
    assert http_response(json.dumps(payload).encode())[2] == png


def test_status_code_without_body_sends_an_empty_body():
    """Is a response with statusCode but no body sent with an empty body?"""
    assert http_response(b'{"statusCode": 204}') == (204, [], b"")


@pytest.mark.parametrize(
    "payload",
    [
        {"statusCode": "two hundred"},
        {"statusCode": 99},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "headers": {"x": {"nested": 1}}},
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
    ],
)
def test_malformed_responses_are_refused(payload):
    """Is a response object the front door cannot send refused (answered with 502)?"""
    with pytest.raises(MalformedResponse):
        http_response(json.dumps(payload).encode())


def test_a_result_that_is_not_json_is_refused():
    """Is a payload that is not JSON refused?"""
    with pytest.raises(MalformedResponse):
        http_response(b"<html>")
