"""HTTP APIs (API Gateway v2, protocol ``HTTP``): routes, stages and Lambda proxy integrations on loopback.

moto keeps the API (``create_api``, ``create_route``, ``create_integration``, ``create_stage`` …); this
module serves it. Each HTTP API gets a listener when it is created; its ``ApiEndpoint`` is
``http://127.0.0.1:<port>``. A request

1. picks a stage: the first path segment when it names a stage (``/prod/items`` → stage ``prod``,
   path ``/items``), else the ``$default`` stage, served at the root; no such stage → 404. A stage with
   ``AutoDeploy`` serves the API as it is, another its deployment (:mod:`.http_deployments`), 404 without one;
2. picks a route as AWS does: a route without path variables first, then the most specific one with
   variables, ``{name+}`` (greedy) routes after those, ``$default`` last; a route for the request's
   method before an ``ANY`` route; none → 404 ``{"message":"Not Found"}``;
3. needs the function's policy to allow ``apigateway.amazonaws.com`` for the SourceArn
   ``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<route path>``
   (``…/<stage>/$default`` for the ``$default`` route); else 500 ``{"message":"Internal Server Error"}``;
4. invokes the integration's function (a Lambda ARN, or the
   ``arn:aws:apigateway:…:lambda:path/…/invocations`` form) with a payload format 2.0 event (or 1.0
   when the integration says so), waiting at most the integration's timeout (``TimeoutInMillis``, 30 s
   by default): 503 ``{"message":"Service Unavailable"}`` after that. A handler error, a result that
   is not a valid response and a rejected invoke (throttled, function gone) → 500 (an HTTP API answers
   them alike; a REST API and a function URL answer the first two with 502); an event over Lambda's
   6 MB → 413.

Every request counts in the API's CloudWatch metrics (:mod:`.metrics`). The API's ``CorsConfiguration``
answers preflights (204) before any route, and adds the allow headers to answers (:mod:`.cors`). The
route table of an API is built once and kept until the API, its routes, integrations or stages change.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
import time
import uuid
from urllib.parse import unquote

from . import cors, http_io, invoke_bridge, listener, metrics, payload_v2, urls

SERVICE = "apigateway.amazonaws.com"
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload quota
LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024  # what a synchronous invoke accepts
NOT_FOUND = (404, "Not Found")
FAILED = (500, "Internal Server Error")
REJECTED = (500, "Internal Server Error")
TIMED_OUT = (503, "Service Unavailable")
TOO_LARGE = (413, "Request Entity Too Large")

_lock = threading.Lock()
_tables: dict[tuple[str, str, str], RouteTable] = {}
_generation = 0  # moves on every change to any API, so a table built meanwhile is not kept


# ---------------------------------------------------------------- route tables (pure)


@dataclasses.dataclass(frozen=True)
class Route:
    """One route: ``GET /items/{id}``, ``ANY /{proxy+}`` or ``$default``, and where it goes."""

    route_key: str
    method: str | None  # None for $default
    path: str | None
    segments: tuple[str, ...]
    function_arn: str | None
    payload_format: str
    timeout: float

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    @property
    def variables(self) -> int:
        return sum(1 for s in self.segments if s.startswith("{"))

    def priority(self) -> tuple:
        """Sort key: the route AWS prefers sorts first."""
        return (self.method is None, self.greedy, self.variables > 0, -(len(self.segments) - self.variables),
                -len(self.segments), self.method == "ANY")

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        """The path parameters when this route takes the request, else None."""
        if self.method is None:
            return {}
        if self.method not in ("ANY", method):
            return None
        params: dict[str, str] = {}
        for index, template in enumerate(self.segments):
            if template.endswith("+}") and template.startswith("{"):
                rest = segments[index:]
                if not rest or not all(rest):
                    return None
                params[template[1:-2]] = "/".join(rest)
                return params
            if index >= len(segments):
                return None
            if template.startswith("{") and template.endswith("}"):
                if not segments[index]:
                    return None
                params[template[1:-1]] = segments[index]
            elif template != segments[index]:
                return None
        return params if len(segments) == len(self.segments) else None


def parse_route_key(route_key: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """``(method, path, segments)`` of ``GET /items/{id}``; ``(None, None, ())`` for ``$default``."""
    if route_key == "$default":
        return None, None, ()
    method, _, path = route_key.partition(" ")
    segments = tuple(s for s in path.strip("/").split("/") if s) if path.strip("/") else ()
    return method.upper(), path, segments


def lambda_arn_of(integration_uri: str | None) -> str | None:
    """The function ARN an integration calls: a Lambda ARN, or the one inside an invocations ARN."""
    uri = integration_uri or ""
    if ":lambda:path/" in uri and "/functions/" in uri:
        uri = uri.split("/functions/", 1)[1]
        uri = uri[: -len("/invocations")] if uri.endswith("/invocations") else uri
    return uri if uri.startswith("arn:") and ":lambda:" in uri and ":function:" in uri else None


@dataclasses.dataclass(frozen=True)
class StageInfo:
    """What a stage needs at request time: its variables, and whether it serves the API as it is now."""

    variables: dict
    auto_deploy: bool = True
    deployment_id: str | None = None


@dataclasses.dataclass
class RouteTable:
    """An API's routes in the order AWS tries them, and its stages by name."""

    routes: list[Route]
    stages: dict[str, StageInfo]
    cors: dict | None = None  # the API's CorsConfiguration, keys as in a function URL's Cors

    def select(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
        for route in self.routes:
            params = route.match(method, segments)
            if params is not None:
                return route, params
        return None

    def stage_of(self, raw_path: str) -> tuple[str, str] | None:
        """``(stage, path within the stage)``, or None when no stage serves ``raw_path``."""
        first, _, rest = raw_path.lstrip("/").partition("/")
        if first and first != "$default" and unquote(first) in self.stages:
            return unquote(first), "/" + rest
        if "$default" in self.stages:
            return "$default", raw_path or "/"
        return None


def build_table(api) -> RouteTable:
    """The :class:`RouteTable` of a moto ``Api``."""
    routes = []
    for route in list(api.routes.values()):
        method, path, segments = parse_route_key(route.route_key)
        target = route.target or ""
        integration_id = target.split("/", 1)[1] if target.startswith("integrations/") else None
        integration = api.integrations.get(integration_id) if integration_id else None
        arn = None
        fmt, timeout = "2.0", 30.0
        if integration is not None and (integration.integration_type or "").upper() == "AWS_PROXY":
            arn = lambda_arn_of(integration.integration_uri)
            fmt = integration.payload_format_version or "2.0"
            timeout = (integration.timeout_in_millis or 30000) / 1000
        routes.append(Route(route.route_key, method, path, segments, arn, fmt, timeout))
    routes.sort(key=Route.priority)
    stages = {name: StageInfo(dict(stage.stage_variables or {}), bool(stage.auto_deploy),
                              getattr(stage, "deployment_id", None))
              for name, stage in list(api.stages.items())}
    configured = api.cors_configuration if isinstance(api.cors_configuration, dict) else None
    cors_config = {k[:1].upper() + k[1:]: v for k, v in configured.items()} if configured else None
    return RouteTable(routes, stages, cors_config)


def source_arn(region: str, account_id: str, api_id: str, stage: str, method: str, route: Route) -> str:
    """The execute-api ARN API Gateway invokes the function for (what the policy's SourceArn must match)."""
    base = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}"
    return f"{base}/$default" if route.method is None else f"{base}/{method}{route.path}"


