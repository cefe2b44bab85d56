"""Sample events: real shapes, fresh copies, a few documented overrides, helpful errors."""

from __future__ import annotations

import base64
import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from workbook.events import describe, event_names, load_event

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "apigateway-http", "apigateway-rest", "dynamodb-stream", "eventbridge-custom",
    "eventbridge-scheduled", "kinesis", "s3-put", "sns", "sqs",
}  # fmt: skip


def test_every_announced_event_is_there():
    """Are S3, SQS, SNS, both API Gateway formats, EventBridge, DynamoDB and Kinesis all available?"""
    assert set(event_names()) == EXPECTED
    assert set(describe()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_event_is_in_our_region_and_account(name):
    """Does every event name us-east-1 and account 123456789012 wherever it names a region or an account?"""
    text = json.dumps(load_event(name))
    arns = [part.split(":") for part in text.split('"') if part.startswith("arn:aws:")]
    assert "us-east-1" in text
    assert {arn[3] for arn in arns} <= {"us-east-1", ""}  # S3 and IAM ARNs have no region
    assert {arn[4] for arn in arns} <= {"123456789012", ""}  # S3 ARNs have no account
    for field in ('"account": ', '"accountId": '):
        assert f'{field}"' not in text or f'{field}"123456789012"' in text


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("s3-put", ("Records", 0, "s3", "object", "key")),
        ("sqs", ("Records", 0, "receiptHandle")),
        ("sns", ("Records", 0, "Sns", "TopicArn")),
        ("apigateway-rest", ("requestContext", "identity", "sourceIp")),
        ("apigateway-http", ("requestContext", "http", "method")),
        ("eventbridge-scheduled", ("detail-type",)),
        ("eventbridge-custom", ("detail",)),
        ("dynamodb-stream", ("Records", 0, "dynamodb", "NewImage")),
        ("kinesis", ("Records", 0, "kinesis", "data")),
    ],
)
def test_each_event_has_its_services_fields(name, path):
    """Does each event carry the field its service is known by, where AWS puts it?"""
    value = load_event(name)
    for key in path:
        value = value[key]
    assert value not in (None, "")


def test_each_call_returns_a_fresh_copy():
    """Does changing one loaded event leave the next one untouched?"""
    first = load_event("sqs")
    first["Records"][0]["body"] = "changed"
    first["Records"].append({})
    assert len(load_event("sqs")["Records"]) == 1
    assert load_event("sqs")["Records"][0]["body"] != "changed"


def test_sqs_md5_matches_its_body():
    """Is md5OfBody the MD5 of the body, as SQS computes it, also after overriding the body?"""
    for event in (load_event("sqs"), load_event("sqs", body={"orderId": "A-7"})):
        record = event["Records"][0]
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


def test_sqs_body_override_sends_dicts_as_json():
    """Does body={"orderId": ...} arrive as a JSON string, like a real SQS body?"""
    assert load_event("sqs", body={"orderId": "A-7"})["Records"][0]["body"] == '{"orderId": "A-7"}'


def test_s3_overrides_change_bucket_arn_and_key():
    """Do bucket= and key= change the name, the bucket ARN and the object key together?"""
    s3 = load_event("s3-put", bucket="photos", key="cats/tom.jpg")["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["bucket"]["arn"], s3["object"]["key"]) == (
        "photos",
        "arn:aws:s3:::photos",
        "cats/tom.jpg",
    )


def test_http_api_overrides_keep_route_key_consistent():
    """Do method= and path= on an HTTP API event update rawPath, http.method and routeKey?"""
    event = load_event("apigateway-http", method="GET", path="/health")
    assert (event["rawPath"], event["requestContext"]["http"]["method"], event["routeKey"]) == (
        "/health",
        "GET",
        "GET /health",
    )


def test_rest_api_query_fills_both_query_fields():
    """Does query= on a REST API event fill queryStringParameters and multiValueQueryStringParameters?"""
    event = load_event("apigateway-rest", query={"page": "2"})
    assert event["queryStringParameters"] == {"page": "2"}
    assert event["multiValueQueryStringParameters"] == {"page": ["2"]}


def test_kinesis_data_is_base64_encoded_for_you():
    """Does data={"temp": 20} arrive base64-encoded, as Kinesis delivers it?"""
    data = load_event("kinesis", data={"temp": 20})["Records"][0]["kinesis"]["data"]
    assert json.loads(base64.b64decode(data)) == {"temp": 20}


def test_eventbridge_custom_overrides_use_dashed_detail_type():
    """Does detail_type= set the "detail-type" field EventBridge uses?"""
    event = load_event("eventbridge-custom", source="com.example.shop", detail_type="CartEmptied", detail={})
    assert (event["source"], event["detail-type"], event["detail"]) == ("com.example.shop", "CartEmptied", {})


def test_an_unknown_name_suggests_the_closest_and_lists_all():
    """Does a misspelt event name say which one was probably meant and list the names?"""
    with pytest.raises(ValueError, match="Did you mean 's3-put'") as raised:
        load_event("s3_put")
    assert "apigateway-http" in str(raised.value)


def test_an_unknown_override_lists_the_ones_that_work():
    """Does an override the event does not know name the ones it does?"""
    with pytest.raises(TypeError, match="Overrides for 'sqs': body"):
        load_event("sqs", bucket="x")


def test_the_json_files_ship_with_the_package():
    """Is events/*.json declared as package data, so an installed workbook has the events too?"""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "events/*.json" in config["tool"]["setuptools"]["package-data"]["workbook"]
