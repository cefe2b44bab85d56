"""The loopback server's guard, as WSGI middleware in front of a stand-in app (no server, no moto)."""

from __future__ import annotations

import io
import json

import pytest
from botocore.parsers import create_parser
from moto import mock_aws

from workbook.sandbox import error_responses, guard
from workbook.sandbox.guard import SandboxGuard
from workbook.sandbox.isolation import FAKE_ACCESS_KEY_ID
from workbook.sandbox.issued_keys import SESSION_TOKEN_KEY_ID, IssuedKeys

PORT = 45678


def signed_by(key: str, service: str = "lambda") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0"
    )


def environ(
    host=f"127.0.0.1:{PORT}", path="/2015-03-31/functions", key=FAKE_ACCESS_KEY_ID, service="lambda", **extra
) -> dict:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "wsgi.input": io.BytesIO(b"")}
    if host is not None:
        env["HTTP_HOST"] = host
    if key is not None:
        env["HTTP_AUTHORIZATION"] = signed_by(key, service)
    env.update(extra)
    return env


class Recorder:
    """A start_response that keeps what it was given."""

    def __call__(self, status, headers, exc_info=None):
        self.status, self.headers = int(status.split()[0]), dict(headers)


def answered(app_guard, env) -> tuple[Recorder, bytes]:
    start = Recorder()
    body = b"".join(app_guard(env, start))
    return start, body


def reached_app(env) -> bool:
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    the_guard = SandboxGuard(app)
    the_guard.listen_on(PORT)
    answered(the_guard, env)
    return bool(calls)


@pytest.mark.parametrize(
    "host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"[::1]:{PORT}", f"LocalHost:{PORT}"]
)
def test_loopback_host_names_on_the_server_port_are_answered(host):
    """Which Host headers does the guard let through? The loopback names, on the server's own port."""
    assert reached_app(environ(host=host))


@pytest.mark.parametrize(
    "host",
    ["evil.example", f"evil.example:{PORT}", f"127.0.0.1:{PORT + 1}", "127.0.0.1", f"127.0.0.2:{PORT}", None],
)
def test_other_host_headers_are_refused(host):
    """Is a request addressed to another name or port (DNS rebinding) refused before moto sees it?"""
    assert not reached_app(environ(host=host))


def test_refusals_are_json_in_aws_shape():
    """What does a refused request get back? A 403 with an AWS JSON error document, never HTML."""
    the_guard = SandboxGuard(None)
    the_guard.listen_on(PORT)
    start, body = answered(the_guard, environ(host="evil.example:80"))
    assert start.status == 403
    assert start.headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["__type"] == "AccessDeniedException"
    assert f"127.0.0.1:{PORT}" in document["message"]


def test_moto_api_needs_the_server_token():
    """Does /moto-api/ open only for the token of the process that started the server?"""
    the_guard = SandboxGuard(lambda env, start: start("200 OK", []) or [b""])
    the_guard.listen_on(PORT)
    no_token = environ(path="/moto-api/reset", key=None)
    wrong = environ(path="/moto-api/reset", key=None, HTTP_X_WORKBOOK_SANDBOX_TOKEN="guess")
    right = environ(path="/moto-api/reset", key=None, HTTP_X_WORKBOOK_SANDBOX_TOKEN=the_guard.token)
    assert [answered(the_guard, env)[0].status for env in (no_token, wrong, right)] == [403, 403, 200]
    assert SandboxGuard(None).token != the_guard.token  # a new secret for every server


def test_requests_without_credentials_never_reach_moto():
    """Is an unsigned request (what a web page can send) refused?"""
    assert not reached_app(environ(key=None, REQUEST_METHOD="POST", CONTENT_TYPE="text/plain"))


def test_presigned_credentials_are_ignored_on_post():
    """Can a page POST with credentials in the URL? No: query credentials count on other methods only."""
    query = (
        f"X-Amz-Credential={FAKE_ACCESS_KEY_ID}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0"
    )
    assert reached_app(environ(key=None, QUERY_STRING=query, REQUEST_METHOD="GET"))
    assert not reached_app(environ(key=None, QUERY_STRING=query, REQUEST_METHOD="POST"))


def test_credential_parsing():
    """Which key and service does the guard read from SigV4, SigV2 and presigned credentials?"""
    assert guard._from_authorization(signed_by("AKIAX", "DynamoDB")) == ("AKIAX", "dynamodb")
    assert guard._from_authorization("AWS AKIAY:c2lnbmF0dXJl") == ("AKIAY", "s3")
    assert guard._from_authorization("Bearer token") == (None, None)
    query = "X-Amz-Credential=ASIAZ%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=t0k"
    assert guard._from_query(query) == ("ASIAZ", "s3", "t0k")
    assert guard._from_query("AWSAccessKeyId=AKIAW&Signature=s") == ("AKIAW", "s3", None)
    assert guard._from_query("list-type=2") == (None, None, None)


