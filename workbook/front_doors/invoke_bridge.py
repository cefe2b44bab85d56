"""How a front door's request becomes a synchronous invoke of ``function[:qualifier]``, and who may make it.

:func:`invoke` runs the function through the active runtime, exactly as ``lambda.invoke`` with
``RequestResponse`` would (same execution environments, logs and metrics, ``request_id`` as the
invocation's ``aws_request_id``), and says how it ended: :class:`Invoked` with the payload, or one of
the failures a front door turns into an HTTP status (:class:`FunctionGone`, :class:`Throttled`,
:class:`IntegrationTimedOut`). ``integration_timeout`` (seconds) stops waiting earlier than the
function's own timeout, as API Gateway does (30 s for an HTTP API, 29 s for a REST API); the invoke
itself runs on to its end.

:func:`service_may_invoke` decides as for any trigger (:func:`workbook.event_sources.triggers.service_may_invoke`);
:func:`statements` reads the function's resource-based policy for the function URL checks.

Example::

    outcome = invoke("123456789012", "us-east-1", "hello", "live", b'{"rawPath": "/"}')
    outcome.payload, outcome.function_error, outcome.timed_out
"""

from __future__ import annotations

import dataclasses
import threading
import uuid


class FunctionGone(Exception):
    """The function (or the alias or version named) no longer exists, or no runtime is active."""


class Throttled(Exception):
    """Reserved concurrency reached, or the machine has no room for another execution environment."""


class IntegrationTimedOut(Exception):
    """The function did not answer within the integration timeout."""


@dataclasses.dataclass
class Invoked:
    """How one invoke ended: ``payload`` (the handler's result or error document, JSON bytes)."""

    request_id: str
    version: str
    payload: bytes
    error_type: str | None = None

    @property
    def function_error(self) -> bool:
        """The handler raised, timed out or its environment died."""
        return self.error_type is not None

    @property
    def timed_out(self) -> bool:
        return self.error_type == "Sandbox.Timedout"


def function_arn(account_id: str, region: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier and qualifier != "$LATEST" else arn


def invoke(account_id: str, region: str, function_name: str, qualifier: str | None, payload: bytes, *,
           request_id: str | None = None, integration_timeout: float | None = None) -> Invoked:
    """Invoke ``function_name[:qualifier]`` synchronously with ``payload`` (JSON bytes)."""
    from moto.awslambda.utils import get_backend

    from workbook.lambda_runtime import errors, moto_patch
    from workbook.lambda_runtime.iam import RoleCannotBeAssumed
    from workbook.lambda_runtime.invoke import resolve
    from workbook.lambda_runtime.pool import Throttled as PoolThrottled

    runtime = moto_patch.active()
    if runtime is None:
        raise FunctionGone("no Lambda runtime is active")
    qualifier = None if qualifier in (None, "", "$LATEST") else qualifier
    try:
        fn = resolve(get_backend(account_id, region), account_id, region, function_name, qualifier)
    except errors.ResourceNotFound:
        raise FunctionGone(function_arn(account_id, region, function_name, qualifier)) from None
    request_id = request_id or str(uuid.uuid4())
    invoked_arn = function_arn(account_id, region, function_name, qualifier)

    def run():
        return runtime.execute(fn, payload, invoked_arn, qualifier, None, request_id)

    try:
        if integration_timeout is not None and float(fn.timeout or 3) > integration_timeout:
            outcome = _run_within(run, integration_timeout)
        else:
            outcome = run()
    except PoolThrottled:
        raise Throttled(function_name) from None
    except RoleCannotBeAssumed:  # AWS answers the front door's caller as for a failed invoke
        error = b'{"errorType": "Lambda.AccessDenied"}'
        return Invoked(request_id, str(fn.version), error, "RoleNotAssumable")
    return Invoked(request_id, outcome.version, outcome.payload, outcome.error_type)


def _run_within(run, timeout: float):
    """``run()`` in a thread; its result, or :class:`IntegrationTimedOut` after ``timeout`` seconds."""
    box: dict = {}
    done = threading.Event()

    def target():
        try:
            box["result"] = run()
        except BaseException as exc:  # handed to the waiting request thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="front-door-invoke", daemon=True).start()
    if not done.wait(timeout):
        raise IntegrationTimedOut()
    if "error" in box:
        raise box["error"]
    return box["result"]


def statements(account_id: str, region: str, function_name: str) -> list[dict]:
    """Every statement of the function's resource-based policy (the function, its versions and aliases)."""
    from workbook.event_sources.triggers import policy_statements

    return policy_statements(account_id, region, function_name)


def service_may_invoke(account_id: str, region: str, function_name: str, qualifier: str | None, *,
                       service: str, source_arn: str) -> bool:
    """Whether the policy lets ``service`` (``apigateway.amazonaws.com``) invoke ``function[:qualifier]``
    for ``source_arn``, with ``aws:SourceAccount`` the function's account.

    Example::

        service_may_invoke("123456789012", "us-east-1", "hello", None, service="apigateway.amazonaws.com",
                           source_arn="arn:aws:execute-api:us-east-1:123456789012:a1b2c3/$default/GET/items")
    """
    from workbook.event_sources.triggers import service_may_invoke as trigger_may_invoke

    # the same decision as for S3, SNS and EventBridge triggers: one evaluator, one reading of the policy
    return trigger_may_invoke(function_arn(account_id, region, function_name, qualifier), service, source_arn,
                              account_id)
