"""The loopback server answers only the notebook that started it: real HTTP requests against a sandbox."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from workbook.sandbox.isolation import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY
from workbook.sandbox.issued_keys import SESSION_TOKEN_KEY_ID

EVIL = "https://evil.example"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
INVALID_TOKEN = "The security token included in the request is invalid."


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = {name.lower(): value for name, value in response.getheaders()}
        self.body = response.read()

    def json(self) -> dict:
        assert self.headers["content-type"].startswith("application/"), self.headers
        return json.loads(self.body)

    def cors(self) -> dict:
        return {name: value for name, value in self.headers.items() if name.startswith("access-control-")}


def send(
    sb,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict | None = None,
    *,
    sign: str | None = None,
    key: tuple = (FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY),
    host: str | None = None,
) -> Answer:
    """One raw HTTP request to the sandbox, SigV4-signed for service ``sign`` when given."""
    headers = dict(headers or {})
    if sign:
        request = AWSRequest(method=method, url=sb.endpoint_url + path, data=body, headers=headers)
        SigV4Auth(Credentials(*key), sign, sb.region).add_auth(request)
        headers = dict(request.headers.items())
    if host:
        headers["Host"] = host
    url = urlparse(sb.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        return Answer(connection.getresponse())
    finally:
        connection.close()


def port_of(sb) -> int:
    return urlparse(sb.endpoint_url).port


def create_queue(sb, name: str, **kwargs) -> Answer:
    body = json.dumps({"QueueName": name}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    return send(sb, "POST", "/", body, headers, sign="sqs", **kwargs)


def queue_names(sb) -> list[str]:
    return [url.rsplit("/", 1)[1] for url in sb.client("sqs").list_queues().get("QueueUrls", [])]


# ---------------------------------------------------------------- Host header (DNS rebinding)


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:{other}"])
def test_a_forged_host_header_is_refused_and_creates_nothing(sb, host):
    """Does a signed CreateQueue addressed to another host (a DNS-rebinding page) get refused?"""
    answer = create_queue(sb, "rebound", host=host.format(port=port_of(sb), other=port_of(sb) + 1))
    assert answer.status == 403
    assert answer.json()["__type"] == "AccessDeniedException"
    assert queue_names(sb) == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_names_on_the_server_port_are_answered(sb, host):
    """Are 127.0.0.1, localhost and [::1] on the server's own port all accepted?"""
    assert create_queue(sb, "mine", host=f"{host}:{port_of(sb)}").status == 200
    assert queue_names(sb) == ["mine"]


# ---------------------------------------------------------------- cross-site requests


def test_a_preflight_gets_no_allow_headers(sb):
    """Does a browser's CORS preflight get any Access-Control-Allow-* header? No, so it stops there."""
    answer = send(
        sb,
        "OPTIONS",
        "/2015-03-31/functions",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert answer.status == 403
    assert answer.cors() == {}


def test_no_cors_headers_even_on_answered_requests(sb):
    """Does a signed request that comes with a foreign Origin get CORS headers back? No."""
    answer = send(sb, "GET", "/2015-03-31/functions/", headers={"Origin": EVIL}, sign="lambda")
    assert answer.status == 200
    assert answer.cors() == {}
    assert send(sb, "GET", "/2015-03-31/functions/", sign="lambda").cors() == {}  # flask-cors is off


def test_bucket_cors_rules_never_reach_a_browser(sb):
    """Do a bucket's CORS rules (AllowedOrigins *) put allow headers on its answers? No."""
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="site")
    s3.put_object(Bucket="site", Key="k", Body=b"secret")
    s3.put_bucket_cors(
        Bucket="site",
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"]}]
        },
    )
    answer = send(sb, "GET", "/site/k", headers={"Origin": EVIL}, sign="s3")
    assert (answer.status, answer.body) == (200, b"secret")
    assert answer.cors() == {}


def test_a_simple_cross_site_post_creates_nothing(sb):
    """Can a web page's text/plain POST (no Authorization) create a function? No."""
    body = json.dumps(
        {
            "FunctionName": "planted",
            "Runtime": "python3.12",
            "Role": "arn:aws:iam::123456789012:role/r",
            "Handler": "a.b",
            "Code": {"ZipFile": ""},
        }
    ).encode()
    answer = send(sb, "POST", "/2015-03-31/functions", body, {"Content-Type": "text/plain", "Origin": EVIL})
    assert answer.status == 403
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    assert answer.cors() == {}
    assert sb.client("lambda").list_functions()["Functions"] == []


