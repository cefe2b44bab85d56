"""The Condition element, decided as the IAM documentation describes (workbook.iam.conditions)."""

from __future__ import annotations

import pytest

from workbook.iam.conditions import UnknownConditionOperator, conditions_hold, operator_holds


def holds(condition, **context):
    return conditions_hold(condition, {key.replace("__", ":"): value for key, value in context.items()})


def test_a_missing_key_makes_a_positive_operator_false():
    """Does StringEquals on a key the request lacks hold? No: the values do not match."""
    assert not operator_holds("StringEquals", None, ["iamuser-admin"])


@pytest.mark.parametrize(
    "operator",
    [
        "StringNotEquals",
        "StringNotLike",
        "ArnNotLike",
        "ArnNotEquals",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
    ],
)
def test_a_missing_key_makes_a_negated_operator_true(operator):
    """Does a negated operator hold when its key is missing? Yes, as the documentation says."""
    assert operator_holds(operator, None, ["x"])


def test_values_of_one_key_are_alternatives():
    """Do several values for one key mean OR? Yes: any listed value matches."""
    condition = {"StringEquals": {"aws:PrincipalTag/dept": ["finance", "legal"]}}
    assert holds(condition, **{"aws:PrincipalTag/dept": "legal"})
    assert not holds(condition, **{"aws:PrincipalTag/dept": "sales"})


def test_keys_and_operators_must_all_hold():
    """Do several keys and operators mean AND? Yes: one false condition makes the block false."""
    condition = {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-*"},
    }
    context = {"aws:SourceAccount": "111122223333", "aws:SourceArn": "arn:aws:s3:::uploads-1"}
    assert conditions_hold(condition, context)
    assert not conditions_hold(condition, {**context, "aws:SourceAccount": "444455556666"})


def test_a_negated_operator_with_several_values_means_none_of_them():
    """Does StringNotEquals with two values hold for one of them? No: the value must match neither."""
    assert not operator_holds("StringNotEquals", "us-east-1", ["us-east-1", "eu-west-1"])
    assert operator_holds("StringNotEquals", "ap-south-1", ["us-east-1", "eu-west-1"])


def test_key_names_are_case_insensitive_values_are_not():
    """Is aws:sourceaccount the same key as aws:SourceAccount? Yes; StringEquals values stay case-sensitive."""
    assert conditions_hold({"StringEquals": {"AWS:SOURCEACCOUNT": "a"}}, {"aws:SourceAccount": "a"})
    assert not operator_holds("StringEquals", "Finance", ["finance"])
    assert operator_holds("StringEqualsIgnoreCase", "Finance", ["finance"])


def test_string_like_wildcards():
    """Does StringLike take * and ? anywhere, and StringEquals treat them literally? Yes."""
    assert operator_holds("StringLike", "home/alice/notes.txt", ["home/*/notes.???"])
    assert not operator_holds("StringLike", "home/alice/notes.md", ["home/*/notes.???"])
    assert not operator_holds("StringEquals", "home/alice", ["home/*"])


def test_arn_operators_compare_part_by_part():
    """Does ArnLike match each ARN part with wildcards, and refuse a value that is not an ARN? Yes."""
    pattern = "arn:aws:sns:*:123456789012:orders-*"
    assert operator_holds("ArnLike", "arn:aws:sns:eu-west-1:123456789012:orders-eu", [pattern])
    assert not operator_holds("ArnLike", "arn:aws:sns:eu-west-1:210987654321:orders-eu", [pattern])
    assert not operator_holds("ArnEquals", "not-an-arn", [pattern])
    assert operator_holds("ArnNotLike", "arn:aws:s3:::other", ["arn:aws:s3:::uploads-*"])


def test_numeric_operators():
    """Does NumericLessThanEquals compare numbers (s3:max-keys ≤ 10, the documentation's example)? Yes."""
    assert operator_holds("NumericLessThanEquals", "10", ["10"])
    assert not operator_holds("NumericLessThanEquals", "11", ["10"])
    assert operator_holds("NumericGreaterThan", "2.5", ["2"])
    assert not operator_holds("NumericEquals", "ten", ["10"])


