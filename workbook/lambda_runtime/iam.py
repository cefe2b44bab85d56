"""The execution role: credentials for a function, and the permissions they carry.

On AWS, Lambda assumes a function's execution role and hands the temporary credentials to the
handler; every AWS call the handler makes is then allowed or denied by the role's policies.
This module does the same against the local account:

* :func:`execution_role_credentials` assumes the role in moto's STS (no HTTP round trip);
* :func:`install_role_enforcement` makes moto check requests signed with those credentials (or URLs
  presigned with them) against the role's policies, and ``sts:AssumeRole`` against the target role's
  trust policy, while every other request (the notebook's own calls) stays unrestricted; it also makes
  CreateFunction/UpdateFunctionConfiguration reject roles Lambda cannot assume.

Example::

    creds = execution_role_credentials("123456789012", "us-east-1",
                                       "arn:aws:iam::123456789012:role/orders-role", "orders")
    creds["AWS_SESSION_TOKEN"]   # handed to the worker that runs the handler
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote, urlparse

from workbook.iam import call_log
from workbook.iam import policy as policy_engine

LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
# AWS asks for 12 hours; what matters locally is that they outlive any lesson.
SESSION_DURATION_SECONDS = 43200
CANNOT_BE_ASSUMED = "The role defined for the function cannot be assumed by Lambda."
DEFAULT_SSM_KEY = "alias/aws/ssm"
# How SSM passes on KMS's refusal (botocore shows the message; the request id is KMS's).
KMS_SUFFIX = (" (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException;"
              " Request ID: {request_id}; Proxy: null)")

_install_lock = threading.Lock()
_installed = False
_cache_lock = threading.Lock()
_credentials_cache: dict[tuple[str, str, str, str], object] = {}


class RoleCannotBeAssumed(Exception):
    """Lambda may not assume this role: it does not exist, or its trust policy leaves Lambda out."""


# ---------------------------------------------------------------- credentials for a function


def session_name_for(function_name: str) -> str:
    """The RoleSessionName Lambda uses: the function name (at least 2 characters long on AWS)."""
    return function_name + "@lambda_function" if len(function_name) < 2 else function_name


def execution_role_credentials(account_id: str, region: str, role_arn: str, function_name: str) -> dict:
    """Temporary credentials of ``role_arn`` for ``function_name``, as environment variables.

    Raises :class:`RoleCannotBeAssumed` when the role is missing or does not trust Lambda.
    The same credentials are returned again while moto still knows them (until a reset).

    Example::

        env.update(execution_role_credentials(acct, region, fn.role, fn.function_name))
    """
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    check_role_assumable(account_id, region, role_arn)
    partition = get_partition(region)
    sts = sts_backends[account_id][partition]
    key = (account_id, region, role_arn, function_name)
    with _cache_lock:
        assumed = _credentials_cache.get(key)
        if assumed is None or not any(known is assumed for known in sts.assumed_roles):
            assumed = sts.assume_role(
                region_name=region,
                role_session_name=session_name_for(function_name),
                role_arn=role_arn,
                policy=None,
                duration=SESSION_DURATION_SECONDS,
                external_id=None,
            )
            _credentials_cache[key] = assumed
    return {
        "AWS_ACCESS_KEY_ID": assumed.access_key_id,
        "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
        "AWS_SESSION_TOKEN": assumed.session_token,
    }


def check_role_assumable(account_id: str, region: str, role_arn: str) -> None:
    """Raise :class:`RoleCannotBeAssumed` unless the role exists and trusts lambda.amazonaws.com."""
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    try:
        role = iam_backends[account_id][get_partition(region)].get_role_by_arn(role_arn)
    except Exception:
        raise RoleCannotBeAssumed(f"role {role_arn} does not exist") from None
    if not trust_policy_allows_lambda(role.assume_role_policy_document):
        raise RoleCannotBeAssumed(f"the trust policy of {role_arn} does not let {LAMBDA_PRINCIPAL} assume it")


def trust_policy_allows_lambda(document) -> bool:
    """Whether a trust policy lets the Lambda service call sts:AssumeRole (Conditions are not evaluated)."""
    try:
        statements = _as_list(_parse_policy(document)["Statement"])
    except (ValueError, KeyError, TypeError):
        return False
    allowed = False
    for statement in statements:
        if not _matches_any(_as_list(statement.get("Action", [])), "sts:AssumeRole"):
            continue
        if not _principal_is_lambda(statement.get("Principal")):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _principal_is_lambda(principal) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return LAMBDA_PRINCIPAL in _as_list(principal.get("Service", [])) or principal.get("AWS") == "*"


# ---------------------------------------------------------------- policy evaluation


def evaluate(policy_documents: list, action: str, resource: str | None, context: dict | None = None) -> str:
    """``"allow"``, ``"deny"`` (an explicit Deny matched) or ``"implicit-deny"`` (nothing allowed it).

    ``resource`` None means "not known for this request": Resource elements then match anything.
    ``context`` holds the request's condition keys; without one (None), Condition elements are taken
    as holding. See :func:`workbook.iam.policy.evaluate` for the statement that decided and boundaries.
    """
    return policy_engine.evaluate(policy_documents, action, resource, context).effect


def _statement_applies(statement: dict, action: str, resource: str | None) -> bool:
    return policy_engine.statement_applies(statement, action, resource, None)


def _matches_any(patterns: list, value: str, case_sensitive: bool = False) -> bool:
    return policy_engine.matches_any(patterns, value, case_sensitive)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def role_policy_documents(access_key) -> list[dict]:
    """The role's inline and attached policies, as parsed JSON, from moto's view of the credentials."""
    documents = []
    try:
        policies = access_key.collect_policies()
    except Exception:  # the role was deleted after the credentials were issued
        return []
    for policy in policies:
        if isinstance(policy, str):
            text = policy
        elif isinstance(policy, dict):
            text = policy["policy_document"]
        else:  # a managed policy: its default version holds the document
            text = next(version.document for version in policy.versions if version.is_default)
        documents.append(json.loads(text) if isinstance(text, str) else text)
    return documents


def role_policies(access_key) -> tuple[list, list | None]:
    """(the role's policies as named :class:`workbook.iam.Policy`, its permissions boundary or None).

    Inline policies keep their names, managed ones their policy names; a role deleted after its
    credentials were issued has no policies (everything is implicitly denied).
    """
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[access_key.account_id][access_key.partition].get_role(access_key._owner_role_name)
    except Exception:
        return [], None
    policies = [policy_engine.Policy(name, policy_engine.parse(text)) for name, text in role.policies.items()]
    policies += [_managed(policy) for policy in role.managed_policies.values()]
    boundary = None
    if role.permissions_boundary_arn:
        managed = _managed_by_arn(access_key, role.permissions_boundary_arn)
        boundary = [managed] if managed is not None else []  # a boundary that no longer exists allows nothing
    return policies, boundary


def _managed(policy):
    document = next(version.document for version in policy.versions if version.is_default)
    return policy_engine.Policy(policy.name, policy_engine.parse(document))


def _managed_by_arn(access_key, arn: str):
    from moto.iam.models import iam_backends

    try:
        return _managed(iam_backends[access_key.account_id][access_key.partition].get_policy(arn))
    except Exception:
        return None


def request_context(response, access_key) -> dict:
    """The global condition keys of a request signed by a role session (``aws:SourceIp``, …)."""
    role_arn = f"arn:{access_key.partition}:iam::{access_key.account_id}:role/{access_key._owner_role_name}"
    context = {
        "aws:CurrentTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(time.time())),
        "aws:SecureTransport": "false",  # the loopback server speaks plain HTTP
        "aws:SourceIp": "127.0.0.1",
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalAccount": access_key.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:RequestedRegion": getattr(response, "region", None),
        "aws:ViaAWSService": "false",
    }
    if getattr(response, "boto3_service_name", "") == "s3":
        prefix = _query_param(response, "prefix")
        if prefix is not None:
            context["s3:prefix"] = prefix
    return {key: value for key, value in context.items() if value is not None}


# ---------------------------------------------------------------- which resource a request touches


def request_resource(response, moto_resource: str) -> str | None:
    """The ARN of the resource a request acts on, or None when this module cannot tell.

    moto computes the resource only for S3, SQS, IAM and STS; for a few services learners use
    from handlers it is read from the request here.
    """
    if moto_resource and moto_resource != "*":
        return moto_resource
    service = getattr(response, "boto3_service_name", "")
    account, region = response.current_account, response.region
    if service == "dynamodb":
        table = _json_body(response).get("TableName")
        return f"arn:aws:dynamodb:{region}:{account}:table/{table}" if table else None
    if service == "sns":
        arn = _query_param(response, "TopicArn") or _query_param(response, "TargetArn")
        return arn
    if service == "lambda":
        match = re.search(r"/functions/([^/]+)", unquote(urlparse(response.uri).path))
        if not match:
            return None
        name = match.group(1)
        return name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
    if service == "events":
        bus = _json_body(response).get("EventBusName")
        entries = _json_body(response).get("Entries") or [{}]
        bus = bus or entries[0].get("EventBusName") or "default"
        return bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{bus}"
    if service == "kinesis":
        stream = _json_body(response).get("StreamName")
        arn = _json_body(response).get("StreamARN")
        return arn or (f"arn:aws:kinesis:{region}:{account}:stream/{stream}" if stream else None)
    if service == "ssm":
        body = _json_body(response)
        names = [body.get("Name") or body.get("Path"), *(body.get("Names") or [])]
        arns = [_parameter_arn(name, region, account) for name in names if name]
        return arns[0] if len(arns) == 1 else None
    if service == "secretsmanager":
        return _secret_arn(_json_body(response).get("SecretId"), region, account)
    return None


def _named_parameters(response, action: str) -> list[str]:
    """The ARNs of the parameters a GetParameters (or DeleteParameters) request names, if more than one."""
    if action not in ("ssm:GetParameters", "ssm:DeleteParameters"):
        return []
    names = _json_body(response).get("Names") or []
    if len(names) < 2:
        return []
    return [_parameter_arn(name, response.region, response.current_account) for name in names]


def _keys_to_decrypt(response, action: str) -> list[str]:
    """The customer managed KMS keys (ARNs) an SSM read ``WithDecryption`` decrypts with. The AWS managed
    key ``aws/ssm`` lets every principal of the account decrypt through SSM; a customer managed key's
    default policy leaves it to IAM: the caller needs ``kms:Decrypt`` on it."""
    if action not in ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"):
        return []
    body = _json_body(response)
    if not body.get("WithDecryption"):
        return []
    from moto.kms.models import kms_backends
    from moto.ssm.models import ssm_backends

    account, region = response.current_account, response.region
    ssm = ssm_backends[account][region]
    try:
        if body.get("Path"):
            parameters, _ = ssm.get_parameters_by_path(body["Path"], bool(body.get("Recursive")),
                                                       body.get("ParameterFilters"), max_results=50)
        else:
            parameters = [ssm.get_parameter(name) for name in [body.get("Name"), *(body.get("Names") or [])]
                          if name]
    except Exception:  # SSM answers with its own error
        return []
    keys = []
    for parameter in parameters:
        key_id = getattr(parameter, "keyid", None)
        if getattr(parameter, "parameter_type", None) != "SecureString" or key_id in (None, DEFAULT_SSM_KEY):
            continue
        try:
            key = kms_backends[account][region].describe_key(key_id)
        except Exception:
            continue
        if key.key_manager != "AWS" and key.arn not in keys:
            keys.append(key.arn)
    return keys


def _parameter_arn(name: str, region: str, account: str) -> str:
    """``arn:aws:ssm:<region>:<account>:parameter/orders/table`` for ``/orders/table`` (or ``orders/table``);
    a version or label selector (``name:3``) is not part of the ARN."""
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{region}:{account}:parameter/{name.split(':', 1)[0].lstrip('/')}"


def _secret_arn(secret_id: str | None, region: str, account: str) -> str | None:
    """The full ARN (with its random suffix) of the secret a ``SecretId`` names, as AWS authorizes it."""
    if not secret_id:
        return None
    from moto.secretsmanager.models import secretsmanager_backends

    try:
        return secretsmanager_backends[account][region].describe_secret(secret_id).arn
    except Exception:  # no such secret: AWS still authorizes before answering ResourceNotFound
        if secret_id.startswith("arn:"):
            return secret_id
        return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}"


def _json_body(response) -> dict:
    if isinstance(response.body, dict):  # moto's DynamoDB handler has already parsed it
        return response.body
    try:
        body = json.loads(response.body or "{}")
    except (ValueError, TypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _query_param(response, name: str) -> str | None:
    values = (getattr(response, "querystring", None) or {}).get(name)
    return values[0] if values else None


# ---------------------------------------------------------------- the error the SDK shows


def access_denied_error(response, principal_arn: str, action: str, resource: str | None, explicit: bool,
                        by_boundary: bool = False):
    """An AccessDenied error shaped for the service's protocol, with AWS's message."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.s3.exceptions import S3ClientError

    message = f"User: {principal_arn} is not authorized to perform: {action}"
    if resource and not resource.endswith(":::*"):  # S3 ListBuckets & co. name no resource
        message += f" on resource: {resource}"
    kind = "a permissions boundary" if by_boundary else "an identity-based policy"
    if explicit:
        message += f" with an explicit deny in {kind}"
    elif by_boundary:
        message += f" because no permissions boundary allows the {action} action"
    else:
        message += f" because no identity-based policy allows the {action} action"

    protocol = _protocol(response)
    if protocol == "rest-xml":
        return S3ClientError("AccessDenied", message)
    if protocol in ("json", "rest-json"):
        error = JsonRESTError("AccessDeniedException", message)
        error.code = 403 if protocol == "rest-json" else 400
        return error
    # moto's IAM-style error writes "User: <arn> is not authorized to perform: <what follows>".
    error = AccessDeniedError(user_arn=principal_arn, action=message.split("perform: ", 1)[1])
    return error


@functools.cache
def _protocol_of(service: str) -> str:
    from moto.core.responses import get_service_model

    try:
        return get_service_model(service).metadata.get("protocol", "query")
    except Exception:
        return "query"


def _protocol(response) -> str:
    service = getattr(response, "boto3_service_name", "") or ""
    if service == "s3":
        return "rest-xml"
    protocol = _protocol_of(service) if service else "query"
    if protocol == "query" and "json" in (response.headers.get("Content-Type") or ""):
        return "json"  # SQS and a few others speak JSON when the SDK asks for it
    return protocol


# ---------------------------------------------------------------- moto patches


def is_role_request(headers) -> bool:
    """Whether a request is signed with temporary (assumed-role) credentials."""
    authorization = headers.get("Authorization") or ""
    return "Credential=ASIA" in authorization and "X-Amz-Security-Token" in headers


def install_role_enforcement() -> None:
    """Enforce execution-role policies on requests signed with assumed-role credentials (idempotent).

    Covers presigned URLs too; ``sts:AssumeRole`` also needs the target role's trust policy to let the
    session in, and GetSessionToken/GetFederationToken are refused to sessions, as on AWS.
    Also makes CreateFunction and UpdateFunctionConfiguration reject a role Lambda cannot assume.
    Requests signed with long-term keys (the notebook's fake AKIA… keys) are not restricted.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        _patch_authorization()
        _patch_lambda_control_plane()
        _installed = True


def _patch_authorization() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    @functools.wraps(original)
    def authenticate_and_authorize(self, iam_request_cls, resource="*"):
        if is_role_request(self.headers):
            _authorize_role_request(self, iam_request_cls, resource)
        elif (session := _presigned_session(self)) is not None:
            _authorize_presigned_role_request(self, session, resource)
        else:
            original(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize


def _authorize_role_request(response, iam_request_cls, moto_resource: str) -> None:
    # Same request object moto builds when IAM authentication is switched on globally.
    path = response.raw_path
    query = urlparse(response.uri).query
    if query:
        path += "?" + query
    iam_request = iam_request_cls(
        account_id=response.current_account,
        method=response.method,
        path=path,
        # botocore signs a request without a body (GET, HEAD, DELETE, a bodyless PUT/POST …) with the
        # hash of the empty payload, whatever the method; moto's request data then holds the
        # querystring or the headers, which must not be hashed in its place. A form-encoded body
        # (query protocol) is not in raw_body: moto parsed it into the form, and data re-encodes it.
        data=response.data if _has_body(response) else {},
        body=response.raw_body,
        headers=response.headers,
        action=response._get_action(),
    )
    iam_request.check_signature()
    _authorize_session(response, iam_request._access_key, iam_request._action, moto_resource)


def _presigned_session(response) -> tuple[str, str, str, str] | None:
    """(key id, region, service, session token) of a URL presigned with role-session credentials, or None."""
    if "Authorization" in response.headers:
        return None
    scope = (_query_param(response, "X-Amz-Credential") or "").split("/")
    if len(scope) == 5:
        key_id, region, service = scope[0], scope[2], scope[3]
    else:  # SigV2 query authentication, which only S3 still takes
        key_id, region, service = _query_param(response, "AWSAccessKeyId") or "", response.region, "s3"
    if not key_id.startswith("ASIA"):
        return None
    token = _query_param(response, "X-Amz-Security-Token") or _query_param(response, "x-amz-security-token")
    return key_id, region, service, token or ""


def _authorize_presigned_role_request(response, session: tuple, moto_resource: str) -> None:
    """A presigned URL acts as the session that signed it (the loopback server checked its key and token)."""
    from moto.core.exceptions import InvalidClientTokenIdError
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
    from moto.utilities.utils import get_partition

    key_id, region, service, token = session
    try:
        access_key = create_access_key(account_id=response.current_account, partition=get_partition(region),
                                       access_key_id=key_id, headers={"X-Amz-Security-Token": token})
    except CreateAccessKeyFailure:
        raise InvalidClientTokenIdError() from None
    action = response._get_action()
    action = action[0] if isinstance(action, list) else action
    _authorize_session(response, access_key, f"{service}:{action}", moto_resource)


def _authorize_session(response, access_key, action: str, moto_resource: str) -> None:
    """Allow the request, or raise AWS's error, for a role session ``access_key`` asking for ``action``."""
    if action == "sts:GetCallerIdentity":  # always allowed on AWS, whatever the policies say
        return
    if action in ("sts:GetSessionToken", "sts:GetFederationToken"):
        raise _session_credentials_error()(action.split(":", 1)[1])
    policies, boundary = role_policies(access_key)
    role = f"arn:{access_key.partition}:iam::{access_key.account_id}:role/{access_key._owner_role_name}"
    function = access_key.arn.rsplit("/", 1)[-1].removesuffix("@lambda_function")
    # GetParameters names several parameters: each is authorized, as on AWS.
    for resource in _named_parameters(response, action) or [request_resource(response, moto_resource)]:
        context = request_context(response, access_key)
        decision = policy_engine.evaluate(policies, action, resource, context, boundary)
        call_log.record(function, action, resource, decision.effect, decision.statement, role)
        if action.lower() == "sts:assumerole" and resource:
            _authorize_assume_role(access_key, decision.effect, resource)
        elif decision.effect != "allow":
            raise access_denied_error(response, access_key.arn, action, resource,
                                      explicit=decision.effect == "deny", by_boundary=decision.by_boundary)
    for key_arn in _keys_to_decrypt(response, action):  # SSM asks KMS as the caller, as on AWS
        context = request_context(response, access_key)
        kms = policy_engine.evaluate(policies, "kms:Decrypt", key_arn, context, boundary)
        call_log.record(function, "kms:Decrypt", key_arn, kms.effect, kms.statement, role)
        if kms.effect != "allow":
            error = access_denied_error(response, access_key.arn, "kms:Decrypt", key_arn,
                                        explicit=kms.effect == "deny", by_boundary=kms.by_boundary)
            error.message += KMS_SUFFIX.format(request_id=uuid.uuid4())
            error.description = json.dumps({"__type": error.error_type, "message": error.message})
            raise error


# ---------------------------------------------------------------- sts:AssumeRole from a role session


def _authorize_assume_role(access_key, identity_decision: str, target_arn: str) -> None:
    """AWS's rule: the target role's trust policy must let the caller in. A trust policy naming the
    caller's role (or session) suffices within the account; one naming the account (``…:root``) also
    needs an identity policy allowing sts:AssumeRole; an explicit Deny in either refuses."""
    from moto.core.exceptions import AccessDeniedError

    caller_account = access_key.account_id
    target_account = _account_of(target_arn)
    trust = "none"
    role = _find_role(target_account, access_key.partition, target_arn)
    if role is not None:
        trust = trust_decision(role.assume_role_policy_document, caller_account, _principal_arns(access_key))
    if identity_decision == "deny" or trust in ("deny", "none"):
        allowed = False
    elif trust == "allow" and target_account == caller_account:
        allowed = True
    else:  # the account is trusted, or the role is in another account: the caller's policies decide
        allowed = identity_decision == "allow"
    if not allowed:
        raise AccessDeniedError(user_arn=access_key.arn, action=f"sts:AssumeRole on resource: {target_arn}")


def trust_decision(document, account_id: str, principal_arns: set[str]) -> str:
    """How a role's trust policy answers sts:AssumeRole by an IAM principal of ``account_id``.

    ``"deny"`` (a Deny statement matches), ``"allow"`` (an Allow names one of ``principal_arns`` or
    ``*``), ``"account"`` (an Allow names only the account: its policies decide) or ``"none"``.
    Conditions are not evaluated.

    Example::

        trust_decision(doc, "123456789012", {"arn:aws:iam::123456789012:role/caller"})   # -> "allow"
    """
    try:
        statements = _as_list(_parse_policy(document)["Statement"])
    except (ValueError, KeyError, TypeError):
        return "none"
    decision = "none"
    for statement in statements:
        if not isinstance(statement, dict) or not _statement_applies(statement, "sts:AssumeRole", None):
            continue
        if "NotPrincipal" in statement:
            excluded = _principal_match(statement["NotPrincipal"], account_id, principal_arns)
            match = None if excluded else "allow"
        else:
            match = _principal_match(statement.get("Principal"), account_id, principal_arns)
        if match is None:
            continue
        if statement.get("Effect") == "Deny":
            return "deny"
        if statement.get("Effect") == "Allow" and decision != "allow":
            decision = match
    return decision


def _principal_match(principal, account_id: str, principal_arns: set[str]) -> str | None:
    """``"allow"`` when ``principal`` names the caller (or everyone), ``"account"`` for its account."""
    if principal == "*":
        return "allow"
    if not isinstance(principal, dict):
        return None
    match = None
    for value in _as_list(principal.get("AWS", [])):
        if not isinstance(value, str):
            continue
        if value == "*" or value in principal_arns:
            return "allow"
        if value == account_id or re.fullmatch(rf"arn:aws[\w-]*:iam::{account_id}:root", value):
            match = "account"
    return match


def _principal_arns(access_key) -> set[str]:
    """The ARNs a trust policy may name for a role session: the session's and its role's."""
    name, partition, account = access_key._owner_role_name, access_key.partition, access_key.account_id
    role = _find_role(account, partition, f"arn:{partition}:iam::{account}:role/{name}", by_name=name)
    role_arn = role.arn if role is not None else f"arn:{partition}:iam::{account}:role/{name}"
    return {access_key.arn, role_arn}


def _find_role(account_id: str | None, partition: str, role_arn: str, by_name: str | None = None):
    from moto.iam.models import iam_backends

    if not account_id:
        return None
    backend = iam_backends[account_id][partition]
    try:
        return backend.get_role(by_name) if by_name else backend.get_role_by_arn(role_arn)
    except Exception:  # no such role
        return None


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[2] == "iam" else None


def _parse_policy(document):
    return json.loads(unquote(document)) if isinstance(document, str) else document


@functools.cache
def _session_credentials_error():
    from moto.core.exceptions import AccessDeniedError

    class SessionCredentialsDenied(AccessDeniedError):
        """AWS's refusal of GetSessionToken/GetFederationToken signed with role-session credentials."""

        def __init__(self, operation: str):
            message = f"Cannot call {operation} with session credentials"
            super(AccessDeniedError, self).__init__("AccessDenied", message)

    return SessionCredentialsDenied


def _has_body(response) -> bool:
    """Whether the request carried a payload (raw, or a form moto has already parsed)."""
    return bool(response.raw_body) or bool(getattr(response, "form_data", None))


def _patch_lambda_control_plane() -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException, InvalidRoleFormat
    from moto.awslambda.models import LambdaBackend

    def require_assumable(backend, role_arn: str) -> None:
        from .moto_patch import active

        if active() is None:
            return  # no runtime: moto's own behaviour, as before activate() or install()
        match = re.match(InvalidRoleFormat.pattern, role_arn or "")
        if not match:
            raise InvalidRoleFormat(role_arn)
        if match.group(2) != backend.account_id:
            return  # moto answers cross-account roles itself
        try:
            check_role_assumable(backend.account_id, backend.region_name, role_arn)
        except RoleCannotBeAssumed:
            raise InvalidParameterValueException(CANNOT_BE_ASSUMED) from None

    original_create = LambdaBackend.create_function
    original_update = LambdaBackend.update_function_configuration

    @functools.wraps(original_create)
    def create_function(self, spec):
        if spec.get("FunctionName") is not None and "Role" in spec:
            require_assumable(self, spec["Role"])
        return original_create(self, spec)

    @functools.wraps(original_update)
    def update_function_configuration(self, function_name, qualifier, body):
        if "Role" in body:
            require_assumable(self, body["Role"])
        return original_update(self, function_name, qualifier, body)

    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_configuration = update_function_configuration