# ---------------------------------------------------------------- the registry


def _backend(account_id: str, region: str):
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region]


def table_of(key: tuple[str, str, str]) -> RouteTable | None:
    """The cached route table of the API ``(account, region, api id)``, built when missing; None if gone."""
    table = _tables.get(key)
    if table is not None:
        return table
    seen = _generation
    api = _backend(key[0], key[1]).apis.get(key[2])
    if api is None:
        return None
    table = build_table(api)
    with _lock:
        if _generation == seen:  # no API changed while it was built: keep it
            _tables[key] = table
    return table


def served(key: tuple[str, str, str], table: RouteTable, stage: str) -> RouteTable | None:
    """The routes ``stage`` serves: the API as it is (``AutoDeploy``) or its deployment's; None if none."""
    info = table.stages.get(stage)
    if info is None:
        return None
    if info.auto_deploy:
        return table
    from .http_deployments import deployed_table

    api = _backend(key[0], key[1]).apis.get(key[2])
    return deployed_table(api, info.deployment_id) if api is not None else None


def changed(account_id: str, region: str, api_id: str) -> None:
    """Forget the cached route table of an API (its routes, integrations or stages changed)."""
    global _generation
    with _lock:
        _generation += 1
        _tables.pop((account_id, region, api_id), None)


