"""Payload format 1.0: the event a REST API sends to a Lambda proxy integration, and how it reads the answer.

:func:`proxy_event` builds the event from one HTTP request: ``resource`` (the resource's path
template), ``path`` (as sent, percent-encoded, without the stage), ``httpMethod``, ``headers`` and
``multiValueHeaders`` (the last value, and every value, of each header), ``queryStringParameters`` and
``multiValueQueryStringParameters`` (decoded; ``None`` without a query string), ``pathParameters``
(decoded), ``stageVariables``, ``requestContext`` and ``body`` (base64 with ``isBase64Encoded`` when the
request's ``Content-Type`` is one of the API's ``binaryMediaTypes``). Like API Gateway, it adds
``X-Forwarded-For``, ``X-Forwarded-Port``, ``X-Forwarded-Proto`` and ``X-Amzn-Trace-Id`` headers.

:func:`proxy_response` reads the function's result: a JSON object with ``statusCode``, and optionally
``headers``, ``multiValueHeaders`` (merged with ``headers``; for a name in both, only
``multiValueHeaders`` counts), ``body`` (a string) and ``isBase64Encoded``. Anything else (a bare
string, no ``statusCode``, a body that is not a string, another key) raises
:class:`MalformedProxyResponse`, which API Gateway answers with 502 ``{"message": "Internal server error"}``.

Example::

    request = HttpRequest("GET", "/items/42", headers=[("Accept", "application/json")],
                          query=[("verbose", "true")])
    event = proxy_event(request, resource_path="/items/{id}", path_parameters={"id": "42"},
                        stage="prod", api_id="a1b2c3d4e5", account_id="123456789012", resource_id="x1y2z3")
    event["pathParameters"], event["requestContext"]["path"]   # ({'id': '42'}, '/prod/items/42')

    proxy_response(b'{"statusCode": 201, "body": "made"}')
    # ProxyResponse(status=201, headers=[('Content-Type', 'application/json')], body=b'made')
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import secrets
import string
import time
import uuid
from collections.abc import Iterable, Mapping
from email.utils import formatdate

_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_ID_ALPHABET = string.ascii_letters + string.digits


class MalformedProxyResponse(ValueError):
    """The function's result is not a Lambda proxy response; the message says why."""


@dataclasses.dataclass
class HttpRequest:
    """One HTTP request as a front door received it (``path`` percent-encoded, without the stage)."""

    method: str
    path: str
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    query: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    port: int = 80


@dataclasses.dataclass
class ProxyResponse:
    """The HTTP response a proxy result maps to."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def extended_request_id() -> str:
    """An id shaped like API Gateway's ``extendedRequestId`` (also its ``x-amz-apigw-id`` header)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


def trace_id(now: float | None = None) -> str:
    """An X-Ray trace header value, ``Root=1-<time in hex>-<24 hex digits>``."""
    now = time.time() if now is None else now
    return f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"


def request_time(now: float) -> str:
    """``28/Nov/2026:09:26:53 +0000``, the CLF time API Gateway writes as ``requestTime``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))


def http_date(now: float | None = None) -> str:
    """The ``Date`` header value."""
    return formatdate(now, usegmt=True)


def is_binary(content_type: str | None, binary_media_types: Iterable[str]) -> bool:
    """Whether ``content_type`` is one of ``binary_media_types`` (``image/png``, ``image/*``, ``*/*``).

    Example::

        is_binary("image/png; q=1", ["image/*"])    # True
    """
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    major = kind.split("/", 1)[0]
    for pattern in binary_media_types or ():
        pattern = str(pattern).strip().lower().replace("~1", "/")  # the API's PATCH path escapes "/"
        if pattern in ("*/*", kind) or (pattern.endswith("/*") and pattern[:-2] == major):
            return True
    return False


def _single_and_multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict | None, dict | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def _with_forwarding(request: HttpRequest, now: float) -> list[tuple[str, str]]:
    """The request's headers plus the ones API Gateway adds on the way to the function (spelt in lower
    case when every header of the request is, as HTTP/2 clients and HTTP APIs send them)."""
    replaced = ("x-forwarded-port", "x-forwarded-proto")
    headers = [(k, v) for k, v in request.headers if k.lower() not in replaced]
    forwarded = [v for k, v in headers if k.lower() == "x-forwarded-for"]
    headers = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
    chain = ", ".join([*forwarded, request.source_ip])
    added = [("X-Forwarded-For", chain), ("X-Forwarded-Port", str(request.port)),
             ("X-Forwarded-Proto", "http")]
    if not any(k.lower() == "x-amzn-trace-id" for k, _ in headers):
        added.append(("X-Amzn-Trace-Id", trace_id(now)))
    if headers and all(k == k.lower() for k, _ in headers):
        added = [(k.lower(), v) for k, v in added]
    return headers + added


def _hostname(host: str | None) -> str:
    """``127.0.0.1`` from ``127.0.0.1:8080``, ``::1`` from ``[::1]:8080``."""
    if not host:
        return "127.0.0.1"
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The last value of header ``name`` (any case) in ``(name, value)`` pairs, or None."""
    found = None
    for key, value in headers:
        if key.lower() == name.lower():
            found = value
    return found


