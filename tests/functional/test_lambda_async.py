"""Asynchronous invokes: the event queue, retries, back-off, event age and the sandbox's time scale."""

from __future__ import annotations

import pytest

from workbook.lambda_runtime import clock
from workbook.sandbox.core import SandboxError

from .async_helpers import EXITING, FAILING, metric, queue, records, starts, time_scale, wait_for
from .lambda_helpers import create_function


@pytest.fixture
def fast(sb):
    """The sandbox with AWS's waits 6000 times shorter (a one-minute retry after 10 ms)."""
    with time_scale(sb, 6000):
        yield sb


def invoke_event(sb, name: str, payload: bytes = b"{}", **kwargs) -> str:
    response = sb.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=payload, **kwargs
    )
    assert response["StatusCode"] == 202
    return response["ResponseMetadata"]["RequestId"]


def test_a_failed_event_runs_three_times_with_one_request_id(fast):
    """Does a function error get two retries, all three attempts under the request id Invoke answered?"""
    create_function(fast, "broken", FAILING)
    request_id = invoke_event(fast, "broken", b'{"n": 1}')
    assert fast.settle(timeout=20)
    assert [rid for _, rid in starts(fast, "broken")] == [request_id] * 3


def test_retries_are_one_then_two_minutes_apart_in_the_logs(fast):
    """Do the log timestamps show AWS's waits (1 min, then 2 min) although the retries took milliseconds?"""
    create_function(fast, "broken", FAILING)
    invoke_event(fast, "broken")
    assert fast.settle(timeout=20)
    (first, _), (second, _), (third, _) = starts(fast, "broken")
    assert 60_000 <= second - first < 65_000
    assert 120_000 <= third - second < 125_000


def test_maximum_retry_attempts_zero_runs_once(fast):
    """With MaximumRetryAttempts=0, does a failing event run exactly once?"""
    create_function(fast, "broken", FAILING)
    fast.client("lambda").put_function_event_invoke_config(FunctionName="broken", MaximumRetryAttempts=0)
    invoke_event(fast, "broken")
    assert fast.settle(timeout=20)
    assert len(starts(fast, "broken")) == 1


def test_a_runtime_exit_is_a_function_error_and_is_retried(fast):
    """Is a handler that calls sys.exit retried like one that raises?"""
    create_function(fast, "quitter", EXITING)
    fast.client("lambda").put_function_event_invoke_config(FunctionName="quitter", MaximumRetryAttempts=1)
    invoke_event(fast, "quitter")
    assert fast.settle(timeout=20)
    assert len(starts(fast, "quitter")) == 2


def test_a_timeout_is_retried(fast):
    """Is Sandbox.Timedout a function error that the queue retries?"""
    create_function(
        fast, "sleepy", "import time\ndef handler(event, context):\n    time.sleep(5)\n", Timeout=1
    )
    fast.client("lambda").put_function_event_invoke_config(FunctionName="sleepy", MaximumRetryAttempts=1)
    invoke_event(fast, "sleepy")
    assert fast.settle(timeout=30)
    assert len(starts(fast, "sleepy")) == 2


def test_a_successful_event_runs_once(fast):
    """Does an event that succeeds run once, with no retry?"""
    create_function(fast, "fine", "def handler(event, context):\n    return 1\n")
    invoke_event(fast, "fine")
    assert fast.settle(timeout=20)
    assert len(starts(fast, "fine")) == 1


def test_throttled_events_wait_their_turn_and_keep_their_request_ids(fast):
    """With reserved concurrency 1, do three events all run in the end, each once, each under its own id?"""
    create_function(fast, "single", "import time\ndef handler(event, context):\n    time.sleep(0.2)\n")
    lam = fast.client("lambda")
    lam.put_function_concurrency(FunctionName="single", ReservedConcurrentExecutions=1)
    request_ids = [invoke_event(fast, "single") for _ in range(3)]
    assert fast.settle(timeout=30)
    assert sorted(rid for _, rid in starts(fast, "single")) == sorted(request_ids)
    assert metric(fast, "Throttles", {"FunctionName": "single"}) >= 1


