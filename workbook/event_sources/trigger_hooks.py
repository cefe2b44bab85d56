"""Where S3, SNS and EventBridge triggers plug into moto (the only module here touching those internals).

moto calls a Lambda function *inside* the request that caused the event (a ``PutObject`` waits for
the handler) and without asking the function's resource-based policy. While a runtime is active:

* ``S3Backend.put_bucket_notification_configuration`` — refuses Lambda configurations the function's
  policy does not allow (:mod:`.s3_notifications`), unless ``x-amz-skip-destination-validation``;
* ``moto.s3.notifications.send_event`` — Lambda configurations get S3's event on the function's
  queue; moto's own synchronous call (``_invoke_awslambda``) is switched off; queues, topics and
  EventBridge are still moto's;
* SNS ``Subscription.publish`` — ``lambda`` subscriptions get SNS's event on the queue
  (:mod:`.sns_subscriptions`);
* EventBridge ``Rule.send_to_targets`` — Lambda targets get the event on the queue
  (:mod:`.eventbridge_targets`); moto has no Lambda targets and would fail on them.
* ``BaseResponse.setup_class`` — remembers the request being answered on this thread, so a trigger
  knows whether a handler (a role session of a function) caused it: recursive loop detection counts
  the hops of such chains.

Without an active runtime every patch calls moto's original.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import threading

from workbook.lambda_runtime.moto_patch import once

log = logging.getLogger(__name__)

_request = threading.local()
_CREDENTIAL = re.compile(r"Credential=(ASIA[A-Z0-9]+)/\d+/([a-z0-9-]+)/")


def _runtime():
    from workbook.lambda_runtime import moto_patch

    return moto_patch.active()


@once
def install() -> None:
    """Patch moto once (idempotent)."""
    _patch_request_context()
    _patch_s3()
    _patch_sns()
    _patch_events()


# ---------------------------------------------------------------- the request on this thread


def _patch_request_context() -> None:
    from moto.core.responses import BaseResponse

    original = BaseResponse.setup_class

    @functools.wraps(original)
    def setup_class(self, request, *args, **kwargs):
        _request.headers = getattr(request, "headers", None)
        return original(self, request, *args, **kwargs)

    BaseResponse.setup_class = setup_class


def current_headers():
    """The headers of the request this thread is answering (None outside a request)."""
    return getattr(_request, "headers", None)


def calling_function(headers=None) -> tuple[str, str, str] | None:
    """``(account, region, function name)`` whose execution role signed the current request, or None."""
    headers = current_headers() if headers is None else headers
    if not headers:
        return None
    match = _CREDENTIAL.search(headers.get("Authorization") or "")
    if match is None:
        return None
    key_id, region = match.group(1), match.group(2)
    from moto.sts.models import sts_backends

    for account_id in list(sts_backends.keys()):
        for backend in list(sts_backends[account_id].values()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == key_id:
                    name = role.session_name
                    return role.account_id, region, name.removesuffix("@lambda_function")
    return None


def _hops(runtime) -> int:
    """The hop count of an event the current request causes: one more than the handler's own event."""
    caller = calling_function()
    if caller is None:
        return 0
    return runtime.async_events.hops_of_running(caller) + 1


def _principal_id(runtime) -> str:
    caller = calling_function()
    if caller is not None:
        return f"AWS:AROA{caller[0]}:{caller[2]}"
    return f"AWS:AIDA{runtime.region.upper().replace('-', '')}"


# ---------------------------------------------------------------- S3


