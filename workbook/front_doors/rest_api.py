"""REST APIs (API Gateway v1) served on a loopback port: ``http://127.0.0.1:<port>/<stage>/<path>``.

Each REST API gets its own listener when it is created (closed when it is deleted, and by
``sb.reset()`` / ``sb.stop()``). A request names the stage in its first path segment, as an
``execute-api`` URL does; the stage serves the deployment it points at, a snapshot of the resources,
methods and integrations taken by ``create_deployment`` (later changes need a new deployment, as on AWS).
The request is matched to a resource and method (:mod:`.rest_routes`); a method whose integration is
``AWS_PROXY`` to a Lambda function (``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/
<function arn>/invocations``, alias or version in the function ARN honoured, ``${stageVariables.x}``
substituted) invokes it synchronously with the payload format 1.0 event (:mod:`.payload_v1`), if the
function's resource-based policy lets ``apigateway.amazonaws.com`` in for the method's SourceArn
``arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<resource path>``.

What the caller gets back, as API Gateway answers:

* no such stage: 403 ``{"message":"Forbidden"}``; no resource or method for the request: 403
  ``{"message":"Missing Authentication Token"}``;
* the policy does not let API Gateway in, or the function is gone or throttled: 500
  ``{"message": "Internal server error"}``;
* the function raised (or timed out), or its result is not a proxy response: 502, same body;
* no answer within the integration timeout (29 s, :data:`INTEGRATION_TIMEOUT`, or the integration's
  shorter ``timeoutInMillis``): 504 ``{"message": "Endpoint request timed out"}``.

Every answer carries ``x-amzn-RequestId`` (``requestContext.requestId``) and ``x-amz-apigw-id``
(``requestContext.extendedRequestId``).

Example::

    url = front_doors.api_url(api_id, "prod")          # 'http://127.0.0.1:50125/prod/'
    urllib.request.urlopen(url + "items/42").read()
    rest_api.mounts(api_id, "prod")
    # Mounting orders:live at http://127.0.0.1:50125/prod/items/{id} [GET]
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from workbook.lambda_runtime.errors import MAX_SYNC_REQUEST_BYTES

from . import invoke_bridge, listener, payload_v1, urls
from .rest_routes import Integration, Resource, RouteTable

INTEGRATION_TIMEOUT = 29.0  # seconds; API Gateway's default (and, for edge APIs, maximum) integration timeout
SERVICE = "apigateway.amazonaws.com"

_FUNCTION_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]+):lambda:path/2015-03-31/functions/"
    r"(?P<arn>arn:aws[a-z-]*:lambda:(?P<fn_region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?)/invocations$"
)
# Headers of the answer the server sets itself: the function's are sent as x-amzn-Remapped-<name>, as on AWS.
_REMAPPED = frozenset({"connection", "content-length", "date", "server", "transfer-encoding"})
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_doors_lock = threading.Lock()

FORBIDDEN = (403, '{"message":"Forbidden"}', "ForbiddenException")
MISSING_TOKEN = (403, '{"message":"Missing Authentication Token"}', "MissingAuthenticationTokenException")
INTERNAL_ERROR = (500, '{"message": "Internal server error"}', "InternalServerErrorException")
BAD_GATEWAY = (502, '{"message": "Internal server error"}', "InternalServerErrorException")
TIMED_OUT = (504, '{"message": "Endpoint request timed out"}', None)


@dataclasses.dataclass(frozen=True)
class Deployed:
    """What a deployment serves: its route table and the API's binary media types at the time."""

    routes: RouteTable
    binary_media_types: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class LambdaTarget:
    """The function a proxy integration invokes."""

    account_id: str
    region: str
    name: str
    qualifier: str | None

    @property
    def label(self) -> str:
        """``name`` or ``name:qualifier``."""
        return f"{self.name}:{self.qualifier}" if self.qualifier else self.name


def snapshot(api) -> Deployed:
    """The resources, methods and integrations of a moto ``RestAPI`` as they are now."""
    resources = []
    for resource in list(api.resources.values()):
        methods = {}
        for method_name, method in list(resource.resource_methods.items()):
            integration = getattr(method, "method_integration", None)
            if integration is None:
                methods[method_name.upper()] = None
                continue
            timeout = integration.timeout_in_millis
            methods[method_name.upper()] = Integration(
                integration.integration_type or "", integration.uri or "",
                int(timeout) if str(timeout or "").isdigit() else None)
        try:
            path = resource.get_path()
        except Exception:  # a resource whose parent was deleted
            continue
        resources.append(Resource(resource.id, path, methods))
    return Deployed(RouteTable(resources), tuple(api.binaryMediaTypes or ()))