def proxy_event(
    request: HttpRequest,
    *,
    resource_path: str,
    path_parameters: Mapping[str, str] | None,
    stage: str,
    api_id: str,
    account_id: str,
    resource_id: str,
    stage_variables: Mapping[str, str] | None = None,
    binary_media_types: Iterable[str] = (),
    request_id: str | None = None,
    extended_id: str | None = None,
    now: float | None = None,
) -> dict:
    """The payload format 1.0 event for ``request`` (see the module's docstring for every rule)."""
    now = time.time() if now is None else now
    headers = _with_forwarding(request, now)
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(request.query)
    host = _hostname(header(headers, "Host"))
    if request.body:
        if is_binary(header(headers, "Content-Type"), binary_media_types):
            body, encoded = base64.b64encode(request.body).decode(), True
        else:
            body, encoded = request.body.decode("utf-8", errors="replace"), False
    else:
        body, encoded = None, False
    path = request.path or "/"
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "extendedRequestId": extended_id or extended_request_id(),
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.source_ip,
                "user": None,
                "userAgent": header(headers, "User-Agent"),
                "userArn": None,
            },
            "path": f"/{stage}{path}",
            "protocol": request.protocol,
            "requestId": request_id or str(uuid.uuid4()),
            "requestTime": request_time(now),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": resource_id,
            "resourcePath": resource_path,
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _header_value(name: str, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedProxyResponse(f"the value of header {name!r} is not a string")


def proxy_response(payload: bytes | str) -> ProxyResponse:
    """The HTTP response for a proxy integration's result (see the module's docstring for the rules).

    Raises :class:`MalformedProxyResponse` when the result is not a Lambda proxy response.

    Example::

        proxy_response(b'{"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hi"}').body
        # b'hi'
    """
    try:
        result = json.loads(payload)
    except ValueError:
        raise MalformedProxyResponse("the result is not JSON") from None
    if not isinstance(result, dict):
        raise MalformedProxyResponse("the result is not a JSON object with a statusCode")
    extra = sorted(set(result) - _RESPONSE_KEYS)
    if extra:
        raise MalformedProxyResponse(f"unexpected key(s) {', '.join(extra)}")
    status = result.get("statusCode")
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedProxyResponse("missing or invalid statusCode")

    single = result.get("headers")
    multi = result.get("multiValueHeaders")
    if single is not None and not isinstance(single, dict):
        raise MalformedProxyResponse("headers is not an object")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedProxyResponse("multiValueHeaders is not an object")
    headers: list[tuple[str, str]] = []
    multi_names = {str(name).lower() for name in multi or {}}
    for name, value in (single or {}).items():
        text = _header_value(name, value)
        if text is not None and name.lower() not in multi_names:
            headers.append((name, text))
    for name, values in (multi or {}).items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] is not a list")
        for value in values:
            text = _header_value(name, value)
            if text is not None:
                headers.append((name, text))

    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse("body is not a string")
    encoded = result.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        raise MalformedProxyResponse("isBase64Encoded is not a boolean")
    if encoded and body:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedProxyResponse("body is not valid base64") from None
    else:
        data = (body or "").encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    return ProxyResponse(status, headers, data)