def _patch_s3() -> None:
    from moto.s3 import notifications
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import S3Backend

    from . import s3_notifications, triggers

    original_put = S3Backend.put_bucket_notification_configuration

    @functools.wraps(original_put)
    def put_bucket_notification_configuration(self, bucket_name, notification_config):
        if _runtime() is not None and notification_config:
            headers = current_headers() or {}
            if str(headers.get("x-amz-skip-destination-validation", "")).lower() != "true":
                configurations = notification_config.get("CloudFunctionConfiguration") or []
                arns = [c.get("CloudFunction") for c in configurations]
                bucket = self.get_bucket(bucket_name)
                refused = s3_notifications.unvalidated([a for a in arns if a], bucket_name, bucket.account_id)
                if refused:
                    raise S3ClientError("InvalidArgument", s3_notifications.UNABLE_TO_VALIDATE)
        return original_put(self, bucket_name, notification_config)

    S3Backend.put_bucket_notification_configuration = put_bucket_notification_configuration

    original_send_event = notifications.send_event
    original_invoke = notifications._invoke_awslambda

    @functools.wraps(original_send_event)
    def send_event(account_id, event_name, bucket, key):
        runtime = _runtime()
        configuration = getattr(bucket, "notification_configuration", None)
        if runtime is not None and configuration is not None:
            hops = _hops(runtime) if configuration.cloud_function else 0
            for notification in configuration.cloud_function:
                if not notification.matches(event_name, key.name):
                    continue
                event = s3_notifications.s3_event(event_name, bucket, key, notification.id,
                                                  _principal_id(runtime), bucket.region_name)
                triggers.deliver(runtime, notification.arn, s3_notifications.SERVICE,
                                 s3_notifications.bucket_arn(bucket.name), bucket.account_id, event,
                                 source="s3", hops=hops)
        return original_send_event(account_id, event_name, bucket, key)

    def invoke_awslambda(*args, **kwargs):
        if _runtime() is not None:
            return None  # sent to the queue by send_event above
        return original_invoke(*args, **kwargs)

    notifications.send_event = send_event
    notifications._invoke_awslambda = invoke_awslambda


# ---------------------------------------------------------------- SNS


def _patch_sns() -> None:
    from moto.sns.models import Subscription

    from . import sns_subscriptions, triggers

    original_publish = Subscription.publish

    @functools.wraps(original_publish)
    def publish(self, message, message_id, subject=None, message_attributes=None, group_id=None,
                deduplication_id=None, message_structure=None):
        runtime = _runtime()
        if runtime is None or self.protocol != "lambda":
            return original_publish(self, message, message_id, subject=subject,
                                    message_attributes=message_attributes, group_id=group_id,
                                    deduplication_id=deduplication_id, message_structure=message_structure)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        topic_arn = self.topic.arn
        region = topic_arn.split(":")[3]
        event = sns_subscriptions.sns_event(self.arn, topic_arn, message_id, message, subject,
                                            message_attributes, region)
        triggers.deliver(runtime, self.endpoint, sns_subscriptions.SERVICE, topic_arn, self.account_id, event,
                         source="sns", hops=_hops(runtime))
        return None

    Subscription.publish = publish


# ---------------------------------------------------------------- EventBridge


def _patch_events() -> None:
    from moto.events.models import Rule

    from . import eventbridge_targets, triggers

    original_send = Rule.send_to_targets

    @functools.wraps(original_send)
    def send_to_targets(self, original_event, transform_input=True):
        runtime = _runtime()
        lambda_targets = [t for t in self.targets if _is_lambda(t.get("Arn"))]
        if runtime is None or not lambda_targets:
            return original_send(self, original_event, transform_input)
        others = copy.copy(self)
        others.targets = [t for t in self.targets if not _is_lambda(t.get("Arn"))]
        if others.targets:
            original_send(others, original_event, transform_input)
        if getattr(self, "state", "ENABLED") != "ENABLED":
            return None
        if not self.event_pattern.matches_event(original_event):
            return None
        event = eventbridge_targets.lambda_event(original_event)
        hops = _hops(runtime)
        for target in lambda_targets:
            payload = eventbridge_targets.target_payload(target, event) if transform_input else event
            triggers.deliver(runtime, target["Arn"], eventbridge_targets.SERVICE, self.arn, self.account_id,
                             payload, source="events", hops=hops)
        return None

    Rule.send_to_targets = send_to_targets


def _is_lambda(arn) -> bool:
    return isinstance(arn, str) and arn.startswith("arn:") and arn.split(":")[2:3] == ["lambda"]
