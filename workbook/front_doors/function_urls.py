"""Function URLs: the Create/Get/Update/Delete/ListFunctionUrlConfig(s) API and the HTTP endpoint behind it.

A URL config belongs to a function's ``$LATEST`` or to one of its aliases (``Qualifier``). Creating one
opens a loopback listener; its ``FunctionUrl`` is ``http://127.0.0.1:<port>/``, and every request to it

1. gets its CORS preflight answered from the config's ``Cors`` (:mod:`.cors`), without invoking;
2. is authorized: ``AuthType`` ``NONE`` needs the function's policy to allow ``lambda:InvokeFunctionUrl``
   (``FunctionUrlAuthType`` ``NONE``) and ``lambda:InvokeFunction`` (``InvokedViaFunctionUrl``) to anyone,
   as ``add_permission(..., Principal="*", FunctionUrlAuthType="NONE")`` and
   ``add_permission(..., Action="lambda:InvokeFunction", Principal="*", InvokedViaFunctionUrl=True)`` write;
   ``AWS_IAM`` needs a SigV4 signature (service ``lambda``) by someone allowed both (:mod:`.signatures`).
   Otherwise 403 ``{"Message":"Forbidden"}``;
3. becomes a payload format 2.0 event (:mod:`.payload_v2`) and a synchronous invoke
   (:mod:`.invoke_bridge`); the result is mapped back to HTTP.

Failures as a function URL answers them: 413 for a body over 6 MB, 502 for a handler error or a result
that is not a valid response, 504 when the function times out, 429 when it is throttled. Every request
counts in the URL's CloudWatch metrics (:mod:`.metrics`).

Example::

    lam.add_permission(FunctionName="hello", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName="hello", StatementId="invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)
    url = lam.create_function_url_config(FunctionName="hello", AuthType="NONE")["FunctionUrl"]
    urllib.request.urlopen(url).read()
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

from . import cors, http_io, invoke_bridge, listener, metrics, payload_v2, urls
from .invoke_bridge import function_arn

MAX_REQUEST_BYTES = 6 * 1024 * 1024
AUTH_TYPES = ("AWS_IAM", "NONE")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")

FORBIDDEN = (403, {"Message": "Forbidden"})
TOO_LARGE = (413, {"Message": "Request Entity Too Large"})
THROTTLED = (429, {"Message": "Too Many Requests"})
FAILED = (502, {"message": "Internal Server Error"})
TIMED_OUT = (504, {"message": "Gateway Timeout"})

_lock = threading.Lock()


@dataclasses.dataclass
class UrlConfig:
    """One function URL config and the listener serving it."""

    account_id: str
    region: str
    function_name: str
    qualifier: str  # "$LATEST" or an alias name
    auth_type: str
    cors: dict | None
    invoke_mode: str
    created: str
    modified: str
    url_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    door: listener.Listener | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.account_id, self.region, self.function_name, self.qualifier)

    @property
    def function_arn(self) -> str:
        return function_arn(self.account_id, self.region, self.function_name, self.qualifier)

    def to_dict(self, *, modified: bool = True) -> dict:
        answer = {"FunctionUrl": self.door.url if self.door else "", "FunctionArn": self.function_arn,
                  "AuthType": self.auth_type}
        if self.cors is not None:
            answer["Cors"] = self.cors
        answer["CreationTime"] = self.created
        if modified:
            answer["LastModifiedTime"] = self.modified
        answer["InvokeMode"] = self.invoke_mode
        return answer


_configs: dict[tuple[str, str, str, str], UrlConfig] = {}


# ---------------------------------------------------------------- API errors


class UrlApiError(JsonRESTError):
    def __init__(self, error_type: str, message: str, status: int):
        self.code = status
        super().__init__(error_type, message)
        self.description = json.dumps({"__type": error_type, "Type": "User", "Message": message})


def _not_found() -> UrlApiError:
    return UrlApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def _validation(message: str) -> UrlApiError:
    return UrlApiError("ValidationException", message, 400)


# ---------------------------------------------------------------- the API (`response`: moto's LambdaResponse)


def _json_headers(status: int) -> dict:
    return {"status": status, "content-type": "application/json"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _target(response) -> tuple[str, str, str, str]:
    """``(account, region, function name, qualifier)`` the request names; the function must exist."""
    from moto.awslambda.utils import get_backend

    from workbook.lambda_runtime import errors
    from workbook.lambda_runtime.invoke import split_function_name

    account_id, region = response.current_account, response.region
    raw = unquote(response.path.rstrip("/").rsplit("/", 2)[-2])
    query_qualifier = response.querystring.get("Qualifier", [None])[0] or None
    name, qualifier = split_function_name(raw, query_qualifier)
    if query_qualifier and qualifier != query_qualifier:
        raise errors.qualifier_mismatch()
    backend = get_backend(account_id, region)
    try:
        backend.get_function(name)
    except Exception:
        raise errors.ResourceNotFound(function_arn(account_id, region, name)) from None
    qualifier = qualifier or "$LATEST"
    if qualifier != "$LATEST":
        if qualifier.isdigit():
            raise _validation(f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: "
                              "((?!^\\d+$)^[0-9a-zA-Z-_]+$)|(^\\$LATEST$)")
        try:
            backend.get_alias(qualifier, name)
        except Exception:
            raise errors.ResourceNotFound(function_arn(account_id, region, name, qualifier)) from None
    return account_id, region, name, qualifier


def _settings(body: dict, *, creating: bool) -> dict:
    auth_type = body.get("AuthType")
    if auth_type is not None or creating:
        if auth_type not in AUTH_TYPES:
            raise _validation(f"1 validation error detected: Value '{auth_type}' at 'authType' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]")
    mode = body.get("InvokeMode")
    if mode is not None and mode not in INVOKE_MODES:
        raise _validation(f"1 validation error detected: Value '{mode}' at 'invokeMode' failed to satisfy "
                          "constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
    cors_config = body.get("Cors")
    if cors_config is not None and not isinstance(cors_config, dict):
        raise _validation("Cors must be an object.")
    return {"auth_type": auth_type, "cors": cors_config, "invoke_mode": mode}


def create(response):
    """CreateFunctionUrlConfig: 201, and the URL is served from now on."""
    key = _target(response)
    settings = _settings(response.json_body or {}, creating=True)
    with _lock:
        if key in _configs:
            account_id, region, name, qualifier = key
            arn = function_arn(account_id, region, name, qualifier)
            raise UrlApiError("ResourceConflictException",
                              f"Failed to create function url config for [functionArn = {arn}]. "
                              "Error message:  FunctionUrlConfig exists for this Lambda function", 409)
        now = _now()
        config = UrlConfig(*key, auth_type=settings["auth_type"], cors=settings["cors"],
                           invoke_mode=settings["invoke_mode"] or "BUFFERED", created=now, modified=now)
        config.door = listener.serve(FunctionUrlApp(key), name=urls.door_name(urls.FUNCTION_URL, *key))
        _configs[key] = config
    return 201, _json_headers(201), json.dumps(config.to_dict(modified=False))


def get(response):
    """GetFunctionUrlConfig."""
    config = _configs.get(_target(response))
    if config is None:
        raise _not_found()
    return 200, _json_headers(200), json.dumps(config.to_dict())


def update(response):
    """UpdateFunctionUrlConfig: only the settings given change."""
    key = _target(response)
    settings = _settings(response.json_body or {}, creating=False)
    with _lock:
        config = _configs.get(key)
        if config is None:
            raise _not_found()
        for field, value in settings.items():
            if value is not None:
                setattr(config, field, value)
        config.modified = _now()
    return 200, _json_headers(200), json.dumps(config.to_dict())


def delete(response):
    """DeleteFunctionUrlConfig: 204, and the URL stops answering."""
    key = _target(response)
    if not forget(*key):
        raise _not_found()
    return 204, {"status": 204}, ""


def list_configs(response):
    """ListFunctionUrlConfigs: the URL configs of the function, ``$LATEST`` and every alias."""
    from moto.awslambda.utils import get_backend

    from workbook.lambda_runtime import errors
    from workbook.lambda_runtime.invoke import split_function_name

    account_id, region = response.current_account, response.region
    name, _ = split_function_name(unquote(response.path.rstrip("/").rsplit("/", 2)[-2]), None)
    try:
        get_backend(account_id, region).get_function(name)
    except Exception:
        raise errors.ResourceNotFound(function_arn(account_id, region, name)) from None
    found = sorted((c for k, c in list(_configs.items()) if k[:3] == (account_id, region, name)),
                   key=lambda c: c.created)
    return 200, _json_headers(200), json.dumps({"FunctionUrlConfigs": [c.to_dict() for c in found]})


def forget(account_id: str, region: str, function_name: str, qualifier: str | None = None) -> bool:
    """Drop URL configs (one qualifier, or all of the function) and close their listeners; True if any."""
    with _lock:
        keys = [k for k in _configs if k[:3] == (account_id, region, function_name)
                and (qualifier is None or k[3] == qualifier)]
        gone = [_configs.pop(k) for k in keys]
    for config in gone:
        if config.door is not None:
            config.door.close()
    return bool(gone)


def forget_all() -> None:
    """Drop every URL config (the account was reset)."""
    with _lock:
        gone = list(_configs.values())
        _configs.clear()
    for config in gone:
        if config.door is not None:
            config.door.close()


# ---------------------------------------------------------------- the endpoint


class FunctionUrlApp:
    """The WSGI app behind one function URL."""

    def __init__(self, key: tuple[str, str, str, str]):
        self.key = key

    def allows_origin(self, origin: str) -> bool:
        """Does this URL's Cors configuration name ``origin`` (a page on another site may then call it)?"""
        config = _configs.get(self.key)
        return config is not None and cors.names_origin(config.cors, origin)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        statuses = []

        def respond(status, headers, exc_info=None):
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        answer = self._answer(environ, respond)
        status = statuses[0] if statuses else 500
        metrics.record_url(*self.key, status, (time.perf_counter() - started) * 1000)
        return answer

    def _answer(self, environ, start_response):
        config = _configs.get(self.key)
        request_id = str(uuid.uuid4())
        base = [("x-amzn-RequestId", request_id)]
        if config is None:
            return self._json(start_response, FORBIDDEN, base)
        method = environ.get("REQUEST_METHOD", "GET")
        origin = environ.get("HTTP_ORIGIN")
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if config.cors and cors.is_preflight(method, origin, requested):
            headers = cors.preflight_headers(config.cors, origin, requested,
                                             environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))
            return http_io.answer(start_response, 200, b"", base + headers)
        base += cors.response_headers(config.cors, origin)
        body = http_io.read_body(environ, MAX_REQUEST_BYTES)
        if body is None:
            return self._json(start_response, TOO_LARGE, base)
        headers = http_io.request_headers(environ)
        raw_path, raw_query = http_io.raw_target(environ)
        authorizer, caller_account = self._authorize(config, environ, method, raw_path, raw_query, headers,
                                                     body)
        if caller_account is None:
            return self._json(start_response, FORBIDDEN, base)
        event = payload_v2.request_event(
            method=method, raw_path=raw_path, raw_query=raw_query,
            headers=http_io.forwarded(headers, environ), body=body,
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), account_id=caller_account,
            api_id=config.url_id, domain_name=environ.get("HTTP_HOST", ""), request_id=request_id,
            protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"), authorizer=authorizer)
        try:
            outcome = invoke_bridge.invoke(config.account_id, config.region, config.function_name,
                                           config.qualifier, json.dumps(event).encode(),
                                           request_id=request_id)
        except invoke_bridge.FunctionGone:
            return self._json(start_response, FORBIDDEN, base)
        except invoke_bridge.Throttled:
            return self._json(start_response, THROTTLED, base)
        if outcome.timed_out:
            return self._json(start_response, TIMED_OUT, base)
        if outcome.function_error:
            return self._json(start_response, FAILED, base)
        try:
            status, headers, data = payload_v2.http_response(outcome.payload)
        except payload_v2.MalformedResponse:
            return self._json(start_response, FAILED, base)
        return http_io.answer(start_response, status, data, base + headers)

    @staticmethod
    def _json(start_response, answer: tuple[int, dict], headers: list[tuple[str, str]]):
        status, document = answer
        body = json.dumps(document, separators=(",", ":")).encode()
        return http_io.answer(start_response, status, body, [*headers, ("Content-Type", "application/json")])

    @staticmethod
    def _authorize(config: UrlConfig, environ, method, raw_path, raw_query, headers, body):
        """``(requestContext.authorizer, requestContext.accountId)``; accountId None when refused."""
        from workbook.iam import resource_policy

        statements = invoke_bridge.statements(config.account_id, config.region, config.function_name)
        context = {"lambda:FunctionUrlAuthType": config.auth_type, "lambda:InvokedViaFunctionUrl": "true"}
        resource = config.function_arn
        if config.auth_type == "NONE":
            for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
                if not resource_policy.allows(statements, action=action, resource=resource, context=context):
                    return None, None
            return None, "anonymous"
        from . import signatures

        url = f"http://{environ.get('HTTP_HOST', '')}{raw_path}" + (f"?{raw_query}" if raw_query else "")
        who = signatures.signer(method, url, dict(headers), body, account_id=config.account_id,
                                trust_unknown_keys=not _in_sandbox())
        if who is None or not signatures.may_invoke_url(who, statements, resource, context):
            return None, None
        authorizer = payload_v2.iam_authorizer(access_key=who.access_key, account_id=who.account_id,
                                               caller_id=who.user_id, user_arn=who.arn, user_id=who.user_id)
        return authorizer, who.account_id


def _in_sandbox() -> bool:
    """Whether the active runtime is the sandbox's (else plain ``mock_aws()`` + ``activate()``)."""
    from workbook.lambda_runtime import moto_patch
    from workbook.sandbox import core

    sb = core.current()
    return sb is not None and getattr(sb, "_runtime", None) is moto_patch.active()
