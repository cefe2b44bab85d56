"""EventBridge rules with a Lambda target: patterns, buses, permission, asynchronous delivery."""

from __future__ import annotations

import json

import pytest

from .async_helpers import starts, time_scale
from .lambda_helpers import create_function, log_messages

RECORDER = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"


@pytest.fixture
def fast(sb):
    with time_scale(sb, 6000):
        yield sb


def received(sb, name: str) -> list:
    return [json.loads(m[len("EVENT ") :]) for m in log_messages(sb, name) if m.startswith("EVENT ")]


def rule_to(sb, name: str, pattern: dict, bus: str = "default", allow: bool = True, **target) -> str:
    events = sb.client("events")
    arn = create_function(sb, name, RECORDER)["FunctionArn"]
    rule = events.put_rule(Name=f"to-{name}", EventBusName=bus, EventPattern=json.dumps(pattern))["RuleArn"]
    events.put_targets(Rule=f"to-{name}", EventBusName=bus, Targets=[{"Id": "fn", "Arn": arn, **target}])
    if allow:
        sb.client("lambda").add_permission(
            FunctionName=name,
            StatementId="events",
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=rule,
        )
    return rule


def put(sb, source: str, detail: dict, bus: str = "default") -> None:
    sb.client("events").put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": "Order Placed",
                "Detail": json.dumps(detail),
                "EventBusName": bus,
            }
        ]
    )


def test_a_matching_event_reaches_the_function_in_eventbridges_shape(fast):
    """Does an event matching the rule's pattern reach the function, with AWS's keys and an ISO time?"""
    rule_to(fast, "audit", {"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}})
    put(fast, "shop", {"total": 25})
    put(fast, "shop", {"total": 5})
    put(fast, "bank", {"total": 99})
    assert fast.settle(timeout=20)
    [event] = received(fast, "audit")
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert (event["source"], event["detail-type"], event["detail"]) == ("shop", "Order Placed", {"total": 25})
    assert event["account"] == "123456789012"
    assert event["time"].endswith("Z")


def test_a_custom_bus_delivers_its_own_events(fast):
    """Does a rule on a custom bus see that bus's events and not the default bus's?"""
    fast.client("events").create_event_bus(Name="orders")
    rule_to(fast, "audit", {"source": ["shop"]}, bus="orders")
    put(fast, "shop", {"where": "custom"}, bus="orders")
    put(fast, "shop", {"where": "default"})
    assert fast.settle(timeout=20)
    assert [e["detail"]["where"] for e in received(fast, "audit")] == ["custom"]


def test_without_permission_for_the_rule_nothing_runs(fast):
    """Is the function left alone when its policy does not allow events.amazonaws.com for this rule?"""
    rule_to(fast, "audit", {"source": ["shop"]}, allow=False)
    put(fast, "shop", {})
    assert fast.settle(timeout=20)
    assert starts(fast, "audit") == []


def test_input_and_input_path_shape_what_the_function_gets(fast):
    """Does a target's InputPath hand the function only that part of the event?"""
    rule_to(fast, "audit", {"source": ["shop"]}, InputPath="$.detail")
    put(fast, "shop", {"order": 7})
    assert fast.settle(timeout=20)
    assert received(fast, "audit") == [{"order": 7}]
