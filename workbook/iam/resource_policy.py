"""Resource-based policies: may this principal do this action on this resource, in this context?

A Lambda function's policy (``AddPermission``, ``GetPolicy``) holds statements like::

    {"Sid": "s3-invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
     "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:thumbs",
     "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::photos"},
                   "StringEquals": {"AWS:SourceAccount": "123456789012"}}}

:func:`evaluate` decides as IAM does: an explicit ``Deny`` that applies wins, else an ``Allow`` that
applies allows, else the answer is an implicit deny. A statement applies when its principal
(:mod:`.principals`), action, resource *and every condition* (:mod:`.conditions`, the evaluator all
policies share: string, ARN, numeric, date, boolean, IP and ``Null`` operators, ``…IfExists``,
``ForAnyValue:``/``ForAllValues:``, case-insensitive keys) match. A function's ``…:$LATEST`` is the
function itself; a statement for an alias (``…:thumbs:live``) covers that alias only.

Example::

    evaluate(statements, service="s3.amazonaws.com", action="lambda:InvokeFunction",
             resource=function_arn, context={"aws:SourceArn": "arn:aws:s3:::photos",
                                             "aws:SourceAccount": "123456789012"})   # -> "allow"
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from .conditions import UnknownConditionOperator
from .conditions import conditions_hold as _conditions_hold
from .policy import matches_any
from .principals import names_caller

Decision = str  # "allow", "deny" or "implicit-deny"


def evaluate(
    statements: Iterable[Mapping],
    *,
    action: str,
    resource: str,
    service: str | None = None,
    principal_arn: str | None = None,
    account_id: str | None = None,
    context: Mapping[str, object] | None = None,
) -> Decision:
    """``"allow"``, ``"deny"`` (an explicit Deny applies) or ``"implicit-deny"``.

    The caller is an AWS service (``service="sns.amazonaws.com"``) or an IAM principal
    (``principal_arn`` and its ``account_id``). ``context`` maps condition keys to values
    (a string, a list of strings, a number or a bool).
    """
    arns = frozenset([principal_arn]) if principal_arn else frozenset()
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            continue
        if "NotPrincipal" in statement:
            if names_caller(statement["NotPrincipal"], account_id, arns, service):
                continue
        elif not names_caller(statement.get("Principal"), account_id, arns, service):
            continue
        if not _matches(statement, action, resource):
            continue
        if not conditions_hold(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return "deny"
        allowed = allowed or statement.get("Effect") == "Allow"
    return "allow" if allowed else "implicit-deny"


def allows(statements: Iterable[Mapping], **kwargs) -> bool:
    """Whether :func:`evaluate` answers ``"allow"``."""
    return evaluate(statements, **kwargs) == "allow"


def conditions_hold(condition, context: Mapping[str, object] | None) -> bool:
    """Whether a ``Condition`` block holds for ``context``; an operator IAM does not have never holds
    (AWS refuses such a policy when it is written)."""
    try:
        return _conditions_hold(dict(condition) if condition else None, dict(context or {}))
    except UnknownConditionOperator:
        return False


def statements_of(document) -> list[dict]:
    """The statements of a policy given as JSON text or a dict (``[]`` for anything else)."""
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    return [s for s in _as_list(document.get("Statement", [])) if isinstance(s, Mapping)]


def _matches(statement: Mapping, action: str, resource: str) -> bool:
    if "NotAction" in statement:
        if matches_any(_as_list(statement["NotAction"]), action):
            return False
    elif not matches_any(_as_list(statement.get("Action", [])), action):
        return False
    resource = _unlatest(resource)
    if "NotResource" in statement:
        return not matches_any([_unlatest(r) for r in _as_list(statement["NotResource"])], resource, True)
    if "Resource" not in statement:
        return True  # a function policy statement always names one; be lenient with hand-made ones
    return matches_any([_unlatest(r) for r in _as_list(statement["Resource"])], resource, True)


def _unlatest(arn) -> str:
    arn = str(arn)
    return arn[: -len(":$LATEST")] if arn.endswith(":$LATEST") else arn


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
