"""Resource-based policies with conditions: who may invoke a function, from which source."""

from __future__ import annotations

import pytest

from workbook.iam import resource_policy

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:thumbs"
BUCKET = "arn:aws:s3:::photos"


def statement(**overrides) -> dict:
    base = {
        "Sid": "s3",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": FUNCTION,
        "Condition": {
            "ArnLike": {"AWS:SourceArn": BUCKET},
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
        },
    }
    base.update(overrides)
    return base


def decide(statements, service="s3.amazonaws.com", resource=FUNCTION, **context) -> str:
    context = {"aws:SourceArn": BUCKET, "aws:SourceAccount": "123456789012", **context}
    return resource_policy.evaluate(
        statements, service=service, action="lambda:InvokeFunction", resource=resource, context=context
    )


def test_a_statement_whose_conditions_hold_allows():
    """Does S3 get in for the bucket and account the statement names?"""
    assert decide([statement()]) == "allow"


@pytest.mark.parametrize(
    "context", [{"aws:SourceArn": "arn:aws:s3:::other"}, {"aws:SourceAccount": "999999999999"}]
)
def test_another_source_is_not_allowed(context):
    """Is another bucket, or another account, left out by the conditions?"""
    assert decide([statement()], **context) == "implicit-deny"


def test_another_service_is_not_allowed():
    """Does a statement for S3 leave SNS out?"""
    assert decide([statement()], service="sns.amazonaws.com") == "implicit-deny"


def test_condition_keys_are_case_insensitive_and_arnlike_takes_wildcards():
    """Do aws:sourcearn and a wildcard bucket pattern match like on AWS?"""
    loose = statement(Condition={"ArnLike": {"aws:sourcearn": "arn:aws:s3:::phot*"}})
    assert decide([loose]) == "allow"


def test_an_explicit_deny_wins():
    """Does a Deny that applies beat an Allow?"""
    deny = statement(Effect="Deny", Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})
    assert decide([statement(), deny]) == "deny"


def test_a_missing_key_fails_positive_operators_and_passes_negated_ones():
    """Without aws:SourceArn in the context: StringLike fails, StringNotLike and …IfExists hold."""
    assert not resource_policy.conditions_hold({"StringLike": {"aws:SourceArn": "*"}}, {})
    assert resource_policy.conditions_hold({"StringNotLike": {"aws:SourceArn": "x"}}, {})
    assert resource_policy.conditions_hold({"ArnLikeIfExists": {"aws:SourceArn": "x"}}, {})
    assert resource_policy.conditions_hold({"Null": {"aws:SourceArn": "true"}}, {})


@pytest.mark.parametrize(
    "condition, context, expected",
    [
        ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),
        ({"StringNotEquals": {"k": ["a", "b"]}}, {"k": "b"}, False),
        ({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": "abc"}, True),
        ({"StringLike": {"k": "ord?r-*"}}, {"k": "order-1"}, True),
        (
            {"ArnEquals": {"k": "arn:aws:sns:us-east-1:123456789012:t"}},
            {"k": "arn:aws:sns:us-east-1:123456789012:t"},
            True,
        ),
        (
            {"ArnLike": {"k": "arn:aws:sns:*:123456789012:*"}},
            {"k": "arn:aws:sns:eu-west-1:123456789012:t"},
            True,
        ),
        ({"ArnNotLike": {"k": "arn:aws:sns:*:*:t"}}, {"k": "arn:aws:sns:us-east-1:123456789012:u"}, True),
        ({"NumericLessThan": {"k": "10"}}, {"k": 3}, True),
        ({"DateGreaterThan": {"k": "2020-01-01T00:00:00Z"}}, {"k": "2026-03-14T09:00:00Z"}, True),
        ({"Bool": {"k": "true"}}, {"k": True}, True),
        ({"ForAllValues:StringEquals": {"k": ["a", "b"]}}, {"k": ["a", "c"]}, False),
        ({"ForAnyValue:StringEquals": {"k": ["a", "b"]}}, {"k": ["a", "c"]}, True),
        ({"SomethingNew": {"k": "a"}}, {"k": "a"}, False),
    ],
)
def test_condition_operators(condition, context, expected):
    """Does each operator decide as IAM's does?"""
    assert resource_policy.conditions_hold(condition, context) is expected


def test_a_permission_on_an_alias_covers_that_alias_only():
    """Does a statement for …:live leave the unqualified function out, and $LATEST count as the function?"""
    alias = statement(Resource=f"{FUNCTION}:live")
    assert decide([alias], resource=f"{FUNCTION}:live") == "allow"
    assert decide([alias]) == "implicit-deny"
    assert decide([statement()], resource=f"{FUNCTION}:$LATEST") == "allow"


def test_statements_of_reads_a_policy_document():
    """Are the statements of GetPolicy's JSON text read, and anything else an empty list?"""
    assert resource_policy.statements_of('{"Statement": [{"Effect": "Allow"}]}') == [{"Effect": "Allow"}]
    assert resource_policy.statements_of("not json") == []