def test_a_cross_site_reset_is_refused(sb):
    """Can a web page wipe the sandbox with a POST to /moto-api/reset? No: the bucket is still there."""
    sb.client("s3").create_bucket(Bucket="keep-me")
    answer = send(sb, "POST", "/moto-api/reset", b"", {"Content-Type": "text/plain", "Origin": EVIL})
    assert answer.status == 403
    assert "X-Workbook-Sandbox-Token" in answer.json()["message"]
    signed = send(sb, "POST", "/moto-api/reset", sign="s3")  # even a signed request needs the token
    assert signed.status == 403
    assert [b["Name"] for b in sb.client("s3").list_buckets()["Buckets"]] == ["keep-me"]


def test_moto_api_answers_the_sandbox_token(sb):
    """Does /moto-api/ work for the process that holds the sandbox's internal token?"""
    sb.client("s3").create_bucket(Bucket="gone-soon")
    assert sb.internal_token
    token = {"X-Workbook-Sandbox-Token": sb.internal_token}
    assert send(sb, "GET", "/moto-api/data.json", headers=token).status == 200
    assert send(sb, "POST", "/moto-api/reset", headers=token).status == 200
    assert sb.client("s3").list_buckets()["Buckets"] == []


# ---------------------------------------------------------------- credentials


def invented(sb, service):
    return sb.client(
        service, aws_access_key_id="AKIAINVENTEDKEY12345", aws_secret_access_key="x" * 40, config=NO_RETRIES
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "message"),
    [
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", INVALID_TOKEN),
        ("iam", lambda c: c.list_roles(), "InvalidClientTokenId", INVALID_TOKEN),
        ("sns", lambda c: c.list_topics(), "InvalidClientTokenId", INVALID_TOKEN),
        ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException", INVALID_TOKEN),
        ("dynamodb", lambda c: c.list_tables(), "UnrecognizedClientException", INVALID_TOKEN),
        ("sqs", lambda c: c.list_queues(), "UnrecognizedClientException", INVALID_TOKEN),
        ("logs", lambda c: c.describe_log_groups(), "UnrecognizedClientException", INVALID_TOKEN),
        ("events", lambda c: c.list_rules(), "UnrecognizedClientException", INVALID_TOKEN),
        ("kinesis", lambda c: c.list_streams(), "UnrecognizedClientException", INVALID_TOKEN),
        ("cloudwatch", lambda c: c.list_metrics(), "UnrecognizedClientException", INVALID_TOKEN),
        (
            "s3",
            lambda c: c.list_buckets(),
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
    ],
)
def test_an_invented_key_gets_the_service_own_403(sb, service, call, code, message):
    """What does a made-up AKIA… key get? AWS's 403 for that service's protocol."""
    with pytest.raises(ClientError) as caught:
        call(invented(sb, service))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"] == message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def error_code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def client_with(sb, service, key_id, secret, token=None):
    return sb.client(
        service,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRIES,
    )