def serve(account_id: str, region: str, api) -> None:
    """Open the API's listener; its ``ApiEndpoint`` becomes the loopback URL."""
    door = listener.serve(HttpApiApp((account_id, region, api.api_id)),
                          name=urls.door_name(urls.HTTP_API, account_id, region, api.api_id))
    api.api_endpoint = door.url.rstrip("/")


def forget(account_id: str, region: str, api_id: str) -> None:
    changed(account_id, region, api_id)
    listener.close_named(urls.door_name(urls.HTTP_API, account_id, region, api_id))


def forget_all() -> None:
    with _lock:
        _tables.clear()


def route_lines(key: tuple[str, str, str], base_url: str, stage: str | None = None) -> list[str]:
    """``Mounting <function> at <url> [<methods>]`` per route path, in the order AWS tries the routes."""
    table = table_of(key)
    if table is not None and table.stages:
        table = served(key, table, stage or "$default") if (stage or "$default") in table.stages else table
    grouped: dict[tuple[str, str], list[str]] = {}
    for route in table.routes if table is not None else []:
        target = "no Lambda integration"
        if route.function_arn is not None:
            _, _, name, qualifier = _function_of(route.function_arn)
            target = f"{name}:{qualifier}" if qualifier else name
        url = base_url if route.method is None else base_url.rstrip("/") + route.path
        grouped.setdefault((target, url), []).append(route.method or "$default")
    return [f"Mounting {target} at {url} [{', '.join(methods)}]"
            for (target, url), methods in grouped.items()]


# ---------------------------------------------------------------- the endpoint


