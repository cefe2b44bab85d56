"""Reading IAM policy documents the way checks need to: does some statement allow this action?"""

from __future__ import annotations

import fnmatch
import json
from urllib.parse import unquote


def as_document(document) -> dict:
    """A policy document as a dict (boto3 usually decodes it already; sometimes it is URL-encoded JSON)."""
    if isinstance(document, dict):
        return document
    return json.loads(unquote(document))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def allows(document, action: str) -> bool:
    """True when an Allow statement of ``document`` covers ``action`` (wildcards like ``logs:*`` count)."""
    for statement in _as_list(as_document(document).get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        patterns = _as_list(statement.get("Action", []))
        if any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns):
            return True
    return False


def trusts_service(document, service: str) -> bool:
    """True when the trust policy lets ``service`` (e.g. ``lambda.amazonaws.com``) call sts:AssumeRole."""
    for statement in _as_list(as_document(document).get("Statement", [])):
        principal = statement.get("Principal", {})
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if service in services and allows({"Statement": [statement]}, "sts:AssumeRole"):
            return True
    return False