def test_iam_user_keys_work_while_they_are_active(sb):
    """Is an IAM user's access key accepted, and refused once deactivated or deleted?"""
    iam = sb.client("iam")
    iam.create_user(UserName="ada")
    key = iam.create_access_key(UserName="ada")["AccessKey"]
    sts = client_with(sb, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{sb.account_id}:user/ada"
    iam.update_access_key(UserName="ada", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert error_code(sts.get_caller_identity) == "InvalidClientTokenId"
    iam.update_access_key(UserName="ada", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert sts.get_caller_identity()["Arn"].endswith(":user/ada")
    iam.delete_access_key(UserName="ada", AccessKeyId=key["AccessKeyId"])
    assert error_code(sts.get_caller_identity) == "InvalidClientTokenId"


def test_a_reset_revokes_every_issued_key(sb):
    """Does a key issued before sb.reset() stop working after it?"""
    iam = sb.client("iam")
    iam.create_user(UserName="ada")
    key = iam.create_access_key(UserName="ada")["AccessKey"]
    s3 = client_with(sb, "s3", key["AccessKeyId"], key["SecretAccessKey"])
    s3.list_buckets()
    sb.reset()
    assert error_code(s3.list_buckets) == "InvalidAccessKeyId"


def trusting_account_role(sb, name="admin-role"):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{sb.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return sb.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]


def test_assumed_role_keys_need_their_own_session_token(sb):
    """Is an AssumeRole result accepted with its session token, and refused without it or with another?"""
    credentials = sb.client("sts").assume_role(RoleArn=trusting_account_role(sb), RoleSessionName="me")[
        "Credentials"
    ]
    key, secret, token = (
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    assert client_with(sb, "sts", key, secret, token).get_caller_identity()["Arn"].endswith("admin-role/me")
    assert error_code(client_with(sb, "sts", key, secret).get_caller_identity) == "InvalidClientTokenId"
    assert error_code(client_with(sb, "sqs", key, secret, token[:-4] + "AAAA").list_queues) == (
        "UnrecognizedClientException"
    )


def test_the_get_session_token_key_works_once_issued(sb):
    """Is moto's GetSessionToken key refused until the sandbox has handed it out?"""
    sts = client_with(sb, "sts", SESSION_TOKEN_KEY_ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "t")
    assert error_code(sts.get_caller_identity) == "InvalidClientTokenId"
    credentials = sb.client("sts").get_session_token()["Credentials"]
    assert credentials["AccessKeyId"] == SESSION_TOKEN_KEY_ID
    issued = client_with(
        sb, "s3", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert issued.list_buckets()["Buckets"] == []


def read(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_presigned_urls_work_with_issued_keys_only(sb):
    """Does a presigned GET work for the sandbox's key, and not for an invented one or as a POST?"""
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="report.txt", Body=b"numbers")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "shared", "Key": "report.txt"})
    assert read(url) == (200, b"numbers")
    forged = invented(sb, "s3").generate_presigned_url(
        "get_object", Params={"Bucket": "shared", "Key": "report.txt"}
    )
    status, body = read(forged)
    assert status == 403
    assert b"<Code>InvalidAccessKeyId</Code>" in body
    assert read(url, method="POST")[0] == 403


# ---------------------------------------------------------------- failures answer AWS error documents


def test_a_body_that_is_not_utf8_gets_a_json_error_and_no_traceback(sb, capfd):
    """What does a DynamoDB request whose body is not UTF-8 get? A JSON 500, and nothing on stderr."""
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    answer = send(sb, "POST", "/", b'{"TableName": "\xff\xfe"}', headers, sign="dynamodb")
    assert answer.status == 500
    assert answer.json()["__type"] == "InternalFailure"
    assert "not valid UTF-8" in answer.json()["message"]
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_an_invoke_payload_that_is_not_utf8_gets_lambda_service_exception(sb, capfd):
    """And a Lambda Invoke with a binary payload? Lambda's JSON ServiceException, not werkzeug's HTML."""
    answer = send(sb, "POST", "/2015-03-31/functions/anything/invocations", b"\xff\x00\xfe", sign="lambda")
    assert answer.status == 500
    assert answer.headers["x-amzn-errortype"] == "ServiceException"
    assert answer.json()["__type"] == "ServiceException"
    assert b"<html" not in answer.body.lower()
    assert "Traceback" not in capfd.readouterr().err


def test_a_failure_inside_moto_is_the_service_error(sb, capfd, monkeypatch):
    """When moto itself raises, what does boto3 see? The service's 500 error, and no traceback printed."""
    from moto.sqs.models import SQSBackend

    def broken(*args, **kwargs):
        raise RuntimeError("moto broke")

    monkeypatch.setattr(SQSBackend, "list_queues", broken)
    with pytest.raises(ClientError) as caught:
        sb.client("sqs", config=NO_RETRIES).list_queues()
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "RuntimeError" in caught.value.response["Error"]["Message"]
    assert "Traceback" not in capfd.readouterr().err


def test_a_malformed_http_request_gets_json(sb):
    """Does a request that is not even HTTP get an HTML error page? No, a JSON one."""
    with socket.create_connection(("127.0.0.1", port_of(sb)), timeout=30) as connection:
        headers = b"".join(b"X-%d: 1\r\n" % n for n in range(120))  # http.server allows 100
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"431"
    assert b"application/json" in head
    assert json.loads(body)["__type"] == "BadRequest"
