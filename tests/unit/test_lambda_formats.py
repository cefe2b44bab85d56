"""Pure pieces of the Lambda runtime: log line formats, billing, error documents, handler names."""

import json
import sys

import pytest

from workbook.lambda_runtime import bootstrap, errors, logs
from workbook.lambda_runtime.invoke import split_function_name


def test_report_line_warm():
    """Is a warm REPORT line tab-separated with a trailing tab and no Init Duration?"""
    assert logs.report_line("id", 2.9, 128, 36) == (
        "REPORT RequestId: id\tDuration: 2.90 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t"
    )


def test_report_line_cold_puts_init_last_and_bills_it():
    """Does a cold REPORT put Init Duration last and bill ceil(duration + init)?"""
    assert logs.report_line("id", 15.74, 128, 40, init_ms=130.49) == (
        "REPORT RequestId: id\tDuration: 15.74 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\tInit Duration: 130.49 ms\t"
    )


def test_report_line_timeout():
    """Does a timed-out REPORT end with Status: timeout (no trailing tab)?"""
    assert logs.report_line("id", 1000, 128, 20, status="timeout") == (
        "REPORT RequestId: id\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 20 MB\tStatus: timeout"
    )


@pytest.mark.parametrize("duration, init, billed", [(27.55, None, 28), (3.0, None, 3), (0.04, None, 1), (3.01, 110.1, 114)])
def test_billed_duration_rounds_up_to_the_millisecond(duration, init, billed):
    """Is billed duration rounded up to whole milliseconds, init included on cold starts?"""
    assert logs.billed_duration(duration, init) == billed


def test_start_and_end_lines():
    """Do START and END lines match AWS's text (single space before Version)?"""
    assert logs.start_line("abc", "$LATEST") == "START RequestId: abc Version: $LATEST"
    assert logs.end_line("abc") == "END RequestId: abc"


def test_log_stream_name_format():
    """Is a log stream named YYYY/MM/DD/[version]<32 hex>?"""
    import datetime
    import re

    name = logs.log_stream_name("3", datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC))
    assert re.fullmatch(r"2026/01/31/\[3\][0-9a-f]{32}", name)


def test_split_output_keeps_multiline_records_together():
    """Is a record joined with \\r one log event (with newlines), and plain lines separate events?"""
    assert logs.split_output(b"a\nb\r  c\n") == ["a", "b\n  c"]
    assert logs.split_output(b"") == []


def test_tail_is_the_last_4_kb():
    """Does the LogResult tail keep exactly the last 4096 bytes?"""
    text = "x" * 5000 + "END"
    assert logs.tail(text) == text.encode()[-4096:]


def test_timeout_error_document():
    """Is the timeout error document AWS's Sandbox.Timedout with the configured timeout?"""
    assert errors.timeout_error("r1", 3) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: r1 Error: Task timed out after 3.00 seconds",
    }


@pytest.mark.parametrize(
    "returncode, reason",
    [
        (0, "Runtime exited without providing a reason"),
        (None, "Runtime exited without providing a reason"),
        (1, "Runtime exited with error: exit status 1"),
        (-9, "Runtime exited with error: signal: killed"),
        (-11, "Runtime exited with error: signal: segmentation fault"),
    ],
)
def test_exit_error_document(returncode, reason):
    """Does a dead runtime's exit status become AWS's Runtime.ExitError message?"""
    assert errors.exit_error("r1", returncode) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: r1 Error: {reason}",
    }


def test_throttle_error_body_has_reason():
    """Does the 429 body carry Type User and the Reason boto3 exposes?"""
    body = json.loads(errors.TooManyRequests().get_body())
    assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert body["Type"] == "User"


def test_error_document_from_exception_drops_runtime_frames():
    """Does the error document list only user frames, with errorType the bare class name?"""

    def user_code():
        raise KeyError("sku")

    try:
        user_code()
    except KeyError as exc:
        document = bootstrap.error_from_exception(exc, "r1")
    assert document["errorType"] == "KeyError"
    assert document["errorMessage"] == "'sku'"
    assert document["requestId"] == "r1"
    assert "in user_code" in document["stackTrace"][-1]


def test_error_log_record_uses_no_break_spaces_and_cr():
    """Is the [ERROR] record one line joined with \\r, leading spaces as U+00A0?"""
    record = bootstrap.error_log_record(
        {"errorType": "ValueError", "errorMessage": "bad", "stackTrace": ['  File "h.py", line 2, in handler\n    x()\n']}
    )
    assert record == (
        '[ERROR] ValueError: bad\rTraceback (most recent call last):\r\u00a0\u00a0File "h.py", line 2, in handler'
        "\r\u00a0\u00a0\u00a0\u00a0x()"
    )


@pytest.mark.parametrize(
    "handler, error_type, message",
    [
        ("nodot", "Runtime.MalformedHandlerName", "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"),
        ("sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
        ("no_such_module_here.handler", "Runtime.ImportModuleError",
         "Unable to import module 'no_such_module_here': No module named 'no_such_module_here'"),
        ("json.no_such_function", "Runtime.HandlerNotFound", "Handler 'no_such_function' missing on module 'json'"),
    ],
)
def test_handler_name_faults(handler, error_type, message):
    """Do bad handler names fail with the runtime's fault types and messages?"""
    with pytest.raises(bootstrap.FaultError) as raised:
        bootstrap.load_handler(handler)
    assert (raised.value.error_type, raised.value.message) == (error_type, message)


def test_handler_path_with_slash_is_a_package_path():
    """Is `package/module.function` imported as package.module?"""
    assert bootstrap.load_handler("json/decoder.JSONDecoder") is sys.modules["json.decoder"].JSONDecoder


@pytest.mark.parametrize(
    "raw, qualifier, expected",
    [
        ("orders", None, ("orders", None)),
        ("orders", "live", ("orders", "live")),
        ("orders:7", None, ("orders", "7")),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders", None, ("orders", None)),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST", None, ("orders", "$LATEST")),
        ("123456789012:function:orders:live", None, ("orders", "live")),
    ],
)
def test_function_name_forms(raw, qualifier, expected):
    """Are names, name:qualifier, full and partial ARNs split into (name, qualifier)?"""
    assert split_function_name(raw, qualifier) == expected


def test_marshal_error_for_unserialisable_results():
    """Does a result json can't encode raise Runtime.MarshalError with Python's message?"""
    with pytest.raises(bootstrap.FaultError) as raised:
        bootstrap.to_json({1, 2})
    assert raised.value.error_type == "Runtime.MarshalError"
    assert raised.value.message == "Unable to marshal response: Object of type set is not JSON serializable"


def test_decimal_results_are_numbers():
    """Are Decimal values (as DynamoDB returns them) marshalled as JSON numbers?"""
    from decimal import Decimal

    assert bootstrap.to_json({"a": Decimal("2"), "b": Decimal("1.5")}) == b'{"a": 2, "b": 1.5}'