def test_date_operators_take_iso_8601_and_epoch_seconds():
    """Do Date operators compare ISO 8601 times and epoch seconds alike? Yes."""
    assert operator_holds("DateGreaterThan", "2026-11-28T06:00:00Z", ["2020-04-01T00:00:00Z"])
    assert operator_holds("DateLessThan", "2019-12-31T23:59:59Z", ["1577836800"])  # 2020-01-01 as epoch
    assert not operator_holds("DateLessThan", "2020-01-01T00:00:01Z", ["2020-01-01T00:00:00Z"])


def test_bool_aws_secure_transport():
    """Does Bool compare "true"/"false" whatever their case? Yes."""
    assert operator_holds("Bool", "false", ["false"])
    assert operator_holds("Bool", "TRUE", ["true"])
    assert not operator_holds("Bool", "true", ["false"])


def test_ip_address_ranges_ipv4_and_ipv6():
    """Do IpAddress/NotIpAddress test CIDR ranges, IPv6 included (the documentation's example)? Yes."""
    assert operator_holds("IpAddress", "203.0.113.7", ["203.0.113.0/24"])
    assert operator_holds("IpAddress", "2001:db8:1234:5678::1", ["2001:DB8:1234:5678::/64"])
    assert not operator_holds("IpAddress", "198.51.100.1", ["203.0.113.0/24"])
    assert operator_holds("NotIpAddress", "198.51.100.1", ["203.0.113.0/24"])


def test_if_exists_holds_when_the_key_is_missing():
    """Does StringLikeIfExists hold without its key, and test the key when present? Yes."""
    assert operator_holds("StringLikeIfExists", None, ["t1.*"])
    assert operator_holds("StringLikeIfExists", "t1.micro", ["t1.*"])
    assert not operator_holds("StringLikeIfExists", "m5.large", ["t1.*"])


def test_null_tests_presence():
    """Does Null "true" mean the key is absent, and "false" that it is present? Yes."""
    assert operator_holds("Null", None, ["true"])
    assert not operator_holds("Null", "2026-11-28T00:00:00Z", ["true"])
    assert operator_holds("Null", "2026-11-28T00:00:00Z", ["false"])


def test_for_all_values_every_request_value_must_be_allowed():
    """Does ForAllValues:StringEquals on aws:TagKeys reject a request with one tag outside the list? Yes."""
    allowed = ["environment", "cost-center"]
    assert operator_holds("ForAllValues:StringEquals", ["environment"], allowed)
    assert not operator_holds("ForAllValues:StringEquals", ["environment", "owner"], allowed)


def test_for_all_values_holds_for_a_missing_or_empty_key():
    """Does ForAllValues hold when the request has no such key? Yes: the documented pitfall."""
    assert operator_holds("ForAllValues:StringEquals", None, ["environment"])
    assert operator_holds("ForAllValues:StringEquals", [], ["environment"])


def test_for_any_value_needs_one_match_and_a_key():
    """Does ForAnyValue hold with one matching value, and fail for a missing key? Yes and no."""
    assert operator_holds("ForAnyValue:StringEquals", ["owner", "environment"], ["environment"])
    assert not operator_holds("ForAnyValue:StringEquals", ["owner"], ["environment"])
    assert not operator_holds("ForAnyValue:StringEquals", None, ["environment"])


def test_negated_set_operators():
    """Does ForAllValues:StringNotEquals require every value to avoid the list? Yes; ForAnyValue one of them."""
    assert operator_holds("ForAllValues:StringNotEquals", ["a", "b"], ["c"])
    assert not operator_holds("ForAllValues:StringNotEquals", ["a", "c"], ["c"])
    assert operator_holds("ForAnyValue:StringNotEquals", ["a", "c"], ["c"])


def test_an_unknown_operator_is_refused_in_one_sentence():
    """Is a misspelt operator an error naming it rather than a silent false? Yes."""
    with pytest.raises(UnknownConditionOperator, match="StringEqual'"):
        conditions_hold({"StringEqual": {"aws:SourceAccount": "1"}}, {})
    with pytest.raises(UnknownConditionOperator, match="ForEachValue"):
        operator_holds("ForEachValue:StringEquals", ["a"], ["a"])


def test_an_empty_condition_block_holds():
    """Does a statement without a Condition apply to every request? Yes."""
    assert conditions_hold(None, {})
    assert conditions_hold({}, {"aws:SourceIp": "127.0.0.1"})
