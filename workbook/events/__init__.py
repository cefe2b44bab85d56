"""Sample events in the shapes AWS services send to Lambda (region us-east-1, account 123456789012).

Example::

    from workbook.events import load_event, event_names
    event_names()        # ['apigateway-http', 'apigateway-rest', 'dynamodb-stream', ...]
    event = load_event("s3-put", bucket="photos", key="cats/tom.jpg")
    event["Records"][0]["s3"]["object"]["key"]   # 'cats/tom.jpg'

Every call returns a fresh copy, so changing one event never changes the next.
"""

from __future__ import annotations

import base64
import copy
import difflib
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["describe", "event_names", "load_event"]


def _text(value: Any) -> str:
    """Bodies and messages travel as strings; dicts and lists are sent as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _s3_bucket(event, name):
    s3 = event["Records"][0]["s3"]
    s3["bucket"]["name"] = name
    s3["bucket"]["arn"] = f"arn:aws:s3:::{name}"


def _s3_key(event, key):
    event["Records"][0]["s3"]["object"]["key"] = key


def _s3_size(event, size):
    event["Records"][0]["s3"]["object"]["size"] = size


def _sqs_body(event, body):
    record = event["Records"][0]
    record["body"] = _text(body)
    record["md5OfBody"] = hashlib.md5(record["body"].encode()).hexdigest()


def _sns_message(event, message):
    event["Records"][0]["Sns"]["Message"] = _text(message)


def _sns_subject(event, subject):
    event["Records"][0]["Sns"]["Subject"] = subject


def _rest_method(event, method):
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method


def _rest_path(event, path):
    event["path"] = path
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"


def _rest_query(event, query):
    event["queryStringParameters"] = dict(query) or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None


def _http_method(event, method):
    event["requestContext"]["http"]["method"] = method
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {event['rawPath']}"


def _http_path(event, path):
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    method = event["requestContext"]["http"]["method"]
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"


def _http_query(event, query):
    event["queryStringParameters"] = dict(query)
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())


def _body(event, body):
    event["body"] = None if body is None else _text(body)


def _scheduled_rule(event, rule):
    event["resources"] = [f"arn:aws:events:{event['region']}:{event['account']}:rule/{rule}"]


def _set(key):
    def setter(event, value):
        event[key] = value

    return setter


def _kinesis_data(event, data):
    raw = data if isinstance(data, bytes) else _text(data).encode()
    event["Records"][0]["kinesis"]["data"] = base64.b64encode(raw).decode()


def _kinesis_partition_key(event, key):
    event["Records"][0]["kinesis"]["partitionKey"] = key


# event name -> {override keyword -> function that applies it}
_OVERRIDES = {
    "s3-put": {"bucket": _s3_bucket, "key": _s3_key, "size": _s3_size},
    "sqs": {"body": _sqs_body},
    "sns": {"message": _sns_message, "subject": _sns_subject},
    "apigateway-rest": {"method": _rest_method, "path": _rest_path, "query": _rest_query, "body": _body},
    "apigateway-http": {"method": _http_method, "path": _http_path, "query": _http_query, "body": _body},
    "eventbridge-scheduled": {"rule": _scheduled_rule, "time": _set("time")},
    "eventbridge-custom": {
        "source": _set("source"),
        "detail_type": _set("detail-type"),
        "detail": _set("detail"),
    },
    "dynamodb-stream": {},
    "kinesis": {"data": _kinesis_data, "partition_key": _kinesis_partition_key},
}

_DESCRIPTIONS = {
    "s3-put": "S3 ObjectCreated:Put notification (one record)",
    "sqs": "SQS message batch delivered by an event source mapping (one record)",
    "sns": "SNS notification (one record)",
    "apigateway-rest": "API Gateway REST API proxy integration, payload format 1.0",
    "apigateway-http": "API Gateway HTTP API, payload format 2.0",
    "eventbridge-scheduled": "EventBridge scheduled rule (cron/rate)",
    "eventbridge-custom": "EventBridge custom event from your own application",
    "dynamodb-stream": "DynamoDB stream batch: INSERT, MODIFY and REMOVE records",
    "kinesis": "Kinesis data stream batch (one record, data base64-encoded)",
}


def event_names() -> list[str]:
    """Which sample events are there?

    Example::

        from workbook.events import event_names
        event_names()   # ['apigateway-http', 'apigateway-rest', ..., 'sqs']
    """
    return sorted(_OVERRIDES)


@cache
def _template(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8"))


def load_event(name: str, **overrides) -> dict:
    """A fresh copy of the sample event ``name``, with a few common fields optionally replaced.

    Overrides each event understands (anything else: edit the returned dict yourself):

    ========================= ==============================================================
    ``s3-put``                ``bucket``, ``key``, ``size``
    ``sqs``                   ``body`` (a dict or list is sent as JSON; md5OfBody follows)
    ``sns``                   ``message`` (dict/list → JSON), ``subject``
    ``apigateway-rest``       ``method``, ``path``, ``query`` (dict), ``body`` (dict/list → JSON)
    ``apigateway-http``       ``method``, ``path``, ``query`` (dict), ``body`` (dict/list → JSON)
    ``eventbridge-scheduled`` ``rule`` (rule name), ``time``
    ``eventbridge-custom``    ``source``, ``detail_type``, ``detail`` (dict)
    ``dynamodb-stream``       none
    ``kinesis``               ``data`` (str/bytes/dict; base64-encoded for you), ``partition_key``
    ========================= ==============================================================

    Example::

        from workbook.events import load_event
        event = load_event("sqs", body={"orderId": "A-7", "amount": 12})
        event["Records"][0]["body"]          # '{"orderId": "A-7", "amount": 12}'
        load_event("apigateway-http", method="GET", path="/health")["rawPath"]   # '/health'
    """
    if name not in _OVERRIDES:
        close = difflib.get_close_matches(str(name), _OVERRIDES, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        available = ", ".join(event_names())
        raise ValueError(f"there is no sample event named {name!r}.{suggestion} Available: {available}")
    setters = _OVERRIDES[name]
    unknown = sorted(set(overrides) - set(setters))
    if unknown:
        allowed = ", ".join(setters) or "none"
        raise TypeError(
            f"load_event({name!r}) does not understand {', '.join(unknown)}. "
            f"Overrides for {name!r}: {allowed}. For anything else, change the returned dict."
        )
    event = copy.deepcopy(_template(name))
    for key, value in overrides.items():
        setters[key](event, value)
    return event


def describe() -> dict[str, str]:
    """What is each sample event? (name → one-line description)

    Example::

        from workbook.events import describe
        describe()["sqs"]   # 'SQS message batch delivered by an event source mapping (one record)'
    """
    return dict(sorted(_DESCRIPTIONS.items()))
