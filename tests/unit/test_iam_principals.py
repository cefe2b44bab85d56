"""Principals of resource-based policies and the cross-account Invoke decision, without a sandbox."""

from __future__ import annotations

from workbook.iam.principals import names_caller
from workbook.lambda_runtime.cross_account import invoke_decision

OTHER = "210987654321"
ROOT = f"arn:aws:iam::{OTHER}:root"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def statement(principal, resource=FUNCTION, effect="Allow", **extra):
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": "lambda:InvokeFunction",
        "Resource": resource,
        **extra,
    }


def test_an_account_is_named_by_its_id_or_root_arn():
    """Does a principal naming the account by id or by :root ARN name its callers? Yes, and no other account's."""
    assert names_caller(OTHER, account=OTHER)
    assert names_caller({"AWS": ROOT}, account=OTHER)
    assert names_caller({"AWS": [ROOT]}, account=OTHER)
    assert not names_caller({"AWS": ROOT}, account="111122223333")


def test_wildcards_arns_and_services():
    """Do "*", a caller's own ARN and a service principal each name their caller? Yes."""
    assert names_caller("*", account=OTHER)
    assert names_caller(
        {"AWS": "arn:aws:iam::210987654321:role/partner"}, arns={"arn:aws:iam::210987654321:role/partner"}
    )
    assert names_caller({"Service": "s3.amazonaws.com"}, service="s3.amazonaws.com")
    assert not names_caller({"Service": "s3.amazonaws.com"}, service="sns.amazonaws.com", account=OTHER)


def test_invoke_needs_a_statement_on_exactly_the_arn_invoked():
    """Does a permission on the alias allow invoking the unqualified function? No, only the alias."""
    policy = {"Statement": [statement(OTHER, f"{FUNCTION}:live")]}
    assert invoke_decision(policy, OTHER, ROOT, f"{FUNCTION}:live") == "allow"
    assert invoke_decision(policy, OTHER, ROOT, FUNCTION) == "implicit-deny"
    assert invoke_decision(None, OTHER, ROOT, FUNCTION) == "implicit-deny"


def test_conditions_and_explicit_denies_apply():
    """Do a PrincipalAccount condition and an explicit Deny decide the invoke? Yes."""
    conditioned = statement("*", Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
    assert invoke_decision({"Statement": [conditioned]}, OTHER, ROOT, FUNCTION) == "allow"
    assert (
        invoke_decision(
            {"Statement": [conditioned]}, "111122223333", "arn:aws:iam::111122223333:root", FUNCTION
        )
        == "implicit-deny"
    )
    policy = {"Statement": [statement("*"), statement(OTHER, effect="Deny")]}
    assert invoke_decision(policy, OTHER, ROOT, FUNCTION) == "deny"