class HttpApiApp:
    """The WSGI app behind one HTTP API."""

    def __init__(self, key: tuple[str, str, str]):
        self.key = key

    def allows_origin(self, origin: str) -> bool:
        """Does this API's CorsConfiguration name ``origin`` (a page on another site may then call it)?"""
        table = table_of(self.key)
        return table is not None and cors.names_origin(table.cors, origin)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        statuses = []
        note: dict = {}  # what the request went through: its stage, how long the function took

        def respond(status, headers, exc_info=None):
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        answer = self._answer(environ, respond, note)
        account_id, region, api_id = self.key
        metrics.record_api(account_id, region, api_id, note.get("stage"), statuses[0] if statuses else 500,
                           (time.perf_counter() - started) * 1000, note.get("integration_ms"))
        return answer

    def _answer(self, environ, start_response, note: dict):
        request_id = uuid.uuid4().hex[:16]
        base = [("apigw-requestid", request_id)]
        account_id, region, api_id = self.key
        table = table_of(self.key)
        raw_path, raw_query = http_io.raw_target(environ)
        staged = table.stage_of(raw_path) if table is not None else None
        if staged is None:
            return _message(start_response, NOT_FOUND, base)
        stage, path = staged
        note["stage"] = stage
        variables = table.stages[stage].variables
        table = served(self.key, table, stage)
        if table is None:  # a stage without AutoDeploy that was never deployed
            return _message(start_response, NOT_FOUND, base)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        origin = environ.get("HTTP_ORIGIN")
        if table.cors:
            requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
            if cors.is_preflight(method, origin, requested):  # answered by API Gateway, whatever the routes
                headers = cors.preflight_headers(table.cors, origin, requested,
                                                 environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))
                return http_io.answer(start_response, 204, b"", base + headers)
            base += cors.response_headers(table.cors, origin)
        selected = table.select(method, path)
        if selected is None:
            return _message(start_response, NOT_FOUND, base)
        route, params = selected
        if route.function_arn is None:
            return _message(start_response, REJECTED, base)
        body = http_io.read_body(environ, MAX_REQUEST_BYTES)
        if body is None:
            return _message(start_response, TOO_LARGE, base)
        fn_account, fn_region, name, qualifier = _function_of(route.function_arn)
        caller = source_arn(region, account_id, api_id, stage, method, route)
        if not invoke_bridge.service_may_invoke(fn_account, fn_region, name, qualifier, service=SERVICE,
                                                source_arn=caller):
            return _message(start_response, REJECTED, base)
        headers = http_io.request_headers(environ)
        event, v1 = self._event(environ, route, stage, params, variables, method, raw_path,
                                path, raw_query, headers, body, request_id)
        payload = json.dumps(event).encode()
        if len(payload) > LAMBDA_MAX_REQUEST_BYTES:  # Lambda refuses it (the body grew by base64 or headers)
            return _message(start_response, TOO_LARGE, base)
        invoked = time.perf_counter()
        try:
            outcome = invoke_bridge.invoke(fn_account, fn_region, name, qualifier, payload,
                                           integration_timeout=route.timeout)
            note["integration_ms"] = (time.perf_counter() - invoked) * 1000
        except invoke_bridge.IntegrationTimedOut:
            return _message(start_response, TIMED_OUT, base)
        except (invoke_bridge.FunctionGone, invoke_bridge.Throttled):
            return _message(start_response, REJECTED, base)
        if outcome.function_error:
            return _message(start_response, FAILED, base)
        try:
            if v1 is not None:
                answer = v1.proxy_response(outcome.payload)
                status, out_headers, data = answer.status, answer.headers, answer.body
            else:
                status, out_headers, data = payload_v2.http_response(outcome.payload)
        except ValueError:  # MalformedResponse, MalformedProxyResponse
            return _message(start_response, FAILED, base)
        return http_io.answer(start_response, status, data, base + out_headers)

    def _event(self, environ, route, stage, params, variables, method, raw_path, path, raw_query, headers,
               body, request_id):
        """``(event, payload_v1 module or None)`` for the integration's payload format."""
        account_id, region, api_id = self.key
        if route.payload_format == "1.0":
            from urllib.parse import parse_qsl

            from . import payload_v1

            request = payload_v1.HttpRequest(method, path, headers=headers,
                                             query=parse_qsl(raw_query, keep_blank_values=True), body=body,
                                             source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
                                             port=int(environ.get("SERVER_PORT") or 80))
            event = payload_v1.proxy_event(request, resource_path=route.path or "/$default",
                                           path_parameters=params or None, stage=stage, api_id=api_id,
                                           account_id=account_id, resource_id=route.route_key,
                                           stage_variables=variables or None, request_id=request_id)
            event["version"] = "1.0"
            return event, payload_v1
        event = payload_v2.request_event(
            method=method, raw_path=raw_path, raw_query=raw_query,
            headers=http_io.forwarded(headers, environ), body=body,
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), account_id=account_id, api_id=api_id,
            domain_name=environ.get("HTTP_HOST", ""), request_id=request_id, route_key=route.route_key,
            stage=stage, protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"), path=raw_path,
            path_parameters=params, stage_variables=variables)
        return event, None


