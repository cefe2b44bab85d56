"""The access log of handler calls and the least-privilege policy built from it (workbook.iam.call_log)."""

from __future__ import annotations

import pytest

from workbook.iam import call_log as log


@pytest.fixture(autouse=True)
def empty_log():
    log.clear()
    yield
    log.clear()


def test_entries_keep_the_decision_and_the_statement():
    """Does an entry say which function called what, whether it was allowed, and by which statement? Yes."""
    log.record(
        "orders", "s3:GetObject", "arn:aws:s3:::b/k", "allow", "read/ReadOrders", "arn:aws:iam::1:role/r"
    )
    log.record("orders", "s3:PutObject", "arn:aws:s3:::b/k", "implicit-deny", None, "arn:aws:iam::1:role/r")
    first, second = log.entries("orders")
    assert (first.action, first.allowed, first.statement) == ("s3:GetObject", True, "read/ReadOrders")
    assert (second.allowed, second.decision) == (False, "implicit-deny")
    assert log.entries("other") == []


def test_access_log_is_a_dataframe_with_fixed_columns():
    """Does access_log() give a pandas table, empty or not, with the same columns? Yes."""
    assert list(log.access_log().columns) == log.COLUMNS
    log.record("f", "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", "allow", "p/0", "arn:aws:iam::1:role/r")
    table = log.access_log("f")
    assert table.loc[0, "action"] == "sqs:SendMessage" and bool(table.loc[0, "allowed"])


def test_least_privilege_policy_grants_exactly_what_was_used():
    """Does the generated policy hold one statement per resource with the allowed actions only? Yes."""
    for action in ("s3:GetObject", "s3:PutObject", "s3:GetObject"):
        log.record("f", action, "arn:aws:s3:::b/k", "allow", "p/0", "r")
    log.record("f", "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t", "allow", "p/0", "r")
    log.record("f", "s3:DeleteObject", "arn:aws:s3:::b/k", "implicit-deny", None, "r")
    log.record("g", "sqs:SendMessage", None, "allow", "p/0", "r")
    policy = log.least_privilege_policy(log.access_log(), function="f")
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
        (["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/k"),
    ]


def test_denied_calls_and_unknown_resources_on_request():
    """Can the denied calls be included, and does a call without a known resource become Resource "*"? Yes."""
    log.record("g", "sqs:SendMessage", None, "implicit-deny", None, "r")
    policy = log.least_privilege_policy(function="g", include_denied=True)
    assert policy["Statement"] == [
        {"Sid": "Used1", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
    ]
    assert log.least_privilege_policy(function="g")["Statement"] == []
