"""The Invoke API: which function version runs, how, and what the HTTP response looks like.

* ``FunctionName`` may be a name, ``name:qualifier``, a full or partial ARN; ``Qualifier`` may name
  ``$LATEST``, a version or an alias. ``context.invoked_function_arn`` is exactly what the caller named.
* A weighted alias (``RoutingConfig.AdditionalVersionWeights``) picks a version per invoke at random;
  :func:`workbook.lambda_runtime.seed` makes the choice repeatable.
* ``RequestResponse`` answers 200 with the result (or an error document and ``FunctionError``),
  ``Event`` answers 202 and queues the event (:mod:`.async_invoke`: retries, dead-letter queue,
  destinations), ``DryRun`` answers 204.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import uuid
import zipfile
from urllib.parse import unquote

from . import cross_account, errors, logs, packages
from .dispatcher import AsyncInvocation
from .iam import RoleCannotBeAssumed
from .pool import Throttled
from .runtime import Runtime

routing_random = random.Random()


def split_function_name(raw: str, qualifier: str | None) -> tuple[str, str | None]:
    """``(name, qualifier)`` from a name, ``name:qualifier``, or a full/partial function ARN."""
    if ":function:" in raw:
        raw = raw.split(":function:", 1)[1]
    elif raw.startswith("function:"):
        raw = raw[len("function:") :]
    if ":" in raw:
        raw, qualifier = raw.split(":", 1)
    return raw, qualifier


def function_arn(region: str, account_id: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def resolve(backend, account_id: str, region: str, name: str, qualifier: str | None):
    """The moto function object that will run, after alias routing. Raises ResourceNotFound."""
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        fn = backend.get_function(name, qualifier)
    except UnknownFunctionException:
        fn = None
    if fn is None:
        raise errors.ResourceNotFound(function_arn(region, account_id, name, qualifier or "$LATEST"))
    if qualifier and qualifier != "$LATEST" and not qualifier.isdigit():
        version = route_alias(backend, name, qualifier)
        if version is not None:
            fn = backend.get_function(name, version)
    return fn


def route_alias(backend, name: str, alias_name: str) -> str | None:
    """The version a weighted alias sends this invoke to, or None for the alias' main version."""
    try:
        alias = backend.get_alias(alias_name, name)
    except Exception:
        return None
    routing = alias.routing_config or {}
    if isinstance(routing, str):
        routing = json.loads(routing)
    draw = routing_random.random()
    for version, weight in (routing.get("AdditionalVersionWeights") or {}).items():
        draw -= float(weight)
        if draw < 0:
            return str(version)
    return None


def _client_context(header: str | None) -> dict | None:
    """The decoded ``X-Amz-Client-Context`` header; AWS refuses one that is not base64 of a JSON object."""
    if not header:
        return None
    try:
        context = json.loads(base64.b64decode(header, validate=True))
    except (ValueError, binascii.Error):
        raise errors.invalid_client_context() from None
    if not isinstance(context, dict):
        raise errors.invalid_client_context()
    return context


def handle(runtime: Runtime, response) -> tuple[int, dict, bytes | str]:
    """Answer one Invoke API request (``response`` is moto's ``LambdaResponse``)."""
    account_id, region = response.current_account, response.region
    raw_name = unquote(response.path.rsplit("/", 2)[-2])
    query_qualifier = response.querystring.get("Qualifier", [None])[0] or None
    name, qualifier = split_function_name(raw_name, query_qualifier)
    if query_qualifier and qualifier != query_qualifier:
        raise errors.qualifier_mismatch()
    if raw_name.startswith("arn:"):
        arn_region = raw_name.split(":")[3]
        if arn_region and arn_region != region:
            raise errors.OtherRegion(arn_region, region)
    invocation_type = response.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    body = response.raw_body or b""
    if isinstance(body, str):
        body = body.encode()

    if invocation_type == "Event" and len(body) > errors.MAX_ASYNC_REQUEST_BYTES:
        raise errors.async_request_too_large(len(body))
    if len(body) > errors.MAX_SYNC_REQUEST_BYTES:
        raise errors.sync_request_too_large()
    backend = cross_account.owner_backend(response, raw_name, name, qualifier)  # another account: its policy decides
    fn = resolve(backend, account_id, region, name, qualifier)
    client_context = _client_context(response.headers.get("X-Amz-Client-Context"))
    if invocation_type == "DryRun":
        return 204, {"status": "204"}, ""
    if body.strip():
        try:
            json.loads(body)
        except ValueError as exc:
            raise errors.InvalidRequestContent(str(exc)) from None
    else:
        body = b"{}"

    invoked_arn = function_arn(fn.region, fn.account_id, name, qualifier)
    request_id = str(uuid.uuid4())
    if invocation_type == "Event":
        runtime.submit_async(AsyncInvocation(request_id, fn, body, invoked_arn, qualifier))
        return 202, {"status": "202", "x-amzn-requestid": request_id}, ""

    try:
        outcome = runtime.execute(
            fn, body, invoked_arn, qualifier, client_context, request_id
        )
    except Throttled as throttled:
        raise errors.TooManyRequests(throttled.reason) from None
    except RoleCannotBeAssumed:
        raise errors.RoleNotAssumable() from None
    except zipfile.BadZipFile:  # created before a runtime checked packages (plain moto accepts any bytes)
        raise packages.InvalidZipFile() from None
    headers = {
        "content-type": "application/json",
        "x-amzn-requestid": request_id,
        "x-amz-executed-version": outcome.version,
    }
    if outcome.function_error:
        headers["x-amz-function-error"] = "Unhandled"
    if (response.headers.get("X-Amz-Log-Type") or "None") == "Tail":
        headers["x-amz-log-result"] = base64.b64encode(logs.tail(outcome.log_text)).decode()
    return 200, headers, outcome.payload
