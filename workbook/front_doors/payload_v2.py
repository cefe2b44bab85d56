"""Payload format 2.0: the event a function URL or an HTTP API sends, and how the answer becomes HTTP.

Pure functions, no I/O. :func:`request_event` builds the event from the parts of an HTTP request:

* ``headers`` lower-cased; a header sent twice is one entry, its values joined with commas;
  ``cookie`` headers leave ``headers`` and become the ``cookies`` list;
* ``rawQueryString`` exactly as sent (``""`` when none); ``queryStringParameters`` decoded, repeated
  names joined with commas, absent when there is no query;
* ``body`` as text for textual content types, else base64 with ``isBase64Encoded`` true; absent when empty;
* ``requestContext``: ``accountId``, ``apiId``, ``domainName``, ``domainPrefix``, ``http`` (method,
  path, protocol, sourceIp, userAgent), ``requestId``, ``routeKey``, ``stage``, ``time``, ``timeEpoch``,
  and ``authorizer`` when given.

:func:`http_response` maps the function's result to ``(status, headers, body)``:

* a JSON object with ``statusCode``: that status, its ``headers``, each of its ``cookies`` as a
  ``Set-Cookie`` header, its ``body`` (decoded from base64 when ``isBase64Encoded``);
* anything else (an object without ``statusCode``, a string, a number, a list …): 200, ``content-type:
  application/json``, the result itself as the body (a string's text without its quotes);
* a result it cannot map raises :class:`MalformedResponse` (the front door answers 502).

Example::

    event = request_event(method="GET", raw_path="/items/7", raw_query="a=1&a=2",
                          headers=[("Accept", "text/html")], body=b"", source_ip="127.0.0.1",
                          account_id="123456789012", api_id="a1b2c3d4", domain_name="127.0.0.1:50123",
                          request_id="0f1e…", time_epoch_ms=1764316800000)
    event["queryStringParameters"]        # {'a': '1,2'}
    http_response(b'{"statusCode": 201, "body": "made"}')   # (201, [], b'made')
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/graphql", "application/yaml")


class MalformedResponse(ValueError):
    """The function's result cannot be turned into an HTTP response."""


def is_text(content_type: str | None) -> bool:
    """Whether a body of this content type goes to the function as text (else base64)."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if not kind:
        return True
    return kind.startswith(_TEXT_TYPES) or kind.endswith(("+json", "+xml"))


def joined_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """``(headers, cookies)``: names lower-cased, repeated headers comma-joined, ``cookie`` split out."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined, cookies


def query_parameters(raw_query: str) -> dict[str, str] | None:
    """Decoded query parameters, repeated names comma-joined; None when there is no query."""
    if not raw_query:
        return None
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params or None


def encode_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """``(body, isBase64Encoded)`` for the event; ``(None, False)`` when there is no body."""
    if not body:
        return None, False
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def clf_time(epoch_ms: int) -> str:
    """``28/Nov/2026:09:26:53 +0000``, the format of ``requestContext.time``."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def request_event(*, method: str, raw_path: str, raw_query: str, headers: Iterable[tuple[str, str]],
                  body: bytes, source_ip: str, account_id: str, api_id: str, domain_name: str,
                  request_id: str, time_epoch_ms: int | None = None, route_key: str = "$default",
                  stage: str = "$default", protocol: str = "HTTP/1.1", path: str | None = None,
                  path_parameters: dict[str, str] | None = None,
                  stage_variables: dict[str, str] | None = None,
                  authorizer: dict | None = None, domain_prefix: str | None = None) -> dict:
    """The payload format 2.0 event for one HTTP request (see the module docstring for each rule).

    ``path`` is ``requestContext.http.path`` (an HTTP API's includes a named stage; ``raw_path`` does not);
    ``domain_prefix`` defaults to ``api_id`` (on AWS the first label of the domain name is the id).
    """
    joined, cookies = joined_headers(headers)
    epoch_ms = int(time.time() * 1000) if time_epoch_ms is None else int(time_epoch_ms)
    event: dict = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path, "rawQueryString": raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    query = query_parameters(raw_query)
    if query is not None:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    context = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": api_id if domain_prefix is None else domain_prefix,
        "http": {
            "method": method.upper(),
            "path": path if path is not None else raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": clf_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event["requestContext"] = context
    text, is_base64 = encode_body(body, joined.get("content-type"))
    if text is not None:
        event["body"] = text
    event["isBase64Encoded"] = is_base64
    return event


def iam_authorizer(*, access_key: str, account_id: str, caller_id: str, user_arn: str, user_id: str) -> dict:
    """``requestContext.authorizer`` of an ``AWS_IAM`` request: who signed it."""
    return {"iam": {"accessKey": access_key, "accountId": account_id, "callerId": caller_id,
                    "cognitoIdentity": None, "principalOrgId": None, "userArn": user_arn, "userId": user_id}}


def http_response(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` for the function's result ``payload`` (JSON bytes).

    Raises :class:`MalformedResponse` when the result names a status but cannot be sent as one.
    """
    try:
        result = json.loads(payload) if payload.strip() else None
    except ValueError:
        raise MalformedResponse("the function's result is not JSON") from None
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result.encode() if isinstance(result, str) else payload
        return 200, [("Content-Type", "application/json")], body
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, (int, str)) or not str(status).isdigit():
        raise MalformedResponse("statusCode is not an integer")
    status = int(status)
    if not 100 <= status <= 599:
        raise MalformedResponse("statusCode is not an HTTP status")
    headers = result.get("headers") or {}
    cookies = result.get("cookies") or []
    if not isinstance(headers, dict) or not isinstance(cookies, list):
        raise MalformedResponse("headers must be an object and cookies a list")
    pairs = [(str(name), _header_value(value)) for name, value in headers.items()]
    pairs += [("Set-Cookie", str(cookie)) for cookie in cookies]
    body = result.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    if result.get("isBase64Encoded") is True and data:
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResponse("isBase64Encoded is true but body is not base64") from None
    return status, pairs, data


def _header_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResponse("a header value must be a string or a number")
