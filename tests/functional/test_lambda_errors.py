"""Function errors as AWS reports them: 200, FunctionError "Unhandled", an error document as payload."""

import pytest

from .lambda_helpers import create_function, invoke


def test_handler_exception_returns_the_error_document(sb):
    """Does an exception in the handler come back as errorMessage/errorType/requestId/stackTrace?"""
    create_function(
        sb,
        "boom",
        """
class OrderError(Exception):
    pass

def handler(event, context):
    raise OrderError("no such order")
""",
    )
    response = invoke(sb, "boom", LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert response["ExecutedVersion"] == "$LATEST"
    error = response["Payload"]
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorMessage"] == "no such order"
    assert error["errorType"] == "OrderError"
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert len(error["stackTrace"]) == 1
    assert 'handler.py", line 6, in handler\n    raise OrderError("no such order")\n' in error["stackTrace"][0]
    assert "[ERROR] OrderError: no such order\nTraceback (most recent call last):\n\u00a0\u00a0File" in response["Log"]


def test_a_failed_invoke_keeps_the_environment_warm(sb):
    """Does the next invoke after a handler exception reuse the environment (no Init Duration)?"""
    create_function(sb, "flaky", "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('x')\n    return 'ok'\n")
    invoke(sb, "flaky", {"fail": True})
    response = invoke(sb, "flaky", {}, LogType="Tail")
    assert response["Payload"] == "ok"
    assert "Init Duration" not in response["Log"]


@pytest.mark.parametrize(
    "code, handler, error_type, message",
    [
        ("def handler(e, c):\n    pass\n", "missing.handler", "Runtime.ImportModuleError",
         "Unable to import module 'missing': No module named 'missing'"),
        ("import not_installed_anywhere\n", "handler.handler", "Runtime.ImportModuleError",
         "Unable to import module 'handler': No module named 'not_installed_anywhere'"),
        ("def other(e, c):\n    pass\n", "handler.handler", "Runtime.HandlerNotFound",
         "Handler 'handler' missing on module 'handler'"),
        ("def handler(e, c):\n    pass\n", "handler", "Runtime.MalformedHandlerName",
         "Bad handler 'handler': not enough values to unpack (expected 2, got 1)"),
    ],
)
def test_init_faults(sb, code, handler, error_type, message):
    """Do a missing module, a missing handler and a malformed handler name fail init as on AWS?"""
    create_function(sb, "broken", code, handler=handler)
    response = invoke(sb, "broken", LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    assert f"[ERROR] {error_type}: {message}" in response["Log"]


def test_syntax_error(sb):
    """Does a syntax error in the handler module report Runtime.UserCodeSyntaxError with the line?"""
    create_function(sb, "typo", "def handler(event, context)\n    return 1\n")
    error = invoke(sb, "typo")["Payload"]
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'handler': ")
    assert error["requestId"] == ""
    assert error["stackTrace"][0].startswith('  File "') and " Line 1\n" in error["stackTrace"][0]


def test_exception_at_import_time(sb):
    """Does an exception raised by module code report its own type with requestId ''?"""
    create_function(sb, "badinit", "raise RuntimeError('config missing')\ndef handler(e, c):\n    pass\n")
    error = invoke(sb, "badinit")["Payload"]
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "config missing"
    assert error["requestId"] == ""


def test_init_is_retried_on_the_next_invoke(sb):
    """After a failed init, does the next invoke try init again (and succeed once the code is fixed)?"""
    create_function(sb, "fixme", "import nowhere_to_be_found\n")
    assert invoke(sb, "fixme")["FunctionError"] == "Unhandled"
    from .lambda_helpers import make_zip

    sb.client("lambda").update_function_code(
        FunctionName="fixme", ZipFile=make_zip("def handler(e, c):\n    return 'fixed'\n")
    )
    assert invoke(sb, "fixme")["Payload"] == "fixed"


def test_result_json_cannot_encode(sb):
    """Does returning a set give Runtime.MarshalError?"""
    create_function(sb, "sets", "def handler(event, context):\n    return {1, 2}\n")
    response = invoke(sb, "sets")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": response["ResponseMetadata"]["RequestId"],
        "stackTrace": [],
    }


def test_response_over_6_mb(sb):
    """Is a result over 6 MB replaced by Function.ResponseSizeTooLarge?"""
    create_function(sb, "big", "def handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n")
    response = invoke(sb, "big")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
