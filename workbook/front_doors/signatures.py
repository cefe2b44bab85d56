"""``AWS_IAM`` function URLs: who signed the request (SigV4, service ``lambda``), and may they invoke it?

:func:`signer` recomputes the request's SigV4 signature with botocore's ``SigV4Auth`` and the secret of
the access key it names: the sandbox's own key (the account's root), an IAM user's key or a role
session's key the sandbox issued. A key nobody issued, a wrong signature, a session key without its
token, or a scope for another service than ``lambda`` gives None (the front door answers 403). Under
plain ``mock_aws()`` (no sandbox), a key moto does not know is moto's default caller, the account's
root, as moto itself treats it; its signature cannot be checked.

:func:`may_invoke_url` decides ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` for the
signer: an explicit ``Deny`` in its identity policies or the function's policy refuses; otherwise an
``Allow`` in either grants (both must, for a caller of another account). The root of the function's
account needs no identity policy.

Example::

    caller = signer("GET", "http://127.0.0.1:50123/?a=1", headers, b"", account_id="123456789012")
    caller.arn      # 'arn:aws:iam::123456789012:user/ada'
"""

from __future__ import annotations

import hmac
from typing import NamedTuple

SERVICE = "lambda"
_ALGORITHM = "AWS4-HMAC-SHA256"


class Signer(NamedTuple):
    """Who signed a request: ``arn``, ``account_id``, ``access_key``, ``user_id`` and their policies."""

    access_key: str
    account_id: str
    arn: str
    user_id: str
    policies: tuple = ()
    root: bool = False


def _scope(authorization: str) -> dict[str, str] | None:
    """``Credential``, ``SignedHeaders`` and ``Signature`` of a SigV4 ``Authorization`` header."""
    if not authorization.startswith(_ALGORITHM + " "):
        return None
    parts = {}
    for item in authorization[len(_ALGORITHM) + 1 :].split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return parts


def _credentials_of(key_id: str, session_token: str | None):
    """``(botocore Credentials, Signer without policies)`` for a key the sandbox or moto issued, or None."""
    from botocore.credentials import Credentials
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
    from moto.iam.models import iam_backends

    from workbook.sandbox.isolation import ACCOUNT_ID, FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

    if key_id == FAKE_ACCESS_KEY_ID:
        root = f"arn:aws:iam::{ACCOUNT_ID}:root"
        who = Signer(key_id, ACCOUNT_ID, root, ACCOUNT_ID, root=True)
        return Credentials(key_id, FAKE_SECRET_ACCESS_KEY), who
    headers = {"X-Amz-Security-Token": session_token} if session_token else {}
    for account_id, partitions in list(iam_backends.items()):
        for partition in list(partitions.keys()):
            try:
                access_key = create_access_key(account_id, partition, key_id, headers)
            except (CreateAccessKeyFailure, KeyError):
                continue
            owner = getattr(access_key, "_owner_user_name", None)
            user_id = owner or getattr(access_key, "_session_name", "")
            who = Signer(key_id, account_id, access_key.arn, user_id, tuple(_documents(access_key)))
            return access_key.create_credentials(), who
    return None


def _documents(access_key) -> list[dict]:
    from workbook.lambda_runtime.iam import role_policy_documents

    return role_policy_documents(access_key)


def signer(method: str, url: str, headers: dict[str, str], body: bytes, *, account_id: str,
           trust_unknown_keys: bool = False) -> Signer | None:
    """Who signed this request for service ``lambda``, or None when its signature does not hold.

    ``headers`` maps header names (any case) to values as received; ``trust_unknown_keys`` makes a key
    nobody issued the root of ``account_id`` (plain ``mock_aws()``, where moto accepts any key).
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    lowered = {name.lower(): value for name, value in headers.items()}
    parts = _scope(lowered.get("authorization", ""))
    if parts is None or "x-amz-date" not in lowered:
        return None
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[3] != SERVICE or scope[4] != "aws4_request":
        return None
    key_id, region = scope[0], scope[2]
    found = _credentials_of(key_id, lowered.get("x-amz-security-token"))
    if found is None:
        if not trust_unknown_keys:
            return None
        root = f"arn:aws:iam::{account_id}:root"
        return Signer(key_id, account_id, root, account_id, root=True)
    credentials, who = found
    signed = parts["SignedHeaders"].split(";")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={name: lowered[name] for name in signed if name in lowered})
    request.context["timestamp"] = lowered["x-amz-date"]
    auth = SigV4Auth(credentials, SERVICE, region)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, parts["Signature"]):
        return None
    return who


def may_invoke_url(who: Signer, statements: list[dict], function_arn: str, context: dict) -> bool:
    """Whether ``who`` may call the URL: both ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``."""
    from workbook.iam import policy, resource_policy

    function_account = function_arn.split(":")[4]
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
        by_resource = resource_policy.evaluate(statements, action=action, resource=function_arn,
                                               context=context, principal_arn=who.arn,
                                               account_id=who.account_id)
        if by_resource == "deny":
            return False
        if who.root and who.account_id == function_account:
            continue
        by_identity = policy.evaluate(list(who.policies), action, function_arn, context).effect
        if by_identity == "deny":
            return False
        if who.account_id == function_account:
            allowed = by_resource == "allow" or by_identity == "allow"
        else:  # another account: its own policies and the function's must both allow
            allowed = by_resource == "allow" and by_identity == "allow"
        if not allowed:
            return False
    return True
