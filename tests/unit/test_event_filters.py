"""Filter patterns (AWS's syntax), and how mappings apply them to SQS, Kinesis and DynamoDB records."""

import base64
import json

import pytest

from workbook.event_sources import filters
from workbook.event_sources.patterns import InvalidPattern, matches, parse


@pytest.mark.parametrize(
    ("rules", "value", "expected"),
    [
        (["Alice"], "Alice", True),
        (["Alice"], "alice", False),
        ([100], 100, True),
        ([100], 100.0, False),  # numbers match by their representation, as on AWS
        ([100], "100", False),
        ([True], True, True),
        ([1], True, False),
        ([None], None, True),
        ([None], "", False),
        ([""], "", True),
        (["Credit", "Debit"], "Debit", True),
        ([{"prefix": "us-"}], "us-east-1", True),
        ([{"prefix": "us-"}], "eu-west-1", False),
        ([{"prefix": {"equals-ignore-case": "US-"}}], "us-east-1", True),
        ([{"suffix": ".png"}], "cat.png", True),
        ([{"equals-ignore-case": "ALICE"}], "alice", True),
        ([{"wildcard": "img/*.png"}], "img/cat.png", True),
        ([{"wildcard": "img/*.png"}], "doc/cat.png", False),
        ([{"anything-but": ["Raining"]}], "Sunny", True),
        ([{"anything-but": ["Raining"]}], "Raining", False),
        ([{"anything-but": {"prefix": "test-"}}], "test-1", False),
        ([{"numeric": ["=", 100]}], 100, True),
        ([{"numeric": [">", 10, "<=", 20]}], 20, True),
        ([{"numeric": [">", 10, "<=", 20]}], 10, False),
        ([{"numeric": [">", 10]}], "11", False),
        ([{"cidr": "10.0.0.0/24"}], "10.0.0.7", True),
        ([{"cidr": "10.0.0.0/24"}], "10.0.1.7", False),
        (["a"], ["x", "a"], True),  # a list value matches when one element does
    ],
)
def test_rules_match_values_as_aws_does(rules, value, expected):
    """Does each comparison operator match (and refuse) the values AWS's does?"""
    assert matches(parse({"field": rules}), {"field": value}) is expected


def test_exists_and_missing_fields():
    """Does `exists` test presence, and do other rules never match a missing field?"""
    assert matches(parse({"a": [{"exists": True}]}), {"a": None})
    assert not matches(parse({"a": [{"exists": True}]}), {})
    assert matches(parse({"a": [{"exists": False}]}), {"b": 1})
    assert not matches(parse({"a": [{"anything-but": ["x"]}]}), {})
    assert not matches(parse({"a": [None]}), {})
    assert matches(parse({"a": {"b": [{"exists": False}]}}), {})


def test_nesting_and_and_or():
    """Are keys ANDed, rule lists ORed, nested objects followed, and `$or` alternatives tried?"""
    pattern = parse({"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}, "eventName": ["INSERT", "MODIFY"]})
    event = {"eventName": "MODIFY", "dynamodb": {"Keys": {"Id": {"N": "101"}}}}
    assert matches(pattern, event)
    assert not matches(pattern, {**event, "eventName": "REMOVE"})
    either = parse({"$or": [{"a": [1]}, {"b": [2]}]})
    assert matches(either, {"b": 2}) and not matches(either, {"a": 2})


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x"}',
        '{"a": []}',
        "[1]",
        "not json",
        '{"a": [{"nope": 1}]}',
        '{"a": [{"numeric": [">", "x"]}]}',
        '{"a": [{"numeric": ["<", 1, ">", 5]}]}',
        '{"a": [{"exists": "yes"}]}',
        "{}",
        '{"$or": [{"a": [1]}]}',
    ],
)
def test_invalid_patterns_are_refused(text):
    """Is a malformed pattern refused with InvalidPattern instead of silently matching nothing?"""
    with pytest.raises(InvalidPattern):
        parse(text)


def _criteria(*patterns):
    return {"Filters": [{"Pattern": json.dumps(pattern)} for pattern in patterns]}


def test_sqs_json_pattern_needs_a_json_body():
    """For SQS, does a JSON `body` pattern drop plain-text messages, and a plain-string one drop JSON?"""
    as_json = filters.record_filter(_criteria({"body": {"kind": ["order"]}}), "sqs")
    assert as_json({"body": '{"kind": "order"}'})
    assert not as_json({"body": '{"kind": "refund"}'})
    assert not as_json({"body": "kind order"})
    as_text = filters.record_filter(_criteria({"body": [{"prefix": "order"}]}), "sqs")
    assert as_text({"body": "order 42"})
    assert not as_text({"body": '{"order": 42}'})


def test_sqs_filters_are_alternatives_and_see_metadata():
    """Does a record pass when any one filter matches, and can filters read attributes?"""
    accepts = filters.record_filter(
        _criteria({"body": {"kind": ["order"]}}, {"attributes": {"MessageGroupId": ["vip"]}}), "sqs"
    )
    assert accepts({"body": "plain", "attributes": {"MessageGroupId": "vip"}})
    assert not accepts({"body": "plain", "attributes": {"MessageGroupId": "std"}})


def test_no_filters_accept_everything():
    """With no FilterCriteria (or an empty one), does every record pass?"""
    assert filters.record_filter(None, "sqs")({"body": "x"})
    assert filters.record_filter({}, "kinesis")({"kinesis": {"data": "eA=="}})


def test_kinesis_data_is_decoded_before_filtering():
    """For Kinesis, is `data` decoded JSON for the pattern, and non-JSON data dropped by a data filter?"""
    accepts = filters.record_filter(_criteria({"data": {"temperature": [{"numeric": [">", 50]}]}}), "kinesis")

    def record(payload: bytes):
        return {"kinesis": {"partitionKey": "p", "data": base64.b64encode(payload).decode()}}

    assert accepts(record(b'{"temperature": 61}'))
    assert not accepts(record(b'{"temperature": 12}'))
    assert not accepts(record(b"hot"))
    by_key = filters.record_filter(_criteria({"partitionKey": ["p"]}), "kinesis")
    assert by_key(record(b"not json at all"))


def test_dynamodb_filters_see_the_record():
    """For DynamoDB, can a filter select on eventName and on the new image?"""
    accepts = filters.record_filter(
        _criteria({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["paid"]}}}}),
        "dynamodb",
    )
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"status": {"S": "paid"}}}}
    assert accepts(record)
    assert not accepts({**record, "eventName": "MODIFY"})


@pytest.mark.parametrize(
    "criteria",
    [
        {"Filters": [{"Pattern": "not json"}]},
        {"Filters": [{}]},
        {"Filters": [{"Pattern": '{"data": ["x"]}'}]},
    ],
)
def test_invalid_filter_criteria_get_aws_message(criteria):
    """Is an invalid FilterCriteria refused with AWS's 'Invalid filter pattern definition.'?"""
    with pytest.raises(ValueError, match=r"^Invalid filter pattern definition\.$"):
        filters.patterns_of(criteria, "kinesis")