def lambda_target(uri: str, stage_variables: dict | None = None) -> LambdaTarget | None:
    """The function an ``AWS_PROXY`` integration URI names (stage variables substituted), or None.

    Example::

        lambda_target("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                      "arn:aws:lambda:us-east-1:123456789012:function:orders:live/invocations")
        # LambdaTarget(account_id='123456789012', region='us-east-1', name='orders', qualifier='live')
    """
    variables = stage_variables or {}
    uri = _STAGE_VARIABLE.sub(lambda m: str(variables.get(m.group(1), "")), uri or "")
    found = _FUNCTION_URI.match(uri)
    if found is None:
        return None
    return LambdaTarget(found["account"], found["fn_region"], found["name"], found["qualifier"])


def source_arn(region: str, account_id: str, api_id: str, stage: str, method: str, resource_path: str) -> str:
    """The ``aws:SourceArn`` API Gateway presents when a method invokes a function.

    Example::

        source_arn("us-east-1", "123456789012", "a1b2c3", "prod", "GET", "/items/{id}")
        # 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/{id}'
    """
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{resource_path.lstrip('/')}"


class RestApiDoor:
    """The WSGI app serving one REST API (every stage of it)."""

    def __init__(self, account_id: str, region: str, api_id: str):
        self.account_id, self.region, self.api_id = account_id, region, api_id

    def _api(self):
        from moto.apigateway.models import apigateway_backends

        try:
            return apigateway_backends[self.account_id][self.region].apis.get(self.api_id)
        except KeyError:
            return None

    def __call__(self, environ, start_response):
        request = Request(environ)
        request_id, extended_id = str(uuid.uuid4()), payload_v1.extended_request_id()
        status, headers, body = self.answer(request, request_id, extended_id)
        headers = [*headers, ("x-amzn-RequestId", request_id), ("x-amz-apigw-id", extended_id)]
        response = Response(body, status=status)
        response.headers.clear()
        for name, value in headers:
            response.headers.add(name, value)
        return response(environ, start_response)

    def answer(self, request: Request, request_id: str, extended_id: str):
        raw = urlsplit(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path)
        stage_name, _, rest = raw.path.lstrip("/").partition("/")
        stage_name = unquote(stage_name)
        api = self._api()
        stage = api.stages.get(stage_name) if api is not None and stage_name else None
        deployment = api.deployments.get(stage.deployment_id) if stage is not None else None
        if deployment is None:
            return _gateway(FORBIDDEN)
        deployed = getattr(deployment, "workbook_deployed", None) or snapshot(api)
        path = "/" + rest
        match = deployed.routes.match(request.method, path)
        if match is None:
            return _gateway(MISSING_TOKEN)
        integration = match.integration
        if integration is None or integration.type != "AWS_PROXY":
            kind = integration.type if integration is not None else "no integration"
            return 500, [("Content-Type", "application/json")], json.dumps({"message": (
                f"The workbook serves only AWS_PROXY (Lambda proxy) integrations; {request.method} "
                f"{match.resource_path} has {kind}.")})
        variables = dict(stage.variables or {})
        target = lambda_target(integration.uri, variables)
        if target is None:
            return _gateway(INTERNAL_ERROR)
        arn = source_arn(self.region, self.account_id, self.api_id, stage_name, request.method,
                         match.resource_path)
        if not invoke_bridge.service_may_invoke(target.account_id, target.region, target.name,
                                                target.qualifier, service=SERVICE, source_arn=arn):
            return _gateway(INTERNAL_ERROR)

        now = time.time()
        http_request = payload_v1.HttpRequest(
            method=request.method,
            path=path,
            headers=list(request.environ.get("workbook.raw_headers") or request.headers.items()),
            query=parse_qsl(raw.query, keep_blank_values=True),
            body=request.get_data(),
            source_ip=request.remote_addr or "127.0.0.1",
            protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            port=int(request.environ.get("SERVER_PORT") or 80),
        )
        event = payload_v1.proxy_event(
            http_request, resource_path=match.resource_path, path_parameters=match.path_parameters,
            stage=stage_name, api_id=self.api_id, account_id=self.account_id, resource_id=match.resource_id,
            stage_variables=variables, binary_media_types=deployed.binary_media_types,
            request_id=request_id, extended_id=extended_id, now=now)
        trace = payload_v1.header(event["headers"].items(), "X-Amzn-Trace-Id")
        timeout = INTEGRATION_TIMEOUT
        if integration.timeout_ms:
            timeout = min(timeout, integration.timeout_ms / 1000)
        payload = json.dumps(event).encode()
        if len(payload) > MAX_SYNC_REQUEST_BYTES:  # Lambda refuses the invoke (413): API Gateway says 500
            return _gateway(INTERNAL_ERROR)
        try:
            outcome = invoke_bridge.invoke(target.account_id, target.region, target.name, target.qualifier,
                                           payload, integration_timeout=timeout)
        except invoke_bridge.IntegrationTimedOut:
            return _gateway(TIMED_OUT)
        except (invoke_bridge.FunctionGone, invoke_bridge.Throttled):
            return _gateway(INTERNAL_ERROR)
        if outcome.error_type == "RoleNotAssumable":  # Lambda refused the invoke: API Gateway says 500
            return _gateway(INTERNAL_ERROR)
        if outcome.function_error:
            return _gateway(BAD_GATEWAY)
        try:
            mapped = payload_v1.proxy_response(outcome.payload)
        except payload_v1.MalformedProxyResponse:
            return _gateway(BAD_GATEWAY)
        headers = [(f"x-amzn-Remapped-{name}" if name.lower() in _REMAPPED else name, value)
                   for name, value in mapped.headers]
        return mapped.status, [*headers, ("X-Amzn-Trace-Id", f"{trace};Sampled=0")], mapped.body