def test_access_control_headers_are_dropped_for_cross_origin_requests():
    """Does any Access-Control-* header moto adds (S3 bucket CORS) reach a browser? No."""

    def app(environ, start_response):
        start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Type", "application/xml")])
        return [b""]

    the_guard = SandboxGuard(app)
    the_guard.listen_on(PORT)
    start, _ = answered(the_guard, environ(HTTP_ORIGIN="https://evil.example"))
    assert start.headers == {"Content-Type": "application/xml"}


def failing_app(environ, start_response):
    raise KeyError("boom")


@pytest.mark.parametrize(
    ("service", "extra", "protocol", "code"),
    [
        ("lambda", {}, "rest-json", "ServiceException"),
        ("dynamodb", {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}, "json", "InternalFailure"),
        ("sts", {"CONTENT_TYPE": "application/x-www-form-urlencoded"}, "query", "InternalFailure"),
        ("s3", {}, "rest-xml", "InternalError"),
        ("monitoring", {"HTTP_SMITHY_PROTOCOL": "rpc-v2-cbor"}, "smithy-rpc-v2-cbor", "InternalFailure"),
    ],
)
def test_a_failure_in_moto_is_the_service_500_error(service, extra, protocol, code, capfd):
    """What does an SDK see when moto raises? The service's own 500 error document, and nothing on stderr."""
    the_guard = SandboxGuard(failing_app)
    the_guard.listen_on(PORT)
    start, body = answered(the_guard, environ(service=service, **extra))
    assert start.status == 500
    parsed = create_parser(protocol).parse({"status_code": 500, "headers": start.headers, "body": body}, None)
    assert parsed["Error"]["Code"] == code
    assert "KeyError" in parsed["Error"]["Message"]
    assert capfd.readouterr().err == ""


def test_a_body_that_is_not_utf8_is_named_in_the_error():
    """Does the 500 for a body moto cannot decode say so?"""

    def app(environ, start_response):
        b"\xff".decode("utf-8")

    the_guard = SandboxGuard(app)
    the_guard.listen_on(PORT)
    _, body = answered(the_guard, environ())
    assert json.loads(body) == {
        "__type": "ServiceException",
        "message": "The sandbox could not read this request: its body is not valid UTF-8.",
    }


def test_cbor_error_bodies_decode():
    """Is the hand-made CBOR error body what botocore's rpc-v2-cbor parser reads?"""
    start = Recorder()
    body = b"".join(
        error_responses.invalid_key({"HTTP_SMITHY_PROTOCOL": "rpc-v2-cbor"}, start, "monitoring", "K")
    )
    parsed = create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": 403, "headers": start.headers, "body": body}, None
    )
    assert parsed["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": error_responses.INVALID_TOKEN,
    }
    long = error_responses._cbor_text_map({"m": "x" * 300})
    assert long[:5] == bytes(
        [0xA1, 0x61, ord("m"), 0x79, 0x01]
    )  # map(1), "m", text of 300 bytes (2-byte length)


def test_issued_keys_follow_moto_state(monkeypatch):
    """Does the key registry see IAM users' keys as they are created, deactivated and deleted?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
        keys = IssuedKeys()
        iam.create_user(UserName="ada")
        key_id = iam.create_access_key(UserName="ada")["AccessKey"]["AccessKeyId"]
        assert keys.lookup(key_id) is not None
        assert keys.lookup(key_id) is not None  # now remembered
        iam.update_access_key(UserName="ada", AccessKeyId=key_id, Status="Inactive")
        assert keys.lookup(key_id) is None
        iam.update_access_key(UserName="ada", AccessKeyId=key_id, Status="Active")
        iam.delete_access_key(UserName="ada", AccessKeyId=key_id)
        assert keys.lookup(key_id) is None
        assert keys.lookup("AKIAINVENTEDKEY00000") is None
        assert keys.lookup(FAKE_ACCESS_KEY_ID).session_token is None


def test_session_keys_carry_their_token_and_the_session_token_key_appears_when_issued(monkeypatch):
    """Does a role session's key come with its token? Is moto's GetSessionToken key unknown until issued?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        import boto3

        keys = IssuedKeys()
        sts = boto3.client("sts", region_name="us-east-1")
        credentials = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="s1")[
            "Credentials"
        ]
        assert keys.lookup(credentials["AccessKeyId"]).session_token == credentials["SessionToken"]
        assert keys.lookup(SESSION_TOKEN_KEY_ID) is None
        assert sts.get_session_token()["Credentials"]["AccessKeyId"] == SESSION_TOKEN_KEY_ID
        assert keys.lookup(SESSION_TOKEN_KEY_ID) is not None
