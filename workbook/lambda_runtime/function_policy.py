"""AddPermission, GetPolicy and RemovePermission per version and alias, as Lambda keeps them.

A function has one resource-based policy for itself (unqualified, which covers ``$LATEST``) and one for
each version and alias. ``FunctionName`` may name the version or alias (``orders:live``, or the alias'
full ARN), exactly like ``Qualifier=live``; both together must agree. A statement added for ``live``
has ``Resource`` ``…:function:orders:live``, is returned by ``get_policy(Qualifier="live")`` only, and lets
its principal invoke the alias only. Deleting a version or an alias deletes its policy.

moto keeps one list of statements per function: the statements of every qualifier stay in it (whatever
reads the whole policy, like :func:`workbook.event_sources.triggers.policy_statements`, sees them all and
decides by ``Resource``), and the qualifier a statement belongs to is the one its ``Resource`` names.
moto ignores a qualifier given in ``FunctionName`` and returns every statement for any qualifier: while a
runtime is active these three operations are answered here instead, with AWS's errors.

Example::

    lam.add_permission(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:orders:live",
                       StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=api_arn)
    lam.get_policy(FunctionName="orders", Qualifier="live")   # that statement; get_policy("orders") not
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

from . import errors
from .errors import NotFound, ResourceConflict

_ALIAS_NAME = re.compile(r"[a-zA-Z0-9-_]+")


class PreconditionFailed(JsonRESTError):
    code = 412

    def __init__(self):
        message = ("The Revision Id provided does not match the latest Revision Id. "
                   "Call the GetPolicy API to retrieve the latest Revision Id")
        super().__init__("PreconditionFailedException", message)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "message": message})


def _no_resource() -> NotFound:
    return NotFound("The resource you requested does not exist.")


def _no_policy() -> NotFound:
    return NotFound("No policy is associated with the given resource.")


# ---------------------------------------------------------------- which qualifier a statement belongs to


def qualifier_of(statement, function_arn: str) -> str | None:
    """The version or alias whose policy holds ``statement`` (None: the function's own, ``$LATEST``).

    Example::

        qualifier_of({"Resource": "arn:aws:lambda:us-east-1:123456789012:function:orders:live"},
                     "arn:aws:lambda:us-east-1:123456789012:function:orders")   # -> "live"
    """
    resource = statement.get("Resource") if isinstance(statement, dict) else None
    if not isinstance(resource, str) or not resource.startswith(function_arn + ":"):
        return None
    qualifier = resource[len(function_arn) + 1 :]
    return None if qualifier == "$LATEST" else qualifier


def statements_for(fn, qualifier: str | None) -> list[dict]:
    """The statements of the policy of ``fn`` (moto's $LATEST object) for one qualifier."""
    wanted = None if qualifier in (None, "$LATEST") else qualifier
    return [s for s in fn.policy.statements if qualifier_of(s, _unqualified(fn)) == wanted]


def forget(backend, function_name: str, qualifier: str) -> None:
    """Drop the policy of a deleted version or alias (a new alias of that name starts without one)."""
    try:
        fn = backend.get_function(function_name)
    except Exception:  # the function went with it
        return
    doomed = statements_for(fn, qualifier)
    if doomed:
        fn.policy.statements[:] = [s for s in fn.policy.statements if all(s is not d for d in doomed)]
        _new_revision(fn)


def _unqualified(fn) -> str:
    from .invoke import function_arn

    return function_arn(fn.region, fn.account_id, fn.function_name)


def _new_revision(fn) -> None:
    import uuid

    fn.policy.revision = str(uuid.uuid4())


# ---------------------------------------------------------------- the API


def _target(response, index: int) -> tuple[str, str | None]:
    """(function name, qualifier) a request names in its path and ``Qualifier``."""
    from .invoke import split_function_name

    raw = unquote(response.path.split("?")[0].split("/")[index])
    query_qualifier = response.querystring.get("Qualifier", [None])[0] or None
    name, qualifier = split_function_name(raw, query_qualifier)
    if query_qualifier and qualifier != query_qualifier:
        raise errors.qualifier_mismatch()
    if raw.startswith("arn:"):
        arn_region = raw.split(":")[3]
        if arn_region and arn_region != response.region:
            raise errors.OtherRegion(arn_region, response.region)
    return name, qualifier


def _require_qualifier(backend, name: str, qualifier: str | None) -> None:
    """Raise AWS's 404 when the version or alias does not exist."""
    if qualifier in (None, "$LATEST"):
        return
    if qualifier.isdigit() or not _ALIAS_NAME.fullmatch(qualifier):
        backend.get_function(name, qualifier)  # Function not found: …:<qualifier>
        return
    backend.get_alias(qualifier, name)  # Cannot find alias arn: …:<alias>


def _revision(response) -> str:
    value = response.querystring.get("RevisionId", [""])
    return (value[0] if isinstance(value, list) else value) or ""


def add(response):
    """AddPermission: one statement on the function's, version's or alias' policy."""
    name, qualifier = _target(response, -2)
    if qualifier == "$LATEST":
        raise errors.InvalidParameterValue("We currently do not support adding policies for $LATEST.")
    backend = response.backend
    fn = backend.get_function(name)  # Function not found: …:<name>
    _require_qualifier(backend, name, qualifier)
    body = json.loads(response.body or "{}")
    sid = body.get("StatementId")
    if sid and any(s.get("Sid") == sid for s in statements_for(fn, qualifier)):
        raise ResourceConflict(f"The statement id ({sid}) provided already exists. "
                       "Please provide a new statement id, or remove the existing statement.")
    if body.get("RevisionId") and body["RevisionId"] != fn.policy.revision:
        raise PreconditionFailed()
    statement, _ = fn.policy.add_statement(response.body, qualifier)
    body = json.dumps({"Statement": json.dumps(statement)})
    return 201, {"status": 201, "content-type": "application/json"}, body


def get(response):
    """GetPolicy: the policy of the function, or of one version or alias, alone."""
    from moto.awslambda.exceptions import UnknownAliasException, UnknownFunctionException

    name, qualifier = _target(response, -2)
    backend = response.backend
    try:
        fn = backend.get_function(name)
        _require_qualifier(backend, name, qualifier)
    except (UnknownFunctionException, UnknownAliasException):
        raise _no_resource() from None
    statements = statements_for(fn, qualifier)
    if not statements:
        raise _no_resource()
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    body = {"Policy": json.dumps(policy), "RevisionId": fn.policy.revision}
    return 200, {"status": 200, "content-type": "application/json"}, json.dumps(body)


def remove(response):
    """RemovePermission: one statement of the function's, version's or alias' policy."""
    from moto.awslambda.exceptions import UnknownFunctionException

    from .invoke import function_arn

    name, qualifier = _target(response, -3)
    sid = unquote(response.path.split("?")[0].split("/")[-1])
    backend = response.backend
    try:
        fn = backend.get_function(name)
    except UnknownFunctionException:
        arn = function_arn(response.region, response.current_account, name)
        raise NotFound(f"No policy found for: {arn}") from None
    _require_qualifier(backend, name, qualifier)
    found = [s for s in statements_for(fn, qualifier) if s.get("Sid") == sid]
    if not found:
        raise _no_policy()
    revision = _revision(response)
    if revision and revision != fn.policy.revision:
        raise PreconditionFailed()
    fn.policy.statements[:] = [s for s in fn.policy.statements if s is not found[0]]
    _new_revision(fn)
    return 204, {"status": 204}, ""


def install() -> None:
    """Answer the three operations here while a runtime is active (moto's own otherwise)."""
    from moto.awslambda.responses import LambdaResponse

    from .moto_patch import active

    if getattr(LambdaResponse.add_permission, "_workbook_function_policy", False):
        return
    for operation, ours in (("add_permission", add), ("get_policy", get), ("remove_permission", remove)):
        original = getattr(LambdaResponse, operation)

        def operation_handler(self, _original=original, _ours=ours):
            if active() is None:
                return _original(self)
            return _ours(self)

        operation_handler._workbook_function_policy = True
        setattr(LambdaResponse, operation, operation_handler)
    _patch_cloudformation_permission()


def _patch_cloudformation_permission() -> None:
    """``AWS::Lambda::Permission`` on an alias or version ARN goes to that alias' or version's policy."""
    from moto.awslambda import models
    from moto.awslambda.utils import get_backend

    from .invoke import split_function_name
    from .moto_patch import active

    original = models.Permission.create_from_cloudformation_json

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        if active() is None:
            return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = dict(cloudformation_json["Properties"])
        name, qualifier = split_function_name(str(properties.pop("FunctionName")), None)
        backend = get_backend(account_id, region_name)
        fn = backend.get_function(name)
        _require_qualifier(backend, name, qualifier)
        fn.policy.add_statement(json.dumps(properties), None if qualifier == "$LATEST" else qualifier)
        return models.Permission(region=region_name)

    models.Permission.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