def _gateway(answer):
    """A gateway response: status, headers and body."""
    status, body, error_type = answer
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return status, headers, body


class Mounts(list):
    """The lines :func:`mounts` returns; shown one per line."""

    def __repr__(self) -> str:
        return "\n".join(self)

    __str__ = __repr__


def mounts(api_id: str, stage: str, *, region: str | None = None, account_id: str | None = None) -> Mounts:
    """What a stage of a REST API serves, one line per method, as ``sam local start-api`` prints its routes.

    Example::

        rest_api.mounts(api_id, "prod")
        # Mounting orders at http://127.0.0.1:50125/prod/items [GET, POST]
        # Mounting orders:live at http://127.0.0.1:50125/prod/items/{id} [ANY]
    """
    from moto.apigateway.models import apigateway_backends

    base = urls.api_url(api_id, stage, region=region, account_id=account_id)
    api = None
    for account in list(apigateway_backends.keys()):
        for backend_region, backend in list(apigateway_backends[account].items()):
            if account_id in (None, account) and region in (None, backend_region) and api_id in backend.apis:
                api = backend.apis[api_id]
    stage_model = api.stages.get(stage) if api is not None else None
    deployment = api.deployments.get(stage_model.deployment_id) if stage_model is not None else None
    if deployment is None:
        raise urls.NoFrontDoor(f"REST API {api_id!r} has no deployed stage {stage!r}; deploy it with "
                               f"apigateway.create_deployment(restApiId={api_id!r}, stageName={stage!r}).")
    deployed = getattr(deployment, "workbook_deployed", None) or snapshot(api)
    lines = Mounts()
    for resource in sorted(deployed.routes.resources, key=lambda r: r.path):
        by_target: dict[str, list[str]] = {}
        for method, integration in sorted(resource.methods.items()):
            if integration is None:
                name = "no integration"
            else:
                target = lambda_target(integration.uri, stage_model.variables)
                name = target.label if target is not None else integration.type
            by_target.setdefault(name, []).append(method)
        for name, methods in by_target.items():
            lines.append(f"Mounting {name} at {base.rstrip('/')}{resource.path} [{', '.join(methods)}]")
    return lines


# ------------------------------------------------------------------ listeners


def door_name(account_id: str, region: str, api_id: str) -> str:
    return urls.door_name(urls.REST_API, account_id, region, api_id)


def open_door(account_id: str, region: str, api_id: str) -> listener.Listener:
    """The listener of a REST API, opened if it is not open yet."""
    name = door_name(account_id, region, api_id)
    with _doors_lock:
        door = listener.named(name)
        if door is None or door.closed:
            door = listener.serve(RestApiDoor(account_id, region, api_id), name=name)
        return door


def close_door(account_id: str, region: str, api_id: str) -> None:
    listener.close_named(door_name(account_id, region, api_id))
