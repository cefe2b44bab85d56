"""EventBridge rules with a Lambda target: the event the function receives.

When an event on a bus (the default one or a custom bus) matches a rule's pattern, each Lambda target
of the rule is invoked asynchronously — if the function's resource-based policy lets
``events.amazonaws.com`` invoke it for the rule (``AddPermission`` with ``SourceArn`` = the rule's ARN).
The function receives the event itself (``version``, ``id``, ``detail-type``, ``source``, ``account``,
``time``, ``region``, ``resources``, ``detail``), or what the target's ``Input``, ``InputPath`` or
``InputTransformer`` makes of it.

Example::

    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    lam.add_permission(FunctionName="audit", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule="orders", Targets=[{"Id": "audit", "Arn": function_arn}])
"""

from __future__ import annotations

import datetime as dt
import json

SERVICE = "events.amazonaws.com"
EVENT_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def lambda_event(event: dict) -> dict:
    """The event as a Lambda target receives it: AWS's keys only, ``time`` as ISO 8601 (seconds, ``Z``)."""
    shaped = {key: event[key] for key in EVENT_KEYS if key in event}
    when = shaped.get("time")
    if isinstance(when, (int, float)):
        shaped["time"] = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return shaped


def target_payload(target: dict, event: dict):
    """What a target receives: ``Input`` (constant JSON), ``InputPath`` (a part of the event),
    ``InputTransformer`` (a template), or the whole event."""
    if target.get("Input") is not None:
        try:
            return json.loads(target["Input"])
        except ValueError:
            return target["Input"]
    if target.get("InputPath"):
        return _path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer:
        from moto.events.utils import EventTemplateParser

        text = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
        if isinstance(text, str):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    return event


def _path(event: dict, path: str):
    """A simple JSONPath (``$``, ``$.detail``, ``$.detail.items``) into the event."""
    value = event
    for part in [p for p in path.lstrip("$").split(".") if p]:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
