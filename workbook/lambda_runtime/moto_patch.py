"""Where the runtime plugs into moto (the control plane stays moto's).

* ``LambdaResponse.invoke`` — the Invoke API (qualifiers, alias routing, invocation types, errors).
* ``LambdaFunction.invoke`` — what other services call (SNS, SQS and stream event sources …).
* ``LambdaSimpleBackend.invoke`` — moto's non-executing backend, used under ``use_docker: False``.
* ``LambdaBackend.delete_function`` — a deleted function's environments shut down.
* moto's response request-id generator keeps the id the runtime chose (``RequestId`` == ``aws_request_id``).
* ``LambdaBackend.create_alias`` / ``update_alias`` — AWS's weighted-routing validation (:mod:`.aliases`).

The patches are installed once and stay; while no runtime is active they call moto's originals.
"""

from __future__ import annotations

import json
import threading

_lock = threading.Lock()
_installed = False
_runtimes: list = []  # active runtimes, most recent last


def active():
    return _runtimes[-1] if _runtimes else None


def activate(runtime) -> None:
    install_patches()
    with _lock:
        _runtimes.append(runtime)


def deactivate(runtime) -> None:
    with _lock:
        if runtime in _runtimes:
            _runtimes.remove(runtime)


def install_patches() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    import moto.core.responses as core_responses
    from moto.awslambda import models, responses
    from moto.awslambda_simple import models as simple_models

    from . import aliases, invoke

    aliases.install()  # control-plane checks: active with or without a runtime
    original_api_invoke = responses.LambdaResponse.invoke

    def api_invoke(self):
        runtime = active()
        if runtime is None:
            return original_api_invoke(self)
        return invoke.handle(runtime, self)

    responses.LambdaResponse.invoke = api_invoke

    original_function_invoke = models.LambdaFunction.invoke

    def function_invoke(self, body, request_headers, response_headers):
        runtime = active()
        if runtime is None:
            return original_function_invoke(self, body, request_headers, response_headers)
        payload = body.encode() if isinstance(body, str) else (body or b"{}")
        try:
            outcome = runtime.execute(self, payload, self.function_arn)
        except Exception as exc:  # throttled, or the role cannot be assumed
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        if outcome.function_error:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = outcome.version
        return outcome.payload

    models.LambdaFunction.invoke = function_invoke

    original_simple_invoke = simple_models.LambdaSimpleBackend.invoke

    def simple_invoke(self, function_name, qualifier, body, headers, response_headers):
        if active() is None:
            return original_simple_invoke(self, function_name, qualifier, body, headers, response_headers)
        return self.get_function(function_name, qualifier).invoke(body, headers, response_headers)

    simple_models.LambdaSimpleBackend.invoke = simple_invoke

    original_delete = models.LambdaBackend.delete_function

    def delete_function(self, function_name, qualifier=None):
        from .invoke import split_function_name

        original_delete(self, function_name, qualifier)
        runtime = active()
        if runtime is not None:
            name, qualifier = split_function_name(function_name, qualifier)
            runtime.pool.retire((self.account_id, self.region_name, name), qualifier)

    models.LambdaBackend.delete_function = delete_function

    original_request_id = core_responses.gen_amzn_requestid_long

    def request_id(headerdict=None):
        if isinstance(headerdict, dict) and headerdict.get("x-amzn-requestid"):
            return headerdict["x-amzn-requestid"]
        return original_request_id(headerdict)

    core_responses.gen_amzn_requestid_long = request_id
