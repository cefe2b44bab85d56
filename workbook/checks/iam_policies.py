"""Reading IAM policy documents the way checks need to: what do they allow, and is it more than needed?

A role step states what the role needs as :class:`Grant` values; :func:`missing` says which of them the
policies do not give, :func:`excess` names every action or resource they allow beyond them, and
:func:`trust_problems` what is wrong with a trust policy (it must admit exactly one service).

Example::

    needs = [*log_writing(log_group_arn), Grant(("dynamodb:PutItem",), table_arn)]
    missing(documents, needs)    # []  when the role may do all of it
    excess(documents, needs)     # ['dynamodb:GetItem', "dynamodb:PutItem on '*' (needed only on …)"]
"""

from __future__ import annotations

import fnmatch
import json
import random
import string
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote


def as_document(document) -> dict:
    """A policy document as a dict (boto3 usually decodes it already; sometimes it is URL-encoded JSON)."""
    if isinstance(document, dict):
        return document
    return json.loads(unquote(document))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document) -> list[dict]:
    return [s for s in _as_list(as_document(document).get("Statement", [])) if isinstance(s, dict)]


def _matches(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character."""
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def allows(document, action: str) -> bool:
    """True when an Allow statement of ``document`` covers ``action`` (wildcards like ``logs:*`` count)."""
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            if not any(_matches(p, action, case_sensitive=False) for p in _as_list(statement["NotAction"])):
                return True
            continue
        if any(_matches(p, action, case_sensitive=False) for p in _as_list(statement.get("Action", []))):
            return True
    return False


def trusts_service(document, service: str) -> bool:
    """True when the trust policy lets ``service`` (e.g. ``lambda.amazonaws.com``) call sts:AssumeRole."""
    for statement in _statements(document):
        principal = statement.get("Principal", {})
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if service in services and allows({"Statement": [statement]}, "sts:AssumeRole"):
            return True
    return False


def trust_problems(document, service: str = "lambda.amazonaws.com") -> list[str]:
    """Why the trust policy admits anyone but ``service``; [] when it admits exactly ``service``.

    Example::

        trust_problems({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                       "Action": "sts:AssumeRole"}]})
        # ["it lets any AWS principal ('*') assume the role"]
    """
    problems = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow" or not _grants_assume(statement):
            continue
        if "NotPrincipal" in statement:
            problems.append("it has an Allow statement with NotPrincipal, which admits almost everyone")
            continue
        principal = statement.get("Principal")
        if principal == "*" or principal is None:
            problems.append("it lets anyone (Principal '*') assume the role")
            continue
        if not isinstance(principal, dict):
            problems.append(f"it names the principal {principal!r}")
            continue
        for kind, names in principal.items():
            for name in _as_list(names):
                if kind == "Service" and name == service:
                    continue
                if name == "*":
                    problems.append(f"it lets any {kind} principal ('*') assume the role")
                else:
                    problems.append(f"it also lets {name!r} ({kind}) assume the role")
    return problems


def _grants_assume(statement: dict) -> bool:
    return any(
        allows({"Statement": [statement]}, action)
        for action in ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
    )


@dataclass(frozen=True)
class Grant:
    """What a role needs: one of ``actions`` on ``resource`` (an ARN).

    ``required=False`` marks a grant the role may have but need not (``logs:CreateLogGroup`` when the log
    group exists already). The role may name ``resource`` with wildcards (``arn:aws:dynamodb:*:*:table/t``),
    but not in a way that also covers other resources of its kind, unless ``any_scope`` (log writing, which
    AWS's own ``AWSLambdaBasicExecutionRole`` allows on ``*``).
    """

    actions: tuple[str, ...]
    resource: str = "*"
    required: bool = True
    any_scope: bool = False

    def describe(self) -> str:
        actions = self.actions[0] + (f" (or {', '.join(self.actions[1:])})" if self.actions[1:] else "")
        return actions if self.resource == "*" or self.any_scope else f"{actions} on {self.resource}"


def log_writing(log_group_arn: str) -> tuple[Grant, ...]:
    """What an execution role needs to write its function's logs into ``log_group_arn`` (on any resource).

    Example::

        log_writing("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/hello-lambda")
    """
    stream = f"{log_group_arn}:log-stream:2025/01/01/[$LATEST]0123456789abcdef"
    return (
        Grant(("logs:PutLogEvents",), stream, any_scope=True),
        Grant(("logs:CreateLogStream",), stream, required=False, any_scope=True),
        Grant(("logs:CreateLogGroup",), f"{log_group_arn}:*", required=False, any_scope=True),
    )


def missing(documents, needs) -> list[Grant]:
    """The required grants of ``needs`` that no Allow statement of ``documents`` gives."""
    return [need for need in needs if need.required and not _granted(documents, need)]


def _granted(documents, need: Grant) -> bool:
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if not any(allows({"Statement": [statement]}, action) for action in need.actions):
                continue
            if "NotResource" in statement:
                return True
            patterns = _as_list(statement.get("Resource", []))
            if any(isinstance(p, str) and _matches(p, need.resource) for p in patterns):
                return True
    return False


def excess(documents, needs) -> list[str]:
    """Every action or resource the Allow statements of ``documents`` give beyond ``needs``, in words.

    An action pattern is too broad when it also covers an action no grant lists (``logs:*``,
    ``dynamodb:Get*``, ``*``); a resource is too broad when it also covers another resource of the needed
    one's kind (``*`` or ``…:table/*`` for one table).
    """
    needed_actions = {a.lower() for need in needs for a in need.actions}
    found: list[str] = []
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                found.append(f"every action except {_as_list(statement['NotAction'])} (NotAction)")
                continue
            resources = ["*"] if "NotResource" in statement else _as_list(statement.get("Resource", []))
            for pattern in _as_list(statement.get("Action", [])):
                if not isinstance(pattern, str):
                    continue
                extra = _actions_beyond(pattern, needed_actions)
                if extra:
                    found.append(extra)
                    continue
                relevant = [
                    n for n in needs if any(_matches(pattern, a, case_sensitive=False) for a in n.actions)
                ]
                for resource in resources:
                    if not any(need.any_scope or _fits(str(resource), need.resource) for need in relevant):
                        places = " or ".join(dict.fromkeys(need.resource for need in relevant))
                        found.append(f"{pattern} on {resource!r} (needed only on {places})")
    return list(dict.fromkeys(found))


def _actions_beyond(pattern: str, needed: set[str]) -> str | None:
    """A description of what ``pattern`` allows beyond ``needed``, or None when it allows nothing more."""
    if "*" not in pattern and "?" not in pattern:
        return None if pattern.lower() in needed else pattern
    service, _, _ = pattern.partition(":")
    known = _actions_of(service.lower()) | needed
    if service in ("*", "") or not _actions_of(service.lower()):
        return pattern
    if any(_matches(pattern, action, case_sensitive=False) for action in known - needed):
        return pattern
    return None


@cache
def _actions_of(prefix: str) -> frozenset[str]:
    """``prefix:Operation`` for every operation botocore knows for the IAM service prefix (lower case)."""
    import botocore.session

    names = {"cloudwatch": "cloudwatch", "states": "stepfunctions", "execute-api": "apigateway"}
    try:
        model = botocore.session.get_session().get_service_model(names.get(prefix, prefix))
    except Exception:
        return frozenset()
    return frozenset(f"{prefix}:{operation}".lower() for operation in model.operation_names)


def _fits(pattern: str, resource: str) -> bool:
    """Does ``pattern`` name ``resource`` and nothing else of its kind (any pattern fits ``"*"``)?"""
    if resource == "*":
        return True
    if pattern.startswith(resource + "/") and "*" not in pattern[: len(resource)]:
        return True  # a part of the resource itself (a table's indexes: ``…:table/t/index/*``)
    if not _matches(pattern, resource):
        return False
    return not any(_matches(pattern, other) for other in _neighbours(resource))


def _neighbours(arn: str) -> list[str]:
    """ARNs of other resources of the same kind as ``arn``: its name changed, and extended."""
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    head, separator, name = arn.rpartition("/") if "/" in arn else arn.rpartition(":")
    start = f"{head}{separator}"
    return [f"{start}{word}", f"{start}{name}-{word}", f"{start}{name}{separator}{word}"]