def _message(start_response, answer: tuple[int, str], headers):
    status, message = answer
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return http_io.answer(start_response, status, body, [*headers, ("Content-Type", "application/json")])


@functools.lru_cache(maxsize=256)
def _function_of(arn: str) -> tuple[str, str, str, str | None]:
    """``(account, region, name, qualifier)`` of a function ARN."""
    parts = arn.split(":")
    return parts[4], parts[3], parts[6], (parts[7] if len(parts) > 7 else None)


# ---------------------------------------------------------------- moto hooks


_API_CHANGES = ("create_route", "delete_route", "update_route", "create_integration", "update_integration",
                "delete_integration", "create_stage", "delete_stage", "update", "import_api", "clear",
                "delete_cors_configuration")


def install_hooks() -> None:
    """Patch moto's apigatewayv2 (called once by :func:`workbook.front_doors.moto_hooks.install`)."""
    from moto.apigatewayv2 import models, responses

    from workbook.lambda_runtime import moto_patch

    backend_class = models.ApiGatewayV2Backend
    original_create = backend_class.create_api
    original_delete = backend_class.delete_api

    @functools.wraps(original_create)
    def create_api(self, *args, **kwargs):
        api = original_create(self, *args, **kwargs)
        if moto_patch.active() is not None and (api.protocol_type or "").upper() == "HTTP":
            serve(self.account_id, self.region_name, api)
        return api

    @functools.wraps(original_delete)
    def delete_api(self, api_id):
        original_delete(self, api_id)
        forget(self.account_id, self.region_name, api_id)

    backend_class.create_api = create_api
    backend_class.delete_api = delete_api

    for name in _API_CHANGES:
        original = getattr(models.Api, name)

        @functools.wraps(original)
        def api_changed(self, *args, _original=original, **kwargs):
            try:
                return _original(self, *args, **kwargs)
            finally:
                changed(self.backend.account_id, self.backend.region_name, self.api_id)

        setattr(models.Api, name, api_changed)

    original_response_create = responses.ApiGatewayV2Response.create_api

    @functools.wraps(original_response_create)
    def create_api_response(self):
        status, headers, body = original_response_create(self)
        params = json.loads(self.body or "{}")
        if moto_patch.active() is not None and params.get("target"):
            quick_create(self.apigatewayv2_backend, json.loads(body)["apiId"], params)
        return status, headers, body

    responses.ApiGatewayV2Response.create_api = create_api_response

    from moto.apigatewayv2 import urls

    from . import http_deployments

    http_deployments.install(models, responses, urls)


def quick_create(backend, api_id: str, params: dict) -> None:
    """``create_api(Target=…)``: a Lambda proxy integration (payload 2.0), its route (``RouteKey`` or
    ``$default``) and the ``$default`` stage with automatic deployment, as AWS's quick create makes."""
    integration = backend.create_integration(
        api_id=api_id, connection_id=None, connection_type=None, content_handling_strategy=None,
        credentials_arn=params.get("credentialsArn"), description=None, integration_method="POST",
        integration_subtype=None, integration_type="AWS_PROXY", integration_uri=params["target"],
        passthrough_behavior=None, payload_format_version="2.0", request_parameters=None,
        request_templates=None, response_parameters=None, template_selection_expression=None,
        timeout_in_millis=None, tls_config=None)
    backend.create_route(
        api_id=api_id, api_key_required=False, authorization_scopes=None, authorization_type="NONE",
        authorizer_id=None, model_selection_expression=None, operation_name=None, request_models=None,
        request_parameters=None, route_key=params.get("routeKey") or "$default",
        route_response_selection_expression=None, target=f"integrations/{integration.id}")
    backend.create_stage(api_id, {"stageName": "$default", "autoDeploy": True})
