"""What S3, SNS and EventBridge triggers share: the target function, the permission, the queue.

A service invokes a function *asynchronously* — the ``PutObject``, ``Publish`` or ``PutEvents`` that
caused the event returns at once — and only when the function's resource-based policy lets it:
a statement allowing ``lambda:InvokeFunction`` to the service principal (``s3.amazonaws.com`` …),
whose conditions hold for the source (``aws:SourceArn``: the bucket, topic or rule;
``aws:SourceAccount``: the account that owns it). Permission on a function covers invokes of the
function's unqualified ARN; permission on an alias or version (``AddPermission`` with ``Qualifier``)
covers that alias or version.

:func:`deliver` puts the event on the function's queue (:mod:`workbook.lambda_runtime.async_invoke`),
where it is retried and sent to a dead-letter queue or destination like any ``Event`` invoke.

Example::

    deliver(runtime, function_arn, "s3.amazonaws.com", "arn:aws:s3:::photos", "123456789012",
            event, source="s3", hops=0)
"""

from __future__ import annotations

import json
import logging

from workbook.iam import resource_policy

log = logging.getLogger(__name__)

INVOKE_ACTION = "lambda:InvokeFunction"


def target(function_arn: str):
    """``(moto function, name, qualifier)`` a trigger's function ARN names, or None when it is gone."""
    from moto.awslambda.utils import get_backend

    from workbook.lambda_runtime import errors
    from workbook.lambda_runtime.invoke import resolve, split_function_name

    parts = (function_arn or "").split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        return None
    region, account_id = parts[3], parts[4]
    name, qualifier = split_function_name(function_arn, None)
    try:
        fn = resolve(get_backend(account_id, region), account_id, region, name, qualifier)
    except (errors.ResourceNotFound, Exception):
        return None
    return fn, name, qualifier


def policy_statements(account_id: str, region: str, function_name: str) -> list[dict]:
    """Every statement of a function's resource-based policy (all versions and aliases)."""
    from moto.awslambda.utils import get_backend

    backend = get_backend(account_id, region)
    try:
        versions = list(backend.list_versions_by_function(function_name))
    except Exception:
        return []
    statements, seen = [], set()
    for fn in versions:
        policy = getattr(fn, "policy", None)
        if policy is None or id(policy) in seen:
            continue
        seen.add(id(policy))
        statements += [statement for statement in policy.statements if isinstance(statement, dict)]
    return statements


def service_may_invoke(function_arn: str, service: str, source_arn: str, source_account: str) -> bool:
    """Whether the function's policy lets ``service`` invoke ``function_arn`` for ``source_arn``.

    Example::

        service_may_invoke(arn, "sns.amazonaws.com", topic_arn, "123456789012")   # True after AddPermission
    """
    parts = function_arn.split(":")
    if len(parts) < 7:
        return False
    from workbook.lambda_runtime.invoke import split_function_name

    name, _ = split_function_name(function_arn, None)
    statements = policy_statements(parts[4], parts[3], name)
    return resource_policy.allows(
        statements,
        service=service,
        action=INVOKE_ACTION,
        resource=function_arn,
        context={"aws:SourceArn": source_arn, "aws:SourceAccount": source_account},
    )


def deliver(runtime, function_arn: str, service: str, source_arn: str, source_account: str, event: dict, *,
            source: str, hops: int = 0) -> bool:
    """Queue ``event`` for the function if its policy allows ``service``; False when it was not sent."""
    found = target(function_arn)
    if found is None:
        log.info("%s event for %s dropped: the function does not exist", service, function_arn)
        return False
    if not service_may_invoke(function_arn, service, source_arn, source_account):
        log.info("%s event for %s dropped: its resource-based policy does not allow %s for %s",
                 service, function_arn, service, source_arn)
        return False
    fn, _, qualifier = found
    runtime.async_events.submit_new(fn, json.dumps(event).encode(), function_arn, qualifier,
                                    source=source, hops=hops)
    return True
