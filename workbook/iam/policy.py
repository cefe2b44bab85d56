"""Identity-based policy evaluation: which statement allows or denies a request, and why.

The rules are IAM's for one account: an explicit ``Deny`` in any policy wins; otherwise a request is
allowed only when an ``Allow`` matches it, and, when the role has a permissions boundary, the boundary
allows it too (a boundary grants nothing by itself: it caps what the identity policies grant).
A statement matches when its ``Action``/``NotAction`` and ``Resource``/``NotResource`` do and its
``Condition`` block holds (:mod:`workbook.iam.conditions`).

Example::

    decision = evaluate([Policy("orders-read", document)], "s3:GetObject", "arn:aws:s3:::orders/1.json")
    decision.effect      # -> "allow", "deny" or "implicit-deny"
    decision.statement   # -> "orders-read/ReadOrders" (policy name, then the Sid or the statement's index)
"""

from __future__ import annotations

import fnmatch
import json
from typing import NamedTuple
from urllib.parse import unquote

from .conditions import conditions_hold

ALLOW, DENY, IMPLICIT_DENY = "allow", "deny", "implicit-deny"


class Policy(NamedTuple):
    """A policy document with the name that identifies it (inline policy name or managed policy name)."""

    name: str
    document: dict


class Decision(NamedTuple):
    """The answer for one request: its effect and the statement that decided it (None for implicit deny).

    ``by_boundary`` is True when the permissions boundary, not the identity policies, refused it.
    """

    effect: str
    statement: str | None = None
    by_boundary: bool = False


def evaluate(
    policies: list,
    action: str,
    resource: str | None,
    context: dict | None = None,
    boundary: list | None = None,
) -> Decision:
    """Decide ``action`` on ``resource`` under identity ``policies`` and an optional permissions ``boundary``.

    ``policies`` and ``boundary`` hold :class:`Policy` tuples or bare documents (named ``policy-1``, …);
    ``boundary`` None means the role has none. ``resource`` None means "not known for this request":
    Resource elements then match anything. ``context`` holds the condition keys of the request; None
    means "no request context" (a service checking a role on its own): Condition blocks are then
    taken as holding.

    Example::

        evaluate([Policy("p", {"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})],
                 "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs").effect   # -> "allow"
    """
    identity = _decide(_named(policies), action, resource, context)
    if identity.effect != ALLOW or boundary is None:
        return identity
    capped = _decide(_named(boundary), action, resource, context)
    if capped.effect == ALLOW:
        return identity
    return Decision(capped.effect, capped.statement, by_boundary=True)


def _decide(policies: list[Policy], action: str, resource: str | None, context: dict | None) -> Decision:
    allowed_by = None
    for policy in policies:
        for index, statement in enumerate(_as_list(policy.document.get("Statement", []))):
            if not isinstance(statement, dict) or not statement_applies(statement, action, resource, context):
                continue
            label = f"{policy.name}/{statement.get('Sid') or index}"
            if statement.get("Effect") == "Deny":
                return Decision(DENY, label)
            if statement.get("Effect") == "Allow" and allowed_by is None:
                allowed_by = label
    return Decision(ALLOW, allowed_by) if allowed_by else Decision(IMPLICIT_DENY)


def statement_applies(
    statement: dict, action: str, resource: str | None, context: dict | None = None
) -> bool:
    """Whether one statement's Action, Resource and Condition elements all match the request.

    ``context`` None skips the Condition element (taken as holding).

    Example::

        statement_applies({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
                          "s3:GetObject", "arn:aws:s3:::b/k")   # -> True
    """
    if "NotAction" in statement:
        if matches_any(_as_list(statement["NotAction"]), action):
            return False
    elif not matches_any(_as_list(statement.get("Action", [])), action):
        return False
    if resource is not None:
        if "NotResource" in statement:
            if matches_any(_as_list(statement["NotResource"]), resource, case_sensitive=True):
                return False
        elif not matches_any(_as_list(statement.get("Resource", [])), resource, case_sensitive=True):
            return False
    return context is None or conditions_hold(statement.get("Condition"), context)


def matches_any(patterns: list, value: str, case_sensitive: bool = False) -> bool:
    """Whether ``value`` matches one of the wildcard ``patterns`` (``*`` and ``?``).

    Actions match case-insensitively on AWS, resource ARNs case-sensitively.
    """
    if case_sensitive:
        return any(fnmatch.fnmatchcase(value, _literal_brackets(pattern)) for pattern in patterns)
    return any(fnmatch.fnmatchcase(value.lower(), _literal_brackets(pattern.lower())) for pattern in patterns)


def parse(document) -> dict:
    """A policy document as a dict, from JSON text (URL-encoded as IAM returns it, or not) or a dict."""
    return json.loads(unquote(document)) if isinstance(document, str) else document


def _named(policies: list) -> list[Policy]:
    named = []
    for number, policy in enumerate(policies, start=1):
        named.append(policy if isinstance(policy, Policy) else Policy(f"policy-{number}", parse(policy)))
    return named


def _literal_brackets(pattern: str) -> str:
    # IAM has only * and ?: a [ in an ARN pattern is itself, not an fnmatch character class.
    return pattern.replace("[", "[[]") if "[" in pattern else pattern


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
