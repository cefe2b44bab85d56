"""Invoke from another account: allowed only when the function's resource-based policy says so.

Within one account a caller's own permissions decide (the notebook is the account's administrator).
A caller in another account reaches the function only through the function's policy: a statement that
allows ``lambda:InvokeFunction`` on exactly the ARN invoked (the unqualified ARN, or the version's or
alias' qualified ARN), names the caller's account or ARN, and whose Condition holds. An explicit Deny
wins. Anything else is AWS's ``AccessDeniedException`` (403).

Example::

    backend = owner_backend(response, raw_name, name, qualifier)   # in Invoke, before the function runs
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from workbook.iam import policy as policy_engine
from workbook.iam.principals import names_caller

INVOKE_ACTION = "lambda:InvokeFunction"


def owner_backend(response, raw_name: str, name: str, qualifier: str | None):
    """moto's Lambda backend holding the function; another account's only once its policy allows the caller."""
    caller = response.current_account
    parts = raw_name.split(":")
    owner = parts[4] if raw_name.startswith("arn:") and len(parts) > 5 else None
    if owner is None or owner == caller:
        return response.backend
    from moto.awslambda.models import lambda_backends

    region = response.region
    backend = lambda_backends[owner][region]
    caller_arn = f"arn:aws:iam::{caller}:root"
    unqualified = qualifier is None or qualifier == "$LATEST"
    resource = f"arn:aws:lambda:{region}:{owner}:function:{name}" + ("" if unqualified else f":{qualifier}")
    if invoke_decision(_policy_of(backend, name), caller, caller_arn, resource) != policy_engine.ALLOW:
        raise _access_denied(caller_arn, resource)
    return backend


def invoke_decision(document: dict | None, caller_account: str, caller_arn: str, resource: str) -> str:
    """``allow``, ``deny`` or ``implicit-deny`` for ``lambda:InvokeFunction`` by another account's caller.

    Example::

        invoke_decision(policy, "210987654321", "arn:aws:iam::210987654321:root",
                        "arn:aws:lambda:us-east-1:123456789012:function:orders:live")   # -> "allow"
    """
    context = {
        "aws:PrincipalAccount": caller_account,
        "aws:PrincipalArn": caller_arn,
        "aws:SourceIp": "127.0.0.1",
        "aws:CurrentTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(time.time())),
        "aws:SecureTransport": "false",
    }
    allowed = False
    for statement in (document or {}).get("Statement", []):
        if not isinstance(statement, dict):
            continue
        if not names_caller(statement.get("Principal"), account=caller_account, arns={caller_arn}):
            continue
        if not policy_engine.statement_applies(statement, INVOKE_ACTION, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return policy_engine.DENY
        allowed = allowed or statement.get("Effect") == "Allow"
    return policy_engine.ALLOW if allowed else policy_engine.IMPLICIT_DENY


def _policy_of(backend, name: str) -> dict | None:
    try:
        fn = backend.get_function(name, None)
    except Exception:  # no such function: nothing allows the caller, as on AWS
        return None
    if fn is None or not fn.policy.statements:
        return None
    return {"Statement": list(fn.policy.statements)}


def _access_denied(caller_arn: str, resource: str):
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(
        "AccessDeniedException",
        f"User: {caller_arn} is not authorized to perform: {INVOKE_ACTION} on resource: {resource} "
        f"because no resource-based policy allows the {INVOKE_ACTION} action",
    )
    error.code = 403
    return error
