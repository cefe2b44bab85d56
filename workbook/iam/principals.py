"""The ``Principal`` element of a resource-based policy: does it name the caller?

A principal is named by ``"*"``, ``{"AWS": "*"}``, its account (``"210987654321"`` or
``arn:aws:iam::210987654321:root``), its own ARN, or a service (``{"Service": "s3.amazonaws.com"}``).

Example::

    names_caller({"AWS": "arn:aws:iam::210987654321:root"}, account="210987654321",
                 arns={"arn:aws:iam::210987654321:root"})   # -> True
"""

from __future__ import annotations

import re


def names_caller(
    principal,
    account: str | None = None,
    arns: set[str] | frozenset[str] = frozenset(),
    service: str | None = None,
) -> bool:
    """Whether ``principal`` names a caller of ``account`` with one of ``arns``, or the ``service``.

    Example::

        names_caller({"Service": "sns.amazonaws.com"}, service="sns.amazonaws.com")   # -> True
        names_caller("210987654321", account="210987654321")                          # -> True
    """
    if principal == "*":
        return True
    if isinstance(principal, str):  # moto keeps AddPermission's bare account id or ARN as it came
        principal = {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal}
    if not isinstance(principal, dict):
        return False
    if service is not None and service in _as_list(principal.get("Service", [])):
        return True
    for value in _as_list(principal.get("AWS", [])):
        if value == "*" or value in arns:
            return True
        if account is not None and (
            value == account or re.fullmatch(rf"arn:aws[\w-]*:iam::{account}:root", value)
        ):
            return True
    return False


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