def test_an_event_too_old_for_its_retry_goes_to_the_failure_destination(fast):
    """With MaximumEventAgeInSeconds=60, is a failed event given up (EventAgeExceeded) after one attempt,
    since its retry would come one minute later?"""
    url, arn = queue(fast, "failures")
    create_function(fast, "broken", FAILING)
    fast.client("lambda").put_function_event_invoke_config(
        FunctionName="broken",
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    request_id = invoke_event(fast, "broken", b'{"n": 7}')
    assert fast.settle(timeout=20)
    [record] = records(fast, url)
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:broken:$LATEST",
        "condition": "EventAgeExceeded",
        "approximateInvokeCount": 1,
    }
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "broken: 7"


def test_zero_reserved_concurrency_sends_the_event_straight_to_the_failure_destination(fast):
    """With reserved concurrency 0, does the event skip the function (approximateInvokeCount 0, no
    response)?"""
    url, arn = queue(fast, "failures")
    create_function(fast, "off", "def handler(event, context):\n    return 1\n")
    lam = fast.client("lambda")
    lam.put_function_concurrency(FunctionName="off", ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(
        FunctionName="off", DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    request_id = invoke_event(fast, "off", b'{"order": 1}')
    assert fast.settle(timeout=20)
    [record] = records(fast, url)
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload"}
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestPayload"] == {"order": 1}
    assert starts(fast, "off") == []


def test_async_metrics_count_the_event_its_age_and_its_drop(fast):
    """After a failing event's three attempts: one event received, three ages (the last at least 3 minutes
    of sandbox time), one event dropped — per function and per resource?"""
    create_function(fast, "broken", FAILING)
    invoke_event(fast, "broken")
    assert fast.settle(timeout=20)
    for dimensions in ({"FunctionName": "broken"}, {"FunctionName": "broken", "Resource": "broken"}):
        assert metric(fast, "AsyncEventsReceived", dimensions) == 1
        assert metric(fast, "AsyncEventsDropped", dimensions) == 1
        assert metric(fast, "AsyncEventAge", dimensions, stat="SampleCount") == 3
        assert metric(fast, "AsyncEventAge", dimensions, stat="Maximum") >= 180_000


def test_an_alias_invoke_uses_the_alias_config_and_reports_the_alias(fast):
    """Does an event sent to an alias follow the alias' event invoke config, not $LATEST's?"""
    create_function(fast, "broken", FAILING)
    lam = fast.client("lambda")
    version = lam.publish_version(FunctionName="broken")["Version"]
    lam.create_alias(FunctionName="broken", Name="live", FunctionVersion=version)
    lam.put_function_event_invoke_config(FunctionName="broken", Qualifier="live", MaximumRetryAttempts=0)
    invoke_event(fast, "broken", Qualifier="live")
    assert fast.settle(timeout=20)
    assert len(starts(fast, "broken")) == 1
    assert metric(fast, "AsyncEventsReceived", {"FunctionName": "broken", "Resource": "broken:live"}) == 1


def test_time_scale_is_a_public_setting_with_a_sensible_default(sb):
    """Is sb.time_scale 60 unless WORKBOOK_TIME_SCALE says otherwise, and is nonsense refused in one
    sentence?"""
    assert sb.time_scale == clock.default_time_scale()
    with pytest.raises(SandboxError, match="at least 1"):
        sb.time_scale = 0
    with pytest.raises(SandboxError, match="number"):
        sb.time_scale = "fast"
    with time_scale(sb, 600):
        assert sb.time_scale == 600



def test_the_retry_of_a_deleted_function_is_dropped(fast):
    """When a function is deleted while its failed event waits for a retry, is the retry dropped?"""
    create_function(fast, "broken", FAILING)
    with time_scale(fast, 60):  # the retry waits one real second: time enough to delete the function
        invoke_event(fast, "broken")
        wait_for(lambda: starts(fast, "broken"), timeout=10)
        fast.client("lambda").delete_function(FunctionName="broken")
        assert fast.settle(timeout=20)
    assert len(starts(fast, "broken")) == 1
